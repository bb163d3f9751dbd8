-- pgTAP: ivfsq storage that lives with its table (issue 14, item 2).
--  * aminsert memory does not grow with the rows of one statement: backend
--    memory at the end of an INSERT of 8000 16000-d rows against one of 2000
--    (without a per-insert context each row left its detoasted copy and its
--    prepared vector behind: 128 kB a row, 768 MB more for the larger one);
--  * space freed by VACUUM is reused: delete 50%, VACUUM, re-insert as many,
--    three rounds, and the index stays within 1.1x its size after the build;
--    deleting everything and re-inserting reuses the freed pages;
--  * the index is sound (hardneg_index_verify) and every re-inserted row is
--    found through it at distance 0 (hand-derived: its own vector).
-- Not wrapped in one transaction: VACUUM must run outside one.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT plan(12);
DROP TABLE IF EXISTS st_src, st_big, st_mem, st_t, st_keep, st_size CASCADE;

-- 16000-d rows stored compressed in the source table, so every insert
-- detoasts its value (the allocation a per-call context must free)
CREATE TABLE st_src (id int, e embedding(16000));
ALTER TABLE st_src ALTER COLUMN e SET STORAGE MAIN;
INSERT INTO st_src SELECT g, array_fill((g % 5)::real, ARRAY[16000])::embedding
	FROM generate_series(1, 8000) g;
CREATE UNLOGGED TABLE st_big (id int, e embedding(16000));
INSERT INTO st_big SELECT g, array_fill((g % 7)::real + 1, ARRAY[16000])::embedding
	FROM generate_series(1, 50) g;
CREATE INDEX st_big_e ON st_big USING ivfsq (e embedding_l2_ops) WITH (lists = 2);
-- the backend's memory while the INSERT's executor state still exists
CREATE TABLE st_mem (bytes bigint);
CREATE FUNCTION pg_temp.note_memory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO st_mem SELECT sum(total_bytes) FROM pg_backend_memory_contexts;
	RETURN NULL;
END $$;
CREATE TRIGGER st_big_mem AFTER INSERT ON st_big FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.note_memory();
INSERT INTO st_big SELECT * FROM st_src WHERE id <= 2000;
TRUNCATE st_big;
INSERT INTO st_big SELECT * FROM st_src;
SELECT cmp_ok((SELECT max(bytes) - min(bytes) FROM st_mem), '<', 4 * 1024 * 1024::bigint,
	'backend memory at the end of an 8000-row INSERT of 16000-d rows is within 4 MB of a 2000-row one');
SELECT is((SELECT count(*) FROM st_mem), 2::bigint, 'both INSERTs were measured');
SELECT is((SELECT count(*) FROM hardneg_index_verify('st_big_e')), 0::bigint,
	'the 16000-d index (each vector a run of pieces over 8 pages) is sound after the inserts');
DROP TABLE st_src, st_big, st_mem;

-- Reuse: the same 20000 rows deleted and re-inserted by halves
CREATE FUNCTION pg_temp.vec(g bigint) RETURNS embedding LANGUAGE sql IMMUTABLE
	AS $$ SELECT array_agg(x - floor(x) - 0.5)::real[]::embedding(64)
		  FROM (SELECT sin(g * 12.9898 + j * 78.233) * 43758.5453 AS x FROM generate_series(1, 64) j) s $$;
CREATE TABLE st_t (id bigint PRIMARY KEY, e embedding(64));
INSERT INTO st_t SELECT g, pg_temp.vec(g) FROM generate_series(1, 20000) g;
CREATE INDEX st_t_e ON st_t USING ivfsq (e embedding_l2_ops);
CREATE TABLE st_keep AS SELECT * FROM st_t WHERE id % 2 = 0;
CREATE TABLE st_size (round int, bytes bigint);
INSERT INTO st_size VALUES (0, pg_relation_size('st_t_e'));

DELETE FROM st_t WHERE id % 2 = 0;
VACUUM st_t;
INSERT INTO st_t SELECT * FROM st_keep;
INSERT INTO st_size VALUES (1, pg_relation_size('st_t_e'));
DELETE FROM st_t WHERE id % 2 = 0;
VACUUM st_t;
INSERT INTO st_t SELECT * FROM st_keep;
INSERT INTO st_size VALUES (2, pg_relation_size('st_t_e'));
DELETE FROM st_t WHERE id % 2 = 0;
VACUUM st_t;
INSERT INTO st_t SELECT * FROM st_keep;
INSERT INTO st_size VALUES (3, pg_relation_size('st_t_e'));

SELECT cmp_ok((SELECT bytes FROM st_size WHERE round = r), '<=',
		(SELECT 1.1 * bytes FROM st_size WHERE round = 0)::bigint,
		format('after round %s of delete 50%% / VACUUM / re-insert the index is within 1.1x its built size', r))
	FROM generate_series(1, 3) r;
SELECT is((SELECT count(*) FROM hardneg_index_verify('st_t_e')), 0::bigint,
	'the index is sound after three rounds');
SET enable_seqscan = off;
SET hardneg.ivfsq_probes = 1000;
SELECT is((SELECT count(*) FROM st_keep k
		   WHERE (SELECT t.id FROM st_t t ORDER BY t.e <-> k.e LIMIT 1) = k.id), 10000::bigint,
	'every re-inserted row is found through the index as its own nearest neighbour');
SET hardneg.ivfsq_max_scan_tuples = 100000000;
SELECT is((SELECT count(*) FROM (SELECT id FROM st_t ORDER BY e <-> pg_temp.vec(0) LIMIT 100000000) s),
	20000::bigint, 'a scan of every list returns each of the 20000 rows once');
RESET hardneg.ivfsq_max_scan_tuples;

-- Everything deleted: the emptied vector pages become free pages; the rows
-- re-inserted go to them (and to the emptied code pages), not past the end
DELETE FROM st_t;
VACUUM st_t;
INSERT INTO st_size VALUES (4, pg_relation_size('st_t_e'));
INSERT INTO st_t SELECT g, pg_temp.vec(g) FROM generate_series(1, 20000) g;
SELECT cmp_ok((SELECT bytes FROM st_size WHERE round = 5 - 1), '>=', pg_relation_size('st_t_e'),
	'after deleting every row and VACUUM, re-inserting 20000 rows does not extend the index');
SELECT is((SELECT count(*) FROM hardneg_index_verify('st_t_e')), 0::bigint,
	'the index is sound after the free pages were reused');
SELECT is((SELECT count(*) FROM generate_series(1, 200, 7) g
		   WHERE (SELECT t.id FROM st_t t ORDER BY t.e <-> pg_temp.vec(g) LIMIT 1) = g), 29::bigint,
	'rows in reused pages are found through the index at their own vector');
RESET enable_seqscan;
RESET hardneg.ivfsq_probes;

SELECT * FROM finish();
DROP TABLE st_t, st_keep, st_size;
