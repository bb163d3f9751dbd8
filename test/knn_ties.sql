-- pgTAP: knn_search on data with exact ties (small-integer vectors, many
-- duplicates; test/tools/knn_reference.py): ties go to the smaller doc id,
-- numeric for bigint ids, byte order for text ids, whatever the arrival order.
BEGIN;
SELECT plan(12);

CREATE TEMP TABLE td (id bigint, text_id text, embedding real[]);
CREATE TEMP TABLE tq (id bigint, text_id text, embedding real[]);
CREATE TEMP TABLE tref (id_kind text, metric text, query_id bigint, doc_id text, rank int, score float8);
\set f :HN_TESTDATA '/knn/ties_docs.tsv'
COPY td FROM :'f';
\set f :HN_TESTDATA '/knn/ties_queries.tsv'
COPY tq FROM :'f';
\set f :HN_TESTDATA '/knn/ties_ref.tsv'
COPY tref FROM :'f';

-- rows of knn_search that differ from numpy's ranking (ids, ranks, scores within 1e-5)
CREATE FUNCTION pg_temp.diff(kind text, metric text, k int, corpus_order text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	idcol text := CASE kind WHEN 'int' THEN 'id' ELSE 'text_id' END;
	n bigint;
BEGIN
	EXECUTE format($q$
		WITH got AS (
			SELECT (SELECT id FROM tq WHERE %1$s::text = r.query_id::text) AS query_id,
				r.doc_id::text AS doc_id, r.rank, r.score
			FROM knn_search('SELECT %1$s AS id, embedding FROM tq',
				'SELECT %1$s AS id, embedding FROM td ORDER BY %4$s', %3$s, %2$L, 'exact', NULL::%5$s) r),
		ref AS (SELECT query_id, doc_id, rank, score FROM tref
				WHERE id_kind = %6$L AND metric = %2$L AND rank <= %3$s)
		SELECT count(*) FROM got FULL JOIN ref USING (query_id, rank)
		WHERE got.doc_id IS DISTINCT FROM ref.doc_id OR NOT abs(got.score - ref.score) <= 1e-5$q$,
		idcol, metric, k, corpus_order, CASE kind WHEN 'int' THEN 'bigint' ELSE 'text' END, kind)
	INTO n;
	RETURN n;
END $$;

SELECT is(pg_temp.diff('int', m, 5, 'random()'), 0::bigint, 'bigint ids, ' || m || ', k=5: numpy''s ranking, ties by id')
	FROM unnest(ARRAY['cosine', 'ip', 'l2']) m;
SELECT is(pg_temp.diff('text', m, 5, 'random()'), 0::bigint, 'text ids, ' || m || ', k=5: ties by id in byte order')
	FROM unnest(ARRAY['cosine', 'ip', 'l2']) m;
SELECT is(pg_temp.diff('int', 'l2', 50, 'id DESC'), 0::bigint, 'bigint ids, k=50, corpus by descending id');
SELECT is(pg_temp.diff('text', 'ip', 50, 'text_id DESC'), 0::bigint, 'text ids, k=50, corpus by descending id');
SET LOCAL hardneg.knn_tile_docs = 16;
SELECT is(pg_temp.diff('text', 'cosine', 37, 'random()'), 0::bigint, 'text ids, k=37, 16-document tiles');
SELECT is(pg_temp.diff('int', 'cosine', 1, 'random()'), 0::bigint, 'bigint ids, k=1, 16-document tiles');
RESET hardneg.knn_tile_docs;
SELECT is(pg_temp.diff('text', 'l2', 600, 'random()'), 0::bigint, 'text ids, k = corpus size: the full ranking');
SELECT is(pg_temp.diff('int', 'ip', 600, 'random()'), 0::bigint, 'bigint ids, k = corpus size: the full ranking');

SELECT * FROM finish();
ROLLBACK;
