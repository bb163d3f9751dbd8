-- pgTAP: knn_noise_flags (mining.md F6) on 2-d vectors whose neighbours are
-- worked out by hand in the comments.
BEGIN;
SELECT plan(12);

-- Toy data: q2 is q1's nearest labelled query, q3 the next; q1 judged d1 relevant,
-- d2 and d3 not; candidates of q1 in score order d1 d4 d5 d2 d6.
\ir fixtures/falseneg_toy.sql

-- k = 1, doc_k = 1:
--   d4: q2 does not have d4 -> 0 query votes; nearest judged doc of q1 to d4 is d1
--       (cos 0.9986 vs d2 0.0525, d3 -0.9986), relevant -> 1/1: p = 1
--   d5: q2 has d5 -> 1/1; nearest judged doc is d3 (cos 0.6 vs d1 -0.6, d2 -0.8),
--       not relevant -> 0/1: p = max(1, 0) = 1
--   d6: 0 query votes; cos to d1 0, d2 -1, d3 0: tie d1/d3 goes to d1 (qrels order by doc id)
--       -> relevant: p = 1
SELECT results_eq(
	$$SELECT doc_id, votes_query, votes_doc, n_doc_voters, p_false_negative, dropped
	  FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'TABLE q', 'TABLE d', 1, 1) ORDER BY rank$$,
	$$VALUES (1::bigint, NULL::int, NULL::int, NULL::int, 1::float8, true),
			 (4, 0, 1, 1, 1, true), (5, 1, 0, 1, 1, true),
			 (2, NULL, NULL, NULL, 0, false), (6, 0, 1, 1, 1, true)$$,
	'k = 1, doc_k = 1: label transfer from q2 and the nearest judged document');

-- k = 2, doc_k = 3: neighbours q2 and q3 (q4 unlabelled is skipped);
-- all 3 judged documents vote, 1 of them relevant.
--   d4: 0/2 query votes, 1/3 doc votes -> p = 1/3
--   d5: 1/2 (q2), 1/3 -> p = 0.5: not dropped at fn_threshold 0.5 (drop iff p > threshold)
--   d6: 1/2 (q3), 1/3 -> 0.5
SELECT results_eq(
	$$SELECT doc_id, votes_query, votes_doc, n_doc_voters, round(p_false_negative::numeric, 6), dropped
	  FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'TABLE q', 'TABLE d', 2, 3)
	  WHERE relevance IS NULL ORDER BY rank$$,
	$$VALUES (4::bigint, 0, 1, 3, 0.333333, false), (5, 1, 1, 3, 0.5, false), (6, 1, 1, 3, 0.5, false)$$,
	'k = 2, doc_k = 3: shares of votes, hand-derived');
SELECT is((SELECT round(weight::numeric, 6) FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'TABLE q', 'TABLE d', 2, 3) WHERE doc_id = 4),
	0.666667, 'weight = 1 - p');
SELECT is((SELECT count(*) FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'TABLE q', 'TABLE d', 2, 3, fn_threshold => 0.4) WHERE dropped),
	3::bigint, 'fn_threshold 0.4 drops the known positive and the two p = 0.5 candidates');
-- doc_k larger than the judged set: every judged document votes.
SELECT is((SELECT n_doc_voters FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'TABLE q', 'TABLE d', 1, 50) WHERE doc_id = 4),
	3, 'n_doc_voters is capped by the number of judged documents');
SELECT is((SELECT doc_id FROM knn_noise_flags('SELECT query_id::text, doc_id::text, score FROM cand',
		'SELECT query_id::text, doc_id::text, relevance FROM qr', 'SELECT id::text, embedding FROM q',
		'SELECT id::text, embedding FROM d', 1, 1, 'cosine', 0.5, 1, NULL::text) WHERE doc_id = '5'),
	'5', 'text ids work through the typed form');

SELECT throws_ok($$SELECT * FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'TABLE q', 'TABLE d', 0)$$, '22023', NULL,
	'k must be at least 1');
SELECT throws_ok($$SELECT * FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'TABLE q', 'TABLE d', doc_k => NULL)$$, '22004', NULL,
	'doc_k must not be NULL');
SELECT throws_ok($$SELECT * FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'TABLE q', 'TABLE d', metric => 'hamming')$$, '22023', NULL,
	'an unknown metric is rejected');
SELECT throws_ok($$SELECT * FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'TABLE q', 'SELECT * FROM d WHERE id <> 4')$$, '22023', NULL,
	'a candidate without an embedding in the corpus is an error');
SELECT throws_ok($$SELECT * FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'SELECT * FROM q WHERE id <> 1', 'TABLE d')$$, '22023', NULL,
	'a candidate query without an embedding is an error');
SELECT throws_ok($$SELECT * FROM knn_noise_flags('TABLE cand', 'TABLE qr', 'SELECT id FROM q', 'TABLE d')$$, '42703', NULL,
	'the queries input needs an embedding column');

SELECT * FROM finish();
ROLLBACK;
