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
hn_build_and_stage
cluster=$work/cluster
trap 'hn_cluster_stop "$cluster"' EXIT
hn_cluster_start "$cluster"
# same settings for both indexes: room for table and index in shared buffers
cat >>"$cluster/data/postgresql.conf" <<CONF
shared_buffers = 2GB
maintenance_work_mem = 1GB
max_parallel_maintenance_workers = 2
CONF
hn_as_server "$HN_PGBIN/pg_ctl" -D "$cluster/data" -w restart >/dev/null
hn_psql -d postgres -c "CREATE DATABASE bench"
hn_psql -d bench -c "CREATE EXTENSION hardneg" -c "CREATE EXTENSION vector"
hn_psql -d bench -Atc "SELECT 'pgvector ' || extversion FROM pg_extension WHERE extname = 'vector'"
"$HN_PYTHON" bench/index/data.py "$work/data"
HN_PSQL=$HN_PGBIN/psql "$HN_PYTHON" bench/index/bench.py "$work/data" "$work/results.json" "$@"
# the plot in docs/index.md, README.md and docs/benchmarks.md, and the table for the latter
"$HN_PYTHON" bench/index/report.py "$work/results.json" docs/ann_index.png
