/*
 * logproc — summarise an access log: per line, build the key
 * "METHOD /path/without/ids STATUS" and fold it into a checksum, counting
 * server errors.
 *
 * naive:     copies each line (strndup), splits it with strtok, and builds
 *            the key by concatenation, one new string per piece (Go's
 *            s += piece);
 * optimised: one reusable buffer for the key, filled in place, no copy of
 *            the line.
 */
#define EXERCISE_NAME "logproc"
#include "../exercise.h"
#include <stdint.h>
#include <string.h>

#define LINES 2000

struct summary {
	uint64_t checksum;
	long errors;
};

/* FNV-1a of the key, so the two versions' outputs compare as numbers. */
static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

/* a + b in a new string: what "+=" costs in C. */
static char *concat(char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = malloc(na + nb + 1);
	if (!s)
		abort();
	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	free(a);
	return s;
}

static struct summary logproc_naive(const char *log)
{
	struct summary sum = {0, 0};
	const char *p = log;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len), *save = NULL;
		if (!line)
			abort();
		strtok_r(line, " ", &save); /* the timestamp */
		char *method = strtok_r(NULL, " ", &save);
		char *path = strtok_r(NULL, " ", &save);
		char *status = strtok_r(NULL, " ", &save);
		if (method && path && status) {
			char *key = strdup("");
			key = concat(key, method);
			key = concat(key, " ");
			char *seg_save = NULL;
			for (char *seg = strtok_r(path, "/", &seg_save); seg;
			     seg = strtok_r(NULL, "/", &seg_save)) {
				key = concat(key, "/");
				key = concat(key, (*seg >= '0' && *seg <= '9') ? ":id" : seg);
			}
			key = concat(key, " ");
			key = concat(key, status);
			sum.checksum += fnv(key, strlen(key));
			sum.errors += status[0] == '5';
			free(key);
		}
		free(line);
		p += len + (nl != NULL);
	}
	return sum;
}

/* The key's buffer: grown when a line needs more, kept across lines. */
struct keybuf {
	char *p;
	size_t len, cap;
};

static void put(struct keybuf *k, const char *s, size_t n)
{
	if (k->cap - k->len < n) {
		size_t cap = k->cap ? k->cap : 128;
		while (cap - k->len < n)
			cap *= 2;
		if (!(k->p = realloc(k->p, cap)))
			abort();
		k->cap = cap;
	}
	memcpy(k->p + k->len, s, n);
	k->len += n;
}

/* The next space-separated field of [*p, end). */
static size_t field(const char **p, const char *end, const char **start)
{
	while (*p < end && **p == ' ')
		(*p)++;
	*start = *p;
	while (*p < end && **p != ' ')
		(*p)++;
	return (size_t)(*p - *start);
}

static struct summary logproc_buffer(const char *log, struct keybuf *k)
{
	struct summary sum = {0, 0};
	const char *p = log;
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *ts, *method, *path, *status;
		size_t nts = field(&p, end, &ts), nm = field(&p, end, &method);
		size_t np = field(&p, end, &path), ns = field(&p, end, &status);
		if (nts && nm && np && ns) {
			k->len = 0;
			put(k, method, nm);
			put(k, " ", 1);
			for (const char *s = path, *pend = path + np; s < pend;) {
				while (s < pend && *s == '/')
					s++;
				const char *e = s;
				while (e < pend && *e != '/')
					e++;
				if (e > s) {
					put(k, "/", 1);
					if (*s >= '0' && *s <= '9')
						put(k, ":id", 3);
					else
						put(k, s, (size_t)(e - s));
				}
				s = e;
			}
			put(k, " ", 1);
			put(k, status, ns);
			sum.checksum += fnv(k->p, k->len);
			sum.errors += status[0] == '5';
		}
		p = nl ? nl + 1 : end;
	}
	return sum;
}

static struct summary logproc_optimised(const char *log)
{
	struct keybuf k = {NULL, 0, 0};
	struct summary s = logproc_buffer(log, &k);
	free(k.p);
	return s;
}

/* A deterministic log of n lines. */
static char *make_log(int n)
{
	static const char *methods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
	static const char *paths[] = {"/api/items/%d", "/api/users/%d/orders/%d", "/static/app.js",
				      "/api/search", "/health"};
	static const int statuses[] = {200, 200, 200, 200, 201, 304, 404, 500, 503};
	size_t cap = (size_t)n * 96 + 1, len = 0;
	char *log = malloc(cap);
	if (!log)
		abort();
	unsigned x = 12345;
	for (int i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		char path[64];
		snprintf(path, sizeof path, paths[(x >> 8) % 5], (int)(x >> 16) % 10000,
			 (int)(x >> 4) % 100);
		len += (size_t)snprintf(log + len, cap - len,
					"2026-12-07T10:%02d:%02dZ %s %s %d %u\n", i / 60 % 60,
					i % 60, methods[(x >> 12) % 6], path,
					statuses[(x >> 20) % 9], (x >> 3) % 5000);
	}
	return log;
}

static void exercise_test(void)
{
	static const char *fixed[] = {"",
				      "\n",
				      "t GET / 200 1\n",
				      "t GET /a//b/ 500\n",
				      "broken line\n",
				      "t POST /x/1/y 503 9",
				      "t  GET  /9  404  1\n"};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		struct summary a = logproc_naive(fixed[i]), b = logproc_optimised(fixed[i]);
		EX_CHECK(a.checksum == b.checksum && a.errors == b.errors, "on \"%s\"", fixed[i]);
	}
	for (int n = 1; n <= LINES; n *= 7) {
		char *log = make_log(n);
		struct summary a = logproc_naive(log), b = logproc_optimised(log);
		EX_CHECK(a.checksum == b.checksum && a.errors == b.errors, "on %d lines", n);
		free(log);
	}
}

static char *bench_log(cprof_bench_b *b)
{
	char *log = make_log(LINES);
	cprof_bench_reset_timer(b);
	return log;
}

static void naive(cprof_bench_b *b)
{
	char *log = bench_log(b);
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(logproc_naive(log).checksum);
	cprof_bench_stop_timer(b);
	free(log);
}

static void optimised(cprof_bench_b *b)
{
	char *log = bench_log(b);
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(logproc_optimised(log).checksum);
	cprof_bench_stop_timer(b);
	free(log);
}

EXERCISE_BENCH(LogProcess, {"version=naive", naive}, {"version=optimised", optimised})
