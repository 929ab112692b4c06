/*
 * service.c — the runtime's background thread for process-wide events.
 *
 * - Fatal signals.  While a profile is being collected, SIGINT, SIGTERM and
 *   SIGHUP (when the program left them at their default action) are caught;
 *   the handler only wakes this thread, which writes every profile (CPU,
 *   heap...) in normal context, restores the default action and re-raises
 *   the signal, so the process dies as it would have without us.  Writing
 *   from the handler itself could deadlock on malloc's locks.
 * - Periodic heap snapshots (CPROF_HEAP_INTERVAL).
 *
 * The thread blocks every signal and never runs program code.
 */
#include "compat.h"
#include "runtime/rt.h"

#include <cprof.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int cprof__spawn_internal(pthread_t *th, void *(*fn)(void *), void *arg);

static pthread_mutex_t svc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t svc_thread;
static _Atomic int svc_running;
static _Atomic uint32_t svc_wake;
static _Atomic int fatal_sig;
static _Atomic int64_t snap_interval_ns;

static const int fatal_sigs[] = {SIGINT, SIGTERM, SIGHUP};

/* async-signal-safe */
static void wake(void)
{
	atomic_store(&svc_wake, 1);
	syscall(SYS_futex, &svc_wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void die_of(int sig)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_tgkill, getpid(), cprof__gettid(), sig);
	syscall(SYS_exit_group, 128 + sig); /* not reached */
}

static void *service_main(void *arg)
{
	(void)arg;
	int64_t next = 0;
	for (;;) {
		int64_t iv = atomic_load(&snap_interval_ns), now = cprof__mono_ns();
		if (iv > 0 && next == 0)
			next = now + iv;
		int64_t wait = iv > 0 ? next - now : 1000000000;
		if (wait < 1000000)
			wait = 1000000;
		struct timespec ts = {wait / 1000000000, wait % 1000000000};
		if (!atomic_exchange(&svc_wake, 0))
			syscall(SYS_futex, &svc_wake, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		atomic_store(&svc_wake, 0);
		int sig = atomic_load(&fatal_sig);
		if (sig) {
			cprof__cpu_atexit_forced();
			cprof__heap_atexit_forced();
			die_of(sig);
		}
		if (iv > 0 && cprof__mono_ns() >= next) {
			cprof__heap_snapshot();
			next += iv;
		}
	}
	return NULL;
}

int cprof__service_start(void)
{
	pthread_mutex_lock(&svc_lock);
	int rc = 0;
	if (!atomic_load(&svc_running)) {
		rc = cprof__spawn_internal(&svc_thread, service_main, NULL);
		if (rc == 0)
			atomic_store(&svc_running, 1);
	}
	pthread_mutex_unlock(&svc_lock);
	return rc;
}

void cprof__service_interval(int64_t ns)
{
	atomic_store(&snap_interval_ns, ns);
	wake();
}

bool cprof__fatal_pending(void)
{
	return atomic_load(&fatal_sig) != 0;
}

/* async-signal-safe */
static void on_fatal(int sig)
{
	if (atomic_load(&svc_running) && !atomic_exchange(&fatal_sig, sig)) {
		cprof__cpu_pause();
		wake();
		return; /* the service thread writes the profiles, then re-raises */
	}
	if (atomic_load(&fatal_sig))
		return; /* already being handled */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

/* Catch the fatal signals the program left at their default action.  Once
 * installed they stay: with nothing to write, the handler re-raises at once. */
void cprof__fatal_install(void)
{
	static bool done;
	pthread_mutex_lock(&svc_lock);
	if (!done) {
		done = true;
		for (size_t i = 0; i < CPROF_ARRAY_LEN(fatal_sigs); i++) {
			struct sigaction old, a;
			if (sigaction(fatal_sigs[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
			    (old.sa_flags & SA_SIGINFO))
				continue; /* the program handles it: it will exit() and we write then */
			memset(&a, 0, sizeof(a));
			a.sa_handler = on_fatal;
			a.sa_flags = SA_RESTART;
			sigemptyset(&a.sa_mask);
			sigaction(fatal_sigs[i], &a, NULL);
		}
	}
	pthread_mutex_unlock(&svc_lock);
}

/* fork(): the child has no service thread. */
void cprof__service_atfork_child(void)
{
	pthread_mutex_init(&svc_lock, NULL);
	atomic_store(&svc_running, 0);
	atomic_store(&fatal_sig, 0);
}
