/*
 * compat.h — the preamble every cprof .c file includes first.  It owns the
 * feature-test macros, so no other file defines _GNU_SOURCE.
 */
#ifndef CPROF_COMPAT_H
#define CPROF_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define CPROF_EXPORT __attribute__((visibility("default")))
#define CPROF_UNUSED __attribute__((unused))
#define CPROF_LIKELY(x) __builtin_expect(!!(x), 1)
#define CPROF_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* Code that reads memory it does not own on purpose (the unwinder reading
 * other frames' stack slots, already guarded) is exempt from ASan/TSan. */
#if defined(__clang__) || __GNUC__ >= 8
#define CPROF_NO_SANITIZE __attribute__((no_sanitize("address", "thread", "undefined")))
#else
#define CPROF_NO_SANITIZE
#endif
#define CPROF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
