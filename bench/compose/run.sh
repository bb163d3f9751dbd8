#!/usr/bin/env bash
# Composition benchmark (docs/benchmarks.md, "Training-set composition"): hardneg
# and its anchor on the same data in the same run, interleaved per round.
#
#   bench/compose/run.sh [N DIM K BUDGET ROUNDS]    defaults 100000 768 1000 1000 3
#
#   kmeans   kmeans(items, K, max_iter 25)             vs faiss.Kmeans(niter 25): seconds, inertia
#   smote    smote(items, 'smote'), 3 classes          vs imbalanced-learn SMOTE(k_neighbors 5), both on
#            THREADS threads (hardneg.blas_threads; threadpoolctl for imbalanced-learn's k-NN)
#   fl       select_diverse(facility_location, knn_graph_k 50, budget): the whole call, and its
#            graph and lazy greedy parts (hardneg.progress) vs a numpy lazy greedy on the same
#            graph (knn_search's, dumped once), whose order and gains must be identical;
#            FAISS_GRAPH=1 also times faiss's k-NN graph and the numpy greedy on it
#
# Data: clustered Gaussian vectors (bench/knn/gen.py).  Uses the hermetic cluster of test/lib.sh
# (Debian python3-faiss, python3-numpy, python3-imblearn for /usr/bin/python3; apt-get install them
# first).  Prints one line per measurement.
HN_BUILD=${HN_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/.build/bench}
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"
set +u

N=${1:-100000}
DIM=${2:-768}
K=${3:-1000}
BUDGET=${4:-1000}
ROUNDS=${5:-3}
THREADS=${THREADS:-2}
WHAT=${WHAT:-"kmeans smote fl"}

hn_build_and_stage
cluster=$HN_BUILD/bench-compose-cluster
data=$HN_BUILD/bench-compose-$N-$DIM
trap 'hn_cluster_stop "$cluster"' EXIT
hn_cluster_start "$cluster"
psql_t() { "$HN_PGBIN/psql" -X -v ON_ERROR_STOP=1 -q -At -d bench "$@"; }

hn_log "generating $N x $DIM"
"$HN_PYTHON" bench/knn/gen.py "$data" "$N" 1 "$DIM"
chmod -R a+rX "$data"
hn_psql -d postgres -c "CREATE DATABASE bench"
psql_t <<SQL
CREATE EXTENSION hardneg;
CREATE TABLE docs (id bigint PRIMARY KEY, embedding embedding($DIM));
COPY docs FROM '$data/docs.copy' WITH (FORMAT binary);
ALTER TABLE docs ADD COLUMN class text;
UPDATE docs SET class = CASE WHEN id % 20 = 0 THEN 'c' WHEN id % 20 < 4 THEN 'b' ELSE 'a' END;
VACUUM ANALYZE docs;
SQL

# seconds of one statement in a fresh session, and its single value
time_sql() {
	psql_t -c "SET hardneg.blas_threads = $THREADS" -c "SET work_mem = '256MB'" -c '\timing on' -c "$1" |
		awk '/^Time:/ {t = $2 / 1000} !/^Time:/ {v = $0} END {printf "%.3f %s\n", t, v}'
}

graph=$HN_BUILD/bench-compose-graph-$N-50.bin
fl_out=$HN_BUILD/bench-compose-fl-$N.txt
if [[ " $WHAT " == *" fl "* ]]; then
	# hardneg's own 50-NN graph (the shared exact kernel, as select_diverse's), once, for the
	# numpy lazy greedy: the same graph on both sides
	hn_log "dumping the 50-NN graph"
	psql_t -c "SET hardneg.blas_threads = $THREADS" -c "SET work_mem = '256MB'" \
		-c "COPY (SELECT query_id, doc_id, score FROM knn_search('SELECT id, embedding FROM docs', 'SELECT id, embedding FROM docs', 50, 'cosine')) TO STDOUT (FORMAT binary)" >"$graph"
fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for r in $(seq 1 "$ROUNDS"); do
	if [[ " $WHAT " == *" kmeans "* ]]; then
		echo "round $r hardneg_kmeans $(time_sql "SELECT sum(distance ^ 2) FROM kmeans('SELECT id, embedding FROM docs', $K, 1, 25, 1, 'l2')")"
		echo "round $r $("$HN_PYTHON" bench/compose/reference.py "$data" "$N" "$DIM" kmeans "$K" 25 "$THREADS")"
	fi
	if [[ " $WHAT " == *" smote "* ]]; then
		echo "round $r hardneg_smote $(time_sql "SELECT count(*) FROM smote('SELECT id, embedding, class FROM docs')")"
		echo "round $r $("$HN_PYTHON" bench/compose/reference.py "$data" "$N" "$DIM" smote "$THREADS")"
	fi
	if [[ " $WHAT " == *" fl "* ]]; then
		# hardneg.progress times the k-NN graph and the lazy greedy apart (NOTICE lines); the
		# selection itself goes to a file for the numpy check
		printf '%s\n' "SET hardneg.blas_threads = $THREADS;" "SET work_mem = '256MB';" "SET hardneg.progress = on;" \
			'\timing on' \
			"SELECT step, id, gain FROM select_diverse('SELECT id, embedding FROM docs', $BUDGET, 'facility_location', 'cosine', knn_graph_k => 50) \\g $fl_out" |
			psql_t 2>&1 |
			awk -v r="$r" '/similarity graph/ {g = $NF; if (g == "s") g = $(NF - 1)}
				/lazy greedy/ {sub(/ s$/, ""); n = split($0, a, " "); gr = a[n]}
				/^Time:/ {t = $2 / 1000}
				END {printf "round %s hardneg_facility_location %.3f\nround %s hardneg_knn_graph %s\nround %s hardneg_lazy_greedy %s\n", r, t, r, g, r, gr}'
		"$HN_PYTHON" bench/compose/reference.py "$data" "$N" "$DIM" fl_same_graph "$graph" 50 "$BUDGET" "$fl_out" |
			sed "s/^/round $r /"
		[ -z "${FAISS_GRAPH:-}" ] || "$HN_PYTHON" bench/compose/reference.py "$data" "$N" "$DIM" fl "$BUDGET" 50 |
			sed "s/^/round $r /"
	fi
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
