/* log.c — async-signal-safe diagnostics and small helpers. */
#include "compat.h"
#include "runtime/rt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
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

/*
 * The main thread's stack as pthread_getattr_np computes it: up to
 * RLIMIT_STACK below the top of the mapping that holds it, and not into
 * the mapping below.  glibc's reads /proc/self/maps with fopen and sscanf,
 * which brings in libc's scanf pages in a program that never used them
 * (docs/PERFORMANCE.md, "Footprint"); this reads it with read(2).  false
 * if the mapping is not found.
 */
static bool main_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t here = (uintptr_t)&here;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char buf[1024];
	uintptr_t from = 0, to = 0, last_to = 0;
	int field = 0; /* 0: from, 1: to, 2: rest of the line */
	bool found = false;
	ssize_t n;
	while (!found && (n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n && !found; i++) {
			char c = buf[i];
			if (c == '\n') {
				if (field == 2 && here >= from && here < to) {
					found = true;
					break;
				}
				if (field == 2)
					last_to = to;
				from = to = 0;
				field = 0;
			} else if (field < 2) {
				int d = c >= '0' && c <= '9'   ? c - '0'
					: c >= 'a' && c <= 'f' ? c - 'a' + 10
							       : -1;
				uintptr_t *v = field == 0 ? &from : &to;
				if (d >= 0)
					*v = *v << 4 | (uintptr_t)d;
				else
					field++; /* '-' after from, ' ' after to */
			}
		}
	}
	close(fd);
	if (!found)
		return false;
	struct rlimit rl;
	size_t size = to - last_to;
	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < size)
		size = (size_t)rl.rlim_cur & ~(size_t)4095;
	*lo = to - size;
	*hi = to;
	return true;
}

/* Normal context.  pthread_getattr_np may allocate: never call this from a
 * signal handler. */
void cprof__stack_bounds_init(void)
{
	if (cprof__gettid() == getpid()) {
		uintptr_t lo, hi;
		if (main_stack_bounds(&lo, &hi)) {
			cprof__stack_lo = lo;
			cprof__stack_hi = hi;
			return;
		}
	}
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
