/*
 * cpu.c — the CPU profiler: SIGPROF handler, sample ring, writer thread,
 * and the profile written at stop.
 *
 * Data path (docs/ARCHITECTURE.md has the picture):
 *   thread CPU timer → SIGPROF on that thread → on_sigprof() unwinds into a
 *   free slot of a preallocated ring (lock-free, multi-producer) → the writer
 *   thread drains the ring every 50 ms (sooner when half full) into a hash
 *   table of (stack, thread, label set) → cprof_cpu_stop() symbolises and
 *   writes a gzipped profile.proto.  The label set is the interrupted
 *   thread's current one (labels.c), read from TLS: one pointer.
 *
 * A signal that finds the ring full is counted (with its weight) and shows
 * up in the profile as the pseudo-function "cprof.lostProfileEvent".
 * Each sample weighs 1 + si_overrun periods: CPU clocks are checked on the
 * 250 Hz kernel tick, so at 1000 Hz one signal stands for ~4 periods
 * (../shared/reference/measured-here.md); weighting keeps the totals true.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "runtime/emit.h"
#include "runtime/threadsprof.h"
#include "base/hash.h"
#include "profile/profile.h"
#include "profile/symbolize.h"

#include <cprof.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RING_SLOTS_MIN 128 /* powers of two; CPROF_CPU_RING overrides */
#define RING_SLOTS_MAX 2048

typedef struct slot {
	_Atomic uint32_t state; /* 0 free, 1 being written, 2 ready */
	uint32_t depth;
	uint32_t weight;
	pid_t tid;
	char name[16];
	const cprof__labelset *labels; /* the thread's, when sampled */
	uintptr_t pcs[CPROF_MAX_DEPTH];
} slot;

typedef struct stack_ent {
	uint64_t hash;
	uint32_t depth;
	uint32_t label; /* index into labels */
	uint64_t weight;
	const cprof__labelset *set; /* the program's labels, interned */
	uintptr_t *pcs;
} stack_ent;

static struct {
	pthread_mutex_t lock; /* control: start/stop */
	bool running, stopping;
	/* The caller's descriptor (cprof_cpu_start_fd), -1 when writing to
	 * path: a path is opened only at the end (outfile.c), so a program that
	 * closes every descriptor cannot take ours. */
	int fd;
	dev_t fd_dev; /* what fd was at start: the program may close it */
	ino_t fd_ino;
	char path[4096];   /* absolute path written at stop; "" with fd */
	char family[4096]; /* forked children write family.PID; "" with fd */
	bool forked;       /* a forked child: writes nothing without samples */
	int hz;
	long period;
	int64_t t0_real, t0_mono;
	pthread_t writer;
	_Atomic int stop;
	_Atomic uint32_t wake; /* futex word */
	slot *ring;
	size_t nslots; /* power of two */
	_Atomic uint64_t head;
	_Atomic uint64_t tail; /* written by the writer only */
	_Atomic uint64_t lost;
	/* aggregation, writer thread only (then stop, after join) */
	stack_ent *tab;
	size_t ntab, captab;
	char (*labels)[24];
	size_t nlabels, caplabels;
	char comm[16];
	bool oom;
	bool proc_labels; /* CPROF_PROCESS_LABELS: pid and comm labels */
	pid_t pid;        /* process that started the profile */
	long stall_ms;    /* test hook: CPROF_TEST_STALL_WRITER_MS */
	/* CPU accounting for the samples that could not be taken (see
	 * build_and_write): the process's CPU at start, cprof's threads'. */
	int64_t t0_cpu, svc_cpu0, unsampled_ns;
	_Atomic int64_t writer_cpu;
} cpu = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

static _Atomic int cpu_on; /* read by the handler */

bool cprof__cpu_counts(uint64_t *samples, uint64_t *lost)
{
	bool on = atomic_load(&cpu_on) != 0;
	*samples = on ? atomic_load(&cpu.head) : 0;
	*lost = on ? atomic_load(&cpu.lost) : 0;
	return on;
}
static bool child_resume; /* set by the atfork child handler */
/* Handlers (and exit tails) between their cpu_on check and their last touch
 * of the ring.  With cpu_on, a Dekker handshake (both seq_cst): a stopper
 * that cleared cpu_on and then sees zero here knows no one will touch the
 * ring again, so it may be unmapped. */
static _Atomic int cpu_users;
_Atomic unsigned cprof__cpu_gen; /* bumped at every start */

static CPROF_TLS char tls_name[16];
static CPROF_TLS uint32_t tls_name_age;

static void wake_writer(void) /* async-signal-safe */
{
	atomic_store(&cpu.wake, 1);
	syscall(SYS_futex, &cpu.wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Claim a ring slot; NULL (and the weight counted as lost) when full.
 * async-signal-safe */
static slot *claim(uint32_t weight)
{
	uint64_t h = atomic_load_explicit(&cpu.head, memory_order_relaxed);
	for (;;) {
		slot *s = &cpu.ring[h & (cpu.nslots - 1)];
		if (atomic_load_explicit(&s->state, memory_order_acquire) != 0) {
			/* A stale head (another handler claimed slot h since we read
			 * it) is not a full ring: only the slot at the current head
			 * being busy is. */
			uint64_t now = atomic_load_explicit(&cpu.head, memory_order_relaxed);
			if (now != h) {
				h = now;
				continue;
			}
			atomic_fetch_add(&cpu.lost, weight);
			wake_writer();
			return NULL;
		}
		if (atomic_compare_exchange_weak(&cpu.head, &h, h + 1)) {
			atomic_store_explicit(&s->state, 1, memory_order_relaxed);
			return s;
		}
	}
}

/* async-signal-safe */
static void record(siginfo_t *si, void *uc)
{
	uint32_t weight = 1 + (uint32_t)(si->si_overrun > 0 ? si->si_overrun : 0);
	if (cprof__tail.gen == atomic_load_explicit(&cprof__cpu_gen, memory_order_relaxed))
		cprof__tail.delivered += weight;
	slot *s = claim(weight);
	if (!s)
		return;
	uint64_t h = atomic_load_explicit(&cpu.head, memory_order_relaxed);
	s->weight = weight;
	s->tid = cprof__gettid();
	/* The thread's name: a syscall, so refreshed every 64th sample only. */
	if ((tls_name_age++ & 63) == 0)
		prctl(PR_GET_NAME, tls_name, 0, 0, 0);
	memcpy(s->name, tls_name, sizeof(s->name));
	s->labels = cprof__labels_cur;
	s->depth = (uint32_t)cprof__unwind_uc(uc, s->pcs, CPROF_MAX_DEPTH);
	if (cprof__tail.gen == atomic_load_explicit(&cprof__cpu_gen, memory_order_relaxed) &&
	    cprof__tail.last) {
		uint32_t n = s->depth < CPROF_TAIL_DEPTH ? s->depth : CPROF_TAIL_DEPTH;
		memcpy(cprof__tail.last, s->pcs, n * sizeof(uintptr_t));
		cprof__tail.nlast = n;
		cprof__tail.labels = s->labels;
	}
	atomic_store_explicit(&s->state, 2, memory_order_release);
	if (h - atomic_load_explicit(&cpu.tail, memory_order_relaxed) >= cpu.nslots / 2)
		wake_writer();
	cprof__trace_sample(NULL, s->pcs, s->depth, weight); /* the execution trace's copy */
}

void cprof__cpu_record_tail(uint64_t weight, const uintptr_t *pcs, uint32_t n)
{
	if (!n || weight > UINT32_MAX)
		return;
	atomic_fetch_add(&cpu_users, 1);
	cprof__in_rt++;
	slot *s = atomic_load(&cpu_on) ? claim((uint32_t)weight) : NULL;
	if (s) {
		s->weight = (uint32_t)weight;
		s->tid = cprof__gettid();
		prctl(PR_GET_NAME, s->name, 0, 0, 0);
		s->labels = cprof__tail.labels;
		memcpy(s->pcs, pcs, n * sizeof(uintptr_t));
		s->depth = n;
		atomic_store_explicit(&s->state, 2, memory_order_release);
	}
	cprof__in_rt--;
	atomic_fetch_sub(&cpu_users, 1);
}

/* async-signal-safe */
bool cprof__sigprof_is_ours(const siginfo_t *si)
{
	if (si->si_code == SI_TIMER)
		return si->si_value.sival_ptr == CPROF_TIMER_COOKIE ||
		       si->si_value.sival_ptr == CPROF_WATCHDOG_COOKIE;
	if (si->si_code == SI_QUEUE)
		return (si->si_value.sival_ptr == CPROF_PARK_COOKIE ||
			si->si_value.sival_ptr == CPROF_THREADS_COOKIE) &&
		       si->si_pid == getpid();
	return cprof__timers_fallback() && si->si_code == SI_KERNEL;
}

/* async-signal-safe.  A sigwait took one of our signals: a timer's sample
 * is dropped; a park parks the thread here (a safe point). */
void cprof__sigprof_consumed(const siginfo_t *si)
{
	if (si->si_code == SI_QUEUE && si->si_value.sival_ptr == CPROF_THREADS_COOKIE &&
	    !cprof__fatal_parking())
		cprof__threads_sigprof(NULL); /* answer from the sigwait */
	else if (si->si_code == SI_QUEUE || cprof__fatal_parking())
		cprof__fatal_sigprof(si, NULL);
}

/* async-signal-safe */
static void on_sigprof(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	if (cprof__sigprof_is_ours(si)) {
		bool sample =
			si->si_code == SI_KERNEL ||
			(si->si_code == SI_TIMER && si->si_value.sival_ptr == CPROF_TIMER_COOKIE);
		if (si->si_code == SI_QUEUE && si->si_value.sival_ptr == CPROF_THREADS_COOKIE &&
		    !cprof__fatal_parking()) {
			cprof__threads_sigprof(uc); /* a threads profile asks for the stack */
		} else if (!sample || cprof__fatal_parking()) {
			cprof__fatal_sigprof(si, uc); /* parks, or returns to be retried */
		} else {
			atomic_fetch_add(&cpu_users, 1);
			if (atomic_load(&cpu_on))
				record(si, uc);
			else /* the timers run for the execution trace alone */
				cprof__trace_sample(
					uc, NULL, 0,
					1 + (uint32_t)(si->si_overrun > 0 ? si->si_overrun : 0));
			atomic_fetch_sub(&cpu_users, 1);
		}
	} else if (!cprof__sigprof_bounce(si, uc)) {
		cprof__sigprof_forward(sig, si, uc);
	}
	errno = saved;
}

/* cprof's SIGPROF handler, for the fatal-signal parking of a heap-only run. */
int cprof__cpu_sigprof_take(void)
{
	return cprof__sigprof_take(on_sigprof);
}

static uint64_t hash_stack(const uintptr_t *pcs, uint32_t n, uint32_t label,
			   const cprof__labelset *set)
{
	uint64_t h = cprof__hash_step(0x9e3779b97f4a7c15ULL ^ label, (uintptr_t)set);
	for (uint32_t i = 0; i < n; i++)
		h = cprof__hash_step(h, pcs[i]);
	return h | 1; /* 0 marks an empty bucket */
}

static uint32_t label_for(const slot *s)
{
	char lab[24];
	/* Threads that kept the process's name are told apart by id. */
	if (s->name[0] && (strncmp(s->name, cpu.comm, sizeof(s->name)) || s->tid == getpid()))
		snprintf(lab, sizeof(lab), "%.15s", s->name);
	else
		snprintf(lab, sizeof(lab), "%d", (int)s->tid);
	for (size_t i = 0; i < cpu.nlabels; i++)
		if (!strcmp(cpu.labels[i], lab))
			return (uint32_t)i;
	if (cpu.nlabels == cpu.caplabels) {
		size_t cap = cpu.caplabels ? cpu.caplabels * 2 : 16;
		void *v = cprof__arena_realloc(cpu.labels, cap * sizeof(*cpu.labels));
		if (!v) {
			cpu.oom = true;
			return 0;
		}
		cpu.labels = v;
		cpu.caplabels = cap;
	}
	memcpy(cpu.labels[cpu.nlabels], lab, sizeof(lab));
	return (uint32_t)cpu.nlabels++;
}

static bool tab_grow(void)
{
	size_t cap = cpu.captab ? cpu.captab * 2 : 1024;
	stack_ent *t = cprof__arena_calloc(cap, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i < cpu.captab; i++) {
		stack_ent *e = &cpu.tab[i];
		if (!e->hash)
			continue;
		size_t j = e->hash & (cap - 1);
		while (t[j].hash)
			j = (j + 1) & (cap - 1);
		t[j] = *e;
	}
	cprof__arena_free(cpu.tab);
	cpu.tab = t;
	cpu.captab = cap;
	return true;
}

static void aggregate(const slot *s)
{
	if (cpu.oom || ((cpu.ntab + 1) * 2 > cpu.captab && !tab_grow())) {
		cpu.oom = true;
		atomic_fetch_add(&cpu.lost, s->weight);
		return;
	}
	uint32_t label = label_for(s);
	uint32_t depth = s->depth ? s->depth : 0;
	uint64_t h = hash_stack(s->pcs, depth, label, s->labels);
	size_t j = h & (cpu.captab - 1);
	for (; cpu.tab[j].hash; j = (j + 1) & (cpu.captab - 1)) {
		stack_ent *e = &cpu.tab[j];
		if (e->hash == h && e->depth == depth && e->label == label && e->set == s->labels &&
		    !memcmp(e->pcs, s->pcs, depth * sizeof(uintptr_t))) {
			e->weight += s->weight;
			return;
		}
	}
	uintptr_t *pcs = cprof__arena_alloc((depth ? depth : 1) * sizeof(uintptr_t));
	if (!pcs) {
		cpu.oom = true;
		atomic_fetch_add(&cpu.lost, s->weight);
		return;
	}
	memcpy(pcs, s->pcs, depth * sizeof(uintptr_t));
	cpu.tab[j] = (stack_ent){h, depth, label, s->weight, s->labels, pcs};
	cpu.ntab++;
}

/* Drain ready slots.  `final`: handlers are done; skip slots abandoned mid-write. */
static void drain(bool final)
{
	uint64_t head = atomic_load(&cpu.head);
	uint64_t tail = atomic_load_explicit(&cpu.tail, memory_order_relaxed);
	while (tail != head) {
		slot *s = &cpu.ring[tail & (cpu.nslots - 1)];
		uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);
		if (st != 2) {
			if (!final)
				break;
		} else {
			aggregate(s);
		}
		atomic_store_explicit(&s->state, 0, memory_order_release);
		atomic_store_explicit(&cpu.tail, ++tail, memory_order_relaxed);
	}
}

static void *writer_main(void *arg)
{
	(void)arg;
	cprof__internal_enter();
	cprof__own_enter(); /* cprof's thread: nothing it allocates is the program's */
	/* Test hook: hold off the first drain so that a small ring overflows and
	 * the lost-sample path can be checked end to end. */
	for (long ms = cpu.stall_ms; ms > 0 && !atomic_load(&cpu.stop); ms -= 10) {
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
	while (!atomic_load(&cpu.stop)) {
		/* The mappings of objects loaded since the last look, found here
		 * rather than inside the program's dlopen (cheap if none). */
		cprof__maps_snapshot();
		struct timespec ts = {0, 50 * 1000000};
		if (!atomic_exchange(&cpu.wake, 0))
			syscall(SYS_futex, &cpu.wake, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		atomic_store(&cpu.wake, 0);
		drain(false);
		cprof__sigprof_check(on_sigprof);
	}
	struct timespec me;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &me);
	atomic_store(&cpu.writer_cpu, (int64_t)me.tv_sec * 1000000000 + me.tv_nsec);
	cprof__internal_leave();
	return NULL;
}

/* ---- building the profile ---- */

static int build_and_write(int fd)
{
	cprof__emit e;
	cprof__emit_begin(&e);
	cprof__profile *p = &e.p;
	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "cpu", "nanoseconds");
	p->period_type.type = cprof__profile_str(p, "cpu");
	p->period_type.unit = cprof__profile_str(p, "nanoseconds");
	p->period = cpu.period;
	p->time_nanos = cpu.t0_real;
	p->duration_nanos = cprof__mono_ns() - cpu.t0_mono;
	int64_t key_thread = cprof__profile_str(p, "thread");
	for (size_t i = 0; i < cpu.captab; i++) {
		const stack_ent *s = &cpu.tab[i];
		if (!s->hash)
			continue;
		int64_t v[2] = {(int64_t)s->weight, (int64_t)s->weight * cpu.period};
		cprof__label l = {.key = key_thread,
				  .str = cprof__profile_str(p, cpu.labels[s->label])};
		cprof__emit_sample_ls(&e, s->pcs, s->depth, v, &l, 1, s->set);
	}

	/* CPU the timers could not see: threads that keep SIGPROF blocked
	 * for real, thread start-up before the trampoline arms the timer and
	 * exit after it is disarmed, timers that could not be created.  One
	 * pseudo-frame keeps the total equal to the process's CPU time (less
	 * cprof's own threads') when it is more than sampling noise. */
	uint64_t sampled = atomic_load(&cpu.lost);
	for (size_t i = 0; i < cpu.captab; i++)
		sampled += cpu.tab[i].hash ? cpu.tab[i].weight : 0;
	int64_t unsampled = cpu.unsampled_ns - (int64_t)sampled * cpu.period;
	if (unsampled > 2 * cpu.period && unsampled > cpu.unsampled_ns / 50) {
		int64_t v[2] = {(unsampled + cpu.period / 2) / cpu.period, unsampled};
		cprof__emit_event(&e, "cprof.unsampledCPU", v);
	}

	uint64_t lost = atomic_load(&cpu.lost);
	if (lost) {
		int64_t v[2] = {(int64_t)lost, (int64_t)lost * cpu.period};
		cprof__emit_event(&e, "cprof.lostProfileEvent", v);
		char b[24];
		cprof__log("CPU profile: ", cprof__itoa(b, (long long)lost),
			   " samples lost (sample buffer full); shown as cprof.lostProfileEvent",
			   NULL);
	}
	int rc = cprof__emit_end(&e, fd);
	cprof__emit_free(&e);
	return rc;
}

static void free_aggregation(void)
{
	for (size_t i = 0; i < cpu.captab; i++)
		cprof__arena_free(cpu.tab[i].pcs);
	cprof__arena_free(cpu.tab);
	cprof__arena_free(cpu.labels);
	cpu.tab = NULL;
	cpu.labels = NULL;
	cpu.ntab = cpu.captab = cpu.nlabels = cpu.caplabels = 0;
	cpu.oom = false;
}

/* Programs that close every descriptor (daemons, shells before exec) may
 * close the caller's descriptor (cprof_cpu_start_fd), and their next open()
 * gets its number: never write a profile into the program's file.  That
 * profile is lost: -EBADF.  (A profile to a path holds no descriptor.)
 * cpu.lock held. */
static int check_fd(void)
{
	struct stat st;
	if (fstat(cpu.fd, &st) == 0 && st.st_dev == cpu.fd_dev && st.st_ino == cpu.fd_ino)
		return 0;
	return -EBADF;
}

static int write_cb(int fd, void *arg)
{
	(void)arg;
	return build_and_write(fd);
}

/* The ring holds what arrives between two drains, with room to spare: the
 * writer drains every 50 ms, and as soon as the ring is half full.  CPU
 * timers expire on the kernel's tick (250 Hz here), so at most
 * min(hz, 250) signals per second per CPU arrive (the rest is si_overrun
 * weight); 4x that for 50 ms is ncpu * min(hz, 250) / 5 slots.  Each slot
 * holds a whole stack, so a ring sized for more CPUs than the machine has
 * costs every process its slots' pages once they have all been used
 * (docs/PERFORMANCE.md, "Footprint"). */
static size_t ring_slots(int hz)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t rate = (size_t)(hz < 250 ? hz : 250);
	size_t want = (size_t)(ncpu > 0 ? ncpu : 1) * rate / 5, n = RING_SLOTS_MIN;
	while (n < want && n < RING_SLOTS_MAX)
		n *= 2;
	return n;
}

/* Stop sampling, drain, write; cpu.lock held.  Called from stop, at exit,
 * and from the service thread on a fatal signal (through cprof_cpu_stop). */
static int flush_and_write(void)
{
	atomic_store(&cpu_on, 0); /* seq_cst: the handshake with cpu_users */
	cprof__timers_stop();
	cprof__sigmask_keep(false);
	/* Handlers already past the cpu_on check finish within microseconds
	 * (a stopped or descheduled thread may take longer: bounded wait). */
	bool quiet = false;
	for (int i = 0; i < 10000 && !(quiet = atomic_load(&cpu_users) == 0); i++) {
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
	drain(true);
	struct timespec now;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	cpu.unsampled_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - cpu.t0_cpu -
			   atomic_load(&cpu.writer_cpu) - (cprof__service_cpu_ns() - cpu.svc_cpu0);
	int rc;
	if (cpu.fd >= 0) {
		rc = check_fd();
		if (rc == 0)
			rc = build_and_write(cpu.fd);
	} else if (cpu.forked && cpu.ntab == 0 && atomic_load(&cpu.lost) == 0) {
		rc = 0; /* a forked child that ran less than a period (or exec'd) */
	} else {
		rc = cprof__out_write(cpu.path, write_cb, NULL);
	}
	cpu.fd = -1;
	if (quiet) /* else a handler may still write: leak the ring rather than crash */
		munmap(cpu.ring, sizeof(slot) * cpu.nslots);
	cpu.ring = NULL;
	free_aggregation();
	cprof__maps_reset();
	cpu.running = false;
	return rc;
}

/* fd >= 0: the caller's descriptor; else path (absolute) and family. */
static int start_locked(int fd, const char *path, const char *family, int hz)
{
	if (cpu.running)
		return -EBUSY;
	if (hz <= 0)
		hz = CPROF_DEFAULT_HZ;
	if (hz > 1000000)
		return -EINVAL;
	/* The ring size can be set (a power of two, 8..65536) to trade memory for
	 * headroom; tests use a tiny ring to exercise the lost-sample path. */
	size_t nslots = ring_slots(hz);
	const char *stall = getenv("CPROF_TEST_STALL_WRITER_MS");
	cpu.stall_ms = stall ? strtol(stall, NULL, 10) : 0;
	if (cpu.stall_ms < 0 || cpu.stall_ms > 10000)
		cpu.stall_ms = 0;
	const char *ring_env = getenv("CPROF_CPU_RING");
	if (ring_env && *ring_env) {
		char *end;
		long v = strtol(ring_env, &end, 10);
		if (!*end && v >= 8 && v <= 65536 && (v & (v - 1)) == 0)
			nslots = (size_t)v;
		else
			cprof__log("invalid CPROF_CPU_RING '", ring_env,
				   "': want a power of two from 8 to 65536; using the default",
				   NULL);
	}
	slot *ring = mmap(NULL, sizeof(slot) * nslots, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ring == MAP_FAILED)
		return -ENOMEM;
	cpu.ring = ring;
	cpu.nslots = nslots;
	cpu.fd = fd;
	cpu.forked = false;
	struct stat st;
	cpu.fd_dev = fd >= 0 && fstat(fd, &st) == 0 ? st.st_dev : 0;
	cpu.fd_ino = cpu.fd_dev ? st.st_ino : 0;
	snprintf(cpu.path, sizeof(cpu.path), "%s", fd >= 0 ? "" : path);
	snprintf(cpu.family, sizeof(cpu.family), "%s", fd >= 0 ? "" : family);
	cpu.proc_labels = cprof__process_labels();
	cpu.hz = hz;
	cpu.period = 1000000000L / hz;
	atomic_store(&cpu.head, 0);
	atomic_store(&cpu.tail, 0);
	atomic_store(&cpu.lost, 0);
	atomic_store(&cpu.stop, 0);
	memset(cpu.comm, 0, sizeof(cpu.comm));
	int cfd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	if (cfd >= 0) {
		ssize_t n = read(cfd, cpu.comm, sizeof(cpu.comm) - 1);
		if (n > 0 && cpu.comm[n - 1] == '\n')
			cpu.comm[n - 1] = 0;
		close(cfd);
	}
	int rc = cprof__unwind_refresh();
	if (rc == 0)
		rc = cprof__sigprof_take(on_sigprof);
	if (rc == 0)
		rc = cprof__spawn_internal(&cpu.writer, writer_main, NULL);
	if (rc != 0) {
		munmap(ring, sizeof(slot) * nslots);
		cpu.ring = NULL;
		return rc;
	}
	cpu.t0_real = cprof__now_ns();
	cpu.t0_mono = cprof__mono_ns();
	cpu.running = true;
	cpu.pid = getpid();
	atomic_fetch_add(&cprof__cpu_gen, 1);
	if (cprof__service_start() == 0)
		cprof__fatal_install();
	struct timespec pc;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &pc);
	cpu.t0_cpu = (int64_t)pc.tv_sec * 1000000000 + pc.tv_nsec;
	cpu.svc_cpu0 = cprof__service_cpu_ns();
	atomic_store(&cpu.writer_cpu, 0);
	atomic_store_explicit(&cpu_on, 1, memory_order_release);
	cprof__sigmask_keep(true);
	cprof__sigmask_adopt(-1);
	rc = cprof__timers_start(cpu.period);
	if (rc != 0) {
		cprof__sigmask_keep(false);
		atomic_store(&cpu_on, 0);
		atomic_store(&cpu.stop, 1);
		wake_writer();
		pthread_join(cpu.writer, NULL);
		munmap(ring, sizeof(slot) * nslots);
		cpu.ring = NULL;
		cpu.running = false;
		cprof__maps_reset();
		return rc;
	}
	return 0;
}

CPROF_EXPORT int cprof_cpu_start_fd(int fd, int hz)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	cprof__in_rt++;
	int own = cprof__own_enter();
	pthread_mutex_lock(&cpu.lock);
	int rc = start_locked(fd, NULL, NULL, hz);
	pthread_mutex_unlock(&cpu.lock);
	cprof__own_leave(own);
	cprof__in_rt--;
	return rc;
}

static int cpu_start_family(const char *path, const char *family, int hz);

int cprof__cpu_start_family(const char *path, const char *family, int hz)
{
	cprof__in_rt++;
	int rc = cpu_start_family(path, family, hz);
	cprof__in_rt--;
	return rc;
}

static int cpu_start_family(const char *path, const char *family, int hz)
{
	if (!path || !*path || !family || !*family)
		return -EINVAL;
	char abs[sizeof(cpu.path)], absfam[sizeof(cpu.family)];
	int rc = cprof__out_abspath(path, abs, sizeof(abs));
	if (rc == 0)
		rc = cprof__out_abspath(family, absfam, sizeof(absfam));
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&cpu.lock);
	if (cpu.running) {
		pthread_mutex_unlock(&cpu.lock);
		return -EBUSY;
	}
	if (hz > 1000000) {
		pthread_mutex_unlock(&cpu.lock);
		return -EINVAL;
	}
	/* Nothing is created now (the profile is written whole at stop), but an
	 * unwritable path fails here. */
	rc = cprof__out_check(abs);
	if (rc == 0) {
		int own = cprof__own_enter();
		rc = start_locked(-1, abs, absfam, hz);
		cprof__own_leave(own);
	}
	pthread_mutex_unlock(&cpu.lock);
	return rc;
}

CPROF_EXPORT int cprof_cpu_start(const char *path, int hz)
{
	return cprof__cpu_start_family(path, path, hz);
}

static int cpu_stop(void);

CPROF_EXPORT int cprof_cpu_stop(void)
{
	cprof__in_rt++;
	int rc = cpu_stop();
	cprof__in_rt--;
	return rc;
}

static int cpu_stop(void)
{
	pthread_mutex_lock(&cpu.lock);
	if (!cpu.running || cpu.stopping) {
		pthread_mutex_unlock(&cpu.lock);
		return -ESRCH;
	}
	cpu.stopping = true; /* one stopper joins the writer */
	atomic_store(&cpu.stop, 1);
	wake_writer();
	pthread_mutex_unlock(&cpu.lock);
	pthread_join(cpu.writer, NULL);
	int own = cprof__own_enter(); /* libdw's and zlib's allocations too */
	pthread_mutex_lock(&cpu.lock);
	int rc = flush_and_write();
	cpu.stopping = false;
	pthread_mutex_unlock(&cpu.lock);
	cprof__own_leave(own);
	return rc;
}

/* A fatal signal: the service thread writes the profile, whatever state. */
void cprof__cpu_atexit_forced(void)
{
	int rc = cprof_cpu_stop();
	if (rc != 0 && rc != -ESRCH)
		cprof__log("writing the CPU profile failed: ", cprof_strerror(rc), NULL);
}

/* async-signal-safe */
void cprof__cpu_pause(void)
{
	atomic_store(&cpu_on, 0);
}

/* async-signal-safe (plain reads of fields set under cpu.lock) */
bool cprof__cpu_active(void)
{
	return cpu.running && cpu.pid == getpid();
}

void cprof__cpu_atexit(void)
{
	if (cprof__fatal_pending())
		cprof__fatal_wait(); /* the service thread is writing; it then ends the process */
	pthread_mutex_lock(&cpu.lock);
	bool running = cpu.running && cpu.pid == getpid();
	pthread_mutex_unlock(&cpu.lock);
	if (!running)
		return;
	int rc = cprof_cpu_stop();
	if (rc != 0 && rc != -ESRCH)
		cprof__log("writing the CPU profile failed: ", cprof_strerror(rc), NULL);
}

/* fork() without exec: the child has one thread, no timer and no writer.
 * The parent's samples and aggregation are the parent's (its writer may have
 * been half way through the table at the fork): forget them, without
 * freeing.  Runs first among the child's atfork handlers; the profile
 * resumes in cprof__cpu_atfork_child_resume, after the others. */
void cprof__cpu_atfork_child(void)
{
	atomic_store(&cpu_on, 0);
	atomic_store(&cpu_users, 0);
	pthread_mutex_init(&cpu.lock, NULL);
	cprof__unwind_atfork_child();
	cprof__maps_atfork_child();
	child_resume = false;
	if (!cpu.running)
		return;
	cpu.running = false;
	cpu.stopping = false;
	cpu.tab = NULL;
	cpu.labels = NULL;
	cpu.ntab = cpu.captab = cpu.nlabels = cpu.caplabels = 0;
	cpu.oom = false;
	if (cpu.ring)
		munmap(cpu.ring, sizeof(slot) * cpu.nslots);
	cpu.ring = NULL;
	/* The caller's descriptor is the parent's to write. */
	child_resume = cpu.fd < 0 && cpu.family[0];
	cpu.fd = -1;
}

/* A forked child goes on profiling into family.PID (the convention of
 * exec'd children): its own timer, ring and writer, the code and modules
 * known at the fork.  Starting threads here is what glibc allows after fork
 * (its locks are reset before the child's handlers run); ThreadSanitizer
 * does not, so there the child stays unprofiled.  A child that exec()s or
 * exits before its first sample writes nothing. */
void cprof__cpu_atfork_child_resume(void)
{
	if (!child_resume)
		return;
	child_resume = false;
	if (cprof__under_tsan())
		return;
	char path[sizeof(cpu.path)];
	int rc = cprof__child_path(cpu.family, path, sizeof(path));
	slot *ring = MAP_FAILED;
	if (rc == 0) {
		ring = mmap(NULL, sizeof(slot) * cpu.nslots, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		rc = ring == MAP_FAILED ? -ENOMEM : 0;
	}
	pthread_mutex_lock(&cpu.lock);
	if (rc == 0) {
		cpu.ring = ring;
		memcpy(cpu.path, path, sizeof(path));
		cpu.forked = true;
		atomic_store(&cpu.head, 0);
		atomic_store(&cpu.tail, 0);
		atomic_store(&cpu.lost, 0);
		atomic_store(&cpu.stop, 0);
		atomic_store(&cpu.wake, 0);
		rc = cprof__spawn_internal(&cpu.writer, writer_main, NULL);
		if (rc != 0) {
			munmap(ring, sizeof(slot) * cpu.nslots);
			cpu.ring = NULL;
		}
	}
	if (rc == 0) {
		cpu.t0_real = cprof__now_ns();
		cpu.t0_mono = cprof__mono_ns();
		cpu.running = true;
		cpu.pid = getpid();
		atomic_fetch_add(&cprof__cpu_gen, 1);
		cprof__service_start(); /* a fatal signal writes the child's profile */
		struct timespec pc;     /* the child's own CPU clock starts at the fork */
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &pc);
		cpu.t0_cpu = (int64_t)pc.tv_sec * 1000000000 + pc.tv_nsec;
		cpu.svc_cpu0 = cprof__service_cpu_ns();
		atomic_store(&cpu.writer_cpu, 0);
		atomic_store_explicit(&cpu_on, 1, memory_order_release);
		rc = cprof__timers_start(cpu.period);
		if (rc != 0) {
			atomic_store(&cpu_on, 0);
			atomic_store(&cpu.stop, 1);
			wake_writer();
			pthread_mutex_unlock(&cpu.lock);
			pthread_join(cpu.writer, NULL);
			pthread_mutex_lock(&cpu.lock);
			munmap(cpu.ring, sizeof(slot) * cpu.nslots);
			cpu.ring = NULL;
			cpu.running = false;
		}
	}
	pthread_mutex_unlock(&cpu.lock);
	if (rc != 0) {
		char b[24];
		cprof__log("cannot profile forked child ", cprof__itoa(b, getpid()), ": ",
			   cprof_strerror(rc), NULL);
	}
}

/* The program's dlclose, before the real one.  Returns whether
 * cprof__dlclose_end must follow.  dlopen needs nothing: the unwinder finds
 * new objects by itself and the writer thread records their mappings. */
bool cprof__dlclose_begin(void *h)
{
	if (!atomic_load(&cpu_on) && !cprof__heap_sampling())
		return false;
	cprof__in_rt++;
	int own = cprof__own_enter(); /* the records it keeps are cprof's */
	cprof__maps_before_dlclose(h);
	cprof__own_leave(own);
	cprof__unwind_close_begin();
	cprof__in_rt--;
	return true;
}

void cprof__dlclose_end(void)
{
	cprof__unwind_close_end();
}
