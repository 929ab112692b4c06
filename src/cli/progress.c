/*
 * progress.c — a progress line on stderr for work that takes a while
 * (reading, symbolising and building a report of a large profile, merging
 * the parts of a recording): see cli.h.  A thread prints it, so the work
 * itself is never slowed or interrupted; the line is only for a person at
 * a terminal, so pipes, files and tests see nothing of it.
 */
#include "compat.h"
#include "cli/cli.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const char *stage;
	double t0, after; /* start; seconds before the line first shows */
	bool running, stop, shown;
} prog = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *progress_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&prog.mu);
	/* Drawn once even when stopped already: with no delay (the tests'),
	 * the line shows whatever the timing. */
	for (;;) {
		double el = now_sec() - prog.t0;
		if (el >= prog.after) {
			/* \033[K: erase what a longer previous stage left */
			fprintf(stderr, "\rcprof: %s... %.1fs\033[K", prog.stage, el);
			fflush(stderr);
			prog.shown = true;
		}
		if (prog.stop)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&prog.cv, &prog.mu, &ts);
	}
	if (prog.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	pthread_mutex_unlock(&prog.mu);
	return NULL;
}

void cprof__progress_stage(const char *stage)
{
	pthread_mutex_lock(&prog.mu);
	prog.stage = stage;
	pthread_cond_signal(&prog.cv); /* shown at once, not at the next tick */
	pthread_mutex_unlock(&prog.mu);
	if (prog.running)
		return;
	const char *term = getenv("TERM");
	if (!isatty(2) || !term || !strcmp(term, "dumb"))
		return;
	/* CPROF_TEST_PROGRESS_MS: the delay before the line shows, for the
	 * tests (tests/integration/progress.sh), which must not depend on how
	 * fast the machine is. */
	const char *t = getenv("CPROF_TEST_PROGRESS_MS");
	prog.after = t && *t ? atof(t) / 1000 : 1.0;
	prog.t0 = now_sec();
	prog.running = pthread_create(&prog.thread, NULL, progress_main, NULL) == 0;
}

void cprof__progress_clear(void)
{
	if (!prog.running)
		return;
	pthread_mutex_lock(&prog.mu);
	if (prog.shown)
		fputs("\r\033[K", stderr);
	pthread_mutex_unlock(&prog.mu);
}

double cprof__progress_end(void)
{
	if (!prog.running)
		return 0;
	pthread_mutex_lock(&prog.mu);
	prog.stop = true;
	pthread_cond_signal(&prog.cv);
	pthread_mutex_unlock(&prog.mu);
	pthread_join(prog.thread, NULL);
	double el = prog.shown ? now_sec() - prog.t0 : 0;
	prog.running = prog.stop = prog.shown = false;
	return el;
}
