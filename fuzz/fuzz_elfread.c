/*
 * fuzz_elfread.c — libFuzzer target for src/profile/elfread.c, the ELF
 * reader the runtime's lean symbolisation runs inside profiled processes:
 * the input is written to a memfd and read as a file (headers, notes, both
 * symbol tables, every function name).  tests/fuzz.sh seeds it with small
 * libraries it compiles (with .symtab, and stripped to .dynsym).
 */
#include "compat.h"
#include "profile/elfread.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	const cprof__elffile *e;
	const cprof__elftab *t;
	size_t n;
};

static bool each(void *p, uint64_t value, uint64_t size, int bind, uint32_t name)
{
	struct ctx *c = p;
	char buf[256];
	(void)value;
	(void)size;
	(void)bind;
	if (cprof__elf_name(c->e, c->t, name, buf, sizeof(buf)) && !memchr(buf, 0, sizeof(buf)))
		__builtin_trap(); /* a name is NUL-terminated within buf */
	return ++c->n < 100000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	for (size_t done = 0; done < size;) {
		ssize_t w = write(fd, data + done, size - done);
		if (w <= 0) {
			close(fd);
			return 0;
		}
		done += (size_t)w;
	}
	cprof__elffile e;
	char why[160];
	if (cprof__elf_open(&e, fd, why, sizeof(why)) == 0) {
		const cprof__elftab *tabs[] = {&e.symtab, &e.dynsym};
		for (int i = 0; i < 2; i++) {
			struct ctx c = {&e, tabs[i], 0};
			if (tabs[i]->size)
				cprof__elf_funcs(&e, tabs[i], each, &c);
		}
	} else if (!memchr(why, 0, sizeof(why))) {
		__builtin_trap();
	}
	cprof__elf_close(&e);
	return 0;
}
