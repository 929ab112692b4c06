/* threads_snap — the workload of bench/threads_bench.sh: N threads parked
 * in pthread_cond_wait (half) and nanosleep (half), then
 *   threads_snap N snap K DEBUG   K snapshots (cprof_profile_write
 *                                 "threads" to /dev/null), prints the
 *                                 median and max wall time in µs
 *   threads_snap N hold SECONDS   prints "ready" and waits (gdb's arm)
 */
#include <cprof.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int started, stop;

static void *parked(void *a)
{
	if (a) {
		while (!atomic_load(&stop)) {
			struct timespec ts = {0, 200 * 1000 * 1000};
			if (atomic_fetch_add(&started, 0) >= 0)
				nanosleep(&ts, NULL);
		}
		return NULL;
	}
	pthread_mutex_lock(&mu);
	while (!atomic_load(&stop))
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[2], "hold") && argc != 5))
		return 2;
	int n = atoi(argv[1]);
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 * 1024);
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	for (int i = 0; i < n; i++)
		if (pthread_create(&th[i], &at, parked, i & 1 ? (void *)1 : NULL) != 0)
			return 1;
	usleep(200 * 1000);
	if (!strcmp(argv[2], "hold")) {
		printf("ready\n");
		fflush(stdout);
		sleep((unsigned)atoi(argv[3]));
	} else {
		int k = atoi(argv[3]), debug = atoi(argv[4]);
		int fd = open("/dev/null", O_WRONLY);
		double *t = calloc((size_t)k, sizeof(*t));
		for (int i = 0; i < k; i++) {
			struct timespec a, b;
			clock_gettime(CLOCK_MONOTONIC, &a);
			int rc = cprof_profile_write("threads", fd, debug);
			clock_gettime(CLOCK_MONOTONIC, &b);
			if (rc != 0) {
				fprintf(stderr, "threads_snap: %s\n", cprof_strerror(rc));
				return 1;
			}
			t[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 +
			       (double)(b.tv_nsec - a.tv_nsec) / 1e3;
		}
		qsort(t, (size_t)k, sizeof(*t), cmp);
		printf("%.0f %.0f\n", t[k / 2], t[k - 1]);
	}
	pthread_mutex_lock(&mu);
	atomic_store(&stop, 1);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
