-- pgTAP: pool_propensity, pool_propensity_docs and fn_weights (mining.md F5)
-- on a toy pool whose numbers are derived by hand in the comments.
BEGIN;
SELECT plan(23);

-- Two pooled runs over two queries.  Qrels: relevance 1 = relevant,
-- 0 = judged non-relevant, -1 = pooled but unjudged (counts as unjudged).
CREATE TEMP TABLE qr (query_id bigint, doc_id bigint, relevance int);
INSERT INTO qr VALUES (1, 10, 1), (1, 11, 0), (1, 12, 0), (2, 20, 1), (2, 10, 1), (2, 22, -1);
CREATE TEMP TABLE pr (query_id bigint, doc_id bigint, score float8, run_id text);
INSERT INTO pr VALUES
	-- run a, query 1: ranks 10:1 11:2 13:3 12:4; query 2: 20:1 21:2
	('1', 10, 0.9, 'a'), (1, 11, 0.8, 'a'), (1, 13, 0.7, 'a'), (1, 12, 0.6, 'a'),
	(2, 20, 0.5, 'a'), (2, 21, 0.4, 'a'),
	-- run b, query 1: 13:1 14:2 (tie on score: smaller doc id first); query 2: 22:1
	(1, 14, 0.3, 'b'), (1, 13, 0.3, 'b'), (2, 22, 0.9, 'b');

-- Buckets {1,2,3}: [1], [2], [3, inf).
-- run a: bucket 1 = {10 (q1), 20 (q2)}: 2 judged, 2 relevant -> pi 1
--        bucket 2 = {11, 21}: 1 judged -> 0.5;  bucket 3 = {13, 12}: 1 judged -> 0.5
-- run b: bucket 1 = {13 (q1), 22 (q2, relevance -1)}: 0 judged -> 0
--        bucket 2 = {14}: 0 judged -> 0;  bucket 3: empty -> pi NULL
SELECT results_eq(
	$$SELECT run_id, bucket, rank_lo, rank_hi, n_docs, n_judged, n_relevant, pi
	  FROM pool_propensity('TABLE qr', 'TABLE pr', '{1,2,3}') ORDER BY run_id, bucket$$,
	$$VALUES ('a', 1, 1, 1, 2::bigint, 2::bigint, 2::bigint, 1::float8),
			 ('a', 2, 2, 2, 2, 1, 0, 0.5), ('a', 3, 3, NULL, 2, 1, 0, 0.5),
			 ('b', 1, 1, 1, 2, 0, 0, 0), ('b', 2, 2, 2, 1, 0, 0, 0), ('b', 3, 3, NULL, 0, 0, 0, NULL)$$,
	'judging rate per (run, rank bucket), hand-derived');

-- A second pooled run that judges: run c puts 13 at rank 1 of q1 with a judging rate of
-- 1/2 there (13 unjudged, 20 judged), and 13 is at a rank-3 bucket of run a (pi 0.5):
-- pi(1, 13) = 1 - (1 - 0.5)(1 - 0.5) = 0.75.
CREATE TEMP TABLE pr2 AS SELECT query_id, doc_id, score, run_id FROM pr WHERE run_id = 'a'
	UNION ALL VALUES (1, 13, 1.0, 'c'), (2, 20, 1.0, 'c');
SELECT is((SELECT pi FROM pool_propensity_docs('TABLE qr', 'TABLE pr2', '{1,2,3}') WHERE query_id = 1 AND doc_id = 13),
	0.75::float8, 'pi of a pair retrieved by two runs: 1 - (1 - 0.5)(1 - 0.5)');
SELECT is((SELECT pi FROM pool_propensity_docs('TABLE qr', 'TABLE pr2', '{1,2,3}') WHERE query_id = 2 AND doc_id = 21),
	0.5::float8, 'pi of a pair retrieved by one run is that run''s bucket rate');
SELECT is((SELECT count(*) FROM pool_propensity_docs('TABLE qr', 'TABLE pr2', '{1,2,3}')), 6::bigint,
	'one row per distinct pooled (query, doc)');
SELECT is((SELECT relevance FROM pool_propensity_docs('TABLE qr', 'TABLE pr', '{1,2,3}') WHERE doc_id = 22),
	-1, 'relevance is the qrels value; -1 stays -1');
SELECT is((SELECT doc_id FROM pool_propensity_docs('TABLE qr', 'TABLE pr', '{1,2,3}', 1, NULL::text) WHERE query_id = '1' AND doc_id = '14'),
	'14'::text, 'the typed form returns ids as id_type');

-- fn_weights over a candidate list of q1 and q2, ranked by score.
-- q1: 10 (rank 1, relevant), 11 (2, judged 0), 13 (3, unjudged), 12 (4, judged 0)
-- q2: 20 (1, relevant), 21 (2, unjudged)
-- Judged candidates per bucket: b1 {10, 20}: 2 judged, 2 relevant -> rho (2+1)/(2+2) = 0.75
--   b2 {11}: 1 judged, 0 relevant -> 1/3;  b3 {12}: 1/3
-- (1,13): bucket 3, pi 0.5 (run a) -> p = (1/3)(1/2) / (1 - 1/6) = 0.2
-- (2,21): bucket 2, pi 0.5 -> 0.2;  without pooled runs pi = 0 -> p = rho = 1/3
CREATE TEMP TABLE cand AS SELECT query_id, doc_id, score FROM pr WHERE run_id = 'a';
SELECT results_eq(
	$$SELECT doc_id, rank, bucket, round(rho::numeric, 6), round(p_false_negative::numeric, 6),
			 round(weight::numeric, 6), dropped
	  FROM fn_weights('TABLE cand', 'TABLE qr', 'TABLE pr', '{1,2,3}') ORDER BY query_id, rank$$,
	$$VALUES (10::bigint, 1, 1, 0.75, 1.0, 0.0, true), (11, 2, 2, 0.333333, 0.0, 1.0, false),
			 (13, 3, 3, 0.333333, 0.2, 0.8, false), (12, 4, 3, 0.333333, 0.0, 1.0, false),
			 (20, 1, 1, 0.75, 1.0, 0.0, true), (21, 2, 2, 0.333333, 0.2, 0.8, false)$$,
	'rho per bucket and p = rho (1 - pi) / (1 - rho pi), hand-derived');
SELECT is((SELECT round(p_false_negative::numeric, 6) FROM fn_weights('TABLE cand', 'TABLE qr', NULL, '{1,2,3}') WHERE doc_id = 13),
	0.333333, 'without pooled runs an unjudged candidate has pi 0: p = rho');
-- Prior Beta(2, 3): b3 = (0 + 2) / (1 + 5) = 1/3 -> unchanged; b2 = 2/6 too; b1 = (2+2)/(2+5) = 4/7
SELECT is((SELECT round(rho::numeric, 6) FROM fn_weights('TABLE cand', 'TABLE qr', NULL, '{1,2,3}', 2, 3) WHERE doc_id = 10),
	round(4/7.0, 6), 'the Beta prior enters rho as (relevant + alpha) / (judged + alpha + beta)');
SELECT is((SELECT dropped FROM fn_weights('TABLE cand', 'TABLE qr', NULL, '{1,2,3}', fn_threshold => 0.3) WHERE doc_id = 13),
	true, 'p 1/3 > fn_threshold 0.3 drops the candidate');
SELECT is((SELECT dropped FROM fn_weights('TABLE cand', 'TABLE qr', NULL, '{1,2,3}', fn_threshold => 0.4) WHERE doc_id = 13),
	false, 'p 1/3 <= fn_threshold 0.4 keeps it');
-- An explicit rank column wins over the score order.
SELECT is((SELECT bucket FROM fn_weights('SELECT query_id, doc_id, score, 1 AS rank FROM cand WHERE doc_id = 12', 'TABLE qr', NULL, '{1,2,3}')),
	1, 'a rank column is used as given');
-- Errors: every bad parameter is rejected before any input is read.
SELECT throws_ok($$SELECT * FROM pool_propensity('TABLE qr', 'TABLE pr', '{2,4}')$$, '22023', NULL,
	'bucket edges must start at rank 1');
SELECT throws_ok($$SELECT * FROM pool_propensity('TABLE qr', 'TABLE pr', '{1,4,4}')$$, '22023', NULL,
	'bucket edges must increase');
SELECT throws_ok($$SELECT * FROM pool_propensity('TABLE qr', 'TABLE pr', '{}')$$, '22023', NULL,
	'bucket edges must not be empty');
SELECT throws_ok($$SELECT * FROM pool_propensity('TABLE qr', 'TABLE pr', '{1,NULL}')$$, '22004', NULL,
	'bucket edges must not contain NULL');
SELECT throws_ok($$SELECT * FROM pool_propensity(NULL, 'TABLE pr')$$, '22004', NULL,
	'qrels must not be NULL');
SELECT throws_ok($$SELECT * FROM pool_propensity('TABLE qr', 'TABLE pr', relevance_level => -1)$$, '22023', NULL,
	'relevance_level must be >= 0');
SELECT throws_ok($$SELECT * FROM fn_weights('TABLE cand', 'TABLE qr', prior_alpha => 0)$$, '22023', NULL,
	'prior_alpha must be positive');
SELECT throws_ok($$SELECT * FROM fn_weights('TABLE cand', 'TABLE qr', fn_threshold => 1.5)$$, '22023', NULL,
	'fn_threshold must be a probability');
SELECT throws_ok($$SELECT * FROM fn_weights('SELECT query_id, doc_id FROM cand', 'TABLE qr')$$, '42703', NULL,
	'a candidates query without a score column is rejected');
SELECT throws_ok($$SELECT * FROM fn_weights('SELECT query_id::text, doc_id::text, score FROM cand', 'TABLE qr')$$, '42804', NULL,
	'text candidate ids against bigint qrels ids are rejected');
SELECT throws_ok($$SELECT * FROM fn_weights('SELECT query_id, doc_id, score, 0 AS rank FROM cand', 'TABLE qr')$$, '22023', NULL,
	'ranks must be 1-based');

SELECT * FROM finish();
ROLLBACK;
