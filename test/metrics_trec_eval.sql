-- pgTAP: trec_eval() against the trec_eval 10.0 binary.  The expected values
-- (test/data/metrics/expected.tsv.gz) were printed by the binary with 17
-- significant digits, by test/metrics/gen_cases.py; each evaluation (case x
-- flags x measure list) must match every per-query and "all" value within
-- 1e-9, with the same set of rows.
BEGIN;
CREATE TEMP TABLE m_qrels (case_id text, query_id text, doc_id text, relevance integer);
CREATE TEMP TABLE m_run (case_id text, query_id text, doc_id text, score double precision);
CREATE TEMP TABLE m_runs (run_key text, case_id text, complete boolean, relevance_level integer,
	judged_only boolean, max_rank integer, per_query boolean, measures text[]);
CREATE TEMP TABLE m_expected (run_key text, measure text, query_id text, value double precision, pos integer);
\set f :HN_TESTDATA '/metrics_qrels.tsv'
COPY m_qrels FROM :'f';
\set f :HN_TESTDATA '/metrics_run.tsv'
COPY m_run FROM :'f';
\set f :HN_TESTDATA '/metrics_runs.tsv'
COPY m_runs FROM :'f';
\set f :HN_TESTDATA '/metrics_expected.tsv'
COPY m_expected FROM :'f';
CREATE INDEX ON m_expected (run_key);
ANALYZE m_qrels, m_run, m_expected;

-- "N mismatches" plus the first few, for a readable failure.
CREATE FUNCTION pg_temp.mismatches(k text) RETURNS text LANGUAGE sql AS $$
	WITH r AS (SELECT * FROM m_runs WHERE run_key = k),
	got AS (
		SELECT t.* FROM r, trec_eval(
			format('SELECT query_id, doc_id, score FROM m_run WHERE case_id = %L', r.case_id),
			format('SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = %L', r.case_id),
			r.measures, r.per_query, r.complete, r.relevance_level, r.judged_only, r.max_rank) t),
	exp AS (SELECT measure, query_id, value FROM m_expected WHERE run_key = k),
	bad AS (
		SELECT measure, query_id, e.value AS want, g.value AS got
		FROM exp e FULL JOIN got g USING (measure, query_id)
		WHERE e.value IS NULL OR g.value IS NULL
			OR NOT (e.value = g.value OR abs(e.value - g.value) <= 1e-9))
	SELECT (SELECT count(*) FROM bad) || ' mismatches' || coalesce(': ' || (
		SELECT string_agg(format('%s/%s want %s got %s', measure, query_id, want, got), '; ')
		FROM (SELECT * FROM bad ORDER BY measure, query_id LIMIT 5) b), '')
$$;

-- Row order: for a single measure set (one binary call) the rows must come
-- in the binary's order (queries in byte order, measures in table order, all last).
CREATE FUNCTION pg_temp.order_differs(k text) RETURNS boolean LANGUAGE sql AS $$
	WITH r AS (SELECT * FROM m_runs WHERE run_key = k),
	got AS (
		SELECT t.measure, t.query_id, t.n - 1 AS pos FROM r, trec_eval(
			format('SELECT query_id, doc_id, score FROM m_run WHERE case_id = %L', r.case_id),
			format('SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = %L', r.case_id),
			r.measures, r.per_query, r.complete, r.relevance_level, r.judged_only, r.max_rank)
			WITH ORDINALITY t(measure, query_id, value, run_id, text_value, n))
	SELECT EXISTS (
		SELECT 1 FROM got g FULL JOIN (SELECT * FROM m_expected WHERE run_key = k) e USING (pos)
		WHERE g.measure IS DISTINCT FROM e.measure OR g.query_id IS DISTINCT FROM e.query_id)
$$;

SELECT plan((SELECT count(*)::integer FROM m_runs) + 3);

SELECT ok((SELECT count(*) FROM m_expected) > 100000, 'the binary''s expected values are loaded');
SELECT ok((SELECT count(DISTINCT case_id) FROM m_runs) = 4, 'four cases: tricky, long, two Cranfield runs');

SELECT is(pg_temp.mismatches(run_key), '0 mismatches', 'trec_eval() = binary: ' || run_key)
FROM m_runs ORDER BY run_key;

SELECT is((SELECT array_agg(run_key ORDER BY run_key) FROM m_runs
		WHERE array_length(measures, 1) = 1 AND pg_temp.order_differs(run_key)), NULL,
	'rows come in the binary''s order (single-set evaluations)');

SELECT * FROM finish();
ROLLBACK;
