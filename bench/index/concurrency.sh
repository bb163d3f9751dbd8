#!/usr/bin/env bash
# Concurrency check of the ivfsq index (longer than make test allows):
# 2 writers (insert / update / delete) and 2 readers (ORDER BY ... LIMIT 10)
# under pgbench for ${HN_SECONDS:-60} s, with VACUUM running in a loop beside
# them.  Afterwards: no pgbench error, every row of the table is found through
# the index (no lost row) and hardneg_index_verify() reports nothing.
#   bash bench/index/concurrency.sh
HN_PORT=${HN_PORT:-5614}
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"

secs=${HN_SECONDS:-60}
rows=${HN_ROWS:-100000}	# test/cluster.d/concurrent_load runs a smaller, shorter one
work=$HN_BUILD/bench-concurrency
mkdir -p "$work"
[ -x "$HN_PGBIN/postgres" ] || hn_build_and_stage
cluster=$work/cluster
trap 'hn_cluster_stop "$cluster"' EXIT
hn_cluster_start "$cluster"
hn_psql -d postgres -v rows="$rows" <<'SQL'
CREATE EXTENSION hardneg;
CREATE FUNCTION vec(g bigint) RETURNS embedding LANGUAGE sql IMMUTABLE
	AS $$ SELECT array_agg(x - floor(x) - 0.5)::real[]::embedding(64)
		  FROM (SELECT sin(g * 12.9898 + j * 78.233) * 43758.5453 AS x FROM generate_series(1, 64) j) s $$;
CREATE SEQUENCE ids START 100000001;
CREATE TABLE t (id bigint PRIMARY KEY, e embedding(64));
INSERT INTO t SELECT g, vec(g) FROM generate_series(1, :rows) g;
CREATE INDEX t_e ON t USING ivfsq (e embedding_l2_ops);
SQL
cat >"$work/writer.sql" <<SQL
\set r random(1, 1000000000)
\set victim random(1, $rows)
INSERT INTO t VALUES (nextval('ids'), vec(:r));
UPDATE t SET e = vec(:r + 1) WHERE id = :victim + 1;
DELETE FROM t WHERE id = :victim;
SQL
cat >"$work/reader.sql" <<'SQL'
\set r random(1, 1000000000)
SELECT id FROM t ORDER BY e <-> vec(:r) LIMIT 10;
SQL
# off the path (HN_EXT_SCHEMA), pgbench's scripts are qualified as psql's input is; e is t's
# embedding column (each q below is a psql of its own, which does not see the CREATE TABLE)
export HN_OFFPATH_COLUMNS=e
hn_offpath_file "$work/writer.sql"
hn_offpath_file "$work/reader.sql"
(while sleep 5; do hn_psql -d postgres -c "VACUUM t" || true; done) &
vac=$!
# the VACUUM loop ends with the script, also when a step fails (lib.sh sets -e)
trap 'kill $vac 2>/dev/null || true; hn_cluster_stop "$cluster"' EXIT
"$HN_PGBIN/pgbench" -n -T "$secs" -c 2 -j 1 -f "$work/writer.sql" postgres >"$work/writers.log" 2>&1 &
wp=$!
# lib.sh sets -e: a failing pgbench is reported below, not the end of the script
rrc=0 wrc=0
"$HN_PGBIN/pgbench" -n -T "$secs" -c 2 -j 1 -f "$work/reader.sql" postgres >"$work/readers.log" 2>&1 || rrc=$?
wait $wp || wrc=$?
kill $vac
wait $vac 2>/dev/null || true
for f in writers readers; do
	echo "== $f"
	grep -E 'number of (transactions actually processed|failed transactions)|^tps|error' "$work/$f.log" || true
done
q() { hn_psql -d postgres -Atc "$1"; }
heap=$(q "SET enable_indexscan = off; SELECT count(*) FROM t")
via=$(q "SET enable_seqscan = off; SET hardneg.ivfsq_probes = 32768; SET hardneg.ivfsq_max_scan_tuples = 100000000;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY e <-> vec(0) LIMIT 100000000) s")
problems=$(q "SELECT count(*) FROM hardneg_index_verify('t_e')")
# the same rows, not only as many: heap rows missing from the index and index rows not in the heap
lost=$(q "SET enable_seqscan = off; SET hardneg.ivfsq_probes = 32768; SET hardneg.ivfsq_max_scan_tuples = 100000000;
	WITH ix AS (SELECT id FROM t ORDER BY e <-> vec(0) LIMIT 100000000)
	SELECT (SELECT count(*) FROM (SELECT id FROM t EXCEPT ALL SELECT id FROM ix) a)
		 + (SELECT count(*) FROM (SELECT id FROM ix EXCEPT ALL SELECT id FROM t) b)")
echo "pgbench exit codes: writers $wrc, readers $rrc"
echo "rows: $heap in the table, $via through the index, $lost differing; verify problems: $problems"
[ "$wrc" -eq 0 ] && [ "$rrc" -eq 0 ] && [ "$heap" = "$via" ] && [ "$lost" = 0 ] && [ "$problems" = 0 ]
