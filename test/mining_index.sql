-- pgTAP: mine_hard_negatives(method => 'index') takes its dense candidates from
-- the ANN index on the corpus table.  With the index made exhaustive (every
-- list probed, every candidate re-ranked) the training table must equal the
-- exact method's, which is itself checked against numpy (mining_parity);
-- with default settings it must stay close.
BEGIN;
SELECT plan(7);

\ir include/knn_cranfield.psql
CREATE TEMP TABLE md AS SELECT id, embedding::embedding AS embedding FROM cd;
CREATE TEMP TABLE mq AS SELECT id, embedding::embedding AS embedding FROM cq;
CREATE TEMP TABLE mr (query_id bigint, doc_id bigint, relevance int);
-- client-side: the server may not be able to enter the checkout (root's mode-700 home)
\set cmd '\\copy mr FROM ''' :HN_ROOT '/test/data/cranfield/qrels.tsv'''
:cmd
CREATE INDEX md_ivfsq ON md USING ivfsq (embedding embedding_cosine_ops);
ANALYZE md;

CREATE TEMP TABLE mined_exact AS
	SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM mq', 'SELECT id, embedding FROM md',
		'SELECT query_id, doc_id, relevance FROM mr', num_negatives => 5, range_min => 1);

-- the planner decides; make sure it picks the index for this small table
SET LOCAL enable_seqscan = off;
SET LOCAL hardneg.ivfsq_probes = 1000;
SET LOCAL hardneg.ivfsq_rerank = 5000;
CREATE TEMP TABLE mined_index AS
	SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM mq', 'SELECT id, embedding FROM md',
		'SELECT query_id, doc_id, relevance FROM mr', num_negatives => 5, range_min => 1,
		method => 'index');

-- knn_search through the same exhaustive index: numpy's exact top-10 (test/tools/knn_reference.py)
SELECT is((SELECT count(*) FROM knn_search('SELECT id, embedding FROM mq', 'SELECT id, embedding FROM md',
				10, 'cosine', 'index') k
			JOIN cref r ON r.metric = 'cosine' AND r.query_id = k.query_id AND r.doc_id = k.doc_id AND r.rank <= 10),
	(SELECT count(*) FROM cref WHERE metric = 'cosine' AND rank <= 10),
	'knn_search through an exhaustive ivfsq index finds numpy''s exact top-10 of every query');
SELECT cmp_ok(pg_stat_get_xact_numscans('md_ivfsq'::regclass), '>=', 450::bigint,
	'one index scan per query and call: the candidates came through the ivfsq index');
SELECT ok((SELECT count(*) FROM mined_exact) > 1000, 'the exact table is not trivially small');
SELECT set_eq('SELECT query_id, positive_id, negative_id, negative_rank, kept_rank, score FROM mined_index',
	'SELECT query_id, positive_id, negative_id, negative_rank, kept_rank, score FROM mined_exact',
	'an exhaustive index gives exactly the exact method''s training table, scores included');

RESET hardneg.ivfsq_probes;
RESET hardneg.ivfsq_rerank;
CREATE TEMP TABLE mined_approx AS
	SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM mq', 'SELECT id, embedding FROM md',
		'SELECT query_id, doc_id, relevance FROM mr', num_negatives => 5, range_min => 1,
		method => 'index');
SELECT cmp_ok((SELECT count(*)::float8 FROM mined_approx a JOIN mined_exact e
				USING (query_id, positive_id, negative_id)) / (SELECT count(*) FROM mined_exact),
	'>=', 0.9::float8, 'with default index settings at least 90% of the exact negatives are found');
SELECT is_empty('SELECT 1 FROM mined_approx a JOIN mined_exact e USING (query_id, positive_id, negative_id)
				 WHERE abs(a.score - e.score) > 1e-6',
	'scores of index candidates are the exact pair scores');

-- arrays have no distance operator, so no index can serve them
SELECT throws_ok($$SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM cq',
	'SELECT id, embedding FROM cd', 'SELECT query_id, doc_id, relevance FROM mr', method => 'index')$$,
	'42883', NULL, 'method index on a real[] corpus: undefined_function, before any search');

SELECT * FROM finish();
ROLLBACK;
