-- pgTAP: trec_eval() over a runs query with a run_id column evaluates every
-- run separately, each exactly as the trec_eval 10.0 binary evaluates that
-- run's file alone (test/data/metrics/expected.tsv.gz, every flag set the
-- binary was run with on Cranfield); relstring and runid as the binary
-- prints them (test/data/metrics/relstring.tsv, printed by the binary).
BEGIN;
CREATE TEMP TABLE m_qrels (case_id text, query_id text, doc_id text, relevance integer);
CREATE TEMP TABLE m_run (case_id text, query_id text, doc_id text, score double precision);
CREATE TEMP TABLE m_runs (run_key text, case_id text, complete boolean, relevance_level integer,
	judged_only boolean, max_rank integer, per_query boolean, measures text[]);
CREATE TEMP TABLE m_expected (run_key text, measure text, query_id text, value double precision, pos integer);
CREATE TEMP TABLE m_relstring (case_id text, complete boolean, judged_only boolean, max_rank integer,
	measure_arg text, measure text, query_id text, text_value text);
\set f :HN_TESTDATA '/metrics_qrels.tsv'
COPY m_qrels FROM :'f';
\set f :HN_TESTDATA '/metrics_run.tsv'
COPY m_run FROM :'f';
\set f :HN_TESTDATA '/metrics_runs.tsv'
COPY m_runs FROM :'f';
\set f :HN_TESTDATA '/metrics_expected.tsv'
COPY m_expected FROM :'f';
\set f :HN_ROOT '/test/data/metrics/relstring.tsv'
COPY m_relstring FROM :'f';
DELETE FROM m_expected WHERE run_key NOT LIKE 'cranfield.%';
CREATE INDEX ON m_expected (run_key);
-- The two Cranfield runs in one table, rows interleaved (not grouped by run),
-- one run under a hostile name: quote, tab, backslash, newline, non-ASCII.
CREATE TEMP TABLE m_two AS
	SELECT CASE split_part(case_id, '.', 2) WHEN 'bm25' THEN 'bm25' ELSE E'use''-\tli\\te\nü' END AS run_id,
		query_id, doc_id, score
	FROM m_run WHERE case_id LIKE 'cranfield.%' ORDER BY md5(case_id || query_id || doc_id);
ANALYZE m_qrels, m_run, m_expected, m_two;

-- Mismatches of one flag set: both runs in one call against the binary's
-- values for each run's file alone.
CREATE FUNCTION pg_temp.mismatches(flags text) RETURNS text LANGUAGE sql AS $$
	WITH r AS (SELECT * FROM m_runs WHERE run_key = 'cranfield.bm25.' || flags),
	got AS (
		SELECT t.run_id, t.measure, t.query_id, t.value FROM r, trec_eval('SELECT * FROM m_two',
			'SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = ''cranfield.bm25''',
			r.measures, r.per_query, r.complete, r.relevance_level, r.judged_only, r.max_rank) t),
	exp AS (
		SELECT CASE split_part(run_key, '.', 2) WHEN 'bm25' THEN 'bm25' ELSE E'use''-\tli\\te\nü' END AS run_id,
			measure, query_id, value
		FROM m_expected WHERE run_key IN ('cranfield.bm25.' || flags, 'cranfield.use-lite.' || flags)),
	bad AS (
		SELECT run_id, measure, query_id, e.value AS want, g.value AS got
		FROM exp e FULL JOIN got g USING (run_id, measure, query_id)
		WHERE e.value IS NULL OR g.value IS NULL
			OR NOT (e.value = g.value OR abs(e.value - g.value) <= 1e-9))
	SELECT (SELECT count(*) FROM bad) || ' mismatches' || coalesce(': ' || (
		SELECT string_agg(format('%s/%s/%s want %s got %s', run_id, measure, query_id, want, got), '; ')
		FROM (SELECT * FROM bad ORDER BY run_id, measure, query_id LIMIT 5) b), '')
$$;

SELECT plan((SELECT count(*)::integer FROM m_runs WHERE case_id = 'cranfield.bm25') + 9);

SELECT ok((SELECT count(*) FROM m_runs WHERE case_id = 'cranfield.bm25') >= 20,
	'the binary was run with at least 20 flag sets on Cranfield');
SELECT is(pg_temp.mismatches(substr(run_key, length('cranfield.bm25.') + 1)), '0 mismatches',
	'both runs in one call = the binary on each run alone: ' || run_key)
FROM m_runs WHERE case_id = 'cranfield.bm25' ORDER BY run_key;

-- Rows: run by run in run_id byte order, each run's "all" rows after its queries.
SELECT is((SELECT array_agg(DISTINCT run_id) FROM trec_eval('SELECT * FROM m_two',
		'SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = ''cranfield.bm25''', '{map}')),
	ARRAY['bm25', E'use''-\tli\\te\nü'], 'rows carry both run ids, hostile text intact');
SELECT is((WITH t AS (SELECT run_id, query_id, n FROM trec_eval('SELECT * FROM m_two',
			'SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = ''cranfield.bm25''', '{map}')
			WITH ORDINALITY AS o(measure, query_id, value, run_id, text_value, n))
		SELECT count(*) FROM t a JOIN t b ON b.n = a.n + 1
		WHERE a.run_id COLLATE "C" > b.run_id COLLATE "C" OR (a.run_id = b.run_id AND a.query_id = 'all' AND b.query_id <> 'all')),
	0::bigint, 'runs come in run_id byte order, each with its all row last');
SELECT is((SELECT count(*) FROM trec_eval('SELECT query_id, doc_id, score FROM m_two',
		'SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = ''cranfield.bm25''', '{map}')
		WHERE run_id IS NOT NULL OR text_value IS NOT NULL), 0::bigint,
	'without a run_id column: one run, run_id and text_value NULL');

-- relstring and runid against the binary's lines.
CREATE TEMP TABLE m_rs_got AS
	SELECT DISTINCT ON (c.case_id, c.complete, c.judged_only, c.max_rank, t.measure, t.query_id)
		c.case_id, c.complete, c.judged_only, c.max_rank, t.measure, t.query_id, t.text_value, t.value
	FROM (SELECT DISTINCT case_id, complete, judged_only, max_rank, measure_arg FROM m_relstring) c,
		trec_eval(format('SELECT %L AS run_id, query_id, doc_id, score FROM m_run WHERE case_id = %L',
				CASE WHEN c.case_id = 'tricky' THEN 'gen' ELSE split_part(c.case_id, '.', 2) END, c.case_id),
			format('SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = %L',
				CASE WHEN c.case_id = 'tricky' THEN 'tricky' ELSE 'cranfield.bm25' END),
			ARRAY[c.measure_arg, 'runid'], true, c.complete, 1, c.judged_only, c.max_rank) t;
SELECT is((SELECT count(*) FROM (SELECT *, coalesce(max_rank, 0) AS mr FROM m_relstring) e
		FULL JOIN (SELECT *, coalesce(max_rank, 0) AS mr FROM m_rs_got) g
		USING (case_id, complete, judged_only, mr, measure, query_id)
		WHERE g.text_value IS DISTINCT FROM e.text_value), 0::bigint,
	'relstring and runid rows equal the binary''s (negative grades, -c, -J, -M, non-ASCII ids)');
SELECT ok((SELECT count(*) FROM m_relstring) > 450 AND (SELECT bool_and(value IS NULL) FROM m_rs_got),
	'all relstring/runid rows compared; their value column is NULL');
SELECT is((SELECT text_value FROM trec_eval('SELECT query_id, doc_id, score FROM m_two',
		'SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = ''cranfield.bm25''', '{runid}')),
	NULL, 'runid of a run query without run_id is NULL');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM m_two', 'SELECT query_id, doc_id, relevance FROM m_qrels', '{relstring.0}')$$,
	'22023', NULL, 'relstring.0 is rejected');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT ''r'' AS run_id, ''nope'' AS query_id, ''1''::text AS doc_id, 1.0 AS score',
		'SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = ''tricky''', '{map}')$$,
	'22023', 'no query has both rows of run "r" and judgments', 'a run with no judged query is named');

SELECT * FROM finish();
ROLLBACK;
