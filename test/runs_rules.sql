-- pgTAP: the one ranked-list rule (docs/inputs.md, src/io/runs.h), fed as
-- the same hostile run sets to every function that reads runs, pooled runs
-- or candidate lists: a document listed twice for one query in one run is
-- one candidate with the highest score (the call gives what it gives on the
-- deduplicated input, checked against that input written by hand); NULL ids
-- or scores are 22004, NaN scores 22000, text run ids against integer ids
-- elsewhere 42804.
BEGIN;
SELECT plan(78);

\ir fixtures/falseneg_toy.sql
\ir fixtures/judgments_inputs.sql
-- the WARNING each duplicate raises is not what is checked here
SET LOCAL client_min_messages = error;

-- Candidate lists have no run_id: run a's rows.
CREATE TEMP TABLE cand_a AS SELECT query_id, doc_id, score FROM runs WHERE run_id = 'a';

-- kind: runs (run_id, query_id, doc_id, score) or cand (query_id, doc_id, score); %s = the list query.
CREATE TEMP TABLE run_calls (ord int, fn text, kind text, tpl text);
INSERT INTO run_calls VALUES
 (1, 'trec_eval', 'runs', $$SELECT * FROM trec_eval(%s, 'TABLE qr')$$),
 (2, 'compare_runs', 'runs', $$SELECT * FROM compare_runs(%s, 'TABLE qr')$$),
 (3, 'fuse_runs', 'runs', $$SELECT * FROM fuse_runs(%s)$$),
 (4, 'fuse_runs_tune', 'runs', $$SELECT * FROM fuse_runs_tune(%s, 'TABLE qr', trials => 3)$$),
 (5, 'mine_hard_negatives (runs)', 'runs', $$SELECT * FROM mine_hard_negatives('TABLE q', 'TABLE d', 'TABLE qr', num_negatives => 1, method => 'none', runs => %s)$$),
 (6, 'pool_propensity (pooled_runs)', 'runs', $$SELECT * FROM pool_propensity('TABLE qr', %s)$$),
 (7, 'pool_propensity_docs (pooled_runs)', 'runs', $$SELECT * FROM pool_propensity_docs('TABLE qr', %s)$$),
 (8, 'pooling_report (run)', 'runs', $$SELECT * FROM pooling_report(%s, 'TABLE qr')$$),
 (9, 'fn_weights (pooled_runs)', 'runs', $$SELECT * FROM fn_weights('TABLE cand', 'TABLE qr', %s)$$),
 (10, 'fn_scores (candidates)', 'cand', $$SELECT * FROM fn_scores(%s, 'TABLE qr', 'propensity')$$),
 (11, 'denoise (candidates)', 'cand', $$SELECT * FROM denoise(%s, 'TABLE teacher', 'TABLE qr')$$),
 (12, 'fn_calibration (pooled_runs)', 'runs', $$SELECT fn_calibration('TABLE cand', 'TABLE qr', %s)$$),
 (13, 'knn_noise_flags (candidates)', 'cand', $$SELECT * FROM knn_noise_flags(%s, 'TABLE qr', 'TABLE q', 'TABLE d', k => 2, doc_k => 2)$$);

-- Hostile list sets; run a has d1 for q1 at 0.9.  "same" is the hand-written
-- input the call must treat the hostile one as (NULL: it must fail with sqlstate).
CREATE TEMP TABLE hostile (kind text, label text, sql text, same text, sqlstate text);
INSERT INTO hostile VALUES
 ('runs', 'a duplicate with a lower score is dropped',
  'SELECT * FROM runs UNION ALL SELECT ''a'', 1::bigint, 1::bigint, 0.1::float8', 'TABLE runs', NULL),
 ('runs', 'a duplicate with a higher score replaces the row',
  'SELECT * FROM runs UNION ALL SELECT ''a'', 1::bigint, 1::bigint, 0.95::float8',
  'SELECT run_id, query_id, doc_id, CASE WHEN (run_id, query_id, doc_id) = (''a'', 1, 1) THEN 0.95::float8 ELSE score END AS score FROM runs', NULL),
 ('runs', 'a NULL score', 'SELECT * FROM runs UNION ALL SELECT ''a'', 1::bigint, 6::bigint, NULL::float8', NULL, '22004'),
 ('runs', 'a NULL doc_id', 'SELECT * FROM runs UNION ALL SELECT ''a'', 1::bigint, NULL::bigint, 0.2::float8', NULL, '22004'),
 ('runs', 'a NaN score', 'SELECT * FROM runs UNION ALL SELECT ''a'', 1::bigint, 6::bigint, ''NaN''::float8', NULL, '22000'),
 ('runs', 'text ids against integer ids',
  'SELECT run_id, query_id::text AS query_id, doc_id::text AS doc_id, score FROM runs', NULL, '42804'),
 ('cand', 'a duplicate with a lower score is dropped',
  'SELECT * FROM cand_a UNION ALL SELECT 1::bigint, 1::bigint, 0.1::float8', 'TABLE cand_a', NULL),
 ('cand', 'a duplicate with a higher score replaces the row',
  'SELECT * FROM cand_a UNION ALL SELECT 1::bigint, 1::bigint, 0.95::float8',
  'SELECT query_id, doc_id, CASE WHEN (query_id, doc_id) = (1, 1) THEN 0.95::float8 ELSE score END AS score FROM cand_a', NULL),
 ('cand', 'a NULL score', 'SELECT * FROM cand_a UNION ALL SELECT 1::bigint, 6::bigint, NULL::float8', NULL, '22004'),
 ('cand', 'a NULL doc_id', 'SELECT * FROM cand_a UNION ALL SELECT 1::bigint, NULL::bigint, 0.2::float8', NULL, '22004'),
 ('cand', 'a NaN score', 'SELECT * FROM cand_a UNION ALL SELECT 1::bigint, 6::bigint, ''NaN''::float8', NULL, '22000'),
 ('cand', 'text ids against integer ids',
  'SELECT query_id::text AS query_id, doc_id::text AS doc_id, score FROM cand_a', NULL, '42804');

-- Duplicates: the call's rows equal those on the deduplicated input.
SELECT bag_eq(format(c.tpl, quote_literal(h.sql)), format(c.tpl, quote_literal(h.same)), c.fn || ': ' || h.label)
FROM run_calls c JOIN hostile h USING (kind) WHERE h.sqlstate IS NULL ORDER BY c.ord, h.label;

-- The errors (fuse_runs reads no other input, so its text ids meet nothing to disagree with).
SELECT throws_ok(format(c.tpl, quote_literal(h.sql)), h.sqlstate, NULL, c.fn || ': ' || h.label)
FROM run_calls c JOIN hostile h USING (kind)
WHERE h.sqlstate IS NOT NULL AND NOT (c.fn = 'fuse_runs' AND h.sqlstate = '42804')
ORDER BY c.ord, h.label;

-- The NaN error names the hostile pair exactly and the input it is in.
SELECT throws_ok(
	$$SELECT * FROM fn_scores(
		$r$SELECT * FROM (VALUES ('q€', E'd''x\ty\\z', 'NaN'::float8)) c(query_id, doc_id, score)$r$,
		$r$SELECT * FROM (VALUES ('q€', 'd1', 1)) j(query_id, doc_id, relevance)$r$, 'propensity')$$,
	'22000', E'score of document "d''x\ty\\z" for query "q€" in the candidates query is NaN',
	'the NaN error names the hostile pair and the input');

SELECT * FROM finish();
ROLLBACK;
