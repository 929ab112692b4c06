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

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

static struct sigaction app[2];  /* the program's SIGPROF action, double-buffered */
static atomic_int app_cur;
static atomic_int owned;
static atomic_int noted;

void *cprof__real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
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

int cprof__sigprof_take(cprof_sigprof_fn fn)
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
			   "signals and forwards every other SIGPROF to it", NULL);
	return 0;
}

void cprof__sigprof_check(cprof_sigprof_fn fn)
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
		cprof__log("the program replaced cprof's SIGPROF handler without sigaction() or "
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

/* async-signal-safe, as sigaction(2) must be. */
CPROF_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig != SIGPROF || !atomic_load(&owned))
		return real_sigaction(sig, act, old);
	if (old)
		*old = app[atomic_load(&app_cur)];
	if (act) {
		set_app(act);
		if (is_handler(act) && !atomic_exchange(&noted, 1))
			cprof__log("the program installed a SIGPROF handler while cprof profiles; "
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
	return (o.sa_flags & SA_SIGINFO) ? (sighandler_t)(void (*)(void))o.sa_sigaction : o.sa_handler;
}
