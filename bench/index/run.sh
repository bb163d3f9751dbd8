#!/usr/bin/env bash
# ANN index benchmark: ivfsq vs pgvector HNSW in one throwaway cluster.
#   bash bench/index/run.sh [bench.py options, e.g. --sets glove --reps 3]
# Needs pgvector installed in the system PostgreSQL 15 (test/lib.sh copies
# that tree).  Data and results go under .build/bench-index; the plot and the
# table for docs/benchmarks.md come from report.py.
HN_PORT=${HN_PORT:-5612}	# its own socket, beside a test cluster
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"

work=$HN_BUILD/bench-index
mkdir -p "$work/data"
# same settings for both indexes: room for table and index in shared buffers
hn_bench_cluster "$work/cluster" hardneg vector
"$HN_PYTHON" bench/index/data.py "$work/data"
HN_PSQL=$HN_PGBIN/psql "$HN_PYTHON" bench/index/bench.py "$work/data" "$work/results.json" "$@"
# the plot in docs/index.md, README.md and docs/benchmarks.md, and the table for the latter
"$HN_PYTHON" bench/index/report.py "$work/results.json" docs/ann_index.png
