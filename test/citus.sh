#!/usr/bin/env bash
# Scale-out on Citus (docs/scale-out.md "Citus"): the checks of
# test/cluster.d/scaleout on a 1 coordinator + 2 worker Citus cluster.
#
#   test/citus.sh                    Citus from the PostgreSQL tree (citus.control there)
#   HN_CITUS_DESTDIR=DIR test/citus.sh   Citus from a `make install DESTDIR=DIR` of a build
#                                    by hand (docs/scale-out.md says how)
#
# Prints "skipped: Citus not installed" and exits 0 when neither has Citus.
# Cranfield's corpus is a distributed table (by id, 4 shards on 2 workers),
# the queries and qrels reference tables.  Checked against the one-server
# answers over the same rows in a plain table on the coordinator:
#  - exact k-NN with the per-shard top k pushed down: knn_search runs on every
#    shard placement through run_command_on_shards (the query vectors inlined
#    in the command, k rows per query and shard come back) and the coordinator
#    merges them by score, ties to the smaller id: ids, ranks, scores equal;
#  - mining, fn_scores and trec_eval fed with those candidates and only the
#    candidates' and judged documents' rows (the pattern of docs/scale-out.md);
#  - which aggregates Citus pushes down (avg of embeddings: partial
#    aggregation on the workers);
#  - an emptied shard; a worker that is down: an error and no rows.
# Prints TAP lines and a summary.
source "$(dirname "$0")/lib.sh"
cd "$HN_ROOT"
set +u
HN_PORT=${HN_PORT:-5499}
ext_dir=/usr/share/postgresql/$HN_PGVER/extension
if [ ! -e "$ext_dir/citus.control" ] &&
	{ [ -z "${HN_CITUS_DESTDIR:-}" ] || [ ! -e "$HN_CITUS_DESTDIR$ext_dir/citus.control" ]; }; then
	echo "skipped: Citus not installed"
	exit 0
fi

hn_build_and_stage
if [ -n "${HN_CITUS_DESTDIR:-}" ]; then
	cp -a "$HN_CITUS_DESTDIR/usr/." "$HN_STAGE/usr/"
	chmod -R a+rX "$HN_STAGE"
fi
base=$((HN_PORT + 64))
dirs=("$HN_BUILD/citus-coord" "$HN_BUILD/citus-worker1" "$HN_BUILD/citus-worker2")
trap 'for d in "${dirs[@]}"; do hn_cluster_stop "$d"; done' EXIT
for i in 2 1 0; do
	HN_PORT=$((base + i)) hn_cluster_start "${dirs[$i]}"
	echo "shared_preload_libraries = 'citus'" >>"${dirs[$i]}/data/postgresql.conf"
	hn_as_server "$HN_PGBIN/pg_ctl" -D "${dirs[$i]}/data" -w restart >/dev/null
done
on() { hn_psql -h "${dirs[$1]}" -p $((base + $1)) -d postgres "${@:2}"; }
q() { on "$1" -Atc "$2"; }
n=0
fails=0
check() {
	n=$((n + 1))
	if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1 (got '$2', expected '$3')"; fails=$((fails + 1)); fi
}

for i in 0 1 2; do on $i -c "CREATE EXTENSION citus" -c "CREATE EXTENSION hardneg" >/dev/null; done
on 0 >/dev/null <<SQL
SELECT citus_set_coordinator_host('${dirs[0]}', $base);
SELECT citus_add_node('${dirs[1]}', $((base + 1)));
SELECT citus_add_node('${dirs[2]}', $((base + 2)));
SQL
echo "# Citus $(q 0 "SELECT extversion FROM pg_extension WHERE extname = 'citus'") on PostgreSQL $(q 0 "SHOW server_version")"
data=$HN_BUILD/cranfield-citus
hn_prepare_cranfield "$data"
hn_load_cranfield postgres "$data" >/dev/null
on 0 >/dev/null <<SQL
SET citus.shard_count = 4;
CREATE TABLE cdocs (id bigint PRIMARY KEY, embedding embedding(512));
SELECT create_distributed_table('cdocs', 'id');
INSERT INTO cdocs SELECT id, embedding FROM cranfield.docs;
CREATE TABLE cqueries (id bigint PRIMARY KEY, embedding embedding(512));
SELECT create_reference_table('cqueries');
INSERT INTO cqueries SELECT id, embedding FROM cranfield.queries;
CREATE TABLE cqrels (query_id bigint, doc_id bigint, relevance int, PRIMARY KEY (query_id, doc_id));
SELECT create_reference_table('cqrels');
INSERT INTO cqrels SELECT query_id, doc_id, relevance FROM cranfield.qrels;
SQL
check "the corpus is spread over both workers" \
	"$(q 0 "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'cdocs'::regclass"),$(q 0 "SELECT count(*) FROM cdocs")" "2,1400"

# the per-shard top k: knn_search on every shard placement, the query vectors
# inlined as a VALUES list, the rows back as text (real's text form is exact),
# merged on the coordinator by score, ties to the smaller id
on 0 >/dev/null <<'SQL'
CREATE FUNCTION citus_knn(k int, metric text DEFAULT 'cosine')
	RETURNS TABLE (query_id bigint, doc_id bigint, rank int, score real) LANGUAGE plpgsql AS $$
DECLARE
	vals text;
	res text[];
	failed text;
BEGIN
	SELECT string_agg(format('(%s::int8,%L)', id, embedding::text), ',') INTO vals FROM cranfield.queries;
	SELECT array_agg(s.result), min(s.result) FILTER (WHERE NOT s.success) INTO res, failed
	  FROM run_command_on_shards('cdocs', format(
			'SELECT coalesce(string_agg(query_id || '','' || doc_id || '','' || score::text, '';''), '''') FROM knn_search(%L, %L, %s, %L)',
			format('SELECT id, e::embedding AS embedding FROM (VALUES %s) v(id, e)', vals),
			'SELECT id, embedding FROM %s', k, metric)) s;
	IF failed IS NOT NULL THEN		-- no partial answer
		RAISE EXCEPTION 'a shard of cdocs failed: %', failed;
	END IF;
	RETURN QUERY
	SELECT m.query_id, m.doc_id, m.rank::int, m.score FROM (
		SELECT c.query_id, c.doc_id, c.score,
			   row_number() OVER (PARTITION BY c.query_id ORDER BY c.score DESC, c.doc_id) AS rank
		  FROM (SELECT split_part(r, ',', 1)::bigint AS query_id, split_part(r, ',', 2)::bigint AS doc_id,
					   split_part(r, ',', 3)::real AS score
				  FROM unnest(res) s(result), LATERAL unnest(string_to_array(nullif(s.result, ''), ';')) r) c) m
	 WHERE m.rank <= k ORDER BY 1, 3;
END $$;
SQL
same_knn() {
	q 0 "WITH a AS (SELECT * FROM citus_knn($2, '$1')),
			  b AS (SELECT * FROM knn_search('SELECT id, embedding FROM cranfield.queries', 'SELECT id, embedding FROM cranfield.docs', $2, '$1'))
		 SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b) x)
			  + (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a) y) || ',' || (SELECT count(*) FROM a)"
}
for m in cosine ip l2; do
	check "per-shard knn_search merged ($m, k 100) equals one-server knn_search: ids, ranks, scores" "$(same_knn $m 100)" "0,22500"
done
check "k 500, larger than a shard (about 350 rows): the same" "$(same_knn cosine 500)" "0,112500"

# knn_search over the distributed table itself is right too, but Citus pulls the rows to the coordinator
check "knn_search('... FROM cdocs') through Citus' executor equals the one-server answer (the corpus travels)" \
	"$(q 0 "WITH a AS (SELECT * FROM knn_search('SELECT id, embedding FROM cqueries', 'SELECT id, embedding FROM cdocs', 10)),
			  b AS (SELECT * FROM knn_search('SELECT id, embedding FROM cranfield.queries', 'SELECT id, embedding FROM cranfield.docs', 10))
		 SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b) x) + (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a) y)")" "0"

# mining, fn_scores, trec_eval: the pattern of docs/scale-out.md
maxpos=$(q 0 "SELECT max(n) FROM (SELECT count(*) AS n FROM cranfield.qrels WHERE relevance > 0 GROUP BY query_id) s")
pool=$((3 + 2 * maxpos))
on 0 >/dev/null <<SQL
CREATE TABLE mcand AS SELECT * FROM citus_knn($pool);
CREATE TABLE mdocs AS SELECT id, embedding FROM cdocs
	WHERE id = ANY (ARRAY(SELECT doc_id FROM mcand UNION SELECT doc_id FROM cqrels));
SQL
check "only the candidates' and judged documents' rows came from the workers" \
	"$(q 0 "SELECT count(*) < 1400 AND count(*) = (SELECT count(*) FROM cranfield.docs WHERE id IN (SELECT doc_id FROM mcand UNION SELECT doc_id FROM cranfield.qrels)) FROM mdocs")" "t"
check "mine_hard_negatives over the workers' top K equals the one-server mining, row for row" \
	"$(q 0 "WITH a AS (SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM cranfield.queries', 'SELECT id, embedding FROM mdocs',
						'SELECT query_id, doc_id, relevance FROM cranfield.qrels', method => 'none',
						runs => 'SELECT query_id, doc_id, ''shards'' AS run_id FROM mcand')),
			  b AS (SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM cranfield.queries', 'SELECT id, embedding FROM cranfield.docs',
						'SELECT query_id, doc_id, relevance FROM cranfield.qrels')),
			  a2 AS (SELECT query_id, positive_id, negative_id, negative_rank, kept_rank, negative_rank_raw, score, positive_score,
							CASE source WHEN 'run:shards' THEN 'dense' ELSE source END, p_false_negative, weight, filter_trace FROM a)
		 SELECT (SELECT count(*) FROM (SELECT * FROM a2 EXCEPT ALL SELECT * FROM b) x)
			  + (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a2) y) || ',' || ((SELECT count(*) FROM a) > 0)")" "0,true"
check "fn_scores (propensity, knn) of the workers' top 50 equals the one-server values" \
	"$(q 0 "WITH a AS (SELECT * FROM fn_scores('SELECT query_id, doc_id, score, rank FROM mcand WHERE rank <= 50',
						'SELECT query_id, doc_id, relevance FROM cranfield.qrels', 'propensity,knn',
						pooled_runs => 'SELECT query_id, doc_id, score, run_id FROM cranfield.runs',
						queries => 'SELECT id, embedding FROM cranfield.queries', corpus => 'SELECT id, embedding FROM mdocs')),
			  b AS (SELECT * FROM fn_scores('SELECT query_id, doc_id, score, rank FROM knn_search(''SELECT id, embedding FROM cranfield.queries'',
							''SELECT id, embedding FROM cranfield.docs'', 50)',
						'SELECT query_id, doc_id, relevance FROM cranfield.qrels', 'propensity,knn',
						pooled_runs => 'SELECT query_id, doc_id, score, run_id FROM cranfield.runs',
						queries => 'SELECT id, embedding FROM cranfield.queries', corpus => 'SELECT id, embedding FROM cranfield.docs'))
		 SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b) x)
			  + (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a) y) || ',' || (SELECT count(*) FROM a)")" "0,11250"
check "trec_eval of the workers' run equals trec_eval of knn_search's run (every query and measure, 1e-12)" \
	"$(q 0 "WITH a AS (SELECT * FROM trec_eval('SELECT query_id, doc_id, score FROM mcand', 'SELECT query_id, doc_id, relevance FROM cqrels', '{all_trec}')),
			  b AS (SELECT * FROM trec_eval('SELECT query_id, doc_id, score FROM knn_search(''SELECT id, embedding FROM cranfield.queries'',
						''SELECT id, embedding FROM cranfield.docs'', $pool)', 'SELECT query_id, doc_id, relevance FROM cranfield.qrels', '{all_trec}'))
		 SELECT count(*) FILTER (WHERE b.measure IS NULL OR a.measure IS NULL
								   OR (a.value IS DISTINCT FROM b.value AND coalesce(abs(a.value - b.value) > 1e-12, true)))
				|| ',' || (count(*) > 1000)
		   FROM a FULL JOIN b USING (measure, query_id)")" "0,true"

# aggregates: what Citus pushes down
plan=$(q 0 "EXPLAIN (VERBOSE, COSTS OFF) SELECT avg(embedding) FROM cdocs")
echo "# EXPLAIN SELECT avg(embedding) FROM cdocs:"; sed 's/^/#   /' <<<"$plan" | head -20
check "avg(embedding) over the distributed table equals the one-server avg" \
	"$(q 0 "SELECT (SELECT avg(embedding) FROM cdocs)::text = (SELECT avg(embedding) FROM cranfield.docs)::text")" "t"

# an empty shard: the answer over the rows that remain
on 0 >/dev/null <<'SQL'
CREATE TABLE emptied AS SELECT id FROM cdocs
	WHERE get_shard_id_for_distribution_column('cdocs', id) = (SELECT min(shardid) FROM pg_dist_shard WHERE logicalrelid = 'cdocs'::regclass);
DELETE FROM cdocs WHERE id IN (SELECT id FROM emptied);
SQL
check "with one shard emptied: the one-server answer over the rows that remain" \
	"$(q 0 "WITH a AS (SELECT * FROM citus_knn(50)),
			  b AS (SELECT * FROM knn_search('SELECT id, embedding FROM cranfield.queries',
						'SELECT id, embedding FROM cranfield.docs WHERE id NOT IN (SELECT id FROM emptied)', 50))
		 SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b) x)
			  + (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a) y) || ',' || (SELECT count(*) FROM a)
			  || ',' || ((SELECT count(*) FROM emptied) > 0)")" "0,11250,true"

# a worker that is down: an error, no rows
hn_cluster_stop "${dirs[2]}"
err=$(on 0 -At -v ON_ERROR_STOP=0 -c "SELECT count(*) FROM citus_knn(10)" 2>&1 || true)
echo "# $(grep -m1 ERROR <<<"$err")"
check "with worker 2 down: an error, no rows" "$(grep -qi 'error' <<<"$err" && echo error),$(grep -c '^[0-9]' <<<"$err")" "error,0"
echo "1..$n"
echo "# citus: $((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
