/*
 * threads.c — every thread's CPU timer.
 *
 * Each thread gets a POSIX timer on its own CPU-time clock that sends
 * SIGPROF to that thread (SIGEV_THREAD_ID), as Go's runtime does: unlike a
 * process-wide setitimer, the kernel charges each thread exactly, so busy
 * threads are not under-sampled (golang/go#35057).  Threads alive at start
 * are found in /proc/self/task; threads created later are caught by our
 * pthread_create, whose trampoline arms the new thread's timer and, through a
 * TLS-key destructor, deletes it when the thread exits.
 *
 * The first expiry is uniform in (0, period], so a thread that runs for a
 * tenth of a period has a one-in-ten chance of one sample instead of none.
 *
 * All registry changes happen under reg_lock, in normal context; the signal
 * handler never looks at the registry.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "runtime/threadsprof.h"

#include <cprof.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef struct tslot {
	pid_t tid;
	int timer;    /* kernel timer id, -1: none */
	uintptr_t tp; /* its thread pointer, 0: unknown (cprof__thread_tp) */
} tslot;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static tslot *reg;
static size_t nreg, capreg;
static bool timers_on;
/* Holders of the timers: the CPU profiler and the execution trace. */
static int timer_users;
static atomic_bool use_itimer; /* also read by the signal handler */
static _Atomic long period;    /* also read by the trace's sampler */
static uint64_t rng_state;
static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static CPROF_TLS bool tls_registered;
static atomic_int live_threads; /* threads started through our trampoline, alive */
static atomic_int main_gone;    /* the main thread called pthread_exit */
CPROF_TLS cprof__tail_state cprof__tail;

static uint64_t rng(void)
{
	uint64_t x = rng_state ? rng_state : (uint64_t)cprof__mono_ns() | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static tslot *find_slot(pid_t tid)
{
	for (size_t i = 0; i < nreg; i++)
		if (reg[i].tid == tid)
			return &reg[i];
	return NULL;
}

static tslot *add_slot(pid_t tid)
{
	tslot *s = find_slot(tid);
	if (s)
		return s;
	if (nreg == capreg) {
		size_t cap = capreg ? capreg * 2 : 64;
		tslot *v = cprof__arena_realloc(reg, cap * sizeof(*v));
		if (!v)
			return NULL;
		reg = v;
		capreg = cap;
	}
	reg[nreg] = (tslot){tid, -1, 0};
	return &reg[nreg++];
}

static void add_slot_cb(pid_t tid, void *arg)
{
	(void)arg;
	if (!cprof__internal_tid(tid)) /* cprof's threads are not sampled */
		add_slot(tid);
}

int cprof__sigprof_queue(pid_t tid, void *cookie)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGPROF;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_ptr = cookie;
	return syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, SIGPROF, &si) == 0 ? 0 : -errno;
}

int cprof__each_thread(void (*fn)(pid_t tid, void *arg), void *arg)
{
	int own = cprof__own_enter(); /* opendir's 32 KB buffer is cprof's */
	DIR *d = opendir("/proc/self/task");
	cprof__own_leave(own);
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		long tid = strtol(e->d_name, NULL, 10);
		if (tid <= 0)
			continue;
		n++;
		if (fn)
			fn((pid_t)tid, arg);
	}
	own = cprof__own_enter();
	closedir(d);
	cprof__own_leave(own);
	return n;
}

static void del_slot(tslot *s)
{
	*s = reg[--nreg];
}

/* Create and arm a timer on tid's CPU clock; reg_lock held. */
static int arm(tslot *s)
{
	if (s->timer >= 0)
		return 0;
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev.sigev_value.sival_ptr = CPROF_TIMER_COOKIE;
	sev._sigev_un._tid = s->tid;
	/* MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED): glibc's wrappers only name
	 * the calling thread's clock, so use the kernel's encoding directly. */
	clockid_t clk = (clockid_t)((~(unsigned)s->tid << 3) | 6);
	int id;
	if (syscall(SYS_timer_create, clk, &sev, &id) != 0)
		return -errno;
	long first = 1 + (long)(rng() % (uint64_t)period);
	struct itimerspec its = {
		.it_interval = {period / 1000000000, period % 1000000000},
		.it_value = {first / 1000000000, first % 1000000000},
	};
	struct timespec now;
	bool self = s->tid == cprof__gettid();
	if (self)
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	if (syscall(SYS_timer_settime, id, 0, &its, NULL) != 0) {
		int e = -errno;
		syscall(SYS_timer_delete, id);
		return e;
	}
	s->timer = id;
	if (self && cprof__tail.last) {
		cprof__tail.arm_cpu = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
		cprof__tail.first = first;
		cprof__tail.period = period;
		cprof__tail.delivered = 0;
		cprof__tail.gen = atomic_load(&cprof__cpu_gen);
	}
	return 0;
}

static void disarm(tslot *s)
{
	if (s->timer >= 0) {
		syscall(SYS_timer_delete, s->timer);
		s->timer = -1;
	}
}

/* Periods this thread's CPU clock crossed that never reached the handler. */
static uint64_t tail_missing(void)
{
	cprof__tail_state *t = &cprof__tail;
	if (!t->gen || t->gen != atomic_load(&cprof__cpu_gen) || t->period <= 0)
		return 0;
	struct timespec now;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	int64_t e = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - t->arm_cpu - t->first;
	uint64_t crossed = e >= 0 ? 1 + (uint64_t)(e / t->period) : 0;
	return crossed > t->delivered ? crossed - t->delivered : 0;
}

static void thread_exit(void *unused)
{
	(void)unused;
	cprof__trace_thread_exit();
	pid_t tid = cprof__gettid();
	/* SIGPROF stays blocked for the rest of this thread's life: a signal
	 * still pending now would be counted twice (it is in `missing`). */
	sigset_t prof;
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	cprof__mask_real(SIG_BLOCK, &prof, NULL);
	cprof__in_rt++;
	pthread_mutex_lock(&reg_lock);
	tslot *s = find_slot(tid);
	if (s) {
		if (s->timer >= 0 && timers_on) {
			uint64_t missing = tail_missing();
			if (missing)
				cprof__cpu_record_tail(missing, cprof__tail.last,
						       cprof__tail.nlast);
		}
		disarm(s);
		del_slot(s);
	}
	pthread_mutex_unlock(&reg_lock);
	cprof__in_rt--;
	cprof__tail.gen = 0;
	cprof__arena_free(cprof__tail.last);
	cprof__tail.last = NULL;
	cprof__labels_thread_exit();
	if (atomic_fetch_sub(&live_threads, 1) == 1 && atomic_load(&main_gone))
		cprof__service_thread_gone(); /* the last one after main's pthread_exit */
}

static void make_key(void)
{
	pthread_key_create(&exit_key, thread_exit);
}

/* Some thread's timer could not be made (commonly EAGAIN: every POSIX timer
 * holds a queued-signal slot, counted against RLIMIT_SIGPENDING): that
 * thread is not sampled.  Say so once.  reg_lock held. */
static void warn_unarmed(int err)
{
	static bool warned;
	if (warned || err == 0 || err == -ESRCH)
		return;
	warned = true;
	char b[24];
	cprof__log("cannot create a CPU timer for some threads (timer_create: errno ",
		   cprof__itoa(b, -err), err == -EAGAIN ? ", RLIMIT_SIGPENDING reached" : "",
		   "): they are not sampled and the profile under-counts", NULL);
}

/* A new thread starts (normal context, on that thread). */
static void thread_begin(void)
{
	pthread_once(&key_once, make_key);
	cprof__stack_bounds_init();
	cprof__in_rt++;
	pthread_mutex_lock(&reg_lock);
	tslot *s = add_slot(cprof__gettid());
	if (s)
		s->tp = (uintptr_t)pthread_self();
	if (s && timers_on && !use_itimer)
		warn_unarmed(arm(s));
	pthread_mutex_unlock(&reg_lock);
	cprof__in_rt--;
	atomic_fetch_add(&live_threads, 1);
	tls_registered = true;
	pthread_setspecific(exit_key, (void *)1);
}

typedef struct tramp {
	void *(*fn)(void *);
	void *arg;
	int prof_view;                 /* the creator's view of SIGPROF in its mask */
	const cprof__labelset *labels; /* the creator's, inherited (Go's goroutines') */
	void *trace;                   /* the creator, for the execution trace (trace.c) */
} tramp;

static void *trampoline(void *p)
{
	tramp t = *(tramp *)p;
	cprof__arena_free(p);
	/* A thread created with every signal blocked (liblzma, jemalloc...)
	 * is still sampled; the program still sees the mask it inherited. */
	cprof__sigmask_adopt(t.prof_view);
	cprof__labels_inherit(t.labels);
	cprof__tail.labels = t.labels;
	/* Until the first sample, the thread's tail is charged to its start routine. */
	cprof__tail.last = cprof__arena_alloc(CPROF_TAIL_DEPTH * sizeof(uintptr_t));
	if (cprof__tail.last) {
		cprof__tail.last[0] = (uintptr_t)t.fn;
		cprof__tail.nlast = 1;
	}
	/* The trace's buffer before the timer is armed: no early sample lost. */
	cprof__trace_thread_start(t.trace);
	int own = cprof__own_enter(); /* pthread_getattr_np allocates */
	thread_begin();
	cprof__own_leave(own);
	return t.fn(t.arg);
}

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static CPROF_TLS bool spawning; /* inside cprof__spawn_internal */

CPROF_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *),
				void *arg)
{
	static pthread_create_fn real;
	if (!real)
		real = (pthread_create_fn)cprof__real("pthread_create");
	if (!real)
		return EAGAIN;
	/* cprof's own threads (a sanitizer's pthread_create interceptor sends
	 * cprof__spawn_internal's call back through us) are not the program's:
	 * no trampoline, no timer, no registration. */
	if (spawning)
		return real(th, attr, fn, arg);
	cprof__service_threads_coming();
	tramp *t = cprof__arena_alloc(sizeof(*t));
	if (!t)
		return real(th, attr, fn, arg);
	t->fn = fn;
	t->arg = arg;
	t->prof_view = cprof__sigmask_prof_view();
	t->labels = cprof__labels_cur;
	cprof__stackprof_record(CPROF__SP_THREADCREATE, 0, 1, 0);
	t->trace = cprof__trace_create_begin();
	int rc = real(th, attr, trampoline, t);
	if (rc != 0) {
		cprof__arena_free(t->trace);
		cprof__arena_free(t);
	}
	return rc;
}

/*
 * cprof's threads (the CPU writer, the service thread) need little stack:
 * the deepest use is a profile written on a fatal signal, where libdw's
 * line-table reader (read_srclines, elfutils 0.188) takes one ~150 KB frame
 * (stacks of 128 KB overflowed there, 256 KB passed).  The default stack is
 * RLIMIT_STACK, 8 MB of address space and commit charge per thread.
 * Sanitizers' frames are several times larger.  Only touched pages count
 * in RSS, so this bounds address space, not memory use.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define INTERNAL_STACK ((size_t)4 << 20)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define INTERNAL_STACK ((size_t)4 << 20)
#endif
#endif
#ifndef INTERNAL_STACK
#define INTERNAL_STACK ((size_t)512 << 10)
#endif

int cprof__spawn_internal(pthread_t *th, void *(*fn)(void *), void *arg)
{
	/* Looked up once: a forked child calls this from its atfork handler,
	 * where dlsym's locks may be the parent's. */
	static _Atomic(void *) next;
	void *f = atomic_load(&next);
	if (!f) {
		f = cprof__next("pthread_create");
		atomic_store(&next, f);
	}
	pthread_create_fn real = (pthread_create_fn)f;
	if (!real)
		return -ENOSYS;
	pthread_attr_t attr;
	bool have_attr = pthread_attr_init(&attr) == 0;
	if (have_attr && pthread_attr_setstacksize(&attr, INTERNAL_STACK) != 0) {
		pthread_attr_destroy(&attr); /* the default stack then */
		have_attr = false;
	}
	sigset_t all, old;
	sigfillset(&all);
	cprof__mask_real(SIG_SETMASK, &all, &old);
	spawning = true;
	int rc = real(th, have_attr ? &attr : NULL, fn, arg);
	if (rc == EINVAL && have_attr) /* the program's static TLS leaves too little */
		rc = real(th, NULL, fn, arg);
	if (rc == 0) /* named, for ps -L, top and debuggers */
		pthread_setname_np(*th, "cprof");
	spawning = false;
	cprof__mask_real(SIG_SETMASK, &old, NULL);
	if (have_attr)
		pthread_attr_destroy(&attr);
	return -rc;
}

/* A thread leaves by pthread_exit: if it was the last program thread (main
 * calling pthread_exit), cprof's own threads must not keep the process
 * alive (service.c ends it). */
typedef void (*pthread_exit_fn)(void *);
static pthread_exit_fn real_pthread_exit;

CPROF_EXPORT __attribute__((noreturn)) void pthread_exit(void *ret)
{
	if (cprof__gettid() == getpid()) {
		atomic_store(&main_gone, 1);
		cprof__service_thread_gone();
	}
	pthread_exit_fn f = real_pthread_exit;
	if (!f)
		f = (pthread_exit_fn)cprof__real("pthread_exit");
	f(ret);
	__builtin_unreachable();
}

int cprof__timers_start(long period_ns)
{
	pthread_mutex_lock(&reg_lock);
	if (timers_on) {
		/* Already running for the other holder: a new period (the CPU
		 * profiler's, whose weights depend on it) re-arms every timer. */
		timer_users++;
		if (period_ns > 0 && !use_itimer) {
			/* Re-armed even at the same period: the CPU profiler's
			 * exit-tail accounting starts from its own arming. */
			period = period_ns;
			for (size_t i = 0; i < nreg; i++) {
				disarm(&reg[i]);
				arm(&reg[i]);
			}
		} else if (period_ns > 0 && period_ns != period) {
			period = period_ns;
			struct itimerval it = {{period / 1000000000, period % 1000000000 / 1000},
					       {period / 1000000000, period % 1000000000 / 1000}};
			setitimer(ITIMER_PROF, &it, NULL);
		}
		pthread_mutex_unlock(&reg_lock);
		return 0;
	}
	period = period_ns > 0 ? period_ns : 1000000000L / CPROF_DEFAULT_HZ;
	timers_on = true;
	use_itimer = false;
	cprof__each_thread(add_slot_cb, NULL); /* threads not created through us */
	add_slot(cprof__gettid());
	int first_err = 0;
	size_t armed = 0;
	/* Test hook: behave as a kernel without per-thread CPU timers. */
	const char *no_timers = getenv("CPROF_TEST_NO_THREAD_TIMERS");
	bool refuse = no_timers && *no_timers && strcmp(no_timers, "0");
	for (size_t i = 0; i < nreg; i++) {
		int rc = refuse ? -ENOSYS : arm(&reg[i]);
		if (rc == 0)
			armed++;
		else if (rc != -ESRCH && rc != -EINVAL && !first_err)
			first_err = rc;
	}
	if (armed == 0) {
		/* Per-thread timers unavailable: the process-wide fallback. */
		char b[24];
		cprof__log(
			"per-thread CPU timers unavailable (timer_create: errno ",
			cprof__itoa(b, -first_err),
			"); falling back to setitimer(ITIMER_PROF): thread attribution may be skewed",
			NULL);
		struct itimerval it = {{period / 1000000000, period % 1000000000 / 1000},
				       {period / 1000000000, period % 1000000000 / 1000}};
		if (setitimer(ITIMER_PROF, &it, NULL) != 0) {
			timers_on = false;
			pthread_mutex_unlock(&reg_lock);
			return -errno;
		}
		use_itimer = true;
	} else {
		warn_unarmed(first_err);
	}
	timer_users = 1;
	pthread_mutex_unlock(&reg_lock);
	return 0;
}

void cprof__timers_stop(void)
{
	pthread_mutex_lock(&reg_lock);
	if (timer_users > 1) { /* the other holder keeps them */
		timer_users--;
		pthread_mutex_unlock(&reg_lock);
		return;
	}
	timer_users = 0;
	timers_on = false;
	for (size_t i = 0; i < nreg; i++)
		disarm(&reg[i]);
	if (use_itimer) {
		struct itimerval off = {{0, 0}, {0, 0}};
		setitimer(ITIMER_PROF, &off, NULL);
	}
	pthread_mutex_unlock(&reg_lock);
}

/* async-signal-safe */
long cprof__timers_period(void)
{
	return atomic_load_explicit(&period, memory_order_relaxed);
}

bool cprof__timers_fallback(void)
{
	return atomic_load_explicit(&use_itimer, memory_order_relaxed);
}

/* Until the fork returns, the forking thread is in the runtime, holding
 * cprof's locks: a fatal signal's flush, which needs them, does not park it. */
static void atfork_prepare(void)
{
	cprof__in_rt++;
	cprof__maps_atfork_prepare();
	pthread_mutex_lock(&reg_lock);
	cprof__labels_atfork_prepare(); /* before the arena's lock, as a push takes them */
	cprof__heap_atfork_prepare();
}

static void atfork_parent(void)
{
	cprof__heap_atfork_parent();
	cprof__labels_atfork_parent();
	pthread_mutex_unlock(&reg_lock);
	cprof__maps_atfork_parent();
	cprof__in_rt--;
}

/* The child has one thread and no timers (POSIX timers are not inherited). */
static void atfork_child(void)
{
	/* Held by this thread since the prepare handler: released, not
	 * re-initialised (ThreadSanitizer would still see it held). */
	pthread_mutex_unlock(&reg_lock);
	cprof__forget_tid();
	nreg = 0;
	atomic_store(&live_threads, 0);
	atomic_store(&main_gone, 0);
	timers_on = false;
	timer_users = 0;
	use_itimer = false;
	cprof__cpu_atfork_child();
	cprof__heap_atfork_child();
	cprof__labels_atfork_child();
	cprof__stackprof_atfork_child();
	cprof__contention_atfork_child();
	cprof__http_atfork_child();
	cprof__threads_atfork_child();
	cprof__service_atfork_child();
	/* Profiles to a path go on in the child, into path.PID. */
	cprof__heap_atfork_child_resume();
	cprof__cpu_atfork_child_resume();
	cprof__trace_atfork_child();
	cprof__in_rt--; /* the prepare handler's */
}

void cprof__threads_init(void)
{
	real_pthread_exit = (pthread_exit_fn)cprof__real("pthread_exit");
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	/* The loading thread (main, mostly): its thread pointer, for the
	 * threads profile (cprof__thread_tp). */
	cprof__in_rt++;
	pthread_mutex_lock(&reg_lock);
	tslot *s = add_slot(cprof__gettid());
	if (s)
		s->tp = (uintptr_t)pthread_self();
	pthread_mutex_unlock(&reg_lock);
	cprof__in_rt--;
}

uintptr_t cprof__thread_tp(pid_t tid)
{
	cprof__in_rt++;
	pthread_mutex_lock(&reg_lock);
	tslot *s = find_slot(tid);
	uintptr_t tp = s ? s->tp : 0;
	pthread_mutex_unlock(&reg_lock);
	cprof__in_rt--;
	return tp;
}
