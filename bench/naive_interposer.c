/*
 * naive_interposer.c — the reference arm of bench/contention_bench.sh: a
 * forwarding pthread_mutex_lock/unlock interposer as one writes it first
 * (libc's function looked up on first use, called through a pointer).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>

typedef int (*fn)(pthread_mutex_t *);

int pthread_mutex_lock(pthread_mutex_t *m)
{
	static fn real;
	if (!real)
		real = (fn)dlsym(RTLD_NEXT, "pthread_mutex_lock");
	return real(m);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	static fn real;
	if (!real)
		real = (fn)dlsym(RTLD_NEXT, "pthread_mutex_unlock");
	return real(m);
}
