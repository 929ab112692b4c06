/*
 * cmd_live.c — `cprof web http://HOST:PORT/`: a live dashboard of a running
 * program that serves /debug/pprof and /metrics (libcprof's CPROF_HTTP, or
 * a Go server).  docs/HTTP.md, "Live dashboard", describes what users see.
 *
 * Three threads besides main:
 *  - the metrics poller reads the program's /metrics every -interval seconds
 *    and appends a point (CPU seconds, RSS, heap in use, threads) to a
 *    bounded ring;
 *  - the profiler fetches /debug/pprof/profile?seconds=N back to back and
 *    renders each window with the flame graph code (report/flame.h): the
 *    rolling flame graph;
 *  - libmicrohttpd's threads serve the page (live_assets.c), its JSON
 *    (/api/live, /api/status) and the last window (/flame).
 * A snapshot (/snapshot?kind=heap...) fetches that profile into a private
 * temporary directory and opens it in the usual per-profile views: a child
 * `cprof web -http=127.0.0.1:0 FILE` (cmd_web.c, unchanged), to which the
 * browser is redirected.  Children die with us (PR_SET_PDEATHSIG) and are
 * stopped and reaped on exit.
 * The target going away is a state shown on the page, never an error of
 * ours: both pollers retry until SIGINT/SIGTERM, which main waits for.
 */
#include "compat.h"
#include "cli/cli.h"
#include "cli/fetch.h"
#include "cli/lazylib.h"
#include "cli/live.h"
#include "cli/mhd.h"
#include "base/buf.h"
#include "base/escape.h"
#include "profile/profile.h"
#include "report/flame.h"
#include "report/report.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* One reading of the program's /metrics.  NAN: the series was absent. */
typedef struct point {
	uint64_t seq;   /* 1, 2, ... in the order taken */
	double t;       /* Unix seconds */
	double cpu;     /* process_cpu_seconds_total */
	double rate;    /* CPU seconds per second since the previous point (cores) */
	double rss;     /* process_resident_memory_bytes */
	double heap;    /* cprof_heap_inuse_bytes_estimate (heap sampling on) */
	double threads; /* process_threads */
} point;

#define MAX_POINTS 36000 /* -history / -interval is capped here */
#define MAX_SNAPS 16     /* snapshot viewers alive at once; the oldest goes */
#define MAX_METRICS ((size_t)4 << 20)
#define MAX_PROFILE ((size_t)256 << 20)

typedef struct snap {
	pid_t pid;     /* the child cprof web; 0: slot free */
	int out;       /* its stdout (kept open: it may still write) */
	char kind[16]; /* heap, cpu, ... */
	char file[512];
	char url[128];
	double t;
	unsigned id;
	bool shown; /* listed on the page (under L.mu; the rest is fixed then) */
} snap;

static struct {
	/* Fixed after start. */
	char base[512]; /* scheme://host:port of the target */
	char metrics_url[600];
	char profile_url[640];
	char dir[256];   /* private temporary directory */
	char self[4096]; /* /proc/self/exe, for the snapshot viewers */
	int seconds;     /* the CPU window */
	double interval; /* between /metrics reads */
	bool any_client;
	sigset_t oldmask; /* the mask we started with, for children */
	atomic_bool stop;
	pthread_mutex_t mu;  /* everything below */
	pthread_cond_t wake; /* signalled on stop */
	point *ring;
	size_t cap, n, head; /* ring: n points, the oldest at head */
	uint64_t seq;
	bool connected, ever; /* the program answers; it did once */
	bool metrics;         /* ...with the series we chart */
	char error[400];      /* why the last /metrics read failed */
	double last_ok;
	double cpu_prev, t_prev; /* for rate; NAN after a failure */
	/* the rolling flame graph */
	char *flame;
	size_t flame_len;
	uint64_t flame_gen;
	double flame_t;  /* when its window ended */
	bool flame_busy; /* a window is being taken */
	char flame_err[400];
	bool have_window; /* dir/cpu-window.pb.gz holds the last window */
	snap snaps[MAX_SNAPS];
	unsigned snap_ids;
	/* Serialises snapshots (children, files); taken before mu, never
	 * inside it.  The page lists snaps[] under mu through .shown. */
	pthread_mutex_t snap_mu;
} L = {.mu = PTHREAD_MUTEX_INITIALIZER, .snap_mu = PTHREAD_MUTEX_INITIALIZER};

static double now_unix(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep up to sec seconds, or until stop.  True if stopping. */
static bool nap(double sec)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + sec;
	ts.tv_sec = (time_t)end;
	ts.tv_nsec = (long)((end - (double)ts.tv_sec) * 1e9);
	pthread_mutex_lock(&L.mu);
	while (!atomic_load(&L.stop))
		if (pthread_cond_timedwait(&L.wake, &L.mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&L.mu);
	return atomic_load(&L.stop);
}

/* The value of the sample "name value" or "name{...} value" in Prometheus
 * text (the first one), or NAN. */
static double metric(const char *text, const char *name)
{
	size_t nl = strlen(name);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, name, nl) || (l[nl] != ' ' && l[nl] != '{'))
			continue;
		const char *v = l + nl;
		if (*v == '{') {
			v = strchr(v, '}');
			if (!v)
				return NAN;
			v++;
		}
		char *end;
		double d = strtod(v, &end);
		return end == v ? NAN : d;
	}
	return NAN;
}

static void *metrics_thread(void *arg)
{
	(void)arg;
	cprof__buf b;
	while (!atomic_load(&L.stop)) {
		cprof__buf_init(&b, MAX_METRICS);
		char err[400];
		long tmo = (long)(L.interval * 1000) + 4000;
		int rc = cprof__fetch_url_stoppable(L.metrics_url, tmo, &L.stop, &b, err,
						    sizeof(err));
		/* A program that answers without the series (a Go server with
		 * net/http/pprof alone: 404) is up: the flame graph and
		 * snapshots work, the charts stay empty and the page says why. */
		bool up = rc == 0 || !strncmp(err, "server response:", 16);
		if (rc == 0)
			cprof__buf_append(&b, "", 1); /* a C string */
		if (rc == 0 && cprof__buf_failed(&b))
			rc = cprof__errf(err, sizeof(err), "/metrics: response too large");
		double cpu = NAN;
		if (rc == 0) {
			cpu = metric((const char *)b.data, "process_cpu_seconds_total");
			if (isnan(cpu))
				cprof__errf(err, sizeof(err),
					    "/metrics has no process_cpu_seconds_total");
		}
		if (rc == 0 && isnan(cpu))
			rc = -1;
		double t = now_unix();
		pthread_mutex_lock(&L.mu);
		if (rc == 0) {
			point p = {.seq = ++L.seq,
				   .t = t,
				   .cpu = cpu,
				   .rate = NAN,
				   .rss = metric((const char *)b.data,
						 "process_resident_memory_bytes"),
				   .heap = metric((const char *)b.data,
						  "cprof_heap_inuse_bytes_estimate"),
				   .threads = metric((const char *)b.data, "process_threads")};
			/* A restarted program's counter starts again: no rate across. */
			if (!isnan(L.cpu_prev) && cpu >= L.cpu_prev && t > L.t_prev)
				p.rate = (cpu - L.cpu_prev) / (t - L.t_prev);
			L.cpu_prev = cpu;
			L.t_prev = t;
			L.ring[(L.head + L.n) % L.cap] = p;
			if (L.n < L.cap)
				L.n++;
			else
				L.head = (L.head + 1) % L.cap;
			L.connected = L.ever = L.metrics = true;
			L.last_ok = t;
			L.error[0] = 0;
		} else if (!atomic_load(&L.stop)) {
			if (L.connected != up || L.metrics || !L.error[0])
				fprintf(stderr, "cprof: web: %s: %s (retrying)\n",
					up ? L.metrics_url : L.base, err);
			L.connected = up;
			L.ever |= up;
			L.metrics = false;
			if (up)
				L.last_ok = t;
			L.cpu_prev = NAN;
			snprintf(L.error, sizeof(L.error), "%s", err);
		}
		pthread_mutex_unlock(&L.mu);
		cprof__buf_free(&b);
		nap(L.interval);
	}
	return NULL;
}

/* Write n bytes to dir/name, whole (a temporary renamed over it).  0 or -1
 * with err. */
static int write_file(const char *name, const void *data, size_t n, char *err, size_t errlen)
{
	char path[600], tmp[620];
	snprintf(path, sizeof(path), "%s/%s", L.dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return cprof__errf(err, errlen, "%s: %s", tmp, strerror(errno));
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			return cprof__errf(err, errlen, "%s: %s", tmp, strerror(e));
		}
		p += w, n -= (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return cprof__errf(err, errlen, "%s: %s", path, strerror(e));
	}
	return 0;
}

/* The flame graph page of the profile file path, as `cprof flame --html`
 * makes it.  Returns malloc'ed HTML (*len) or NULL with err. */
static char *render_flame(const char *path, size_t *len, char *err, size_t errlen)
{
	char *argv[] = {"web", (char *)path, NULL};
	cprof__profile p;
	cprof__profile_init(&p);
	const char *output = NULL;
	int status = 0;
	cprof__report *r =
		cprof__cli_report_open(2, argv, CPROF_FMT_TREE, NULL, &p, &output, &status);
	char *html = NULL;
	*len = 0;
	if (!r) {
		cprof__errf(err, errlen, "could not read the CPU profile (see cprof's stderr)");
	} else {
		FILE *f = open_memstream(&html, len);
		cprof__flame_opts o;
		cprof__flame_opts_init(&o);
		char title[64];
		snprintf(title, sizeof(title), "CPU, last %d s", L.seconds);
		o.title = title;
		int rc = f ? cprof__report_flame_html(r, &o, f, NULL, err, errlen)
			   : cprof__errf(err, errlen, "out of memory");
		if (f && fclose(f) != 0 && rc == 0)
			rc = cprof__errf(err, errlen, "out of memory");
		if (rc < 0) {
			free(html);
			html = NULL;
		}
		cprof__report_free(r);
	}
	cprof__profile_free(&p);
	return html;
}

static void *profile_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&L.stop)) {
		pthread_mutex_lock(&L.mu);
		L.flame_busy = true;
		pthread_mutex_unlock(&L.mu);
		cprof__buf b;
		cprof__buf_init(&b, MAX_PROFILE);
		char err[400] = "";
		int rc = cprof__fetch_url_stoppable(L.profile_url, L.seconds * 1000L + 15000,
						    &L.stop, &b, err, sizeof(err));
		if (atomic_load(&L.stop)) {
			cprof__buf_free(&b);
			break;
		}
		double t = now_unix();
		char *html = NULL;
		size_t len = 0;
		if (rc == 0)
			rc = write_file("cpu-window.pb.gz", b.data, b.len, err, sizeof(err));
		cprof__buf_free(&b);
		if (rc == 0) {
			char path[600];
			snprintf(path, sizeof(path), "%s/cpu-window.pb.gz", L.dir);
			html = render_flame(path, &len, err, sizeof(err));
			rc = html ? 0 : -1;
		}
		pthread_mutex_lock(&L.mu);
		L.flame_busy = false;
		if (rc == 0) {
			free(L.flame);
			L.flame = html;
			L.flame_len = len;
			L.flame_gen++;
			L.flame_t = t;
			L.flame_err[0] = 0;
			L.have_window = true;
		} else {
			snprintf(L.flame_err, sizeof(L.flame_err), "%s", err);
		}
		pthread_mutex_unlock(&L.mu);
		/* Back to back while it works; a pause before retrying when not
		 * (target down, or a CPU profile already running there). */
		if (rc != 0 && nap(2 + L.interval))
			break;
	}
	return NULL;
}

/* --- the dashboard's HTTP side --- */

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	cprof__json_escape(f, s, strlen(s));
	fputc('"', f);
}

static void jnum(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.17g", v);
}

/* The state as JSON; with points, those after seq since. */
static void state_json(FILE *f, bool points, uint64_t since)
{
	pthread_mutex_lock(&L.mu);
	fputs("{\"target\":", f);
	jstr(f, L.base);
	fprintf(f, ",\"state\":\"%s\",\"metrics\":%s,\"error\":",
		L.connected ? "connected"
		: L.ever    ? "disconnected"
			    : "connecting",
		L.metrics ? "true" : "false");
	jstr(f, L.error);
	fputs(",\"now\":", f);
	jnum(f, now_unix());
	fputs(",\"last_ok\":", f);
	jnum(f, L.ever ? L.last_ok : NAN);
	fprintf(f, ",\"interval\":%g,\"seconds\":%d,\"capacity\":%zu,\"seq\":%llu", L.interval,
		L.seconds, L.cap, (unsigned long long)L.seq);
	fprintf(f, ",\"flame\":{\"gen\":%llu,\"state\":\"%s\",\"time\":",
		(unsigned long long)L.flame_gen,
		L.flame_err[0]                 ? "error"
		: L.flame_busy && !L.flame_gen ? "profiling"
					       : "ready");
	jnum(f, L.flame_gen ? L.flame_t : NAN);
	fputs(",\"error\":", f);
	jstr(f, L.flame_err);
	fputs("}", f);
	fputs(",\"snapshots\":[", f);
	bool first = true;
	for (size_t k = 0; k < MAX_SNAPS; k++) {
		const snap *s = &L.snaps[k];
		if (!s->shown)
			continue;
		fprintf(f, "%s{\"id\":%u,\"kind\":", first ? "" : ",", s->id);
		jstr(f, s->kind);
		fputs(",\"url\":", f);
		jstr(f, s->url);
		fputs(",\"time\":", f);
		jnum(f, s->t);
		fputs("}", f);
		first = false;
	}
	fputs("]", f);
	if (points) {
		/* [seq, t, cpu seconds, cpu rate, rss, heap, threads] */
		fputs(",\"columns\":[\"seq\",\"time\",\"cpu_seconds\",\"cpu_rate\","
		      "\"rss_bytes\",\"heap_inuse_bytes\",\"threads\"],\"points\":[",
		      f);
		first = true;
		for (size_t k = 0; k < L.n; k++) {
			const point *p = &L.ring[(L.head + k) % L.cap];
			if (p->seq <= since)
				continue;
			fprintf(f, "%s[%llu,", first ? "" : ",", (unsigned long long)p->seq);
			double v[] = {p->t, p->cpu, p->rate, p->rss, p->heap, p->threads};
			for (size_t j = 0; j < CPROF_ARRAY_LEN(v); j++) {
				if (j)
					fputc(',', f);
				jnum(f, v[j]);
			}
			fputc(']', f);
			first = false;
		}
		fputc(']', f);
	}
	pthread_mutex_unlock(&L.mu);
	fputs("}\n", f);
}

/* Stop and reap a snapshot viewer (snap_mu held). */
static void snap_end(snap *s)
{
	pthread_mutex_lock(&L.mu);
	s->shown = false;
	pthread_mutex_unlock(&L.mu);
	if (!s->pid)
		return;
	kill(s->pid, SIGTERM);
	/* cprof web exits at once on SIGTERM; SIGKILL if it does not. */
	for (int i = 0; i < 50 && waitpid(s->pid, NULL, WNOHANG) == 0; i++)
		usleep(100 * 1000);
	if (waitpid(s->pid, NULL, WNOHANG) == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	close(s->out);
	unlink(s->file);
	s->pid = 0;
}

/* Start `cprof web -http=127.0.0.1:0 FILE` on the snapshot s->file and read
 * the URL it prints.  0, or -1 with err (snap_mu held). */
static int snap_view(snap *s, char *err, size_t errlen)
{
	int pfd[2];
	char errpath[600];
	snprintf(errpath, sizeof(errpath), "%s.err", s->file);
	int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (efd < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		if (efd >= 0)
			close(efd);
		return cprof__errf(err, errlen, "cannot start cprof web: %s", strerror(errno));
	}
	/* Everything the child needs is made before fork: only
	 * async-signal-safe calls between fork and exec (we have threads). */
	char *args[] = {L.self, "web", "-http=127.0.0.1:0", s->file, NULL};
	size_t ne = 0;
	while (environ[ne])
		ne++;
	char **env = calloc(ne + 1, sizeof(char *));
	if (!env) {
		close(efd), close(pfd[0]), close(pfd[1]);
		return cprof__errf(err, errlen, "out of memory");
	}
	size_t k = 0;
	for (size_t i = 0; i < ne; i++) /* the browser is already on our page */
		if (strncmp(environ[i], "BROWSER=", 8))
			env[k++] = environ[i];
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(efd, 2);
		sigprocmask(SIG_SETMASK, &L.oldmask, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		execve(L.self, args, env);
		_exit(127);
	}
	int fe = errno;
	free(env);
	close(pfd[1]);
	close(efd);
	if (pid < 0) {
		close(pfd[0]);
		return cprof__errf(err, errlen, "cannot start cprof web: %s", strerror(fe));
	}
	s->pid = pid;
	s->out = pfd[0];
	/* "Serving web UI on URL\n", within 60 s (a sanitizer build is slow). */
	char line[256];
	size_t got = 0;
	for (int waited = 0; waited < 600 && got < sizeof(line) - 1 && !atomic_load(&L.stop);) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int r = poll(&p, 1, 100);
		if (r == 0) {
			waited++;
			continue;
		}
		ssize_t n = r > 0 ? read(pfd[0], line + got, sizeof(line) - 1 - got) : -1;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		line[got] = 0;
		if (strchr(line, '\n'))
			break;
	}
	line[got] = 0;
	const char *u = strstr(line, "Serving web UI on ");
	if (!u || !strchr(u, '\n')) {
		/* Say why: the first line the child wrote on stderr. */
		char why[300] = "";
		FILE *ef = fopen(errpath, "r");
		if (!ef || !fgets(why, sizeof(why), ef))
			snprintf(why, sizeof(why), "cprof web printed no URL");
		if (ef)
			fclose(ef);
		why[strcspn(why, "\n")] = 0;
		snap_end(s);
		unlink(errpath);
		return cprof__errf(err, errlen, "cannot open the %s snapshot: %s", s->kind, why);
	}
	u += strlen("Serving web UI on ");
	snprintf(s->url, sizeof(s->url), "%.*s", (int)strcspn(u, "\n"), u);
	unlink(errpath);
	return 0;
}

static const char *const kinds[] = {"cpu",   "heap",      "allocs",      "mutex",
				    "block", "goroutine", "threadcreate"};

/* /snapshot?kind=K: fetch profile K (cpu: the rolling window's last
 * complete one), open it in a cprof web of its own, redirect there. */
static enum MHD_Result snapshot(struct MHD_Connection *c, const char *kind)
{
	bool known = false;
	for (size_t k = 0; k < CPROF_ARRAY_LEN(kinds); k++)
		known |= kind && !strcmp(kind, kinds[k]);
	if (!known)
		return cprof__mhd_respond_text(
			c, 400,
			"cprof web: snapshot kind must be one of cpu, heap, allocs, "
			"mutex, block, goroutine, threadcreate\n");
	char err[600] = "";
	pthread_mutex_lock(&L.snap_mu);
	snap *s = NULL;
	for (size_t k = 0; k < MAX_SNAPS && !s; k++)
		if (!L.snaps[k].pid)
			s = &L.snaps[k];
	if (!s) { /* all busy: the oldest goes */
		s = &L.snaps[0];
		for (size_t k = 1; k < MAX_SNAPS; k++)
			if (L.snaps[k].id < s->id)
				s = &L.snaps[k];
		snap_end(s);
	}
	/* Not listed now (.shown false): its fields are ours to set. */
	s->pid = 0;
	s->out = -1;
	s->url[0] = 0;
	s->id = ++L.snap_ids;
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	snprintf(s->file, sizeof(s->file), "%s/%s-%u.pb.gz", L.dir, kind, s->id);
	s->t = now_unix();
	int rc = 0;
	if (!strcmp(kind, "cpu")) {
		/* The target runs one CPU profile at a time, and the rolling
		 * window is it: the snapshot is its last complete window. */
		char win[600];
		snprintf(win, sizeof(win), "%s/cpu-window.pb.gz", L.dir);
		pthread_mutex_lock(&L.mu);
		bool have = L.have_window;
		double t = L.flame_t;
		pthread_mutex_unlock(&L.mu);
		if (!have)
			rc = cprof__errf(
				err, sizeof(err),
				"no CPU profile window yet: the first %d s window is "
				"being taken from %s; try again when the flame graph shows",
				L.seconds, L.base);
		else if (link(win, s->file) < 0)
			rc = cprof__errf(err, sizeof(err), "%s: %s", s->file, strerror(errno));
		s->t = t;
	} else {
		char url[700];
		snprintf(url, sizeof(url), "%s/debug/pprof/%s", L.base, kind);
		cprof__buf b;
		cprof__buf_init(&b, MAX_PROFILE);
		char e[400];
		rc = cprof__fetch_url_stoppable(url, 60000, &L.stop, &b, e, sizeof(e));
		if (rc < 0)
			cprof__errf(err, sizeof(err), "cannot fetch %s: %s", url, e);
		else
			rc = write_file(strrchr(s->file, '/') + 1, b.data, b.len, err, sizeof(err));
		cprof__buf_free(&b);
	}
	if (rc == 0)
		rc = snap_view(s, err, sizeof(err));
	if (rc < 0) {
		unlink(s->file);
		s->pid = 0;
	}
	char loc[160];
	snprintf(loc, sizeof(loc), "%s", s->url);
	if (rc == 0) {
		pthread_mutex_lock(&L.mu);
		s->shown = true;
		pthread_mutex_unlock(&L.mu);
	}
	pthread_mutex_unlock(&L.snap_mu);
	if (rc < 0) {
		char msg[700];
		snprintf(msg, sizeof(msg), "cprof web: %s\n", err);
		fprintf(stderr, "cprof: web: %s\n", err);
		return cprof__mhd_respond_text(c, 502, msg);
	}
	char *body = NULL;
	if (asprintf(&body, "<!DOCTYPE html><a href=\"%s\">%s</a>\n", loc, loc) < 0)
		return MHD_NO;
	struct MHD_Response *r =
		cprof__mhd.create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	cprof__mhd.add_response_header(r, "Content-Type", "text/html; charset=utf-8");
	cprof__mhd.add_response_header(r, "Cache-Control", "no-store");
	cprof__mhd.add_response_header(r, "Location", loc);
	enum MHD_Result ret = cprof__mhd.queue_response(c, 303, r);
	cprof__mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)cls, (void)version, (void)upload, (void)upload_size, (void)con_cls;
	enum MHD_Result refused;
	if (cprof__mhd_refused(c, L.any_client, method, &refused))
		return refused;
	if (!strcmp(url, "/")) {
		char *b = strdup(cprof__live_html);
		return b ? cprof__mhd_respond(c, 200, "text/html; charset=utf-8", b, strlen(b))
			 : MHD_NO;
	}
	if (!strcmp(url, "/api/live") || !strcmp(url, "/api/status")) {
		const char *s =
			cprof__mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
		char *b = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&b, &n);
		if (!f)
			return MHD_NO;
		state_json(f, !strcmp(url, "/api/live"), s ? strtoull(s, NULL, 10) : 0);
		if (fclose(f) != 0) {
			free(b);
			return MHD_NO;
		}
		return cprof__mhd_respond(c, 200, "application/json", b, n);
	}
	if (!strcmp(url, "/flame")) {
		pthread_mutex_lock(&L.mu);
		char *b = L.flame ? malloc(L.flame_len + 1) : NULL;
		size_t n = L.flame_len;
		if (b)
			memcpy(b, L.flame, n);
		char msg[700];
		if (L.flame_err[0])
			snprintf(msg, sizeof(msg), "no CPU profile window: %s (retrying)",
				 L.flame_err);
		else
			snprintf(msg, sizeof(msg), "taking the first %d s CPU profile...",
				 L.seconds);
		pthread_mutex_unlock(&L.mu);
		if (b)
			return cprof__mhd_respond(c, 200, "text/html; charset=utf-8", b, n);
		char *h = NULL;
		size_t hn = 0;
		FILE *f = open_memstream(&h, &hn);
		if (!f)
			return MHD_NO;
		fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>"
		      ":root{color-scheme:light dark}body{font:14px system-ui,sans-serif;"
		      "margin:20px}</style></head><body><p id=\"wait\">",
		      f);
		cprof__html_escape(f, msg, strlen(msg));
		fputs("</p></body></html>\n", f);
		if (fclose(f) != 0) {
			free(h);
			return MHD_NO;
		}
		return cprof__mhd_respond(c, 200, "text/html; charset=utf-8", h, hn);
	}
	if (!strcmp(url, "/snapshot"))
		return snapshot(
			c, cprof__mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "kind"));
	return cprof__mhd_respond_text(c, 404, "not found\n");
}

/* --- the command --- */

static int usage(FILE *f, int status)
{
	fputs("usage: cprof web [-http HOST:PORT] [-seconds N] [-interval S] [-history S]\n"
	      "                 [-no_browser] http://HOST:PORT/\n"
	      "A live dashboard of a program serving /debug/pprof and /metrics (CPROF_HTTP):\n"
	      "CPU, heap and threads over time, a flame graph of the last CPU profile\n"
	      "window, and snapshots opened in the usual views.\n"
	      "  -http HOST:PORT  where to serve the dashboard (default 127.0.0.1, a free port)\n"
	      "  -seconds N       CPU profile window, seconds (default 10, 1..600)\n"
	      "  -interval S      time between /metrics reads, seconds (default 1, 0.2..60)\n"
	      "  -history S       seconds of series kept (default 600)\n"
	      "  -no_browser      accepted for pprof's sake: cprof web opens $BROWSER only\n"
	      "                   when it is set\n",
	      f);
	return status;
}

bool cprof__live_target(const char *arg)
{
	const char *rest = !strncmp(arg, "http://", 7)    ? arg + 7
			   : !strncmp(arg, "https://", 8) ? arg + 8
							  : NULL;
	if (!rest || !*rest || *rest == '/')
		return false;
	const char *path = strchr(rest, '/');
	if (!path)
		return true; /* http://host:port */
	return !strcmp(path, "/") || !strcmp(path, "/debug/pprof/") ||
	       !strcmp(path, "/debug/pprof");
}

/* Remove the files in our temporary directory, then it. */
static void cleanup_dir(void)
{
	if (!L.dir[0])
		return;
	DIR *d = opendir(L.dir);
	if (d) {
		for (struct dirent *e; (e = readdir(d));) {
			if (e->d_name[0] == '.')
				continue;
			char p[600];
			snprintf(p, sizeof(p), "%s/%s", L.dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(L.dir);
}

/* Flag values: "-name=V", "-name V" or "--name...".  Returns the value, or
 * NULL if argv[*i] is not -name; *bad set when the value is missing. */
static const char *flag(int argc, char **argv, int *i, const char *name, bool *bad)
{
	const char *a = argv[*i];
	if (a[0] != '-')
		return NULL;
	a += 1 + (a[1] == '-');
	size_t n = strlen(name);
	if (strncmp(a, name, n) || (a[n] && a[n] != '='))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	*bad = true;
	return NULL;
}

int cprof__cmd_live(int argc, char **argv)
{
	const char *http = NULL, *target = NULL;
	double seconds = 10, interval = 1, history = 600;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool bad = false;
		const char *v;
		if (!strcmp(a, "-h") || !strcmp(a, "-help") || !strcmp(a, "--help"))
			return usage(stdout, 0);
		if ((v = flag(argc, argv, &i, "http", &bad))) {
			http = v;
			continue;
		}
		/* The numeric flags: name, where, range. */
		static const struct {
			const char *name;
			double lo, hi;
		} nums[] = {{"seconds", 1, 600}, {"interval", 0.2, 60}, {"history", 10, 86400}};
		double *dst[] = {&seconds, &interval, &history};
		size_t k = 0;
		for (v = NULL; k < CPROF_ARRAY_LEN(nums) && !v && !bad; k++)
			v = flag(argc, argv, &i, nums[k].name, &bad);
		if (v) {
			k--;
			char *end;
			double d = strtod(v, &end);
			if (*end || end == v || !(d >= nums[k].lo && d <= nums[k].hi) ||
			    (k == 0 && d != (int)d)) {
				cprof__error("web: bad value \"%s\" for -%s: want %s from %g to %g",
					     v, nums[k].name, k == 0 ? "whole seconds" : "seconds",
					     nums[k].lo, nums[k].hi);
				return 2;
			}
			*dst[k] = d;
		} else if (bad) {
			cprof__error("web: flag needs an argument: %s", a);
			return 2;
		} else if (a[0] == '-' &&
			   (!strcmp(a + 1, "no_browser") || !strcmp(a, "--no_browser"))) {
			continue;
		} else if (a[0] == '-') {
			cprof__error("web: unknown flag %s for a live dashboard (a program's "
				     "http://HOST:PORT/); report options need a profile URL, as "
				     "http://HOST:PORT/debug/pprof/heap",
				     a);
			return 2;
		} else if (target) {
			cprof__error("web: one program at a time: %s and %s", target, a);
			return 2;
		} else {
			target = a;
		}
	}
	if (!target || !cprof__live_target(target)) {
		cprof__error("web: want the address of a program serving /debug/pprof, as "
			     "http://127.0.0.1:6060/");
		return usage(stderr, 2);
	}
	/* The target's scheme://host:port. */
	const char *hp = strstr(target, "://") + 3;
	size_t bl = (size_t)(hp - target) + strcspn(hp, "/");
	if (bl >= sizeof(L.base)) {
		cprof__error("web: address too long: %s", target);
		return 2;
	}
	snprintf(L.base, sizeof(L.base), "%.*s", (int)bl, target);
	snprintf(L.metrics_url, sizeof(L.metrics_url), "%s/metrics", L.base);
	L.seconds = (int)seconds;
	snprintf(L.profile_url, sizeof(L.profile_url), "%s/debug/pprof/profile?seconds=%d", L.base,
		 L.seconds);
	L.interval = interval;
	L.cap = (size_t)(history / interval) + 1;
	if (L.cap > MAX_POINTS)
		L.cap = MAX_POINTS;
	L.cpu_prev = NAN;
	ssize_t sl = readlink("/proc/self/exe", L.self, sizeof(L.self) - 1);
	if (sl <= 0 || (size_t)sl >= sizeof(L.self) - 1) {
		cprof__error("web: cannot find the cprof executable (/proc/self/exe)");
		return 1;
	}
	L.self[sl] = 0;
	char err[300];
	if (cprof__mhd_load("web") < 0)
		return 1;
	if (cprof__fetch_init(err, sizeof(err)) < 0) {
		cprof__error("web: %s", err);
		return 1;
	}
	L.ring = calloc(L.cap, sizeof(point));
	if (!L.ring) {
		cprof__error("out of memory");
		return 1;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(L.dir, sizeof(L.dir), "%s/cprof-live.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(L.dir)) {
		cprof__error("web: cannot make a temporary directory %s: %s", L.dir,
			     strerror(errno));
		L.dir[0] = 0;
		free(L.ring);
		return 1;
	}
	/* HOST:PORT, either part optional; default 127.0.0.1, a free port. */
	char host[256] = "127.0.0.1";
	long port = 0;
	if (http) {
		const char *colon = strrchr(http, ':');
		size_t hl = colon ? (size_t)(colon - http) : strlen(http);
		if (hl >= sizeof(host)) {
			cleanup_dir();
			return cprof__error("-http: host too long"), 2;
		}
		if (hl) {
			memcpy(host, http, hl);
			host[hl] = 0;
			L.any_client = strcmp(host, "localhost") && strcmp(host, "127.0.0.1") &&
				       strcmp(host, "[::1]");
		}
		if (colon && colon[1]) {
			char *end;
			port = strtol(colon + 1, &end, 10);
			if (*end || port < 0 || port > 65535) {
				cleanup_dir();
				return cprof__error("-http: bad port \"%s\"", colon + 1), 2;
			}
		}
	}
	size_t hl = strlen(host);
	bool v6 = host[0] == '[' && hl > 2 && host[hl - 1] == ']';
	char hbuf[256];
	snprintf(hbuf, sizeof(hbuf), "%.*s", v6 ? (int)hl - 2 : (int)hl, host + v6);
	struct addrinfo hints = {.ai_family = v6 ? AF_INET6 : AF_INET, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	if (getaddrinfo(!strcmp(hbuf, "localhost") ? "127.0.0.1" : hbuf, NULL, &hints, &ai) != 0 ||
	    !ai || ai->ai_addrlen > sizeof(struct sockaddr_storage)) {
		if (ai)
			freeaddrinfo(ai);
		cleanup_dir();
		return cprof__error("-http: cannot resolve \"%s\"", host), 2;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (v6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);

	/* SIGINT/SIGTERM are taken by main's sigwait: blocked before any thread
	 * starts (threads inherit the mask). */
	sigset_t stopsigs;
	sigemptyset(&stopsigs);
	sigaddset(&stopsigs, SIGINT);
	sigaddset(&stopsigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stopsigs, &L.oldmask);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&L.wake, &ca);
	pthread_condattr_destroy(&ca);
	int ret = 0;
	/* A pool: a snapshot being fetched must not hold up the page's polls. */
	struct MHD_Daemon *d = cprof__mhd.start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY |
			(v6 ? MHD_USE_IPv6 : 0),
		(uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &ss,
		MHD_OPTION_THREAD_POOL_SIZE, 4u, MHD_OPTION_CONNECTION_LIMIT, 64u,
		MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
	pthread_t mt, pt;
	bool mt_on = false, pt_on = false;
	if (!d) {
		cprof__error("web: cannot listen on %s:%ld: %s", host, port, strerror(errno));
		ret = 1;
		goto out;
	}
	mt_on = pthread_create(&mt, NULL, metrics_thread, NULL) == 0;
	pt_on = mt_on && pthread_create(&pt, NULL, profile_thread, NULL) == 0;
	if (!pt_on) {
		cprof__error("web: cannot start a thread");
		ret = 1;
		goto out;
	}
	const union MHD_DaemonInfo *di = cprof__mhd.get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = di ? di->port : (unsigned)port;
	char url[300];
	snprintf(url, sizeof(url), "http://%s:%u/", !strcmp(host, "0.0.0.0") ? "localhost" : host,
		 bound);
	printf("Live dashboard of %s\nServing web UI on %s\n", L.base, url);
	fflush(stdout);
	const char *browser = getenv("BROWSER");
	if (browser && *browser) {
		char *args[] = {(char *)browser, url, NULL};
		pid_t pid;
		posix_spawnattr_t attr;
		posix_spawnattr_init(&attr);
		posix_spawnattr_setsigmask(&attr, &L.oldmask);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
		if (posix_spawnp(&pid, browser, NULL, &attr, args, environ) != 0)
			cprof__error("cannot start $BROWSER (%s)", browser);
		posix_spawnattr_destroy(&attr);
	}
	int sig;
	while (sigwait(&stopsigs, &sig) != 0)
		;
out:
	pthread_mutex_lock(&L.mu);
	atomic_store(&L.stop, true);
	pthread_cond_broadcast(&L.wake);
	pthread_mutex_unlock(&L.mu);
	if (d)
		cprof__mhd.stop_daemon(d);
	if (mt_on)
		pthread_join(mt, NULL);
	if (pt_on)
		pthread_join(pt, NULL);
	pthread_mutex_lock(&L.snap_mu);
	for (size_t k = 0; k < MAX_SNAPS; k++)
		snap_end(&L.snaps[k]);
	pthread_mutex_unlock(&L.snap_mu);
	cleanup_dir();
	free(L.flame);
	free(L.ring);
	/* The mask stays: a second Ctrl-C now must not change our exit status. */
	return ret;
}
