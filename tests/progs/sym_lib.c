/*
 * sym_lib.c — fixture of tests/unit/test_symbolize.c, built as a shared
 * library: a noinline function with an always_inline callee.  Each records
 * the return address of a call at a line marked "@NAME"; the test looks the
 * markers up in this file, so edit freely but keep the markers.
 */
#ifdef __clang__
#define NOINLINE __attribute__((noinline, used))
#else
#define NOINLINE __attribute__((noinline, noclone, used))
#endif

void *sym_lib_addr[2];

NOINLINE void sym_lib_record(int i)
{
	sym_lib_addr[i] = __builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) void sym_lib_inl(void)
{
	sym_lib_record(0); /* @lib_inl */
	__asm__ volatile("" ::: "memory");
}

NOINLINE void sym_lib_work(void)
{
	sym_lib_inl(); /* @lib_work_calls_inl */
	sym_lib_record(1); /* @lib_work */
	__asm__ volatile("" ::: "memory");
}
