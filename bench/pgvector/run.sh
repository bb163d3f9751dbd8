#!/usr/bin/env bash
# pgvector migration benchmark: one pgvector table, the application's query
# unchanged (ORDER BY e <=> $1 LIMIT 10), with no index, pgvector HNSW,
# pgvector IVFFlat and hardneg ivfsq (vector_cosine_ops) in turn as its only
# index, all in one throwaway cluster.
#   bash bench/pgvector/run.sh [bench.py options, e.g. --queries 200 --reps 3]
# Needs pgvector installed in the system PostgreSQL 15 (test/lib.sh copies
# that tree) and the GloVe split under ../shared/data (bench/index/data.py).
HN_PORT=${HN_PORT:-5613}	# its own socket, beside a test cluster
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"

work=$HN_BUILD/bench-pgvector
mkdir -p "$work/data"
# pgvector first, as an existing application has it; hardneg comes later
hn_bench_cluster "$work/cluster" vector hardneg
HN_PSQL=$HN_PGBIN/psql "$HN_PYTHON" bench/pgvector/bench.py "$work/data" "$work/results.json" "$@"
