-- pgTAP: mine_hard_negatives(false_negatives => ...) gives each mined negative the
-- verdict fn_scores gives the same candidate in the same raw candidate list
-- (the estimators themselves are pinned by hand in the other falseneg suites).
BEGIN;
SELECT plan(4);

\ir fixtures/falseneg_toy.sql
-- stage 1 of mining with range_max 5 and one positive per query: the 6 best documents
CREATE TEMP TABLE raw AS
	SELECT query_id, doc_id, rank, score::float8 AS score
	FROM knn_search('SELECT id, embedding FROM q WHERE id IN (1, 2, 3)', 'TABLE d', 6);

SELECT results_eq(
	$$SELECT query_id, negative_id, round(p_false_negative::numeric, 5), round(weight::numeric, 5)
	  FROM mine_hard_negatives('TABLE q', 'TABLE d', 'TABLE qr', num_negatives => 5, range_max => 5,
							   false_negatives => 'propensity,knn', fn_threshold => 1)
	  ORDER BY 1, 2$$,
	$$SELECT query_id, doc_id, round(p_false_negative::numeric, 5), round(weight::numeric, 5)
	  FROM fn_scores('TABLE raw', 'TABLE qr', 'propensity,knn', 1, queries => 'TABLE q', corpus => 'TABLE d')
	  WHERE coalesce(relevance, 0) <= 0 ORDER BY 1, 2$$,
	'mined negatives carry the combined scorer''s p and weight');
SELECT is((SELECT count(*) FROM mine_hard_negatives('TABLE q', 'TABLE d', 'TABLE qr', num_negatives => 5,
		range_max => 5, false_negatives => 'propensity,knn', fn_threshold => 0.4)),
	(SELECT count(*) FROM fn_scores('TABLE raw', 'TABLE qr', 'propensity,knn', 0.4, queries => 'TABLE q',
		corpus => 'TABLE d') WHERE NOT dropped),
	'fn_threshold drops the same candidates');
SELECT is((SELECT count(*) FROM mine_hard_negatives('TABLE q', 'TABLE d', 'TABLE qr', num_negatives => 5,
		range_max => 5) WHERE p_false_negative IS NULL), 15::bigint,
	'false_negatives => none leaves p_false_negative NULL');
SELECT throws_ok($$SELECT * FROM mine_hard_negatives('TABLE q', 'TABLE d', 'TABLE qr', false_negatives => 'propensity,bm25')$$,
	'22023', NULL, 'an unknown estimator is rejected before any work');

SELECT * FROM finish();
ROLLBACK;
