#!/usr/bin/env bash
# test/asan.sh: the whole test suite (what make test runs) against a PostgreSQL
# built with AddressSanitizer and UndefinedBehaviorSanitizer, hardneg built
# with the same flags.  Not part of make test: it needs such a server, which
# this script never downloads or builds (docs/reliability.md says how one was
# built), and it runs several times slower.
#
#   bash test/asan.sh /path/to/pg15-asan-install     (or HN_PG_PREFIX=... bash test/asan.sh)
#
# HN_TESTS, HN_REGRESS and HN_DOCS narrow the run as in make test.  Every
# process of the cluster (and every client built with the sanitizers) writes
# its sanitizer report to .build/asan/reports/report.<pid>; the server aborts
# at the first finding (abort_on_error, halt_on_error), so a finding also
# fails the suite that triggered it.  Exits non-zero when a suite failed or a
# report names hardneg; reports wholly inside PostgreSQL are counted and
# printed but are not hardneg's to fix.
#
# Why a server built from source: preloading Debian's libasan into Debian's
# postgres hangs at startup, and an uninstrumented server would miss every
# overrun of a palloc'd chunk (only the sanitizer build's allocator is checked).
# detect_leaks=0: PostgreSQL frees by memory context and exits without freeing,
# which LeakSanitizer reports by the thousand.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-${HN_PG_PREFIX:-}}
export HN_BUILD=$root/.build/asan
# Set before the first sanitized program runs (pg_config included: its leak
# report at exit would fail it).
reports=$HN_BUILD/reports
rm -rf "$reports"
mkdir -p "$reports"
chmod 1777 "$reports"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:disable_coredump=1:log_path=$reports/report"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/report"
if [ -z "$prefix" ] || [ ! -x "$prefix/bin/pg_config" ]; then
	echo "usage: bash test/asan.sh PREFIX   (PREFIX/bin/pg_config of a PostgreSQL built with -fsanitize=address)" >&2
	exit 2
fi
prefix=$(cd "$prefix" && pwd)
cflags=$("$prefix/bin/pg_config" --cflags)
if ! grep -q -- '-fsanitize=[a-z,]*address' <<<"$cflags"; then
	echo "test/asan.sh: $prefix was not built with -fsanitize=address (pg_config --cflags)" >&2
	exit 2
fi

export HN_PG_PREFIX=$prefix
export HN_START_TIMEOUT=${HN_START_TIMEOUT:-300}
# PGXS takes pg_config's CFLAGS (which carry the sanitizers); COPT makes sure
# and keeps frames readable.
export COPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer"

# The objects are built in the source tree: build them with the sanitizers
# now, and remove them afterwards so that the next make test builds its own.
make -C "$root" -s clean >/dev/null
trap 'make -C "$root" -s clean >/dev/null' EXIT
start=$(date +%s)
set +e
bash "$root/test/run.sh"
rc=$?
set -e
secs=$(($(date +%s) - start))

shopt -s nullglob
all=("$reports"/report.*)
ours=()
for f in "${all[@]}"; do
	if grep -qF -e hardneg.so -e "$root/src/" "$f"; then ours+=("$f"); fi
done
echo
echo "== sanitizer reports: ${#all[@]} in all, ${#ours[@]} naming hardneg (${secs} s)"
for f in "${all[@]}"; do
	echo "-- $f"
	head -60 "$f"
done
[ "$rc" -eq 0 ] && [ ${#ours[@]} -eq 0 ]
