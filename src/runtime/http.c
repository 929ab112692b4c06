/*
 * http.c — /debug/pprof inside the host, as Go's net/http/pprof serves it.
 *
 * libmicrohttpd is loaded with dlopen when the server starts
 * (cprof_http_start or CPROF_HTTP), never before: a process that does not
 * serve maps nothing of it.  It runs without threads of its own, driven by
 * one cprof thread (cprof__spawn_internal: every signal blocked, not
 * profiled, its allocations cprof's) that waits in MHD_run_wait.  A request
 * that takes time (a CPU profile of N seconds) is suspended and resumed by
 * that loop when its time is up, so one slow request does not hold the
 * others.  Profiles are written into a memfd by the same functions the API
 * offers (cprof_profile_write, cprof_cpu_start_fd) and served from it.
 *
 * docs/HTTP.md has the contract, the limits and the security model.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "runtime/emit.h"
#include "runtime/httpreq.h"
#include "base/buf.h"

#include <arpa/inet.h>
#include <cprof.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- libmicrohttpd, loaded on start ---- */

/* clang-format off */
#define MHD_FNS(X)                                                               \
	X(MHD_start_daemon) X(MHD_stop_daemon) X(MHD_run_wait)                   \
	X(MHD_lookup_connection_value) X(MHD_create_response_from_buffer)       \
	X(MHD_create_response_from_fd) X(MHD_add_response_header)                \
	X(MHD_queue_response) X(MHD_destroy_response) X(MHD_suspend_connection) \
	X(MHD_resume_connection)
/* clang-format on */

static struct {
#define X(f) __typeof__(f) *f;
	MHD_FNS(X)
#undef X
} mhd;

static int load_mhd(void)
{
	static const char *const names[] = {"libmicrohttpd.so.12", "libmicrohttpd.so", NULL};
	void *h = NULL;
	for (int i = 0; names[i] && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ENOENT;
#define X(f)                                   \
	{                                      \
		void *p = dlsym(h, #f);        \
		if (!p)                        \
			return -ENOENT;        \
		memcpy(&mhd.f, &p, sizeof(p)); \
	}
	MHD_FNS(X)
#undef X
	return 0;
}

/* ---- the server ---- */

#define MAX_SECONDS 600
#define BODY_MAX 65536

static struct {
	pthread_mutex_t lock; /* start/stop */
	struct MHD_Daemon *d;
	pthread_t th;
	int lfd;
	atomic_bool stop;
	char addr[80]; /* host:port as bound */
	bool remote;   /* bound beyond loopback: a token is required */
	char *token;
	pid_t pid;
	/* The CPU profile being taken for a request (one at a time). */
	struct MHD_Connection *cpu_conn;
	int cpu_fd;
	int64_t cpu_deadline;
	/* The execution trace being taken for a request (one at a time). */
	struct MHD_Connection *trace_conn;
	char trace_path[64];
	int64_t trace_deadline;
	/* Delta profiles being taken (?seconds=N on a named profile). */
	struct pending {
		struct MHD_Connection *conn;
		cprof__delta *d;
		char name[32];
		int64_t deadline;
	} delta[4];
} S = {.lock = PTHREAD_MUTEX_INITIALIZER, .lfd = -1, .cpu_fd = -1};

/* Per request: the POST body of /symbol. */
typedef struct req {
	cprof__buf body;
	bool too_big;
} req;

static int queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	if (!r)
		return MHD_NO;
	mhd.MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	int rc = mhd.MHD_queue_response(c, status, r);
	mhd.MHD_destroy_response(r);
	return rc;
}

static struct MHD_Response *text(const char *s, size_t n)
{
	struct MHD_Response *r =
		mhd.MHD_create_response_from_buffer(n, (void *)s, MHD_RESPMEM_MUST_COPY);
	if (r)
		mhd.MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	return r;
}

/* Go's serveError: the status, a text/plain body, X-Go-Pprof (pprof then
 * prints the body). */
static int serve_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char b[512];
	int n = snprintf(b, sizeof(b), "%s\n", msg);
	struct MHD_Response *r = text(b, (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
	if (r)
		mhd.MHD_add_response_header(r, "X-Go-Pprof", "1");
	return queue(c, status, r);
}

/* Serve the whole of memfd fd (taken over). */
static int serve_fd(struct MHD_Connection *c, int fd, const char *name, bool binary)
{
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0) {
		close(fd);
		return serve_error(c, 500, "cannot read the profile");
	}
	struct MHD_Response *r = mhd.MHD_create_response_from_fd((uint64_t)size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	if (binary) {
		char disp[128];
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
		mhd.MHD_add_response_header(r, "Content-Type", "application/octet-stream");
		mhd.MHD_add_response_header(r, "Content-Disposition", disp);
	} else {
		mhd.MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	}
	return queue(c, 200, r);
}

/* Serve b's bytes (200, type), or 500 if building it ran out of memory;
 * b is freed. */
static int serve_buf(struct MHD_Connection *c, cprof__buf *b, const char *type)
{
	if (b->failed) {
		cprof__buf_free(b);
		return serve_error(c, 500, "out of memory");
	}
	struct MHD_Response *r =
		mhd.MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_COPY);
	cprof__buf_free(b);
	if (r)
		mhd.MHD_add_response_header(r, "Content-Type", type);
	return queue(c, 200, r);
}

static int new_memfd(const char *name)
{
	return memfd_create(name, MFD_CLOEXEC);
}

/* An integer parameter: absent or bad → def (as Go's handlers). */
static long param_long(struct MHD_Connection *c, const char *key, long def)
{
	const char *v = mhd.MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
	long n;
	return v && cprof__http_parse_long(v, &n) == 0 ? n : def;
}

/* ---- the index page ---- */

/* Go's index: every profile by name, with its count (0 for those that
 * are not counted) and its description (Go's text where Go has one). */
static const struct {
	const char *name, *desc;
} profiles[] = {
	{"allocs", "A sampling of all past memory allocations"},
	{"block", "Stack traces that led to blocking on synchronization primitives"},
	{"cmdline", "The command line invocation of the current program"},
	{"goroutine", "Stack traces of all current threads (Go's goroutines). Use debug=2 as a "
		      "query parameter to export every thread's stack with its state."},
	{"heap", "A sampling of memory allocations of live objects."},
	{"mutex", "Stack traces of holders of contended mutexes"},
	{"profile",
	 "CPU profile. You can specify the duration in the seconds GET parameter. After you "
	 "get the profile file, use the go tool pprof command to investigate the profile."},
	{"threadcreate", "Stack traces that led to the creation of new OS threads"},
	{"trace", "A trace of execution of the current program (Chrome trace-event JSON: "
		  "Perfetto, chrome://tracing, cprof trace). You can specify the duration in the "
		  "seconds GET parameter."},
	{"threads", "The same as goroutine, under cprof's name."},
};

static bool known(const char *name)
{
	for (const char *const *n = cprof_profile_names(); *n; n++)
		if (!strcmp(*n, name))
			return true;
	return false;
}

static size_t count_of(const char *name)
{
	if (!strcmp(name, "heap") || !strcmp(name, "allocs"))
		return cprof__heap_count();
	if (!strcmp(name, "goroutine") || !strcmp(name, "threads")) {
		int n = cprof__each_thread(NULL, NULL);
		return n > 0 ? (size_t)n : 0;
	}
	int k = cprof__stackprof_kind(name);
	return k >= 0 ? cprof__stackprof_count(k) : 0;
}

static int serve_index(struct MHD_Connection *c)
{
	cprof__buf b;
	cprof__buf_init(&b, 1 << 20);
	char line[1024];
#define ADD(...)                                                                         \
	do {                                                                             \
		int n_ = snprintf(line, sizeof(line), __VA_ARGS__);                      \
		if (n_ > 0)                                                              \
			cprof__buf_append(&b, line,                                      \
					  (size_t)n_ < sizeof(line) ? (size_t)n_         \
								    : sizeof(line) - 1); \
	} while (0)
	ADD("<html>\n<head>\n<title>/debug/pprof/</title>\n<style>\n.profile-name{\n\tdisplay:inline-block;\n\twidth:6rem;\n}\n</style>\n</head>\n<body>\n/debug/pprof/\n<br>\n<p>Set debug=1 as a query parameter to export in legacy text format</p>\n<br>\nTypes of profiles available:\n<table>\n<thead><td>Count</td><td>Profile</td></thead>\n");
	for (size_t i = 0; i < CPROF_ARRAY_LEN(profiles); i++) {
		const char *n = profiles[i].name;
		if (strcmp(n, "cmdline") && strcmp(n, "profile") && strcmp(n, "trace") && !known(n))
			continue;
		ADD("<tr><td>%zu</td><td><a href='%s?debug=1'>%s</a></td></tr>\n", count_of(n), n,
		    n);
	}
	ADD("</table>\n<br>\n<p>\nProfile Descriptions:\n<ul>\n");
	for (size_t i = 0; i < CPROF_ARRAY_LEN(profiles); i++)
		ADD("<li><div class=profile-name>%s: </div> %s</li>\n", profiles[i].name,
		    profiles[i].desc);
	ADD("</ul>\n</p>\n</body>\n</html>\n");
#undef ADD
	return serve_buf(c, &b, "text/html; charset=utf-8");
}

/* ---- /cmdline and /symbol ---- */

static int serve_cmdline(struct MHD_Connection *c)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	char b[65536];
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b)) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return serve_error(c, 500, "cannot read /proc/self/cmdline");
	if (n > 0 && b[n - 1] == 0) /* Go joins os.Args with NULs: none at the end */
		n--;
	return queue(c, 200, text(b, (size_t)n));
}

/* pprof's remote symbolizer: GET says there are symbols; POST (or a GET
 * query) lists addresses joined by '+', answered "0xADDR name" each. */
static int serve_symbol(struct MHD_Connection *c, const char *method, req *q)
{
	cprof__buf out;
	cprof__buf_init(&out, 1 << 22);
	cprof__buf_append(&out, "num_symbols: 1\n", 15);
	const char *in = NULL;
	size_t inlen = 0;
	if (!strcmp(method, "POST")) {
		if (q->too_big) {
			cprof__buf_free(&out);
			return serve_error(c, 413, "request body too large");
		}
		in = (const char *)q->body.data;
		inlen = q->body.len;
	}
	if (inlen) {
		uintptr_t pcs[1024];
		uint32_t n = (uint32_t)cprof__http_parse_pcs(in, inlen, pcs, CPROF_ARRAY_LEN(pcs));
		if (n) {
			cprof__emit e;
			cprof__emit_begin(&e);
			cprof__profile_add_sample_type(&e.p, "symbols", "count");
			int64_t one = 1;
			cprof__emit_sample(&e, pcs, n, &one, NULL, 0);
			if (cprof__emit_end(&e, -1) == 0) {
				for (uint32_t i = 0; i < n; i++) {
					const char *file;
					int64_t line;
					const char *fn =
						cprof__emit_where(&e, pcs[i], &file, &line);
					if (!fn || !strcmp(fn, "??"))
						continue;
					char l[64];
					int m = snprintf(l, sizeof(l), "%#llx ",
							 (unsigned long long)pcs[i]);
					cprof__buf_append(&out, l, (size_t)m);
					cprof__buf_append(&out, fn, strlen(fn));
					cprof__buf_append(&out, "\n", 1);
				}
			}
			cprof__emit_free(&e);
		}
	}
	int rc = out.failed ? serve_error(c, 500, "out of memory")
			    : queue(c, 200, text((const char *)out.data, out.len));
	cprof__buf_free(&out);
	return rc;
}

/* ---- /profile: a CPU profile of N seconds ---- */

static int serve_cpu(struct MHD_Connection *c)
{
	long secs = param_long(c, "seconds", 30);
	if (secs <= 0)
		secs = 30;
	if (secs > MAX_SECONDS)
		return serve_error(c, 400, "profile duration exceeds the server's limit (600 s)");
	if (S.cpu_conn)
		return serve_error(c, 500,
				   "Could not enable CPU profiling: cpu profiling already in use");
	int fd = new_memfd("cprof-cpu");
	if (fd < 0)
		return serve_error(c, 500, "Could not enable CPU profiling: no memory file");
	int rc = cprof_cpu_start_fd(fd, CPROF_DEFAULT_HZ);
	if (rc != 0) {
		close(fd);
		char m[200];
		snprintf(m, sizeof(m), "Could not enable CPU profiling: %s",
			 rc == -EBUSY ? "cpu profiling already in use" : cprof_strerror(rc));
		return serve_error(c, 500, m);
	}
	S.cpu_conn = c;
	S.cpu_fd = fd;
	S.cpu_deadline = cprof__mono_ns() + (int64_t)secs * 1000000000;
	mhd.MHD_suspend_connection(c);
	return MHD_YES;
}

/* The loop: the CPU profile's time is up (or the server stops). */
static void finish_cpu(bool now)
{
	if (!S.cpu_conn || (!now && cprof__mono_ns() < S.cpu_deadline))
		return;
	struct MHD_Connection *c = S.cpu_conn;
	int fd = S.cpu_fd;
	S.cpu_conn = NULL;
	S.cpu_fd = -1;
	int rc = cprof_cpu_stop();
	mhd.MHD_resume_connection(c);
	if (rc != 0) {
		close(fd);
		char m[200];
		snprintf(m, sizeof(m), "Could not write the CPU profile: %s", cprof_strerror(rc));
		serve_error(c, 500, m);
		return;
	}
	serve_fd(c, fd, "profile", true);
}

/* ---- /trace: the execution trace of N seconds ---- */

/* seconds as Go's trace handler reads it: a float, default 1. */
static double param_seconds(struct MHD_Connection *c, double def)
{
	const char *v = mhd.MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "seconds");
	if (!v || !*v)
		return def;
	char *end;
	double d = strtod(v, &end);
	return *end || !(d > 0) ? def : d;
}

static int serve_trace(struct MHD_Connection *c)
{
	double secs = param_seconds(c, 1);
	if (secs > MAX_SECONDS)
		return serve_error(c, 400, "profile duration exceeds the server's limit (600 s)");
	if (S.trace_conn)
		return serve_error(c, 500, "Could not enable tracing: tracing is already enabled");
	/* The trace is written to a path (whole or not at all): a temporary
	 * file, read back and removed once sent. */
	const char *dir = getenv("TMPDIR");
	snprintf(S.trace_path, sizeof(S.trace_path), "%s/cprof-trace.XXXXXX",
		 dir && *dir && strlen(dir) < 40 ? dir : "/tmp");
	int fd = mkstemp(S.trace_path);
	if (fd < 0)
		return serve_error(c, 500,
				   "Could not enable tracing: cannot make a temporary file");
	close(fd);
	int rc = cprof_trace_start(S.trace_path);
	if (rc != 0) {
		unlink(S.trace_path);
		char m[200];
		snprintf(m, sizeof(m), "Could not enable tracing: %s",
			 rc == -EBUSY ? "tracing is already enabled" : cprof_strerror(rc));
		return serve_error(c, 500, m);
	}
	S.trace_conn = c;
	S.trace_deadline = cprof__mono_ns() + (int64_t)(secs * 1e9);
	mhd.MHD_suspend_connection(c);
	return MHD_YES;
}

static void finish_trace(bool now, bool send)
{
	if (!S.trace_conn || (!now && cprof__mono_ns() < S.trace_deadline))
		return;
	struct MHD_Connection *c = S.trace_conn;
	S.trace_conn = NULL;
	int rc = cprof_trace_stop();
	int fd = rc == 0 ? open(S.trace_path, O_RDONLY | O_CLOEXEC) : -1;
	unlink(S.trace_path);
	if (!send) {
		if (fd >= 0)
			close(fd);
		return;
	}
	mhd.MHD_resume_connection(c);
	if (fd < 0) {
		char m[200];
		snprintf(m, sizeof(m), "Could not write the trace: %s",
			 cprof_strerror(rc ? rc : -errno));
		serve_error(c, 500, m);
		return;
	}
	serve_fd(c, fd, "trace", true);
}

/* ---- named profiles ---- */

/* Write profile name into a new memfd (-1 and the error in *rc). */
static int write_named(const char *name, int debug, int *rc)
{
	int fd = new_memfd(name);
	if (fd < 0) {
		*rc = -errno;
		return -1;
	}
	*rc = cprof_profile_write(name, fd, debug);
	if (*rc != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ?seconds=N: p0 now, p1 − p0 when the time is up (Go 1.19's delta
 * profiles: the same errors, filename NAME-delta). */
static int serve_delta(struct MHD_Connection *c, const char *name, const char *secs, long debug)
{
	long n;
	if (cprof__http_parse_long(secs, &n) != 0 || n <= 0)
		return serve_error(c, 400,
				   "invalid value for \"seconds\" - must be a positive integer");
	if (n > MAX_SECONDS)
		return serve_error(c, 400, "profile duration exceeds the server's limit (600 s)");
	if (debug != 0)
		return serve_error(c, 400, "seconds and debug params are incompatible");
	struct pending *q = NULL;
	for (size_t i = 0; i < CPROF_ARRAY_LEN(S.delta) && !q; i++)
		if (!S.delta[i].conn)
			q = &S.delta[i];
	if (!q)
		return serve_error(c, 503, "too many delta profiles being taken; try again later");
	cprof__delta *d = cprof__delta_new();
	if (!d)
		return serve_error(c, 500, "out of memory");
	cprof__emit_delta(d, CPROF__DELTA_COLLECT);
	int rc, fd = write_named(name, 0, &rc);
	cprof__emit_delta(NULL, 0);
	if (fd < 0) {
		cprof__delta_free(d);
		char m[200];
		snprintf(m, sizeof(m), "failed to collect profile: %s", cprof_strerror(rc));
		return serve_error(c, 500, m);
	}
	close(fd); /* empty: p0 stays in d */
	q->conn = c;
	q->d = d;
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->deadline = cprof__mono_ns() + (int64_t)n * 1000000000;
	mhd.MHD_suspend_connection(c);
	return MHD_YES;
}

static void finish_delta(struct pending *q, bool send)
{
	struct MHD_Connection *c = q->conn;
	q->conn = NULL;
	if (send) {
		cprof__emit_delta(q->d, CPROF__DELTA_SUBTRACT);
		int rc, fd = write_named(q->name, 0, &rc);
		cprof__emit_delta(NULL, 0);
		mhd.MHD_resume_connection(c);
		if (fd < 0) {
			char m[200];
			snprintf(m, sizeof(m), "failed to collect profile: %s", cprof_strerror(rc));
			serve_error(c, 500, m);
		} else {
			char fname[48];
			snprintf(fname, sizeof(fname), "%s-delta", q->name);
			serve_fd(c, fd, fname, true);
		}
	}
	cprof__delta_free(q->d);
	q->d = NULL;
}

static void finish_deltas(bool now)
{
	int64_t t = cprof__mono_ns();
	for (size_t i = 0; i < CPROF_ARRAY_LEN(S.delta); i++)
		if (S.delta[i].conn && (now || t >= S.delta[i].deadline))
			finish_delta(&S.delta[i], true);
}

static int serve_named(struct MHD_Connection *c, const char *name)
{
	long debug = param_long(c, "debug", 0);
	const char *secs = mhd.MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "seconds");
	if (secs)
		return serve_delta(c, name, secs, debug);
	int fd = new_memfd(name);
	if (fd < 0)
		return serve_error(c, 500, "cannot make a memory file");
	int rc = cprof_profile_write(name, fd, (int)debug);
	if (rc != 0) {
		close(fd);
		char m[200];
		snprintf(m, sizeof(m), "Could not write the %s profile: %s", name,
			 rc == -ENOTSUP ? "this debug form is not written by cprof"
					: cprof_strerror(rc));
		return serve_error(c, rc == -ENOTSUP ? 400 : 500, m);
	}
	return serve_fd(c, fd, name, debug == 0);
}

/* ---- /metrics ---- */

static int serve_metrics(struct MHD_Connection *c)
{
	cprof__buf b;
	cprof__buf_init(&b, 1 << 20);
	cprof__metrics_write(&b);
	return serve_buf(c, &b, "text/plain; version=0.0.4; charset=utf-8");
}

/* ---- dispatch ---- */

/* A constant-time comparison of the token (a timing side channel would
 * let a remote client guess it byte by byte). */
static bool token_ok(struct MHD_Connection *c)
{
	const char *h = mhd.MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!h || strncmp(h, "Bearer ", 7))
		return false;
	h += 7;
	size_t a = strlen(h), b = strlen(S.token);
	unsigned diff = (unsigned)(a ^ b);
	for (size_t i = 0; i < b; i++)
		diff |= (unsigned char)S.token[i] ^ (unsigned char)(i < a ? h[i] : 0);
	return diff == 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	(void)cls;
	(void)version;
	req *q = *state;
	if (!q) { /* the headers: the body, if any, comes next */
		q = calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		cprof__buf_init(&q->body, BODY_MAX);
		*state = q;
		return MHD_YES;
	}
	if (*upload_size) {
		if (q->body.len + *upload_size > BODY_MAX)
			q->too_big = true;
		else
			cprof__buf_append(&q->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "POST"))
		return serve_error(c, 405, "Method not allowed");
	if (S.remote && !token_ok(c))
		return serve_error(c, 401,
				   "Unauthorized: this server needs 'Authorization: Bearer' with "
				   "the token in CPROF_HTTP_TOKEN");
	if (!strcmp(url, "/metrics"))
		return serve_metrics(c);
	static const char prefix[] = "/debug/pprof/";
	if (strncmp(url, prefix, sizeof(prefix) - 1))
		return serve_error(c, 404, "404 page not found");
	const char *name = url + sizeof(prefix) - 1;
	if (!*name)
		return serve_index(c);
	if (!strcmp(name, "cmdline"))
		return serve_cmdline(c);
	if (!strcmp(name, "symbol"))
		return serve_symbol(c, method, q);
	if (!strcmp(name, "profile"))
		return serve_cpu(c);
	if (!strcmp(name, "trace"))
		return serve_trace(c);
	if (known(name))
		return serve_named(c, name);
	return serve_error(c, 404, "Unknown profile");
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)why;
	if (c == S.cpu_conn) { /* the client went away while it waited */
		S.cpu_conn = NULL;
		cprof_cpu_stop();
		close(S.cpu_fd);
		S.cpu_fd = -1;
	}
	for (size_t i = 0; i < CPROF_ARRAY_LEN(S.delta); i++)
		if (S.delta[i].conn == c)
			finish_delta(&S.delta[i], false);
	if (c == S.trace_conn) /* the client went away while it waited */
		finish_trace(true, false);
	req *q = *state;
	if (q) {
		cprof__buf_free(&q->body);
		free(q);
		*state = NULL;
	}
}

static void *serve(void *arg)
{
	(void)arg;
	cprof__internal_enter();
	int was = cprof__own_enter(); /* libmicrohttpd's allocations are cprof's */
	while (!atomic_load(&S.stop)) {
		mhd.MHD_run_wait(S.d, 100);
		finish_cpu(false);
		finish_deltas(false);
		finish_trace(false, true);
	}
	finish_cpu(true);
	finish_deltas(true);
	finish_trace(true, true);
	cprof__own_leave(was);
	cprof__internal_leave();
	return NULL;
}

/* ---- start and stop ---- */

CPROF_EXPORT int cprof_http_start(const char *addr)
{
	if (!addr || !*addr)
		return -EINVAL;
	struct sockaddr_in sa;
	if (cprof__http_parse_addr(addr, &sa) != 0)
		return -EINVAL;
	bool remote = (ntohl(sa.sin_addr.s_addr) >> 24) != 127;
	pthread_mutex_lock(&S.lock);
	int rc = 0;
	int was = cprof__own_enter();
	if (S.d && S.pid == getpid()) {
		rc = -EBUSY;
		goto out;
	}
	const char *tok = getenv("CPROF_HTTP_TOKEN");
	if (remote && (!cprof__env_flag("CPROF_HTTP_ALLOW_REMOTE") || !tok || !*tok)) {
		cprof__log("refusing to serve on ", addr,
			   ": not a loopback address; set CPROF_HTTP_ALLOW_REMOTE=1 and a token in "
			   "CPROF_HTTP_TOKEN (clients then send 'Authorization: Bearer TOKEN')",
			   NULL);
		rc = -EACCES;
		goto out;
	}
	if (load_mhd() != 0) {
		cprof__log("cannot serve /debug/pprof: cannot load libmicrohttpd (Debian package "
			   "libmicrohttpd12)",
			   NULL);
		rc = -ENOENT;
		goto out;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	socklen_t len = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	char host[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, host, sizeof(host));
	snprintf(S.addr, sizeof(S.addr), "%s:%u", host, (unsigned)ntohs(sa.sin_port));
	S.remote = remote;
	free(S.token);
	S.token = remote ? strdup(tok) : NULL;
	/* No thread of its own; a few connections, each with a timeout and a
	 * bounded request (slow or huge clients cannot hold the host). */
	S.d = mhd.MHD_start_daemon(MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, handle, NULL,
				   MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
				   (unsigned)8, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
				   MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (!S.d) {
		close(fd);
		rc = -ENOMEM;
		goto out;
	}
	S.lfd = fd;
	atomic_store(&S.stop, false);
	rc = cprof__spawn_internal(&S.th, serve, NULL);
	if (rc != 0) {
		mhd.MHD_stop_daemon(S.d);
		S.d = NULL;
		close(fd);
		S.lfd = -1;
		goto out;
	}
	S.pid = getpid();
	cprof__log("serving http://", S.addr, "/debug/pprof/", NULL);
out:
	cprof__own_leave(was);
	pthread_mutex_unlock(&S.lock);
	return rc;
}

CPROF_EXPORT int cprof_http_stop(void)
{
	pthread_mutex_lock(&S.lock);
	if (!S.d || S.pid != getpid()) {
		pthread_mutex_unlock(&S.lock);
		return -ESRCH;
	}
	int was = cprof__own_enter();
	atomic_store(&S.stop, true);
	pthread_join(S.th, NULL);
	mhd.MHD_stop_daemon(S.d);
	S.d = NULL;
	close(S.lfd);
	S.lfd = -1;
	S.addr[0] = 0;
	cprof__own_leave(was);
	pthread_mutex_unlock(&S.lock);
	return 0;
}

CPROF_EXPORT const char *cprof_http_addr(void)
{
	return S.d && S.pid == getpid() ? S.addr : NULL;
}

/* A forked child has no server thread: it forgets the server (the
 * parent's keeps running) and closes its copy of the listening socket, so
 * that the port is free when the parent ends. */
void cprof__http_atfork_child(void)
{
	if (S.lfd >= 0)
		close(S.lfd);
	S.lfd = -1;
	S.d = NULL;
	S.cpu_conn = NULL;
	S.trace_conn = NULL;
	memset(S.delta, 0, sizeof(S.delta)); /* the parent's, in cprof's memory: left */
	S.addr[0] = 0;
}

/* CPROF_HTTP=addr: serve from the start (constructor).  Only this
 * process: its exec'd children would all want the same port. */
void cprof__http_start_env(void)
{
	const char *v = getenv("CPROF_HTTP");
	if (!v || !*v)
		return;
	char a[128];
	snprintf(a, sizeof(a), "%s", v);
	unsetenv("CPROF_HTTP");
	int rc = cprof_http_start(a);
	if (rc != 0 && rc != -EACCES && rc != -ENOENT)
		cprof__log("cannot serve /debug/pprof on '", a, "': ", cprof_strerror(rc), NULL);
}
