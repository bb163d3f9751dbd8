-- pgTAP: compare_runs(test => 'tukey') against scipy.stats.tukey_hsd (the
-- function ranx calls) on per-query values printed by the trec_eval binary
-- (test/prepare.d/metrics_tukey): statistics, p-values and 95% intervals to
-- 1e-9, for 2 and 3 runs, 2 measures and 3 query subsets (225, 33 and 18
-- queries: the studentized range at large and small degrees of freedom).
BEGIN;
CREATE TEMP TABLE t_qrels (case_id text, query_id text, doc_id text, relevance integer);
CREATE TEMP TABLE t_run (case_id text, query_id text, doc_id text, score double precision);
CREATE TEMP TABLE t_ref (runs text, subset text, measure text, baseline_run text, run_id text, queries integer,
	difference double precision, p_value double precision, ci_low double precision, ci_high double precision);
\set f :HN_TESTDATA '/metrics_qrels.tsv'
COPY t_qrels FROM :'f';
\set f :HN_TESTDATA '/metrics_run.tsv'
COPY t_run FROM :'f';
\set f :HN_TESTDATA '/metrics_tukey.tsv'
COPY t_ref FROM :'f';
DELETE FROM t_qrels WHERE case_id <> 'cranfield.bm25';
DELETE FROM t_run WHERE case_id NOT LIKE 'cranfield.%';
-- bm25-M10: bm25's first 10 ranks in trec_eval's order (score desc, doc id desc in byte order)
CREATE TEMP VIEW t_three AS
	SELECT split_part(case_id, '.', 2) AS run_id, query_id, doc_id, score FROM t_run
	UNION ALL
	SELECT 'bm25-M10', query_id, doc_id, score FROM (
		SELECT *, row_number() OVER (PARTITION BY query_id ORDER BY score DESC, doc_id COLLATE "C" DESC) AS r
		FROM t_run WHERE case_id = 'cranfield.bm25') t WHERE r <= 10;
CREATE TEMP VIEW t_two AS SELECT * FROM t_three WHERE run_id <> 'bm25-M10';

CREATE FUNCTION pg_temp.subset_qrels(s text) RETURNS text LANGUAGE sql AS $$
	SELECT 'SELECT query_id, doc_id, relevance FROM t_qrels WHERE ' ||
		CASE s WHEN 'all' THEN 'true' WHEN 'mod7' THEN 'query_id::int % 7 = 0'
			ELSE 'query_id::int <= 18' END
$$;

CREATE TEMP TABLE t_got AS
	SELECT r.*, c.queries AS got_queries, c.difference AS got_diff, c.p_value AS got_p,
		c.ci_low AS got_low, c.ci_high AS got_high, c.p_holm AS got_holm
	FROM (SELECT DISTINCT runs, subset, measure FROM t_ref) k
	CROSS JOIN LATERAL compare_runs('SELECT * FROM t_' || k.runs, pg_temp.subset_qrels(k.subset), k.measure, 'tukey') c
	FULL JOIN t_ref r ON r.runs = k.runs AND r.subset = k.subset AND r.measure = k.measure
		AND r.baseline_run = c.baseline_run AND r.run_id = c.run_id;

SELECT plan(9);
SELECT is((SELECT count(*) FROM t_ref), 24::bigint, 'scipy''s 24 pairs are loaded');
SELECT is((SELECT count(*) FROM t_got WHERE runs IS NULL OR got_p IS NULL), 0::bigint,
	'one row per pair of runs (i < j in run_id byte order), as scipy');
SELECT is((SELECT count(*) FROM t_got WHERE queries <> got_queries), 0::bigint, 'the same queries');
SELECT is((SELECT count(*) FROM t_got WHERE abs(difference - got_diff) > 1e-12), 0::bigint, 'mean differences equal');
SELECT is((SELECT count(*) FROM t_got WHERE abs(p_value - got_p) > 1e-9), 0::bigint,
	'p-values equal scipy''s tukey_hsd within 1e-9');
SELECT is((SELECT count(*) FROM t_got WHERE abs(ci_low - got_low) > 1e-9 OR abs(ci_high - got_high) > 1e-9),
	0::bigint, '95% intervals equal scipy''s within 1e-9');
SELECT ok((SELECT count(*) FROM t_got WHERE p_value BETWEEN 1e-4 AND 0.5) >= 5, 'p-values span the interesting range');
SELECT is((SELECT count(*) FROM t_got WHERE got_holm IS NOT NULL), 0::bigint, 'p_holm is NULL: Tukey''s p is family-wise already');
SELECT is((SELECT array_agg(run_id ORDER BY run_id) FROM compare_runs('SELECT * FROM t_three', pg_temp.subset_qrels('all'),
		'map', 'tukey', baseline => 'use-lite')), ARRAY['bm25', 'bm25-M10'], 'with a baseline: its pairs only');
SELECT * FROM finish();
ROLLBACK;
