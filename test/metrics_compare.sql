-- pgTAP: compare_runs against independent references (test/prepare.d/
-- metrics_stats: series-based Student t, exact enumeration of sign flips,
-- a large numpy bootstrap) computed from the trec_eval binary's per-query
-- values of Cranfield bm25 vs use-lite.
BEGIN;
CREATE TEMP TABLE m_qrels (case_id text, query_id text, doc_id text, relevance integer);
CREATE TEMP TABLE m_run (case_id text, query_id text, doc_id text, score double precision);
CREATE TEMP TABLE m_stats (subset text, measure text, test text, p_value double precision,
	ci_low double precision, ci_high double precision, tol_p double precision, tol_ci double precision);
\set f :HN_TESTDATA '/metrics_qrels.tsv'
COPY m_qrels FROM :'f';
\set f :HN_TESTDATA '/metrics_run.tsv'
COPY m_run FROM :'f';
\set f :HN_TESTDATA '/metrics_stats.tsv'
COPY m_stats FROM :'f';
DELETE FROM m_qrels WHERE case_id <> 'cranfield.bm25';
DELETE FROM m_run WHERE case_id NOT LIKE 'cranfield.%';
CREATE TEMP VIEW m_runs AS
	SELECT split_part(case_id, '.', 2) AS run_id, query_id, doc_id, score FROM m_run;

CREATE FUNCTION pg_temp.subset_qrels(s text) RETURNS text LANGUAGE sql AS $$
	SELECT 'SELECT query_id, doc_id, relevance FROM m_qrels WHERE ' ||
		CASE s WHEN 'all' THEN 'true' WHEN 'mod7' THEN 'query_id::int % 7 = 0'
			ELSE 'query_id::int <= 18' END
$$;

CREATE TEMP TABLE m_got AS
	SELECT s.*, c.p_value AS got_p, c.ci_low AS got_low, c.ci_high AS got_high, c.queries
	FROM m_stats s, compare_runs('SELECT * FROM m_runs', pg_temp.subset_qrels(s.subset), s.measure,
		s.test, baseline => 'bm25', resamples => 20000, seed => 11) c;

SELECT plan(18);

SELECT is((SELECT count(*) FROM m_got), (SELECT count(*) FROM m_stats), 'one comparison per reference row');
SELECT is((SELECT count(*) FROM m_got WHERE test = 'ttest' AND abs(got_p - p_value) > tol_p), 0::bigint,
	't-test p-values equal the series reference (relative 1e-9)');
SELECT is((SELECT count(*) FROM m_got WHERE test = 'ttest'
	AND (abs(got_low - ci_low) > tol_ci OR abs(got_high - ci_high) > tol_ci)), 0::bigint,
	't intervals equal the reference within 1e-9');
SELECT is((SELECT count(*) FROM m_got WHERE test = 'randomization' AND abs(got_p - p_value) > tol_p), 0::bigint,
	'randomization p-values are within 5 Monte Carlo errors of the exact enumeration');
SELECT ok((SELECT count(*) FROM m_got WHERE test = 'randomization') = 4, 'four exact randomization references');
SELECT is((SELECT count(*) FROM m_got WHERE test = 'bootstrap'
	AND (abs(got_low - ci_low) > tol_ci OR abs(got_high - ci_high) > tol_ci)), 0::bigint,
	'bootstrap intervals are within 6 standard errors of a 200000-resample reference');
SELECT is((SELECT queries FROM m_got WHERE subset = 'le18' LIMIT 1), 18, 'pairs the 18 queries of the subset');

-- determinism and seeds
SELECT is((SELECT p_value FROM compare_runs('SELECT * FROM m_runs', pg_temp.subset_qrels('le18'), 'map', 'randomization', seed => 5)),
	(SELECT p_value FROM compare_runs('SELECT * FROM m_runs', pg_temp.subset_qrels('le18'), 'map', 'randomization', seed => 5)),
	'same seed, same p-value');
SELECT isnt((SELECT p_value FROM compare_runs('SELECT * FROM m_runs', pg_temp.subset_qrels('le18'), 'map', 'randomization', seed => 5)),
	(SELECT p_value FROM compare_runs('SELECT * FROM m_runs', pg_temp.subset_qrels('le18'), 'map', 'randomization', seed => 6)),
	'another seed, another sample');

-- Holm over two comparisons: a copy of the baseline (p = 1) and use-lite.
CREATE TEMP VIEW m_runs3 AS
	SELECT * FROM m_runs UNION ALL SELECT 'bm25-copy', query_id, doc_id, score FROM m_runs WHERE run_id = 'bm25';
CREATE TEMP TABLE m_holm AS
	SELECT * FROM compare_runs('SELECT * FROM m_runs3', pg_temp.subset_qrels('mod7'), 'map', baseline => 'bm25');
SELECT is((SELECT p_value FROM m_holm WHERE run_id = 'bm25-copy'), 1::float8, 'identical runs: p = 1');
SELECT is((SELECT difference FROM m_holm WHERE run_id = 'bm25-copy'), 0::float8, 'identical runs: difference 0');
SELECT ok((SELECT abs(p_holm - least(1, 2 * (SELECT p_value FROM m_stats WHERE subset = 'mod7'
		AND measure = 'map' AND test = 'ttest'))) < 1e-12 FROM m_holm WHERE run_id = 'use-lite'),
	'Holm: the smaller of two p-values doubles');
SELECT is((SELECT p_holm FROM m_holm WHERE run_id = 'bm25-copy'), 1::float8, 'Holm: the larger stays at 1');

-- errors
SELECT throws_ok($$SELECT * FROM compare_runs('SELECT * FROM m_runs', 'SELECT query_id, doc_id, relevance FROM m_qrels', 'map', 'wilcoxon')$$,
	'22023', NULL, 'unknown test');
SELECT throws_ok($$SELECT * FROM compare_runs('SELECT * FROM m_runs', 'SELECT query_id, doc_id, relevance FROM m_qrels', 'P')$$,
	'22023', NULL, 'a measure with several values is rejected');
SELECT throws_ok($$SELECT * FROM compare_runs('SELECT * FROM m_runs WHERE run_id = ''bm25''', 'SELECT query_id, doc_id, relevance FROM m_qrels')$$,
	'22023', NULL, 'one run is not a comparison');
SELECT throws_ok($$SELECT * FROM compare_runs('SELECT * FROM m_runs', 'SELECT query_id, doc_id, relevance FROM m_qrels', baseline => 'nope')$$,
	'22023', NULL, 'unknown baseline');
SELECT throws_ok($$SELECT * FROM compare_runs('SELECT * FROM m_runs', 'SELECT query_id, doc_id, relevance FROM m_qrels', resamples => 0)$$,
	'22023', NULL, 'resamples must be positive');

SELECT * FROM finish();
ROLLBACK;
