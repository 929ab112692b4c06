# gen_cproject DIR [NFILES]: write a small C project (NFILES translation
# units, a Makefile building and running one program) into DIR.  Sourced by
# tests/integration/real_exec.sh and bench/exec_cost.sh.
gen_cproject() {
	_d=$1 _n=${2:-8}
	mkdir -p "$_d"
	: >"$_d/funcs.h"
	_objs=""
	_i=1
	while [ "$_i" -le "$_n" ]; do
		cat >"$_d/f$_i.c" <<EOC
#include <stdio.h>
#include <string.h>
struct rec$_i { int id; double v[4]; char name[32]; };
static int cmp$_i(const struct rec$_i *a, const struct rec$_i *b)
{
	return a->id != b->id ? (a->id < b->id ? -1 : 1) : strcmp(a->name, b->name);
}
long f$_i(int n)
{
	struct rec$_i r[16];
	long s = 0;
	for (int i = 0; i < 16; i++) {
		r[i].id = (i * 7 + n) % 16;
		snprintf(r[i].name, sizeof r[i].name, "r%d", i);
		for (int k = 0; k < 4; k++)
			r[i].v[k] = i * k;
	}
	for (int i = 1; i < 16; i++)
		s += cmp$_i(&r[i - 1], &r[i]) + (long)r[i].v[3];
	return s;
}
EOC
		echo "long f$_i(int n);" >>"$_d/funcs.h"
		_objs="$_objs f$_i.o"
		_i=$((_i + 1))
	done
	{
		echo '#include <stdio.h>'
		echo '#include "funcs.h"'
		echo 'int main(void) { long s = 0;'
		_i=1
		while [ "$_i" -le "$_n" ]; do
			echo "s += f$_i($_i);"
			_i=$((_i + 1))
		done
		printf '%s\n' 'printf("sum %ld\n", s); return 0; }'
	} >"$_d/main.c"
	cat >"$_d/Makefile" <<EOM
CC ?= cc
CFLAGS = -O2 -g -Wall
prog: main.o$_objs
	\$(CC) -o \$@ main.o$_objs
%.o: %.c funcs.h
	\$(CC) \$(CFLAGS) -c -o \$@ \$<
run: prog
	./prog
clean:
	rm -f prog *.o
.PHONY: run clean
EOM
}
