-- pgTAP: knn_search(method => 'exact') against numpy float64 on the shipped
-- Cranfield USE-lite vectors (test/tools/knn_reference.py), and invariance of
-- the results under tiles, threads, work_mem, input order and input types.
BEGIN;
SELECT plan(20);

\ir include/knn_cranfield.psql

CREATE TEMP TABLE got AS
	SELECT m.metric, r.*
	FROM unnest(ARRAY['cosine', 'ip', 'l2']) m(metric),
		LATERAL knn_search('SELECT id, embedding FROM cq', 'SELECT id, embedding FROM cd', 100, m.metric) r;

SELECT is((SELECT count(*) FROM got), 3 * 225 * 100::bigint, '100 rows per query and metric');

-- Each returned doc is scored like numpy; each rank holds numpy's doc, unless
-- that rank and ours are a near-tie (|score gap| < 2e-6) that float32 cannot order.
CREATE TEMP VIEW verdict AS
	SELECT g.metric, g.query_id, g.rank, g.doc_id, g.score,
		rr.doc_id AS ref_doc, rr.score AS ref_rank_score, rd.score AS ref_doc_score
	FROM got g
		LEFT JOIN cref rr ON (rr.metric, rr.query_id, rr.rank) = (g.metric, g.query_id, g.rank)
		LEFT JOIN cref rd ON (rd.metric, rd.query_id, rd.doc_id) = (g.metric, g.query_id, g.doc_id);

SELECT is((SELECT count(*) FROM verdict WHERE metric = m AND
			(ref_doc_score IS NULL OR abs(score - ref_doc_score) > 1e-5)), 0::bigint,
		  m || ': every score within 1e-5 of numpy''s')
	FROM unnest(ARRAY['cosine', 'ip', 'l2']) m;
SELECT is((SELECT count(*) FROM verdict WHERE metric = m AND doc_id <> ref_doc AND
			abs(ref_doc_score - ref_rank_score) > 2e-6), 0::bigint,
		  m || ': same neighbours at the same ranks as numpy (up to near-ties)')
	FROM unnest(ARRAY['cosine', 'ip', 'l2']) m;
SELECT cmp_ok((SELECT count(*) FROM verdict WHERE doc_id <> ref_doc), '<=', 20::bigint,
	'near-tie swaps are rare (8 of 67500 rows when written; numpy has 58 gaps < 1e-6 per metric)');
SELECT is((SELECT count(*) FROM (
			SELECT score > lag(score) OVER (PARTITION BY metric, query_id ORDER BY rank) AS up FROM got) s
			WHERE up), 0::bigint, 'scores never increase with rank');

-- The same call under other tilings, threads, memory, orders and types gives
-- bit-identical rows (the kernel re-scores in a fixed order per pair).
CREATE TEMP TABLE base AS SELECT query_id, doc_id, rank, score FROM got WHERE metric = 'cosine';
CREATE FUNCTION pg_temp.same_as_base(corpus text, queries text DEFAULT 'SELECT id, embedding FROM cq')
	RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM (
		(SELECT * FROM base EXCEPT ALL SELECT * FROM knn_search(queries, corpus, 100, 'cosine'))
		UNION ALL
		(SELECT * FROM knn_search(queries, corpus, 100, 'cosine') EXCEPT ALL SELECT * FROM base)) d
$$;

SET LOCAL hardneg.knn_tile_docs = 7;
SET LOCAL hardneg.blas_threads = 1;
SELECT is(pg_temp.same_as_base('SELECT id, embedding FROM cd'), 0::bigint,
	'7-document tiles on one thread: identical results');
SET LOCAL hardneg.knn_tile_docs = 1000;
SET LOCAL hardneg.blas_threads = 2;
SELECT is(pg_temp.same_as_base('SELECT id, embedding FROM cd'), 0::bigint,
	'1000-document tiles on two threads: identical results');
RESET hardneg.knn_tile_docs;
RESET hardneg.blas_threads;
SET LOCAL work_mem = '64kB';
SELECT is(pg_temp.same_as_base('SELECT id, embedding FROM cd'), 0::bigint,
	'work_mem 64kB (many query blocks, small corpus chunks): identical results');
RESET work_mem;
SELECT is(pg_temp.same_as_base('SELECT id, embedding FROM cd ORDER BY md5(id::text)'), 0::bigint,
	'corpus in another order: identical results');
SELECT is(pg_temp.same_as_base('SELECT id, embedding::float8[] AS embedding FROM cd'), 0::bigint,
	'double precision[] corpus: identical results');
SELECT is(pg_temp.same_as_base('SELECT id, embedding FROM cd',
		'SELECT id, embedding FROM cq WHERE id % 3 = 0 UNION ALL SELECT id, embedding FROM cq WHERE id % 3 <> 0'),
	0::bigint, 'queries in another order: identical results');

SELECT count(*) > 0 AS have_vector FROM pg_available_extensions WHERE name = 'vector' \gset
\if :have_vector
CREATE EXTENSION IF NOT EXISTS vector;
SELECT is(pg_temp.same_as_base('SELECT id, embedding::vector AS embedding FROM cd'), 0::bigint,
	'pgvector vector corpus: identical results');
\else
SELECT skip('pgvector (extension "vector") is not installed on this server', 1);
\endif
SELECT is(pg_temp.same_as_base('SELECT id, embedding::embedding AS embedding FROM cd'), 0::bigint,
	'hardneg embedding corpus: identical results');

-- k larger than the corpus returns the whole corpus, ranked
SELECT is((SELECT count(*) FROM knn_search('SELECT id, embedding FROM cq WHERE id <= 3',
		'SELECT id, embedding FROM cd WHERE id <= 50', 1000, 'l2')), 150::bigint,
	'k beyond the corpus size returns every document once per query');
SELECT is((SELECT count(*) FROM knn_search('SELECT id, embedding FROM cq', 'SELECT id, embedding FROM cd WHERE false', 5)),
	0::bigint, 'an empty corpus gives no rows');
SELECT is((SELECT count(*) FROM knn_search('SELECT id, embedding FROM cq WHERE false', 'SELECT id, embedding FROM cd', 5)),
	0::bigint, 'no queries give no rows');

SELECT * FROM finish();
ROLLBACK;
