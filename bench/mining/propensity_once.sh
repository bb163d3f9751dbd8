#!/usr/bin/env bash
# mine_hard_negatives(false_negatives => 'propensity') before and after the
# change that runs every input query and the exact k-NN pass once per call:
# the same statement on two servers side by side, one with hardneg built from
# BASE (a git revision, default main) and one from this checkout, on SciFact
# train (809 queries, 5183 documents, USE-lite 512-d, read from ../shared/data
# and never copied into the repository).  Runs alternate base, this, base,
# this ... so drift hits both; prints each side's median and the median of
# the per-pair ratios.
#   bash bench/mining/propensity_once.sh [BASE] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
base_rev=${1:-main}
runs=${2:-5}
port=${HN_PORT:-5498}
work=${HN_BENCH_DIR:-/var/tmp/hardneg-bench-propensity-$(id -u)}

rm -rf "$work/base-src"
mkdir -p "$work/base-src"
git -C "$here" archive "$base_rev" | tar -x -C "$work/base-src"

# Builds the tree at $1, stages it under $2 and starts a server on port $3 (left running).
serve() {
	(
		export HN_BUILD=$2 HN_PORT=$3
		source "$1/test/lib.sh"
		hn_build_and_stage >/dev/null
		hn_cluster_start "$HN_BUILD/cluster"
	)
}
psql_at() {
	local b=$1
	shift
	"$b/stage/usr/lib/postgresql/15/bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$b/cluster" \
		-p "$(cat "$b/port")" -U postgres -d postgres "$@"
}
stop_all() {
	for b in "$work/base" "$work/this"; do
		[ -f "$b/cluster/data/postmaster.pid" ] || continue
		runuser_or() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
		runuser_or "$b/stage/usr/lib/postgresql/15/bin/pg_ctl" -D "$b/cluster/data" -m fast -w stop >/dev/null 2>&1 || true
	done
}
trap stop_all EXIT

mkdir -p "$work/base" "$work/this"
echo "$port" >"$work/base/port"
echo "$((port + 1))" >"$work/this/port"
serve "$work/base-src" "$work/base" "$port"
serve "$here" "$work/this" "$((port + 1))"

# the SciFact inputs, as the mining suites prepare them
if [ ! -f "$work/data/mining/docs.tsv" ]; then
	mkdir -p "$work/data"
	HN_TESTDATA=$work/data HN_SHARED_DATA=${HN_SHARED_DATA:-$here/../shared/data} \
		"$here/test/prepare.d/40_mining" >/dev/null
fi
chmod -R a+rX "$work/data"
for b in "$work/base" "$work/this"; do
	psql_at "$b" -c "CREATE EXTENSION hardneg" \
		-c "CREATE TABLE docs (id bigint PRIMARY KEY, embedding real[])" \
		-c "CREATE TABLE queries (id bigint PRIMARY KEY, embedding real[])" \
		-c "CREATE TABLE qrels (query_id bigint, doc_id bigint, relevance int)" \
		-c "\\copy docs FROM '$work/data/mining/docs.tsv'" \
		-c "\\copy queries FROM '$work/data/mining/queries.tsv'" \
		-c "\\copy qrels FROM '$work/data/mining/qrels.tsv'" -c "ANALYZE"
done

sql="SELECT count(*) FROM mine_hard_negatives('SELECT id, embedding FROM queries', 'SELECT id, embedding FROM docs',
	'SELECT query_id, doc_id, relevance FROM qrels', num_negatives => 3, range_max => 50,
	false_negatives => 'propensity')"
# wall seconds of one statement on server $1
timed() {
	psql_at "$1" -c "SET hardneg.blas_threads = 2" -c '\timing on' -c "$sql" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{printf "%.4f\n", $1 / 1000}'
}
# same rows on both sides, or the timing compares different work
[ "$(psql_at "$work/base" -Atc "$sql")" = "$(psql_at "$work/this" -Atc "$sql")" ] ||
	{ echo "the two builds return different row counts" >&2; exit 1; }
echo "load before: $(uptime)"
timed "$work/base" >/dev/null
timed "$work/this" >/dev/null	# warm-up
: >"$work/times"
for _ in $(seq "$runs"); do
	a=$(timed "$work/base")
	b=$(timed "$work/this")
	echo "$a $b" >>"$work/times"
done
echo "load after: $(uptime)"
median() { sort -n | awk '{v[NR]=$1} END {printf "%.3f", v[int((NR+1)/2)]}'; }
echo "mine_hard_negatives(false_negatives => 'propensity'), SciFact train, $runs runs each, alternating"
echo "  base ($base_rev): median $(awk '{print $1}' "$work/times" | median) s"
echo "  this checkout:   median $(awk '{print $2}' "$work/times" | median) s"
echo "  this / base, per pair: median $(awk '{print $2 / $1}' "$work/times" | median)"
