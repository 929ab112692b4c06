/*
 * contention.c — the mutex and block profiles: lock, condvar, semaphore,
 * join and barrier interposers that time the waits that block.
 */
#include "compat.h"
#include "runtime/rt.h"

CPROF_TLS cprof__wait_state cprof__wait;

const char *cprof__wait_name(int reason)
{
	static const char *const names[CPROF__WAIT_N] = {
		[CPROF__WAIT_NONE] = "",
		[CPROF__WAIT_MUTEX] = "mutex",
		[CPROF__WAIT_RWLOCK_READ] = "rwlock read",
		[CPROF__WAIT_RWLOCK_WRITE] = "rwlock write",
		[CPROF__WAIT_SPIN] = "spinlock",
		[CPROF__WAIT_COND] = "condvar",
		[CPROF__WAIT_SEM] = "semaphore",
		[CPROF__WAIT_JOIN] = "join",
		[CPROF__WAIT_BARRIER] = "barrier",
		[CPROF__WAIT_IO] = "io",
	};
	return reason > 0 && reason < CPROF__WAIT_N ? names[reason] : "";
}
