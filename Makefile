# cprof — build, install and test.  See docs/ARCHITECTURE.md for the module map.
#
#   make                      build libcprof.{so,a}, libcprof_bench.a and the cprof command
#   make CC=clang             same with clang
#   make SANITIZE=address,undefined test   the suite under sanitizers (TSAN: SANITIZE=thread)
#   make install PREFIX=DIR   install bin/, lib/, include/, lib/pkgconfig/, the man page
#                             (share/man/man1/cprof.1) and the bash and zsh completions
#                             (DESTDIR=STAGE prefixes every path, for packaging)
#   make runtime              libcprof.so and libcprof.a only (the benchmarks)
#   make test                 run every test (ends with "N passed, N failed")
#   make demo                 the README's main job
#   make CC=clang B=build-fuzz fuzz   build the libFuzzer targets (fuzz/) and run each
#                             for a fixed number of executions (CI does)

# The version is written once, in include/cprof.h.
version_part = $(shell sed -n 's/^\#define CPROF_VERSION_$(1) \([0-9][0-9]*\)$$/\1/p' include/cprof.h)
VERSION   := $(call version_part,MAJOR).$(call version_part,MINOR).$(call version_part,PATCH)
SOVERSION := $(call version_part,MAJOR)
PREFIX    ?= /usr/local
B         ?= build
SANITIZE  ?=

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c17 $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden -pthread \
	-Iinclude -Isrc -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) -pthread
ifneq ($(SANITIZE),)
ALL_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# libdw is dlopen-ed while a profile is symbolised (src/profile/dwlib.h):
# linked, it and its libelf/libz/liblzma/libbz2 would be loaded into every
# process libcprof is preloaded into.
# No libm either (src/runtime/rt.h has the three functions it needs).
RT_LIBS   := -lz -ldl -lrt
# The CLI and the unit tests link libdw outright (they are not a host to keep
# small; dwlib.c's dlopen then finds it loaded): a libdw first dlopen-ed late
# in a process made LeakSanitizer's exit-time scan fault in test_symbolize.
CLI_LIBS  := -Wl,--push-state,--no-as-needed -ldw -Wl,--pop-state -lelf -lz -lm -ldl # libcurl, libmicrohttpd: dlopen-ed (src/cli/lazylib.h)

BASE_SRC    := $(wildcard src/base/*.c)
RUNTIME_SRC := $(wildcard src/runtime/*.c)
PROFILE_SRC := $(wildcard src/profile/*.c)
PROFIO_SRC  := $(wildcard src/profio/*.c)
REPORT_SRC  := $(wildcard src/report/*.c)
CLI_SRC     := $(wildcard src/cli/*.c)
BENCH_SRC   := $(wildcard src/bench/*.c)
BENCHSTAT_SRC := $(wildcard src/benchstat/*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))
BASE_OBJ    := $(call obj,$(BASE_SRC))
RUNTIME_OBJ := $(call obj,$(RUNTIME_SRC))
PROFILE_OBJ := $(call obj,$(PROFILE_SRC))
PROFIO_OBJ  := $(call obj,$(PROFIO_SRC))
REPORT_OBJ  := $(call obj,$(REPORT_SRC))
CLI_OBJ     := $(call obj,$(CLI_SRC))
BENCH_OBJ   := $(call obj,$(BENCH_SRC))
# `cprof benchstat` only: linked into the command, never into the installed
# harness (libcprof_bench.a; tests/integration/exports.sh checks).
BENCHSTAT_OBJ := $(call obj,$(BENCHSTAT_SRC))
# libcprof links all of src/profile/ and nothing of src/profio/ (the
# readers, merge and the CLI's threaded gzip writer stay out of the host;
# tests/integration/runtime_links.sh checks it); of src/base/, the buffer
# and JSON escaping (the execution trace).
RT_BASE_OBJ := $(call obj,src/base/buf.c src/base/escape.c src/base/utf8.c)
# A missing object or library fails the link, not the host's start.  (A
# sanitizer runtime may be left for the program to provide: clang's is.)
SO_DEFS := $(if $(SANITIZE),,-Wl,--no-undefined)

SO      := $(B)/libcprof.so.$(VERSION)
A       := $(B)/libcprof.a
BENCH_A := $(B)/libcprof_bench.a
CPROF   := $(B)/cprof

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

# The man page and the shell completions are printed by the cprof just built
# from its command table (src/cli/usage.c), so they cannot drift from it.
GEN_DOCS := $(B)/cprof.1 $(B)/completion/cprof $(B)/completion/_cprof

all: $(SO) $(A) $(BENCH_A) $(CPROF) $(GEN_DOCS)
runtime: $(SO) $(A)

# Objects rebuild when the compiler or its flags change, as git's GIT-CFLAGS
# does: `make` then `make SANITIZE=address test` in one build directory must
# not link objects built without the sanitizer.  The stamp is rewritten only
# when its text differs, so an unchanged build stays up to date.
FLAGS_STAMP := $(B)/.build-flags
FLAGS_NOW    = $(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)
$(FLAGS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' >$@
FORCE:

# Interposers that sanitizer runtimes call during their own initialisation
# (sigaction, signal, _exit...) must not be instrumented themselves.
NOSAN_OBJ := $(call obj,src/runtime/sigproxy.c src/runtime/env.c)
ifneq ($(findstring thread,$(SANITIZE)),)
# ThreadSanitizer's runtime is not ready for the malloc interposers' first calls.
NOSAN_OBJ += $(call obj,src/runtime/heap.c) $(B)/testlib/heap_boot.o
endif
$(NOSAN_OBJ): ALL_CFLAGS := $(filter-out -fsanitize=% -fno-sanitize-recover=all,$(ALL_CFLAGS))

# src/report/flame_assets.c is generated from web/ by web/embed.sh and
# committed (a build needs no script): editing web/ and running make
# regenerates it (tests/integration/flame_assets.sh checks it is current).
src/report/flame_assets.c: $(wildcard web/*.js web/*.css web/*.html) web/embed.sh
	sh web/embed.sh $@
# The live dashboard's page (cprof web http://HOST:PORT/), the same way.
src/cli/live_assets.c: web/live.html web/embed_live.sh
	sh web/embed_live.sh $@

$(B)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(SO): $(RUNTIME_OBJ) $(PROFILE_OBJ) $(RT_BASE_OBJ) src/runtime/libcprof.map Makefile
	$(CC) -shared -o $@ -Wl,-soname,libcprof.so.$(SOVERSION) \
		-Wl,--version-script=src/runtime/libcprof.map -Wl,-z,nodelete $(SO_DEFS) \
		$(RUNTIME_OBJ) $(PROFILE_OBJ) $(RT_BASE_OBJ) $(ALL_LDFLAGS) $(RT_LIBS)
	ln -sf libcprof.so.$(VERSION) $(B)/libcprof.so.$(SOVERSION)
	ln -sf libcprof.so.$(VERSION) $(B)/libcprof.so

$(A): $(RUNTIME_OBJ) $(PROFILE_OBJ) $(RT_BASE_OBJ)
	rm -f $@
	ar rcs $@ $^

# Rebuilt when the Makefile changes too: its member list is the Makefile's.
# The harness is installed for users: it carries the base objects it uses
# (a program links libcprof_bench.a alone).
BENCH_BASE_OBJ := $(call obj,src/base/buf.c src/base/sb.c)
$(BENCH_A): $(BENCH_OBJ) $(BENCH_BASE_OBJ) Makefile
	rm -f $@
	ar rcs $@ $(BENCH_OBJ) $(BENCH_BASE_OBJ)

$(CPROF): $(CLI_OBJ) $(REPORT_OBJ) $(PROFIO_OBJ) $(PROFILE_OBJ) $(BENCHSTAT_OBJ) $(BASE_OBJ)
	$(CC) -o $@ $(CLI_OBJ) $(REPORT_OBJ) $(PROFIO_OBJ) $(PROFILE_OBJ) $(BENCHSTAT_OBJ) $(BASE_OBJ) \
		$(ALL_LDFLAGS) $(CLI_LIBS)

$(B)/cprof.1: $(CPROF)
	$(CPROF) __gen man >$@.tmp && mv $@.tmp $@
$(B)/completion/cprof: $(CPROF)
	@mkdir -p $(dir $@)
	$(CPROF) __gen bash >$@.tmp && mv $@.tmp $@
$(B)/completion/_cprof: $(CPROF)
	@mkdir -p $(dir $@)
	$(CPROF) __gen zsh >$@.tmp && mv $@.tmp $@

# Unit tests link the internal objects directly (and a runtime object or
# two, pure ones, named per test).
UNIT_EXTRA_test_httpreq := $(call obj,src/runtime/httpreq.c)
$(B)/tests/test_httpreq: $(UNIT_EXTRA_test_httpreq)
$(B)/tests/%: tests/unit/%.c $(PROFIO_OBJ) $(PROFILE_OBJ) $(REPORT_OBJ) $(BENCHSTAT_OBJ) $(BASE_OBJ) \
		$(BENCH_A) $(A) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(REPORT_OBJ) $(PROFIO_OBJ) $(PROFILE_OBJ) $(BENCHSTAT_OBJ) \
		$(BASE_OBJ) $(BENCH_A) $(UNIT_EXTRA_$*) \
		$(ALL_LDFLAGS) $(CLI_LIBS) -lrt

# A test build of libcprof whose allocator resolution allocates, as an older
# glibc's dlsym did (tests/integration/heap_boot.sh).
BOOT_SO := $(B)/testlib/libcprof_boot.so
$(B)/testlib/heap_boot.o: src/runtime/heap.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DCPROF_TEST_BOOT -c -o $@ $<

# Its export list is libcprof's and the test hook.
$(B)/testlib/libcprof_boot.map: src/runtime/libcprof.map
	@mkdir -p $(dir $@)
	sed 's/^global:$$/global:\n\tcprof_test_boot_objects;/' $< >$@
$(BOOT_SO): $(B)/testlib/heap_boot.o $(filter-out $(B)/src/runtime/heap.o,$(RUNTIME_OBJ)) \
		$(PROFILE_OBJ) $(RT_BASE_OBJ) $(B)/testlib/libcprof_boot.map
	$(CC) -shared -o $@ -Wl,--version-script=$(B)/testlib/libcprof_boot.map -Wl,-z,nodelete \
		$(filter %.o,$^) $(ALL_LDFLAGS) $(RT_LIBS)

deps:
	@sh scripts/deps.sh

# libFuzzer targets: clang only.  FUZZ_RUNS executions each, from a fixed seed,
# starting from the committed corpora (tests/fuzz.sh).
FUZZ_FLAGS := -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc
FUZZ_RUNS  ?= 20000
FUZZ_BIN   := $(B)/fuzz/fuzz_decode $(B)/fuzz/fuzz_deflate $(B)/fuzz/fuzz_benchstat \
	      $(B)/fuzz/fuzz_elfread $(B)/fuzz/fuzz_http $(B)/fuzz/fuzz_trace
$(B)/fuzz/fuzz_decode: fuzz/fuzz_decode.c src/base/buf.c $(addprefix src/profile/,pbwire.c profile.c) \
		$(addprefix src/profio/,decode.c readfile.c legacy.c merge.c)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) '-DCPROF_DECODE_MAX=((size_t)64<<20)' -o $@ $^ -lz -lm
$(B)/fuzz/fuzz_deflate: fuzz/fuzz_deflate.c src/base/buf.c src/profio/deflate.c
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -o $@ $^ -lz
$(B)/fuzz/fuzz_benchstat: fuzz/fuzz_benchstat.c $(BENCHSTAT_SRC) $(addprefix src/base/,buf.c sb.c utf8.c)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -o $@ $^ -lm
$(B)/fuzz/fuzz_elfread: fuzz/fuzz_elfread.c src/profile/elfread.c
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -o $@ $^
$(B)/fuzz/fuzz_http: fuzz/fuzz_http.c src/runtime/httpreq.c
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -o $@ $^
$(B)/fuzz/fuzz_trace: fuzz/fuzz_trace.c src/profio/json.c src/report/tracesum.c src/base/buf.c
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -o $@ $^ -lm
fuzz: $(FUZZ_BIN)
	@FUZZ_RUNS="$(FUZZ_RUNS)" B="$(B)" sh tests/fuzz.sh

test: deps all $(UNIT_BIN) $(BOOT_SO)
	@CC="$(CC)" SANITIZE="$(SANITIZE)" B="$(B)" sh tests/run

demo: deps all
	@sh examples/pprof-demo/run.sh "$(B)"

# DESTDIR stages the tree elsewhere; the files still name PREFIX (cprof.pc).
D := $(DESTDIR)$(PREFIX)
install: all
	install -d $(D)/bin $(D)/lib/pkgconfig $(D)/include/cprof
	install -m 755 $(CPROF) $(D)/bin/cprof
	install -m 755 $(SO) $(D)/lib/
	ln -sf libcprof.so.$(VERSION) $(D)/lib/libcprof.so.$(SOVERSION)
	ln -sf libcprof.so.$(VERSION) $(D)/lib/libcprof.so
	install -m 644 $(A) $(BENCH_A) $(D)/lib/
	install -m 644 include/cprof.h $(D)/include/
	install -m 644 include/cprof/*.h $(D)/include/cprof/
	install -d $(D)/share/man/man1 $(D)/share/bash-completion/completions \
		$(D)/share/zsh/site-functions
	install -m 644 $(B)/cprof.1 $(D)/share/man/man1/cprof.1
	install -m 644 $(B)/completion/cprof $(D)/share/bash-completion/completions/cprof
	install -m 644 $(B)/completion/_cprof $(D)/share/zsh/site-functions/_cprof
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' cprof.pc.in \
		> $(D)/lib/pkgconfig/cprof.pc
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' cprof-bench.pc.in \
		> $(D)/lib/pkgconfig/cprof-bench.pc

clean:
	rm -rf $(B)

.PHONY: all runtime deps test demo install clean fuzz FORCE
-include $(shell find $(B) -name '*.d' 2>/dev/null)
