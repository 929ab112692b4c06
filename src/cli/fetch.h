/*
 * fetch.h — profile sources for the CLI: files, "-" (stdin) and http(s)://
 * URLs (fetched with libcurl, as pprof's -seconds/-timeout handling does:
 * pprof internal/driver/fetch.go).  Lives in src/cli so that src/profile
 * (linked into libcprof) never depends on libcurl.
 */
#ifndef CPROF_FETCH_H
#define CPROF_FETCH_H

#include "compat.h"
#include "profile/profile.h"

#include <stdatomic.h>

/* True if src names a URL rather than a file: http:// or https://, or
 * "host:port/path" (pprof adds http:// to those) when no such file exists. */
bool cprof__fetch_is_url(const char *src);

/*
 * Read the profile src into the empty profile p (cprof__profile_init'ed).
 * Files and "-" go through cprof__profile_read_file.  For URLs, seconds > 0
 * sets the query parameter seconds=N (replacing one already there), as
 * pprof's -seconds does on every URL (CPU profile and trace duration, delta
 * heap/allocs/block/mutex profiles); seconds < 0 means "not given".  The
 * transfer times out after 1.5 x seconds (60 s without seconds; or the
 * URL's own seconds parameter) + 5 s, like pprof.  Prints "Fetching profile
 * over HTTP from URL" on stderr, as pprof does.
 * Returns 0, or -1 with one line in err: "URL: server response: 404 Not
 * Found - Unknown profile", "URL: http fetch: Couldn't connect to server",
 * or the decoder's message.
 */
int cprof__fetch_profile(cprof__profile *p, const char *src, int seconds, char *err, size_t errlen);

/* pprof's -timeout: seconds > 0 replaces the default above (the transfer
 * then times out after seconds + 5 s); 0 or less restores it. */
void cprof__fetch_set_timeout(int seconds);

/* Fetch a URL's body into out (capped at CPROF_DECODE_MAX), with the
 * status/timeout handling above; timeout_ms 0 = 60 s.  0 or -1 (err). */
int cprof__fetch_url(const char *url, long timeout_ms, cprof__buf *out, char *err, size_t errlen);

/* The same, abandoned (within about a second: libcurl's progress callback)
 * once *stop is true: "http fetch: stopped" in err.  stop may be NULL.
 * Thread-safe once cprof__fetch_init has returned 0. */
int cprof__fetch_url_stoppable(const char *url, long timeout_ms, const atomic_bool *stop,
			       cprof__buf *out, char *err, size_t errlen);

/* Load and initialise libcurl now (fetches do it on first use).  A program
 * that fetches from several threads calls it first, on one thread.  0, or
 * -1 with the reason in err. */
int cprof__fetch_init(char *err, size_t errlen);

#endif
