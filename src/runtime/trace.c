/*
 * trace.c — the execution trace: what every thread did over time, written
 * as Chrome trace-event JSON (docs/TRACE.md).
 *
 * Data path:
 *   CPU timer → SIGPROF → cpu.c's handler → cprof__trace_sample() appends a
 *   sample (time, CPU weight, stack) to the thread's buffer;
 *   a lock/condvar/join interposer (contention.c) → cprof__trace_block()
 *   appends a blocked interval (reason, object, t0, t1, stack);
 *   pthread_create (threads.c) → the creator's stack travels in the
 *   trampoline's record → cprof__trace_thread_start() on the new thread;
 *   the thread's exit → cprof__trace_thread_exit();
 *   cprof_trace_stop() → every buffer read, its stacks symbolised once
 *   through the emitter, the JSON written whole (outfile.c).
 *
 * Each traced thread has one fixed-size buffer (cprof's arena; blocks this
 * large are mappings of their own, so only the pages used are resident),
 * a ring of two halves: records are appended to one half; when it is full
 * the other half is emptied (its records counted as dropped) and filled
 * next.  So a trace keeps each thread's latest events, between half and
 * all of the buffer's worth, and the JSON and one stderr line say how many
 * earlier ones were dropped.  A record is never split or torn: it lies in
 * one half, written by its own thread, and read after the writers are done
 * (the `users` handshake).  The signal handler
 * never allocates: a thread gets its buffer when it starts (threads.c's
 * trampoline), when the trace starts (threads alive then), or at its first
 * blocking wait (normal context); samples of a thread without one are
 * dropped and counted.
 *
 * One producer per buffer: its own thread.  A handler that interrupts that
 * thread's own append (a blocking wait being recorded) leaves its sample in
 * the buffer's one pending slot rather than interleave, and the append
 * commits it when done; a second sample in the same append is dropped and
 * counted.  The reader runs at stop, after the producers are done (the
 * `users` handshake, as cpu.c's).
 */
#include "compat.h"
#include "runtime/rt.h"
#include "runtime/emit.h"
#include "base/escape.h"

#include <cprof.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 4096 /* traced threads per trace; later ones are counted */
#define BUF_KB_DEFAULT 256
#define BUF_KB_MIN 4
#define BUF_KB_MAX 65536

enum { R_SAMPLE = 1, R_BLOCK, R_START, R_EXIT };

/* One event; pcs[depth] follow it.  8-byte aligned. */
typedef struct rec {
	uint16_t type;
	uint16_t depth;
	uint32_t aux; /* SAMPLE: weight; BLOCK: reason; START: creator tid */
	int64_t t;    /* SAMPLE/EXIT: when; BLOCK: wait start; START: start */
	int64_t t2;   /* SAMPLE: CPU ns; BLOCK: wait end; START: create time */
	uint64_t obj; /* BLOCK: the lock, condvar... */
} rec;

typedef struct tbuf {
	pid_t tid;
	char name[16];          /* at exit; else read at write time */
	size_t half;            /* bytes in each half of data */
	int cur;                /* the half being filled */
	bool wrapped;           /* the other half holds older records */
	_Atomic size_t used[2]; /* bytes of each half holding whole records */
	uint64_t nrec[2];       /* records in each half */
	_Atomic uint64_t dropped;
	_Atomic int busy;    /* its thread is appending in normal context */
	_Atomic int pending; /* a sample taken while busy waits in pend */
	struct {
		rec r;
		uintptr_t pcs[CPROF_MAX_DEPTH];
	} pend;
	_Alignas(16) unsigned char data[]; /* records are 8-byte aligned */
} tbuf;

atomic_bool cprof__trace_on;

static struct {
	pthread_mutex_t lock; /* start/stop */
	bool running;
	bool timers; /* holds a reference on the CPU timers */
	char path[4096], family[4096];
	pid_t pid;
	size_t bufsize;
	int64_t t0_mono, t0_real;
	_Atomic(tbuf *) bufs[MAX_THREADS];
	_Atomic size_t nbufs;
	_Atomic uint64_t lost_threads; /* events of threads with no buffer */
} tr = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Atomic unsigned gen; /* bumped at every start */
static _Atomic int users;    /* producers between their trace_on check and their last touch */
static CPROF_TLS tbuf *tls_buf;
static CPROF_TLS unsigned tls_gen;

/* ---- recording ---- */

/* async-signal-safe: the calling thread's buffer in this trace, or NULL.
 * A thread seen at start finds its buffer by tid once. */
static tbuf *my_buf(void)
{
	unsigned g = atomic_load_explicit(&gen, memory_order_acquire);
	if (tls_gen == g)
		return tls_buf;
	pid_t me = cprof__gettid();
	size_t n = atomic_load_explicit(&tr.nbufs, memory_order_acquire);
	tbuf *found = NULL;
	for (size_t i = 0; i < n && i < MAX_THREADS; i++) {
		tbuf *b = atomic_load_explicit(&tr.bufs[i], memory_order_acquire);
		if (b && b->tid == me) {
			found = b;
			break;
		}
	}
	tls_buf = found;
	tls_gen = g;
	return found;
}

/* Make a buffer for tid and publish it; NULL when out of slots or memory
 * (counted by the caller).  Normal context. */
static tbuf *new_buf(pid_t tid)
{
	size_t i = atomic_fetch_add(&tr.nbufs, 1);
	if (i >= MAX_THREADS) {
		atomic_store(&tr.nbufs, MAX_THREADS);
		return NULL;
	}
	int own = cprof__own_enter();
	tbuf *b = cprof__arena_alloc(sizeof(tbuf) + tr.bufsize);
	cprof__own_leave(own);
	if (b) {
		b->tid = tid;
		b->name[0] = 0;
		b->half = tr.bufsize / 2 & ~(size_t)7;
		b->cur = 0;
		b->wrapped = false;
		atomic_store(&b->used[0], 0);
		atomic_store(&b->used[1], 0);
		b->nrec[0] = b->nrec[1] = 0;
		atomic_store(&b->dropped, 0);
		atomic_store(&b->busy, 0);
		atomic_store(&b->pending, 0);
	}
	atomic_store_explicit(&tr.bufs[i], b, memory_order_release);
	return b;
}

/* Normal context: the calling thread's buffer, made on first use. */
static tbuf *my_buf_alloc(void)
{
	tbuf *b = my_buf();
	if (b || cprof__internal_tid(cprof__gettid()))
		return b;
	b = new_buf(cprof__gettid());
	tls_buf = b;
	return b;
}

/* Room for a record of depth frames in b's current half, the other half
 * emptied for it when this one is full; NULL (counted) if it cannot fit. */
static rec *reserve(tbuf *b, uint32_t depth)
{
	size_t need = sizeof(rec) + depth * sizeof(uintptr_t);
	if (need > b->half) {
		atomic_fetch_add_explicit(&b->dropped, 1, memory_order_relaxed);
		return NULL;
	}
	size_t used = atomic_load_explicit(&b->used[b->cur], memory_order_relaxed);
	if (need > b->half - used) {
		int other = b->cur ^ 1;
		if (b->wrapped || other == 0)
			atomic_fetch_add_explicit(&b->dropped, b->nrec[other],
						  memory_order_relaxed);
		atomic_store_explicit(&b->used[other], 0, memory_order_relaxed);
		b->nrec[other] = 0;
		b->cur = other;
		b->wrapped = true;
		used = 0;
	}
	return (rec *)(b->data + (size_t)b->cur * b->half + used);
}

static void commit(tbuf *b, const rec *r)
{
	size_t used = atomic_load_explicit(&b->used[b->cur], memory_order_relaxed);
	b->nrec[b->cur]++;
	atomic_store_explicit(&b->used[b->cur], used + sizeof(rec) + r->depth * sizeof(uintptr_t),
			      memory_order_release);
}

/* b's records, oldest first: the other half (when it holds older ones),
 * then the current. */
typedef struct recs {
	const tbuf *b;
	int pass, half;
	size_t off, used;
} recs;

static void recs_init(recs *it, const tbuf *b)
{
	*it = (recs){.b = b, .pass = b->wrapped ? 0 : 1};
	it->half = it->pass == 0 ? b->cur ^ 1 : b->cur;
	it->used = atomic_load_explicit(&b->used[it->half], memory_order_acquire);
}

static const rec *recs_next(recs *it)
{
	while (it->off >= it->used) {
		if (it->pass == 1)
			return NULL;
		it->pass = 1;
		it->half = it->b->cur;
		it->off = 0;
		it->used = atomic_load_explicit(&it->b->used[it->half], memory_order_acquire);
	}
	const rec *r = (const rec *)(it->b->data + (size_t)it->half * it->b->half + it->off);
	it->off += sizeof(rec) + r->depth * sizeof(uintptr_t);
	return r;
}

/* async-signal-safe: a sample record at r, its frames at out. */
static void fill_sample(rec *r, uintptr_t *out, const void *uc, const uintptr_t *pcs, uint32_t n,
			uint32_t weight)
{
	r->type = R_SAMPLE;
	r->aux = weight;
	r->t = cprof__mono_ns();
	r->t2 = (int64_t)weight * cprof__timers_period();
	r->obj = 0;
	if (pcs) {
		memcpy(out, pcs, n * sizeof(uintptr_t));
		r->depth = (uint16_t)n;
	} else {
		r->depth = (uint16_t)cprof__unwind_uc(uc, out, CPROF_MAX_DEPTH);
	}
}

/* async-signal-safe.  Called by cpu.c's SIGPROF handler for one of cprof's
 * timer signals: pcs[0..n) when the CPU profiler already unwound (pcs not
 * NULL), else the stack is unwound from uc here. */
void cprof__trace_sample(const void *uc, const uintptr_t *pcs, uint32_t n, uint32_t weight)
{
	if (!atomic_load_explicit(&cprof__trace_on, memory_order_relaxed))
		return;
	atomic_fetch_add(&users, 1);
	if (!atomic_load(&cprof__trace_on))
		goto out;
	tbuf *b = my_buf();
	if (!b) {
		atomic_fetch_add_explicit(&tr.lost_threads, 1, memory_order_relaxed);
		goto out;
	}
	if (atomic_load_explicit(&b->busy, memory_order_relaxed)) {
		/* The thread's own append is under way: the sample waits for it
		 * in the pending slot (one). */
		if (atomic_load_explicit(&b->pending, memory_order_relaxed)) {
			atomic_fetch_add_explicit(&b->dropped, 1, memory_order_relaxed);
			goto out;
		}
		fill_sample(&b->pend.r, b->pend.pcs, uc, pcs, n, weight);
		atomic_signal_fence(memory_order_seq_cst);
		atomic_store_explicit(&b->pending, 1, memory_order_relaxed);
		goto out;
	}
	rec *r = reserve(b, pcs ? n : CPROF_MAX_DEPTH);
	if (!r)
		goto out;
	fill_sample(r, (uintptr_t *)(r + 1), uc, pcs, n, weight);
	commit(b, r);
out:
	atomic_fetch_sub(&users, 1);
}

/* Normal context, b busy: commit the sample a handler left pending during
 * this append, then let handlers write again.  A handler between the last
 * look at pending and busy's clearing leaves one more: looked for again
 * after the clearing (a handler after it writes its own record). */
static void end_busy(tbuf *b)
{
	for (;;) {
		atomic_signal_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&b->pending, memory_order_relaxed)) {
			rec *r = reserve(b, b->pend.r.depth);
			if (r) {
				*r = b->pend.r;
				memcpy(r + 1, b->pend.pcs, r->depth * sizeof(uintptr_t));
				commit(b, r);
			}
			atomic_signal_fence(memory_order_seq_cst);
			atomic_store_explicit(&b->pending, 0, memory_order_relaxed);
		}
		atomic_signal_fence(memory_order_seq_cst);
		atomic_store_explicit(&b->busy, 0, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
		if (!atomic_load_explicit(&b->pending, memory_order_relaxed))
			return;
		atomic_store_explicit(&b->busy, 1, memory_order_relaxed);
	}
}

/* Normal context: append a record with the calling thread's stack (leaving
 * out `skip` frames above the caller of the caller). */
static __attribute__((noinline)) void append(int type, uint32_t aux, int64_t t, int64_t t2,
					     uint64_t obj, int skip)
{
	atomic_fetch_add(&users, 1);
	cprof__in_rt++;
	if (!atomic_load(&cprof__trace_on))
		goto out;
	tbuf *b = my_buf_alloc();
	if (!b) {
		if (!cprof__internal_tid(cprof__gettid()))
			atomic_fetch_add_explicit(&tr.lost_threads, 1, memory_order_relaxed);
		goto out;
	}
	atomic_store_explicit(&b->busy, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	rec *r = reserve(b, type == R_EXIT ? 0 : CPROF_MAX_DEPTH);
	if (r) {
		r->type = (uint16_t)type;
		r->aux = aux;
		r->t = t;
		r->t2 = t2;
		r->obj = obj;
		r->depth = 0;
		if (type != R_EXIT) {
			uintptr_t *pcs = (uintptr_t *)(r + 1);
			int n = cprof__unwind_here(pcs, CPROF_MAX_DEPTH, skip + 2);
			/* The interposers' own frames lead: the stack starts at
			 * the program's call, as the block profile's does. */
			int k = 0;
			while (type == R_BLOCK && k < n && cprof__wait_frame(pcs[k]))
				k++;
			if (k)
				memmove(pcs, pcs + k, (size_t)(n - k) * sizeof(*pcs));
			r->depth = (uint16_t)(n - k);
		}
		commit(b, r);
	}
	end_busy(b);
out:
	cprof__in_rt--;
	atomic_fetch_sub(&users, 1);
}

__attribute__((noinline)) void cprof__trace_block(int reason, const void *obj, int64_t t0,
						  int64_t t1, int skip)
{
	append(R_BLOCK, (uint32_t)reason, t0, t1, (uint64_t)(uintptr_t)obj, skip);
	__asm__ volatile("" ::: "memory"); /* no tail call: append skips this frame */
}

/* What pthread_create hands the new thread: who made it, when, from where. */
typedef struct cprof__trace_create {
	pid_t creator;
	unsigned gen;
	int64_t t;
	uint32_t depth;
	uintptr_t pcs[CPROF_MAX_DEPTH];
} create_rec;

__attribute__((noinline)) void *cprof__trace_create_begin(void)
{
	if (!atomic_load_explicit(&cprof__trace_on, memory_order_relaxed))
		return NULL;
	int own = cprof__own_enter();
	create_rec *c = cprof__arena_alloc(sizeof(*c));
	cprof__own_leave(own);
	if (!c)
		return NULL;
	c->creator = cprof__gettid();
	c->gen = atomic_load(&gen);
	c->t = cprof__mono_ns();
	/* Our frame left out: pthread_create (the interposer) is the leaf. */
	c->depth = (uint32_t)cprof__unwind_here(c->pcs, CPROF_MAX_DEPTH, 1);
	return c;
}

void cprof__trace_thread_start(void *create)
{
	create_rec *c = create;
	if (atomic_load_explicit(&cprof__trace_on, memory_order_relaxed)) {
		atomic_fetch_add(&users, 1);
		cprof__in_rt++;
		tbuf *b = atomic_load(&cprof__trace_on) ? my_buf_alloc() : NULL;
		if (b) {
			atomic_store_explicit(&b->busy, 1, memory_order_relaxed);
			atomic_signal_fence(memory_order_seq_cst);
		}
		rec *r = b ? reserve(b, c ? c->depth : 0) : NULL;
		if (r) {
			bool same = c && c->gen == atomic_load(&gen);
			r->type = R_START;
			r->aux = same ? (uint32_t)c->creator : 0;
			r->t = cprof__mono_ns();
			r->t2 = same ? c->t : 0;
			r->obj = 0;
			r->depth = same ? (uint16_t)c->depth : 0;
			if (r->depth)
				memcpy(r + 1, c->pcs, r->depth * sizeof(uintptr_t));
			commit(b, r);
		}
		if (b)
			end_busy(b);
		cprof__in_rt--;
		atomic_fetch_sub(&users, 1);
	}
	if (c)
		cprof__arena_free(c);
}

void cprof__trace_thread_exit(void)
{
	if (!atomic_load_explicit(&cprof__trace_on, memory_order_relaxed))
		return;
	atomic_fetch_add(&users, 1);
	tbuf *b = atomic_load(&cprof__trace_on) ? my_buf() : NULL;
	if (b)
		prctl(PR_GET_NAME, b->name, 0, 0, 0);
	atomic_fetch_sub(&users, 1);
	if (b)
		append(R_EXIT, 0, cprof__mono_ns(), 0, 0, 0);
}

/* ---- writing ---- */

typedef struct wctx {
	FILE *f;
	cprof__emit e;
	int64_t t_end;
	bool first;
	pid_t pid;
} wctx;

static void ts(FILE *f, const char *key, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	fprintf(f, "\"%s\":%lld.%03lld", key, (long long)(ns / 1000), (long long)(ns % 1000));
}

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	cprof__json_escape(f, s, strlen(s));
	fputc('"', f);
}

static void frame(wctx *w, uintptr_t pc)
{
	const char *file;
	int64_t line;
	const char *fn = cprof__emit_where(&w->e, pc, &file, &line);
	char buf[4096];
	if (!strcmp(fn, "??"))
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)pc);
	else if (file[0] && line > 0)
		snprintf(buf, sizeof(buf), "%s %s:%lld", fn, file, (long long)line);
	else if (file[0])
		snprintf(buf, sizeof(buf), "%s %s", fn, file);
	else
		snprintf(buf, sizeof(buf), "%s", fn);
	jstr(w->f, buf);
}

static void stack(wctx *w, const rec *r)
{
	const uintptr_t *pcs = (const uintptr_t *)(r + 1);
	fputs("\"stack\":[", w->f);
	for (uint32_t i = 0; i < r->depth; i++) {
		if (i)
			fputc(',', w->f);
		frame(w, pcs[i]);
	}
	fputc(']', w->f);
}

/* Begin one event object: name, phase, pid, tid. */
static void ev(wctx *w, const char *name, const char *cat, const char *ph, pid_t tid)
{
	fputs(w->first ? "\n" : ",\n", w->f);
	w->first = false;
	fputs("{\"name\":", w->f);
	jstr(w->f, name);
	if (cat)
		fprintf(w->f, ",\"cat\":\"%s\"", cat);
	fprintf(w->f, ",\"ph\":\"%s\",\"pid\":%d,\"tid\":%d", ph, (int)w->pid, (int)tid);
}

static void thread_name(tbuf *b, char *out, size_t n)
{
	if (b->name[0]) {
		snprintf(out, n, "%.15s", b->name);
		return;
	}
	char p[64], nm[32] = "";
	snprintf(p, sizeof(p), "/proc/self/task/%d/comm", (int)b->tid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, nm, sizeof(nm) - 1);
		if (k > 0) {
			nm[k] = 0;
			nm[strcspn(nm, "\n")] = 0;
		}
		close(fd);
	}
	if (nm[0])
		snprintf(out, n, "%s", nm);
	else
		snprintf(out, n, "%d", (int)b->tid);
}

static void write_buf(wctx *w, tbuf *b)
{
	char name[64];
	thread_name(b, name, sizeof(name));
	ev(w, "thread_name", NULL, "M", b->tid);
	fputs(",\"args\":{\"name\":", w->f);
	jstr(w->f, name);
	fputs("}}", w->f);
	uint64_t d = atomic_load(&b->dropped);
	recs it;
	recs_init(&it, b);
	bool first = true;
	for (const rec *r; (r = recs_next(&it));) {
		int64_t t = r->t - tr.t0_mono;
		if (first && d) {
			/* Where this thread's track starts to be complete. */
			ev(w, "events dropped", "cprof", "i", b->tid);
			fputs(",\"s\":\"t\",", w->f);
			ts(w->f, "ts", t < 0 ? 0 : t);
			fprintf(w->f, ",\"args\":{\"count\":%llu}}", (unsigned long long)d);
		}
		first = false;
		switch (r->type) {
		case R_SAMPLE: {
			const char *file;
			int64_t line;
			const char *leaf =
				r->depth ? cprof__emit_where(&w->e, *(const uintptr_t *)(r + 1),
							     &file, &line)
					 : "??";
			ev(w, leaf, "cpu", "i", b->tid);
			fputs(",\"s\":\"t\",", w->f);
			ts(w->f, "ts", t);
			fprintf(w->f, ",\"args\":{\"cpu_ns\":%lld,", (long long)r->t2);
			stack(w, r);
			fputs("}}", w->f);
			break;
		}
		case R_BLOCK: {
			int64_t t0 = r->t < tr.t0_mono ? tr.t0_mono : r->t;
			const char *why = cprof__wait_name((int)r->aux);
			ev(w, why[0] ? why : "blocked", "blocked", "X", b->tid);
			fputc(',', w->f);
			ts(w->f, "ts", t0 - tr.t0_mono);
			fputc(',', w->f);
			ts(w->f, "dur", r->t2 - t0);
			fprintf(w->f, ",\"args\":{\"object\":\"0x%llx\",",
				(unsigned long long)r->obj);
			stack(w, r);
			fputs("}}", w->f);
			break;
		}
		case R_START:
			if (r->aux) {
				ev(w, "thread create", "thread", "i", (pid_t)r->aux);
				fputs(",\"s\":\"t\",", w->f);
				ts(w->f, "ts", r->t2 - tr.t0_mono);
				fprintf(w->f, ",\"args\":{\"new_tid\":%d,", (int)b->tid);
				stack(w, r);
				fputs("}}", w->f);
			}
			ev(w, "thread start", "thread", "i", b->tid);
			fputs(",\"s\":\"t\",", w->f);
			ts(w->f, "ts", t);
			fprintf(w->f, ",\"args\":{\"creator_tid\":%d}}", (int)r->aux);
			break;
		case R_EXIT:
			ev(w, "thread exit", "thread", "i", b->tid);
			fputs(",\"s\":\"t\",", w->f);
			ts(w->f, "ts", t);
			fputs("}", w->f);
			break;
		default: /* cannot happen */ break;
		}
	}
	if (first && d) {
		ev(w, "events dropped", "cprof", "i", b->tid);
		fputs(",\"s\":\"t\",", w->f);
		ts(w->f, "ts", w->t_end - tr.t0_mono);
		fprintf(w->f, ",\"args\":{\"count\":%llu}}", (unsigned long long)d);
	}
}

static int write_json(int fd, void *arg)
{
	(void)arg;
	wctx w = {.first = true, .pid = getpid(), .t_end = cprof__mono_ns()};
	size_t n = atomic_load(&tr.nbufs);
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	/* Every stack symbolised once, in-process, as the profiles are. */
	cprof__emit_begin(&w.e);
	cprof__profile_add_sample_type(&w.e.p, "events", "count");
	uint64_t dropped = atomic_load(&tr.lost_threads);
	for (size_t i = 0; i < n; i++) {
		tbuf *b = atomic_load(&tr.bufs[i]);
		if (!b)
			continue;
		dropped += atomic_load(&b->dropped);
		recs it;
		recs_init(&it, b);
		for (const rec *r; (r = recs_next(&it));) {
			int64_t one = 1;
			if (r->depth)
				cprof__emit_sample(&w.e, (const uintptr_t *)(r + 1), r->depth, &one,
						   NULL, 0);
		}
	}
	int rc = cprof__emit_end(&w.e, -1);
	int dfd = rc == 0 ? dup(fd) : -1;
	if (rc == 0 && dfd < 0)
		rc = -errno;
	if (rc == 0 && !(w.f = fdopen(dfd, "w"))) {
		rc = -errno;
		close(dfd);
	}
	if (rc != 0) {
		cprof__emit_free(&w.e);
		return rc;
	}
	char comm[32] = "";
	int cfd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	if (cfd >= 0) {
		ssize_t k = read(cfd, comm, sizeof(comm) - 1);
		if (k > 0)
			comm[strcspn(comm, "\n")] = 0;
		close(cfd);
	}
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", w.f);
	ev(&w, "process_name", NULL, "M", w.pid);
	fputs(",\"args\":{\"name\":", w.f);
	jstr(w.f, comm[0] ? comm : "?");
	fputs("}}", w.f);
	for (size_t i = 0; i < n; i++) {
		tbuf *b = atomic_load(&tr.bufs[i]);
		if (b)
			write_buf(&w, b);
	}
	if (dropped) {
		ev(&w, "cprof: events dropped", "cprof", "i", w.pid);
		fputs(",\"s\":\"g\",", w.f);
		ts(w.f, "ts", w.t_end - tr.t0_mono);
		fprintf(w.f, ",\"args\":{\"count\":%llu}}", (unsigned long long)dropped);
	}
	fprintf(w.f,
		"\n],\n\"otherData\":{\"producer\":\"cprof %s\",\"start_time_unix_ns\":%lld,"
		"\"duration_ns\":%lld,\"buffer_bytes_per_thread\":%zu,\"threads\":%zu,"
		"\"dropped_events\":%llu,\"untraced_thread_events\":%llu}}\n",
		cprof_version(), (long long)tr.t0_real, (long long)(w.t_end - tr.t0_mono),
		tr.bufsize, n, (unsigned long long)dropped,
		(unsigned long long)atomic_load(&tr.lost_threads));
	bool bad = fflush(w.f) != 0 || ferror(w.f);
	int e = errno;
	if (fclose(w.f) != 0 && !bad) {
		bad = true;
		e = errno;
	}
	cprof__emit_free(&w.e);
	if (bad)
		return -(e ? e : EIO);
	if (dropped) {
		char b[24];
		cprof__log("trace: ", cprof__itoa(b, (long long)dropped),
			   " events dropped (a thread's buffer wrapped: its earliest events, "
			   "or too many threads); "
			   "see \"events dropped\" in the trace, CPROF_TRACE_BUFFER_KB",
			   NULL);
	}
	return 0;
}

/* ---- start and stop ---- */

static void add_existing(pid_t tid, void *arg)
{
	(void)arg;
	if (!cprof__internal_tid(tid))
		new_buf(tid);
}

static size_t buffer_size(void)
{
	const char *s = getenv("CPROF_TRACE_BUFFER_KB");
	if (!s || !*s)
		return (size_t)BUF_KB_DEFAULT << 10;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < BUF_KB_MIN || v > BUF_KB_MAX) {
		cprof__log("invalid CPROF_TRACE_BUFFER_KB '", s,
			   "': want an integer from 4 to 65536; using 256", NULL);
		return (size_t)BUF_KB_DEFAULT << 10;
	}
	return (size_t)v << 10;
}

static void free_bufs(bool quiet)
{
	size_t n = atomic_load(&tr.nbufs);
	for (size_t i = 0; i < n && i < MAX_THREADS; i++) {
		tbuf *b = atomic_exchange(&tr.bufs[i], NULL);
		if (b && quiet) /* else a producer may still write: leak rather than crash */
			cprof__arena_free(b);
	}
	atomic_store(&tr.nbufs, 0);
}

/* tr.lock held; path and family absolute.  check: see that path can be
 * written (a forked child's directory was checked by its parent). */
static int start_locked(const char *path, const char *family, bool check)
{
	if (tr.running)
		return -EBUSY;
	int rc = check ? cprof__out_check(path) : 0;
	if (rc != 0)
		return rc;
	snprintf(tr.path, sizeof(tr.path), "%s", path);
	snprintf(tr.family, sizeof(tr.family), "%s", family);
	tr.bufsize = buffer_size();
	tr.pid = getpid();
	atomic_store(&tr.lost_threads, 0);
	atomic_store(&tr.nbufs, 0);
	atomic_fetch_add(&gen, 1);
	tr.t0_mono = cprof__mono_ns();
	tr.t0_real = cprof__now_ns();
	cprof__each_thread(add_existing, NULL);
	atomic_store(&cprof__trace_on, true);
	cprof__contention_update();
	/* Running threads are seen through the CPU timers' samples: the CPU
	 * profiler's if one runs (at its rate), else the timers are started
	 * for the trace at CPROF_DEFAULT_HZ (docs/TRACE.md). */
	tr.timers = false;
	if (cprof__cpu_sigprof_take() == 0 && cprof__timers_start(0) == 0) {
		tr.timers = true;
		if (!cprof__cpu_active()) {
			cprof__sigmask_keep(true);
			cprof__sigmask_adopt(-1);
		}
	}
	tr.running = true;
	/* A death by a signal writes the trace too (service.c), as the CPU
	 * profile; a forked child's (check false) only if its CPU profile
	 * started the service thread there. */
	if (check && cprof__service_start() == 0)
		cprof__fatal_install();
	return 0;
}

static int stop_locked(void)
{
	if (!tr.running || tr.pid != getpid())
		return -ESRCH;
	atomic_store(&cprof__trace_on, false); /* seq_cst: the handshake with users */
	cprof__contention_update();
	if (tr.timers) {
		cprof__timers_stop();
		if (!cprof__cpu_active())
			cprof__sigmask_keep(false);
		tr.timers = false;
	}
	bool quiet = false;
	for (int i = 0; i < 10000 && !(quiet = atomic_load(&users) == 0); i++) {
		struct timespec t = {0, 100000};
		nanosleep(&t, NULL);
	}
	int own = cprof__own_enter();
	int rc = cprof__out_write(tr.path, write_json, NULL);
	free_bufs(quiet);
	cprof__own_leave(own);
	tr.running = false;
	return rc;
}

static int trace_start(const char *path, const char *family)
{
	if (!path || !*path || !family || !*family)
		return -EINVAL;
	char abs[sizeof(tr.path)], absfam[sizeof(tr.family)];
	int rc = cprof__out_abspath(path, abs, sizeof(abs));
	if (rc == 0)
		rc = cprof__out_abspath(family, absfam, sizeof(absfam));
	if (rc != 0)
		return rc;
	cprof__in_rt++;
	int own = cprof__own_enter();
	pthread_mutex_lock(&tr.lock);
	rc = start_locked(abs, absfam, true);
	pthread_mutex_unlock(&tr.lock);
	cprof__own_leave(own);
	cprof__in_rt--;
	return rc;
}

CPROF_EXPORT int cprof_trace_start(const char *path)
{
	return trace_start(path, path);
}

CPROF_EXPORT int cprof_trace_stop(void)
{
	cprof__in_rt++;
	pthread_mutex_lock(&tr.lock);
	int rc = stop_locked();
	pthread_mutex_unlock(&tr.lock);
	cprof__in_rt--;
	return rc;
}

bool cprof__trace_start_env(void)
{
	char *family = NULL;
	char *path = cprof__out_env_path("CPROF_TRACE", getenv("CPROF_TRACE"), &family);
	if (!path)
		return false;
	int rc = trace_start(path, family);
	if (rc != 0) {
		cprof__log("cannot trace to '", path, "': ",
			   rc == -EINVAL ? "not a regular file (a FIFO, socket or block device)"
					 : cprof_strerror(rc),
			   "; the program runs untraced", NULL);
		unsetenv("CPROF_TRACE");
		return false;
	}
	return true;
}

/* async-signal-safe (plain reads of fields set under tr.lock) */
bool cprof__trace_active(void)
{
	return tr.running && tr.pid == getpid();
}

void cprof__trace_atexit(void)
{
	pthread_mutex_lock(&tr.lock);
	bool mine = tr.running && tr.pid == getpid();
	pthread_mutex_unlock(&tr.lock);
	if (!mine)
		return;
	int rc = cprof_trace_stop();
	if (rc != 0 && rc != -ESRCH)
		cprof__log("writing the trace '", tr.path, "' failed: ", cprof_strerror(rc), NULL);
}

/* A forked child has one thread: the parent's buffers are the parent's
 * (left, not freed: another thread may have been appending at the fork).
 * The trace goes on in the child, into family.PID, as the profiles do. */
void cprof__trace_atfork_child(void)
{
	pthread_mutex_init(&tr.lock, NULL);
	atomic_store(&users, 0);
	if (!tr.running)
		return;
	atomic_store(&cprof__trace_on, false);
	cprof__contention_update();
	for (size_t i = 0; i < MAX_THREADS; i++)
		atomic_store(&tr.bufs[i], NULL);
	atomic_store(&tr.nbufs, 0);
	tr.running = false;
	tr.timers = false; /* the child has no timers (threads.c) */
	char path[sizeof(tr.path)], family[sizeof(tr.family)];
	memcpy(family, tr.family, sizeof(family));
	if (cprof__child_path(family, path, sizeof(path)) != 0)
		return;
	pthread_mutex_lock(&tr.lock);
	int own = cprof__own_enter();
	int rc = start_locked(path, family, false);
	cprof__own_leave(own);
	pthread_mutex_unlock(&tr.lock);
	if (rc != 0) {
		char b[24];
		cprof__log("cannot trace forked child ", cprof__itoa(b, getpid()), ": ",
			   cprof_strerror(rc), NULL);
	}
}
