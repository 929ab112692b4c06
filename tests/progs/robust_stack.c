/* Robustness: unusual and corrupt stacks under the profiler's unwinder.
 * Each mode burns ~MS of CPU (default 300) in a known function while the
 * stack is odd, then prints "MODE done":
 *   altstack  a thread burns inside a SIGUSR1 handler running on a
 *             sigaltstack (on_altstack_work)
 *   rbp       rbp holds garbage (null, unmapped, kernel, misaligned, a
 *             pointer to itself) and the CFA rule is wrong (an unannounced
 *             push) while the loop runs (clobbered_rbp_work)
 *   alloca    a huge alloca (6 MiB) on a thread with a 16 MiB stack, rbp
 *             clobbered too (huge_alloca_work)
 *   ucontext  makecontext/swapcontext coroutines on heap stacks
 *             (coroutine_work), switching back and forth
 *   fakestack rsp points into a buffer of random words, some of them code
 *             and stack addresses, that ends at a PROT_NONE page
 *             (fake_stack_work)
 *   jit       a loop in anonymous executable memory (no file, no CFI),
 *             called from jit_caller
 *   deep      recursion 1000 deep (deep_work), deeper than any stack depth
 *             limit
 *   many      ~65000 distinct stacks: 16-deep chains of branch_a/branch_b
 *             chosen by the bits of a counter, a little work at each leaf
 *             (leaf_work)
 * usage: robust_stack MODE [MS] */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "burn.h"

static long ms = 300;

/* ---- altstack ---- */
__attribute__((noinline)) static void on_altstack_work(void)
{
	burn(ms * 1000);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

static void on_usr1(int sig)
{
	(void)sig;
	on_altstack_work();
}

static void *altstack_thread(void *arg)
{
	(void)arg;
	stack_t ss = {.ss_size = 256 * 1024, .ss_flags = 0};
	ss.ss_sp = malloc(ss.ss_size);
	if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0)
		return (void *)1;
	pthread_kill(pthread_self(), SIGUSR1);
	stack_t off = {.ss_flags = SS_DISABLE};
	sigaltstack(&off, NULL);
	free(ss.ss_sp);
	return NULL;
}

static int mode_altstack(void)
{
	struct sigaction a;
	memset(&a, 0, sizeof(a));
	a.sa_handler = on_usr1;
	a.sa_flags = SA_ONSTACK;
	sigemptyset(&a.sa_mask);
	if (sigaction(SIGUSR1, &a, NULL) != 0)
		return 1;
	pthread_t t;
	void *rv;
	if (pthread_create(&t, NULL, altstack_thread, NULL) != 0 || pthread_join(t, &rv) != 0)
		return 1;
	return rv != NULL;
}

/* ---- rbp ---- */
/* Spin `iters` times with rbp = bad and an extra word pushed that the CFI
 * does not know about. */
static void spin_bad_rbp(uintptr_t bad, long iters)
{
	__asm__ volatile("push %%rbp\n\t"
			 "mov %1, %%rbp\n\t"
			 "1: dec %0\n\t"
			 "jnz 1b\n\t"
			 "pop %%rbp"
			 : "+r"(iters)
			 : "r"(bad)
			 : "memory", "cc");
}

__attribute__((noinline)) static void clobbered_rbp_work(long us)
{
	uintptr_t self;
	const uintptr_t bad[] = {
		0, 8, 0x1000, 0xdeadbeefUL, 0x7ffffffff000UL, 0xffff800000000000UL,
		(uintptr_t)&bad[1] + 3, (uintptr_t)&self, (uintptr_t)(void *)clobbered_rbp_work,
	};
	self = (uintptr_t)&self; /* a frame pointer that points at itself */
	long t0 = cpu_ns();
	for (unsigned i = 0; cpu_ns() - t0 < us * 1000; i++)
		spin_bad_rbp(bad[i % (sizeof(bad) / sizeof(bad[0]))], 200000);
}

static int mode_rbp(void)
{
	clobbered_rbp_work(ms * 1000);
	return 0;
}

/* ---- alloca ---- */
__attribute__((noinline)) static void huge_alloca_work(size_t n)
{
	volatile char *p = __builtin_alloca(n);
	for (size_t i = 0; i < n; i += 4096)
		p[i] = (char)i; /* touch every page, lowest last */
	long t0 = cpu_ns();
	while (cpu_ns() - t0 < ms * 1000000L)
		spin_bad_rbp((uintptr_t)p + 7, 200000);
	sink = p[n / 2];
}

static void *alloca_thread(void *arg)
{
	huge_alloca_work((size_t)arg);
	return NULL;
}

static int mode_alloca(void)
{
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 16 << 20);
	pthread_t t;
	if (pthread_create(&t, &at, alloca_thread, (void *)(size_t)(6 << 20)) != 0)
		return 1;
	pthread_join(t, NULL);
	pthread_attr_destroy(&at);
	return 0;
}

/* ---- ucontext ---- */
static ucontext_t main_uc, co_uc[2];
static volatile int co_rounds;

__attribute__((noinline)) static void coroutine_work(int which)
{
	for (;;) {
		burn(2000);
		co_rounds++;
		swapcontext(&co_uc[which], which ? &main_uc : &co_uc[1]);
	}
}

static void co_entry(int which)
{
	coroutine_work(which);
}

static int make_co(int i)
{
	size_t sz = 128 * 1024;
	void *stk = malloc(sz);
	if (!stk || getcontext(&co_uc[i]) != 0)
		return 1;
	co_uc[i].uc_stack.ss_sp = stk;
	co_uc[i].uc_stack.ss_size = sz;
	co_uc[i].uc_link = &main_uc;
	makecontext(&co_uc[i], (void (*)(void))co_entry, 1, i);
	return 0;
}

static int mode_ucontext(void)
{
	if (make_co(0) || make_co(1))
		return 1;
	long t0 = cpu_ns();
	while (cpu_ns() - t0 < ms * 1000000L) {
		if (swapcontext(&main_uc, &co_uc[0]) != 0)
			return 1;
		burn(500);
	}
	return co_rounds > 0 ? 0 : 1;
}

/* ---- fakestack ---- */
__attribute__((noinline)) static void fake_stack_work(void *top, long iters)
{
	/* Run the loop with rsp = top (rbp garbage too); restore both after. */
	__asm__ volatile("push %%rbp\n\t"
			 "mov %%rsp, %%rbx\n\t"
			 "mov %1, %%rsp\n\t"
			 "mov %1, %%rbp\n\t"
			 "1: dec %0\n\t"
			 "jnz 1b\n\t"
			 "mov %%rbx, %%rsp\n\t"
			 "pop %%rbp"
			 : "+r"(iters)
			 : "r"(top)
			 : "rbx", "memory", "cc");
}

static int mode_fakestack(void)
{
	size_t sz = 256 * 1024;
	uint8_t *m = mmap(NULL, sz + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + sz, 4096, PROT_NONE) != 0)
		return 1;
	uintptr_t *w = (uintptr_t *)m;
	size_t nw = sz / sizeof(*w);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uintptr_t code = (uintptr_t)(void *)fake_stack_work, stack = (uintptr_t)&x;
	for (size_t i = 0; i < nw; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (x % 6) {
		case 0: w[i] = code + (x >> 8) % 4096; break;               /* code-ish */
		case 1: w[i] = stack + ((x >> 8) % 65536) - 32768; break;   /* stack-ish */
		case 2: w[i] = (uintptr_t)(m + (x >> 8) % (sz + 4096)); break; /* this buffer, or guard */
		case 3: w[i] = (uintptr_t)(m + sz + 8 * ((x >> 8) % 512)); break; /* the guard page */
		default: w[i] = (uintptr_t)x; break;
		}
	}
	/* The top 8 KiB hold only pointers into the guard page: any walk that
	 * climbs there must stop at the unreadable page. */
	uint8_t *top = m + sz - 8192;
	for (uintptr_t *p = (uintptr_t *)top; p < (uintptr_t *)(m + sz); p++)
		*p = (uintptr_t)(m + sz + 64);
	long t0 = cpu_ns();
	for (int i = 0; cpu_ns() - t0 < ms * 1000000L; i++) {
		/* Vary rsp over the buffer (16-byte aligned, room for the kernel's
		 * signal frame below it). */
		size_t off = 64 * 1024 + (size_t)(i * 4104) % (sz - 64 * 1024 - 8192);
		fake_stack_work(m + (off & ~(size_t)15), 200000);
	}
	munmap(m, sz + 4096);
	return 0;
}

/* ---- jit ---- */
__attribute__((noinline)) static void jit_caller(void (*fn)(long), long iters)
{
	fn(iters);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

static int mode_jit(void)
{
	/* loop: dec %rdi; jnz loop; ret */
	static const unsigned char code[] = {0x48, 0xff, 0xcf, 0x75, 0xfb, 0xc3};
	unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	memcpy(m, code, sizeof(code));
	if (mprotect(m, 4096, PROT_READ | PROT_EXEC) != 0)
		return 1;
	void (*fn)(long);
	memcpy(&fn, &m, sizeof(fn));
	long t0 = cpu_ns();
	while (cpu_ns() - t0 < ms * 1000000L)
		jit_caller(fn, 1000000);
	munmap(m, 4096);
	return 0;
}

/* ---- deep ---- */
__attribute__((noinline)) static long deep_work(int depth)
{
	if (depth == 0) {
		burn(2000);
		return 1;
	}
	long r = deep_work(depth - 1) + 1;
	__asm__ volatile("" : "+r"(r)::"memory"); /* a real frame per level */
	return r;
}

static int mode_deep(void)
{
	long t0 = cpu_ns();
	while (cpu_ns() - t0 < ms * 1000000L)
		if (deep_work(1000) != 1001)
			return 1;
	return 0;
}

/* ---- many ---- */
__attribute__((noinline)) static void leaf_work(void)
{
	double x = 1.0;
	for (int i = 0; i < 20000; i++)
		x = x * 1.0000001 + 0.0000001;
	sink = x;
}

__attribute__((noinline)) static void branch_b(unsigned bits, int depth);
__attribute__((noinline)) static void branch_a(unsigned bits, int depth)
{
	if (depth == 0)
		leaf_work();
	else if (bits & 1)
		branch_b(bits >> 1, depth - 1);
	else
		branch_a(bits >> 1, depth - 1);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

__attribute__((noinline)) static void branch_b(unsigned bits, int depth)
{
	if (depth == 0)
		leaf_work();
	else if (bits & 1)
		branch_a(bits >> 1, depth - 1);
	else
		branch_b(bits >> 1, depth - 1);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

static int mode_many(void)
{
	long t0 = cpu_ns();
	for (unsigned i = 0; cpu_ns() - t0 < ms * 1000000L; i++)
		branch_a(i * 2654435761u, 16);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (argc > 2)
		ms = atol(argv[2]);
	int rc;
	if (!strcmp(argv[1], "altstack"))
		rc = mode_altstack();
	else if (!strcmp(argv[1], "rbp"))
		rc = mode_rbp();
	else if (!strcmp(argv[1], "alloca"))
		rc = mode_alloca();
	else if (!strcmp(argv[1], "ucontext"))
		rc = mode_ucontext();
	else if (!strcmp(argv[1], "fakestack"))
		rc = mode_fakestack();
	else if (!strcmp(argv[1], "jit"))
		rc = mode_jit();
	else if (!strcmp(argv[1], "deep"))
		rc = mode_deep();
	else if (!strcmp(argv[1], "many"))
		rc = mode_many();
	else
		return 2;
	if (rc == 0)
		printf("%s done\n", argv[1]);
	return rc;
}
