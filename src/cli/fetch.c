/* fetch.c — see fetch.h. */
#include "compat.h"
#include "cli/fetch.h"
#include "cli/lazylib.h"
#include "profio/decode.h"
#include "profio/readfile.h"

#include <curl/curl.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool has_scheme(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

/* "host:port" or "host:port/path" (pprof: url.Parse fails to find a host,
 * so it retries with http://). */
static bool host_port(const char *s)
{
	const char *colon = strchr(s, ':');
	const char *slash = strchr(s, '/');
	if (!colon || colon == s || (slash && slash < colon))
		return false;
	const char *d = colon + 1;
	if (!isdigit((unsigned char)*d))
		return false;
	while (isdigit((unsigned char)*d))
		d++;
	return *d == 0 || *d == '/';
}

bool cprof__fetch_is_url(const char *src)
{
	if (has_scheme(src))
		return true;
	struct stat st;
	return host_port(src) && stat(src, &st) != 0;
}

/* Build the URL with seconds=N set (seconds > 0); *url_seconds gets the
 * duration the URL asks for.  NULL on OOM. */
static char *adjust_url(const char *src, int seconds, long *url_seconds)
{
	size_t n = strlen(src);
	const char *hash = strchr(src, '#');
	size_t end = hash ? (size_t)(hash - src) : n;
	const char *q = memchr(src, '?', end);
	size_t base = q ? (size_t)(q - src) : end;
	size_t cap = n + 64;
	char *u = malloc(cap);
	if (!u)
		return NULL;
	size_t o = 0;
	if (!has_scheme(src))
		o += (size_t)snprintf(u, cap, "http://");
	memcpy(u + o, src, base);
	o += base;
	*url_seconds = 0;
	/* Copy the query, dropping seconds= when we set it. */
	bool first = true;
	const char *p = q ? q + 1 : NULL;
	while (p && p < src + end) {
		const char *amp = memchr(p, '&', (size_t)(src + end - p));
		size_t len = amp ? (size_t)(amp - p) : (size_t)(src + end - p);
		bool is_sec = len >= 8 && !strncmp(p, "seconds=", 8);
		if (is_sec)
			*url_seconds = strtol(p + 8, NULL, 10);
		if (len && !(is_sec && seconds > 0)) {
			u[o++] = first ? '?' : '&';
			memcpy(u + o, p, len);
			o += len;
			first = false;
		}
		p = amp ? amp + 1 : NULL;
	}
	if (seconds > 0) {
		o += (size_t)snprintf(u + o, cap - o, "%sseconds=%d", first ? "?" : "&", seconds);
		*url_seconds = seconds;
	}
	if (hash)
		memcpy(u + o, hash, n - end), o += n - end;
	u[o] = 0;
	return u;
}

typedef struct sink {
	cprof__buf *body;
	bool too_big;
} sink;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	sink *s = ud;
	size_t n = size * nmemb;
	cprof__buf_append(s->body, ptr, n);
	if (cprof__buf_failed(s->body)) {
		s->too_big = true;
		return 0; /* aborts the transfer */
	}
	return n;
}

/* libcurl, loaded on the first fetch (lazylib.h). */
static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	void (*easy_cleanup)(CURL *);
} cu;

static int load_curl(char *err, size_t errlen)
{
	static const char *const names[] = {"libcurl.so.4", "libcurl.so", NULL};
	const cprof__lazy_fn fns[] = {
		{"curl_global_init", &cu.global_init},   {"curl_easy_init", &cu.easy_init},
		{"curl_easy_setopt", &cu.easy_setopt},   {"curl_easy_perform", &cu.easy_perform},
		{"curl_easy_getinfo", &cu.easy_getinfo}, {"curl_easy_strerror", &cu.easy_strerror},
		{"curl_easy_cleanup", &cu.easy_cleanup},
	};
	char why[256];
	if (cprof__lazy_load(names, "libcurl (Debian package libcurl4)", fns, CPROF_ARRAY_LEN(fns),
			     why, sizeof(why)) < 0)
		return cprof__errf(err, errlen, "http fetch: %s", why);
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cprof__errf(err, errlen, "http fetch: cannot initialise libcurl");
	return 0;
}

int cprof__fetch_init(char *err, size_t errlen)
{
	static bool inited;
	if (!inited) {
		if (load_curl(err, errlen) < 0)
			return -1;
		inited = true;
	}
	return 0;
}

/* libcurl's progress callback: a non-zero return aborts the transfer. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load((const atomic_bool *)ud) ? 1 : 0;
}

int cprof__fetch_url(const char *url, long timeout_ms, cprof__buf *out, char *err, size_t errlen)
{
	return cprof__fetch_url_stoppable(url, timeout_ms, NULL, out, err, errlen);
}

int cprof__fetch_url_stoppable(const char *url, long timeout_ms, const atomic_bool *stop,
			       cprof__buf *out, char *err, size_t errlen)
{
	if (cprof__fetch_init(err, errlen) < 0)
		return -1;
	CURL *c = cu.easy_init();
	if (!c)
		return cprof__errf(err, errlen, "http fetch: cannot initialise libcurl");
	char cerr[CURL_ERROR_SIZE] = "";
	sink s = {out, false};
	cu.easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cu.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	cu.easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	cu.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	cu.easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 60000L);
	cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	cu.easy_setopt(c, CURLOPT_USERAGENT, "cprof");
	cu.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* as Go's client: gzip */
	cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	cu.easy_setopt(c, CURLOPT_WRITEDATA, &s);
	cu.easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	if (stop) {
		cu.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		cu.easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop);
		cu.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	CURLcode rc = cu.easy_perform(c);
	int ret = 0;
	if (s.too_big) {
		ret = cprof__errf(err, errlen, "http fetch: response larger than %zu MiB",
				  out->max >> 20);
	} else if (rc == CURLE_ABORTED_BY_CALLBACK) {
		ret = cprof__errf(err, errlen, "http fetch: stopped");
	} else if (rc != CURLE_OK) {
		ret = cprof__errf(err, errlen, "http fetch: %s",
				  cerr[0] ? cerr : cu.easy_strerror(rc));
	} else {
		long status = 0;
		cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			/* Go's handlers put the reason in a text/plain body. */
			char *ctype = NULL;
			cu.easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
			char line[200] = "";
			if (ctype && strstr(ctype, "text/plain")) {
				size_t k = 0;
				for (; k < out->len && k < sizeof(line) - 1; k++) {
					char ch = (char)out->data[k];
					if (ch == '\n' || ch == '\r')
						break;
					line[k] = isprint((unsigned char)ch) ? ch : '?';
				}
				line[k] = 0;
			}
			ret = cprof__errf(err, errlen, "server response: %ld%s%s%s", status,
					  status == 404   ? " Not Found"
					  : status == 400 ? " Bad Request"
					  : status == 500 ? " Internal Server Error"
							  : "",
					  line[0] ? " - " : "", line);
		}
	}
	cu.easy_cleanup(c);
	return ret;
}

static long timeout_s = -1; /* -timeout */

void cprof__fetch_set_timeout(int seconds)
{
	timeout_s = seconds;
}

int cprof__fetch_profile(cprof__profile *p, const char *src, int seconds, char *err, size_t errlen)
{
	if (!cprof__fetch_is_url(src))
		return cprof__profile_read_file(p, src, err, errlen);
	long url_seconds = 0;
	char *url = adjust_url(src, seconds, &url_seconds);
	if (!url)
		return cprof__errf(err, errlen, "%s: out of memory", src);
	long timeout_ms = timeout_s > 0     ? timeout_s * 1000L
			  : url_seconds > 0 ? url_seconds * 1500
					    : 60000;
	fprintf(stderr, "Fetching profile over HTTP from %s\n", url);
	if (url_seconds > 0 && seconds > 0)
		fprintf(stderr, "Please wait... (%ds)\n", seconds);
	cprof__buf body;
	cprof__buf_init(&body, CPROF_DECODE_MAX);
	char e[400];
	int rc = cprof__fetch_url(url, timeout_ms + 5000, &body, e, sizeof(e));
	if (rc == 0 && body.len >= 2 && body.data[0] == 0x1f && body.data[1] == 0x8b) {
		/* Gunzip first and drop the compressed bytes before the model
		 * is built (peak memory), as cprof__profile_read_file does. */
		cprof__buf raw;
		cprof__buf_init(&raw, CPROF_DECODE_MAX);
		rc = cprof__gunzip(body.data, body.len, &raw, CPROF_DECODE_MAX, e, sizeof(e));
		cprof__buf_free(&body);
		body = raw;
		if (rc == 0 && body.len >= 2 && body.data[0] == 0x1f && body.data[1] == 0x8b)
			rc = cprof__errf(e, sizeof(e),
					 "parsing profile: unrecognized profile format");
	}
	if (rc == 0)
		rc = cprof__profile_decode(p, body.data, body.len, e, sizeof(e));
	if (rc < 0)
		cprof__errf(err, errlen, "%s: %s", url, e);
	cprof__buf_free(&body);
	free(url);
	return rc;
}
