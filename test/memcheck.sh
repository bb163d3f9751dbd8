#!/usr/bin/env bash
# test/memcheck.sh: the test suites with the cluster's server under valgrind
# memcheck; not part of make test (a run of a few suites takes many minutes).
#
#   HN_TESTS="embedding_errors knn_errors" HN_REGRESS="embedding_io" bash test/memcheck.sh
#
# Builds hardneg with -O1 -g (readable stacks), stages it under .build/memcheck,
# starts the server through a valgrind wrapper (test/lib.sh, hn_valgrind_wrap),
# runs test/run.sh's suites, then prints every valgrind error whose stack or
# origin passes through hardneg.so.  Errors elsewhere (PostgreSQL, libc,
# OpenBLAS) are noise to this check: known ones are in test/valgrind.supp, the
# rest are counted but not printed.  Exits non-zero when hardneg has an error.
# HN_TESTS and HN_REGRESS default to "none": name what you want checked.
# Documentation examples are skipped unless HN_DOCS is set.
#
# What this sees: invalid reads and writes of malloc'd memory (palloc'd chunks
# larger than 8 kB get a malloc'd block of their own, so overruns of big arrays
# show), of the stack and of freed blocks; use of uninitialised values
# (--track-origins names where they came from); bad frees.  What it cannot see:
# PostgreSQL's own Debian build has no USE_VALGRIND, so overruns inside a
# memory context's block (small pallocs) and use of pfree'd or reset chunks
# that the context still owns are invisible.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export HN_BUILD=$root/.build/memcheck
export HN_VALGRIND=$root/test/valgrind.supp
export HN_START_TIMEOUT=600
export HN_TESTS=${HN_TESTS:-none} HN_REGRESS=${HN_REGRESS:-none} HN_DOCS=${HN_DOCS:-none}
export COPT="-O1 -g -fno-omit-frame-pointer"

dpkg-query -W -f='${Status}' valgrind 2>/dev/null | grep -q 'install ok installed' || {
	source "$root/test/lib.sh"
	hn_install_packages valgrind
}

# The objects are built in the source tree: rebuild them with COPT now, and
# remove them afterwards so that the next make test builds its own.
make -C "$root" -s clean >/dev/null
trap 'make -C "$root" -s clean >/dev/null' EXIT
set +e
bash "$root/test/run.sh"
rc=$?
set -e

logs=$HN_BUILD/cluster/valgrind
vg=0
python3 "$root/test/tools/vg_report.py" "$logs" || vg=$?
[ "$rc" -eq 0 ] && [ "$vg" -eq 0 ]
