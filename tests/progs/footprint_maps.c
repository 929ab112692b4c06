/* footprint_maps PROFILE: what libcprof keeps mapped, and how big its
 * threads' stacks are.  Run with libcprof preloaded and no CPROF_* variable;
 * the profile is started and stopped through the API (found with dlsym, so
 * that this program does not link libcprof).  Prints:
 *   before: MAPPED-LIBS           libraries of interest mapped before a profile
 *   thread TID stack KB           each thread the profile started, while it runs
 *   after: MAPPED-LIBS            the same, once the profile is written
 * MAPPED-LIBS is a space-separated list of libdw, libelf, libdebuginfod,
 * libcurl, or "none".  Exit 0, or 1 with a message on stderr. */
#include <dirent.h>
#include <stdbool.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void mapped(const char *when)
{
	static const char *const libs[] = {"libdw", "libelf", "libdebuginfod", "libcurl"};
	int seen[4] = {0};
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f) {
		perror("/proc/self/maps");
		exit(1);
	}
	while (fgets(line, sizeof(line), f)) {
		const char *base = strrchr(line, '/');
		for (int i = 0; base && i < 4; i++)
			if (!strncmp(base + 1, libs[i], strlen(libs[i])) &&
			    (base[1 + strlen(libs[i])] == '.' || base[1 + strlen(libs[i])] == '-'))
				seen[i] = 1;
	}
	fclose(f);
	printf("%s:", when);
	int any = 0;
	for (int i = 0; i < 4; i++)
		if (seen[i]) {
			printf(" %s", libs[i]);
			any = 1;
		}
	printf("%s\n", any ? "" : " none");
}

/* The size in KB of the mapping holding addr, with the guard page below it
 * if there is one. */
static unsigned long stack_kb(unsigned long addr)
{
	char line[4096];
	unsigned long prev_lo = 0, prev_hi = 0, kb = 0;
	char prev_perm[8] = "";
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perm[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3)
			continue;
		if (addr >= lo && addr < hi) {
			kb = (hi - lo) >> 10;
			if (prev_hi == lo && !strcmp(prev_perm, "---p"))
				kb += (prev_hi - prev_lo) >> 10;
			break;
		}
		prev_lo = lo;
		prev_hi = hi;
		strcpy(prev_perm, perm);
	}
	fclose(f);
	return kb;
}

/* Threads that exist before the profile starts (a sanitizer's own) are
 * not cprof's. */
static int before[64], nbefore;

static void note_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (atoi(e->d_name) > 0 && nbefore < 64)
			before[nbefore++] = atoi(e->d_name);
	if (d)
		closedir(d);
}

static void threads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d) {
		perror("/proc/self/task");
		exit(1);
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		int tid = atoi(e->d_name);
		if (tid <= 0 || tid == getpid())
			continue;
		bool old = false;
		for (int i = 0; i < nbefore; i++)
			old = old || before[i] == tid;
		/* cprof names its threads; a sanitizer's (TSan starts one with
		 * the first thread) are not cprof's. */
		char cpath[64], comm[32] = "";
		snprintf(cpath, sizeof(cpath), "/proc/self/task/%d/comm", tid);
		FILE *cf = fopen(cpath, "r");
		if (cf) {
			if (!fgets(comm, sizeof(comm), cf))
				comm[0] = 0;
			fclose(cf);
		}
		if (old || strcmp(comm, "cprof\n") != 0)
			continue;
		/* A thread blocked in a system call shows its stack pointer in
		 * /proc/.../syscall ("NR args... sp pc"); retry while it runs. */
		unsigned long sp = 0;
		for (int tries = 0; tries < 200 && !sp; tries++) {
			char path[64], buf[512];
			snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
			FILE *f = fopen(path, "r");
			if (!f)
				break;
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = 0;
			char *w[9];
			int nw = 0;
			for (char *t = strtok(buf, " \n"); t && nw < 9; t = strtok(NULL, " \n"))
				w[nw++] = t;
			if (nw == 9)
				sp = strtoul(w[7], NULL, 16);
			else {
				struct timespec ts = {0, 5000000};
				nanosleep(&ts, NULL);
			}
		}
		if (!sp) {
			fprintf(stderr, "thread %d: no stack pointer\n", tid);
			exit(1);
		}
		printf("thread %d stack %lu KB\n", tid, stack_kb(sp));
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: footprint_maps PROFILE\n");
		return 2;
	}
	int (*start)(const char *, int) = (int (*)(const char *, int))dlsym(RTLD_DEFAULT, "cprof_cpu_start");
	int (*stop)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "cprof_cpu_stop");
	if (!start || !stop) {
		fprintf(stderr, "libcprof is not preloaded\n");
		return 1;
	}
	mapped("before");
	note_threads();
	if (start(argv[1], 1000) != 0) {
		fprintf(stderr, "cprof_cpu_start failed\n");
		return 1;
	}
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 50000000; i++)
		x += i;
	threads();
	if (stop() != 0) {
		fprintf(stderr, "cprof_cpu_stop failed\n");
		return 1;
	}
	mapped("after");
	return 0;
}
