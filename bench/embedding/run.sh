#!/usr/bin/env bash
# Sequential-scan k-NN, hardneg's embedding vs pgvector's vector, in one
# cluster with the same settings: ORDER BY emb <-> q LIMIT 10 over the 99k x
# 100-d GloVe split, no index.  The two systems are interleaved (alternating
# which goes first) so that noise from other work on the machine hits both;
# the report is the median over runs of the mean time per query.
#
# usage: bash bench/embedding/run.sh [RUNS] [QUERIES]    (defaults 9 and 30)
# Needs pgvector installed in the system PostgreSQL (built from source).
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"
runs=${1:-9}
queries=${2:-30}
data=$HN_ROOT/../shared/data/ann/glove100-wink-top100k-angular
HN_PORT=${HN_PORT:-5497}

hn_build_and_stage
cluster=$HN_BUILD/bench-embedding
trap 'hn_cluster_stop "$cluster"' EXIT
hn_cluster_start "$cluster"
db="hn_psql -d postgres"

hn_log "loading $(basename "$data") (the same bytes into both tables)"
$db -c "CREATE EXTENSION vector" -c "CREATE EXTENSION hardneg" \
	-c "CREATE TABLE hn (id int PRIMARY KEY, emb embedding(100))" \
	-c "CREATE TABLE pv (id int PRIMARY KEY, emb vector(100))" \
	-c "CREATE TABLE hn_q (id int, emb embedding(100))" \
	-c "CREATE TABLE pv_q (id int, emb vector(100))"
"$HN_PYTHON" bench/embedding/fvecs_to_copy.py "$data/base.fvecs" > "$cluster/base.copy"
"$HN_PYTHON" bench/embedding/fvecs_to_copy.py "$data/query.fvecs" "$queries" > "$cluster/query.copy"
for t in hn pv; do
	$db -c "\\copy $t FROM '$cluster/base.copy' WITH (FORMAT binary)" \
		-c "\\copy ${t}_q FROM '$cluster/query.copy' WITH (FORMAT binary)"
done
$db -c "VACUUM ANALYZE" -c "SELECT count(*) AS base_rows FROM hn" -c "SELECT count(*) AS queries FROM hn_q"

# Mean milliseconds per query for one system, every query of the set once:
# wall clock, and the backend's own CPU time (utime + stime from /proc, in
# 10 ms ticks), which other work on a shared machine disturbs much less.
# CPU time counts only this backend, so it is reported for 0 workers only.
$db <<'SQL'
CREATE FUNCTION cpu_ms() RETURNS double precision LANGUAGE sql AS $$
	SELECT (split_part(s, ' ', 14)::float8 + split_part(s, ' ', 15)::float8) * 1000 / 100
	  FROM pg_read_file('/proc/' || pg_backend_pid() || '/stat') s
$$;
CREATE FUNCTION bench(tab text, qtab text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	q record;
	t0 timestamptz := clock_timestamp();
	c0 double precision := cpu_ms();
	n int := 0;
	ids int[];
BEGIN
	FOR q IN EXECUTE format('SELECT emb FROM %I ORDER BY id', qtab) LOOP
		EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I ORDER BY emb <-> $1 LIMIT 10) s', tab)
			INTO ids USING q.emb;
		n := n + 1;
	END LOOP;
	RETURN (extract(epoch FROM clock_timestamp() - t0) * 1000 / n) || E'\t' || ((cpu_ms() - c0) / n);
END
$$;
SQL

settings_for() {
	echo "SET max_parallel_workers_per_gather = $1; SET enable_indexscan = off; SET enable_bitmapscan = off; SET jit = off;"
}

hn_log "same answers and plans"
{ settings_for 0; cat <<'SQL'; } | $db -At
SELECT 'identical top-10 on ' || count(*) || ' of ' || (SELECT count(*) FROM hn_q) || ' queries'
  FROM hn_q h JOIN pv_q p USING (id)
 WHERE ARRAY(SELECT id FROM hn ORDER BY emb <-> h.emb LIMIT 10) = ARRAY(SELECT id FROM pv ORDER BY emb <-> p.emb LIMIT 10);
EXPLAIN (COSTS OFF) SELECT id FROM hn ORDER BY emb <-> (SELECT emb FROM hn_q LIMIT 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM pv ORDER BY emb <-> (SELECT emb FROM pv_q LIMIT 1) LIMIT 10;
SQL

results=$cluster/results.tsv
: > "$results"
for workers in 0 2; do
	hn_log "max_parallel_workers_per_gather = $workers: $runs runs x $queries queries per system"
	for sys in hn pv; do	# warm-up (one session per system: the query types differ)
		$db -At -c "$(settings_for "$workers")" -c "SELECT bench('$sys', '${sys}_q')" >/dev/null
	done
	for r in $(seq 1 "$runs"); do
		if [ $((r % 2)) -eq 1 ]; then order="hn pv"; else order="pv hn"; fi
		for sys in $order; do
			ms=$($db -At -c "$(settings_for "$workers")" -c "SELECT bench('$sys', '${sys}_q')" | tail -1)
			printf '%s\t%s\t%s\t%s\n' "$workers" "$r" "$sys" "$ms" >> "$results"
			printf 'run %d %-8s wall %7.2f  cpu %7.2f ms/query\n' "$r" \
				"$([ "$sys" = hn ] && echo hardneg || echo pgvector)" ${ms/$'\t'/ }
		done
	done
done

hn_log "medians (ms per query)"
"$HN_PYTHON" - "$results" <<'PY'
import sys, statistics
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
print("| parallel workers | measure | hardneg embedding | pgvector vector | pgvector / hardneg |")
print("|---|---|---|---|---|")
for w in sorted({r[0] for r in rows}):
    for col, what in ((3, "wall"), (4, "backend CPU")):
        if what != "wall" and w != "0":
            continue
        med = {s: statistics.median(float(r[col]) for r in rows if r[0] == w and r[2] == s) for s in ("hn", "pv")}
        print(f"| {w} | {what} | {med['hn']:.2f} ms | {med['pv']:.2f} ms | {med['pv'] / med['hn']:.2f}x |")
PY
