#!/usr/bin/env bash
# Exact k-NN benchmark (docs/benchmarks.md, "Exact k-NN").
#
#   bench/knn/run.sh [ROUNDS]          100k x 128-d clustered corpus, 1000 queries, top-100:
#                                      knn_search vs faiss IndexFlatIP/L2 vs the bare sgemm of
#                                      the same shapes (the floor) vs pgvector LATERAL,
#                                      interleaved in each round
#   bench/knn/run.sh --large           1M x 384-d corpus, 10k queries, top-100: time and
#                                      the backend's peak memory under work_mem
#
# Uses the hermetic cluster of test/lib.sh (pgvector from the system tree, faiss and numpy
# from Debian's /usr/bin/python3).  Prints one line per measurement and a summary.
# its own build directory, so that make test can run at the same time
HN_BUILD=${HN_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/.build/bench}
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"
set +u

mode=small
rounds=5
case "${1:-}" in
	--large) mode=large ;;
	"") ;;
	*) rounds=$1 ;;
esac
LATERAL_ROUNDS=${LATERAL_ROUNDS:-3}		# pgvector LATERAL takes ~16 s a run
THREADS=${THREADS:-2}

hn_build_and_stage
cluster=$HN_BUILD/bench-knn-cluster
data=$HN_BUILD/bench-knn-$mode
trap 'hn_cluster_stop "$cluster"' EXIT
hn_cluster_start "$cluster"

psql_t() { "$HN_PGBIN/psql" -X -v ON_ERROR_STOP=1 -q -At -d bench "$@"; }

load() {
	local ndocs=$1 nq=$2 dim=$3
	hn_log "generating ${ndocs} x ${dim}-d, ${nq} queries"
	"$HN_PYTHON" bench/knn/gen.py "$data" "$ndocs" "$nq" "$dim"
	chmod -R a+rX "$data"
	hn_psql -d postgres -c "CREATE DATABASE bench"
	psql_t <<-SQL
		CREATE EXTENSION hardneg;
		CREATE EXTENSION vector;
		CREATE TABLE docs (id bigint PRIMARY KEY, embedding vector($dim));
		CREATE TABLE queries (id bigint PRIMARY KEY, embedding vector($dim));
		COPY docs FROM '$data/docs.copy' WITH (FORMAT binary);
		COPY queries FROM '$data/queries.copy' WITH (FORMAT binary);
		VACUUM ANALYZE docs, queries;
	SQL
}

# Runs SQL with \timing in a fresh session after one warm-up call; prints seconds.
time_sql() {
	local warm=$1 sql=$2
	psql_t -c "SET hardneg.blas_threads = $THREADS" -c "SET work_mem = '64MB'" -c "$warm" \
		-c '\timing on' -c "$sql" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{printf "%.3f\n", $1 / 1000}'
}

knn_sql() {
	echo "SELECT count(*) FROM knn_search('SELECT id, embedding FROM queries', 'SELECT id, embedding FROM docs', 100, '$1')"
}

small() {
	load 100000 1000 128
	local warm="SELECT count(*) FROM knn_search('SELECT id, embedding FROM queries LIMIT 1', 'SELECT id, embedding FROM docs LIMIT 10', 1)"
	local lateral="SELECT count(*) FROM queries q CROSS JOIN LATERAL
		(SELECT d.id FROM docs d ORDER BY d.embedding <#> q.embedding LIMIT 100) s"
	for r in $(seq 1 "$rounds"); do
		echo "round $r knn_search_ip $(time_sql "$warm" "$(knn_sql ip)")"
		"$HN_PYTHON" bench/knn/faiss_flat.py "$data" 128 100 "$THREADS" | sed "s/^/round $r /"
		"$HN_PYTHON" bench/knn/sgemm_floor.py "$data" 128 "$THREADS" | sed "s/^/round $r /"
		echo "round $r knn_search_l2 $(time_sql "$warm" "$(knn_sql l2)")"
		if [ "$r" -le "$LATERAL_ROUNDS" ]; then
			echo "round $r pgvector_lateral_ip $(time_sql "SELECT 1" "$lateral")"
		fi
	done
}

# Peak anonymous memory of the backend running $1 (sampled) and its VmHWM.
large() {
	load 1000000 10000 384
	for wm in 64MB 4MB; do
		local out=$HN_BUILD/bench-knn-large.out
		psql_t -c "SET work_mem = '$wm'" -c "SET hardneg.blas_threads = $THREADS" -c '\timing on' \
			-c "SELECT pg_backend_pid()" -c "SELECT pg_sleep(1)" -c "$(knn_sql ip)" >"$out" &
		local psql_pid=$! pid="" peak=0
		while [ -z "$pid" ]; do sleep 0.2; pid=$(head -1 "$out" 2>/dev/null || true); done
		while kill -0 "$psql_pid" 2>/dev/null; do
			local anon
			anon=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
			[ "${anon:-0}" -gt "$peak" ] && peak=$anon
			grep -q '^VmHWM' "/proc/$pid/status" 2>/dev/null && hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
			sleep 0.5
		done
		wait "$psql_pid"
		local secs
		secs=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$out" | sort -n | tail -1 | awk '{printf "%.1f", $1 / 1000}')
		echo "large work_mem=$wm seconds=$secs peak_rss_anon_kb=$peak vm_hwm_kb=${hwm:-?} rows=$(grep -E '^[0-9]+$' "$out" | tail -1)"
	done
}

# Medians per measurement, and the ratios the goals are stated in.
summarize() {
	"$HN_PYTHON" -c '
import statistics, sys
v = {}
rounds = {}
for line in sys.stdin:
    f = line.split()
    if len(f) == 4 and f[0] == "round":
        v.setdefault(f[2], []).append(float(f[3]))
        rounds.setdefault(f[1], {})[f[2]] = float(f[3])
med = {m: statistics.median(x) for m, x in v.items()}
for m in sorted(v):
    print("median %s %.3f s (n=%d: %s)" % (m, med[m], len(v[m]), " ".join("%.3f" % t for t in v[m])))
pairs = (("knn_search_ip", "faiss_ip"), ("knn_search_l2", "faiss_l2"), ("pgvector_lateral_ip", "knn_search_ip"),
         ("knn_search_ip", "sgemm_floor"), ("knn_search_l2", "sgemm_floor"))
for a, b in pairs:
    if a in med and b in med:
        # a pair within one round is measured minutes apart at most: its ratio is the robust figure
        per = [r[a] / r[b] for r in rounds.values() if a in r and b in r]
        print("ratio %s / %s %.2f (median of %d per-round ratios %.2f)" % (a, b, med[a] / med[b], len(per), statistics.median(per)))
'
}

if [ "$mode" = small ]; then
	small | tee "$HN_BUILD/bench-knn-small.out"
	summarize <"$HN_BUILD/bench-knn-small.out"
else
	large
fi
