-- pgTAP: mine_hard_negatives validation, permissions and row-level security.
-- Invalid parameters must fail before any input is read: the input queries
-- below divide by zero when run, so an error other than the parameter's own
-- SQLSTATE means work started before validation.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(56);

CREATE TABLE hn_docs (id bigint PRIMARY KEY, embedding real[]);
CREATE TABLE hn_queries (id bigint PRIMARY KEY, embedding real[]);
CREATE TABLE hn_qrels (query_id bigint, doc_id bigint, relevance int);
-- 40 documents on a circle, 4 queries between them; doc 10q+1 is query q's positive
INSERT INTO hn_docs SELECT i, ARRAY[cos(i * 0.15), sin(i * 0.15), 0.1, (i % 3) * 0.05]::real[]
	FROM generate_series(1, 40) i;
INSERT INTO hn_queries SELECT q, ARRAY[cos((10 * q + 1) * 0.15 + 0.02), sin((10 * q + 1) * 0.15 + 0.02), 0.1, 0]::real[]
	FROM generate_series(0, 3) q;
INSERT INTO hn_qrels SELECT q, 10 * q + 1, 1 FROM generate_series(0, 3) q;
INSERT INTO hn_qrels VALUES (1, 12, 2), (1, 13, 0), (2, 22, -1);

-- What a call raises: SQLSTATE and whether it carries a hint.
CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
	hint text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, hint = PG_EXCEPTION_HINT;
	RETURN st || CASE WHEN coalesce(hint, '') <> '' THEN ' with hint' ELSE ' without hint' END;
END
$$;

-- Inputs that fail with 22012 (division_by_zero) as soon as they are read.
\set boom '''SELECT 1/0 AS id, NULL::real[] AS embedding'', ''SELECT 1/0 AS id, NULL::real[] AS embedding'', ''SELECT 1/0 AS query_id, 1 AS doc_id'''
\set ok_in '''SELECT id, embedding FROM hn_queries'', ''SELECT id, embedding FROM hn_docs'', ''SELECT query_id, doc_id, relevance FROM hn_qrels'''

SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s)', :'boom')), '22012 without hint',
	'the division-by-zero inputs do fail when read (the checks below can fail)');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, num_negatives => 0)', :'boom')),
	'22023 with hint', 'num_negatives 0: 22023 with a hint, before reading inputs');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, range_min => 5, range_max => 5)', :'boom')),
	'22023 with hint', 'range_min >= range_max: 22023 with a hint, before reading inputs');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, num_negatives => 10, range_max => 5)', :'boom')),
	'22023 with hint', 'num_negatives larger than the window: 22023 with a hint, before reading inputs');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, sampling_strategy => %L)', :'boom', 'best')),
	'22023 with hint', 'unknown sampling strategy: 22023 with a hint, before reading inputs');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, range_min => -1)', :'boom')),
	'22023 with hint', 'negative range_min: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, relative_margin => 2)', :'boom')),
	'22023 with hint', 'relative_margin outside [0, 1]: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, percpos => 1.5)', :'boom')),
	'22023 with hint', 'percpos outside (0, 1]: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, pos_ref => %L)', :'boom', 'median')),
	'22023 with hint', 'unknown pos_ref: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, rank_basis => %L)', :'boom', 'both')),
	'22023 with hint', 'unknown rank_basis: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, exclude => %L)', :'boom', 'doc_id,near:2')),
	'22023 with hint', 'bad near-duplicate threshold: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, metric => %L)', :'boom', 'hamming')),
	'22023 with hint', 'unknown metric: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, min_score => 0.9, max_score => 0.1)', :'boom')),
	'22023 with hint', 'min_score above max_score: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, score_space => %L)', :'boom', 'teacher')),
	'22023 with hint', 'teacher score space without teacher scores: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, false_negatives => %L)', :'boom', 'knn,bm25')),
	'22023 with hint', 'an unknown false-negative estimator: invalid_parameter_value with a hint');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, method => %L)', :'boom', 'hnsw')),
	'22023 with hint', 'an unknown method: 22023');
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s, temperature => 0, sampling_strategy => %L)', :'boom', 'softmax')),
	'22023 with hint', 'softmax temperature 0: 22023');

-- the acceptance list, as throws_ok with SQLSTATE (the checks above also require a hint)
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, num_negatives => 0)', :'boom'), '22023',
	NULL, 'throws_ok: num_negatives 0');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, range_min => 7, range_max => 3)', :'boom'), '22023',
	NULL, 'throws_ok: range_min >= range_max');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, num_negatives => 6, range_min => 2, range_max => 7)',
	:'boom'), '22023', NULL, 'throws_ok: num_negatives larger than the window');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, sampling_strategy => %L)', :'boom', 'hardest'), '22023',
	NULL, 'throws_ok: unknown sampling');
SELECT throws_ok($$SELECT * FROM mine_hard_negatives('SELECT id, embedding[1:2] AS embedding FROM hn_queries',
	'SELECT id, embedding FROM hn_docs', 'SELECT query_id, doc_id FROM hn_qrels')$$, '22000', NULL,
	'throws_ok: mismatched dimensions');
SELECT throws_ok($$SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries',
	'SELECT id, NULL::real[] AS embedding FROM hn_docs', 'SELECT query_id, doc_id FROM hn_qrels')$$, '22004', NULL,
	'throws_ok: NULL embeddings');

-- data errors, found while reading
SELECT is(pg_temp.err($$SELECT * FROM mine_hard_negatives('SELECT id, embedding[1:3] AS embedding FROM hn_queries',
	'SELECT id, embedding FROM hn_docs', 'SELECT query_id, doc_id FROM hn_qrels')$$),
	'22000 with hint', 'queries and corpus of different dimensions: data_exception with a hint');
SELECT is(pg_temp.err($$SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries',
	'SELECT id, CASE WHEN id = 7 THEN NULL ELSE embedding END AS embedding FROM hn_docs',
	'SELECT query_id, doc_id FROM hn_qrels')$$),
	'22004 with hint', 'a NULL corpus embedding: null_value_not_allowed with a hint');
SELECT is(pg_temp.err($$SELECT * FROM mine_hard_negatives('SELECT id, NULL::real[] AS embedding FROM hn_queries',
	'SELECT id, embedding FROM hn_docs', 'SELECT query_id, doc_id FROM hn_qrels')$$),
	'22004 with hint', 'a NULL query embedding: null_value_not_allowed with a hint');
SELECT is(pg_temp.err($$SELECT * FROM mine_hard_negatives('SELECT id::text AS id, embedding FROM hn_queries',
	'SELECT id::text AS id, embedding FROM hn_docs', 'SELECT query_id::text, doc_id::text FROM hn_qrels')$$),
	'42804 with hint', 'text ids without id_type: datatype_mismatch with a hint');
SELECT is(pg_temp.err($$SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries',
	'SELECT 1 AS id, embedding FROM hn_docs', 'SELECT query_id, doc_id FROM hn_qrels')$$),
	'23505 with hint', 'duplicate corpus ids: unique_violation with a hint');
SELECT is(pg_temp.err($$SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries',
	'SELECT id, embedding FROM hn_docs', 'SELECT query_id AS q, doc_id FROM hn_qrels')$$),
	'42703 with hint', 'qrels without query_id: undefined_column with a hint');

-- the fixture works: every query mined, text ids through id_type
SELECT is((SELECT count(DISTINCT query_id) FROM mine_hard_negatives(:ok_in)), 4::bigint,
	'the fixture mines every query');
SELECT is((SELECT count(*) FROM mine_hard_negatives('SELECT id::text AS id, embedding FROM hn_queries',
	'SELECT id::text AS id, embedding FROM hn_docs', 'SELECT query_id::text, doc_id::text, relevance FROM hn_qrels',
	NULL::text)), (SELECT count(*) FROM mine_hard_negatives(:ok_in)), 'text ids through id_type give as many rows');
SELECT is(pg_typeof((SELECT negative_id FROM mine_hard_negatives('SELECT id::text AS id, embedding FROM hn_queries',
	'SELECT id::text AS id, embedding FROM hn_docs', 'SELECT query_id::text, doc_id::text FROM hn_qrels',
	NULL::text, num_negatives => 1) LIMIT 1))::text, 'text', 'id_type text gives text ids');

-- degenerate inputs: fewer documents than asked for, nothing to mine
SELECT is((SELECT count(*) FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries',
	'SELECT id, embedding FROM hn_docs WHERE id IN (1, 2, 11, 12)', 'SELECT query_id, doc_id FROM hn_qrels',
	num_negatives => 5)), 7::bigint,
	'a corpus smaller than the pool: every remaining document, no padding (ST #3873)');
-- (query 0: negatives 2, 11, 12; query 1, positives 11 and 12: negatives 1, 2 each; queries 2, 3 have no
-- positive in this corpus)
SELECT is((SELECT count(*) FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries WHERE false',
	'SELECT id, embedding FROM hn_docs', 'SELECT query_id, doc_id FROM hn_qrels')), 0::bigint, 'no queries: no rows');
SELECT is((SELECT count(*) FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries',
	'SELECT id, embedding FROM hn_docs', 'SELECT query_id, doc_id FROM hn_qrels WHERE false')), 0::bigint,
	'no qrels: no rows');
SELECT is((SELECT value FROM mine_hard_negatives_stats('SELECT id, embedding FROM hn_queries',
	'SELECT id, embedding FROM hn_docs', 'SELECT query_id, doc_id + 1000 AS doc_id FROM hn_qrels')
	WHERE item = 'positives' AND measure = 'missing_from_corpus'), 7::float8,
	'positives missing from the corpus are counted');

-- include_positives: score filters apply to positives (ST), unless exempt_positives
SELECT is((SELECT count(*) FROM mine_hard_negatives(:ok_in, include_positives => true, absolute_margin => 0.001,
	num_negatives => 3) m JOIN hn_qrels r ON r.query_id = m.query_id AND r.doc_id = m.negative_id AND r.relevance > 0),
	0::bigint, 'include_positives: the margin removes the positives themselves (ST PR #4053)');
SELECT ok((SELECT count(*) FROM mine_hard_negatives(:ok_in, include_positives => true, exempt_positives => true,
	absolute_margin => 0.001, num_negatives => 3) m JOIN hn_qrels r ON r.query_id = m.query_id
	AND r.doc_id = m.negative_id AND r.relevance > 0) >= 4, 'exempt_positives keeps every positive in the list');

-- JSON lines in the three shapes
CREATE TABLE hn_mined AS SELECT * FROM mine_hard_negatives(:ok_in, num_negatives => 2);
CREATE TABLE hn_qtext AS SELECT id, 'query ' || id AS text FROM hn_queries;
CREATE TABLE hn_dtext AS SELECT id, 'doc ' || id AS text, 'title ' || id AS title FROM hn_docs;
SELECT is((SELECT count(*) FROM hard_negatives_jsonl('hn_mined', 'sentence-transformers', 'SELECT id, text FROM hn_qtext',
	'SELECT id, text FROM hn_dtext') j WHERE j::jsonb ?& ARRAY['anchor', 'positive', 'negative']
	AND j::jsonb ->> 'anchor' LIKE 'query %' AND j::jsonb ->> 'negative' LIKE 'doc %'),
	(SELECT count(*) FROM hn_mined), 'sentence-transformers JSON: one triplet per row, with texts');
SELECT is((SELECT count(*) FROM hard_negatives_jsonl('hn_mined', 'flagembedding', output_scores => true) j
	WHERE jsonb_array_length(j::jsonb -> 'neg') = 2 AND jsonb_array_length(j::jsonb -> 'neg_scores') = 2
	AND j::jsonb ? 'pos_scores'), 4::bigint, 'FlagEmbedding JSON: one line per query with pos/neg and scores');
SELECT is((SELECT sum(jsonb_array_length(j::jsonb -> 'positive_passages')) FROM hard_negatives_jsonl('hn_mined',
	'tevatron', doc_texts => 'SELECT id, text, title FROM hn_dtext') j), 5::bigint,
	'Tevatron JSON: every positive passage of each query');
SELECT ok((SELECT bool_and(j::jsonb -> 'negative_passages' -> 0 ->> 'title' LIKE 'title %')
	FROM hard_negatives_jsonl('hn_mined', 'tevatron', doc_texts => 'SELECT id, text, title FROM hn_dtext') j),
	'Tevatron JSON: passages carry docid, title and text');
-- key order is column order for sentence-transformers (datasets keeps the first object's key order,
-- the trainer takes columns by position): json (not jsonb) keeps the text's order
SELECT is((SELECT array_agg(DISTINCT k.keys) FROM hard_negatives_jsonl('hn_mined', 'sentence-transformers',
	output_scores => true) j, LATERAL (SELECT array_agg(k ORDER BY n) FROM json_object_keys(j::json)
	WITH ORDINALITY o(k, n)) k(keys)), ARRAY[ARRAY['anchor', 'positive', 'negative', 'scores']],
	'sentence-transformers JSON: keys anchor, positive, negative, scores in that order');
SELECT is((SELECT array_agg(DISTINCT k.keys) FROM hard_negatives_jsonl('hn_mined', 'sentence-transformers') j,
	LATERAL (SELECT array_agg(k ORDER BY n) FROM json_object_keys(j::json) WITH ORDINALITY o(k, n)) k(keys)),
	ARRAY[ARRAY['anchor', 'positive', 'negative']], 'sentence-transformers JSON without scores: anchor, positive, negative');
SELECT is((SELECT array_agg(DISTINCT k.keys) FROM hard_negatives_jsonl('hn_mined', 'flagembedding',
	output_scores => true) j, LATERAL (SELECT array_agg(k ORDER BY n) FROM json_object_keys(j::json)
	WITH ORDINALITY o(k, n)) k(keys)), ARRAY[ARRAY['query', 'pos', 'neg', 'pos_scores', 'neg_scores']],
	'FlagEmbedding JSON: keys in the documented order');
-- the n-tuple columns of sentence-transformers: anchor, positive, negative_1..negative_n (by position)
SELECT is((SELECT array_agg(j::json ->> 'negative_2' ORDER BY n) FROM hard_negatives_jsonl('hn_mined',
	'sentence-transformers-ntuple', 'SELECT id, text FROM hn_qtext', 'SELECT id, text FROM hn_dtext')
	WITH ORDINALITY t(j, n)),
	(SELECT array_agg('doc ' || negative_id ORDER BY query_id, positive_id) FROM hn_mined WHERE negative_rank = 2),
	'sentence-transformers n-tuple JSON: negative_2 is the second-ranked negative of each (query, positive)');
SELECT is((SELECT array_agg(DISTINCT k.keys) FROM hard_negatives_jsonl('hn_mined', 'sentence-transformers-ntuple',
	output_scores => true) j, LATERAL (SELECT array_agg(k ORDER BY n) FROM json_object_keys(j::json)
	WITH ORDINALITY o(k, n)) k(keys)), ARRAY[ARRAY['anchor', 'positive', 'negative_1', 'negative_2', 'scores']],
	'sentence-transformers n-tuple JSON: anchor, positive, negative_1, negative_2, scores in that order');
SELECT throws_ok($$SELECT * FROM hard_negatives_jsonl('hn_mined', 'dpr')$$, '22023', NULL,
	'an unknown JSON style is rejected');
SELECT is((SELECT count(*) FROM hard_negatives_ntuple('hn_mined', 3)), 0::bigint,
	'n-tuple drops rows with fewer negatives than asked for');

-- permissions: mining runs as the caller
CREATE ROLE hn_mine_noread;
CREATE ROLE hn_mine_rls;
GRANT SELECT ON hn_queries, hn_qrels TO hn_mine_noread;
GRANT SELECT ON hn_queries, hn_qrels, hn_docs TO hn_mine_rls;
SET LOCAL ROLE hn_mine_noread;
SELECT is(pg_temp.err(format('SELECT * FROM mine_hard_negatives(%s)', :'ok_in')), '42501 without hint',
	'a role without SELECT on the corpus gets insufficient_privilege');
RESET ROLE;

-- row-level security on qrels: the caller sees only queries 0 and 1
ALTER TABLE hn_qrels ENABLE ROW LEVEL SECURITY;
CREATE POLICY hn_qrels_low ON hn_qrels FOR SELECT TO hn_mine_rls USING (query_id < 2);
SET LOCAL ROLE hn_mine_rls;
SELECT results_eq(format('SELECT DISTINCT query_id FROM mine_hard_negatives(%s) ORDER BY 1', :'ok_in'),
	ARRAY[0, 1]::bigint[], 'row-level security on qrels hides the other queries');
SELECT is((SELECT count(DISTINCT positive_id) FROM mine_hard_negatives(:ok_in) WHERE query_id = 1), 2::bigint,
	'graded qrels: relevance 2 is a positive, 0 is not');
RESET ROLE;
SELECT results_eq(format('SELECT DISTINCT query_id FROM mine_hard_negatives(%s) ORDER BY 1', :'ok_in'),
	ARRAY[0, 1, 2, 3]::bigint[], 'the table owner still sees every query');
SELECT is((SELECT count(*) FROM mine_hard_negatives(:ok_in, num_negatives => 5) m
	JOIN hn_qrels r ON r.query_id = m.query_id AND r.doc_id = m.negative_id AND r.relevance > 0), 0::bigint,
	'no positive is returned as a negative');

-- The streamed corpus is read once per block of queries (pool 202 under work_mem 64kB: two
-- queries a block); a corpus query that returns other rows on its next run is an error, and a
-- deterministic one gives the single-block result.
CREATE SEQUENCE hn_pass;
SET LOCAL work_mem = '64kB';
SELECT is(pg_temp.err($q$SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries',
	'WITH r AS MATERIALIZED (SELECT nextval(''hn_pass'') AS n) SELECT id, embedding FROM hn_docs, r
	 WHERE id <= 30 + 10 * (n % 2)', 'TABLE hn_qrels', range_max => 200)$q$), '22000 with hint',
	'a corpus query whose next run returns other rows is an error (22000, hint)');
CREATE TEMP TABLE hn_multi AS SELECT * FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries',
	'SELECT id, embedding FROM hn_docs ORDER BY id DESC', 'TABLE hn_qrels', range_max => 200);
RESET work_mem;
SELECT is((SELECT array_agg(row(m.*)::text ORDER BY query_id, positive_id, negative_rank) FROM hn_multi m),
	(SELECT array_agg(row(m.*)::text ORDER BY query_id, positive_id, negative_rank)
	 FROM mine_hard_negatives('SELECT id, embedding FROM hn_queries', 'SELECT id, embedding FROM hn_docs',
		'TABLE hn_qrels', range_max => 200) m),
	'two corpus passes (work_mem 64kB) give the rows of one');

SELECT * FROM finish();
ROLLBACK;
