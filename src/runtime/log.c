/* log.c — async-signal-safe diagnostics and small helpers. */
#include "compat.h"
#include "runtime/rt.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

CPROF_TLS uintptr_t cprof__stack_lo, cprof__stack_hi;
static CPROF_TLS pid_t tls_tid;

/* Copy l bytes of p into buf at *n, bounded by cap.  async-signal-safe. */
static void put(char *buf, size_t *n, size_t cap, const char *p, size_t l)
{
	if (l > cap - *n)
		l = cap - *n;
	memcpy(buf + *n, p, l);
	*n += l;
}

/* async-signal-safe */
void cprof__log(const char *s, ...)
{
	int saved = errno;
	char buf[512];
	const char *pre = "cprof: ";
	size_t n = 0, cap = sizeof(buf) - 1; /* room for the newline */
	put(buf, &n, cap, pre, strlen(pre));
	/* A message that does not fit (a huge path in it) keeps only both ends of
	 * its long pieces, so that what follows them — the reason — survives. */
	size_t total = n;
	va_list ap;
	va_start(ap, s);
	for (const char *p = s; p; p = va_arg(ap, const char *))
		total += strlen(p);
	va_end(ap);
	const size_t keep = 96;
	va_start(ap, s);
	for (const char *p = s; p; p = va_arg(ap, const char *)) {
		size_t l = strlen(p);
		if (total > cap && l > 2 * keep + 3) {
			put(buf, &n, cap, p, keep);
			put(buf, &n, cap, "...", 3);
			put(buf, &n, cap, p + l - keep, keep);
		} else {
			put(buf, &n, cap, p, l);
		}
	}
	va_end(ap);
	buf[n++] = '\n';
	ssize_t w = write(2, buf, n);
	(void)w;
	errno = saved;
}

/* async-signal-safe */
char *cprof__itoa(char *buf, long long v)
{
	char tmp[24];
	int n = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	int i = 0;
	if (v < 0)
		buf[i++] = '-';
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = 0;
	return buf;
}

/* async-signal-safe */
pid_t cprof__gettid(void)
{
	if (!tls_tid)
		tls_tid = (pid_t)syscall(SYS_gettid);
	return tls_tid;
}

/* After fork the child has a new tid: forget the cached one. */
void cprof__forget_tid(void);
void cprof__forget_tid(void)
{
	tls_tid = 0;
}

int64_t cprof__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t cprof__mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Normal context.  pthread_getattr_np may allocate and, on the main thread,
 * read /proc/self/maps: never call it from a signal handler. */
void cprof__stack_bounds_init(void)
{
	pthread_attr_t a;
	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return;
	void *addr;
	size_t size;
	if (pthread_attr_getstack(&a, &addr, &size) == 0) {
		cprof__stack_lo = (uintptr_t)addr;
		cprof__stack_hi = (uintptr_t)addr + size;
	}
	pthread_attr_destroy(&a);
}
