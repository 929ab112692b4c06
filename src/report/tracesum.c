/*
 * tracesum.c — the summary of an execution trace (tracesum.h).
 */
#include "compat.h"
#include "report/tracesum.h"
#include "base/buf.h"
#include "base/duration.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REASONS 16 /* per thread; further reasons are summed as "other" */

typedef struct reason {
	const char *name;
	int64_t ns;
	uint64_t n;
} reason;

typedef struct thread {
	double pid, tid;
	const char *name;
	int64_t running_ns, blocked_ns;
	uint64_t samples, dropped;
	bool started, exited;
	reason r[MAX_REASONS];
	int nr;
} thread;

typedef struct wait {
	const cprof__json *ev;
	int64_t dur, ts;
	size_t thread;
} wait;

typedef struct sum {
	thread *t;
	size_t nt, capt, last;
	wait *w;
	size_t nw, capw;
	bool oom;
} sum;

/* µs (the format's unit, fractional) to ns; 0 for absent or absurd. */
static int64_t us_to_ns(const cprof__json *j)
{
	double v = cprof__json_num(j, 0);
	if (!(v >= -9e12 && v <= 9e12)) /* also NaN */
		return 0;
	return (int64_t)llround(v * 1000);
}

static thread *thread_of(sum *s, double pid, double tid)
{
	if (s->last < s->nt && s->t[s->last].pid == pid && s->t[s->last].tid == tid)
		return &s->t[s->last];
	for (size_t i = 0; i < s->nt; i++)
		if (s->t[i].pid == pid && s->t[i].tid == tid) {
			s->last = i;
			return &s->t[i];
		}
	if (s->nt == s->capt) {
		size_t cap = s->capt ? s->capt * 2 : 16;
		thread *v = realloc(s->t, cap * sizeof(*v));
		if (!v) {
			s->oom = true;
			return NULL;
		}
		s->t = v;
		s->capt = cap;
	}
	thread *t = &s->t[s->nt];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	s->last = s->nt++;
	return t;
}

static void add_reason(thread *t, const char *name, int64_t ns)
{
	int i = 0;
	while (i < t->nr && strcmp(t->r[i].name, name))
		i++;
	if (i == t->nr) {
		if (t->nr == MAX_REASONS) {
			i = MAX_REASONS - 1;
			t->r[i].name = "other";
		} else {
			t->r[t->nr++] = (reason){name, 0, 0};
		}
	}
	t->r[i].ns += ns;
	t->r[i].n++;
}

static void event(sum *s, const cprof__json *e)
{
	const char *ph = cprof__json_str(cprof__json_get(e, "ph"));
	const char *name = cprof__json_str(cprof__json_get(e, "name"));
	const char *cat = cprof__json_str(cprof__json_get(e, "cat"));
	const cprof__json *args = cprof__json_get(e, "args");
	if (!ph || !name)
		return;
	thread *t = thread_of(s, cprof__json_num(cprof__json_get(e, "pid"), 0),
			      cprof__json_num(cprof__json_get(e, "tid"), 0));
	if (!t)
		return;
	if (!strcmp(ph, "M")) {
		const char *n = cprof__json_str(cprof__json_get(args, "name"));
		if (!strcmp(name, "thread_name") && n)
			t->name = n;
		return;
	}
	if (cat && !strcmp(cat, "cpu")) {
		t->samples++;
		double ns = cprof__json_num(cprof__json_get(args, "cpu_ns"), 0);
		if (ns > 0 && ns < 1e15 && t->running_ns < INT64_MAX / 2)
			t->running_ns += (int64_t)ns;
		return;
	}
	if (cat && !strcmp(cat, "blocked") && !strcmp(ph, "X")) {
		int64_t dur = us_to_ns(cprof__json_get(e, "dur"));
		if (dur < 0)
			dur = 0;
		if (t->blocked_ns < INT64_MAX / 2)
			t->blocked_ns += dur;
		add_reason(t, name, dur);
		if (s->nw == s->capw) {
			size_t cap = s->capw ? s->capw * 2 : 64;
			wait *v = realloc(s->w, cap * sizeof(*v));
			if (!v) {
				s->oom = true;
				return;
			}
			s->w = v;
			s->capw = cap;
		}
		s->w[s->nw++] =
			(wait){e, dur, us_to_ns(cprof__json_get(e, "ts")), (size_t)(t - s->t)};
		return;
	}
	if (cat && !strcmp(cat, "thread")) {
		if (!strcmp(name, "thread start"))
			t->started = true;
		else if (!strcmp(name, "thread exit"))
			t->exited = true;
		return;
	}
	if (!strcmp(name, "events dropped") && !strcmp(ph, "i")) {
		double c = cprof__json_num(cprof__json_get(args, "count"), 0);
		if (c > 0 && c < 1e18)
			t->dropped += (uint64_t)c;
	}
}

static int by_dur(const void *a, const void *b)
{
	const wait *x = a, *y = b;
	if (x->dur != y->dur)
		return x->dur < y->dur ? 1 : -1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static const char *dur(char *buf, size_t n, int64_t ns)
{
	cprof__go_duration(buf, n, ns);
	return buf;
}

/* A name from the file, on one line and bounded. */
static void put_name(FILE *out, const char *s, int width)
{
	int k = 0; /* characters: UTF-8 continuation bytes are not counted */
	for (; s && *s && k < 40; s++) {
		fputc((unsigned char)*s < 0x20 ? '?' : *s, out);
		k += ((unsigned char)*s & 0xc0) != 0x80;
	}
	for (; k < width; k++)
		fputc(' ', out);
}

static void print(sum *s, const cprof__json *doc, int top, FILE *out)
{
	const cprof__json *other = cprof__json_get(doc, "otherData");
	const char *producer = cprof__json_str(cprof__json_get(other, "producer"));
	char b1[64], b2[64];
	uint64_t samples = 0, dropped = 0;
	size_t nthreads = 0;
	for (size_t i = 0; i < s->nt; i++) {
		thread *t = &s->t[i];
		if (!t->name && !t->samples && !t->blocked_ns && !t->started && !t->exited &&
		    !t->dropped)
			continue; /* only a process's metadata or others' events */
		nthreads++;
		samples += t->samples;
		dropped += t->dropped;
	}
	double dd = cprof__json_num(cprof__json_get(other, "dropped_events"), -1);
	if (dd > (double)dropped && dd < 1e18)
		dropped = (uint64_t)dd; /* also events of threads that had no buffer */
	if (producer)
		fprintf(out, "Producer: %s\n", producer);
	double d = cprof__json_num(cprof__json_get(other, "duration_ns"), -1);
	if (d >= 0 && d < 9e18)
		fprintf(out, "Duration: %s\n", dur(b1, sizeof(b1), (int64_t)d));
	fprintf(out, "Threads: %zu, CPU samples: %llu, blocked intervals: %zu\n", nthreads,
		(unsigned long long)samples, s->nw);
	if (dropped)
		fprintf(out,
			"Dropped events: %llu (a thread's buffer was full: CPROF_TRACE_BUFFER_KB)\n",
			(unsigned long long)dropped);
	else
		fprintf(out, "Dropped events: 0\n");

	fprintf(out, "\n%10s  %-16s %10s %10s  %s\n", "TID", "NAME", "RUNNING", "BLOCKED",
		"BLOCKED BY REASON");
	for (size_t i = 0; i < s->nt; i++) {
		thread *t = &s->t[i];
		if (!t->name && !t->samples && !t->blocked_ns && !t->started && !t->exited &&
		    !t->dropped)
			continue;
		fprintf(out, "%10.0f  ", t->tid);
		put_name(out, t->name ? t->name : "", 16);
		fprintf(out, " %10s %10s", dur(b1, sizeof(b1), t->running_ns),
			dur(b2, sizeof(b2), t->blocked_ns));
		for (int k = 0; k < t->nr; k++) {
			fputs(k ? ", " : "  ", out);
			put_name(out, t->r[k].name, 0);
			fprintf(out, " %s (%llu)", dur(b1, sizeof(b1), t->r[k].ns),
				(unsigned long long)t->r[k].n);
		}
		if (t->dropped)
			fprintf(out, "  [%llu dropped]", (unsigned long long)t->dropped);
		fputc('\n', out);
	}

	if (!s->nw || top <= 0)
		return;
	qsort(s->w, s->nw, sizeof(*s->w), by_dur);
	size_t n = (size_t)top < s->nw ? (size_t)top : s->nw;
	fprintf(out, "\nLongest waits (%zu of %zu):\n", n, s->nw);
	for (size_t i = 0; i < n; i++) {
		const wait *w = &s->w[i];
		const thread *t = &s->t[w->thread];
		const char *name = cprof__json_str(cprof__json_get(w->ev, "name"));
		const cprof__json *args = cprof__json_get(w->ev, "args");
		const char *obj = cprof__json_str(cprof__json_get(args, "object"));
		fprintf(out, "%10s  ", dur(b1, sizeof(b1), w->dur));
		put_name(out, name, 0);
		fprintf(out, " tid %.0f", t->tid);
		if (t->name) {
			fputs(" (", out);
			put_name(out, t->name, 0);
			fputc(')', out);
		}
		if (obj) {
			fputs(" on ", out);
			put_name(out, obj, 0);
		}
		fprintf(out, " at %s\n", dur(b1, sizeof(b1), w->ts));
		const cprof__json *st = cprof__json_get(args, "stack");
		if (st && st->type == CPROF_JSON_ARRAY)
			for (size_t k = 0; k < st->n && k < 64; k++) {
				const char *f = cprof__json_str(&st->v.kids[k]);
				if (!f)
					continue;
				fputs("            ", out);
				for (int c = 0; f[c] && c < 200; c++)
					fputc((unsigned char)f[c] < 0x20 ? '?' : f[c], out);
				fputc('\n', out);
			}
	}
}

int cprof__trace_summary(const cprof__json *doc, int top, FILE *out, char *err, size_t errlen)
{
	const cprof__json *evs = doc;
	if (doc->type == CPROF_JSON_OBJECT)
		evs = cprof__json_get(doc, "traceEvents");
	if (!evs || evs->type != CPROF_JSON_ARRAY)
		return cprof__errf(err, errlen,
				   "not a trace: want a JSON object with a \"traceEvents\" array "
				   "(Chrome's trace-event format), or an array of events");
	sum s = {0};
	for (size_t i = 0; i < evs->n && !s.oom; i++) {
		if (evs->v.kids[i].type != CPROF_JSON_OBJECT) {
			free(s.t);
			free(s.w);
			return cprof__errf(err, errlen, "not a trace: event %zu is not an object",
					   i + 1);
		}
		event(&s, &evs->v.kids[i]);
	}
	if (s.oom) {
		free(s.t);
		free(s.w);
		return cprof__errf(err, errlen, "out of memory");
	}
	print(&s, doc, top, out);
	free(s.t);
	free(s.w);
	return 0;
}
