#!/usr/bin/env bash
# Hard-negative mining benchmark: mine_hard_negatives() versus the same
# sentence-transformers pipeline on faiss IndexFlatIP + numpy (Debian
# python3-faiss), on SciFact train (809 queries, 5183 documents, USE-lite
# 512-d), 2 threads each, median of RUNS runs.  SciFact is read from
# ../shared/data and never copied into the repository.
#   bash bench/mining/run.sh [RUNS]
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"
runs=${1:-5}
data=${HN_SHARED_DATA:-$HN_ROOT/../shared/data}
vdir=$data/vectors/use-lite/scifact
qrels=$data/ir/scifact/qrels_train.tsv
work=$HN_BUILD/bench-mining
HN_PORT=${HN_PORT:-5498}

hn_build_and_stage
mkdir -p "$work"
[ -f "$work/mining/docs.tsv" ] || HN_TESTDATA=$work "$HN_ROOT/test/prepare.d/40_mining" >/dev/null
trap 'hn_cluster_stop "$work/cluster"' EXIT
hn_cluster_start "$work/cluster"
hn_psql -d postgres -c "CREATE EXTENSION hardneg" \
	-c "CREATE TABLE docs (id bigint PRIMARY KEY, embedding real[])" \
	-c "CREATE TABLE queries (id bigint PRIMARY KEY, embedding real[])" \
	-c "CREATE TABLE qrels (query_id bigint, doc_id bigint, relevance int)" \
	-c "\\copy docs FROM '$work/mining/docs.tsv'" \
	-c "\\copy queries FROM '$work/mining/queries.tsv'" \
	-c "\\copy qrels FROM '$work/mining/qrels.tsv'" -c "SET hardneg.blas_threads = 2" >/dev/null

# median wall time of one SQL statement over $runs runs
median_sql() {
	for _ in $(seq "$runs"); do
		hn_psql -d postgres -c "SET hardneg.blas_threads = 2" -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
	done | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)] / 1000}'
}

in="'SELECT id, embedding FROM queries', 'SELECT id, embedding FROM docs', 'SELECT query_id, doc_id, relevance FROM qrels'"
for c in "3 0 8 none" "15 10 210 none" "3 0 35 0.05"; do
	set -- $c
	margin=""; [ "$4" != none ] && margin=", absolute_margin => $4"
	t=$(median_sql "SELECT count(*) FROM mine_hard_negatives($in, num_negatives => $1, range_min => $2, range_max => $3$margin)")
	echo "num_negatives=$1 range=$2-$3 margin=$4"
	echo "  hardneg mine_hard_negatives (incl. reading the inputs through SQL): median $t s over $runs runs"
	echo -n "  "
	"$HN_PYTHON" bench/mining/faiss_st.py "$vdir" "$qrels" "$runs" "$@"
done
