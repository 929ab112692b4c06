/* Profile labels (cprof_labels_push/pop, CPROF_LABELS), linked against
 * libcprof.  Modes (profiles come from the CPROF_* variables):
 *
 *   labels api         the API's contract: errors, pop, the scoped macro
 *                      leaving by break, return, goto ("ok"/"not ok" lines)
 *   labels cpu         CPU work: phase=light 1 part, phase=heavy 3 parts;
 *                      nested phase=nested,extra=x inside heavy; a thread
 *                      created under owner=parent that burns (inherits)
 *   labels heap        at rate 1: 10 blocks kept under alloc=a, 30 under
 *                      alloc=b, 5 unlabelled
 *   labels overflow    more distinct sets than the table holds, then CPU
 *                      work in an overflowed set
 *   labels fork        under side=parent, fork: the child pushes child=yes
 *                      and burns 200 ms, pops both (a third pop fails);
 *                      the parent burns 100 ms
 *   labels stress N    N threads pushing and popping without end of sets
 *                      while SIGPROF arrives at a high rate; ~1.5 s
 */
#include <cprof.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "burn.h"

static int failures;
static void expect(int cond, const char *name, int got)
{
	printf("%s %s", cond ? "ok" : "not ok", name);
	if (!cond) {
		printf(": got %d", got);
		failures++;
	}
	printf("\n");
}

/* ---- api ---- */

static int scoped_return(void)
{
	CPROF_LABELS("scope", "return")
	{
		return cprof_labels_pop() == 0 ? 1 : 0; /* pushed: pop it, push back */
	}
	return -1;
}

static int push_back_and_return(void)
{
	CPROF_LABELS("scope", "return")
	{
		return 7;
	}
	return -1;
}

static void *thread_pop(void *arg)
{
	*(int *)arg = cprof_labels_pop();
	return NULL;
}

static int api(void)
{
	int rc = cprof_labels_pop();
	expect(rc == -ENOENT, "pop_nothing_pushed_enoent", rc);
	rc = cprof_labels_push("a", "1", "b", (const char *)NULL);
	expect(rc == -EINVAL, "odd_count_einval", rc);
	rc = cprof_labels_push("", "1", (const char *)NULL);
	expect(rc == -EINVAL, "empty_key_einval", rc);
	rc = cprof_labels_push("thread", "1", (const char *)NULL);
	expect(rc == -EINVAL, "reserved_key_einval", rc);
	char longv[CPROF_LABELS_MAX_LEN + 2];
	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = 0;
	rc = cprof_labels_push("k", longv, (const char *)NULL);
	expect(rc == -ENAMETOOLONG, "long_value_enametoolong", rc);
	longv[CPROF_LABELS_MAX_LEN] = 0; /* exactly the limit */
	rc = cprof_labels_push("k", longv, (const char *)NULL);
	expect(rc == 0 && cprof_labels_pop() == 0, "value_at_limit_ok", rc);
	rc = cprof_labels_push("k1", "v", "k2", "v", "k3", "v", "k4", "v", "k5", "v", "k6", "v",
			       "k7", "v", "k8", "v", "k9", "v", "k10", "v", "k11", "v", "k12", "v",
			       "k13", "v", "k14", "v", "k15", "v", "k16", "v", "k17", "v",
			       (const char *)NULL);
	expect(rc == -E2BIG, "too_many_pairs_e2big", rc);
	/* 16 pairs from two pushes is the limit; one more key is too many,
	 * a key overridden is not. */
	rc = cprof_labels_push("k1", "v", "k2", "v", "k3", "v", "k4", "v", "k5", "v", "k6", "v",
			       "k7", "v", "k8", "v", (const char *)NULL);
	int rc2 = cprof_labels_push("k9", "v", "k10", "v", "k11", "v", "k12", "v", "k13", "v",
				    "k14", "v", "k15", "v", "k16", "v", (const char *)NULL);
	expect(rc == 0 && rc2 == 0, "sixteen_pairs_nested_ok", rc2);
	rc = cprof_labels_push("k17", "v", (const char *)NULL);
	expect(rc == -E2BIG, "seventeenth_nested_e2big", rc);
	rc = cprof_labels_push("k1", "w", (const char *)NULL);
	expect(rc == 0 && cprof_labels_pop() == 0, "override_at_limit_ok", rc);
	expect(cprof_labels_pop() == 0 && cprof_labels_pop() == 0, "pop_nested_twice", 0);
	expect(cprof_labels_pop() == -ENOENT, "pop_balanced_then_enoent", 0);
	int depth = 0;
	while ((rc = cprof_labels_push("d", "1", (const char *)NULL)) == 0 && depth < 5000)
		depth++;
	expect(rc == -EOVERFLOW && depth == CPROF_LABELS_MAX_DEPTH, "depth_limit_eoverflow", depth);
	while (depth-- > 0)
		cprof_labels_pop();
	expect(cprof_labels_pop() == -ENOENT, "depth_all_popped", 0);

	/* The scoped form pops on every way out of its block. */
	int once = 0;
	CPROF_LABELS("scope", "break")
	{
		once++;
		break;
	}
	expect(once == 1 && cprof_labels_pop() == -ENOENT, "macro_pops_on_break", once);
	CPROF_LABELS("scope", "end")
	{
		once++;
	}
	expect(once == 2 && cprof_labels_pop() == -ENOENT, "macro_pops_at_end", once);
	rc = push_back_and_return();
	expect(rc == 7 && cprof_labels_pop() == -ENOENT, "macro_pops_on_return", rc);
	CPROF_LABELS("scope", "goto")
	{
		goto out;
	}
out:
	expect(cprof_labels_pop() == -ENOENT, "macro_pops_on_goto", 0);
	/* Inside the block one set is pushed (popping it there makes the
	 * macro's pop at the end fail harmlessly: nothing is popped twice). */
	CPROF_LABELS("outer", "1")
	{
		rc = cprof_labels_push("inner", "2", (const char *)NULL);
		CPROF_LABELS("inner2", "3")
		{
			expect(cprof_labels_pop() == 0 && cprof_labels_push("x", "y", NULL) == 0,
			       "macro_nested_inside", 0);
		}
		expect(rc == 0 && cprof_labels_pop() == 0, "macro_nested_pop_inner", rc);
	}
	expect(cprof_labels_pop() == -ENOENT, "macro_nested_all_popped", 0);
	expect(scoped_return() == 1 && cprof_labels_pop() == -ENOENT, "macro_return_after_pop", 0);
	/* A failed push in the macro runs the block, pops nothing. */
	rc = cprof_labels_push("keep", "1", (const char *)NULL);
	CPROF_LABELS("thread", "reserved")
	{
		once++;
	}
	expect(once == 3 && cprof_labels_pop() == 0 && cprof_labels_pop() == -ENOENT,
	       "macro_failed_push_pops_nothing", once);
	/* A thread inherits the set but cannot pop it. */
	rc = cprof_labels_push("owner", "parent", (const char *)NULL);
	pthread_t t;
	int trc = 1;
	if (pthread_create(&t, NULL, thread_pop, &trc) == 0)
		pthread_join(t, NULL);
	expect(trc == -ENOENT, "inherited_set_not_poppable", trc);
	cprof_labels_pop();
	printf("%s\n", cprof_strerror(-ENOENT));
	return failures ? 1 : 0;
}

/* ---- cpu ---- */

__attribute__((noinline)) static void light(long us)
{
	burn(us + 1);
	__asm__ volatile("");
}

__attribute__((noinline)) static void heavy(long us)
{
	burn(us);
	__asm__ volatile("");
}

__attribute__((noinline)) static void nested(long us)
{
	burn(us + 2);
	__asm__ volatile("");
}

__attribute__((noinline)) static void *child(void *arg)
{
	burn(200000);
	return arg;
}

static int cpu(void)
{
	/* Interleaved, of irregular lengths (a CPU timer's fixed period would
	 * alias with a fixed cycle), 1:3 on average; what each took is
	 * measured and printed, the truth the profile is held to.  Segments
	 * of 10 ms and more: a sample (weighted by the periods it stands for,
	 * up to a 4 ms kernel tick's worth) goes to the labels current when
	 * it arrives, so each boundary moves a few ms either way. */
	long light_ns = 0, heavy_ns = 0;
	unsigned r = 12345;
	for (int i = 0; i < 16; i++) {
		r = r * 1103515245 + 12345;
		long us = 10000 + (long)(r >> 8) % 20000;
		long t0 = cpu_ns();
		CPROF_LABELS("phase", "light")
		{
			light(us);
		}
		long t1 = cpu_ns();
		CPROF_LABELS("phase", "heavy", "weight", "3")
		{
			heavy(3 * us);
		}
		heavy_ns += cpu_ns() - t1;
		light_ns += t1 - t0;
	}
	printf("light_ms %ld\nheavy_ms %ld\n", light_ns / 1000000, heavy_ns / 1000000);
	CPROF_LABELS("phase", "heavy")
	{
		CPROF_LABELS("phase", "nested", "extra", "x")
		{
			nested(200000);
		}
	}
	pthread_t t;
	CPROF_LABELS("owner", "parent")
	{
		if (pthread_create(&t, NULL, child, NULL) != 0)
			return 1;
	}
	pthread_join(t, NULL);
	return 0;
}

/* ---- heap ---- */

__attribute__((noinline)) static void keep_blocks(void **v, int n)
{
	for (int i = 0; i < n; i++)
		v[i] = malloc(1000);
	__asm__ volatile("" ::"r"(v) : "memory");
}

static void *kept[64];

static int heap(void)
{
	CPROF_LABELS("alloc", "a")
	{
		keep_blocks(kept, 10);
	}
	CPROF_LABELS("alloc", "b")
	{
		keep_blocks(kept + 10, 30);
	}
	keep_blocks(kept + 40, 5);
	return 0;
}

/* ---- overflow ---- */

static int overflow(void)
{
	char v[32];
	int fails = 0;
	for (int i = 0; i < CPROF_LABELS_MAX_SETS + 100; i++) {
		snprintf(v, sizeof(v), "%d", i);
		if (cprof_labels_push("i", v, (const char *)NULL) != 0)
			fails++;
		cprof_labels_pop();
	}
	printf("push failures %d\n", fails);
	CPROF_LABELS("i", "late one")
	{
		heavy(200000);
	}
	return fails ? 1 : 0;
}

/* ---- fork ---- */

static int forked(void)
{
	if (cprof_labels_push("side", "parent", NULL) != 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		int good = cprof_labels_push("child", "yes", NULL) == 0;
		heavy(200000);
		good = good && cprof_labels_pop() == 0 && cprof_labels_pop() == 0 &&
		       cprof_labels_pop() == -ENOENT;
		_exit(good ? 0 : 3);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 1;
	light(100000);
	cprof_labels_pop();
	printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

/* ---- stress ---- */

static void *stress_main(void *arg)
{
	long id = (long)arg;
	char v[16];
	long t0 = cpu_ns();
	unsigned long n = 0;
	while (cpu_ns() - t0 < 1500L * 1000000) {
		snprintf(v, sizeof(v), "%lu", n % 7);
		if (cprof_labels_push("worker", id & 1 ? "odd" : "even", "round", v, NULL) != 0)
			return (void *)1;
		CPROF_LABELS("inner", "yes")
		{
			burn(20);
		}
		if (cprof_labels_pop() != 0)
			return (void *)1;
		n++;
	}
	return NULL;
}

static int stress(int nthreads)
{
	pthread_t t[16];
	if (nthreads < 1 || nthreads > 16)
		return 2;
	for (long i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, stress_main, (void *)i) != 0)
			return 1;
	int bad = 0;
	for (int i = 0; i < nthreads; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += r != NULL;
	}
	printf("stress %s\n", bad ? "failed" : "done");
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "api"))
		return api();
	if (argc >= 2 && !strcmp(argv[1], "cpu"))
		return cpu();
	if (argc >= 2 && !strcmp(argv[1], "heap"))
		return heap();
	if (argc >= 2 && !strcmp(argv[1], "overflow"))
		return overflow();
	if (argc >= 2 && !strcmp(argv[1], "fork"))
		return forked();
	if (argc >= 3 && !strcmp(argv[1], "stress"))
		return stress(atoi(argv[2]));
	return 2;
}
