#!/usr/bin/env bash
# bench/metrics/runs.sh TREC_EVAL_BINARY [ROUNDS]
#
# Many runs at once (issue 18).  Ten runs of 5000 queries x 100 documents in
# one table (5 million rows) and 150000 judgments.  Per round, interleaved:
#   binary x10   the trec_eval binary once per run file (-q -m all_trec), summed
#   trec_eval()  one call over the 10-run table (run_id column), all_trec, per query
#   trec_eval()1 one call over one run (the binary's unit of work)
#   fuse_runs()  RRF of the 10 runs, then combsum (min-max), count(*) of the rows
# Prints each round and the medians with the ratios the issue asks for.
source "$(dirname "$0")/../../test/lib.sh"
binary=${1:?usage: bench/metrics/runs.sh TREC_EVAL_BINARY [ROUNDS]}
rounds=${2:-5}
export HN_PORT=${HN_PORT:-5578}
cd "$HN_ROOT"

data=$HN_BUILD/bench-runs
mkdir -p "$data"
$HN_PYTHON - "$data" <<'PY'
import random, sys
d = sys.argv[1]
rng = random.Random(42)
qdocs = [rng.sample(range(100000), 400) for q in range(5000)]
with open(d + '/qrels', 'w') as qrels:
    for q, docs in enumerate(qdocs):
        for doc in docs[:30]:
            qrels.write('q%d 0 d%d %d\n' % (q, doc, rng.choice([0, 0, 1, 2, 3])))
with open(d + '/all.tsv', 'w') as allf:
    for r in range(10):
        with open(d + '/run%d' % r, 'w') as run:
            for q, docs in enumerate(qdocs):
                for i, doc in enumerate(rng.sample(docs, 100)):
                    s = rng.random() * 10
                    run.write('q%d Q0 d%d %d %.6f r%d\n' % (q, doc, i + 1, s, r))
                    allf.write('r%d\tq%d\td%d\t%.6f\n' % (r, q, doc, s))
PY
hn_build_and_stage
cluster=$HN_BUILD/bench-runs-cluster
trap 'hn_cluster_stop "$cluster"' EXIT
hn_cluster_start "$cluster"
hn_psql -d postgres <<SQL
CREATE EXTENSION hardneg;
CREATE TABLE bench_runs (run_id text, query_id text, doc_id text, score float8);
CREATE TABLE bench_qrels (query_id text, x text, doc_id text, relevance int);
\copy bench_runs FROM '$data/all.tsv'
\copy bench_qrels FROM program 'tr " " "\t" < $data/qrels'
VACUUM ANALYZE bench_runs, bench_qrels;
SQL

qrels="'SELECT query_id, doc_id, relevance FROM bench_qrels'"
eval_all="SELECT count(*) FROM trec_eval('SELECT run_id, query_id, doc_id, score FROM bench_runs', $qrels, '{all_trec}')"
eval_one="SELECT count(*) FROM trec_eval('SELECT query_id, doc_id, score FROM bench_runs WHERE run_id = ''r0''', $qrels, '{all_trec}')"
fuse_rrf="SELECT count(*) FROM fuse_runs('SELECT run_id, query_id, doc_id, score FROM bench_runs', 'rrf', 60, 'none', NULL, NULL::text)"
fuse_sum="SELECT count(*) FROM fuse_runs('SELECT run_id, query_id, doc_id, score FROM bench_runs', 'combsum', 60, 'min-max', NULL, NULL::text)"
now() { date +%s.%N; }
timed() { local t0; t0=$(now); "$@" >/dev/null; echo "$(now) - $t0" | bc; }
bin=() all=() one=() rrf=() csum=()
for r in $(seq "$rounds"); do
	t0=$(now)
	for i in $(seq 0 9); do "$binary" -q -m all_trec "$data/qrels" "$data/run$i" >/dev/null; done
	bin+=("$(echo "$(now) - $t0" | bc)")
	all+=("$(timed hn_psql -d postgres -At -c "$eval_all")")
	one+=("$(timed hn_psql -d postgres -At -c "$eval_one")")
	rrf+=("$(timed hn_psql -d postgres -At -c "$fuse_rrf")")
	csum+=("$(timed hn_psql -d postgres -At -c "$fuse_sum")")
	echo "round $r: binary x10 ${bin[-1]} s, trec_eval() 10 runs ${all[-1]} s, trec_eval() 1 run ${one[-1]} s," \
		"fuse_runs rrf ${rrf[-1]} s, combsum ${csum[-1]} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mb=$(median "${bin[@]}"); ma=$(median "${all[@]}"); m1=$(median "${one[@]}")
mr=$(median "${rrf[@]}"); mc=$(median "${csum[@]}")
echo "medians: binary x10 $mb s | trec_eval() 10 runs $ma s | trec_eval() 1 run $m1 s | fuse_runs rrf $mr s | combsum $mc s"
echo "trec_eval() 10 runs / binary x10: $(echo "scale=3; $ma / $mb" | bc) (at most 1 asked)"
echo "fuse_runs rrf / trec_eval() 10 runs: $(echo "scale=3; $mr / $ma" | bc); combsum: $(echo "scale=3; $mc / $ma" | bc)"
echo "fuse_runs rrf / trec_eval() 1 run: $(echo "scale=3; $mr / $m1" | bc); combsum: $(echo "scale=3; $mc / $m1" | bc) (at most 2 asked)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
