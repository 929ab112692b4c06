/*
 * layout — the kinetic energy of 2^19 particles.
 *
 * naive:     an array of structures (AoS): each particle's 96 bytes sit
 *            together, so reading mass and velocity brings its position,
 *            name and flags through the cache too;
 * optimised: a structure of arrays (SoA): one array per field, so the
 *            loop reads only the four arrays it needs, contiguously.
 */
#define EXERCISE_NAME "layout"
#include "../exercise.h"

#define N (1 << 19)

struct particle {
	double x, y, z;
	double vx, vy, vz;
	double mass;
	char name[40];
	unsigned flags;
};

struct particles {
	double *x, *y, *z, *vx, *vy, *vz, *mass;
	unsigned *flags;
};

static double energy_aos(const struct particle *p, size_t n)
{
	double e = 0;
	for (size_t i = 0; i < n; i++)
		e += 0.5 * p[i].mass * (p[i].vx * p[i].vx + p[i].vy * p[i].vy + p[i].vz * p[i].vz);
	return e;
}

static double energy_soa(const struct particles *p, size_t n)
{
	double e = 0;
	for (size_t i = 0; i < n; i++)
		e += 0.5 * p->mass[i] *
		     (p->vx[i] * p->vx[i] + p->vy[i] * p->vy[i] + p->vz[i] * p->vz[i]);
	return e;
}

static double *array(size_t n)
{
	double *a = calloc(n, sizeof *a);
	if (!a)
		abort();
	return a;
}

/* The same particles in both layouts. */
static void make(size_t n, struct particle **aos, struct particles *soa)
{
	*aos = calloc(n, sizeof **aos);
	if (!*aos)
		abort();
	soa->x = array(n), soa->y = array(n), soa->z = array(n);
	soa->vx = array(n), soa->vy = array(n), soa->vz = array(n), soa->mass = array(n);
	soa->flags = calloc(n, sizeof *soa->flags);
	if (!soa->flags)
		abort();
	for (size_t i = 0; i < n; i++) {
		struct particle *q = &(*aos)[i];
		q->x = soa->x[i] = (double)i;
		q->y = soa->y[i] = (double)(i % 100);
		q->z = soa->z[i] = -(double)i;
		q->vx = soa->vx[i] = (double)(i % 7) - 3;
		q->vy = soa->vy[i] = (double)(i % 5) * 0.5;
		q->vz = soa->vz[i] = (double)(i % 3) - 1;
		q->mass = soa->mass[i] = 1 + (double)(i % 10);
		q->flags = soa->flags[i] = (unsigned)i;
		snprintf(q->name, sizeof q->name, "particle-%zu", i);
	}
}

static void release(struct particle *aos, struct particles *soa)
{
	free(aos);
	free(soa->x), free(soa->y), free(soa->z);
	free(soa->vx), free(soa->vy), free(soa->vz), free(soa->mass), free(soa->flags);
}

static void exercise_test(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 1000, N};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct particle *aos;
		struct particles soa;
		make(sizes[i], &aos, &soa);
		/* Same terms in the same order: equal to the last bit. */
		double a = energy_aos(aos, sizes[i]), b = energy_soa(&soa, sizes[i]);
		EX_CHECK(a == b, "on %zu particles: %.17g vs %.17g", sizes[i], a, b);
		release(aos, &soa);
	}
}

/* Built once per process (half a second of setup that every ramp-up run
 * would otherwise repeat); released at exit with the process. */
static struct particle *bench_aos;
static struct particles bench_soa;

static void setup(cprof_bench_b *b)
{
	if (!bench_aos)
		make(N, &bench_aos, &bench_soa);
	cprof_bench_reset_timer(b);
}

static void naive(cprof_bench_b *b)
{
	setup(b);
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(energy_aos(bench_aos, N));
}

static void optimised(cprof_bench_b *b)
{
	setup(b);
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(energy_soa(&bench_soa, N));
}

EXERCISE_BENCH(Energy, {"version=naive", naive}, {"version=optimised", optimised})
