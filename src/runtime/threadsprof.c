/*
 * threadsprof.c — the threads profile (threadsprof.h): every live thread's
 * stack, without stopping the world.
 *
 * A snapshot lists /proc/self/task, reads each thread's state (stat,
 * syscall, SigBlk) before disturbing it and allocates one slot per thread.
 * A thread blocked in a system call is never signalled (a handler would
 * end nanosleep, poll, epoll_wait, sem_timedwait... with EINTR): it cannot
 * run user code until the call returns, so its user stack is stable; it is
 * copied from the sp /proc/self/task/TID/syscall gives, with
 * process_vm_readv (EFAULT, not a fault, if the memory went away), and
 * unwound from the copy (cprof__unwind_copy); /proc is read again after,
 * and a thread whose call, sp or pc changed meanwhile is copied once more,
 * else listed as moved.  For the others (running in user space) it
 * publishes the slots (cur) and queues one SIGPROF per thread that can run
 * a handler.  Each thread's handler finds its slot by tid, claims it
 * (ARMED → WRITING), unwinds into it and marks it DONE; the snapshotting
 * thread sleeps on a futex until every armed slot is done or the time is
 * up.  Then it closes the slots that never answered (ARMED → LATE), so a
 * late handler writes nothing, unpublishes them and waits for the handlers
 * still inside (users, Dekker's pattern with cur as in cpu.c) before the
 * memory may go.  Snapshots are serialised: one set of slots at a time.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "runtime/emit.h"
#include "runtime/textprof.h"
#include "runtime/threadsprof.h"

#include <cprof.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { S_IDLE, S_ARMED, S_WRITING, S_DONE, S_LATE };

typedef struct snap {
	cprof__thread *t;
	size_t n;
} snap;

static _Atomic(snap *) cur;        /* the slots that handlers may write */
static atomic_int users;           /* handlers between their load of cur and their last write */
static _Atomic uint32_t answers;   /* futex word: bumped by each answer */
static _Atomic uint32_t snap_lock; /* 0 free, 1 held, 2 held with waiters */

/* A lock of our own: the program's pthread_mutex_lock may be an
 * interposer that profiles contention (contention.c), and a snapshot is
 * not the program's contention. */
static void lock(void)
{
	uint32_t c = 0;
	if (atomic_compare_exchange_strong(&snap_lock, &c, 1))
		return;
	if (c != 2)
		c = atomic_exchange(&snap_lock, 2);
	while (c != 0) {
		syscall(SYS_futex, &snap_lock, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
		c = atomic_exchange(&snap_lock, 2);
	}
}

static void unlock(void)
{
	if (atomic_exchange(&snap_lock, 0) == 2)
		syscall(SYS_futex, &snap_lock, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* async-signal-safe */
void cprof__threads_sigprof(const void *uc)
{
	atomic_fetch_add(&users, 1);
	snap *s = atomic_load(&cur);
	if (s) {
		pid_t me = cprof__gettid();
		size_t lo = 0, hi = s->n; /* the slots are in tid order */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (s->t[mid].tid < me)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < s->n; i++) {
			cprof__thread *t = &s->t[i];
			if (t->tid != me)
				break;
			int want = S_ARMED;
			if (!atomic_compare_exchange_strong(&t->st, &want, S_WRITING))
				break;
			int d = uc ? cprof__unwind_uc(uc, t->pcs, CPROF_MAX_DEPTH)
				   : cprof__unwind_here(t->pcs, CPROF_MAX_DEPTH, 3);
			t->depth = d > 0 ? (uint32_t)d : 0;
			t->wait = cprof__wait.reason;
			t->wait_obj = cprof__wait.obj;
			t->wait_ns = t->wait ? cprof__wait_elapsed_ns(cprof__wait.since) : 0;
			t->why = CPROF__TH_STACK;
			atomic_store(&t->st, S_DONE);
			atomic_fetch_add(&answers, 1);
			syscall(SYS_futex, &answers, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
			break;
		}
	}
	atomic_fetch_sub(&users, 1);
}

/* Read /proc/self/task/TID/FILE into buf (NUL-terminated); length or -1. */
static ssize_t read_task(pid_t tid, const char *file, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)tid, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r, len = 0;
	while ((size_t)len < n - 1 && (r = read(fd, buf + len, n - 1 - (size_t)len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += r;
	}
	close(fd);
	buf[len] = 0;
	return len;
}

/* /proc/self/task/TID/syscall: "NR ARG1..ARG6 SP PC" while the thread is
 * blocked in a system call, "-1 SP PC" while blocked outside one,
 * "running" while it runs.  t->sys: NR, -1 (running or not in a call) or
 * -2 (unreadable); t->sp and t->pc with NR >= 0. */
static void read_syscall(cprof__thread *t)
{
	char buf[256];
	t->sys = -2;
	t->sp = t->pc = 0;
	if (read_task(t->tid, "syscall", buf, sizeof(buf)) <= 0)
		return;
	if (!strncmp(buf, "running", 7)) {
		t->sys = -1;
		return;
	}
	char *p = buf, *e;
	long nr = strtol(p, &e, 10);
	if (e == p)
		return;
	if (nr < 0) {
		t->sys = -1;
		return;
	}
	unsigned long long v[8];
	for (int i = 0; i < 8; i++) {
		p = e;
		v[i] = strtoull(p, &e, 16);
		if (e == p)
			return; /* not the form we know: a number without registers */
	}
	t->sys = nr;
	t->sp = (uintptr_t)v[6];
	t->pc = (uintptr_t)v[7];
}

/* What /proc says of t: name, state, system call, and whether its mask
 * blocks SIGPROF.  Read before the signal, which ends the call it sleeps
 * in.  false: the thread is gone. */
static bool look(cprof__thread *t, bool *sigblk)
{
	char buf[2048];
	t->state = '?';
	t->sys = -2;
	*sigblk = false;
	ssize_t len = read_task(t->tid, "stat", buf, sizeof(buf));
	if (len < 0)
		return errno != ENOENT && errno != ESRCH;
	const char *rp = strrchr(buf, ')'); /* comm may hold spaces and ')' */
	if (rp && rp[1] == ' ' && rp[2])
		t->state = rp[2];
	if (read_task(t->tid, "comm", t->name, sizeof(t->name)) > 0) {
		char *nl = strchr(t->name, '\n');
		if (nl)
			*nl = 0;
	}
	read_syscall(t);
	if (read_task(t->tid, "status", buf, sizeof(buf)) > 0) {
		const char *b = strstr(buf, "\nSigBlk:");
		if (b) {
			unsigned long long m = strtoull(b + 8, NULL, 16);
			*sigblk = (m >> (SIGPROF - 1)) & 1;
		}
	}
	return true;
}

typedef struct list {
	cprof__thread *t;
	size_t n, cap;
	bool oom;
} list;

static void add_tid(pid_t tid, void *arg)
{
	list *l = arg;
	if (cprof__internal_tid(tid))
		return;
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 64;
		cprof__thread *v = cprof__arena_realloc(l->t, c * sizeof(*v));
		if (!v) {
			l->oom = true;
			return;
		}
		l->t = v;
		l->cap = c;
	}
	cprof__thread *t = &l->t[l->n++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
}

static int by_tid(const void *a, const void *b)
{
	const cprof__thread *x = a, *y = b;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

static int queue(pid_t tid)
{
	return cprof__sigprof_queue(tid, CPROF_THREADS_COOKIE);
}

/* How much of a blocked thread's stack is copied, from its sp up. */
#define COPY_MAX (256 * 1024)
#define COPY_CHUNK 4096

/* A thread blocked in a system call (/proc reports the call only of a
 * thread that is not running) keeps its user stack as it is until the call
 * returns — but vfork's parent: its child runs on the parent's stack. */
static bool copyable(const cprof__thread *t)
{
	return t->sys >= 0 && t->sys != SYS_vfork && t->sp >= 4096 && t->pc >= 4096;
}

/* Copy [sp & ~7, up to COPY_MAX) of this process's memory into buf
 * (COPY_MAX bytes, 8-aligned), stopping at the first chunk that cannot be
 * read (the end of the stack's mapping); the bytes copied, 0 if none. */
static size_t copy_stack(uintptr_t lo, void *buf)
{
	struct iovec loc[COPY_MAX / COPY_CHUNK], rem[COPY_MAX / COPY_CHUNK];
	int n = 0;
	uintptr_t a = lo;
	/* The first chunk ends at a page boundary: every later one is a page,
	 * read whole or not at all. */
	size_t first = COPY_CHUNK - (a & (COPY_CHUNK - 1));
	size_t done = 0;
	while (done < COPY_MAX && n < (int)CPROF_ARRAY_LEN(rem)) {
		size_t len = n == 0 ? first : COPY_CHUNK;
		if (len > COPY_MAX - done)
			len = COPY_MAX - done;
		loc[n] = (struct iovec){(char *)buf + done, len};
		rem[n] = (struct iovec){(void *)(a + done), len};
		done += len;
		n++;
	}
	ssize_t r;
	do
		r = process_vm_readv(getpid(), loc, (unsigned long)n, rem, (unsigned long)n, 0);
	while (r < 0 && errno == EINTR);
	return r > 0 ? (size_t)r & ~(size_t)7 : 0;
}

/* t's cprof__wait, read from its TLS (initial-exec: at the same offset
 * from every thread's thread pointer) with process_vm_readv, which cannot
 * fault; t is blocked in a system call, so the record is stable.  Nothing
 * if cprof does not know t's thread pointer (a thread that was running
 * before libcprof was loaded). */
static void wait_of(cprof__thread *t)
{
	t->wait = 0;
	t->wait_obj = NULL;
	t->wait_ns = 0;
	uintptr_t tp = cprof__thread_tp(t->tid);
	if (!tp)
		return;
	cprof__wait_state w;
	uintptr_t off = (uintptr_t)&cprof__wait - (uintptr_t)pthread_self();
	struct iovec loc = {&w, sizeof(w)}, rem = {(void *)(tp + off), sizeof(w)};
	if (process_vm_readv(getpid(), &loc, 1, &rem, 1, 0) != (ssize_t)sizeof(w) ||
	    w.reason <= 0 || w.reason >= CPROF__WAIT_N)
		return;
	t->wait = w.reason;
	t->wait_obj = w.obj;
	t->wait_ns = cprof__wait_elapsed_ns(w.since);
}

/* The stack of t, blocked in a system call, without signalling it: its
 * stack copied into buf and unwound from the registers /proc gave, then
 * /proc read again; retried once if the thread moved meanwhile. */
static void stack_of_blocked(cprof__thread *t, void *buf)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		long nr = t->sys;
		uintptr_t sp = t->sp, pc = t->pc;
		uintptr_t lo = sp & ~(uintptr_t)7;
		size_t len = copy_stack(lo, buf);
		int d = len ? cprof__unwind_copy(pc, sp, 0, buf, lo, lo + len, t->pcs,
						 CPROF_MAX_DEPTH)
			    : 0;
		wait_of(t);
		read_syscall(t);
		if (t->sys == nr && t->sp == sp && t->pc == pc) {
			t->depth = d > 0 ? (uint32_t)d : 0;
			t->why = CPROF__TH_STACK;
			return;
		}
		if (!copyable(t))
			break;
	}
	t->depth = 0;
	t->why = CPROF__TH_MOVED;
}

/* /proc/self/task/TID/schedstat's time on a CPU plus its count of runs:
 * changes once the thread has run; 0 if unreadable. */
static uint64_t ran(pid_t tid)
{
	char buf[128];
	if (read_task(tid, "schedstat", buf, sizeof(buf)) <= 0)
		return 0;
	char *e;
	uint64_t ns = strtoull(buf, &e, 10);
	strtoull(e, &e, 10);
	return ns + strtoull(e, NULL, 10) + 1;
}

/* A thread /proc calls running is running or runnable — and a runnable one
 * may be one just woken inside its system call and waiting for a CPU, whose
 * call a signal would still end with EINTR (poll and select check for
 * signals before their timeout).  So, before signalling: a thread that has
 * run since it was seen (schedstat moved) has left such a wake-up; one that
 * has not is looked at again every millisecond, for up to SETTLE_MS, and is
 * copied, not signalled, if it is then blocked in a system call.  Returns
 * the number of threads still to signal. */
#define SETTLE_MS CPROF_THREADS_TIMEOUT_MS
static size_t settle(cprof__thread *v, size_t n, size_t armed, void *copybuf)
{
	for (size_t i = 0; i < n; i++)
		if (atomic_load(&v[i].st) == S_ARMED)
			v[i].ran = ran(v[i].tid);
	for (int round = 0; round < SETTLE_MS && armed; round++) {
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
		size_t waiting = 0;
		for (size_t i = 0; i < n; i++) {
			cprof__thread *t = &v[i];
			if (atomic_load(&t->st) != S_ARMED || !t->ran)
				continue; /* settled, or no schedstat to tell */
			read_syscall(t);
			if (copyable(t) && copybuf) {
				/* Its state too, as it is now (S or D, not the
				 * R it was seen in). */
				char buf[2048];
				if (read_task(t->tid, "stat", buf, sizeof(buf)) > 0) {
					const char *rp = strrchr(buf, ')');
					if (rp && rp[1] == ' ' && rp[2])
						t->state = rp[2];
				}
				stack_of_blocked(t, copybuf);
				atomic_store(&t->st, S_IDLE);
				armed--;
				continue;
			}
			uint64_t r = ran(t->tid);
			if (r != t->ran)
				t->ran = 0; /* it ran: settled */
			else
				waiting++;
		}
		if (!waiting)
			break;
	}
	return armed;
}

/* The calling thread's stack starts at its call into libcprof: the frames
 * of cprof's own (whichever the compiler inlined or tail-called) are left
 * out, as the snapshot's own work. */
static void drop_own_frames(cprof__thread *t)
{
	Dl_info self, di;
	if (!dladdr((void *)drop_own_frames, &self))
		return;
	uint32_t k = 0;
	while (k + 1 < t->depth && dladdr((void *)t->pcs[k], &di) && di.dli_fbase == self.dli_fbase)
		k++;
	memmove(t->pcs, t->pcs + k, (t->depth - k) * sizeof(uintptr_t));
	t->depth -= k;
}

__attribute__((noinline)) int cprof__threads_snapshot(cprof__thread **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	int was = cprof__own_enter();
	list l = {0};
	lock();
	if (cprof__each_thread(add_tid, &l) < 0) {
		unlock();
		cprof__arena_free(l.t);
		cprof__own_leave(was);
		return -EIO;
	}
	if (l.oom) {
		unlock();
		cprof__arena_free(l.t);
		cprof__own_leave(was);
		return -ENOMEM;
	}
	if (l.n)
		qsort(l.t, l.n, sizeof(*l.t), by_tid);
	bool handler = cprof__cpu_sigprof_take() == 0;
	pid_t me = cprof__gettid();
	size_t armed = 0, k = 0;
	void *copybuf = NULL; /* for the threads in system calls */
	for (size_t i = 0; i < l.n; i++) {
		cprof__thread *t = &l.t[i];
		bool blocked;
		if (!look(t, &blocked))
			continue; /* gone since the listing */
		l.t[k] = *t;
		t = &l.t[k++];
		if (t->tid == me) {
			int d = cprof__unwind_here(t->pcs, CPROF_MAX_DEPTH, 1);
			t->depth = d > 0 ? (uint32_t)d : 0;
			drop_own_frames(t);
			t->state = 'R';
			t->sys = -1;
			t->why = CPROF__TH_STACK;
			atomic_store(&t->st, S_DONE);
		} else if (t->state == 'Z' || t->state == 'X') {
			t->why = CPROF__TH_EXITED;
		} else if (t->state == 'T' || t->state == 't') {
			t->why = CPROF__TH_STOPPED;
		} else if (copyable(t) &&
			   (copybuf || (copybuf = cprof__arena_alloc(COPY_MAX)) != NULL)) {
			stack_of_blocked(t, copybuf);
			if (t->why == CPROF__TH_MOVED && blocked)
				t->why = CPROF__TH_BLOCKED;
		} else if (blocked) {
			t->why = CPROF__TH_BLOCKED;
		} else if (!handler) {
			t->why = CPROF__TH_NOHANDLER;
		} else {
			t->why = CPROF__TH_TIMEOUT; /* until it answers */
			atomic_store(&t->st, S_ARMED);
			armed++;
		}
	}
	l.n = k;
	if (armed && !copybuf)
		copybuf = cprof__arena_alloc(COPY_MAX);
	if (armed)
		armed = settle(l.t, l.n, armed, copybuf);
	cprof__arena_free(copybuf);
	/* In cprof's memory, not on this stack: a handler that cannot finish
	 * keeps it (below). */
	snap *s = armed ? cprof__arena_alloc(sizeof(*s)) : NULL;
	if (armed && !s) {
		unlock();
		cprof__arena_free(l.t);
		cprof__own_leave(was);
		return -ENOMEM;
	}
	if (armed) {
		*s = (snap){l.t, l.n};
		/* Every increment of answers from here on is a claimed slot of
		 * this snapshot (a late signal of an earlier one included: it
		 * answers here, and this one's own signal then finds the slot
		 * done). */
		uint32_t base = atomic_load(&answers);
		atomic_store(&cur, s);
		for (size_t i = 0; i < l.n; i++) {
			cprof__thread *t = &l.t[i];
			if (atomic_load(&t->st) != S_ARMED)
				continue;
			int rc = queue(t->tid);
			if (rc == 0)
				continue;
			int want = S_ARMED;
			if (atomic_compare_exchange_strong(&t->st, &want, S_LATE)) {
				t->why = rc == -ESRCH ? -1 : CPROF__TH_NOSIGNAL; /* -1: exited */
				armed--;
			}
		}
		int64_t deadline = cprof__mono_ns() + (int64_t)CPROF_THREADS_TIMEOUT_MS * 1000000;
		for (;;) {
			uint32_t seen = atomic_load(&answers);
			int64_t left = deadline - cprof__mono_ns();
			if ((size_t)(seen - base) >= armed || left <= 0)
				break;
			struct timespec ts = {left / 1000000000, left % 1000000000};
			syscall(SYS_futex, &answers, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
		}
		for (size_t i = 0; i < l.n; i++) {
			int want = S_ARMED;
			atomic_compare_exchange_strong(&l.t[i].st, &want, S_LATE);
		}
		atomic_store(&cur, NULL);
		/* A handler that loaded cur before it was cleared is still
		 * writing (it never blocks; unwinding takes microseconds).  One
		 * that cannot finish (its thread was stopped inside the handler)
		 * keeps the slots: they are left to it, never freed. */
		bool quiet = false;
		for (int spin = 0; spin < 1000; spin++) {
			if (atomic_load(&users) == 0) {
				quiet = true;
				break;
			}
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
		}
		if (!quiet) {
			cprof__thread *copy = cprof__arena_alloc((l.n ? l.n : 1) * sizeof(*copy));
			if (!copy) {
				unlock();
				cprof__own_leave(was);
				return -ENOMEM;
			}
			memcpy(copy, l.t, l.n * sizeof(*copy));
			l.t = copy; /* the original and s stay the stuck handler's */
		} else {
			cprof__arena_free(s);
		}
		/* Slots still being written when they were read are not answers. */
		for (size_t i = 0; i < l.n; i++)
			if (atomic_load(&l.t[i].st) == S_WRITING)
				l.t[i].why = CPROF__TH_TIMEOUT;
	}
	unlock();
	/* Threads that exited before their signal are not live: left out. */
	k = 0;
	for (size_t i = 0; i < l.n; i++)
		if (l.t[i].why >= 0)
			l.t[k++] = l.t[i];
	*out = l.t;
	*nout = k;
	cprof__own_leave(was);
	return 0;
}

const char *cprof__threads_why(int why)
{
	switch (why) {
	case CPROF__TH_BLOCKED: return "SIGPROF blocked";
	case CPROF__TH_STOPPED: return "stopped";
	case CPROF__TH_EXITED: return "exited";
	case CPROF__TH_TIMEOUT: return "no answer within 100 ms";
	case CPROF__TH_NOSIGNAL: return "signal not queued";
	case CPROF__TH_NOHANDLER: return "no SIGPROF handler";
	case CPROF__TH_MOVED: return "moved during the snapshot";
	default: return "";
	}
}

static const char *syscall_name(long nr)
{
	switch (nr) {
	case SYS_futex: return "futex";
	case SYS_poll:
	case SYS_ppoll: return "poll";
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
#ifdef SYS_epoll_pwait2
	case SYS_epoll_pwait2:
#endif
		return "epoll_wait";
	case SYS_select:
	case SYS_pselect6: return "select";
	case SYS_read:
	case SYS_readv:
	case SYS_pread64: return "read";
	case SYS_write:
	case SYS_writev:
	case SYS_pwrite64: return "write";
	case SYS_nanosleep:
	case SYS_clock_nanosleep: return "nanosleep";
	case SYS_wait4:
	case SYS_waitid: return "wait";
	case SYS_accept:
	case SYS_accept4: return "accept";
	case SYS_connect: return "connect";
	case SYS_recvfrom:
	case SYS_recvmsg:
	case SYS_recvmmsg: return "recv";
	case SYS_sendto:
	case SYS_sendmsg: return "send";
	case SYS_rt_sigtimedwait:
	case SYS_rt_sigsuspend:
	case SYS_pause: return "sigwait";
	case SYS_flock: return "flock";
	case SYS_fcntl: return "fcntl";
	case SYS_msgrcv:
	case SYS_semop:
	case SYS_semtimedop: return "ipc";
	case SYS_io_getevents: return "io_getevents";
	case SYS_vfork: return "vfork"; /* until the child execs or exits */
#ifdef SYS_io_uring_enter
	case SYS_io_uring_enter: return "io_uring_enter";
#endif
	default: return NULL;
	}
}

static const char *stat_name(char c)
{
	switch (c) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk sleep";
	case 'T': return "stopped";
	case 't': return "tracing stop";
	case 'Z': return "zombie";
	case 'X': return "dead";
	case 'I': return "idle";
	case 'P': return "parked";
	case 'W': return "waking";
	default: return "unknown";
	}
}

const char *cprof__threads_state(const cprof__thread *t, char *buf, size_t n)
{
	const char *w = cprof__wait_name(t->wait);
	if (t->why == CPROF__TH_STACK && *w) {
		snprintf(buf, n, "%s wait", w);
		return buf;
	}
	const char *sys = (t->state == 'S' || t->state == 'D') ? syscall_name(t->sys) : NULL;
	if (sys && t->state == 'D')
		snprintf(buf, n, "disk sleep, %s", sys);
	else if (sys)
		snprintf(buf, n, "%s", sys);
	else if ((t->state == 'S' || t->state == 'D') && t->sys >= 0)
		snprintf(buf, n, "%s, syscall %ld", stat_name(t->state), t->sys);
	else
		snprintf(buf, n, "%s", stat_name(t->state));
	return buf;
}

/* ---- writing ---- */

static int by_stack(const void *a, const void *b)
{
	const cprof__thread *x = *(cprof__thread *const *)a, *y = *(cprof__thread *const *)b;
	if (x->why != y->why)
		return x->why - y->why;
	if (x->why != CPROF__TH_STACK)
		return 0;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return memcmp(x->pcs, y->pcs, x->depth * sizeof(uintptr_t));
}

static int write_threads(const char *name, int fd, int debug)
{
	cprof__thread *t;
	size_t n;
	int rc = cprof__threads_snapshot(&t, &n);
	if (rc != 0)
		return rc;
	cprof__thread **ord = cprof__arena_alloc((n ? n : 1) * sizeof(*ord));
	if (!ord) {
		cprof__arena_free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		ord[i] = &t[i];
	if (n)
		qsort(ord, n, sizeof(*ord), by_stack);

	cprof__emit e;
	cprof__emit_begin(&e);
	cprof__profile *p = &e.p;
	char type[32];
	snprintf(type, sizeof(type), "%s", name);
	cprof__profile_add_sample_type(p, type, "count");
	p->period_type.type = cprof__profile_str(p, type);
	p->period_type.unit = cprof__profile_str(p, "count");
	p->period = 1;
	p->time_nanos = cprof__now_ns();
	cprof__text_rec *recs = cprof__arena_calloc(n ? n : 1, sizeof(*recs));
	size_t nrec = 0;
	if (!recs)
		p->oom = true;
	int64_t kreason = cprof__profile_str(p, "reason");
	for (size_t i = 0; recs && i < n;) {
		size_t j = i + 1;
		while (j < n && by_stack(&ord[i], &ord[j]) == 0)
			j++;
		int64_t v[1] = {(int64_t)(j - i)};
		const cprof__thread *x = ord[i];
		cprof__text_rec *r = &recs[nrec++];
		r->v[0] = v[0];
		if (x->why == CPROF__TH_STACK) {
			r->pcs = x->pcs;
			r->depth = x->depth;
			cprof__emit_sample(&e, x->pcs, x->depth, v, NULL, 0);
		} else {
			r->pseudo = "cprof.threadNotResponding";
			r->note = cprof__threads_why(x->why);
			cprof__label l = {.key = kreason, .str = cprof__profile_str(p, r->note)};
			cprof__emit_event_labels(&e, r->pseudo, v, &l, 1);
		}
		i = j;
	}
	rc = cprof__emit_end(&e, debug == 0 ? fd : -1);
	if (rc == 0 && debug == 1)
		rc = cprof__text_count(fd, &e, name, recs, nrec);
	else if (rc == 0 && debug >= 2)
		rc = cprof__text_threads(fd, &e, t, n);
	cprof__emit_free(&e);
	cprof__arena_free(recs);
	cprof__arena_free(ord);
	cprof__arena_free(t);
	return rc;
}

int cprof__threads_write(const char *name, int fd, int debug)
{
	int was = cprof__own_enter();
	int rc = write_threads(name, fd, debug);
	cprof__own_leave(was);
	return rc;
}

void cprof__threads_atfork_child(void)
{
	/* The child has one thread: nothing of a parent's snapshot is its. */
	atomic_store(&cur, NULL);
	atomic_store(&users, 0);
	atomic_store(&snap_lock, 0);
}
