-- pgTAP: fn_scores, the combined scorer mine_hard_negatives is to call:
-- each estimator and their maximum on a hand-derived toy case.
BEGIN;
SELECT plan(10);

\ir fixtures/falseneg_toy.sql
CREATE TEMP TABLE teacher (query_id bigint, doc_id bigint, score float8);
INSERT INTO teacher VALUES (1, 4, 0.9), (1, 5, 0.05);

-- Ranks 1..5 = d1 d4 d5 d2 d6; default buckets: d1 in [1], d4 d5 in [2,3], d2 d6 in [4,10].
-- propensity, no pooled runs (pi 0): rho[1] = (1+1)/(1+2) = 2/3 (d1 relevant),
--   rho[2,3] = (0+1)/(0+2) = 1/2 (nothing judged), rho[4,10] = (0+1)/(1+2) = 1/3 (d2 judged 0)
--   -> d4 1/2, d5 1/2, d6 1/3
-- knn, k 4, doc_k 3: labelled neighbours of q1 are q2 and q3 only; all 3 judged docs vote (1 relevant)
--   d4: 0/4, 1/3 -> 1/3;  d5: 1/4 (q2), 1/3 -> 1/3;  d6: 1/4 (q3), 1/3 -> 1/3
-- teacher (raw probabilities): d4 0.9, d5 0.05, d6 none
-- combined = max: d4 0.9 (dropped), d5 0.5 (kept: drop iff p > 0.5), d6 1/3
SELECT results_eq(
	$$SELECT doc_id, round(p_propensity::numeric, 6), round(p_knn::numeric, 6), p_teacher,
			 round(p_false_negative::numeric, 6), dropped
	  FROM fn_scores('TABLE cand', 'TABLE qr', 'propensity,knn,teacher', queries => 'TABLE q',
					 corpus => 'TABLE d', teacher_scores => 'TABLE teacher', k => 4, doc_k => 3)
	  ORDER BY rank$$,
	$$VALUES (1::bigint, NULL::numeric, NULL::numeric, NULL::float8, 1.0, true),
			 (4, 0.5, 0.333333, 0.9, 0.9, true),
			 (5, 0.5, 0.333333, 0.05, 0.5, false),
			 (2, NULL, NULL, NULL, 0.0, false),
			 (6, 0.333333, 0.333333, NULL, 0.333333, false)$$,
	'each estimator and their maximum, hand-derived');
SELECT results_eq(
	$$SELECT doc_id, p_propensity IS NULL, p_teacher IS NULL, round(p_false_negative::numeric, 6)
	  FROM fn_scores('TABLE cand', 'TABLE qr', 'knn', queries => 'TABLE q', corpus => 'TABLE d',
					 k => 4, doc_k => 3) WHERE relevance IS NULL ORDER BY rank$$,
	$$VALUES (4::bigint, true, true, 0.333333), (5, true, true, 0.333333), (6, true, true, 0.333333)$$,
	'only the selected estimators run');
SELECT is((SELECT round(weight::numeric, 6) FROM fn_scores('TABLE cand', 'TABLE qr', 'propensity') WHERE doc_id = 6),
	0.666667, 'weight = 1 - p; propensity needs no other input');
SELECT is((SELECT count(*) FROM fn_scores('TABLE cand', 'TABLE qr', 'propensity', fn_threshold => 0.4) WHERE dropped),
	3::bigint, 'fn_threshold 0.4 drops the positive and the two p = 1/2 candidates');

SELECT throws_ok($$SELECT * FROM fn_scores('TABLE cand', 'TABLE qr', 'knn')$$, '22023', NULL,
	'knn without queries and corpus is rejected');
SELECT throws_ok($$SELECT * FROM fn_scores('TABLE cand', 'TABLE qr', 'teacher')$$, '22023', NULL,
	'teacher without teacher_scores is rejected');
SELECT throws_ok($$SELECT * FROM fn_scores('TABLE cand', 'TABLE qr', 'propensity,bm25')$$, '22023', NULL,
	'an unknown estimator is rejected');
SELECT throws_ok($$SELECT * FROM fn_scores('TABLE cand', 'TABLE qr', 'knn, knn')$$, '22023', NULL,
	'an estimator listed twice is rejected');
SELECT throws_ok($$SELECT * FROM fn_scores('TABLE cand', 'TABLE qr', 'none')$$, '22023', NULL,
	'fn_scores needs an estimator');
SELECT throws_ok($$SELECT * FROM fn_scores('TABLE cand', 'TABLE qr', 'propensity', calibrate => 'isotonic')$$, '22023', NULL,
	'an unknown calibration is rejected');

SELECT * FROM finish();
ROLLBACK;
