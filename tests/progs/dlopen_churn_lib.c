/* The library dlopen_churn loads and unloads: one function that computes
 * for a while through a callee of its own (so that its stacks have depth). */
__attribute__((noinline)) static long churn_step(long x)
{
	for (int i = 0; i < 8; i++)
		x = x * 6364136223846793005L + 1442695040888963407L;
	__asm__ volatile("" : "+r"(x));
	return x;
}

long churn_work(long iters)
{
	long x = 1, acc = 0;
	for (long i = 0; i < iters; i++) {
		x = churn_step(x);
		acc += x & 1;
	}
	return acc;
}
