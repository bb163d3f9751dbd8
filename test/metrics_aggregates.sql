-- pgTAP: the per-query aggregates against the trec_eval binary's per-query
-- values on Cranfield bm25 (test/data/metrics/expected.tsv.gz), serially and
-- with parallel partial aggregation (combine functions).
BEGIN;
CREATE TEMP TABLE a_qrels (case_id text, query_id text, doc_id text, relevance integer);
CREATE TEMP TABLE a_run (case_id text, query_id text, doc_id text, score double precision);
CREATE TEMP TABLE a_expected (run_key text, measure text, query_id text, value double precision, pos integer);
\set f :HN_TESTDATA '/metrics_qrels.tsv'
COPY a_qrels FROM :'f';
\set f :HN_TESTDATA '/metrics_run.tsv'
COPY a_run FROM :'f';
\set f :HN_TESTDATA '/metrics_expected.tsv'
COPY a_expected FROM :'f';
DELETE FROM a_qrels WHERE case_id <> 'cranfield.bm25';
DELETE FROM a_run WHERE case_id <> 'cranfield.bm25';
DELETE FROM a_expected WHERE run_key <> 'cranfield.bm25.default' OR query_id = 'all';

-- trec_eval's order: score descending, ties by doc id descending in byte order
-- plain tables: parallel workers cannot read temp tables
CREATE TABLE a_ranked AS
	SELECT r.query_id, r.doc_id, coalesce(q.relevance, 0) AS relevance,
		row_number() OVER (PARTITION BY r.query_id ORDER BY r.score DESC, r.doc_id COLLATE "C" DESC) AS rank
	FROM a_run r LEFT JOIN a_qrels q USING (query_id, doc_id);
CREATE TABLE a_ideal AS
	SELECT query_id, array_agg(relevance::float8) AS gains, count(*) FILTER (WHERE relevance >= 1) AS nrel
	FROM a_qrels GROUP BY query_id;
ANALYZE a_ranked, a_ideal;

CREATE FUNCTION pg_temp.agg_values() RETURNS TABLE (measure text, query_id text, value float8)
LANGUAGE sql AS $$
	SELECT 'recip_rank', r.query_id, reciprocal_rank(rank, relevance >= 1)
		FROM a_ranked r JOIN a_ideal USING (query_id) GROUP BY r.query_id
	UNION ALL
	SELECT 'P_10', r.query_id, precision_at_k(rank, relevance >= 1, 10)
		FROM a_ranked r JOIN a_ideal USING (query_id) GROUP BY r.query_id
	UNION ALL
	SELECT 'recall_20', r.query_id, recall_at_k(rank, relevance >= 1, 20, i.nrel)
		FROM a_ranked r JOIN a_ideal i USING (query_id) GROUP BY r.query_id
	UNION ALL
	SELECT 'ndcg_cut_10', r.query_id, ndcg_at_k(rank, relevance, 10, i.gains)
		FROM a_ranked r JOIN a_ideal i USING (query_id) GROUP BY r.query_id
$$;

CREATE FUNCTION pg_temp.agg_mismatches() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM pg_temp.agg_values() g
		FULL JOIN (SELECT * FROM a_expected WHERE measure IN ('recip_rank', 'P_10', 'recall_20', 'ndcg_cut_10')) e
		USING (measure, query_id)
	WHERE g.value IS NULL OR e.value IS NULL OR abs(g.value - e.value) > 1e-9
$$;

SELECT plan(9);
SELECT is((SELECT count(*) FROM a_expected WHERE measure IN ('recip_rank', 'P_10', 'recall_20', 'ndcg_cut_10')),
	900::bigint, 'the binary gives 4 x 225 per-query values');
SELECT is(pg_temp.agg_mismatches(), 0::bigint, 'aggregates equal trec_eval per query (serial)');

SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL enable_hashagg = off;
\ir include/plan_text.psql
SELECT ok(pg_temp.plan_text('SELECT query_id, ndcg_at_k(rank, relevance, 10, ARRAY[1,2]::float8[]) FROM a_ranked GROUP BY query_id')
	LIKE '%Partial%', 'the planner uses partial aggregation');
SELECT is(pg_temp.agg_mismatches(), 0::bigint, 'aggregates equal trec_eval per query (parallel, combined)');

SELECT is(hn_sum_combine('{1,0,10}', '{2,0,10}'), '{3,0,10}'::float8[], 'combine adds hits');
SELECT is(hn_rr_combine('{4,0,0}', '{2,0,0}'), '{2,0,0}'::float8[], 'combine keeps the best rank');
SELECT throws_ok($$SELECT precision_at_k(r, true, 0) FROM generate_series(1, 3) r$$, '22023', NULL, 'k must be positive');
SELECT throws_ok($$SELECT reciprocal_rank(r - 1, true) FROM generate_series(1, 3) r$$, '22023', NULL, 'ranks start at 1');
SELECT throws_ok($$SELECT precision_at_k(r, true, r::int) FROM generate_series(1, 3) r$$, '22023', NULL,
	'k may not change within a group');

SELECT * FROM finish();
ROLLBACK;
