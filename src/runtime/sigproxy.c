/*
 * sigproxy.c — SIGPROF belongs to the program too.
 *
 * Once cprof has installed its SIGPROF handler it keeps it for the life of
 * the process (a timer signal can still be queued after its timer is
 * deleted; the default action would kill the program).  The program's own
 * sigaction()/signal() calls for SIGPROF are interposed: they record the
 * program's handler and return its previous one, and cprof forwards to it
 * every SIGPROF that did not come from one of cprof's timers (their si_value
 * carries CPROF_TIMER_COOKIE).  So neither loses the other's signals, and the
 * takeover is reported once on stderr.
 */
#include "compat.h"
#include "runtime/rt.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

static struct sigaction app[2]; /* the program's SIGPROF action, double-buffered */
static atomic_int app_cur;
static atomic_int owned;
static atomic_int noted;

void *cprof__real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

void *cprof__real_version(const char *name, const char *version)
{
	return dlvsym(RTLD_NEXT, name, version);
}

bool cprof__same_object(const void *a, const void *b)
{
	Dl_info x, y;
	return dladdr(a, &x) && dladdr(b, &y) && x.dli_fbase == y.dli_fbase;
}

/* The first definition in lookup order that is not ours: a sanitizer's
 * interceptor when one is preloaded (it must see our threads and handlers),
 * else libc's. */
void *cprof__next(const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);
	Dl_info found, self;
	if (p && dladdr(p, &found) && dladdr((void *)cprof__next, &self) &&
	    found.dli_fbase == self.dli_fbase)
		p = NULL; /* our own interposer */
	return p ? p : dlsym(RTLD_NEXT, name);
}

static int real_sigaction(int sig, const struct sigaction *a, struct sigaction *o)
{
	static sigaction_fn real;
	if (!real)
		real = (sigaction_fn)cprof__real("sigaction");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(sig, a, o);
}

static void set_app(const struct sigaction *a)
{
	int next = !atomic_load(&app_cur);
	app[next] = *a;
	atomic_store(&app_cur, next);
}

static bool is_handler(const struct sigaction *a)
{
	return (a->sa_flags & SA_SIGINFO) ? a->sa_sigaction != NULL
					  : (a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN);
}

int cprof__sigprof_take(cprof__sigprof_fn fn)
{
	if (atomic_load(&owned))
		return 0;
	/* Through a sanitizer's interceptor if there is one (while not yet
	 * `owned`, our own sigaction passes straight to libc). */
	sigaction_fn install = (sigaction_fn)cprof__next("sigaction");
	struct sigaction prev, ours;
	if (!install || install(SIGPROF, NULL, &prev) != 0)
		return -errno;
	memset(&ours, 0, sizeof(ours));
	ours.sa_sigaction = fn;
	ours.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&ours.sa_mask);
	set_app(&prev);
	if (install(SIGPROF, &ours, NULL) != 0)
		return -errno;
	atomic_store(&owned, 1);
	if (is_handler(&prev) && !atomic_exchange(&noted, 1))
		cprof__log("the program has its own SIGPROF handler; cprof keeps its timer "
			   "signals and forwards every other SIGPROF to it",
			   NULL);
	return 0;
}

void cprof__sigprof_check(cprof__sigprof_fn fn)
{
	static atomic_int bypass_noted;
	struct sigaction cur, ours;
	if (!atomic_load(&owned) || real_sigaction(SIGPROF, NULL, &cur) != 0)
		return;
	if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == fn)
		return;
	/* Until now the program's handler got cprof's timer signals too, and
	 * cprof none: take them back, and give the program its own. */
	set_app(&cur);
	memset(&ours, 0, sizeof(ours));
	ours.sa_sigaction = fn;
	ours.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&ours.sa_mask);
	if (real_sigaction(SIGPROF, &ours, NULL) == 0 && !atomic_exchange(&bypass_noted, 1))
		cprof__log(
			"the program replaced cprof's SIGPROF handler without sigaction() or "
			"signal() (sigset? a raw system call?); cprof took the signal back and "
			"forwards the program's own SIGPROFs to it; samples before that are lost",
			NULL);
}

/* async-signal-safe */
void cprof__sigprof_forward(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *a = &app[atomic_load(&app_cur)];
	if (a->sa_flags & SA_SIGINFO) {
		if (a->sa_sigaction)
			a->sa_sigaction(sig, si, uc);
	} else if (a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN) {
		a->sa_handler(sig);
	}
	/* SIG_DFL would terminate the process: cprof drops such a signal. */
}

/* ---- Cloaked handlers for the signals that kill ----
 * To write the profiles when the program dies of a signal, cprof needs a
 * handler for it; but a program (CPython, for one) decides what to do with a
 * signal from its disposition, and must find SIG_DFL where it left SIG_DFL.
 * So, as the sanitizers' cloak_sanitizer_signal_handlers does, the handler is
 * installed only where the disposition is SIG_DFL, and sigaction()/signal()
 * report the program's own view (vact): SIG_DFL, as it last set it.  The
 * program's handler or SIG_IGN, once it sets one, replaces cprof's for real
 * (the program's wins); setting SIG_DFL again puts cprof's back. */
static cprof__sigprof_fn cloak_fn;
static sigset_t cloak_mask;
static _Atomic unsigned char cloakable[_NSIG], cloaked[_NSIG];
static struct sigaction vact[_NSIG];

static bool is_dfl(const struct sigaction *a)
{
	return a->sa_handler == SIG_DFL; /* same bits as a NULL sa_sigaction */
}

static int install_cloak(int sig)
{
	struct sigaction a;
	memset(&a, 0, sizeof(a));
	a.sa_sigaction = cloak_fn;
	a.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	a.sa_mask = cloak_mask;
	return real_sigaction(sig, &a, NULL);
}

void cprof__sig_cloak(const int *sigs, size_t n, cprof__sigprof_fn fn, const sigset_t *mask)
{
	cloak_fn = fn;
	cloak_mask = *mask;
	for (size_t i = 0; i < n; i++) {
		int sig = sigs[i];
		struct sigaction old;
		atomic_store(&cloakable[sig], 1);
		if (real_sigaction(sig, NULL, &old) != 0 || !is_dfl(&old))
			continue; /* the program's handler, or ignored: theirs */
		vact[sig] = old;
		if (install_cloak(sig) == 0)
			atomic_store(&cloaked[sig], 1);
	}
}

/* Is cprof's handler still the real one (the program may have replaced it
 * behind our back: sigset(), a raw system call)? */
static bool still_cloaked(int sig)
{
	if (!atomic_load(&cloaked[sig]))
		return false;
	struct sigaction cur;
	if (real_sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	    cur.sa_sigaction == cloak_fn)
		return true;
	atomic_store(&cloaked[sig], 0);
	return false;
}

/* async-signal-safe, as sigaction(2) must be. */
CPROF_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig > 0 && sig < _NSIG && sig != SIGPROF && atomic_load(&cloakable[sig])) {
		if (still_cloaked(sig)) {
			if (old)
				*old = vact[sig];
			if (act) {
				if (!is_dfl(act)) {
					if (real_sigaction(sig, act, NULL) != 0)
						return -1;
					atomic_store(&cloaked[sig], 0);
				} else {
					vact[sig] = *act;
				}
			}
			return 0;
		}
		if (act && is_dfl(act)) {
			/* Back to the default action: cprof's handler again. */
			struct sigaction prev;
			if (real_sigaction(sig, NULL, &prev) != 0)
				return -1;
			vact[sig] = *act;
			if (install_cloak(sig) != 0)
				return real_sigaction(sig, act, old);
			atomic_store(&cloaked[sig], 1);
			if (old)
				*old = prev;
			return 0;
		}
	}
	if (sig != SIGPROF || !atomic_load(&owned))
		return real_sigaction(sig, act, old);
	if (old)
		*old = app[atomic_load(&app_cur)];
	if (act) {
		set_app(act);
		if (is_handler(act) && !atomic_exchange(&noted, 1))
			cprof__log(
				"the program installed a SIGPROF handler while cprof profiles; "
				"cprof keeps its timer signals and forwards every other SIGPROF to it",
				NULL);
	}
	return 0;
}

CPROF_EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	struct sigaction a, o;
	memset(&a, 0, sizeof(a));
	a.sa_handler = h;
	a.sa_flags = SA_RESTART;
	sigemptyset(&a.sa_mask);
	if (sigaction(sig, &a, &o) != 0)
		return SIG_ERR;
	return (o.sa_flags & SA_SIGINFO) ? (sighandler_t)(void (*)(void))o.sa_sigaction
					 : o.sa_handler;
}

/* ---- The program's signal mask: SIGPROF stays deliverable ----
 *
 * Threads that block every signal (liblzma's workers, jemalloc's, many
 * daemons') would never be sampled, and a timer SIGPROF left pending in such
 * a thread is taken by its sigwait().  While CPU profiling runs, the
 * interposed pthread_sigmask/sigprocmask never really block SIGPROF; each
 * thread remembers whether the *program* asked for it blocked (v_prof), and
 * the old-mask results report that, so the program sees the mask it set.
 * A SIGPROF that is the program's own (not one of cprof's) and arrives while
 * the program believes SIGPROF blocked is put back: blocked for real on this
 * thread until the program unblocks it, and queued again (bounce()), so the
 * program's sigwait/signalfd, or its handler once it unblocks, gets it.
 * The real functions are resolved at start-up: no dlsym (which may
 * allocate) inside the wrappers; before that, the raw system call. */
typedef int (*mask_fn)(int, const sigset_t *, sigset_t *);
typedef int (*timedwait_fn)(const sigset_t *, siginfo_t *, const struct timespec *);
typedef int (*signalfd_fn)(int, const sigset_t *, int);
static mask_fn real_pthread_sigmask, real_sigprocmask;
static timedwait_fn real_sigtimedwait;
static signalfd_fn real_signalfd;
static atomic_bool keep_prof;           /* CPU profiling: keep SIGPROF unblocked */
static CPROF_TLS unsigned char v_known; /* v_prof is the program's view */
static CPROF_TLS unsigned char v_prof;  /* the program wants SIGPROF blocked */
static CPROF_TLS unsigned char v_hold;  /* SIGPROF really blocked: a bounced signal */

void cprof__sigproxy_init(void)
{
	real_pthread_sigmask = (mask_fn)cprof__real("pthread_sigmask");
	real_sigprocmask = (mask_fn)cprof__real("sigprocmask");
	real_sigtimedwait = (timedwait_fn)cprof__real("sigtimedwait");
	real_signalfd = (signalfd_fn)cprof__real("signalfd");
	real_sigaction(0, NULL, NULL); /* resolve it now too */
}

/* pthread_sigmask semantics on the raw system call (errno value returned);
 * glibc's own signals (32, 33) are never blocked.  async-signal-safe */
static int raw_mask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t s;
	if (set && how != SIG_UNBLOCK) {
		s = *set;
		sigdelset(&s, 32);
		sigdelset(&s, 33);
		set = &s;
	}
	return syscall(SYS_rt_sigprocmask, how, set, old, _NSIG / 8) == 0 ? 0 : errno;
}

int cprof__mask_real(int how, const sigset_t *set, sigset_t *old)
{
	return real_pthread_sigmask ? real_pthread_sigmask(how, set, old) : raw_mask(how, set, old);
}

/* The program's mask call; returns an errno value.  async-signal-safe */
static int mask_call(mask_fn real, bool posix, int how, const sigset_t *set, sigset_t *old)
{
	bool keep = atomic_load_explicit(&keep_prof, memory_order_relaxed);
	if (!keep && !v_known && !v_hold) {
		if (!real)
			return raw_mask(how, set, old);
		int r = real(how, set, old);
		return posix ? r : (r == 0 ? 0 : errno);
	}
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
		return EINVAL;
	sigset_t s, o;
	const sigset_t *sp = set;
	bool want_prof = set && sigismember(set, SIGPROF);
	if (set && keep && want_prof && how != SIG_UNBLOCK) {
		s = *set;
		sigdelset(&s, SIGPROF);
		sp = &s;
	}
	int r = real ? real(how, sp, &o) : raw_mask(how, sp, &o);
	if (!posix && real)
		r = r == 0 ? 0 : errno;
	if (r != 0)
		return r;
	bool prev = v_known ? v_prof : sigismember(&o, SIGPROF);
	if (old) {
		*old = o;
		if (prev)
			sigaddset(old, SIGPROF);
		else
			sigdelset(old, SIGPROF);
	}
	bool now = prev;
	if (set)
		now = how == SIG_BLOCK     ? (prev || want_prof)
		      : how == SIG_UNBLOCK ? (prev && !want_prof)
					   : want_prof;
	if (!now)
		v_hold = 0;
	sigset_t p;
	sigemptyset(&p);
	sigaddset(&p, SIGPROF);
	if (!keep) {
		/* Profiling stopped: the real mask is the program's again. */
		raw_mask(now ? SIG_BLOCK : SIG_UNBLOCK, &p, NULL);
		v_known = v_hold = 0;
		return 0;
	}
	if (v_hold && now)
		raw_mask(SIG_BLOCK, &p, NULL);
	v_prof = now;
	v_known = 1;
	return 0;
}

CPROF_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	return mask_call(real_pthread_sigmask, true, how, set, old);
}

CPROF_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	int e = mask_call(real_sigprocmask, false, how, set, old);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

/* Normal context, on the calling thread: start keeping SIGPROF deliverable
 * here (a new thread, or the thread that starts profiling) while the program
 * keeps seeing the mask it inherited. */
void cprof__sigmask_adopt(int inherited)
{
	if (!atomic_load_explicit(&keep_prof, memory_order_relaxed))
		return;
	sigset_t o;
	if (raw_mask(SIG_BLOCK, NULL, &o) != 0)
		return;
	v_prof =
		inherited >= 0 ? (unsigned char)inherited : (unsigned char)sigismember(&o, SIGPROF);
	v_known = 1;
	v_hold = 0;
	if (sigismember(&o, SIGPROF)) {
		sigset_t p;
		sigemptyset(&p);
		sigaddset(&p, SIGPROF);
		raw_mask(SIG_UNBLOCK, &p, NULL);
	}
}

/* The calling thread's view of SIGPROF in its mask: 1 blocked, 0 not, -1
 * unknown.  For pthread_create: the new thread inherits it. */
int cprof__sigmask_prof_view(void)
{
	return v_known ? v_prof : -1;
}

void cprof__sigmask_keep(bool on)
{
	atomic_store(&keep_prof, on);
}

/* async-signal-safe.  A SIGPROF that is the program's, on a thread whose
 * program mask blocks it: put it back as the kernel would have kept it —
 * pending, with SIGPROF blocked for real here until the program unblocks it.
 * Returns false if the program does not block it (forward it now). */
bool cprof__sigprof_bounce(siginfo_t *si, void *ucv)
{
	if (!v_known || !v_prof)
		return false;
	ucontext_t *uc = ucv;
	sigaddset(&uc->uc_sigmask, SIGPROF); /* restored by sigreturn */
	v_hold = 1;
	/* Same siginfo; to the process if it was sent to the process, so that
	 * another thread that does not block it, or a sigwait, can take it. */
	if (si->si_code == SI_TKILL || si->si_code == SI_TIMER)
		syscall(SYS_rt_tgsigqueueinfo, getpid(), cprof__gettid(), SIGPROF, si);
	else
		syscall(SYS_rt_sigqueueinfo, getpid(), SIGPROF, si);
	return true;
}

/* ---- sigwait and signalfd: never hand out cprof's SIGPROFs ----
 * A thread in sigwait() takes any pending signal of its set, blocked or not
 * (the kernel unblocks the set while it sleeps): one of cprof's timer
 * signals, or the park signal of a fatal exit, would reach the program as
 * "SIGPROF".  The wrappers consume those and wait again. */
static int timedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	int64_t deadline = 0;
	if (timeout)
		deadline =
			cprof__mono_ns() + (int64_t)timeout->tv_sec * 1000000000 + timeout->tv_nsec;
	struct timespec left;
	for (;;) {
		siginfo_t si;
		int r = real_sigtimedwait
				? real_sigtimedwait(set, &si, timeout)
				: (int)syscall(SYS_rt_sigtimedwait, set, &si, timeout, _NSIG / 8);
		if (r != SIGPROF || !cprof__sigprof_is_ours(&si)) {
			if (r > 0 && info)
				*info = si;
			return r;
		}
		cprof__sigprof_consumed(&si);
		if (timeout) {
			int64_t l = deadline - cprof__mono_ns();
			if (l < 0)
				l = 0;
			left.tv_sec = l / 1000000000;
			left.tv_nsec = l % 1000000000;
			timeout = &left;
		}
	}
}

CPROF_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	return timedwait(set, info, timeout);
}

CPROF_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	return timedwait(set, info, NULL);
}

CPROF_EXPORT int sigwait(const sigset_t *set, int *sig)
{
	int r;
	do
		r = timedwait(set, NULL, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno;
	*sig = r;
	return 0;
}

/* A signalfd reads the pending signals of its mask whatever the thread's
 * mask: while cprof owns SIGPROF it is not the program's to read there. */
CPROF_EXPORT int signalfd(int fd, const sigset_t *mask, int flags)
{
	sigset_t m;
	if (atomic_load(&owned) && sigismember(mask, SIGPROF)) {
		m = *mask;
		sigdelset(&m, SIGPROF);
		mask = &m;
	}
	if (!real_signalfd) {
		int r = (int)syscall(SYS_signalfd4, fd, mask, _NSIG / 8, flags);
		return r;
	}
	return real_signalfd(fd, mask, flags);
}
