// heap_cxx_churn — a C++ std::map<std::string, std::string> churn for
// bench/heap_real.sh: inserts, lookups, erasures and string appends, with a
// fixed seed.  Its operator new/delete count every byte (then call malloc/
// free, so every profiler sees the same calls) and it prints the truth:
//   alloc_bytes N   bytes asked of malloc
//   live_bytes N    of them still allocated at exit (the map is kept)
//   checksum N
//   heap_cxx_churn OPS
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <new>
#include <string>

static uint64_t alloc_bytes, live_bytes;

// Each block carries its malloc size in a 16-byte header (libstdc++'s own
// code calls the unsized delete): the truth is in malloc's terms, the
// requests every profiler sees.
__attribute__((noinline)) void *operator new(std::size_t n)
{
	std::size_t m = n + 16;
	char *p = static_cast<char *>(std::malloc(m));
	if (!p)
		throw std::bad_alloc();
	*reinterpret_cast<std::size_t *>(p) = m;
	alloc_bytes += m;
	live_bytes += m;
	return p + 16;
}
__attribute__((noinline)) void operator delete(void *q) noexcept
{
	if (!q)
		return;
	char *p = static_cast<char *>(q) - 16;
	live_bytes -= *reinterpret_cast<std::size_t *>(p);
	std::free(p);
}
void operator delete(void *q, std::size_t) noexcept
{
	operator delete(q);
}

int main(int argc, char **argv)
{
	long ops = argc > 1 ? std::atol(argv[1]) : 1000000;
	uint64_t x = 88172645463325252ULL, sum = 0;
	auto &m = *new std::map<std::string, std::string>; // kept: in use at exit
	for (long i = 0; i < ops; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		std::string k = "key-" + std::to_string(x % 200000);
		switch (x >> 60 & 3) {
		case 0:
			m.erase(k);
			break;
		case 1: {
			auto it = m.find(k);
			if (it != m.end())
				sum += it->second.size();
			break;
		}
		default:
			m[k] += std::string(16 + (x >> 40) % 64, 'v');
			if (m[k].size() > 4096)
				m[k].clear();
		}
	}
	std::printf("entries %zu\nchecksum %llu\n", m.size(), (unsigned long long)sum);
	std::printf("alloc_bytes %llu\nlive_bytes %llu\n", (unsigned long long)alloc_bytes,
		    (unsigned long long)live_bytes);
	return 0;
}
