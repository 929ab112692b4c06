// C++ operator new/delete in every form (issue 3, case 2) reach libcprof's
// malloc through libstdc++: each form has its own allocation site doing N
// allocations (N/2 still live at exit for the profile's in-use values), and
// the exact counters (cprof_alloc_stats, looked up with dlsym so the program
// also runs bare) must grow by exactly the allocations and frees made.
// Prints "ok"/"not ok" lines and "objects SITE N" / "live_objects SITE N".
#include <dlfcn.h>
#include <cprof.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

typedef int (*stats_fn)(struct cprof_alloc_stats *);

static int failures;
static void check(bool c, const char *name, const char *why)
{
	if (c) {
		std::printf("ok %s\n", name);
	} else {
		std::printf("not ok %s: %s\n", name, why);
		failures++;
	}
}

constexpr int N = 64;
struct alignas(256) Wide {
	char b[300];
};

static void *live[16][N];
static int nsite;
static void report(const char *site)
{
	std::printf("objects %s %d\nlive_objects %s %d\n", site, N, site, N / 2);
	nsite++;
}
static bool misaligned;

__attribute__((noinline)) static void site_new(void)
{
	for (int i = 0; i < N; i++)
		live[nsite][i] = new long[1]{i}; // scalar-ish: array of one is new[]; see below
	for (int i = N / 2; i < N; i++)
		delete[] static_cast<long *>(live[nsite][i]);
	report("site_new");
}

__attribute__((noinline)) static void site_scalar(void)
{
	for (int i = 0; i < N; i++)
		live[nsite][i] = new std::uint64_t(i);
	for (int i = N / 2; i < N; i++)
		delete static_cast<std::uint64_t *>(live[nsite][i]); // sized delete (C++14)
	report("site_scalar");
}

__attribute__((noinline)) static void site_nothrow(void)
{
	for (int i = 0; i < N; i++)
		live[nsite][i] = new (std::nothrow) char[100 + i];
	for (int i = N / 2; i < N; i++)
		delete[] static_cast<char *>(live[nsite][i]);
	report("site_nothrow");
}

__attribute__((noinline)) static void site_aligned(void)
{
	for (int i = 0; i < N; i++) {
		Wide *w = new Wide;
		misaligned |= (reinterpret_cast<std::uintptr_t>(w) & 255) != 0;
		live[nsite][i] = w;
	}
	for (int i = N / 2; i < N; i++)
		delete static_cast<Wide *>(live[nsite][i]); // aligned sized delete
	report("site_aligned");
}

__attribute__((noinline)) static void site_aligned_array(void)
{
	for (int i = 0; i < N; i++) {
		Wide *w = new Wide[2];
		misaligned |= (reinterpret_cast<std::uintptr_t>(w) & 255) != 0;
		live[nsite][i] = w;
	}
	for (int i = N / 2; i < N; i++)
		delete[] static_cast<Wide *>(live[nsite][i]);
	report("site_aligned_array");
}

__attribute__((noinline)) static void site_aligned_nothrow(void)
{
	for (int i = 0; i < N; i++) {
		void *p = ::operator new(512, std::align_val_t(1024), std::nothrow);
		misaligned |= (reinterpret_cast<std::uintptr_t>(p) & 1023) != 0;
		live[nsite][i] = p;
	}
	for (int i = N / 2; i < N; i++)
		::operator delete(live[nsite][i], std::align_val_t(1024), std::nothrow);
	report("site_aligned_nothrow");
}

__attribute__((noinline)) static void site_vector(void)
{
	// std::vector growth: new and sized delete through the allocator.
	std::vector<int> *v = new std::vector<int>;
	for (int i = 0; i < 1000; i++)
		v->push_back(i);
	bool good = true;
	for (int i = 0; i < 1000; i++)
		good &= (*v)[i] == i;
	check(good, "vector_growth_preserves_data", "bad element");
	delete v;
}

int main()
{
	stats_fn stats = reinterpret_cast<stats_fn>(dlsym(RTLD_DEFAULT, "cprof_alloc_stats"));
	if (std::getenv("HEAP_TEST_NO_STATS"))
		stats = nullptr; // a sanitizer's interceptor serves malloc: nothing to count
	struct cprof_alloc_stats a = CPROF_ALLOC_STATS_INIT, b = CPROF_ALLOC_STATS_INIT;
	std::printf("profiled %d\n", stats != nullptr);
	std::fflush(stdout);
	if (stats)
		stats(&a);
	site_new();
	site_scalar();
	site_nothrow();
	site_aligned();
	site_aligned_array();
	site_aligned_nothrow();
	if (stats)
		stats(&b);
	// Exactly 6 sites x N allocations and N/2 frees between a and b (the
	// sites print after counting: stdout is a buffer allocated earlier).
	char why[200];
	std::snprintf(why, sizeof(why), "allocs +%llu frees +%llu", b.allocs - a.allocs,
		      b.frees - a.frees);
	if (stats)
		check(b.allocs - a.allocs == 6 * N && b.frees - a.frees == 6 * (N / 2),
		      "cxx_stats_exact", why);
	check(!misaligned, "aligned_new_alignment", "misaligned object");
	// Huge sizes: new throws std::bad_alloc, nothrow new returns nullptr
	// (not under a sanitizer, whose operator new aborts: HEAP_TEST_SANITIZER).
	if (!std::getenv("HEAP_TEST_SANITIZER")) {
		volatile std::size_t huge = SIZE_MAX / 4;
		bool threw = false;
		try {
			char *p = new char[huge];
			delete[] p;
		} catch (const std::bad_alloc &) {
			threw = true;
		}
		check(threw, "new_huge_throws_bad_alloc", "no exception");
		char *q = new (std::nothrow) char[huge];
		check(q == nullptr, "nothrow_new_huge_null", "non-null");
	}
	site_vector();
	std::fflush(stdout);
	return failures ? 1 : 0;
}
