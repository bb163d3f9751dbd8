-- pgTAP: pooling_report (judged@k per run, judged share per rank bucket).
BEGIN;
SELECT plan(6);

CREATE TEMP TABLE qr (query_id bigint, doc_id bigint, relevance int);
INSERT INTO qr VALUES (1, 10, 1), (1, 11, 0), (1, 12, 0), (2, 20, 1), (2, 10, 1), (2, 21, -1);
-- run a: q1 = 10 11 13 12 (judged: 10 rel, 11, 12); q2 = 20 21 (21 is -1: unjudged)
-- run b: q1 = 13 (unjudged)
CREATE TEMP TABLE run (query_id bigint, doc_id bigint, score float8, run_id text);
INSERT INTO run VALUES (1, 10, 0.9, 'a'), (1, 11, 0.8, 'a'), (1, 13, 0.7, 'a'), (1, 12, 0.6, 'a'),
	(2, 20, 0.5, 'a'), (2, 21, 0.4, 'a'), (1, 13, 0.5, 'b');

-- judged@1: q1 1/1, q2 1/1 -> 1.   judged@3: q1 2/3 (10, 11), q2 1/2 (20; 21 is -1) -> 7/12
-- buckets {1,3}: ranks 1-2: 10 11 20 21 -> 3 judged of 4; ranks 3+: 13 12 -> 1 of 2
SELECT results_eq(
	$$SELECT run_id, scope, rank_lo, rank_hi, n_queries, n_docs, n_judged, n_relevant,
			 round(judged::numeric, 6), round(relevant_among_judged::numeric, 6)
	  FROM pooling_report('TABLE run', 'TABLE qr', '{1,3}', '{1,3}') ORDER BY run_id, scope DESC, rank_lo, rank_hi$$,
	$$VALUES ('a', 'top', 1, 1, 2::bigint, 2::bigint, 2::bigint, 2::bigint, 1.0, 1.0),
			 ('a', 'top', 1, 3, 2, 5, 3, 2, round(7/12.0, 6), round(2/3.0, 6)),
			 ('a', 'bucket', 1, 2, 2, 4, 3, 2, 0.75, round(2/3.0, 6)),
			 ('a', 'bucket', 3, NULL, 1, 2, 1, 0, 0.5, 0.0),
			 ('b', 'top', 1, 1, 1, 1, 0, 0, 0.0, NULL),
			 ('b', 'top', 1, 3, 1, 1, 0, 0, 0.0, NULL),
			 ('b', 'bucket', 1, 2, 1, 1, 0, 0, 0.0, NULL),
			 ('b', 'bucket', 3, NULL, 0, 0, 0, 0, NULL, NULL)$$,
	'judged@k and per-bucket judged shares, hand-derived');
SELECT is((SELECT judged FROM pooling_report('SELECT query_id, doc_id, score FROM run WHERE run_id = ''a''', 'TABLE qr', '{2}')
		WHERE scope = 'top'), 0.75::float8, 'judged@2 without run_id: q1 2/2, q2 1/2 (21 has relevance -1: unjudged) -> 0.75');
SELECT throws_ok($$SELECT * FROM pooling_report('TABLE run', 'TABLE qr', '{0}')$$, '22023', NULL,
	'cutoffs must be positive');
SELECT throws_ok($$SELECT * FROM pooling_report('TABLE run', 'TABLE qr', '{}')$$, '22023', NULL,
	'cutoffs must not be empty');
SELECT throws_ok($$SELECT * FROM pooling_report('TABLE run', 'TABLE qr', bucket_edges => '{1,1}')$$, '22023', NULL,
	'bucket edges must increase');
SELECT throws_ok($$SELECT * FROM pooling_report('TABLE run', NULL)$$, '22004', NULL,
	'qrels must not be NULL');

SELECT * FROM finish();
ROLLBACK;
