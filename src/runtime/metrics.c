/*
 * metrics.c — /metrics: the process and the profiler as Prometheus series
 * (text exposition format 0.0.4).  Process series use the names of
 * Prometheus' own process collector (process_cpu_seconds_total...), so
 * dashboards made for other exporters read them; cprof's own are
 * cprof_*.  Exact counters and sampled estimates are named apart
 * (`..._estimate`).  Normal context (the HTTP thread).
 */
#include "compat.h"
#include "runtime/rt.h"
#include "base/buf.h"

#include <cprof.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void series(cprof__buf *b, const char *name, const char *type, const char *help, double v)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n%s %.15g\n", name, help,
			 name, type, name, v);
	if (n > 0 && (size_t)n < sizeof(line))
		cprof__buf_append(b, line, (size_t)n);
}

/* Fields of /proc/self/stat or /proc/self/task/TID/stat after the comm. */
typedef struct pstat {
	unsigned long long utime, stime, starttime, vsize;
	long long rss, threads;
} pstat;

static bool read_stat(const char *path, pstat *st)
{
	char b[1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return false;
	b[n] = 0;
	char *p = strrchr(b, ')'); /* the comm may hold spaces and parentheses */
	if (!p)
		return false;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice threads itreal
	 * starttime vsize rss */
	return sscanf(p + 2,
		      "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %lld "
		      "%*d %llu %llu %lld",
		      &st->utime, &st->stime, &st->threads, &st->starttime, &st->vsize,
		      &st->rss) == 6;
}

static double boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return 0;
	char line[256];
	double bt = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lf", &bt) == 1)
			break;
	fclose(f);
	return bt;
}

static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	long n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

/* CPU seconds of cprof's own threads (writer, service, HTTP). */
static double self_cpu(long tick)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 0;
	double s = 0;
	for (struct dirent *e; (e = readdir(d));) {
		long tid = strtol(e->d_name, NULL, 10);
		if (tid <= 0 || !cprof__internal_tid((pid_t)tid))
			continue;
		char path[64];
		pstat st;
		snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", tid);
		if (read_stat(path, &st))
			s += (double)(st.utime + st.stime) / (double)tick;
	}
	closedir(d);
	return s;
}

void cprof__metrics_write(cprof__buf *b)
{
	int was = cprof__own_enter();
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	pstat st;
	if (tick > 0 && page > 0 && read_stat("/proc/self/stat", &st)) {
		series(b, "process_cpu_seconds_total", "counter",
		       "Total user and system CPU time spent in seconds.",
		       (double)(st.utime + st.stime) / (double)tick);
		series(b, "process_resident_memory_bytes", "gauge",
		       "Resident memory size in bytes.", (double)st.rss * (double)page);
		series(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
		       (double)st.vsize);
		series(b, "process_start_time_seconds", "gauge",
		       "Start time of the process since unix epoch in seconds.",
		       boot_time() + (double)st.starttime / (double)tick);
		series(b, "process_threads", "gauge", "Number of OS threads in the process.",
		       (double)st.threads);
	}
	long fds = count_fds();
	if (fds >= 0)
		series(b, "process_open_fds", "gauge", "Number of open file descriptors.",
		       (double)fds);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		series(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
		       (double)rl.rlim_cur);

	struct cprof_alloc_stats as = CPROF_ALLOC_STATS_INIT;
	if (cprof_alloc_stats(&as) == 0) {
		series(b, "cprof_heap_allocs_total", "counter",
		       "Calls that asked the allocator for memory, counted exactly.",
		       (double)as.allocs);
		series(b, "cprof_heap_frees_total", "counter",
		       "Frees of non-NULL pointers (realloc moves included), counted exactly.",
		       (double)as.frees);
		series(b, "cprof_heap_allocated_bytes_total", "counter",
		       "Bytes requested from the allocator, counted exactly.",
		       (double)as.bytes_allocated);
		series(b, "cprof_heap_inuse_objects", "gauge",
		       "Objects allocated and not freed (allocs minus frees), counted exactly.",
		       as.allocs > as.frees ? (double)(as.allocs - as.frees) : 0);
	}
	int64_t h[4];
	if (cprof__heap_estimates(h)) {
		series(b, "cprof_heap_inuse_bytes_estimate", "gauge",
		       "Bytes in use, estimated from the heap profile's samples.", (double)h[3]);
		series(b, "cprof_heap_inuse_objects_estimate", "gauge",
		       "Objects in use, estimated from the heap profile's samples.", (double)h[2]);
	}
	uint64_t samples, lost;
	bool on = cprof__cpu_counts(&samples, &lost);
	series(b, "cprof_cpu_profiling", "gauge", "1 while a CPU profile is being taken.",
	       on ? 1 : 0);
	series(b, "cprof_cpu_samples", "gauge", "Samples taken by the running CPU profile.",
	       (double)samples);
	series(b, "cprof_cpu_lost_samples", "gauge",
	       "Samples the running CPU profile lost (sample buffer full).", (double)lost);
	if (tick > 0)
		series(b, "cprof_self_cpu_seconds_total", "counter",
		       "CPU time of cprof's own threads (profile writing, serving) in seconds.",
		       self_cpu(tick));
	static const struct {
		int kind;
		const char *count, *delay;
	} cont[] = {
		{CPROF__SP_MUTEX, "cprof_mutex_contentions_total",
		 "cprof_mutex_delay_seconds_total"},
		{CPROF__SP_BLOCK, "cprof_block_events_total", "cprof_block_delay_seconds_total"},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cont); i++) {
		int64_t v0, v1;
		cprof__stackprof_totals(cont[i].kind, &v0, &v1);
		series(b, cont[i].count, "counter",
		       i ? "Blocking events in the block profile (scaled as its samples)."
			 : "Lock contentions in the mutex profile (scaled as its samples).",
		       (double)v0);
		series(b, cont[i].delay, "counter",
		       i ? "Time blocked in the block profile, in seconds."
			 : "Time waited for contended locks in the mutex profile, in seconds.",
		       (double)v1 / 1e9);
	}
	cprof__own_leave(was);
}
