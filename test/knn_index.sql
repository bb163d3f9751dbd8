-- pgTAP: knn_search(method => 'index') through the planner (no index: the
-- planner's exact ORDER BY; with an ANN index: approximate, but the index is
-- used), checked against numpy float64 (test/tools/knn_reference.py).  The
-- corpus is pgvector's vector with an HNSW index where pgvector is installed,
-- hardneg's embedding with an ivfsq index otherwise.
BEGIN;
SELECT plan(9);
SELECT count(*) > 0 AS have_vector FROM pg_available_extensions WHERE name = 'vector' \gset

\ir include/knn_cranfield.psql
\if :have_vector
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE knn_i_docs AS SELECT id, embedding::vector(512) AS embedding FROM cd;
\set ann 'pgvector HNSW'
\else
CREATE TABLE knn_i_docs AS SELECT id, embedding::embedding(512) AS embedding FROM cd;
\set ann 'hardneg ivfsq'
\endif

-- rows differing from numpy beyond float32 near-ties (as in knn_exact.sql)
CREATE FUNCTION pg_temp.mismatches(m text, k int) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*)
	FROM knn_search('SELECT id, embedding FROM cq WHERE id <= 60',
			'SELECT id, embedding FROM knn_i_docs', k, m, 'index') g
		LEFT JOIN cref rr ON (rr.metric, rr.query_id, rr.rank) = (m, g.query_id, g.rank)
		LEFT JOIN cref rd ON (rd.metric, rd.query_id, rd.doc_id) = (m, g.query_id, g.doc_id)
	WHERE rd.score IS NULL OR abs(g.score - rd.score) > 1e-5
		OR (g.doc_id <> rr.doc_id AND abs(rd.score - rr.score) > 2e-6)
$$;

SET LOCAL enable_indexscan = off;
SELECT is(pg_temp.mismatches(m, 10), 0::bigint, m || ': without an index, method index is exact')
	FROM unnest(ARRAY['cosine', 'ip', 'l2']) m;
RESET enable_indexscan;
\if :have_vector
CREATE TABLE knn_i_emb AS SELECT id, embedding::embedding(512) AS embedding FROM cd;
SELECT is((SELECT count(*) FROM (
		SELECT query_id, doc_id, rank FROM knn_search('SELECT id, embedding FROM cq WHERE id <= 20',
			'SELECT id, embedding FROM knn_i_emb', 10, 'l2', 'index')
		EXCEPT ALL
		SELECT query_id, doc_id, rank FROM knn_search('SELECT id, embedding FROM cq WHERE id <= 20',
			'SELECT id, embedding FROM knn_i_docs', 10, 'l2', 'index')) d),
	0::bigint, 'hardneg embedding corpus (its own <-> operator): the same neighbours as pgvector');
CREATE INDEX knn_i_idx ON knn_i_docs USING hnsw (embedding vector_cosine_ops);
\else
SELECT skip('pgvector (extension "vector") is not installed on this server: no comparison with its operators', 1);
CREATE INDEX knn_i_idx ON knn_i_docs USING ivfsq (embedding embedding_cosine_ops);
\endif
ANALYZE knn_i_docs;
SET LOCAL enable_seqscan = off;
SELECT is((SELECT count(*) FROM knn_search('SELECT id, embedding FROM cq', 'SELECT id, embedding FROM knn_i_docs',
		10, 'cosine', 'index')), 2250::bigint, :'ann' || ': 10 rows per query');
SELECT cmp_ok((SELECT idx_scan FROM pg_stat_xact_user_tables WHERE relname = 'knn_i_docs'), '>=', 225::bigint,
	:'ann' || ': the planner used the (only) index for every query');
SELECT cmp_ok((SELECT count(*)::float8 / 2250 FROM knn_search('SELECT id, embedding FROM cq',
		'SELECT id, embedding FROM knn_i_docs', 10, 'cosine', 'index') g
		JOIN cref r ON r.metric = 'cosine' AND r.query_id = g.query_id AND r.doc_id = g.doc_id AND r.rank <= 10),
	'>=', 0.9::float8, :'ann' || ': recall@10 against numpy is at least 0.9');
SELECT is((SELECT count(*) FROM knn_search('SELECT id, embedding FROM cq WHERE id <= 2',
		'SELECT id, embedding FROM knn_i_docs ; ', 3, 'cosine', 'index')), 6::bigint,
	'a corpus query ending in a semicolon is accepted');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1,2]::real[] AS embedding',
	'SELECT id, embedding FROM knn_i_docs', 3, 'cosine', 'index')$$, '22000', NULL,
	'mismatched dimensions are rejected before searching');

SELECT * FROM finish();
ROLLBACK;
