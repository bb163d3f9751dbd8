-- Fixtures of test/fuzz.py: one column set (every column name an input
-- query of hardneg reads) over consistent, hostile, empty and one-row data,
-- an impostor type, an ivfsq index and a mined table.
DROP SCHEMA IF EXISTS fz CASCADE;
CREATE SCHEMA fz;
CREATE FUNCTION fz.vec(g bigint, d int DEFAULT 8) RETURNS embedding LANGUAGE sql IMMUTABLE
	AS $$ SELECT array_agg(sin(g * 12.9898 + j * 78.233)::real ORDER BY j)::embedding
		  FROM generate_series(1, d) j $$;
CREATE TABLE fz.good AS
SELECT g AS id, (g % 5) + 1 AS query_id, g AS doc_id, (g % 3)::int AS relevance, 1.0 / g AS score,
	   ((g - 1) / 5 + 1)::int AS rank, 'r' || (g % 2) AS run_id, md5(g::text) AS text_hash, fz.vec(g) AS embedding
FROM generate_series(1, 40) g;
-- duplicate and conflicting judgments, tied scores and ranks, hostile text ids
CREATE TABLE fz.hostile AS SELECT * FROM fz.good;
INSERT INTO fz.hostile SELECT id, query_id, doc_id, 2 - relevance, score, rank, run_id, text_hash, embedding
FROM fz.good WHERE id <= 10;
INSERT INTO fz.hostile SELECT id + 100, query_id, doc_id, relevance, 0.5, 1, E'r\t''"\\', E'h\n', embedding
FROM fz.good WHERE id <= 10;
INSERT INTO fz.hostile VALUES (999, 1, 999, -5, 'NaN', 0, '', '', fz.vec(999)),
	(998, 1, 998, 1, '-0', -1, 'é漢字', NULL, NULL);
CREATE TABLE fz.empty AS SELECT * FROM fz.good WHERE false;
CREATE TABLE fz.one AS SELECT * FROM fz.good WHERE id = 1;
-- impostor: a domain named vector over bytea claiming 8 dimensions
CREATE DOMAIN fz.vector AS bytea;
CREATE TABLE fz.imp AS SELECT 1::bigint AS id, '\x08000000'::bytea::fz.vector AS embedding;
-- embeddings the fuzz calls built (test/cluster.d/fuzz dumps and restores them)
CREATE TABLE fz.built (made_by text, v embedding);
CREATE TABLE fz.ivf AS SELECT id, embedding FROM fz.good;
CREATE INDEX fz_ivf_e ON fz.ivf USING ivfsq (embedding embedding_l2_ops) WITH (lists = 4);
CREATE INDEX fz_ivf_id ON fz.ivf (id);
DO $$
BEGIN
	CREATE TABLE fz.mined AS SELECT * FROM mine_hard_negatives(
		'SELECT id, embedding FROM fz.good WHERE id <= 5', 'SELECT id, embedding FROM fz.good',
		'SELECT query_id, doc_id, relevance FROM fz.good WHERE relevance > 0', num_negatives => 3);
EXCEPTION WHEN OTHERS THEN
	RAISE WARNING 'fuzz fixtures: no mined table: %', SQLERRM;
END $$;
