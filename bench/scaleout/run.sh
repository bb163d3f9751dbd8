#!/usr/bin/env bash
# Scale-out benchmark (docs/scale-out.md, docs/benchmarks.md "Scale-out").
#
#   bench/scaleout/run.sh [ROUNDS]
#
# A coordinator and two shard servers on this machine (ports HN_PORT+51..53).  A
# 1M x 128-d clustered corpus (bench/knn/gen.py) is hash-partitioned over the
# two shards (postgres_fdw foreign partitions) and also held whole by the
# coordinator, the one-server anchor; 1000 queries, k = 100.  Prints:
#  - what travels between the servers for one knn_search_shards() call: the
#    rows and bytes of each shard's result (counted by fetching the very remote
#    call's result as text through dblink), the bytes the coordinator's backend
#    read and wrote through its sockets (/proc/<pid>/io), and the rows each
#    shard read from its own partition (pg_stat_database tup_returned), against
#    the corpus's rows and bytes;
#  - the time of knn_search_shards() over the two shards against knn_search()
#    over the same corpus on one server, interleaved in each round, medians and
#    the ratio.  Each shard computes with hardneg.blas_threads = 1, the one
#    server with 2: both use the machine's two cores.
# NDOCS, NQ, DIM, K override the sizes (for a quick try).
HN_BUILD=${HN_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/.build/bench}
source "$(dirname "$0")/../../test/lib.sh"
cd "$HN_ROOT"
set +u

rounds=${1:-3}
NDOCS=${NDOCS:-1000000}
NQ=${NQ:-1000}
DIM=${DIM:-128}
K=${K:-100}

hn_build_and_stage
base=$((HN_PORT + 51))
dirs=("$HN_BUILD/scaleout-coord" "$HN_BUILD/scaleout-shard1" "$HN_BUILD/scaleout-shard2")
data=$HN_BUILD/bench-scaleout-data
trap 'for d in "${dirs[@]}"; do hn_cluster_stop "$d"; done' EXIT
for i in 2 1 0; do HN_PORT=$((base + i)) hn_cluster_start "${dirs[$i]}"; done
on() { hn_psql -h "${dirs[$1]}" -p $((base + $1)) -d postgres "${@:2}"; }
q() { on "$1" -Atc "$2"; }

hn_log "generating ${NDOCS} x ${DIM}-d, ${NQ} queries"
"$HN_PYTHON" bench/knn/gen.py "$data" "$NDOCS" "$NQ" "$DIM"
chmod -R a+rX "$data"

hn_log "loading: the whole corpus on the coordinator, each shard its hash partition"
for i in 0 1 2; do on $i -c "CREATE EXTENSION hardneg"; done
for i in 1 2; do
	# a partitioned table without partitions, only so that
	# satisfies_hash_partition() computes the coordinator's hash routing here
	on $i >/dev/null <<-SQL
		CREATE TABLE route (id bigint) PARTITION BY HASH (id);
		CREATE TABLE docs_part (id bigint PRIMARY KEY, embedding embedding($DIM));
		COPY docs_part FROM '$data/docs.copy' WITH (FORMAT binary)
			WHERE satisfies_hash_partition('route'::regclass, 2, $((i - 1)), id);
		VACUUM ANALYZE docs_part;
		ALTER DATABASE postgres SET hardneg.blas_threads = 1;
	SQL
done
on 0 >/dev/null <<SQL
CREATE EXTENSION postgres_fdw;
CREATE EXTENSION dblink;
CREATE TABLE docs (id bigint PRIMARY KEY, embedding embedding($DIM));
CREATE TABLE queries (id bigint PRIMARY KEY, embedding embedding($DIM));
COPY docs FROM '$data/docs.copy' WITH (FORMAT binary);
COPY queries FROM '$data/queries.copy' WITH (FORMAT binary);
VACUUM ANALYZE docs, queries;
CREATE SERVER shard1 FOREIGN DATA WRAPPER postgres_fdw
	OPTIONS (host '${dirs[1]}', port '$((base + 1))', dbname 'postgres', extensions 'hardneg', async_capable 'true');
CREATE SERVER shard2 FOREIGN DATA WRAPPER postgres_fdw
	OPTIONS (host '${dirs[2]}', port '$((base + 2))', dbname 'postgres', extensions 'hardneg', async_capable 'true');
CREATE USER MAPPING FOR postgres SERVER shard1 OPTIONS (user 'postgres');
CREATE USER MAPPING FOR postgres SERVER shard2 OPTIONS (user 'postgres');
CREATE TABLE sdocs (id bigint, embedding embedding($DIM)) PARTITION BY HASH (id);
CREATE FOREIGN TABLE sdocs_0 PARTITION OF sdocs FOR VALUES WITH (modulus 2, remainder 0)
	SERVER shard1 OPTIONS (table_name 'docs_part');
CREATE FOREIGN TABLE sdocs_1 PARTITION OF sdocs FOR VALUES WITH (modulus 2, remainder 1)
	SERVER shard2 OPTIONS (table_name 'docs_part');
ALTER DATABASE postgres SET hardneg.blas_threads = 2;
SQL
for i in 1 2; do
	want=$(q 0 "SELECT count(*) FROM docs WHERE satisfies_hash_partition('sdocs'::regclass, 2, $((i - 1)), id)")
	got=$(q $i "SELECT count(*) FROM docs_part")
	[ "$got" = "$want" ] || { echo "shard $i holds $got rows, the coordinator routes $want there" >&2; exit 1; }
	echo "shard$i rows=$got bytes=$(q $i "SELECT pg_total_relation_size('docs_part')")"
done
echo "corpus rows=$(q 0 "SELECT count(*) FROM docs") bytes=$(q 0 "SELECT pg_total_relation_size('docs')") heap_bytes=$(q 0 "SELECT pg_relation_size('docs')")"
echo "queries rows=$NQ k=$K"

shards_sql="SELECT count(*) FROM knn_search_shards('SELECT id, embedding FROM queries', 'sdocs', $K)"
one_sql="SELECT count(*) FROM knn_search('SELECT id, embedding FROM queries', 'SELECT id, embedding FROM docs', $K)"

hn_log "the answers agree"
q 0 "SET work_mem = '256MB'; WITH a AS (SELECT * FROM knn_search_shards('SELECT id, embedding FROM queries', 'sdocs', $K)),
	b AS (SELECT * FROM knn_search('SELECT id, embedding FROM queries', 'SELECT id, embedding FROM docs', $K))
	SELECT 'differing rows=' || ((SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b) x)
		+ (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a) y)) || ' rows=' || (SELECT count(*) FROM a)"

hn_log "what travels for one knn_search_shards call"
# each shard's result, fetched as the text the shard sends: rows, and the
# bytes of the DataRow messages (type 1 + length 4 + column count 2 + per
# column length 4 + its text)
for i in 1 2; do
	q 0 "SELECT 'shard$i result rows=' || count(*) || ' datarow_bytes=' || sum(7 + 16 + octet_length(a) + octet_length(b)
				+ octet_length(c) + octet_length(d))
		   FROM dblink('shard$i', format('SELECT query_id, doc_id, rank, score FROM knn_search(%L, %L, $K)',
				'SELECT id, e::embedding AS embedding FROM (VALUES '
				|| (SELECT string_agg(format('(%s::int8,%L)', id, embedding::text), ',') FROM queries) || ') v(id, e)',
				'SELECT id, embedding FROM public.docs_part')) AS t(a text, b text, c text, d text)"
done
# every byte of the wire protocol between the coordinator and the shards
# during one call: the foreign servers are pointed, for this call only, at a
# relay (count_proxy.py) in front of each shard's socket; and the rows each
# shard read from its own partition
proxy_pids=()
for i in 1 2; do
	: >"$HN_BUILD/scaleout-bytes$i"
	"$HN_PYTHON" bench/scaleout/count_proxy.py $((base + 2 + i)) "${dirs[$i]}/.s.PGSQL.$((base + i))" \
		"$HN_BUILD/scaleout-bytes$i" &
	proxy_pids+=($!)
done
trap 'kill "${proxy_pids[@]}" 2>/dev/null; for d in "${dirs[@]}"; do hn_cluster_stop "$d"; done' EXIT
sleep 1
for i in 1 2; do
	on 0 -c "ALTER SERVER shard$i OPTIONS (SET host '127.0.0.1', SET port '$((base + 2 + i))')"
	q $i "SELECT pg_stat_reset()" >/dev/null
done
on 0 -c "SET work_mem = '256MB'" -c "$shards_sql" >/dev/null
sleep 1
for i in 1 2; do
	echo "shard$i wire bytes (one call): $(cat "$HN_BUILD/scaleout-bytes$i")" \
		"tup_returned=$(q $i "SELECT tup_returned FROM pg_stat_database WHERE datname = 'postgres'")"
	on 0 -c "ALTER SERVER shard$i OPTIONS (SET host '${dirs[$i]}', SET port '$((base + i))')"
done
kill "${proxy_pids[@]}"

hn_log "time: knn_search_shards over 2 shards vs knn_search on one server (interleaved)"
time_sql() {
	on 0 -At -c "SET work_mem = '256MB'" -c '\timing on' -c "$1" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{printf "%.3f\n", $1 / 1000}'
}
res=$HN_BUILD/bench-scaleout.out
: >"$res"
time_sql "$one_sql" >/dev/null		# warm the caches once
time_sql "$shards_sql" >/dev/null
for r in $(seq 1 "$rounds"); do
	echo "round $r one_server $(time_sql "$one_sql")" | tee -a "$res"
	echo "round $r two_shards $(time_sql "$shards_sql")" | tee -a "$res"
done
"$HN_PYTHON" -c '
import statistics, sys
v = {}
for line in open(sys.argv[1]):
    f = line.split()
    v.setdefault(f[2], []).append(float(f[3]))
med = {m: statistics.median(x) for m, x in v.items()}
for m in sorted(v):
    print("median %s %.3f s (n=%d: %s)" % (m, med[m], len(v[m]), " ".join("%.3f" % t for t in v[m])))
print("ratio two_shards / one_server %.2f" % (med["two_shards"] / med["one_server"]))
' "$res"
echo "load: $(uptime)"
