-- pgTAP: ir_measures' parameter forms (Name(param=value, ...), Name(...)@k) in trec_eval()
-- measure lists, against the trec_eval 10.0 binary's values for the trec_eval twin
-- (test/data/metrics/expected.tsv.gz, the "<case>.default.extra" evaluations: default flags).
-- Names follow ir_measures' documentation: RBP(p=0.8), nDCG(dcg='log2')@10, P(cutoff=5) = P@5.
BEGIN;
CREATE TEMP TABLE m_qrels (case_id text, query_id text, doc_id text, relevance integer);
CREATE TEMP TABLE m_run (case_id text, query_id text, doc_id text, score double precision);
CREATE TEMP TABLE m_expected (run_key text, measure text, query_id text, value double precision, pos integer);
\set f :HN_TESTDATA '/metrics_qrels.tsv'
COPY m_qrels FROM :'f';
\set f :HN_TESTDATA '/metrics_run.tsv'
COPY m_run FROM :'f';
\set f :HN_TESTDATA '/metrics_expected.tsv'
COPY m_expected FROM :'f';
DELETE FROM m_expected WHERE run_key !~ '\.default\.extra$';
-- (ir_measures form, the binary's printed name of its twin)
CREATE TEMP TABLE forms (form text, twin text);
INSERT INTO forms VALUES
	('RBP(p=0.8)', 'rbp_p=0.8'), ('RBP( p = 0.8 )', 'rbp_p=0.8'),
	('nDCG(dcg=''log2'')@3', 'ndcg_cut_3'), ('nDCG(dcg="log2", cutoff=3)', 'ndcg_cut_3'),
	('nDCG(cutoff=3)', 'ndcg_cut_3'), ('P(cutoff=7)', 'P_7'), ('P()@3', 'P_3'),
	('R(cutoff=7)@7', 'recall_7'), ('AP(cutoff=2)', 'map_cut_2'), ('Success(cutoff=2)', 'success_2');

SELECT plan(4 * 10 + 7);

-- every form, every case: the same per-query and "all" values as the binary's twin, rows named as written
SELECT is((
	WITH got AS (SELECT t.* FROM trec_eval(
			format('SELECT query_id, doc_id, score FROM m_run WHERE case_id = %L', c.case_id),
			format('SELECT query_id, doc_id, relevance FROM m_qrels WHERE case_id = %L', c.case_id),
			ARRAY[f.form], true) t),
	exp AS (SELECT query_id, value FROM m_expected WHERE run_key = c.case_id || '.default.extra'
			AND measure = f.twin)
	SELECT count(*) FROM exp e FULL JOIN got g USING (query_id)
	WHERE g.value IS NULL OR e.value IS NULL OR abs(e.value - g.value) > 1e-9 OR g.measure <> f.form),
	0::bigint, format('%s = trec_eval %s on %s', f.form, f.twin, c.case_id))
FROM forms f, (SELECT DISTINCT case_id FROM m_run) c
ORDER BY c.case_id, f.form;

SELECT ok((SELECT count(*) FROM m_expected WHERE measure = 'rbp_p=0.8') > 100, 'the twins are loaded');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, doc_id, score FROM m_run',
	'SELECT query_id, doc_id, relevance FROM m_qrels', '{"P(rel=2)@5"}')$$, '22023',
	'ir_measures parameter "rel" of measure "P(rel=2)@5" is not supported',
	'rel= is refused (relevance_level holds for the whole call)');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, doc_id, score FROM m_run',
	'SELECT query_id, doc_id, relevance FROM m_qrels', '{"nDCG(dcg=''exp-log2'')@10"}')$$, '22023', NULL,
	'a discount trec_eval does not compute is refused');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, doc_id, score FROM m_run',
	'SELECT query_id, doc_id, relevance FROM m_qrels', '{"RBP(q=0.8)"}')$$, '22023', NULL,
	'an unknown parameter is refused');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, doc_id, score FROM m_run',
	'SELECT query_id, doc_id, relevance FROM m_qrels', '{"nDCG(cutoff=5)@10"}')$$, '22023', NULL,
	'two different cutoffs are refused');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, doc_id, score FROM m_run',
	'SELECT query_id, doc_id, relevance FROM m_qrels', '{"RBP(p=0.8"}')$$, '22023', NULL,
	'an unclosed parenthesis is refused');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, doc_id, score FROM m_run',
	'SELECT query_id, doc_id, relevance FROM m_qrels', '{"P(cutoff=5)x"}')$$, '22023', NULL,
	'text after the parenthesis other than @k is refused');

SELECT * FROM finish();
ROLLBACK;
