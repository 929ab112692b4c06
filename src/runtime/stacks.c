/*
 * stacks.c — the profiles counted per stack: threadcreate (the stacks that
 * created threads), mutex and block (contention.c's waits).  Each keeps a
 * table of (stack, label set) with two summed values (the label set is the
 * recording thread's, labels.c), recorded in normal context from
 * any thread; the table's memory is the arena's (cprof's own) and its lock
 * a spinlock, because the code that records may itself be a lock
 * interposer.  Written by cprof_profile_write, and at exit to the path of
 * its CPROF_* variable.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "runtime/emit.h"
#include "runtime/textprof.h"
#include "base/hash.h"

#include <cprof.h>
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct cprof__stacks cprof__stacks;

typedef struct sentry {
	uint64_t hash;
	const cprof__labelset *labels;
	int64_t v[2];
	uint32_t depth;
	uintptr_t pcs[];
} sentry;

struct cprof__stacks {
	cprof__spin lock;
	sentry **slot; /* open addressing, power-of-two cap */
	size_t cap, n;
	uint64_t dropped; /* records lost to OOM */
};

static cprof__stacks *stacks_new(void)
{
	return cprof__arena_calloc(1, sizeof(cprof__stacks));
}

static void lock(cprof__stacks *t)
{
	cprof__spin_lock(&t->lock);
}

static void unlock(cprof__stacks *t)
{
	cprof__spin_unlock(&t->lock);
}

static uint64_t hash_pcs(const uintptr_t *pcs, uint32_t n, const cprof__labelset *ls)
{
	uint64_t h = cprof__hash_step(0x9e3779b97f4a7c15ULL ^ n, (uintptr_t)ls);
	for (uint32_t i = 0; i < n; i++)
		h = cprof__hash_step(h, pcs[i]);
	return h | 1; /* 0 marks nothing */
}

/* t locked. */
static bool grow(cprof__stacks *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	sentry **v = cprof__arena_calloc(cap, sizeof(*v));
	if (!v)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		sentry *e = t->slot[i];
		if (!e)
			continue;
		size_t j = e->hash & (cap - 1);
		while (v[j])
			j = (j + 1) & (cap - 1);
		v[j] = e;
	}
	cprof__arena_free(t->slot);
	t->slot = v;
	t->cap = cap;
	return true;
}

static void stacks_add(cprof__stacks *t, const uintptr_t *pcs, uint32_t n,
		       const cprof__labelset *ls, int64_t v0, int64_t v1)
{
	uint64_t h = hash_pcs(pcs, n, ls);
	lock(t);
	if ((t->n + 1) * 2 > t->cap && !grow(t)) {
		t->dropped++;
		unlock(t);
		return;
	}
	size_t j = h & (t->cap - 1);
	for (sentry *e; (e = t->slot[j]); j = (j + 1) & (t->cap - 1)) {
		if (e->hash == h && e->depth == n && e->labels == ls &&
		    !memcmp(e->pcs, pcs, n * sizeof(*pcs))) {
			e->v[0] += v0;
			e->v[1] += v1;
			unlock(t);
			return;
		}
	}
	sentry *e = cprof__arena_alloc(sizeof(*e) + n * sizeof(*pcs));
	if (!e) {
		t->dropped++;
		unlock(t);
		return;
	}
	e->hash = h;
	e->labels = ls;
	e->v[0] = v0;
	e->v[1] = v1;
	e->depth = n;
	memcpy(e->pcs, pcs, n * sizeof(*pcs));
	t->slot[j] = e;
	t->n++;
	unlock(t);
}

static void stacks_emit(cprof__stacks *t, cprof__emit *e)
{
	/* Copied under the lock, emitted without it: emitting allocates and
	 * symbolises, and recording must never wait for that.  Entries live
	 * as long as t; their values are copied with them. */
	struct row {
		const sentry *s;
		int64_t v[2];
	} * rows;
	lock(t);
	size_t k = 0;
	rows = cprof__arena_alloc((t->n ? t->n : 1) * sizeof(*rows));
	for (size_t i = 0; rows && i < t->cap; i++)
		if (t->slot[i]) {
			rows[k].s = t->slot[i];
			memcpy(rows[k].v, t->slot[i]->v, sizeof(rows[k].v));
			k++;
		}
	unlock(t);
	if (!rows) {
		e->p.oom = true;
		return;
	}
	for (size_t i = 0; i < k; i++)
		cprof__emit_sample_ls(e, rows[i].s->pcs, rows[i].s->depth, rows[i].v, NULL, 0,
				      rows[i].s->labels);
	cprof__arena_free(rows);
}

/* ---- the profiles ---- */

static const struct kind {
	const char *name;  /* cprof_profile_write's, Go's */
	const char *env;   /* the path variable */
	const char *type;  /* first sample type and period type: TYPE/count */
	const char *type2; /* second sample type, TYPE2/nanoseconds; NULL: none */
} kinds[CPROF__SP_N] = {
	[CPROF__SP_THREADCREATE] = {"threadcreate", "CPROF_THREADCREATE", "threadcreate", NULL},
	/* Go's names and types for both (runtime/pprof printCountCycleProfile) */
	[CPROF__SP_MUTEX] = {"mutex", "CPROF_MUTEX", "contentions", "delay"},
	[CPROF__SP_BLOCK] = {"block", "CPROF_BLOCK", "contentions", "delay"},
};

static struct {
	_Atomic(cprof__stacks *) tab;
	char *path, *family; /* from the environment */
	bool env_on;
} K[CPROF__SP_N];
static pid_t env_pid;

/* The table of kind, made on first use (racing makers: one wins). */
static cprof__stacks *table(int kind)
{
	cprof__stacks *t = atomic_load(&K[kind].tab);
	if (t)
		return t;
	cprof__stacks *mine = stacks_new(), *none = NULL;
	if (!mine)
		return NULL;
	if (atomic_compare_exchange_strong(&K[kind].tab, &none, mine))
		return mine;
	cprof__arena_free(mine);
	return none;
}

__attribute__((noinline)) void cprof__stackprof_record(int kind, int skip, int64_t v0, int64_t v1)
{
	uintptr_t pcs[CPROF_MAX_DEPTH];
	int n = cprof__unwind_here(pcs, CPROF_MAX_DEPTH, skip + 1);
	if (n > 0)
		cprof__stackprof_add(kind, pcs, (uint32_t)n, v0, v1);
}

void cprof__stackprof_add(int kind, const uintptr_t *pcs, uint32_t n, int64_t v0, int64_t v1)
{
	int was = cprof__own_enter(); /* the table is cprof's memory */
	cprof__stacks *t = table(kind);
	if (t && n > 0)
		stacks_add(t, pcs, n, cprof__labels_cur, v0, v1);
	cprof__own_leave(was);
}

size_t cprof__stackprof_count(int kind)
{
	cprof__stacks *t = atomic_load(&K[kind].tab);
	if (!t)
		return 0;
	lock(t);
	size_t n = t->n;
	unlock(t);
	return n;
}

void cprof__stackprof_totals(int kind, int64_t *v0, int64_t *v1)
{
	*v0 = *v1 = 0;
	cprof__stacks *t = atomic_load(&K[kind].tab);
	if (!t)
		return;
	lock(t);
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i]) {
			*v0 += t->slot[i]->v[0];
			*v1 += t->slot[i]->v[1];
		}
	unlock(t);
}

bool cprof__stackprof_env_on(int kind)
{
	return K[kind].env_on;
}

int cprof__stackprof_kind(const char *name)
{
	for (int k = 0; k < CPROF__SP_N; k++)
		if (!strcmp(kinds[k].name, name))
			return k;
	return -1;
}

int cprof__stackprof_write(int kind, int fd)
{
	cprof__emit e;
	cprof__emit_begin(&e);
	cprof__profile *p = &e.p;
	cprof__profile_add_sample_type(p, kinds[kind].type, "count");
	if (kinds[kind].type2)
		cprof__profile_add_sample_type(p, kinds[kind].type2, "nanoseconds");
	p->period_type.type = cprof__profile_str(p, kinds[kind].type);
	p->period_type.unit = cprof__profile_str(p, "count");
	p->period = 1;
	p->time_nanos = cprof__now_ns();
	cprof__stacks *t = table(kind);
	if (t) {
		stacks_emit(t, &e);
		lock(t);
		uint64_t lost = t->dropped;
		unlock(t);
		if (lost) {
			int64_t v[2] = {(int64_t)lost, 0};
			cprof__emit_event(&e, "cprof.lostProfileEvent", v);
		}
	} else {
		e.p.oom = true;
	}
	int rc = cprof__emit_end(&e, fd);
	cprof__emit_free(&e);
	return rc;
}

/* Go's debug=1 text of kind (textprof.h): count profiles as
 * printCountProfile writes them.  Same copying as stacks_emit. */
int cprof__stackprof_write_text(int kind, int fd)
{
	cprof__stacks *t = table(kind);
	if (!t)
		return -ENOMEM;
	lock(t);
	size_t n = 0;
	cprof__text_rec *recs = cprof__arena_calloc(t->n + 1, sizeof(*recs));
	for (size_t i = 0; recs && i < t->cap; i++)
		if (t->slot[i]) {
			recs[n].pcs = t->slot[i]->pcs;
			recs[n].depth = t->slot[i]->depth;
			memcpy(recs[n].v, t->slot[i]->v, sizeof(t->slot[i]->v));
			n++;
		}
	uint64_t lost = t->dropped;
	unlock(t);
	if (!recs)
		return -ENOMEM;
	if (lost)
		recs[n++] =
			(cprof__text_rec){.v = {(int64_t)lost}, .pseudo = "cprof.lostProfileEvent"};
	cprof__emit e;
	cprof__emit_begin(&e);
	for (size_t i = 0; i < n; i++)
		if (!recs[i].pseudo)
			cprof__emit_sample(&e, recs[i].pcs, recs[i].depth, recs[i].v, NULL, 0);
	int rc = cprof__emit_end(&e, -1);
	/* Count profiles; the contention kinds Go's contention text.  The
	 * tables hold unbiased values already (each record scaled by the
	 * fraction in force when it was taken, which may have changed since):
	 * "sampling period=1" for mutex, so that pprof scales nothing. */
	if (rc == 0 && kind == CPROF__SP_MUTEX)
		rc = cprof__text_contention(fd, &e, "mutex", 1, recs, n);
	else if (rc == 0 && kind == CPROF__SP_BLOCK)
		rc = cprof__text_contention(fd, &e, "contention", 0, recs, n);
	else if (rc == 0)
		rc = cprof__text_count(fd, &e, kinds[kind].name, recs, n);
	cprof__emit_free(&e);
	cprof__arena_free(recs);
	return rc;
}

static int write_cb(int fd, void *arg)
{
	return cprof__stackprof_write(*(int *)arg, fd);
}

bool cprof__stackprof_start_env(void)
{
	bool any = false;
	env_pid = getpid();
	for (int k = 0; k < CPROF__SP_N; k++) {
		K[k].path = cprof__out_env_path(kinds[k].env, getenv(kinds[k].env), &K[k].family);
		if (!K[k].path)
			continue;
		int rc = cprof__out_check(K[k].path);
		if (rc != 0) {
			cprof__log("cannot write '", K[k].path, "': ",
				   rc == -EINVAL
					   ? "not a regular file (a FIFO, socket or block device)"
					   : cprof_strerror(rc),
				   "; that profile is not written", NULL);
			unsetenv(kinds[k].env);
			continue;
		}
		K[k].env_on = any = true;
	}
	return any;
}

/* async-signal-safe */
bool cprof__stackprof_active(void)
{
	if (env_pid != getpid())
		return false;
	for (int k = 0; k < CPROF__SP_N; k++)
		if (K[k].env_on)
			return true;
	return false;
}

void cprof__stackprof_atexit(void)
{
	if (env_pid != getpid())
		return;
	int was = cprof__own_enter();
	for (int k = 0; k < CPROF__SP_N; k++) {
		if (!K[k].env_on)
			continue;
		K[k].env_on = false;
		int kind = k;
		int rc = cprof__out_write(K[k].path, write_cb, &kind);
		if (rc != 0)
			cprof__log("writing the ", kinds[k].name, " profile '", K[k].path,
				   "' failed: ", cprof_strerror(rc), NULL);
	}
	cprof__own_leave(was);
}

/* A forked child has one thread and its own creations to count: it starts
 * from empty tables (the parent's lock may have been held), and the
 * profiles from the environment go on into path.PID. */
void cprof__stackprof_atfork_child(void)
{
	for (int k = 0; k < CPROF__SP_N; k++)
		atomic_store(&K[k].tab, NULL); /* the parent's is left: its lock may be held */
	if (env_pid == 0)
		return;
	for (int k = 0; k < CPROF__SP_N; k++)
		if (K[k].env_on && !cprof__out_child_path(&K[k].path, K[k].family))
			K[k].env_on = false;
	env_pid = getpid();
}
