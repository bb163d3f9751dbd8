#!/usr/bin/env bash
# Shallow-pooling simulation for the false-negative estimators (docs/benchmarks.md,
# "False negatives").  Builds hardneg into a private server tree, starts a throwaway
# cluster, runs simulate.py against it, stops the cluster.
#   bash bench/falseneg/run.sh            # Cranfield and SciFact train
#   bash bench/falseneg/run.sh --calibration          # issue 12 grid (calibration.py)
#   bash bench/falseneg/run.sh --calibration --cisi   # the held-out collection, once, at the end
# Data is read from ../shared/data at run time (SciFact is CC BY-NC: never copied here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export HN_PORT=${HN_PORT:-5562}
source "$here/../../test/lib.sh"
cd "$HN_ROOT"
hn_build_and_stage
cluster=$HN_BUILD/bench-falseneg
trap 'hn_cluster_stop "$cluster"' EXIT
hn_cluster_start "$cluster"
hn_psql -d postgres -c "CREATE EXTENSION hardneg"
if [ "${1:-}" = --calibration ]; then
	shift
	PSQL="$HN_PGBIN/psql" "$HN_PYTHON" "$here/calibration.py" "$@"
	exit
fi
PSQL="$HN_PGBIN/psql" "$HN_PYTHON" "$here/simulate.py" "$@"
# independent numpy re-computation of every (a) and (c) row
"$HN_PYTHON" "$here/check_numpy.py"
# the false-negative vs hardness plot (docs/false-negatives.md, README.md) from results.tsv
"$HN_PYTHON" "$here/plot.py"
