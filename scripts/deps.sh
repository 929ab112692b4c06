#!/bin/sh
# Installs the Debian 12 packages cprof's build, tests and benchmarks need.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -e
PKGS="build-essential clang pkg-config zlib1g-dev libelf-dev libdw-dev libcurl4-openssl-dev
libmicrohttpd-dev libedit2 graphviz golang-go google-perftools libgoogle-perftools-dev libc6-dbg
binutils clang-format libxml2-utils python3-scipy heaptrack libjemalloc2 libjemalloc-dev procps time
chromium sqlite3 mawk git perl g++ strace openssl openssh-client curl nodejs iproute2
util-linux prometheus wrk valgrind linux-perf zsh groff-base man-db"
# Tools a test needs, by command: a test that cannot find one reports a skip,
# and under CI a skip fails (docs/TESTING.md).  node and npm run the browser
# tests (tests/browser, playwright-core from npm): another node install (e.g.
# NodeSource's, which bundles npm) serves as well as Debian's nodejs + npm.
# Each entry is COMMAND:PACKAGE.
CMDS="node:nodejs npm:npm prlimit:util-linux objdump:binutils dot:graphviz pkg-config:pkg-config
xmllint:libxml2-utils clang-format:clang-format curl:curl ip:iproute2 chromium:chromium go:golang-go clang:clang promtool:prometheus prometheus:prometheus wrk:wrk valgrind:valgrind perf:linux-perf heaptrack:heaptrack zsh:zsh groff:groff-base man:man-db script:util-linux"
missing=""
for p in $PKGS; do
	case "$p" in nodejs | npm) continue ;; esac
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
for c in $CMDS; do
	command -v "${c%%:*}" >/dev/null 2>&1 && continue
	case " $missing " in *" ${c#*:} "*) ;; *) missing="$missing ${c#*:}" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "cprof: missing Debian packages:$missing" >&2
	echo "cprof: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "cprof: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q $missing >/dev/null
