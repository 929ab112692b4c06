#!/bin/sh
# Installs the Debian 12 packages cprof's build, tests and benchmarks need.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -e
PKGS="build-essential clang pkg-config zlib1g-dev libelf-dev libdw-dev libcurl4-openssl-dev
libmicrohttpd-dev graphviz golang-go google-perftools libgoogle-perftools-dev libc6-dbg
binutils libxml2-utils python3-scipy heaptrack libjemalloc2 libjemalloc-dev procps time
chromium sqlite3 mawk git perl g++ strace openssl openssh-client curl nodejs"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
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
