#!/usr/bin/env bash
# Mining at scale (docs/benchmarks.md, "Mining at scale"; issue 14 item 1):
# mine_hard_negatives() and knn_search() top-100 on the same synthetic
# clustered inputs, one after the other in one cluster, each in a fresh
# backend whose RssAnon (private memory) is sampled every 0.2 s for the peak.
#
#   bash bench/mining/scale.sh [NDOCS NQUERIES DIM WORK_MEM]
#       default 600000 1000 128 64MB; the 2M x 768 case: 2000000 1000 768 256MB
#
# Mining searches K = range_max + max_positives = 100 candidates per query, the
# depth of the knn_search call it is compared with.
# Prints one line per call: seconds, peak RssAnon (kB), rows, and the corpus
# floats (NDOCS x DIM x 4 bytes) for the ratio the goal is stated in.
HN_BUILD=${HN_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/.build/bench}
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"
set +u
ndocs=${1:-600000}
nq=${2:-1000}
dim=${3:-128}
wm=${4:-64MB}
THREADS=${THREADS:-2}
data=$HN_BUILD/bench-mining-scale-$ndocs-$dim
cluster=$HN_BUILD/bench-mining-scale-cluster

hn_build_and_stage
[ -f "$data/qrels.tsv" ] || "$HN_PYTHON" bench/mining/gen_scale.py "$data" "$ndocs" "$nq" "$dim"
chmod -R a+rX "$data"
trap 'hn_cluster_stop "$cluster"' EXIT
hn_cluster_start "$cluster"
psql_t() { "$HN_PGBIN/psql" -X -v ON_ERROR_STOP=1 -q -At -d postgres "$@"; }
psql_t <<SQL
CREATE EXTENSION hardneg;
CREATE EXTENSION vector;
CREATE TABLE docs (id bigint PRIMARY KEY, embedding vector($dim));
CREATE TABLE queries (id bigint PRIMARY KEY, embedding vector($dim));
CREATE TABLE qrels (query_id bigint, doc_id bigint, relevance int);
COPY docs FROM '$data/docs.copy' WITH (FORMAT binary);
COPY queries FROM '$data/queries.copy' WITH (FORMAT binary);
COPY qrels FROM '$data/qrels.tsv';
VACUUM ANALYZE docs, queries, qrels;
SQL

# measure NAME SQL: time and peak RssAnon of SQL in a fresh backend
measure() {
	local name=$1 sql=$2 out=$HN_BUILD/bench-mining-scale.out
	psql_t -c "SET work_mem = '$wm'" -c "SET hardneg.blas_threads = $THREADS" -c "SELECT pg_backend_pid()" \
		-c "SELECT pg_sleep(0.5)" -c '\timing on' -c "$sql" >"$out" &
	local client=$! pid="" peak=0 v
	while [ -z "$pid" ]; do sleep 0.1; pid=$(head -1 "$out" 2>/dev/null || true); done
	while kill -0 "$client" 2>/dev/null; do
		v=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$peak" ] && peak=$v
		sleep 0.2
	done
	wait "$client"
	echo "$name seconds=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$out" | tail -1 | awk '{printf "%.1f", $1 / 1000}')" \
		"peak_rss_anon_kb=$peak rows=$(grep -E '^[0-9]+$' "$out" | tail -1)" \
		"corpus_float_kb=$((ndocs * dim * 4 / 1024)) work_mem=$wm load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
}

measure knn_search_top100 "SELECT count(*) FROM knn_search('SELECT id, embedding FROM queries',
	'SELECT id, embedding FROM docs', 100, 'cosine')"
measure mine_hard_negatives "SELECT count(*) FROM mine_hard_negatives('SELECT id, embedding FROM queries',
	'SELECT id, embedding FROM docs', 'SELECT query_id, doc_id, relevance FROM qrels',
	num_negatives => 5, range_max => 99, metric => 'cosine')"
