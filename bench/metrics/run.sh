#!/usr/bin/env bash
# bench/metrics/run.sh TREC_EVAL_BINARY [ROUNDS]
#
# trec_eval() over 5000 queries x 100 documents held in tables, against the
# trec_eval binary on the same data as files, interleaved in the same run.
# Both compute all_trec with per-query output (-q); the binary writes to
# /dev/null, trec_eval() feeds count(*).  Prints each round and the medians.
source "$(dirname "$0")/../../test/lib.sh"
binary=${1:?usage: bench/metrics/run.sh TREC_EVAL_BINARY [ROUNDS]}
rounds=${2:-7}
export HN_PORT=${HN_PORT:-5577}
cd "$HN_ROOT"

data=$HN_BUILD/bench-metrics
mkdir -p "$data"
$HN_PYTHON - "$data" <<'PY'
import random, sys
d = sys.argv[1]
rng = random.Random(42)
with open(d + '/run', 'w') as run, open(d + '/qrels', 'w') as qrels:
    for q in range(5000):
        docs = rng.sample(range(100000), 130)
        for i, doc in enumerate(docs[:100]):
            run.write('q%d Q0 d%d %d %.6f bench\n' % (q, doc, i + 1, rng.random() * 10))
        for doc in docs[50:80]:            # 30 judgments, half of them retrieved
            qrels.write('q%d 0 d%d %d\n' % (q, doc, rng.choice([0, 0, 1, 2, 3])))
PY
hn_build_and_stage
cluster=$HN_BUILD/bench-cluster
trap 'hn_cluster_stop "$cluster"' EXIT
hn_cluster_start "$cluster"
hn_psql -d postgres <<SQL
CREATE EXTENSION hardneg;
CREATE TABLE bench_run (query_id text, x text, doc_id text, rk int, score float8, tag text);
CREATE TABLE bench_qrels (query_id text, x text, doc_id text, relevance int);
\copy bench_run FROM program 'tr " " "\t" < $data/run'
\copy bench_qrels FROM program 'tr " " "\t" < $data/qrels'
VACUUM ANALYZE bench_run, bench_qrels;
SQL

sql="SELECT count(*) FROM trec_eval('SELECT query_id, doc_id, score FROM bench_run',
	'SELECT query_id, doc_id, relevance FROM bench_qrels', '{all_trec}')"
now() { date +%s.%N; }
ours=() theirs=()
for r in $(seq "$rounds"); do
	t0=$(now); "$binary" -q -m all_trec "$data/qrels" "$data/run" >/dev/null; t1=$(now)
	hn_psql -d postgres -At -c "$sql" >/dev/null; t2=$(now)
	theirs+=("$(echo "$t1 - $t0" | bc)"); ours+=("$(echo "$t2 - $t1" | bc)")
	echo "round $r: binary ${theirs[-1]} s, trec_eval() ${ours[-1]} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mb=$(median "${theirs[@]}"); mo=$(median "${ours[@]}")
echo "median binary ${mb} s, median trec_eval() ${mo} s, ratio binary/trec_eval() $(echo "scale=2; $mb / $mo" | bc)"
