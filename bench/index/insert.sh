#!/usr/bin/env bash
# Inserts into a built ivfsq index vs pgvector HNSW, concurrent inserters,
# and space reuse over delete / VACUUM / re-insert rounds, in one throwaway
# cluster (bench/index/insert.py says what is measured).
#   bash bench/index/insert.sh [insert.py options, e.g. --reps 3 --seconds 15]
# Needs pgvector installed in the system PostgreSQL 15 (test/lib.sh copies
# that tree).  Results go under .build/bench-insert.
HN_PORT=${HN_PORT:-5616}	# its own socket, beside a test cluster
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"

work=$HN_BUILD/bench-insert
mkdir -p "$work"
hn_bench_cluster "$work/cluster" hardneg vector
uptime
HN_PSQL=$HN_PGBIN/psql HN_PGBENCH=$HN_PGBIN/pgbench "$HN_PYTHON" bench/index/insert.py "$work/results.json" "$@"
uptime
