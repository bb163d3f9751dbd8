-- pgTAP: bytes that the ivfsq index writes to its pages.  Padding must be
-- zeros, not stale backend memory (which would also reach the WAL and the
-- data files).  Both cases were found by test/memcheck.sh: the build left the
-- padding of code tuples uninitialised, and the first insert into an index
-- built empty copied the padding of a stack IvfVecLoc onto the metapage.  The
-- second depends on stack contents, so only memcheck reliably sees it.
BEGIN;
SELECT plan(3);
CREATE EXTENSION pageinspect;

-- dim 3: 16 header bytes + 3 code bytes, MAXALIGNed to 24: 5 padding bytes
CREATE TABLE pg_t (id int, e embedding(3));
INSERT INTO pg_t SELECT g, ARRAY[sin(g), cos(g), sin(2 * g)]::real[]::embedding
	FROM generate_series(1, 3000) g;

-- Code tuples (page kind 3 in the special space) whose padding is not zero.
CREATE FUNCTION pg_temp.dirty_padding(idx regclass) RETURNS bigint LANGUAGE sql AS $$
	WITH pages AS (
		SELECT get_raw_page(idx::text, b::int) AS p
		FROM generate_series(0, pg_relation_size(idx) / 8192 - 1) b
	), items AS (
		SELECT p, get_byte(p, 24 + 4 * i) + 256 * get_byte(p, 25 + 4 * i)
				  + 65536 * get_byte(p, 26 + 4 * i) + 16777216::bigint * get_byte(p, 27 + 4 * i) AS lp
		FROM pages, generate_series(0, (get_byte(p, 12) + 256 * get_byte(p, 13) - 24) / 4 - 1) i
		WHERE get_byte(p, 8192 - 4) + 256 * get_byte(p, 8192 - 3) = 3
	)
	SELECT count(*) FROM items
	WHERE EXISTS (SELECT 1 FROM generate_series(16 + 3, ((lp >> 17) - 1)::int) o
				  WHERE get_byte(p, ((lp & 32767) + o)::int) <> 0)
$$;

-- Leave freed, non-zero memory behind for the build to be handed: a large
-- allocation raises malloc's mmap threshold, so the smaller ones after it
-- (and the build's entry buffer) come from the reused heap.
SET LOCAL maintenance_work_mem = '1MB';
SELECT length(repeat('x', 3000000)) + length(repeat('y', 400000)) > 0 AS warm \gset
SELECT count(*) > 0 AS sorted FROM (SELECT md5(g::text) FROM generate_series(1, 20000) g ORDER BY 1) s \gset

CREATE INDEX pg_t_e ON pg_t USING ivfsq (e embedding_l2_ops) WITH (lists = 4);
SELECT is(pg_temp.dirty_padding('pg_t_e'), 0::bigint,
	'CREATE INDEX writes code tuples with zeroed padding');

INSERT INTO pg_t SELECT g, ARRAY[cos(g), sin(g), cos(3 * g)]::real[]::embedding
	FROM generate_series(3001, 3500) g;
SELECT is(pg_temp.dirty_padding('pg_t_e'), 0::bigint,
	'after INSERTs every code tuple still has zeroed padding');

-- An index built on an empty table: the first row creates its list and
-- quantiser and stores their place in the metapage (IvfMetaData.quant, a
-- block number and a uint16 offset: bytes 62 and 63 of the page are padding).
CREATE TABLE pg_empty (id int, e embedding(3));
CREATE INDEX pg_empty_e ON pg_empty USING ivfsq (e embedding_l2_ops);
INSERT INTO pg_empty VALUES (1, '[1,2,3]');
SELECT is((SELECT array[get_byte(p, 62), get_byte(p, 63)] FROM get_raw_page('pg_empty_e', 0) p),
	array[0, 0], 'the metapage of a lazily initialised index has zeroed padding');

SELECT * FROM finish();
ROLLBACK;
