-- pgTAP: the calibrated false-negative model (fn_scores(methods => 'calibrated'),
-- fn_calibration): pinned on hand-built toys against an independent fit, and
-- checked for calibration on the shipped Cranfield data, where the uncalibrated
-- propensity model fails the same check.
BEGIN;
SELECT plan(11);

-- Toy B (test/ref/falseneg_calibration_toy.py): one pooled run judged to depth 4, three queries.
CREATE TEMP TABLE trun (query_id bigint, doc_id bigint, score float8);
INSERT INTO trun SELECT q, q * 10 + r, 10 - r FROM generate_series(1, 3) q, generate_series(1, 7) r;
CREATE TEMP TABLE tqr (query_id bigint, doc_id bigint, relevance int);
INSERT INTO tqr VALUES (1, 11, 1), (1, 12, 1), (1, 13, 1), (1, 14, 0),
	(2, 21, 1), (2, 22, 0), (2, 23, 1), (2, 24, 0),
	(3, 31, 0), (3, 32, 1), (3, 33, 0), (3, 34, 0);
CREATE TEMP TABLE tcand (query_id bigint, doc_id bigint, score float8, rank int);
INSERT INTO tcand SELECT q, d, 1.0 / r, r::int
	FROM (VALUES (1, ARRAY[12, 11, 15, 14, 13, 17, 16]), (2, ARRAY[21, 23, 26, 22, 24, 25, 27]),
				 (3, ARRAY[32, 35, 31, 33, 34, 36, 37])) v(q, ds),
		 unnest(ds) WITH ORDINALITY u(d, r);

SELECT is((fn_calibration('TABLE tcand', 'TABLE tqr', 'TABLE trun') -> 'depths' ->> 'run')::int, 4,
	'the judged depth is read off the data');
SELECT is((SELECT (m ->> 'examples')::int * 100 + (m ->> 'relevant_examples')::int
		   FROM fn_calibration('TABLE tcand', 'TABLE tqr', 'TABLE trun') m), 1806,
	'18 examples (a pair at rank r serves scales 1/4 .. (r-1)/4), 6 of them relevant');
SELECT ok((SELECT abs((m ->> 'intercept')::float8 - 1.507594182) < 1e-7
			   AND abs((m -> 'coefficients' ->> 'log_rank:run')::float8 + 0.647603381) < 1e-7
			   AND abs((m -> 'coefficients' ->> 'log_mining_rank')::float8 + 1.329545189) < 1e-7
			   AND abs((m -> 'coefficients' ->> 'query_relevant_rate_logit')::float8 - 0.330795300) < 1e-7
		   FROM fn_calibration('TABLE tcand', 'TABLE tqr', 'TABLE trun') m),
	'coefficients equal scikit-learn''s L2 logistic fit of the same examples (scipy-polished, 1e-7)');
SELECT results_eq(
	$$SELECT doc_id, round(p_false_negative::numeric, 6)
	  FROM fn_scores('TABLE tcand', 'TABLE tqr', 'calibrated', pooled_runs => 'TABLE trun')
	  WHERE relevance IS NULL ORDER BY query_id, rank$$,
	$$VALUES (15::bigint, 0.328483), (17, 0.135342), (16, 0.123505), (26, 0.247236), (25, 0.128207),
			 (27, 0.087883), (35, 0.323762), (36, 0.089867), (37, 0.067860)$$,
	'p of the unjudged candidates equals the reference''s');
SELECT is((SELECT count(*) FROM fn_scores('TABLE tcand', 'TABLE tqr', 'auto', pooled_runs => 'TABLE trun')
		   WHERE relevance IS NULL AND p_propensity IS NULL AND p_knn IS NULL AND p_false_negative > 0),
	9::bigint, '''auto'' with pooled runs is the calibrated model');

-- Toy A: every example non-relevant -> no slopes, the smoothed rate (0 + 0.5) / (1 + 1).
SELECT is((SELECT round(p_false_negative::numeric, 6)
		   FROM fn_scores('SELECT * FROM (VALUES (1::bigint, 1::bigint, 0.9::float8), (1, 2, 0.8), (1, 3, 0.7)) c(query_id, doc_id, score)',
						  'SELECT * FROM (VALUES (1::bigint, 1::bigint, 1), (1, 2, 0)) q(query_id, doc_id, relevance)',
						  'calibrated',
						  pooled_runs => 'SELECT * FROM (VALUES (1::bigint, 1::bigint, 3.0::float8), (1, 2, 2.0), (1, 3, 1.0)) r(query_id, doc_id, score)')
		   WHERE doc_id = 3), 0.250000, 'one non-relevant example: p = 0.5 / 2');

SELECT throws_ok($$SELECT * FROM fn_scores('TABLE tcand', 'TABLE tqr', 'calibrated')$$, '22023', NULL,
	'calibrated without pooled_runs is rejected');
SELECT throws_ok($$SELECT * FROM fn_scores('TABLE tcand', 'TABLE tqr', 'auto')$$, '22023', NULL,
	'auto without any input to work from is rejected');
SELECT throws_ok($$SELECT fn_calibration('TABLE tcand', 'TABLE tqr', NULL)$$, '22004', NULL,
	'fn_calibration needs pooled_runs');

-- Cranfield (shipped): judges saw BM25's and the dense run's top 5; candidates = dense top 30.
CREATE TEMP TABLE crun (query_id bigint, q0 text, doc_id bigint, rank int, score float8, tag text);
\set f :HN_ROOT '/test/data/cranfield/queries.bm25.run'
COPY crun FROM :'f' (DELIMITER ' ');
\set f :HN_ROOT '/test/data/cranfield/queries.use-lite.run'
COPY crun FROM :'f' (DELIMITER ' ');
CREATE TEMP TABLE cqr (query_id bigint, doc_id bigint, relevance int);
\set f :HN_ROOT '/test/data/cranfield/qrels.tsv'
COPY cqr FROM :'f';
CREATE TEMP TABLE cvis AS
	SELECT p.query_id, p.doc_id, coalesce(max(q.relevance), 0) AS relevance
	FROM (SELECT DISTINCT query_id, doc_id FROM crun WHERE rank <= 5) p
	LEFT JOIN cqr q USING (query_id, doc_id) GROUP BY 1, 2;
CREATE TEMP TABLE cres AS
	SELECT s.p_false_negative AS p, s2.p_false_negative AS p_prop,
		   EXISTS (SELECT 1 FROM cqr q WHERE q.query_id = s.query_id AND q.doc_id = s.doc_id
				   AND q.relevance > 0) AS hidden
	FROM fn_scores($$SELECT query_id, doc_id, score, rank FROM crun WHERE tag = 'use-lite' AND rank <= 30
					 AND query_id IN (SELECT query_id FROM cvis WHERE relevance > 0)$$,
				   'TABLE cvis', 'calibrated',
				   pooled_runs => 'SELECT tag AS run_id, query_id, doc_id, score FROM crun') s
	JOIN fn_scores($$SELECT query_id, doc_id, score, rank FROM crun WHERE tag = 'use-lite' AND rank <= 30
					 AND query_id IN (SELECT query_id FROM cvis WHERE relevance > 0)$$,
				   'TABLE cvis', 'propensity',
				   pooled_runs => 'SELECT tag AS run_id, query_id, doc_id, score FROM crun') s2
	USING (query_id, doc_id)
	WHERE s.relevance IS NULL;
SELECT ok((SELECT sum(p) BETWEEN 0.75 * count(*) FILTER (WHERE hidden) AND 1.25 * count(*) FILTER (WHERE hidden)
			   AND avg((p - hidden::int) ^ 2) < avg((avg_h - hidden::int) ^ 2)
		   FROM cres, (SELECT avg(hidden::int) AS avg_h FROM cres) a),
	'calibrated p: sum within 25% of the hidden positives, Brier better than the true constant rate');
SELECT ok((SELECT sum(p_prop) > 1.25 * count(*) FILTER (WHERE hidden) FROM cres),
	'the uncalibrated propensity p fails the same check (this test can fail)');

SELECT * FROM finish();
ROLLBACK;
