-- pg_regress: exact output of the false-negative functions on a toy pool
-- (numbers derived by hand in test/falseneg_propensity.sql) and their error
-- messages with hints.
\set VERBOSITY default
CREATE TEMP TABLE qr (query_id bigint, doc_id bigint, relevance int);
INSERT INTO qr VALUES (1, 10, 1), (1, 11, 0), (1, 12, 0), (2, 20, 1), (2, 10, 1), (2, 22, -1);
CREATE TEMP TABLE pr (query_id bigint, doc_id bigint, score float8, run_id text);
INSERT INTO pr VALUES (1, 10, 0.9, 'a'), (1, 11, 0.8, 'a'), (1, 13, 0.7, 'a'), (1, 12, 0.6, 'a'),
	(2, 20, 0.5, 'a'), (2, 21, 0.4, 'a'), (1, 14, 0.3, 'b'), (1, 13, 0.3, 'b'), (2, 22, 0.9, 'b');

SELECT * FROM pool_propensity('TABLE qr', 'TABLE pr', '{1,2,3}') ORDER BY run_id, bucket;
SELECT query_id, doc_id, relevance, round(pi::numeric, 4) AS pi
FROM pool_propensity_docs('TABLE qr', 'TABLE pr', '{1,2,3}') ORDER BY query_id, doc_id;
SELECT query_id, doc_id, rank, relevance, bucket, round(pi::numeric, 4) AS pi, round(rho::numeric, 4) AS rho,
	   round(p_false_negative::numeric, 4) AS p, round(weight::numeric, 4) AS weight, dropped
FROM fn_weights('SELECT query_id, doc_id, score FROM pr WHERE run_id = ''a''', 'TABLE qr', 'TABLE pr', '{1,2,3}')
ORDER BY query_id, rank;
SELECT run_id, scope, rank_lo, rank_hi, n_queries, n_docs, n_judged, n_relevant,
	   round(judged::numeric, 4) AS judged, round(relevant_among_judged::numeric, 4) AS rel
FROM pooling_report('TABLE pr', 'TABLE qr', '{1,3}', '{1,3}') ORDER BY run_id, scope DESC, rank_lo;

-- errors
SELECT * FROM pool_propensity('TABLE qr', 'TABLE pr', '{2,4}');
SELECT * FROM fn_weights('TABLE pr', 'TABLE qr', fn_threshold => 2);
SELECT * FROM fn_scores('TABLE pr', 'TABLE qr', 'propensity,bm25');
SELECT * FROM fn_scores('TABLE pr', 'TABLE qr', 'knn');
SELECT * FROM denoise('TABLE pr', 'TABLE pr', calibrate => 'platt');
SELECT * FROM fn_weights('SELECT query_id::text, doc_id::text, score FROM pr', 'TABLE qr');
