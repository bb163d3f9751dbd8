-- pgTAP: every caller's query runs exactly once per call.  Each input query
-- of each public function that takes query strings is wrapped so that it
-- calls a volatile counting function once per execution (an uncorrelated
-- scalar subquery is an InitPlan: run once each time the query runs); after
-- the call every input must have been counted exactly once.  Exceptions,
-- documented in docs/inputs.md: method => 'index' runs its corpus statement
-- once per query vector (checked below), knn_search's exact method once per
-- query block that fits work_mem (one block here), hardneg.progress counts
-- knn_search's queries input once more for its total.
BEGIN;
SELECT plan(32);

\ir fixtures/falseneg_toy.sql
\ir fixtures/judgments_inputs.sql
CREATE TEMP TABLE items (id bigint, embedding real[], class text);
INSERT INTO items SELECT id, embedding, CASE WHEN id <= 4 THEN 'a' ELSE 'b' END FROM d;
CREATE TEMP TABLE mined2 AS SELECT query_id, doc_id, rank FROM mined;

CREATE TEMP TABLE ticks (input text);
CREATE FUNCTION pg_temp.tick(input text) RETURNS boolean VOLATILE LANGUAGE sql
	AS $$INSERT INTO ticks VALUES (input) RETURNING true$$;

-- 'TABLE x' becomes a query that counts its runs in ticks under the name x.
CREATE FUNCTION pg_temp.counted(tpl text) RETURNS text LANGUAGE sql AS $$
	SELECT regexp_replace(tpl, '''TABLE (\w+)''',
		'''SELECT * FROM \1 WHERE (SELECT pg_temp.tick(''''\1''''))''', 'g')
$$;
-- Runs a call and returns how often each input ran, e.g. {"d": 1, "q": 1, "qr": 1}.
CREATE FUNCTION pg_temp.runs_of(tpl text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	DELETE FROM ticks;
	EXECUTE format('SELECT count(*) FROM (%s) s', pg_temp.counted(tpl)) INTO n;
	RETURN (SELECT jsonb_object_agg(input, c) FROM (SELECT input, count(*) AS c FROM ticks GROUP BY input) t);
END $$;
-- What runs_of must say: every 'TABLE x' of the call once.
CREATE FUNCTION pg_temp.once(tpl text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_object_agg(m[1], 1) FROM (SELECT DISTINCT regexp_matches(tpl, '''TABLE (\w+)''', 'g') AS m) s
$$;

CREATE TEMP TABLE once_calls (ord int, fn text, tpl text);
INSERT INTO once_calls SELECT ord, fn, format(tpl, '''TABLE qr''') FROM judgment_calls;
INSERT INTO once_calls VALUES
 (20, 'knn_search', $$SELECT * FROM knn_search('TABLE q', 'TABLE d', 2)$$),
 (21, 'mine_hard_negatives propensity', $$SELECT * FROM mine_hard_negatives('TABLE q', 'TABLE d', 'TABLE qr',
	num_negatives => 2, false_negatives => 'propensity')$$),
 (22, 'mine_hard_negatives propensity,teacher with runs',
	$$SELECT * FROM mine_hard_negatives('TABLE q', 'TABLE d', 'TABLE qr', num_negatives => 2,
	  runs => 'TABLE runs', teacher_scores => 'TABLE teacher', false_negatives => 'propensity,teacher',
	  pooled_runs => 'TABLE pooled')$$),
 (23, 'fuse_runs', $$SELECT * FROM fuse_runs('TABLE runs')$$),
 (24, 'kmeans', $$SELECT * FROM kmeans('TABLE items', 2)$$),
 (25, 'kmeans_centroids', $$SELECT * FROM kmeans_centroids('TABLE items', 2)$$),
 (26, 'smote', $$SELECT * FROM smote('TABLE items', k_neighbors => 1)$$),
 (27, 'select_diverse', $$SELECT * FROM select_diverse('TABLE items', 2)$$),
 (28, 'split_interp_extrap', $$SELECT * FROM split_interp_extrap('TABLE q', 'TABLE d', 0.9)$$),
 (29, 'split_restrain', $$SELECT * FROM split_restrain('TABLE q', 'TABLE d', 0.9)$$),
 (30, 'assign_batches', $$SELECT * FROM assign_batches('TABLE q', 2)$$),
 (31, 'mining_diff', $$SELECT * FROM mining_diff('TABLE mined', 'TABLE mined2')$$);

SELECT is(pg_temp.runs_of(tpl), pg_temp.once(tpl), fn || ': each input query runs once')
FROM once_calls ORDER BY ord;

-- method => 'index': the corpus statement once per query vector (4 queries) after one
-- read of its first row (the embedding type), the queries once.
SELECT is(pg_temp.runs_of($$SELECT * FROM knn_search('TABLE q',
		'SELECT id, embedding::embedding AS embedding FROM d WHERE (SELECT pg_temp.tick(''d''))', 2,
		'cosine', 'index')$$),
	'{"q": 1, "d": 5}'::jsonb, 'knn_search index: queries once, corpus once plus once per query vector');
-- the per-query statement wraps the caller's corpus query: a trailing ';' or comment is harmless
SELECT results_eq(
	$$SELECT * FROM knn_search('TABLE q', E'SELECT id, embedding::embedding AS embedding FROM d; -- it''s the corpus', 2, 'cosine', 'index')$$,
	$$SELECT * FROM knn_search('TABLE q', 'SELECT id, embedding::embedding AS embedding FROM d', 2, 'cosine', 'index')$$,
	'knn_search index: a corpus query ending in a semicolon and a comment');
SELECT results_eq(
	$$SELECT * FROM mine_hard_negatives('TABLE q', 'SELECT id, embedding::embedding AS embedding FROM d -- no newline',
		'TABLE qr', method => 'index', num_negatives => 2)$$,
	$$SELECT * FROM mine_hard_negatives('TABLE q', 'TABLE d', 'TABLE qr', num_negatives => 2)$$,
	'mine_hard_negatives index: a corpus query ending in a comment, same rows as exact');
-- the counting itself can fail: a query run twice is counted twice
SELECT is(pg_temp.runs_of($$SELECT * FROM leakage_report('TABLE q', 'TABLE q')$$),
	'{"q": 2}'::jsonb, 'one query passed as two inputs is counted twice');

SELECT * FROM finish();
ROLLBACK;
