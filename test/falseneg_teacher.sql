-- pgTAP: denoise (mining.md F4, RocketQA thresholds) and its Platt calibration.
BEGIN;
SELECT plan(11);

-- q1 has a known positive (d1) and a judged negative (d2); q2 has no positive.
CREATE TEMP TABLE qr (query_id bigint, doc_id bigint, relevance int);
INSERT INTO qr VALUES (1, 1, 1), (1, 2, 0), (2, 9, 0);
CREATE TEMP TABLE cand (query_id bigint, doc_id bigint, score float8);
INSERT INTO cand VALUES (1, 1, 0.99), (1, 2, 0.98), (1, 3, 0.97), (1, 4, 0.96), (1, 5, 0.95),
	(1, 6, 0.94), (1, 7, 0.10), (2, 8, 0.9);
CREATE TEMP TABLE teacher (query_id bigint, doc_id bigint, score float8);
INSERT INTO teacher VALUES (1, 1, 0.97), (1, 2, 0.03), (1, 3, 0.05), (1, 4, 0.5), (1, 5, 0.95),
	(1, 7, 0.99), (2, 8, 0.95);

-- neg_max 0.1, pos_min 0.9, scan_depth 6:
--   d1 positive; d2 judged negative (p 0 whatever the teacher says); d3 0.05 < 0.1 negative;
--   d4 0.5 dropped; d5 0.95 dropped (q1 has a positive, so no pseudo-positive);
--   d6 no teacher score, kept; d7 rank 7 > scan_depth: not consulted;
--   q2 d8 0.95 >= 0.9 on a query without positive: pseudo_positive (and not a negative).
SELECT results_eq(
	$$SELECT doc_id, label, dropped, p_false_negative, teacher_score
	  FROM denoise('TABLE cand', 'TABLE teacher', 'TABLE qr', scan_depth => 6) ORDER BY query_id, rank$$,
	$$VALUES (1::bigint, 'positive', true, 1::float8, 0.97::float8), (2, 'judged_negative', false, 0, 0.03),
			 (3, 'negative', false, 0.05, 0.05), (4, 'dropped', true, 0.5, 0.5),
			 (5, 'dropped', true, 0.95, 0.95), (6, 'no_teacher', false, NULL, NULL),
			 (7, 'beyond_scan', false, NULL, NULL), (8, 'pseudo_positive', true, 0.95, 0.95)$$,
	'RocketQA rule: negative iff p < neg_max, pseudo-positive iff p >= pos_min without positives');
SELECT is((SELECT dropped FROM denoise('TABLE cand', 'TABLE teacher', 'TABLE qr', scan_depth => 6,
		teacher_missing => 'drop') WHERE doc_id = 6), true, 'teacher_missing => drop drops unscored candidates');
SELECT is((SELECT label FROM denoise('TABLE cand', 'TABLE teacher', 'TABLE qr', scan_depth => NULL) WHERE doc_id = 7),
	'dropped', 'scan_depth NULL consults the teacher at every rank');

-- Platt scaling on judged pairs: at x = 0 one relevant of four, at x = 1 three of four.
-- The maximum-likelihood logistic fit reproduces both rates: P(x=0) = 1/4, P(x=1) = 3/4,
-- so a = ln(1/3), b = 2 ln 3 and P(x=0.5) = 1/2.
CREATE TEMP TABLE pq (query_id bigint, doc_id bigint, relevance int);
INSERT INTO pq VALUES (1, 1, 1), (1, 2, 0), (1, 3, 0), (1, 4, 0), (1, 5, 1), (1, 6, 1), (1, 7, 1), (1, 8, 0);
CREATE TEMP TABLE pt (query_id bigint, doc_id bigint, score float8);
INSERT INTO pt VALUES (1, 1, 0), (1, 2, 0), (1, 3, 0), (1, 4, 0), (1, 5, 1), (1, 6, 1), (1, 7, 1), (1, 8, 1),
	(1, 20, 0), (1, 21, 0.5), (1, 22, 1), (1, 23, 7);
CREATE TEMP TABLE pc (query_id bigint, doc_id bigint, score float8);
INSERT INTO pc VALUES (1, 20, 0.3), (1, 21, 0.2), (1, 22, 0.1), (1, 23, 0.05);
SELECT results_eq(
	$$SELECT doc_id, round(p_false_negative::numeric, 5)
	  FROM denoise('TABLE pc', 'TABLE pt', 'TABLE pq', 0.6, 0.9, NULL, 'platt') ORDER BY rank$$,
	$$VALUES (20::bigint, 0.25), (21, 0.5), (22, 0.75), (23, round((1 / (1 + exp(-(ln(1/3.0) + 2 * ln(3.0) * 7))))::numeric, 5))$$,
	'Platt fit reproduces the judged relevance rates: 1/4, 1/2, 3/4');
SELECT results_eq(
	$$SELECT label FROM denoise('TABLE pc', 'TABLE pt', 'TABLE pq', 0.6, 0.9, NULL, 'platt') ORDER BY rank$$,
	$$VALUES ('negative'), ('negative'), ('dropped'), ('dropped')$$,
	'calibrated probabilities are thresholded like raw ones (q1 has positives: no pseudo-positive)');

SELECT throws_ok($$SELECT * FROM denoise('TABLE pc', 'TABLE pt', 'TABLE pq', scan_depth => NULL)$$, '22023', NULL,
	'a teacher score outside [0, 1] needs calibration');
SELECT throws_ok($$SELECT * FROM denoise('TABLE cand', 'TABLE teacher', 'TABLE qr', neg_max => 0.95)$$, '22023', NULL,
	'neg_max above pos_min is rejected');
SELECT throws_ok($$SELECT * FROM denoise('TABLE cand', 'TABLE teacher', 'TABLE qr', calibrate => 'isotonic')$$, '22023', NULL,
	'an unknown calibration is rejected');
SELECT throws_ok($$SELECT * FROM denoise('TABLE cand', 'TABLE teacher', calibrate => 'platt')$$, '22023', NULL,
	'Platt calibration needs qrels');
SELECT throws_ok($$SELECT * FROM denoise('TABLE pc', 'TABLE pt', 'SELECT * FROM pq WHERE relevance = 1', calibrate => 'platt')$$, '22023', NULL,
	'Platt calibration needs judged pairs of both labels');
SELECT throws_ok($$SELECT * FROM denoise('TABLE cand', 'TABLE teacher', 'TABLE qr', scan_depth => 0)$$, '22023', NULL,
	'scan_depth must be positive');

SELECT * FROM finish();
ROLLBACK;
