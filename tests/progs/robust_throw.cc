// Robustness: C++ exceptions thrown and caught in a tight loop on several
// threads while SIGPROF interrupts them (the unwinder must neither deadlock
// nor crash when it interrupts a thread that is itself unwinding).
// Prints "caught N" (N = total exceptions caught).
// usage: robust_throw [THREADS [PER_THREAD]]   (default 4 20000)
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

static std::atomic<long> caught{0};

__attribute__((noinline)) static void thrower(int depth, int i)
{
	if (depth == 0)
		throw std::runtime_error("robust_throw " + std::to_string(i));
	thrower(depth - 1, i);
	asm volatile("" ::: "memory"); // keep the recursion a real call
}

__attribute__((noinline)) static void throw_loop(long n)
{
	long mine = 0;
	for (long i = 0; i < n; i++) {
		try {
			thrower(static_cast<int>(i % 8), static_cast<int>(i));
		} catch (const std::exception &e) {
			if (e.what()[0] == 'r')
				mine++;
		}
	}
	caught += mine;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? std::atoi(argv[1]) : 4;
	long per = argc > 2 ? std::atol(argv[2]) : 20000;
	std::vector<std::thread> v;
	for (int t = 0; t < threads; t++)
		v.emplace_back(throw_loop, per);
	throw_loop(per / 4);
	for (auto &t : v)
		t.join();
	std::printf("caught %ld\n", caught.load());
	return caught.load() == threads * per + per / 4 ? 0 : 1;
}
