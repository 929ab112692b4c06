/* Robustness: a program with its own SIGPROF handler and its own
 * setitimer(ITIMER_PROF).  It installs the handler with sigaction (mode
 * "sigaction") or signal() (mode "signal"), arms ITIMER_PROF at 100 Hz,
 * burns CPU in own_work(), disarms, and prints "own signals N": the number of
 * SIGPROFs its handler saw.
 *   api     same as sigaction, but the handler is installed first and then
 *           the program starts cprof itself with cprof_cpu_start(PATH,
 *           1000) (found with dlsym: libcprof is preloaded without
 *           CPROF_CPU) and stops it with cprof_cpu_stop() at the end
 *   ignore  signal(SIGPROF, SIG_IGN), no timer of its own: prints
 *           "own signals 0"; cprof must keep sampling
 *   sigset  the handler is installed with sigset(), which cprof does not
 *           interpose (glibc calls its internal sigaction): cprof must notice
 *           and take the signal back
 * usage: robust_sigprof sigaction|signal|ignore|sigset [MS]
 *        robust_sigprof api MS PATH */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t count;
static volatile sig_atomic_t bad;
static volatile double sink;

static void on_prof(int sig)
{
	if (sig == SIGPROF)
		count++;
	else
		bad = 1;
}

static void on_prof_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGPROF && si->si_code == SI_KERNEL)
		count++;
	else
		bad = 1;
}

__attribute__((noinline)) static void own_work(long ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	double x = 1.0;
	do {
		for (int i = 0; i < 2000; i++)
			x = x * 1.0000001 + 0.0000001;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000L + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	sink = x;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	long ms = argc > 2 ? atol(argv[2]) : 1000;
	if (!strcmp(argv[1], "ignore")) {
		if (signal(SIGPROF, SIG_IGN) == SIG_ERR)
			return 1;
		own_work(ms);
		printf("own signals %d\n", (int)count);
		return 0;
	}
	if (!strcmp(argv[1], "signal")) {
		if (signal(SIGPROF, on_prof) == SIG_ERR)
			return 1;
	} else if (!strcmp(argv[1], "sigset")) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		if (sigset(SIGPROF, on_prof) == SIG_ERR)
			return 1;
#pragma GCC diagnostic pop
	} else {
		struct sigaction a;
		memset(&a, 0, sizeof(a));
		a.sa_sigaction = on_prof_info;
		a.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&a.sa_mask);
		if (sigaction(SIGPROF, &a, NULL) != 0)
			return 1;
		struct sigaction back;
		if (sigaction(SIGPROF, NULL, &back) != 0 || back.sa_sigaction != on_prof_info) {
			fprintf(stderr, "sigaction does not return the program's own handler\n");
			return 1;
		}
	}
	int (*stop)(void) = NULL;
	if (!strcmp(argv[1], "api")) {
		int (*start)(const char *, int) =
			(int (*)(const char *, int))dlsym(RTLD_DEFAULT, "cprof_cpu_start");
		stop = (int (*)(void))dlsym(RTLD_DEFAULT, "cprof_cpu_stop");
		if (argc < 4 || !start || !stop) {
			fprintf(stderr, "api: libcprof not loaded, or no PATH\n");
			return 1;
		}
		int rc = start(argv[3], 1000);
		if (rc != 0) {
			fprintf(stderr, "cprof_cpu_start: %d\n", rc);
			return 1;
		}
	}
	struct itimerval it = {{0, 10000}, {0, 10000}};
	if (setitimer(ITIMER_PROF, &it, NULL) != 0)
		return 1;
	own_work(ms);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_PROF, &off, NULL);
	if (stop && stop() != 0)
		return 1;
	printf("own signals %d\n", (int)count);
	return bad ? 3 : 0;
}
