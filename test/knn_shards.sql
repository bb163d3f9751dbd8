-- pgTAP: knn_search_shards() on one server (docs/scale-out.md).  Local
-- partitions of Cranfield's corpus give exactly the rows of one knn_search()
-- over the whole corpus, and numpy's neighbours; the caller's query runs
-- once; bad arguments fail with their SQLSTATE before anything is read.
-- test/cluster.d/scaleout checks foreign partitions on two other servers.
BEGIN;
SELECT plan(14);
\ir include/knn_cranfield.psql
CREATE TEMP TABLE docs (id bigint PRIMARY KEY, embedding embedding);
INSERT INTO docs SELECT id, embedding::embedding FROM cd;
CREATE TEMP TABLE queries AS SELECT id, embedding::embedding AS embedding FROM cq;
CREATE TABLE pg_temp.sdocs (id bigint, embedding embedding) PARTITION BY HASH (id);
CREATE TABLE pg_temp.sdocs_0 PARTITION OF pg_temp.sdocs FOR VALUES WITH (modulus 3, remainder 0);
CREATE TABLE pg_temp.sdocs_1 PARTITION OF pg_temp.sdocs FOR VALUES WITH (modulus 3, remainder 1);
CREATE TABLE pg_temp.sdocs_2 PARTITION OF pg_temp.sdocs FOR VALUES WITH (modulus 3, remainder 2);
INSERT INTO pg_temp.sdocs SELECT * FROM docs;

CREATE FUNCTION pg_temp.differ(m text, k int) RETURNS bigint LANGUAGE sql AS $$
	WITH a AS (SELECT * FROM knn_search_shards('SELECT id, embedding FROM queries', 'pg_temp.sdocs', k, m)),
		 b AS (SELECT * FROM knn_search('SELECT id, embedding FROM queries', 'SELECT id, embedding FROM docs', k, m))
	SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b) x)
		 + (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a) y)
		 + abs((SELECT count(*) FROM a) - 225 * k) $$;
SELECT is(pg_temp.differ('cosine', 10), 0::bigint, 'three local partitions, cosine k 10: the one-table knn_search rows');
SELECT is(pg_temp.differ('l2', 50), 0::bigint, 'l2 k 50: the same');
SELECT is(pg_temp.differ('ip', 600), 0::bigint, 'ip k 600, more than any partition holds: the same');
-- numpy's top 10 (test/tools/knn_reference.py), float32 near-ties aside
SELECT cmp_ok((SELECT count(*)::float8 / 2250 FROM knn_search_shards('SELECT id, embedding FROM queries', 'pg_temp.sdocs', 10) s
				 JOIN cref r ON r.metric = 'cosine' AND r.query_id = s.query_id AND r.doc_id = s.doc_id AND r.rank <= 10),
	'>=', 0.999::float8, 'the neighbours are numpy''s (cosine, top 10)');
SELECT is((SELECT count(*) FROM knn_search_shards('SELECT id, embedding FROM queries', 'docs', 5)), 1125::bigint,
	'a table that is not partitioned is its own one partition');
SELECT is((SELECT count(*) FROM knn_search_shards('SELECT id, embedding FROM queries WHERE false', 'pg_temp.sdocs', 5)),
	0::bigint, 'no queries: no rows');

-- the caller's query runs once per call, whatever the number of partitions
CREATE TEMP SEQUENCE reads;
CREATE FUNCTION pg_temp.counted() RETURNS boolean LANGUAGE sql VOLATILE AS $$ SELECT nextval('reads') > 0 $$;
SELECT count(*) FROM knn_search_shards('SELECT id, embedding FROM queries WHERE pg_temp.counted()', 'pg_temp.sdocs', 3);
SELECT is((SELECT last_value FROM reads), 225::bigint, 'the queries query ran once: 225 rows read, for 3 partitions');

SELECT throws_ok($$SELECT * FROM knn_search_shards('SELECT id, embedding FROM queries', 'pg_temp.sdocs', 0)$$,
	'22023', NULL, 'k 0 is refused');
SELECT throws_ok($$SELECT * FROM knn_search_shards('SELECT id, embedding FROM queries', 'pg_temp.sdocs', 5, 'hamming')$$,
	'22023', NULL, 'an unknown metric is refused');
SELECT throws_ok($$SELECT * FROM knn_search_shards(NULL, 'pg_temp.sdocs', 5)$$, '22004', NULL, 'NULL queries are refused');
CREATE TEMP TABLE no_emb (id bigint, vec embedding);
SELECT throws_ok($$SELECT * FROM knn_search_shards('SELECT id, embedding FROM queries', 'no_emb', 5)$$,
	'42703', NULL, 'a corpus without an embedding column names the column');
-- a partition the caller may not read stops the call, even when the parent is readable
CREATE ROLE hn_shard_reader;
GRANT SELECT ON queries, docs TO hn_shard_reader;
SET LOCAL ROLE hn_shard_reader;
SELECT throws_ok($$SELECT * FROM knn_search_shards('SELECT id, embedding FROM queries', 'pg_temp.sdocs', 5)$$,
	'42501', NULL, 'no SELECT on the partitioned table: permission denied');
RESET ROLE;
-- a foreign partition needs dblink, said before any connection is tried
CREATE EXTENSION postgres_fdw;
CREATE SERVER hn_nowhere FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '/nonexistent', dbname 'x', extensions 'hardneg');
CREATE USER MAPPING FOR CURRENT_USER SERVER hn_nowhere;
CREATE TABLE public.hn_fdocs (id bigint, embedding embedding) PARTITION BY HASH (id);
CREATE TABLE public.hn_fdocs_0 PARTITION OF public.hn_fdocs FOR VALUES WITH (modulus 2, remainder 0);
CREATE FOREIGN TABLE public.hn_fdocs_1 PARTITION OF public.hn_fdocs FOR VALUES WITH (modulus 2, remainder 1) SERVER hn_nowhere;
SELECT throws_ok($$SELECT * FROM knn_search_shards('SELECT id, embedding FROM queries', 'public.hn_fdocs', 5)$$,
	'0A000', NULL, 'a foreign partition without dblink installed: feature_not_supported, with the hint');
CREATE EXTENSION dblink;
SELECT throws_ok($$SELECT * FROM knn_search_shards('SELECT id, embedding FROM queries', 'public.hn_fdocs', 5)$$,
	'08001', NULL, 'a shard that cannot be reached: the connection error, no rows');

SELECT * FROM finish();
ROLLBACK;
