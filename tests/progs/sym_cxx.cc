// sym_cxx.cc — fixture of tests/unit/test_symbolize.c: a C++ member function
// in a namespace, for demangling (ns::Klass::method(int)).  Prints
// "method 0xADDR", "maps", then /proc/self/maps.
#include <cstdio>

static void *addr;

extern "C" __attribute__((noinline)) void sym_cxx_record(void)
{
	addr = __builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

namespace ns {
struct Klass {
	int v;
	int method(int x);
};

__attribute__((noinline)) int Klass::method(int x)
{
	sym_cxx_record(); /* @method */
	__asm__ volatile("" ::: "memory");
	return v + x;
}
} // namespace ns

int main()
{
	ns::Klass k{1};
	volatile int r = k.method(2);
	(void)r;
	std::printf("method %p\nmaps\n", addr);
	std::FILE *f = std::fopen("/proc/self/maps", "r");
	if (!f)
		return 1;
	char line[4096];
	while (std::fgets(line, sizeof(line), f))
		std::fputs(line, stdout);
	std::fclose(f);
	return 0;
}
