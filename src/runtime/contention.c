/*
 * contention.c — the mutex and block profiles: interposers of the pthread
 * lock, condvar, semaphore, join and barrier calls (and, on request, of
 * blocking I/O) that time the waits that block.  docs/CONTENTION.md has
 * the semantics and the sampling math.
 *
 * The uncontended path: with no contention profile and no trace on, each
 * interposer is a flag test and a jump to libc's function.  With one on,
 * a lock is tried first; only a lock that is busy is timed (clock reads,
 * the wait record, the unwinding), so a program pays for the waits it has,
 * not for the locks it takes.
 *
 * Who is charged.  A wait is measured by the waiter, around libc's call.
 * The block profile charges it to the waiter's stack.  The mutex profile,
 * like Go's, charges it by default to the code that held the lock: each
 * contended lock has a record (`mslot`, keyed by its address) of how many
 * threads wait for it now; every change of that number and every unlock
 * adds (waiters × time since the last event) to the lock's pending delay,
 * and an unlock hands the pending delay to the unlocker's stack.  The sum
 * over a lock's unlocks is the sum of its waiters' waits — what was
 * charged before the lock's last unlock, that is.  CPROF_MUTEX_STACK=waiter
 * charges each wait to its waiter instead.
 *
 * cprof's own locks (taken inside malloc, or while cprof writes a profile),
 * and locks taken by a signal handler that interrupted the recording, are
 * passed through unrecorded.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "base/hash.h"

#include <cprof.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

CPROF_TLS cprof__wait_state cprof__wait;

const char *cprof__wait_name(int reason)
{
	static const char *const names[CPROF__WAIT_N] = {
		[CPROF__WAIT_NONE] = "",
		[CPROF__WAIT_MUTEX] = "mutex",
		[CPROF__WAIT_RWLOCK_READ] = "rwlock read",
		[CPROF__WAIT_RWLOCK_WRITE] = "rwlock write",
		[CPROF__WAIT_SPIN] = "spinlock",
		[CPROF__WAIT_COND] = "condvar",
		[CPROF__WAIT_SEM] = "semaphore",
		[CPROF__WAIT_JOIN] = "join",
		[CPROF__WAIT_BARRIER] = "barrier",
		[CPROF__WAIT_IO] = "io",
	};
	return reason > 0 && reason < CPROF__WAIT_N ? names[reason] : "";
}

/* ---- settings ---- */

static atomic_long mutex_frac; /* 1 in N contention events; 0 off */
static atomic_long block_rate; /* ns; 0 off */
static atomic_bool io_on;      /* CPROF_BLOCK_IO=1 and block_rate > 0 */
static bool waiter_stacks;     /* CPROF_MUTEX_STACK=waiter */

/* What the interposers do, in one word so that the path with everything
 * off tests one load: TIME, a profile or the trace is on (busy locks and
 * blocking waits are timed); CHARGE, unlocks hand pending delay to their
 * callers (the mutex profile, unlocker stacks). */
enum { MODE_TIME = 1, MODE_CHARGE = 2 };
static atomic_uint mode;

static inline unsigned get_mode(void)
{
	return atomic_load_explicit(&mode, memory_order_relaxed);
}

static inline bool active(void)
{
	return get_mode() != 0;
}

static void clock_setup(void);

static void update_hooks(void)
{
	bool mutex = atomic_load(&mutex_frac) > 0;
	unsigned m = 0;
	if (mutex || atomic_load(&block_rate) > 0 || atomic_load(&cprof__trace_on))
		m |= MODE_TIME;
	if (mutex && !waiter_stacks)
		m |= MODE_CHARGE;
	if (m)
		clock_setup();
	atomic_store(&mode, m);
}

void cprof__contention_update(void)
{
	update_hooks();
}

/* A mutex's lock word, read without taking it; -1 where the layout is
 * not glibc's.  0: free, in every glibc mutex kind but priority-protect
 * (whose word also holds the ceiling, so it always looks busy).  1: locked,
 * no thread asleep on it (2 with sleepers; a thread id for robust and
 * priority-inheritance kinds).  A free one is locked by a jump to libc's:
 * no trylock, no call of ours; another thread can take it between the look
 * and the lock, and that wait then goes untimed, a window of a few
 * instructions (docs/CONTENTION.md). */
static inline int mutex_word(const pthread_mutex_t *m)
{
#ifdef __GLIBC__
	return __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED);
#else
	(void)m;
	return -1;
#endif
}

/* A mutex interposer with a profile on takes its fast path (the lock's
 * word says free, or nobody sleeps on it) by falling through to a jump of
 * its own to libc's, not by a second taken branch back to the off path's
 * jump, which gcc's tail merging would otherwise share between the two
 * (docs/PERFORMANCE.md, contention). */
#if defined(__GNUC__) && !defined(__clang__)
#define CPROF_NO_TAIL_MERGE __attribute__((optimize("no-crossjumping")))
#else
#define CPROF_NO_TAIL_MERGE
#endif

/* ---- the waits' clock ----
 * A timed wait reads the clock two or three times (begin, end, the
 * holder's charge), and clock_gettime costs several times a read of the
 * TSC here (docs/PERFORMANCE.md, contention).  Where the kernel itself
 * keeps time by the TSC (it found it constant and not stopping), waits are
 * timed in TSC ticks and converted to nanoseconds by a scale measured once
 * against CLOCK_MONOTONIC; elsewhere a tick is a CLOCK_MONOTONIC ns.  Ticks
 * are only ever subtracted from ticks: the trace, which needs instants,
 * reads CLOCK_MONOTONIC itself. */

static double ns_per_tick = 1.0;
static atomic_int clock_state; /* 0 unset, 1 measuring, 2 TSC, 3 monotonic */

static inline int64_t wait_ticks(void)
{
#if defined(__x86_64__)
	if (atomic_load_explicit(&clock_state, memory_order_relaxed) == 2)
		return (int64_t)__builtin_ia32_rdtsc();
#endif
	return cprof__mono_ns();
}

static inline int64_t ticks_ns(int64_t ticks)
{
	/* acquire: ns_per_tick was written before the state said TSC */
	return atomic_load_explicit(&clock_state, memory_order_acquire) == 2
		       ? (int64_t)((double)ticks * ns_per_tick)
		       : ticks;
}

int64_t cprof__wait_elapsed_ns(int64_t since)
{
	int64_t d = ticks_ns(wait_ticks() - since);
	return d > 0 ? d : 0;
}

static bool kernel_uses_tsc(void)
{
	char buf[16] = {0};
	int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		      O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 3 && !strncmp(buf, "tsc", 3) && (buf[3] == '\n' || buf[3] == 0);
}

/* Once, before the first wait is timed: the clock and its scale, measured
 * over half a millisecond (the scale's error, about 1e-4, is what a wait's
 * duration inherits). */
static void clock_setup(void)
{
	int expect = 0;
	if (!atomic_compare_exchange_strong(&clock_state, &expect, 1)) {
		while (atomic_load(&clock_state) == 1)
			sched_yield();
		return;
	}
	int state = 3;
#if defined(__x86_64__)
	if (kernel_uses_tsc()) {
		int64_t n0 = cprof__mono_ns(), t0 = (int64_t)__builtin_ia32_rdtsc(), n1, t1;
		do {
			n1 = cprof__mono_ns();
			t1 = (int64_t)__builtin_ia32_rdtsc();
		} while (n1 - n0 < 500000);
		double scale = t1 > t0 ? (double)(n1 - n0) / (double)(t1 - t0) : 0;
		if (scale > 0.01 && scale < 100) {
			ns_per_tick = scale;
			state = 2;
		}
	}
#endif
	atomic_store(&clock_state, state);
}

/* ---- libc's functions ---- */

static void *resolve(void *_Atomic *slot, const char *name, const char *version)
{
	void *f = atomic_load_explicit(slot, memory_order_acquire);
	if (f)
		return f;
	/* pthread_cond_* has two versions in glibc on x86-64; an unversioned
	 * lookup may give the 2.2.5 one, whose condvar layout is not the
	 * program's.  But an interceptor between us and libc (a sanitizer's
	 * runtime) defines it unversioned, and a versioned lookup would skip
	 * it: take the versioned one only from the object that has both. */
	void *plain = cprof__real(name);
	f = version ? cprof__real_version(name, version) : NULL;
	if (!f || (plain && !cprof__same_object(plain, f)))
		f = plain;
	atomic_store_explicit(slot, f, memory_order_release);
	return f;
}

#define REAL(name, ver, type)                                                       \
	static void *_Atomic real_##name;                                           \
	static inline type get_##name(void)                                         \
	{                                                                           \
		void *f = atomic_load_explicit(&real_##name, memory_order_relaxed); \
		return (type)(f ? f : resolve(&real_##name, #name, ver));           \
	}

/* The hottest calls (uncontended lock and unlock) forward through a
 * pointer that starts at a boot function, which resolves libc's and calls
 * it: the forwarding path then has no test for "not resolved yet" and no
 * call of its own, only a tail jump. */
#define BOOTED(name, ver, R, PARAMS, ARGS)                                       \
	static R boot_##name PARAMS;                                             \
	static R(*_Atomic real_##name) PARAMS = boot_##name;                     \
	static R boot_##name PARAMS                                              \
	{                                                                        \
		static void *_Atomic slot;                                       \
		R(*f) PARAMS = (R(*) PARAMS)resolve(&slot, #name, ver);          \
		if (!f)                                                          \
			return ENOSYS;                                           \
		atomic_store_explicit(&real_##name, f, memory_order_relaxed);    \
		return f ARGS;                                                   \
	}                                                                        \
	static inline R(*get_##name(void)) PARAMS                                \
	{                                                                        \
		return atomic_load_explicit(&real_##name, memory_order_relaxed); \
	}

typedef int (*mtx_fn)(pthread_mutex_t *);
typedef int (*mtx_timed_fn)(pthread_mutex_t *, const struct timespec *);
typedef int (*mtx_clock_fn)(pthread_mutex_t *, clockid_t, const struct timespec *);
typedef int (*rw_fn)(pthread_rwlock_t *);
typedef int (*rw_timed_fn)(pthread_rwlock_t *, const struct timespec *);
typedef int (*rw_clock_fn)(pthread_rwlock_t *, clockid_t, const struct timespec *);
typedef int (*spin_fn)(pthread_spinlock_t *);
typedef int (*cond_fn)(pthread_cond_t *, pthread_mutex_t *);
typedef int (*cond_timed_fn)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
typedef int (*cond_clock_fn)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
			     const struct timespec *);
typedef int (*sem_fn)(sem_t *);
typedef int (*sem_timed_fn)(sem_t *, const struct timespec *);
typedef int (*sem_clock_fn)(sem_t *, clockid_t, const struct timespec *);
typedef int (*join_fn)(pthread_t, void **);
typedef int (*barrier_fn)(pthread_barrier_t *);
typedef int (*poll_fn)(struct pollfd *, nfds_t, int);
typedef int (*epoll_fn)(int, struct epoll_event *, int, int);
typedef int (*select_fn)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
typedef ssize_t (*read_fn)(int, void *, size_t);

/* clang-format off */
BOOTED(pthread_mutex_lock, NULL, int, (pthread_mutex_t *m), (m))
REAL(pthread_mutex_trylock, NULL, mtx_fn)
REAL(pthread_mutex_timedlock, NULL, mtx_timed_fn)
REAL(pthread_mutex_clocklock, NULL, mtx_clock_fn)
BOOTED(pthread_mutex_unlock, NULL, int, (pthread_mutex_t *m), (m))
BOOTED(pthread_rwlock_rdlock, NULL, int, (pthread_rwlock_t *l), (l))
BOOTED(pthread_rwlock_wrlock, NULL, int, (pthread_rwlock_t *l), (l))
REAL(pthread_rwlock_tryrdlock, NULL, rw_fn)
REAL(pthread_rwlock_trywrlock, NULL, rw_fn)
REAL(pthread_rwlock_timedrdlock, NULL, rw_timed_fn)
REAL(pthread_rwlock_timedwrlock, NULL, rw_timed_fn)
REAL(pthread_rwlock_clockrdlock, NULL, rw_clock_fn)
REAL(pthread_rwlock_clockwrlock, NULL, rw_clock_fn)
BOOTED(pthread_rwlock_unlock, NULL, int, (pthread_rwlock_t *l), (l))
BOOTED(pthread_spin_lock, NULL, int, (pthread_spinlock_t *l), (l))
REAL(pthread_spin_trylock, NULL, spin_fn)
BOOTED(pthread_spin_unlock, NULL, int, (pthread_spinlock_t *l), (l))
REAL(pthread_cond_wait, "GLIBC_2.3.2", cond_fn)
REAL(pthread_cond_timedwait, "GLIBC_2.3.2", cond_timed_fn)
REAL(pthread_cond_clockwait, NULL, cond_clock_fn)
REAL(sem_wait, NULL, sem_fn)
REAL(sem_trywait, NULL, sem_fn)
REAL(sem_timedwait, NULL, sem_timed_fn)
REAL(sem_clockwait, NULL, sem_clock_fn)
REAL(pthread_join, NULL, join_fn)
REAL(pthread_tryjoin_np, NULL, join_fn)
REAL(pthread_barrier_wait, NULL, barrier_fn)
REAL(poll, NULL, poll_fn)
REAL(epoll_wait, NULL, epoll_fn)
REAL(select, NULL, select_fn)
REAL(read, NULL, read_fn)
/* clang-format on */

/* ---- recording ---- */

/* Every function that may be on the stack between the program's call and
 * the unwinding sits in this section: the recorded stack starts at the
 * first frame outside it, whatever the compiler inlined or tail-called. */
#define WAITSEC __attribute__((section("cprof_wait_text")))
#define WAITFN WAITSEC __attribute__((noinline))
extern const char __start_cprof_wait_text[], __stop_cprof_wait_text[];

bool cprof__wait_frame(uintptr_t pc)
{
	return pc >= (uintptr_t)__start_cprof_wait_text && pc < (uintptr_t)__stop_cprof_wait_text;
}

static CPROF_TLS int recording; /* inside record() or a bucket: a handler's lock passes */
static CPROF_TLS uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	if (!x)
		x = ((uint64_t)cprof__gettid() << 32) ^ (uint64_t)cprof__mono_ns() ^
		    0x9e3779b97f4a7c15ULL;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

/* May this thread record now?  Not inside cprof (its own locks, inside
 * malloc) and not inside a recording it interrupted. */
static bool may_record(void)
{
	return !recording && !cprof__heap_busy();
}

WAITFN static void record(int kind, int64_t count, int64_t delay)
{
	uintptr_t pcs[CPROF_MAX_DEPTH];
	int n = cprof__unwind_here(pcs, CPROF_MAX_DEPTH, 0);
	int i = 0;
	while (i < n && cprof__wait_frame(pcs[i]))
		i++;
	if (i < n)
		cprof__stackprof_add(kind, pcs + i, (uint32_t)(n - i), count, delay);
}

/* One contention event of delay ns, to the calling thread's stack, sampled
 * 1 in mutex_frac (docs/CONTENTION.md). */
WAITFN static void mutex_event(int64_t count, int64_t delay)
{
	long frac = atomic_load_explicit(&mutex_frac, memory_order_relaxed);
	if (frac <= 0 || (frac > 1 && rng() % (uint64_t)frac != 0))
		return;
	record(CPROF__SP_MUTEX, count * frac, delay * frac);
}

/* One blocking event of d ns: recorded if d >= rate, else with probability
 * d / rate and scaled (Go's blocksampled and saveBlockEventStack). */
WAITFN static void block_event(int64_t d)
{
	long rate = atomic_load_explicit(&block_rate, memory_order_relaxed);
	if (rate <= 0 || d <= 0)
		return;
	if (d >= rate)
		record(CPROF__SP_BLOCK, 1, d);
	else if ((int64_t)(rng() % (uint64_t)rate) < d)
		record(CPROF__SP_BLOCK, rate / d, rate);
}

/* ---- who held the lock: pending delay per contended lock ---- */

#define MT_BUCKETS 1024
#define CHARGE_QUANTUM 20000 /* ns */
#define MT_WAYS 4

typedef struct mslot {
	uintptr_t key;   /* the lock's address; 0 free */
	int32_t waiting; /* threads waiting for it now */
	int32_t fresh;   /* waits begun since the last charge: the next count */
	int64_t pending; /* ns of waiting not charged yet */
	int64_t last;    /* when pending was last brought up to date */
} mslot;

typedef struct mbucket {
	cprof__spin lock;
	mslot s[MT_WAYS];
} mbucket;

static mbucket *_Atomic mtab;
static atomic_int nwaiting; /* waits tracked in mtab now, all locks */
static atomic_ullong untracked;

static mbucket *bucket_of(const void *lk)
{
	mbucket *t = atomic_load_explicit(&mtab, memory_order_acquire);
	if (!t)
		return NULL;
	uintptr_t k = (uintptr_t)lk;
	return &t[(cprof__mix64(k) >> 20) & (MT_BUCKETS - 1)];
}

/* While a thread holds a bucket, `recording` is up: a signal handler that
 * interrupts it and takes a busy lock passes through unrecorded instead of
 * spinning on the bucket its own thread holds. */
static void bucket_lock(mbucket *b)
{
	recording++;
	cprof__spin_lock(&b->lock);
}

static void bucket_unlock(mbucket *b)
{
	cprof__spin_unlock(&b->lock);
	recording--;
}

static mslot *find(mbucket *b, uintptr_t key, bool add)
{
	mslot *free_slot = NULL;
	for (int i = 0; i < MT_WAYS; i++) {
		if (b->s[i].key == key)
			return &b->s[i];
		if (!b->s[i].key && !free_slot)
			free_slot = &b->s[i];
	}
	if (add && free_slot) {
		/* field by field: key is read without the lock (slot_present) */
		free_slot->waiting = free_slot->fresh = 0;
		free_slot->pending = free_slot->last = 0;
		__atomic_store_n(&free_slot->key, key, __ATOMIC_RELAXED);
	}
	return add ? free_slot : NULL;
}

/* Has lk a record, by a look without the bucket's lock (its keys are
 * stored atomically)?  Most unlocks of a contended lock find none (no
 * waiter since the last charge) and so neither read the clock nor pull the
 * bucket's line over from the waiters' cores. */
static bool slot_present(const mbucket *b, uintptr_t key)
{
	for (int i = 0; i < MT_WAYS; i++)
		if (__atomic_load_n(&b->s[i].key, __ATOMIC_RELAXED) == key)
			return true;
	return false;
}

static void advance(mslot *s, int64_t now)
{
	if (s->last && now > s->last)
		s->pending += (int64_t)s->waiting * (now - s->last);
	s->last = now;
}

/* A wait for lk begins at t0 (unlocker attribution only).  False: the
 * table is full; the wait is charged to its waiter instead. */
static bool holder_wait_begin(const void *lk, int64_t t0)
{
	mbucket *b = bucket_of(lk);
	if (!b)
		return false;
	bucket_lock(b);
	mslot *s = find(b, (uintptr_t)lk, true);
	if (s) {
		advance(s, t0);
		s->waiting++;
		s->fresh++;
	}
	bucket_unlock(b);
	if (!s) {
		atomic_fetch_add_explicit(&untracked, 1, memory_order_relaxed);
		return false;
	}
	atomic_fetch_add_explicit(&nwaiting, 1, memory_order_relaxed);
	return true;
}

static void holder_wait_end(const void *lk, int64_t t1)
{
	mbucket *b = bucket_of(lk);
	bucket_lock(b);
	mslot *s = find(b, (uintptr_t)lk, false);
	if (s) {
		advance(s, t1);
		s->waiting--;
	}
	bucket_unlock(b);
	atomic_fetch_sub_explicit(&nwaiting, 1, memory_order_relaxed);
}

/* lk was just unlocked by this thread: charge it the pending delay. */
WAITFN static void holder_unlocked(const void *lk)
{
	if (!may_record())
		return;
	mbucket *b = bucket_of(lk);
	if (!b || !slot_present(b, (uintptr_t)lk))
		return;
	int64_t now = wait_ticks();
	bucket_lock(b);
	mslot *s = find(b, (uintptr_t)lk, false);
	int64_t delay = 0, count = 0;
	if (s) {
		advance(s, now);
		delay = s->pending;
		count = s->fresh;
		s->pending = 0;
		s->fresh = 0;
		if (!s->waiting)
			__atomic_store_n(&s->key, 0, __ATOMIC_RELAXED);
	}
	bucket_unlock(b);
	delay = ticks_ns(delay);
	if (delay <= 0)
		return;
	/* A lock that is never free long hands its waiters' time on in
	 * slivers, one per unlock; a stack for each would cost more than the
	 * program's own work.  Slivers shorter than CHARGE_QUANTUM are sampled
	 * with probability delay / CHARGE_QUANTUM and scaled, as Go samples
	 * short blocking events: the expected charge is unchanged
	 * (docs/CONTENTION.md). */
	if (delay < CHARGE_QUANTUM) {
		if ((int64_t)(rng() % CHARGE_QUANTUM) >= delay)
			return;
		count = (count * CHARGE_QUANTUM + delay / 2) / delay;
		delay = CHARGE_QUANTUM;
	}
	recording++;
	mutex_event(count, delay);
	recording--;
}

static inline void maybe_charge(const void *lk)
{
	if (atomic_load_explicit(&nwaiting, memory_order_relaxed) > 0)
		holder_unlocked(lk);
}

/* ---- a wait ---- */

typedef struct wait {
	int reason;
	const void *obj;
	int64_t t0;
	bool tracked; /* counted in mtab (holder attribution) */
	cprof__wait_state saved;
} wait;

static void wait_begin(wait *w, int reason, const void *obj, bool lock)
{
	w->reason = reason;
	w->obj = obj;
	w->t0 = wait_ticks();
	w->tracked = lock && !waiter_stacks &&
		     atomic_load_explicit(&mutex_frac, memory_order_relaxed) > 0 &&
		     holder_wait_begin(obj, w->t0);
	w->saved = cprof__wait; /* a handler's wait inside the program's */
	cprof__wait = (cprof__wait_state){reason, obj, w->t0};
}

/* The wait is over (acquired, timed out, or refused): record it, unless
 * the call refused without waiting (an error-checking mutex the caller
 * holds, a recursive one at its limit, a bad argument). */
WAITFN static void wait_end(wait *w, bool lock, int rc)
{
	int64_t t1 = wait_ticks();
	cprof__wait = w->saved;
	if (w->tracked)
		holder_wait_end(w->obj, t1);
	if (lock && (rc == EDEADLK || rc == EAGAIN || rc == EINVAL || rc == ENOTRECOVERABLE))
		return;
	int64_t d = ticks_ns(t1 - w->t0);
	if (d < 0)
		d = 0;
	recording++;
	if (lock && (waiter_stacks || !w->tracked))
		mutex_event(1, d);
	block_event(d);
	if (atomic_load_explicit(&cprof__trace_on, memory_order_relaxed)) {
		int64_t end = cprof__mono_ns();
		cprof__trace_block(w->reason, w->obj, end - d, end, 0);
	}
	recording--;
}

/* ---- the interposers ---- */

/* errno as the caller left it: recording may change it (a lock taken in
 * a signal handler must not spoil the interrupted code's errno). */
#define LOCK_BODY(REASON, OBJ, TRY, CALL)                 \
	do {                                              \
		int rc_ = TRY;                            \
		if (rc_ != EBUSY || !may_record())        \
			return rc_ == EBUSY ? CALL : rc_; \
		int e_ = errno;                           \
		wait w_;                                  \
		wait_begin(&w_, REASON, OBJ, true);       \
		rc_ = CALL;                               \
		wait_end(&w_, true, rc_);                 \
		errno = e_;                               \
		return rc_;                               \
	} while (0)

WAITFN static int mutex_lock_slow(pthread_mutex_t *m)
{
	LOCK_BODY(CPROF__WAIT_MUTEX, m, get_pthread_mutex_trylock()(m),
		  get_pthread_mutex_lock()(m));
}

CPROF_EXPORT WAITSEC CPROF_NO_TAIL_MERGE int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_mutex_lock()(m);
	if (__builtin_expect(mutex_word(m) != 0, 0))
		return mutex_lock_slow(m);
	return get_pthread_mutex_lock()(m);
}

WAITFN static int mutex_timedlock_slow(pthread_mutex_t *m, const struct timespec *ts)
{
	LOCK_BODY(CPROF__WAIT_MUTEX, m, get_pthread_mutex_trylock()(m),
		  get_pthread_mutex_timedlock()(m, ts));
}

CPROF_EXPORT WAITSEC int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_mutex_timedlock()(m, ts);
	return mutex_timedlock_slow(m, ts);
}

WAITFN static int mutex_clocklock_slow(pthread_mutex_t *m, clockid_t c, const struct timespec *ts)
{
	LOCK_BODY(CPROF__WAIT_MUTEX, m, get_pthread_mutex_trylock()(m),
		  get_pthread_mutex_clocklock()(m, c, ts));
}

CPROF_EXPORT WAITSEC int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t c,
						 const struct timespec *ts)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_mutex_clocklock()(m, c, ts);
	return mutex_clocklock_slow(m, c, ts);
}

WAITFN static int mutex_unlock_slow(pthread_mutex_t *m)
{
	int e = errno; /* as LOCK_BODY */
	int rc = get_pthread_mutex_unlock()(m);
	if (rc == 0)
		maybe_charge(m);
	errno = e;
	return rc;
}

/* Nothing to charge: a jump to libc's.  (A profile turned on between the
 * test and the unlock misses that one charge; a waiter that has not gone
 * to sleep yet is charged for at a later unlock.) */
CPROF_EXPORT WAITSEC CPROF_NO_TAIL_MERGE int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (__builtin_expect(!(get_mode() & MODE_CHARGE), 1))
		return get_pthread_mutex_unlock()(m);
	if (__builtin_expect(mutex_word(m) != 1, 0))
		return mutex_unlock_slow(m);
	return get_pthread_mutex_unlock()(m);
}

WAITFN static int rwlock_rd_slow(pthread_rwlock_t *l)
{
	LOCK_BODY(CPROF__WAIT_RWLOCK_READ, l, get_pthread_rwlock_tryrdlock()(l),
		  get_pthread_rwlock_rdlock()(l));
}

CPROF_EXPORT WAITSEC int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_rwlock_rdlock()(l);
	return rwlock_rd_slow(l);
}

WAITFN static int rwlock_wr_slow(pthread_rwlock_t *l)
{
	LOCK_BODY(CPROF__WAIT_RWLOCK_WRITE, l, get_pthread_rwlock_trywrlock()(l),
		  get_pthread_rwlock_wrlock()(l));
}

CPROF_EXPORT WAITSEC int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_rwlock_wrlock()(l);
	return rwlock_wr_slow(l);
}

WAITFN static int rwlock_timedrd_slow(pthread_rwlock_t *l, const struct timespec *ts)
{
	LOCK_BODY(CPROF__WAIT_RWLOCK_READ, l, get_pthread_rwlock_tryrdlock()(l),
		  get_pthread_rwlock_timedrdlock()(l, ts));
}

CPROF_EXPORT WAITSEC int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *ts)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_rwlock_timedrdlock()(l, ts);
	return rwlock_timedrd_slow(l, ts);
}

WAITFN static int rwlock_timedwr_slow(pthread_rwlock_t *l, const struct timespec *ts)
{
	LOCK_BODY(CPROF__WAIT_RWLOCK_WRITE, l, get_pthread_rwlock_trywrlock()(l),
		  get_pthread_rwlock_timedwrlock()(l, ts));
}

CPROF_EXPORT WAITSEC int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *ts)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_rwlock_timedwrlock()(l, ts);
	return rwlock_timedwr_slow(l, ts);
}

WAITFN static int rwlock_clockrd_slow(pthread_rwlock_t *l, clockid_t c, const struct timespec *ts)
{
	LOCK_BODY(CPROF__WAIT_RWLOCK_READ, l, get_pthread_rwlock_tryrdlock()(l),
		  get_pthread_rwlock_clockrdlock()(l, c, ts));
}

CPROF_EXPORT WAITSEC int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c,
						    const struct timespec *ts)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_rwlock_clockrdlock()(l, c, ts);
	return rwlock_clockrd_slow(l, c, ts);
}

WAITFN static int rwlock_clockwr_slow(pthread_rwlock_t *l, clockid_t c, const struct timespec *ts)
{
	LOCK_BODY(CPROF__WAIT_RWLOCK_WRITE, l, get_pthread_rwlock_trywrlock()(l),
		  get_pthread_rwlock_clockwrlock()(l, c, ts));
}

CPROF_EXPORT WAITSEC int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c,
						    const struct timespec *ts)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_rwlock_clockwrlock()(l, c, ts);
	return rwlock_clockwr_slow(l, c, ts);
}

WAITFN static int rwlock_unlock_slow(pthread_rwlock_t *l)
{
	int e = errno; /* as LOCK_BODY */
	int rc = get_pthread_rwlock_unlock()(l);
	if (rc == 0)
		maybe_charge(l);
	errno = e;
	return rc;
}

/* Off: a jump to libc's.  (A profile turned on between the test and the
 * unlock misses that one charge.) */
CPROF_EXPORT WAITSEC int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	if (__builtin_expect(!(get_mode() & MODE_CHARGE), 1))
		return get_pthread_rwlock_unlock()(l);
	return rwlock_unlock_slow(l);
}

WAITFN static int spin_slow(pthread_spinlock_t *l)
{
	LOCK_BODY(CPROF__WAIT_SPIN, (const void *)l, get_pthread_spin_trylock()(l),
		  get_pthread_spin_lock()(l));
}

/* Not looked at first, as a mutex is: every spinning waiter would see the
 * lock free at the same instant, and all but one would spin untimed. */
CPROF_EXPORT WAITSEC int pthread_spin_lock(pthread_spinlock_t *l)
{
	if (__builtin_expect(!active(), 1))
		return get_pthread_spin_lock()(l);
	return spin_slow(l);
}

WAITFN static int spin_unlock_slow(pthread_spinlock_t *l)
{
	int e = errno; /* as LOCK_BODY */
	int rc = get_pthread_spin_unlock()(l);
	if (rc == 0)
		maybe_charge((const void *)l);
	errno = e;
	return rc;
}

/* Off: a jump to libc's.  (A profile turned on between the test and the
 * unlock misses that one charge.) */
CPROF_EXPORT WAITSEC int pthread_spin_unlock(pthread_spinlock_t *l)
{
	if (__builtin_expect(!(get_mode() & MODE_CHARGE), 1))
		return get_pthread_spin_unlock()(l);
	return spin_unlock_slow(l);
}

/* The waits that always block: timed whenever a profile or trace is on. */
#define WAIT_BODY(REASON, OBJ, CALL)                                 \
	do {                                                         \
		if (__builtin_expect(!active(), 1) || !may_record()) \
			return CALL;                                 \
		wait w_;                                             \
		wait_begin(&w_, REASON, OBJ, false);                 \
		int rc_ = CALL;                                      \
		int e_ = errno;                                      \
		wait_end(&w_, false, rc_);                           \
		errno = e_;                                          \
		return rc_;                                          \
	} while (0)

WAITFN static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	WAIT_BODY(CPROF__WAIT_COND, c, get_pthread_cond_wait()(c, m));
}

CPROF_EXPORT WAITSEC int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	return cond_wait(c, m);
}

WAITFN static int cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
	WAIT_BODY(CPROF__WAIT_COND, c, get_pthread_cond_timedwait()(c, m, ts));
}

CPROF_EXPORT WAITSEC int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
						const struct timespec *ts)
{
	return cond_timedwait(c, m, ts);
}

WAITFN static int cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t k,
				 const struct timespec *ts)
{
	WAIT_BODY(CPROF__WAIT_COND, c, get_pthread_cond_clockwait()(c, m, k, ts));
}

CPROF_EXPORT WAITSEC int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t k,
						const struct timespec *ts)
{
	return cond_clockwait(c, m, k, ts);
}

/* Semaphores: a sem_wait that finds a unit takes it without blocking. */
WAITFN static int sem_slow(sem_t *s)
{
	int e = errno;
	if (get_sem_trywait()(s) == 0)
		return 0;
	errno = e;
	WAIT_BODY(CPROF__WAIT_SEM, s, get_sem_wait()(s));
}

CPROF_EXPORT WAITSEC int sem_wait(sem_t *s)
{
	if (__builtin_expect(!active(), 1))
		return get_sem_wait()(s);
	return sem_slow(s);
}

WAITFN static int sem_timed_slow(sem_t *s, const struct timespec *ts)
{
	int e = errno;
	if (get_sem_trywait()(s) == 0)
		return 0;
	errno = e;
	WAIT_BODY(CPROF__WAIT_SEM, s, get_sem_timedwait()(s, ts));
}

CPROF_EXPORT WAITSEC int sem_timedwait(sem_t *s, const struct timespec *ts)
{
	if (__builtin_expect(!active(), 1))
		return get_sem_timedwait()(s, ts);
	return sem_timed_slow(s, ts);
}

WAITFN static int sem_clock_slow(sem_t *s, clockid_t c, const struct timespec *ts)
{
	int e = errno;
	if (get_sem_trywait()(s) == 0)
		return 0;
	errno = e;
	WAIT_BODY(CPROF__WAIT_SEM, s, get_sem_clockwait()(s, c, ts));
}

CPROF_EXPORT WAITSEC int sem_clockwait(sem_t *s, clockid_t c, const struct timespec *ts)
{
	if (__builtin_expect(!active(), 1))
		return get_sem_clockwait()(s, c, ts);
	return sem_clock_slow(s, c, ts);
}

/* A join of a thread that has already ended does not block. */
WAITFN static int join_slow(pthread_t t, void **ret)
{
	int rc = get_pthread_tryjoin_np()(t, ret);
	if (rc != EBUSY)
		return rc;
	WAIT_BODY(CPROF__WAIT_JOIN, (const void *)t, get_pthread_join()(t, ret));
}

CPROF_EXPORT WAITSEC int pthread_join(pthread_t t, void **ret)
{
	if (__builtin_expect(!active(), 1) || !may_record())
		return get_pthread_join()(t, ret);
	return join_slow(t, ret);
}

WAITFN static int barrier_slow(pthread_barrier_t *b)
{
	WAIT_BODY(CPROF__WAIT_BARRIER, b, get_pthread_barrier_wait()(b));
}

CPROF_EXPORT WAITSEC int pthread_barrier_wait(pthread_barrier_t *b)
{
	return barrier_slow(b);
}

/* ---- blocking I/O (CPROF_BLOCK_IO=1) ----
 * Only waits that can block on another process count: poll, epoll_wait
 * and select with a timeout other than zero, and reads of pipes and
 * sockets (a regular file's read is disk time, not a wait). */

static inline bool io_active(void)
{
	return atomic_load_explicit(&io_on, memory_order_relaxed);
}

WAITFN static int poll_slow(struct pollfd *f, nfds_t n, int ms)
{
	WAIT_BODY(CPROF__WAIT_IO, (const void *)(intptr_t)(n ? f[0].fd : -1), get_poll()(f, n, ms));
}

CPROF_EXPORT WAITSEC int poll(struct pollfd *f, nfds_t n, int ms)
{
	if (__builtin_expect(!io_active(), 1) || ms == 0)
		return get_poll()(f, n, ms);
	return poll_slow(f, n, ms);
}

WAITFN static int epoll_slow(int ep, struct epoll_event *ev, int max, int ms)
{
	WAIT_BODY(CPROF__WAIT_IO, (const void *)(intptr_t)ep, get_epoll_wait()(ep, ev, max, ms));
}

CPROF_EXPORT WAITSEC int epoll_wait(int ep, struct epoll_event *ev, int max, int ms)
{
	if (__builtin_expect(!io_active(), 1) || ms == 0)
		return get_epoll_wait()(ep, ev, max, ms);
	return epoll_slow(ep, ev, max, ms);
}

WAITFN static int select_slow(int n, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
	WAIT_BODY(CPROF__WAIT_IO, (const void *)(intptr_t)(n - 1), get_select()(n, r, w, x, tv));
}

CPROF_EXPORT WAITSEC int select(int n, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
	if (__builtin_expect(!io_active(), 1) || (tv && !tv->tv_sec && !tv->tv_usec))
		return get_select()(n, r, w, x, tv);
	return select_slow(n, r, w, x, tv);
}

static bool is_pipe_or_socket(int fd)
{
	struct stat st;
	int e = errno;
	bool yes = fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	errno = e;
	return yes;
}

WAITFN static ssize_t read_slow(int fd, void *buf, size_t n)
{
	WAIT_BODY(CPROF__WAIT_IO, (const void *)(intptr_t)fd, get_read()(fd, buf, n));
}

CPROF_EXPORT WAITSEC ssize_t read(int fd, void *buf, size_t n)
{
	if (__builtin_expect(!io_active(), 1) || !is_pipe_or_socket(fd))
		return get_read()(fd, buf, n);
	return read_slow(fd, buf, n);
}

/* _FORTIFY_SOURCE builds (Debian's) call these when the buffer's size is
 * known at compile time. */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t len);
int __poll_chk(struct pollfd *f, nfds_t n, int ms, size_t len);
typedef ssize_t (*read_chk_fn)(int, void *, size_t, size_t);
typedef int (*poll_chk_fn)(struct pollfd *, nfds_t, int, size_t);
REAL(__read_chk, NULL, read_chk_fn)
REAL(__poll_chk, NULL, poll_chk_fn)

WAITFN static ssize_t read_chk_slow(int fd, void *buf, size_t n, size_t len)
{
	WAIT_BODY(CPROF__WAIT_IO, (const void *)(intptr_t)fd, get___read_chk()(fd, buf, n, len));
}

CPROF_EXPORT WAITSEC ssize_t __read_chk(int fd, void *buf, size_t n, size_t len)
{
	if (__builtin_expect(!io_active(), 1) || !is_pipe_or_socket(fd))
		return get___read_chk()(fd, buf, n, len);
	return read_chk_slow(fd, buf, n, len);
}

WAITFN static int poll_chk_slow(struct pollfd *f, nfds_t n, int ms, size_t len)
{
	WAIT_BODY(CPROF__WAIT_IO, (const void *)(intptr_t)(n ? f[0].fd : -1),
		  get___poll_chk()(f, n, ms, len));
}

CPROF_EXPORT WAITSEC int __poll_chk(struct pollfd *f, nfds_t n, int ms, size_t len)
{
	if (__builtin_expect(!io_active(), 1) || ms == 0)
		return get___poll_chk()(f, n, ms, len);
	return poll_chk_slow(f, n, ms, len);
}

/* ---- control ---- */

static int enable_table(void)
{
	if (atomic_load(&mtab))
		return 0;
	int was = cprof__own_enter();
	mbucket *t = cprof__arena_calloc(MT_BUCKETS, sizeof(*t));
	cprof__own_leave(was);
	if (!t)
		return -ENOMEM;
	mbucket *none = NULL;
	if (!atomic_compare_exchange_strong(&mtab, &none, t)) {
		was = cprof__own_enter();
		cprof__arena_free(t);
		cprof__own_leave(was);
	}
	return 0;
}

CPROF_EXPORT int cprof_mutex_profile_fraction(int n)
{
	if (n < 0)
		return (int)atomic_load(&mutex_frac);
	if (n > 0 && enable_table() != 0)
		return -ENOMEM;
	int prev = (int)atomic_exchange(&mutex_frac, n);
	update_hooks();
	return prev;
}

CPROF_EXPORT long cprof_block_profile_rate(long ns)
{
	if (ns < 0)
		return -EINVAL;
	long prev = atomic_exchange(&block_rate, ns);
	atomic_store(&io_on, ns > 0 && cprof__env_flag("CPROF_BLOCK_IO"));
	update_hooks();
	return prev;
}

uint64_t cprof__contention_untracked(void)
{
	return atomic_load(&untracked);
}

/* A positive decimal setting, or def (one stderr line for a bad one). */
static long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < 0) {
		cprof__log("invalid ", name, " '", v,
			   "': want a non-negative integer; using the default", NULL);
		return def;
	}
	return n;
}

void cprof__contention_start_env(void)
{
	const char *st = getenv("CPROF_MUTEX_STACK");
	if (st && *st && strcmp(st, "unlocker")) {
		if (!strcmp(st, "waiter"))
			waiter_stacks = true;
		else
			cprof__log("invalid CPROF_MUTEX_STACK '", st,
				   "': want unlocker or waiter; using unlocker", NULL);
	}
	if (cprof__stackprof_env_on(CPROF__SP_MUTEX)) {
		long n = env_long("CPROF_MUTEX_FRACTION", 1);
		if (n > 0x7fffffff)
			n = 0x7fffffff;
		if (cprof_mutex_profile_fraction((int)n) < 0)
			cprof__log("cannot start the mutex profile: out of memory", NULL);
	}
	if (cprof__stackprof_env_on(CPROF__SP_BLOCK))
		cprof_block_profile_rate(env_long("CPROF_BLOCK_RATE", 1));
}

/* The child of a fork has one thread: no waiter is left, and a bucket's
 * lock may have been held by a thread that is gone. */
void cprof__contention_atfork_child(void)
{
	mbucket *t = atomic_load(&mtab);
	if (t)
		memset((void *)t, 0, MT_BUCKETS * sizeof(*t));
	atomic_store(&nwaiting, 0);
	cprof__wait = (cprof__wait_state){0};
	recording = 0;
}
