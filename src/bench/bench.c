/*
 * bench.c — the benchmark harness: Go's testing.B, in C.
 *
 * The control flow follows Go's src/testing/benchmark.go so that a reader
 * who knows Go recognises it (docs/BENCH.md):
 *   run_all      the "Main" benchmark: b.Run() for each registered one
 *   bench_run    b.Run: name, match, run1 (n = 1), then run
 *   run1         one call with n = 1: finds sub-benchmarks, failures
 *   process      the -cpu x -count loop; prints Go's result lines
 *   launch       the ramp-up: predictN until the benchtime is reached
 *   run_n        one timed call of the benchmark function with b->n = n
 * plus one thing Go lacks: a wall-clock guard on the ramp-up (untimed
 * setup cannot make it last forever; golang/go#27217).
 */
#include "compat.h"
#include "bench/bench_internal.h"
#include "base/duration.h"
#include "base/sb.h"

#include <cprof/bench.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_EXTRA CPROF_BENCH_MAX_METRICS
#define MAX_UNIT 64
#define MAX_CPUS 64
#define MAX_ALTS 16
#define MAX_LEVELS 16
#define MAX_OUTPUT (64 * 1024)
#define MAX_THREADS 4096
#define MAX_ITERS 1000000000LL /* Go's maxBenchPredictIters */
#define GUARD_FACTOR 5         /* wall-clock guard: 5 x benchtime */

/* ---------------------------------------------------------------- */
/* small helpers                                                     */

static _Noreturn void out_of_memory(void)
{
	fputs("cprof-bench: out of memory\n", stderr);
	abort();
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		out_of_memory();
	return p;
}

/* The builder's text; out of memory as xstrdup. */
static char *xdetach(cprof__sb *s)
{
	char *p = cprof__sb_detach(s);
	if (!p)
		out_of_memory();
	return p;
}

static int64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static cprof__bench_clock_fn *clock_fn = mono_now;
static cprof__bench_alloc_fn *alloc_fn = cprof__bench_rt_alloc;
static const char *cpu_name_override;
static const char *pkg_name;

void cprof__bench_set_clock(cprof__bench_clock_fn *fn)
{
	clock_fn = fn ? fn : mono_now;
}

void cprof__bench_set_alloc_source(cprof__bench_alloc_fn *fn)
{
	alloc_fn = fn ? fn : cprof__bench_rt_alloc;
}

void cprof__bench_set_cpu_name(const char *name)
{
	cpu_name_override = name;
}

void cprof_bench_set_pkg(const char *pkg)
{
	pkg_name = pkg;
}

/* ---------------------------------------------------------------- */
/* Go's numbers and durations                                        */

int64_t cprof__bench_predict_n(int64_t goalns, int64_t prev_iters, int64_t prevns, int64_t last)
{
	if (prevns <= 0)
		prevns = 1; /* go.dev/issue/70709 */
	/* Multiply before dividing: for fast benchmarks prev_iters ~ prevns. */
	int64_t n;
	if (__builtin_mul_overflow(goalns, prev_iters, &n))
		n = INT64_MAX / 2;
	else
		n /= prevns;
	n += n / 5; /* run 1.2x what we think we need */
	if (last <= INT64_MAX / 100 && n > 100 * last)
		n = 100 * last; /* don't grow too fast */
	if (n < last + 1)
		n = last + 1;
	if (n > MAX_ITERS)
		n = MAX_ITERS;
	return n;
}

static int unit_ns(const char *u, size_t len, double *mult)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = {{"ns", 1},   {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
		     {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(units); i++)
		if (strlen(units[i].name) == len && !memcmp(u, units[i].name, len)) {
			*mult = units[i].ns;
			return 0;
		}
	return -1;
}

int cprof__bench_parse_duration(const char *s, int64_t *ns)
{
	const char *p = s;
	int neg = 0;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!strcmp(p, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*p)
		return -1;
	double total = 0;
	while (*p) {
		const char *num = p;
		while ((*p >= '0' && *p <= '9') || *p == '.')
			p++;
		if (p == num || (p - num == 1 && *num == '.'))
			return -1;
		char tmp[64];
		if ((size_t)(p - num) >= sizeof tmp ||
		    memchr(num, '.', (size_t)(p - num)) != memrchr(num, '.', (size_t)(p - num)))
			return -1;
		memcpy(tmp, num, (size_t)(p - num));
		tmp[p - num] = 0;
		const char *u = p;
		while (*p && !((*p >= '0' && *p <= '9') || *p == '.'))
			p++;
		double mult;
		if (unit_ns(u, (size_t)(p - u), &mult) < 0)
			return -1;
		total += strtod(tmp, NULL) * mult;
	}
	if (total > 9.2e18)
		return -1;
	*ns = (int64_t)(neg ? -total : total);
	return 0;
}

void cprof__bench_pretty(char *buf, size_t size, double x, const char *unit)
{
	/* 10 places before the decimal point, four significant figures for
	 * small numbers, decimal points aligned (Go's prettyPrint). */
	double y = fabs(x);
	int w, prec;
	if (y == 0 || y >= 999.95)
		w = 10, prec = 0;
	else if (y >= 99.995)
		w = 12, prec = 1;
	else if (y >= 9.9995)
		w = 13, prec = 2;
	else if (y >= 0.99995)
		w = 14, prec = 3;
	else if (y >= 0.099995)
		w = 15, prec = 4;
	else if (y >= 0.0099995)
		w = 16, prec = 5;
	else if (y >= 0.00099995)
		w = 17, prec = 6;
	else
		w = 18, prec = 7;
	snprintf(buf, size, "%*.*f %s", w, prec, x, unit);
}

/* ---------------------------------------------------------------- */
/* name matching (Go's testing/match.go)                              */

struct simple_match {
	int n;
	regex_t re[MAX_LEVELS];
};

struct matcher {
	int nalt; /* 0: matches everything (empty skip pattern: nothing) */
	struct simple_match alt[MAX_ALTS];
};

static void matcher_free(struct matcher *m)
{
	for (int i = 0; i < m->nalt; i++)
		for (int j = 0; j < m->alt[i].n; j++)
			regfree(&m->alt[i].re[j]);
	m->nalt = 0;
}

/* Split on '/' and '|' outside brackets and parentheses, as Go does. */
static int matcher_init(struct matcher *m, const char *pat, const char *flag, FILE *err)
{
	memset(m, 0, sizeof *m);
	if (!pat || !*pat)
		return 0;
	char *s = xstrdup(pat);
	char *elems[MAX_ALTS][MAX_LEVELS];
	int nel[MAX_ALTS] = {0};
	int nalt = 1, cs = 0, cp = 0;
	char *start = s;
	for (char *p = s;; p++) {
		char c = *p;
		if (c == '\\' && p[1]) {
			p++;
			continue;
		}
		if (c == '[')
			cs++;
		else if (c == ']' && --cs < 0)
			cs = 0;
		else if (c == '(' && cs == 0)
			cp++;
		else if (c == ')' && cs == 0)
			cp--;
		if (c == 0 || ((c == '/' || c == '|') && cs == 0 && cp == 0)) {
			*p = 0;
			if (nel[nalt - 1] >= MAX_LEVELS || (c == '|' && nalt >= MAX_ALTS)) {
				fprintf(err, "testing: %s pattern %s has too many elements\n", flag,
					pat);
				free(s);
				return -1;
			}
			elems[nalt - 1][nel[nalt - 1]++] = start;
			start = p + 1;
			if (c == '|')
				nalt++;
			if (c == 0)
				break;
		}
	}
	for (int a = 0; a < nalt; a++) {
		for (int i = 0; i < nel[a]; i++) {
			int rc = regcomp(&m->alt[a].re[i], elems[a][i], REG_EXTENDED | REG_NOSUB);
			if (rc) {
				char msg[256];
				regerror(rc, &m->alt[a].re[i], msg, sizeof msg);
				fprintf(err,
					"testing: invalid regexp for element %d of %s (\"%s\"): %s\n",
					i, flag, elems[a][i], msg);
				m->nalt = a;
				m->alt[a].n = i;
				matcher_free(m);
				free(s);
				return -1;
			}
			m->alt[a].n = i + 1;
		}
		m->nalt = a + 1;
	}
	free(s);
	return 0;
}

/* Does name (levels split by '/') match?  *partial: the pattern has more
 * levels than the name, so a sub-benchmark may still match fully. */
static bool matcher_match(const struct matcher *m, const char *name, bool *partial)
{
	*partial = false;
	if (m->nalt == 0)
		return true;
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", name);
	char *lev[256];
	int nlev = 0;
	for (char *p = buf, *q; nlev < 256; p = q + 1) {
		lev[nlev++] = p;
		if (!(q = strchr(p, '/')))
			break;
		*q = 0;
	}
	for (int a = 0; a < m->nalt; a++) {
		bool ok = true;
		for (int i = 0; i < nlev && i < m->alt[a].n; i++)
			if (regexec(&m->alt[a].re[i], lev[i], 0, NULL, 0)) {
				ok = false;
				break;
			}
		if (ok) {
			*partial = nlev < m->alt[a].n;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------- */
/* state                                                              */

struct extra {
	char unit[MAX_UNIT];
	double v;
};

struct result {
	long n;
	int64_t t;
	int64_t bytes;
	uint64_t mem_allocs, mem_bytes;
	int nextra;
	struct extra extra[MAX_EXTRA];
};

struct subname {
	char *name;
	int next;
};

struct ctx {
	FILE *out, *err;
	/* flags */
	const char *bench_pat, *run_pat, *list_pat, *skip_pat;
	int64_t benchtime_ns;
	long benchtime_n;
	long count;
	bool benchmem, json, verbose;
	int cpus[MAX_CPUS];
	int ncpus;
	int64_t timeout_ns;
	const char *cpuprofile, *memprofile;
	long memprofilerate;
	/* run state */
	struct matcher match, skip;
	int max_len, ext_len, procs;
	bool header_done, failed, alloc_noted, have_alloc;
	struct subname *subs;
	size_t nsubs, capsubs;
	cprof__sb line; /* -json: the output line being assembled */
	const char *pkg;
	int64_t t0;
	char current[512]; /* for the timeout message */
	pthread_mutex_t log_mu;
};

struct cprof__bench {
	cprof_bench_b pub;
	struct ctx *ctx; /* NULL for the fresh B of a -count/-cpu repetition */
	struct ctx *octx;
	char *name;
	cprof_bench_fn *fn;
	int level;
	bool timer_on, has_sub, failed, skipped, finished, loop_done, show_allocs;
	int64_t start, duration;
	uint64_t start_allocs, start_bytes, net_allocs, net_bytes;
	int64_t bytes;
	int nextra;
	struct extra extra[MAX_EXTRA];
	cprof__sb output;
	long previous_n;
	int64_t previous_duration;
	int parallelism;
	jmp_buf *jmp;
	struct result result;
};

static struct cprof_bench_reg *registry;

void cprof_bench_register(struct cprof_bench_reg *reg)
{
	reg->next = registry;
	registry = reg;
}

/* ---------------------------------------------------------------- */
/* output: plain text, or Go 1.19's `go test -json` events            */

static void json_str(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_time(FILE *f)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char frac[16];
	snprintf(frac, sizeof frac, ".%09ld", ts.tv_nsec);
	size_t l = strlen(frac);
	while (l > 1 && frac[l - 1] == '0')
		frac[--l] = 0;
	if (l == 1)
		frac[0] = 0;
	fprintf(f, "{\"Time\":\"%04d-%02d-%02dT%02d:%02d:%02d%sZ\"", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static void json_event(struct ctx *c, const char *action, const char *output, size_t len,
		       double elapsed)
{
	json_time(c->out);
	fprintf(c->out, ",\"Action\":\"%s\",\"Package\":", action);
	json_str(c->out, c->pkg, strlen(c->pkg));
	if (output) {
		fputs(",\"Output\":", c->out);
		json_str(c->out, output, len);
	}
	if (elapsed >= 0)
		fprintf(c->out, ",\"Elapsed\":%.3f", elapsed);
	fputs("}\n", c->out);
	fflush(c->out);
}

static void out(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!c->json) {
		vfprintf(c->out, fmt, ap);
		fflush(c->out);
		va_end(ap);
		return;
	}
	cprof__sb_vprintf(&c->line, fmt, ap);
	va_end(ap);
	const char *line, *nl;
	while ((nl = memchr(line = cprof__sb_str(&c->line), '\n', cprof__sb_len(&c->line)))) {
		size_t n = (size_t)(nl - line) + 1;
		json_event(c, "output", line, n, -1);
		cprof__sb_drop_front(&c->line, n);
	}
}

static const char *goos(void)
{
#if defined(__linux__)
	return "linux";
#elif defined(__APPLE__)
	return "darwin";
#elif defined(__FreeBSD__)
	return "freebsd";
#else
	return "unknown";
#endif
}

static const char *goarch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__i386__)
	return "386";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
	return "ppc64le";
#elif defined(__powerpc64__)
	return "ppc64";
#elif defined(__s390x__)
	return "s390x";
#else
	return "unknown";
#endif
}

static void cpu_name(char *buf, size_t size)
{
	buf[0] = 0;
	if (cpu_name_override) {
		snprintf(buf, size, "%s", cpu_name_override);
		return;
	}
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10))
			continue;
		char *v = strchr(line, ':');
		if (!v)
			break;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t l = strlen(v);
		while (l && (v[l - 1] == '\n' || v[l - 1] == ' '))
			v[--l] = 0;
		snprintf(buf, size, "%s", v);
		break;
	}
	fclose(f);
}

static void header(struct ctx *c)
{
	if (c->header_done)
		return;
	c->header_done = true;
	out(c, "goos: %s\n", goos());
	out(c, "goarch: %s\n", goarch());
	if (c->pkg && pkg_name)
		out(c, "pkg: %s\n", c->pkg);
	char cpu[256];
	cpu_name(cpu, sizeof cpu);
	if (cpu[0])
		out(c, "cpu: %s\n", cpu);
}

/* ---------------------------------------------------------------- */
/* timer and allocation counters                                      */

static struct cprof__bench *priv(const cprof_bench_b *b)
{
	return b->cprof__priv;
}

static void read_allocs(struct cprof__bench *b, uint64_t *allocs, uint64_t *bytes)
{
	*allocs = *bytes = 0;
	if (b->octx->have_alloc)
		alloc_fn(allocs, bytes);
}

void cprof_bench_start_timer(cprof_bench_b *pub)
{
	struct cprof__bench *b = priv(pub);
	if (b->timer_on)
		return;
	read_allocs(b, &b->start_allocs, &b->start_bytes);
	b->start = clock_fn();
	b->timer_on = true;
}

void cprof_bench_stop_timer(cprof_bench_b *pub)
{
	struct cprof__bench *b = priv(pub);
	if (!b->timer_on)
		return;
	b->duration += clock_fn() - b->start;
	uint64_t a, by;
	read_allocs(b, &a, &by);
	b->net_allocs += a - b->start_allocs;
	b->net_bytes += by - b->start_bytes;
	b->timer_on = false;
}

void cprof_bench_reset_timer(cprof_bench_b *pub)
{
	struct cprof__bench *b = priv(pub);
	b->nextra = 0;
	if (b->timer_on) {
		read_allocs(b, &b->start_allocs, &b->start_bytes);
		b->start = clock_fn();
	}
	b->duration = 0;
	b->net_allocs = b->net_bytes = 0;
}

int64_t cprof_bench_elapsed_ns(cprof_bench_b *pub)
{
	struct cprof__bench *b = priv(pub);
	int64_t d = b->duration;
	if (b->timer_on)
		d += clock_fn() - b->start;
	return d;
}

void cprof_bench_set_bytes(cprof_bench_b *pub, int64_t bytes)
{
	priv(pub)->bytes = bytes;
}

void cprof_bench_report_allocs(cprof_bench_b *pub)
{
	priv(pub)->show_allocs = true;
}

int cprof_bench_procs(const cprof_bench_b *pub)
{
	return priv(pub)->octx->procs;
}

bool cprof_bench_failed(const cprof_bench_b *pub)
{
	return priv(pub)->failed;
}

void cprof_bench_set_parallelism(cprof_bench_b *pub, int p)
{
	if (p >= 1)
		priv(pub)->parallelism = p;
}

/* ---------------------------------------------------------------- */
/* logging and failure                                                */

static void add_log(struct cprof__bench *b, const char *file, int line, const char *msg)
{
	struct ctx *c = b->octx;
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	pthread_mutex_lock(&c->log_mu);
	if (cprof__sb_len(&b->output) < MAX_OUTPUT) {
		cprof__sb_printf(&b->output, "    %s:%d: ", base, line);
		for (const char *p = msg; *p; p++) {
			if (*p == '\n' && p[1])
				cprof__sb_printf(&b->output, "\n        ");
			else if (*p != '\n')
				cprof__sb_printf(&b->output, "%c", *p);
		}
		cprof__sb_printf(&b->output, "\n");
	}
	pthread_mutex_unlock(&c->log_mu);
}

static void bench_fail(struct cprof__bench *b)
{
	/* may run on a RunParallel thread */
	__atomic_store_n(&b->failed, true, __ATOMIC_RELAXED);
	__atomic_store_n(&b->octx->failed, true, __ATOMIC_RELAXED);
}

void cprof__bench_log(cprof_bench_b *pub, const char *file, int line, int kind, const char *fmt,
		      ...)
{
	struct cprof__bench *b = priv(pub);
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	add_log(b, file, line, msg);
	if (kind == CPROF__BENCH_ERROR || kind == CPROF__BENCH_FATAL)
		bench_fail(b);
	if (kind == CPROF__BENCH_SKIP)
		b->skipped = true;
	if ((kind == CPROF__BENCH_FATAL || kind == CPROF__BENCH_SKIP) && b->jmp) {
		b->finished = true;
		longjmp(*b->jmp, 1);
	}
}

static void fail_msg(struct cprof__bench *b, const char *msg)
{
	add_log(b, "bench.c", 0, msg);
	bench_fail(b);
}

void cprof_bench_report_metric(cprof_bench_b *pub, double value, const char *unit)
{
	struct cprof__bench *b = priv(pub);
	if (!unit || !*unit || strpbrk(unit, " \t\n\r\v\f")) {
		char msg[128];
		snprintf(msg, sizeof msg, "metric unit \"%s\" is empty or contains whitespace",
			 unit ? unit : "");
		fail_msg(b, msg);
		return;
	}
	if (strlen(unit) >= MAX_UNIT) {
		fail_msg(b, "metric unit too long");
		return;
	}
	for (int i = 0; i < b->nextra; i++)
		if (!strcmp(b->extra[i].unit, unit)) {
			b->extra[i].v = value;
			return;
		}
	if (b->nextra >= MAX_EXTRA) {
		fail_msg(b, "too many metric units");
		return;
	}
	snprintf(b->extra[b->nextra].unit, MAX_UNIT, "%s", unit);
	b->extra[b->nextra++].v = value;
}

/* ---------------------------------------------------------------- */
/* running                                                            */

static void run_n(struct cprof__bench *b, long n)
{
	b->pub.n = n;
	b->pub.cprof__loop_i = 0;
	b->loop_done = false;
	b->parallelism = 1;
	cprof_bench_reset_timer(&b->pub);
	cprof_bench_start_timer(&b->pub);
	jmp_buf jb;
	b->jmp = &jb;
	if (setjmp(jb) == 0)
		b->fn(&b->pub);
	b->jmp = NULL;
	cprof_bench_stop_timer(&b->pub);
	b->previous_n = b->pub.n;
	b->previous_duration = b->duration;
	if (b->pub.cprof__loop_i > 0 && !b->loop_done && !b->failed)
		fail_msg(b, "benchmark function returned without cprof_bench_loop() == false "
			    "(break or return in loop?)");
}

bool cprof__bench_loop_slow(cprof_bench_b *pub)
{
	struct cprof__bench *b = priv(pub);
	struct ctx *c = b->octx;
	if (b->loop_done)
		return false;
	if (pub->cprof__loop_i == 0) {
		/* First call: time only the loop, start the ramp at 1. */
		pub->n = 1;
		pub->cprof__loop_i = 1;
		cprof_bench_reset_timer(pub);
		return true;
	}
	if (c->benchtime_n > 0) {
		if (pub->n < c->benchtime_n) {
			pub->n = c->benchtime_n;
			pub->cprof__loop_i++;
			return true;
		}
		cprof_bench_stop_timer(pub);
		b->loop_done = true;
		return false;
	}
	int64_t elapsed = clock_fn() - b->start;
	if (elapsed >= c->benchtime_ns || pub->n >= MAX_ITERS) {
		cprof_bench_stop_timer(pub);
		b->loop_done = true;
		return false;
	}
	pub->n = (long)cprof__bench_predict_n(c->benchtime_ns, pub->n, elapsed, pub->n);
	pub->cprof__loop_i++;
	return true;
}

static void launch(struct cprof__bench *b)
{
	struct ctx *c = b->octx;
	if (b->pub.cprof__loop_i == 0) {
		if (c->benchtime_n > 0) {
			/* run1 already did n = 1 (golang.org/issue/32051) */
			if (c->benchtime_n > 1)
				run_n(b, c->benchtime_n);
		} else {
			int64_t d = c->benchtime_ns, wall0 = clock_fn();
			int64_t guard = d > INT64_MAX / GUARD_FACTOR ? INT64_MAX : GUARD_FACTOR * d;
			for (int64_t n = 1; !b->failed && b->duration < d && n < MAX_ITERS;) {
				if (clock_fn() - wall0 > guard) {
					char gd[32];
					cprof__go_duration(gd, sizeof gd, guard);
					fprintf(c->err,
						"cprof-bench: %s: ramp-up stopped after %s of wall "
						"time at n=%ld (is the timer stopped most of the "
						"time?)\n",
						b->name, gd, b->pub.n);
					break;
				}
				int64_t last = n;
				n = cprof__bench_predict_n(d, b->pub.n, b->duration, last);
				run_n(b, (long)n);
			}
		}
	}
	struct result *r = &b->result;
	r->n = b->pub.n;
	r->t = b->duration;
	r->bytes = b->bytes;
	r->mem_allocs = b->net_allocs;
	r->mem_bytes = b->net_bytes;
	r->nextra = b->nextra;
	memcpy(r->extra, b->extra, sizeof b->extra);
}

static const struct extra *find_extra(const struct result *r, const char *unit)
{
	for (int i = 0; i < r->nextra; i++)
		if (!strcmp(r->extra[i].unit, unit))
			return &r->extra[i];
	return NULL;
}

static int cmp_extra(const void *a, const void *b)
{
	return strcmp(((const struct extra *)a)->unit, ((const struct extra *)b)->unit);
}

/* BenchmarkResult.String() (+ MemString()). */
static void format_result(cprof__sb *s, const struct result *r, bool mem)
{
	char v[128];
	cprof__sb_printf(s, "%8ld", r->n);
	const struct extra *e = find_extra(r, "ns/op");
	double ns = e ? e->v : (double)r->t / (double)r->n;
	if (ns != 0) {
		cprof__bench_pretty(v, sizeof v, ns, "ns/op");
		cprof__sb_printf(s, "\t%s", v);
	}
	double mbs = 0;
	if ((e = find_extra(r, "MB/s")))
		mbs = e->v;
	else if (r->bytes > 0 && r->t > 0 && r->n > 0) {
		double secs = (double)(r->t / 1000000000) + (double)(r->t % 1000000000) / 1e9;
		mbs = ((double)r->bytes * (double)r->n / 1e6) / secs;
	}
	if (mbs != 0)
		cprof__sb_printf(s, "\t%7.2f MB/s", mbs);
	struct extra sorted[MAX_EXTRA];
	int n = 0;
	for (int i = 0; i < r->nextra; i++) {
		const char *u = r->extra[i].unit;
		if (strcmp(u, "ns/op") && strcmp(u, "MB/s") && strcmp(u, "B/op") &&
		    strcmp(u, "allocs/op"))
			sorted[n++] = r->extra[i];
	}
	qsort(sorted, (size_t)n, sizeof *sorted, cmp_extra);
	for (int i = 0; i < n; i++) {
		cprof__bench_pretty(v, sizeof v, sorted[i].v, sorted[i].unit);
		cprof__sb_printf(s, "\t%s", v);
	}
	if (mem) {
		int64_t bop = 0, aop = 0;
		if ((e = find_extra(r, "B/op")))
			bop = (int64_t)e->v;
		else if (r->n > 0)
			bop = (int64_t)r->mem_bytes / (int64_t)r->n;
		if ((e = find_extra(r, "allocs/op")))
			aop = (int64_t)e->v;
		else if (r->n > 0)
			aop = (int64_t)r->mem_allocs / (int64_t)r->n;
		cprof__sb_printf(s, "\t%8lld B/op\t%8lld allocs/op", (long long)bop,
				 (long long)aop);
	}
}

static void bench_name(char *buf, size_t size, const char *name, int procs)
{
	if (procs != 1)
		snprintf(buf, size, "%s-%d", name, procs);
	else
		snprintf(buf, size, "%s", name);
}

/* Keep at most 10 lines of a benchmark's log (Go's trimOutput). */
static void trim_output(cprof__sb *o)
{
	int nl = 0;
	const char *p = cprof__sb_str(o);
	for (size_t j = 0; j < cprof__sb_len(o); j++) {
		if (p[j] == '\n' && ++nl >= 10) {
			cprof__sb_truncate(o, j);
			cprof__sb_printf(o, "\n\t... [output truncated]\n");
			return;
		}
	}
}

static bool run1(struct cprof__bench *b)
{
	struct ctx *c = b->octx;
	if (b->ctx) {
		int n = (int)strlen(b->name) + c->ext_len + 1;
		if (n > c->max_len)
			c->max_len = n + 8; /* slack: fewer jumps in width */
	}
	run_n(b, 1);
	if (b->failed) {
		out(c, "--- FAIL: %s\n%s", b->name, cprof__sb_str(&b->output));
		return false;
	}
	if (b->has_sub || b->finished) {
		if (c->verbose && (cprof__sb_len(&b->output) > 0 || b->finished)) {
			trim_output(&b->output);
			out(c, "--- %s: %s\n%s", b->skipped ? "SKIP" : "BENCH", b->name,
			    cprof__sb_str(&b->output));
		}
		return false;
	}
	return true;
}

static void note_allocs(struct ctx *c)
{
	if (c->have_alloc || c->alloc_noted)
		return;
	c->alloc_noted = true;
	fprintf(c->err, "cprof-bench: allocation counters unavailable (libcprof with "
			"cprof_alloc_stats() is not linked or preloaded): B/op and "
			"allocs/op not reported\n");
}

static void bench_free(struct cprof__bench *b)
{
	free(b->name);
	cprof__sb_free(&b->output);
	free(b);
}

static struct cprof__bench *bench_new(struct ctx *octx, struct ctx *ctx, const char *name,
				      cprof_bench_fn *fn, void *arg, int level)
{
	struct cprof__bench *b = calloc(1, sizeof *b);
	if (!b)
		out_of_memory();
	b->pub.cprof__priv = b;
	b->pub.arg = arg;
	b->octx = octx;
	b->ctx = ctx;
	b->name = xstrdup(name);
	b->fn = fn;
	b->level = level;
	b->parallelism = 1;
	return b;
}

static void process(struct cprof__bench *b)
{
	struct ctx *c = b->octx;
	char name[4200];
	for (int i = 0; i < c->ncpus; i++) {
		for (long j = 0; j < c->count; j++) {
			c->procs = c->cpus[i];
			bench_name(name, sizeof name, b->name, c->procs);
			snprintf(c->current, sizeof c->current, "%.400s", name);
			if (!c->verbose)
				out(c, "%-*s\t", c->max_len, name);
			if (i > 0 || j > 0) {
				/* a fresh B: ramp-up from n = 1 again */
				struct cprof__bench *nb =
					bench_new(c, NULL, b->name, b->fn, b->pub.arg, b->level);
				if (b->ctx == NULL)
					bench_free(b); /* the previous fresh one */
				b = nb;
				if (!run1(b))
					continue;
			}
			launch(b);
			if (b->failed) {
				out(c, "--- FAIL: %s\n%s", name, cprof__sb_str(&b->output));
				continue;
			}
			cprof__sb res = CPROF_SB_INIT;
			format_result(&res, &b->result,
				      (c->benchmem || b->show_allocs) && c->have_alloc);
			if ((c->benchmem || b->show_allocs) && !c->have_alloc)
				note_allocs(c);
			if (c->verbose)
				out(c, "%-*s\t", c->max_len, name);
			out(c, "%s\n", cprof__sb_str(&res));
			cprof__sb_free(&res);
			if (cprof__sb_len(&b->output) > 0) {
				trim_output(&b->output);
				out(c, "--- BENCH: %s\n%s", name, cprof__sb_str(&b->output));
			}
		}
	}
	if (b->ctx == NULL)
		bench_free(b);
}

/* Go's rewrite(): whitespace becomes '_', unprintables are escaped. */
static void rewrite(cprof__sb *s, const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		unsigned char ch = *p;
		if (ch == ' ' || (ch >= '\t' && ch <= '\r'))
			cprof__sb_printf(s, "_");
		else if (ch == 7)
			cprof__sb_printf(s, "\\a");
		else if (ch == 8)
			cprof__sb_printf(s, "\\b");
		else if (ch < 0x20 || ch == 0x7f)
			cprof__sb_printf(s, "\\x%02x", ch);
		else
			cprof__sb_printf(s, "%c", ch);
	}
}

/* Go's matcher.unique(): parent/sub, then parent/sub#01, #02... */
static char *unique_name(struct ctx *c, const char *parent, const char *sub)
{
	cprof__sb s = CPROF_SB_INIT;
	cprof__sb_printf(&s, "%s/%s", parent, sub);
	bool empty = !*sub;
	for (;;) {
		struct subname *found = NULL;
		for (size_t i = 0; i < c->nsubs; i++)
			if (!strcmp(c->subs[i].name, cprof__sb_str(&s))) {
				found = &c->subs[i];
				break;
			}
		if (!empty && !found) {
			if (c->nsubs == c->capsubs) {
				size_t cap = c->capsubs ? 2 * c->capsubs : 64;
				struct subname *p = realloc(c->subs, cap * sizeof *p);
				if (!p)
					return xdetach(&s);
				c->subs = p;
				c->capsubs = cap;
			}
			c->subs[c->nsubs].name = xstrdup(cprof__sb_str(&s));
			c->subs[c->nsubs++].next = 1;
			return xdetach(&s);
		}
		int next = found ? found->next : 0;
		if (found)
			found->next++;
		cprof__sb_printf(&s, "#%02d", next);
		empty = false;
	}
}

static bool bench_run(struct cprof__bench *parent, const char *subname, cprof_bench_fn *fn,
		      void *arg)
{
	struct ctx *c = parent->octx;
	parent->has_sub = true;
	char *name;
	if (parent->level > 0) {
		cprof__sb rw = CPROF_SB_INIT;
		rewrite(&rw, subname);
		name = unique_name(c, parent->name, cprof__sb_str(&rw));
		cprof__sb_free(&rw);
	} else {
		name = xstrdup(subname);
	}
	bool partial = false, ok = true;
	if (parent->ctx) {
		bool pskip;
		ok = matcher_match(&c->match, name, &partial) &&
		     !(c->skip.nalt && matcher_match(&c->skip, name, &pskip) && !pskip);
	}
	if (!ok) {
		free(name);
		return true;
	}
	struct cprof__bench *sub = bench_new(c, parent->ctx, name, fn, arg, parent->level + 1);
	free(name);
	if (partial)
		sub->has_sub = true;
	if (c->verbose) {
		header(c);
		out(c, "%s\n", sub->name);
	}
	c->procs = c->cpus[0];
	snprintf(c->current, sizeof c->current, "%.400s", sub->name);
	if (run1(sub)) {
		header(c);
		if (sub->ctx)
			process(sub);
		else
			launch(sub);
	}
	bool failed = sub->failed;
	bench_free(sub);
	return !failed;
}

bool cprof_bench_run(cprof_bench_b *b, const char *name, cprof_bench_fn *fn)
{
	return bench_run(priv(b), name, fn, b->arg);
}

bool cprof_bench_run_arg(cprof_bench_b *b, const char *name, cprof_bench_fn *fn, void *arg)
{
	return bench_run(priv(b), name, fn, arg);
}

/* ---------------------------------------------------------------- */
/* RunParallel                                                        */

/* The threads of one RunParallel: they wait at a gate until all exist, so
 * the allocations made to create them can be left out of B/op. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	long arrived;
	bool open;
};

struct par {
	void (*body)(cprof_bench_pb *, void *);
	void *arg;
	cprof_bench_pb pb;
	struct gate *gate;
};

static void *par_thread(void *p)
{
	struct par *t = p;
	struct gate *g = t->gate;
	pthread_mutex_lock(&g->mu);
	g->arrived++;
	pthread_cond_broadcast(&g->cv);
	while (!g->open)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
	t->body(&t->pb, t->arg);
	return NULL;
}

void cprof_bench_run_parallel(cprof_bench_b *pub, void (*body)(cprof_bench_pb *pb, void *arg),
			      void *arg)
{
	struct cprof__bench *b = priv(pub);
	if (pub->n == 0)
		return;
	/* grains of ~100us of work, at most 1e4 iterations (Go's rules) */
	uint64_t grain = 0;
	if (b->previous_n > 0 && b->previous_duration > 0)
		grain = (uint64_t)(1e5 * (double)b->previous_n / (double)b->previous_duration);
	if (grain < 1)
		grain = 1;
	if (grain > 10000)
		grain = 10000;
	long nthreads = (long)b->parallelism * b->octx->procs;
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	uint64_t global = 0, a0, by0;
	read_allocs(b, &a0, &by0); /* the harness's own allocations start here */
	struct gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false};
	struct par *ts = calloc((size_t)nthreads, sizeof *ts);
	pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
	if (!ts || !tids) {
		free(ts);
		free(tids);
		fail_msg(b, "RunParallel: out of memory");
		return;
	}
	long started = 0;
	for (long i = 0; i < nthreads; i++) {
		ts[i] = (struct par){body, arg, {&global, grain, 0, (uint64_t)pub->n}, &gate};
		if (pthread_create(&tids[i], NULL, par_thread, &ts[i]))
			break;
		started++;
	}
	pthread_mutex_lock(&gate.mu);
	while (gate.arrived < started)
		pthread_cond_wait(&gate.cv, &gate.mu);
	if (b->timer_on) { /* ... and end here: not the benchmark's */
		uint64_t a1, by1;
		read_allocs(b, &a1, &by1);
		b->start_allocs += a1 - a0;
		b->start_bytes += by1 - by0;
	}
	gate.open = true;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
	if (started == 0)
		body(&ts[0].pb, arg); /* no threads available: run the body here */
	for (long i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(ts);
	free(tids);
	pthread_cond_destroy(&gate.cv);
	pthread_mutex_destroy(&gate.mu);
	if (__atomic_load_n(&global, __ATOMIC_RELAXED) <= (uint64_t)pub->n && !b->failed) {
		fail_msg(b, "RunParallel: body exited without pb.Next() == false");
		if (b->jmp) {
			b->finished = true;
			longjmp(*b->jmp, 1);
		}
	}
}

/* ---------------------------------------------------------------- */
/* flags                                                              */

static int default_procs(void)
{
	const char *e = getenv("GOMAXPROCS");
	if (e && *e) {
		char *end;
		long v = strtol(e, &end, 10);
		if (!*end && v > 0 && v < 1 << 20)
			return (int)v;
	}
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage of %s:\n"
		"  -bench regexp\n\trun only benchmarks matching regexp\n"
		"  -benchmem\n\tprint memory allocations for benchmarks\n"
		"  -benchtime d\n\trun each benchmark for duration d or N times if `d` is of "
		"the form Nx (default 1s)\n"
		"  -count n\n\trun tests and benchmarks n times (default 1)\n"
		"  -cpu list\n\tcomma-separated list of cpu counts to run each test with\n"
		"  -cpuprofile file\n\twrite a cpu profile to file\n"
		"  -json\n\twrite go test -json events to stdout\n"
		"  -list regexp\n\tlist benchmarks matching regexp and exit\n"
		"  -memprofile file\n\twrite an allocation profile to file\n"
		"  -memprofilerate rate\n\tset the heap profiling rate (bytes)\n"
		"  -run regexp\n\trun only tests matching regexp (there are none)\n"
		"  -skip regexp\n\tdo not run benchmarks matching regexp\n"
		"  -timeout d\n\tpanic after duration d (default 10m0s, 0 means none)\n"
		"  -v\tverbose: print each benchmark's name when it starts\n",
		prog);
}

static int parse_long(const char *s, long *v)
{
	char *end;
	errno = 0;
	long x = strtol(s, &end, 0);
	if (!*s || *end || errno)
		return -1;
	*v = x;
	return 0;
}

static int parse_bool(const char *s, bool *v)
{
	static const char *t[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *f[] = {"0", "f", "F", "false", "FALSE", "False"};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(t); i++) {
		if (!strcmp(s, t[i]))
			return *v = true, 0;
		if (!strcmp(s, f[i]))
			return *v = false, 0;
	}
	return -1;
}

/* Go's flag package: -name, --name, -name=value, -name value; also -test.name.
 * Returns 0, 1 for -h (usage printed, exit 0), or 2 for an error. */
static int parse_flags(struct ctx *c, int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "bench";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1])
			break; /* positional arguments are ignored, as by go test */
		a++;
		if (*a == '-') {
			a++;
			if (!*a)
				break; /* "--" ends the flags */
		}
		if (!strncmp(a, "test.", 5))
			a += 5;
		char name[64];
		const char *val = NULL, *eq = strchr(a, '=');
		size_t nl = eq ? (size_t)(eq - a) : strlen(a);
		if (nl >= sizeof name)
			nl = sizeof name - 1;
		memcpy(name, a, nl);
		name[nl] = 0;
		if (eq)
			val = eq + 1;
		if (!strcmp(name, "h") || !strcmp(name, "help")) {
			usage(c->err, prog);
			return 1;
		}
		bool *bflag = !strcmp(name, "benchmem")                             ? &c->benchmem
			      : !strcmp(name, "json")                               ? &c->json
			      : !strcmp(name, "v")                                  ? &c->verbose
			      : !strcmp(name, "short") || !strcmp(name, "failfast") ? &(bool){0}
										    : NULL;
		if (bflag) {
			if (val && parse_bool(val, bflag)) {
				fprintf(c->err,
					"invalid boolean value \"%s\" for -%s: parse error\n", val,
					name);
				usage(c->err, prog);
				return 2;
			}
			if (!val)
				*bflag = true;
			continue;
		}
		static const char *valued[] = {
			"bench",          "benchtime", "count",   "cpu",        "run",
			"list",           "skip",      "timeout", "cpuprofile", "memprofile",
			"memprofilerate", "outputdir", "shuffle"};
		bool known = false;
		for (size_t k = 0; k < CPROF_ARRAY_LEN(valued); k++)
			known |= !strcmp(name, valued[k]);
		if (!known) {
			fprintf(c->err, "flag provided but not defined: -%s\n", name);
			usage(c->err, prog);
			return 2;
		}
		if (!val) {
			if (i + 1 >= argc) {
				fprintf(c->err, "flag needs an argument: -%s\n", name);
				usage(c->err, prog);
				return 2;
			}
			val = argv[++i];
		}
		int bad = 0;
		if (!strcmp(name, "shuffle") || !strcmp(name, "outputdir"))
			fprintf(c->err, "cprof-bench: -%s is not supported; ignored\n", name);
		if (!strcmp(name, "bench"))
			c->bench_pat = val;
		else if (!strcmp(name, "run"))
			c->run_pat = val;
		else if (!strcmp(name, "list"))
			c->list_pat = val;
		else if (!strcmp(name, "skip"))
			c->skip_pat = val;
		else if (!strcmp(name, "cpuprofile"))
			c->cpuprofile = val;
		else if (!strcmp(name, "memprofile"))
			c->memprofile = val;
		else if (!strcmp(name, "memprofilerate"))
			bad = parse_long(val, &c->memprofilerate);
		else if (!strcmp(name, "count"))
			bad = parse_long(val, &c->count) || c->count < 0;
		else if (!strcmp(name, "timeout"))
			bad = cprof__bench_parse_duration(val, &c->timeout_ns);
		else if (!strcmp(name, "benchtime")) {
			size_t l = strlen(val);
			if (l > 1 && val[l - 1] == 'x') {
				char tmp[32];
				long n;
				snprintf(tmp, sizeof tmp, "%.*s", (int)(l - 1), val);
				bad = l - 1 >= sizeof tmp || parse_long(tmp, &n) || n <= 0;
				if (!bad) {
					c->benchtime_n = n;
					c->benchtime_ns = 0;
				}
			} else {
				int64_t d;
				bad = cprof__bench_parse_duration(val, &d) || d <= 0;
				if (!bad) {
					c->benchtime_ns = d;
					c->benchtime_n = 0;
				}
			}
		} else if (!strcmp(name, "cpu")) {
			c->ncpus = 0;
			char buf[512];
			snprintf(buf, sizeof buf, "%s", val);
			char *save = NULL;
			for (char *t = strtok_r(buf, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				while (*t == ' ')
					t++;
				long v;
				if (!*t)
					continue;
				if (parse_long(t, &v) || v <= 0 || v > MAX_THREADS ||
				    c->ncpus >= MAX_CPUS) {
					fprintf(c->err,
						"testing: invalid value \"%s\" for "
						"-test.cpu\n",
						t);
					return 2;
				}
				c->cpus[c->ncpus++] = (int)v;
			}
			bad = c->ncpus == 0;
		}
		if (bad) {
			fprintf(c->err, "invalid value \"%s\" for flag -%s: parse error\n", val,
				name);
			usage(c->err, prog);
			return 2;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* -timeout watchdog                                                  */

struct watchdog {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done, running, started;
	struct ctx *c;
};

static void *watchdog_thread(void *p)
{
	struct watchdog *w = p;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t end = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + w->c->timeout_ns;
	ts.tv_sec = end / 1000000000;
	ts.tv_nsec = end % 1000000000;
	pthread_mutex_lock(&w->mu);
	w->started = true;
	pthread_cond_broadcast(&w->cv);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
			break;
	bool fire = !w->done;
	pthread_mutex_unlock(&w->mu);
	if (fire) {
		char d[32];
		cprof__go_duration(d, sizeof d, w->c->timeout_ns);
		fprintf(w->c->err, "panic: test timed out after %s\n\nrunning tests:\n\t%s\n", d,
			w->c->current);
		fflush(NULL);
		_exit(2);
	}
	return NULL;
}

static void watchdog_start(struct watchdog *w, struct ctx *c)
{
	memset(w, 0, sizeof *w);
	w->c = c;
	if (c->timeout_ns <= 0)
		return;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->running = pthread_create(&w->tid, NULL, watchdog_thread, w) == 0;
	/* Wait until it runs: whatever a new thread allocates while starting
	 * (a preloaded runtime may) must not land in a benchmark's B/op. */
	pthread_mutex_lock(&w->mu);
	while (w->running && !w->started)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static void watchdog_stop(struct watchdog *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->tid, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}

/* ---------------------------------------------------------------- */
/* main                                                               */

static int cmp_reg(const void *a, const void *b)
{
	const struct cprof_bench_reg *x = *(struct cprof_bench_reg *const *)a;
	const struct cprof_bench_reg *y = *(struct cprof_bench_reg *const *)b;
	int r = strcmp(x->file, y->file);
	if (r)
		return r;
	return (x->line > y->line) - (x->line < y->line);
}

static struct cprof_bench_reg **sorted_registry(size_t *n)
{
	size_t cnt = 0;
	for (struct cprof_bench_reg *r = registry; r; r = r->next)
		cnt++;
	struct cprof_bench_reg **v = calloc(cnt ? cnt : 1, sizeof *v);
	if (!v) {
		*n = 0;
		return NULL;
	}
	cnt = 0;
	for (struct cprof_bench_reg *r = registry; r; r = r->next)
		v[cnt++] = r;
	qsort(v, cnt, sizeof *v, cmp_reg);
	*n = cnt;
	return v;
}

static struct cprof_bench_reg **run_list;
static size_t run_count;

/* The benchmark function of Go's "Main" B: b.Run() each selected one. */
static void main_fn(cprof_bench_b *b)
{
	for (size_t i = 0; i < run_count; i++)
		cprof_bench_run_arg(b, run_list[i]->name, run_list[i]->fn, NULL);
}

static void run_all(struct ctx *c)
{
	size_t n;
	struct cprof_bench_reg **all = sorted_registry(&n);
	int maxprocs = 1;
	for (int i = 0; i < c->ncpus; i++)
		if (c->cpus[i] > maxprocs)
			maxprocs = c->cpus[i];
	char tmp[4200];
	bench_name(tmp, sizeof tmp, "", maxprocs);
	c->ext_len = (int)strlen(tmp);
	run_count = 0;
	run_list = calloc(n ? n : 1, sizeof *run_list);
	for (size_t i = 0; run_list && i < n; i++) {
		bool partial, pskip;
		if (!matcher_match(&c->match, all[i]->name, &partial))
			continue;
		if (c->skip.nalt && matcher_match(&c->skip, all[i]->name, &pskip) && !pskip)
			continue;
		run_list[run_count++] = all[i];
		bench_name(tmp, sizeof tmp, all[i]->name, maxprocs);
		int l = (int)strlen(tmp) + c->ext_len + 1;
		if (l > c->max_len)
			c->max_len = l;
	}
	struct cprof__bench *m = bench_new(c, c, "Main", main_fn, NULL, 0);
	run_n(m, 1);
	bench_free(m);
	free(run_list);
	run_list = NULL;
	free(all);
}

int cprof__bench_main_to(int argc, char **argv, FILE *outf, FILE *errf)
{
	struct ctx c;
	memset(&c, 0, sizeof c);
	c.out = outf;
	c.err = errf;
	c.t0 = mono_now();
	c.benchtime_ns = 1000000000;
	c.count = 1;
	c.timeout_ns = 10LL * 60 * 1000000000;
	c.memprofilerate = -1;
	pthread_mutex_init(&c.log_mu, NULL);
	const char *prog = argc > 0 && argv[0] ? argv[0] : "bench";
	const char *base = strrchr(prog, '/');
	base = base ? base + 1 : prog;
	if (!pkg_name) {
		const char *e = getenv("CPROF_BENCH_PKG");
		/* The name is printed in "pkg: NAME" and "ok  \tNAME\t...", lines
		 * benchstat splits on tabs and newlines: refuse those. */
		for (const char *q = e; q && *q; q++) {
			if ((unsigned char)*q < 0x20 || *q == 0x7f) {
				fprintf(stderr,
					"cprof-bench: CPROF_BENCH_PKG: a control character at "
					"byte %zu; a package path has none\n",
					(size_t)(q - e));
				return 2;
			}
		}
		if (e && *e)
			pkg_name = e;
	}
	c.pkg = pkg_name ? pkg_name : base;

	int rc = parse_flags(&c, argc, argv);
	if (rc)
		return rc == 1 ? 0 : 2;
	if (c.ncpus == 0)
		c.cpus[c.ncpus++] = default_procs();
	c.procs = c.cpus[0];
	if (c.json)
		c.verbose = true; /* go test -json runs the binary chatty */
	c.have_alloc = alloc_fn(&(uint64_t){0}, &(uint64_t){0});

	if (c.list_pat) {
		struct matcher lm;
		if (matcher_init(&lm, c.list_pat, "-test.list", c.err) < 0)
			return 1;
		size_t n;
		struct cprof_bench_reg **all = sorted_registry(&n);
		for (size_t i = 0; i < n; i++) {
			/* Go matches -list against the whole name, not per level */
			regex_t re;
			if (regcomp(&re, c.list_pat, REG_EXTENDED | REG_NOSUB) == 0) {
				if (regexec(&re, all[i]->name, 0, NULL, 0) == 0)
					out(&c, "%s\n", all[i]->name);
				regfree(&re);
			}
		}
		free(all);
		matcher_free(&lm);
		return 0;
	}
	if (matcher_init(&c.match, c.bench_pat, "-test.bench", c.err) < 0 ||
	    matcher_init(&c.skip, c.skip_pat, "-test.skip", c.err) < 0) {
		matcher_free(&c.match);
		return 1;
	}
	if (c.memprofilerate >= 0) {
		int e = cprof__bench_rt_heap_set_rate(c.memprofilerate);
		if (e < 0) {
			fprintf(c.err, "cprof-bench: -memprofilerate: %s\n",
				e == -ENOSYS ? "libcprof's heap profiler is not linked or preloaded"
					     : cprof__bench_rt_strerror(e));
			return 2;
		}
	}
	if (c.memprofile && !c.list_pat) {
		/* fail early rather than after the run */
		if (!cprof__bench_rt_have_allocs_write()) {
			fprintf(c.err, "cprof-bench: -memprofile: libcprof's heap profiler is not "
				       "linked or preloaded (link with pkg-config cprof, or run "
				       "with LD_PRELOAD=libcprof.so)\n");
			matcher_free(&c.match);
			matcher_free(&c.skip);
			return 2;
		}
	}
	if (c.benchmem)
		note_allocs(&c);
	if (c.cpuprofile) {
		int e = cprof__bench_rt_cpu_start(c.cpuprofile);
		if (e < 0) {
			fprintf(c.err, "cprof-bench: -cpuprofile %s: %s\n", c.cpuprofile,
				e == -ENOSYS ? "libcprof is not linked or preloaded (link with "
					       "pkg-config cprof, or run with "
					       "LD_PRELOAD=libcprof.so)"
					     : cprof__bench_rt_strerror(e));
			matcher_free(&c.match);
			matcher_free(&c.skip);
			return 2;
		}
	}
	/* -memprofile samples the benchmark runs only: turn sampling on now (Go's
	 * default rate unless -memprofilerate), and off again before writing. */
	bool heap_on = false;
	if (c.memprofile && !c.list_pat) {
		long rate = c.memprofilerate >= 0 ? c.memprofilerate : 524288;
		int e = rate > 0 ? cprof__bench_rt_heap_set_rate(rate) : 0;
		if (e < 0) {
			fprintf(c.err, "cprof-bench: -memprofile: %s\n",
				cprof__bench_rt_strerror(e));
			c.failed = true;
		}
		heap_on = e == 0 && rate > 0;
	}
	struct watchdog wd;
	watchdog_start(&wd, &c);
	if (c.bench_pat && *c.bench_pat)
		run_all(&c);
	else
		fprintf(c.err, "testing: warning: no tests to run\n");
	watchdog_stop(&wd);
	if (heap_on)
		cprof__bench_rt_heap_set_rate(0);
	if (c.cpuprofile) {
		int e = cprof__bench_rt_cpu_stop();
		if (e < 0) {
			fprintf(c.err, "cprof-bench: -cpuprofile: %s\n",
				cprof__bench_rt_strerror(e));
			c.failed = true;
		}
	}
	if (c.memprofile) {
		int e = cprof__bench_rt_allocs_write(c.memprofile);
		if (e < 0) {
			fprintf(c.err, "cprof-bench: -memprofile %s: %s\n", c.memprofile,
				cprof__bench_rt_strerror(e));
			c.failed = true;
		}
	}
	double elapsed = (double)(mono_now() - c.t0) / 1e9;
	if (c.failed) {
		out(&c, "FAIL\n");
		out(&c, "FAIL\t%s\t%.3fs\n", c.pkg, elapsed);
	} else {
		out(&c, "PASS\n");
		out(&c, "ok  \t%s\t%.3fs\n", c.pkg, elapsed);
	}
	if (c.json)
		json_event(&c, c.failed ? "fail" : "pass", NULL, 0,
			   floor(elapsed * 1000 + 0.5) / 1000);
	matcher_free(&c.match);
	matcher_free(&c.skip);
	for (size_t i = 0; i < c.nsubs; i++)
		free(c.subs[i].name);
	free(c.subs);
	cprof__sb_free(&c.line);
	pthread_mutex_destroy(&c.log_mu);
	fflush(c.out);
	return c.failed ? 1 : 0;
}

int cprof_bench_main(int argc, char **argv)
{
	return cprof__bench_main_to(argc, argv, stdout, stderr);
}
