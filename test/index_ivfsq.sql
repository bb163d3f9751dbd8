-- pgTAP: the ivfsq index.  Recall is measured against exact neighbours that
-- numpy computed (test/prepare.d/index_ivfsq), never against hardneg itself.
-- Not wrapped in one transaction: VACUUM must run outside one, so the suite
-- creates its tables and drops them at the end.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT plan(42);

\set docs :HN_TESTDATA '/index/cran_docs.tsv'
\set queries :HN_TESTDATA '/index/cran_queries.tsv'
DROP TABLE IF EXISTS ix_cran, ix_q, ix_gt, ix_hi, ix_hiq, ix_hgt, ix_free, ix_par, ix_unlogged CASCADE;
CREATE TABLE ix_cran (id int PRIMARY KEY, e embedding(512), cat int);
COPY ix_cran (id, e) FROM :'docs';
UPDATE ix_cran SET cat = id % 100;
CREATE TABLE ix_q (id int, e embedding(512));
COPY ix_q FROM :'queries';
CREATE TABLE ix_gt (metric text, qid int, rank int, id int);
CREATE TEMP TABLE ix_load (qid int, rank int, id int);
\set f :HN_TESTDATA '/index/cran_gt_cosine.tsv'
COPY ix_load FROM :'f';
INSERT INTO ix_gt SELECT 'cosine', * FROM ix_load;
TRUNCATE ix_load;
\set f :HN_TESTDATA '/index/cran_gt_l2.tsv'
COPY ix_load FROM :'f';
INSERT INTO ix_gt SELECT 'l2', * FROM ix_load;
TRUNCATE ix_load;
\set f :HN_TESTDATA '/index/cran_gt_ip.tsv'
COPY ix_load FROM :'f';
INSERT INTO ix_gt SELECT 'ip', * FROM ix_load;
TRUNCATE ix_load;
\set f :HN_TESTDATA '/index/cran_gt_cosine_odd.tsv'
COPY ix_load FROM :'f';
INSERT INTO ix_gt SELECT 'cosine_odd', * FROM ix_load;
ANALYZE ix_cran;

-- recall@10 of the index against a ground-truth set, over all queries
CREATE FUNCTION pg_temp.recall(metric text, op text, tbl text DEFAULT 'ix_cran',
							   qtbl text DEFAULT 'ix_q') RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
	r float8;
BEGIN
	EXECUTE format($q$
		SELECT avg((SELECT count(*) FROM (SELECT c.id FROM %I c ORDER BY c.e %s q.e LIMIT 10) top
					 WHERE top.id IN (SELECT g.id FROM ix_gt g WHERE g.metric = %L AND g.qid = q.id)) / 10.0)
		FROM %I q$q$, tbl, op, metric, qtbl) INTO r;
	RETURN r;
END $$;

CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		plan := plan || line || E'\n';
	END LOOP;
	RETURN plan;
END $$;

SET enable_seqscan = off;
SELECT lives_ok($$CREATE INDEX ix_cran_cos ON ix_cran USING ivfsq (e embedding_cosine_ops)$$,
	'an ivfsq cosine index builds on 1400 x 512-d Cranfield embeddings');
SELECT lives_ok($$CREATE INDEX ix_cran_l2 ON ix_cran USING ivfsq (e embedding_l2_ops) WITH (lists = 20)$$,
	'an L2 index builds with WITH (lists = 20)');
SELECT lives_ok($$CREATE INDEX ix_cran_ip ON ix_cran USING ivfsq (e embedding_ip_ops)$$,
	'an inner-product index builds');
SELECT is((SELECT count(*) FROM hardneg_index_verify('ix_cran_cos')), 0::bigint,
	'hardneg_index_verify finds no problem in a fresh index');
SELECT matches(pg_temp.plan_of($$SELECT id FROM ix_cran ORDER BY e <=> (SELECT e FROM ix_q WHERE id = 1) LIMIT 10$$),
	'Index Scan using ix_cran_cos', 'ORDER BY e <=> q LIMIT k uses the cosine index');
SELECT matches(pg_temp.plan_of($$SELECT id FROM ix_cran ORDER BY e <-> (SELECT e FROM ix_q WHERE id = 1) LIMIT 10$$),
	'Index Scan using ix_cran_l2', 'ORDER BY e <-> q LIMIT k uses the L2 index');
SELECT matches(pg_temp.plan_of($$SELECT id FROM ix_cran ORDER BY e <#> (SELECT e FROM ix_q WHERE id = 1) LIMIT 10$$),
	'Index Scan using ix_cran_ip', 'ORDER BY e <#> q LIMIT k uses the inner-product index');

SELECT cmp_ok(pg_temp.recall('cosine', '<=>'), '>=', 0.95::float8,
	'cosine recall@10 >= 0.95 with default settings (exact neighbours from numpy)');
SELECT cmp_ok(pg_temp.recall('l2', '<->'), '>=', 0.95::float8, 'L2 recall@10 >= 0.95');
SELECT cmp_ok(pg_temp.recall('ip', '<#>'), '>=', 0.95::float8, 'inner-product recall@10 >= 0.95');
SET hardneg.ivfsq_probes = 1000;
SELECT cmp_ok(pg_temp.recall('cosine', '<=>'), '>=', 0.995::float8,
	'probing every list, cosine recall@10 >= 0.995 (only quantised candidate choice can miss)');
SET hardneg.ivfsq_probes = 1;
SELECT is((SELECT count(*) FROM ix_q q, LATERAL (SELECT c.id FROM ix_cran c ORDER BY c.e <=> q.e LIMIT 10) t),
	2250::bigint, 'with one probe every query still returns 10 rows');
RESET hardneg.ivfsq_probes;

-- the portable kernels (no SIMD) give the same quality
SET hardneg.simd = 'portable';
SELECT cmp_ok(pg_temp.recall('cosine', '<=>'), '>=', 0.95::float8,
	'with hardneg.simd = portable (plain C byte kernel) cosine recall@10 >= 0.95');
RESET hardneg.simd;

-- unlogged tables: the init fork holds an empty metapage (ambuildempty)
CREATE UNLOGGED TABLE ix_unlogged AS SELECT id, e FROM ix_cran;
CREATE INDEX ix_unlogged_idx ON ix_unlogged USING ivfsq (e embedding_cosine_ops);
INSERT INTO ix_unlogged SELECT 100000 + id, e FROM ix_q WHERE id < 10;
SELECT is((SELECT count(*) FROM ix_q q
		   WHERE q.id < 10 AND (SELECT u.id FROM ix_unlogged u ORDER BY u.e <=> q.e LIMIT 1) = 100000 + q.id),
	10::bigint, 'an index on an unlogged table builds and finds rows inserted after the build');
SELECT is((SELECT count(*) FROM hardneg_index_verify('ix_unlogged_idx')), 0::bigint,
	'the unlogged index is sound');
DROP TABLE ix_unlogged;

-- a cursor may change the settings between fetches; the scan keeps its own
CREATE FUNCTION pg_temp.cursor_rows() RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	c refcursor;
	r record;
	n int := 0;
BEGIN
	PERFORM set_config('hardneg.ivfsq_rerank', '5', true);
	OPEN c FOR SELECT id FROM ix_cran ORDER BY e <=> (SELECT e FROM ix_q WHERE id = 1);
	FETCH c INTO r;
	n := n + 1;
	PERFORM set_config('hardneg.ivfsq_rerank', '500', true);
	LOOP
		FETCH c INTO r;
		EXIT WHEN NOT FOUND;
		n := n + 1;
	END LOOP;
	CLOSE c;
	RETURN n;
END $$;
SELECT is(pg_temp.cursor_rows(), 1400,
	'a cursor that raises hardneg.ivfsq_rerank between fetches still walks all 1400 rows');

-- a parallel build (workers assign rows, the leader writes) gives the same quality
CREATE TABLE ix_par AS SELECT id, e FROM ix_cran;
ALTER TABLE ix_par SET (parallel_workers = 2);
SET maintenance_work_mem = '128MB';
CREATE INDEX ix_par_cos ON ix_par USING ivfsq (e embedding_cosine_ops);
RESET maintenance_work_mem;
SELECT is((SELECT count(*) FROM hardneg_index_verify('ix_par_cos')), 0::bigint,
	'an index built with parallel workers is sound');
SELECT is((SELECT reltuples FROM pg_class WHERE relname = 'ix_par_cos'), 1400::real,
	'the parallel build indexed every row');
SELECT cmp_ok(pg_temp.recall('cosine', '<=>', 'ix_par'), '>=', 0.95::float8,
	'recall@10 of the parallel-built index >= 0.95');
DROP TABLE ix_par;

-- filters: 1% of the rows pass; the scan continues across lists until 10 do
CREATE TEMP TABLE ix_filtered AS
SELECT q.id AS qid,
	   ARRAY(SELECT c.id FROM ix_cran c WHERE c.cat = q.id % 100 ORDER BY c.e <=> q.e LIMIT 10) AS ids
FROM ix_q q WHERE q.id < 40;
SET enable_indexscan = off;
SET enable_seqscan = on;
CREATE TEMP TABLE ix_filtered_exact AS
SELECT q.id AS qid,
	   ARRAY(SELECT c.id FROM ix_cran c WHERE c.cat = q.id % 100 ORDER BY c.e <=> q.e LIMIT 10) AS ids
FROM ix_q q WHERE q.id < 40;
RESET enable_indexscan;
SET enable_seqscan = off;
SELECT is((SELECT count(*) FROM ix_filtered WHERE cardinality(ids) = 10), 40::bigint,
	'WHERE cat = x (1% of rows) ORDER BY e <=> q LIMIT 10 returns 10 rows for every query');
SELECT cmp_ok((SELECT avg(cardinality(ARRAY(SELECT unnest(f.ids) INTERSECT SELECT unnest(x.ids))) / 10.0)
			   FROM ix_filtered f JOIN ix_filtered_exact x USING (qid))::float8, '>=', 0.88::float8,
	'filtered results mostly agree with an exact sequential scan (recall >= 0.88: rows of later lists can rank below earlier batches)');
SET hardneg.ivfsq_max_scan_tuples = 5;
SELECT is((SELECT count(*) FROM (SELECT c.id FROM ix_cran c WHERE c.cat = 3
		   ORDER BY c.e <=> (SELECT e FROM ix_q WHERE id = 3) LIMIT 10) s), 0::bigint,
	'hardneg.ivfsq_max_scan_tuples bounds how far a filtered scan goes');
RESET hardneg.ivfsq_max_scan_tuples;

-- inserts after the build are found
INSERT INTO ix_cran (id, e, cat) SELECT 100000 + id, e, -1 FROM ix_q;
SELECT is((SELECT count(*) FROM ix_q q
		   WHERE (SELECT c.id FROM ix_cran c ORDER BY c.e <-> q.e LIMIT 1) = 100000 + q.id), 225::bigint,
	'every inserted row is its own nearest neighbour through the index');
DELETE FROM ix_cran WHERE id >= 100000;

-- VACUUM: delete half, vacuum, reuse the space; deleted rows never come back
DELETE FROM ix_cran WHERE id % 2 = 0;
VACUUM ix_cran;
SELECT is((SELECT count(*) FROM hardneg_index_verify('ix_cran_cos')), 0::bigint,
	'the index is sound after VACUUM');
SELECT is((SELECT reltuples FROM pg_class WHERE relname = 'ix_cran_cos'), 700::real,
	'VACUUM removed the index entries of the 700 deleted rows');
INSERT INTO ix_cran (id, e, cat) SELECT 200000 + id, e, -1 FROM ix_q WHERE id < 100;
SET hardneg.ivfsq_probes = 1000;
SELECT is((SELECT count(*) FROM ix_q q,
		   LATERAL (SELECT c.id FROM ix_cran c ORDER BY c.e <=> q.e LIMIT 50) top
		   WHERE top.id % 2 = 0 AND top.id < 100000), 0::bigint,
	'no deleted row is returned after VACUUM, even with heap slots reused');
DELETE FROM ix_cran WHERE id >= 200000;
RESET hardneg.ivfsq_probes;
SELECT cmp_ok(pg_temp.recall('cosine_odd', '<=>'), '>=', 0.95::float8,
	'recall@10 against the exact neighbours among the surviving rows holds (>= 0.95)');

-- errors carry SQLSTATEs
SELECT throws_ok($$SELECT id FROM ix_cran ORDER BY e <=> '[1,2,3]' LIMIT 1$$, '22000', NULL,
	'a query vector of another dimension is a data exception');
SELECT throws_ok($$CREATE INDEX ON ix_cran USING ivfsq (e embedding_cosine_ops) WITH (lists = -1)$$,
	'22023', NULL, 'a negative list count is rejected');
SELECT throws_ok($$CREATE INDEX ON ix_cran USING ivfsq (e embedding_cosine_ops) WITH (probes = 3)$$,
	'22023', NULL, 'an unknown build option is rejected');
SELECT throws_ok($$SELECT * FROM hardneg_index_verify('ix_cran_pkey')$$, '42809', NULL,
	'verifying a btree index is a wrong-object-type error');
SELECT throws_ok($$SET hardneg.ivfsq_probes = 0$$, '22023', NULL, 'probes must be positive');

-- an index built on an empty table takes its first list from the first row
CREATE TABLE ix_free (id int, e embedding);
CREATE INDEX ix_free_idx ON ix_free USING ivfsq (e embedding_cosine_ops);
SELECT lives_ok($$INSERT INTO ix_free SELECT id, e FROM ix_cran WHERE id % 2 = 1$$,
	'rows go into an index built on an empty table');
SELECT lives_ok($$INSERT INTO ix_free VALUES (-1, array_fill(0, ARRAY[512])::real[]::embedding)$$,
	'a zero vector is accepted (and not indexed for cosine)');
SELECT throws_ok($$INSERT INTO ix_free VALUES (-2, '[1,2,3]')$$, '22000', NULL,
	'a row of another dimension is rejected by an index without typmod');
SELECT cmp_ok(pg_temp.recall('cosine_odd', '<=>', 'ix_free'), '>=', 0.95::float8,
	'the single-list index of an empty-table build still reaches recall >= 0.95');
SELECT is((SELECT count(*) FROM hardneg_index_verify('ix_free_idx')), 0::bigint,
	'the lazily initialised index is sound');

-- 3072-d and 16000-d vectors (codes up to 4000-d, exact comparison above)
CREATE TABLE ix_hi (dim int, id int, e embedding);
CREATE TABLE ix_hiq (dim int, id int, e embedding);
CREATE TABLE ix_hgt (dim int, qid int, rank int, id int);
CREATE TEMP TABLE ix_vload (id int, e embedding);
\set f :HN_TESTDATA '/index/d3072_base.tsv'
COPY ix_vload FROM :'f';
INSERT INTO ix_hi SELECT 3072, * FROM ix_vload;
TRUNCATE ix_vload;
\set f :HN_TESTDATA '/index/d3072_query.tsv'
COPY ix_vload FROM :'f';
INSERT INTO ix_hiq SELECT 3072, * FROM ix_vload;
TRUNCATE ix_vload;
\set f :HN_TESTDATA '/index/d16000_base.tsv'
COPY ix_vload FROM :'f';
INSERT INTO ix_hi SELECT 16000, * FROM ix_vload;
TRUNCATE ix_vload;
\set f :HN_TESTDATA '/index/d16000_query.tsv'
COPY ix_vload FROM :'f';
INSERT INTO ix_hiq SELECT 16000, * FROM ix_vload;
TRUNCATE ix_load;
\set f :HN_TESTDATA '/index/d3072_gt.tsv'
COPY ix_load FROM :'f';
INSERT INTO ix_hgt SELECT 3072, * FROM ix_load;
TRUNCATE ix_load;
\set f :HN_TESTDATA '/index/d16000_gt.tsv'
COPY ix_load FROM :'f';
INSERT INTO ix_hgt SELECT 16000, * FROM ix_load;

SET hardneg.ivfsq_probes = 1000;
SELECT lives_ok($$CREATE INDEX ix_hi3072 ON ix_hi USING ivfsq ((e::embedding(3072)) embedding_l2_ops) WHERE dim = 3072$$,
	'a 3072-d index builds');
SELECT is((SELECT avg((SELECT count(*) FROM (SELECT c.id FROM ix_hi c WHERE c.dim = 3072
		ORDER BY c.e::embedding(3072) <-> q.e::embedding(3072) LIMIT 10) top
		WHERE top.id IN (SELECT g.id FROM ix_hgt g WHERE g.dim = 3072 AND g.qid = q.id)) / 10.0)::float8
		FROM ix_hiq q WHERE q.dim = 3072), 1.0::float8,
	'3072-d search returns the exact top-10 of numpy when every list is probed');
SELECT lives_ok($$CREATE INDEX ix_hi16000 ON ix_hi USING ivfsq ((e::embedding(16000)) embedding_l2_ops) WHERE dim = 16000$$,
	'a 16000-d index builds');
SELECT is((SELECT avg((SELECT count(*) FROM (SELECT c.id FROM ix_hi c WHERE c.dim = 16000
		ORDER BY c.e::embedding(16000) <-> q.e::embedding(16000) LIMIT 10) top
		WHERE top.id IN (SELECT g.id FROM ix_hgt g WHERE g.dim = 16000 AND g.qid = q.id)) / 10.0)::float8
		FROM ix_hiq q WHERE q.dim = 16000), 1.0::float8,
	'16000-d search returns the exact top-10 of numpy');
SELECT is((SELECT count(*) FROM hardneg_index_verify('ix_hi16000')), 0::bigint,
	'the 16000-d index (vectors spanning pages) is sound');
RESET hardneg.ivfsq_probes;

SELECT * FROM finish();
DROP TABLE ix_cran, ix_q, ix_gt, ix_hi, ix_hiq, ix_hgt, ix_free CASCADE;
