-- pgTAP: trec_eval() rejects bad input with an SQLSTATE (and never crashes).
BEGIN;
SELECT plan(24);
CREATE TEMP TABLE e_qrels (query_id text, doc_id text, relevance int);
INSERT INTO e_qrels VALUES ('1', 'a', 1), ('1', 'b', 0);
CREATE TEMP TABLE e_run (query_id text, doc_id text, score float8);
INSERT INTO e_run VALUES ('1', 'a', 1), ('1', 'b', 2);

SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', '{mapp}')$$,
	'22023', 'unknown measure "mapp"', 'an unknown measure is named');
SELECT throws_like($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', '{P@}')$$,
	'%missing value after @%', 'an @ without a value');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', '{P.0}')$$,
	'22023', NULL, 'cut-off 0');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', '{P@-3}')$$,
	'22023', NULL, 'negative cut-off');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', '{P.5,5}')$$,
	'22023', NULL, 'duplicate cut-off');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', '{P.x}')$$,
	'22023', NULL, 'non-numeric cut-off');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', '{map.5}')$$,
	'22023', NULL, 'parameters on a measure without any');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', '{}')$$,
	'22023', NULL, 'no measure');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', '{map,NULL}')$$,
	'22004', NULL, 'a NULL measure name');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels', max_rank => 0)$$,
	'22023', NULL, 'max_rank 0');
SELECT throws_ok($$SELECT * FROM trec_eval(NULL, 'SELECT * FROM e_qrels')$$,
	'22004', NULL, 'NULL run');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, NULL::text AS doc_id, score FROM e_run', 'SELECT * FROM e_qrels')$$,
	'22004', NULL, 'NULL doc id');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, doc_id, NULL::float8 AS score FROM e_run', 'SELECT * FROM e_qrels')$$,
	'22004', NULL, 'NULL score');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, doc_id, ''NaN''::float8 AS score FROM e_run', 'SELECT * FROM e_qrels')$$,
	'22000', NULL, 'NaN score');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT query_id, doc_id, 1.5 AS relevance FROM e_qrels')$$,
	'42804', NULL, 'non-integer relevance');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT query_id, doc_id, 100000 AS relevance FROM e_qrels')$$,
	'22003', NULL, 'relevance beyond the grade limit');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels WHERE false')$$,
	'22023', NULL, 'empty qrels');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run WHERE false', 'SELECT * FROM e_qrels')$$,
	'22023', NULL, 'empty run: no query in common');
SELECT is((SELECT value FROM trec_eval('SELECT * FROM e_run WHERE false', 'SELECT * FROM e_qrels', '{map}', complete => true)
	WHERE query_id = 'all'), 0::float8, 'empty run with complete => true scores 0');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT * FROM e_qrels UNION ALL SELECT * FROM e_qrels')$$,
	'21000', NULL, 'duplicate judgments');
SELECT throws_ok($$SELECT * FROM trec_eval('SELECT query_id, doc_id FROM e_run', 'SELECT * FROM e_qrels')$$,
	'42703', NULL, 'missing score column');
-- duplicates in the run keep the highest score: b (2) above a (1) either way
SELECT is((SELECT value FROM trec_eval('SELECT * FROM e_run UNION ALL SELECT ''1'', ''b'', -5',
	'SELECT * FROM e_qrels', '{recip_rank}') WHERE query_id = 'all'), 0.5::float8,
	'a duplicate run row keeps its highest score');

-- all judgments negative: undefined behaviour in trec_eval; here R = 0
SELECT lives_ok($$SELECT * FROM trec_eval('SELECT * FROM e_run', 'SELECT query_id, doc_id, -1 AS relevance FROM e_qrels', '{all_trec}')$$,
	'a query whose judgments are all negative is evaluated');
SELECT is((SELECT value FROM trec_eval('SELECT * FROM e_run', 'SELECT query_id, doc_id, -2 AS relevance FROM e_qrels',
	'{num_rel,num_rel_ret,map}') WHERE query_id = 'all' AND measure = 'num_rel'), 0::float8,
	'... with no relevant document');

SELECT * FROM finish();
ROLLBACK;
