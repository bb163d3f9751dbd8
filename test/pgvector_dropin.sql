-- pgTAP: pgvector as a drop-in (docs/pgvector.md).  A pgvector application's
-- statements, unchanged (ORDER BY v <=> $1 LIMIT k, <->, <#>, WHERE filters,
-- prepared statements, LATERAL per-query joins), on a vector column whose only
-- index is ivfsq: EXPLAIN shows the index, and the neighbours are checked
-- against numpy (test/tools/knn_reference.py) and against pgvector's own exact
-- ORDER BY (a sequential scan with pgvector's operators).  Both install
-- orders, and DROP EXTENSION of either without CASCADE, with the other
-- still working.  halfvec inputs are checked against pgvector's halfvec
-- distances.
BEGIN;
SELECT plan(43);
SELECT count(*) > 0 AS have_vector FROM pg_available_extensions WHERE name = 'vector' \gset
\if :have_vector
\ir include/knn_cranfield.psql

-- ivfsq operator classes on pgvector's vector (the type by its extension)
CREATE FUNCTION pg_temp.bridge() RETURNS TABLE (opclass text, dflt boolean, member boolean, op_of_pgvector boolean)
LANGUAGE sql AS $$
	SELECT c.opcname::text, c.opcdefault,
		   EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_opclass'::regclass AND d.objid = c.oid
					  AND d.deptype = 'e'),
		   (SELECT bool_and(x.extname = 'vector') FROM pg_amop ao
			  JOIN pg_depend d ON d.classid = 'pg_operator'::regclass AND d.objid = ao.amopopr AND d.deptype = 'e'
			  JOIN pg_extension x ON x.oid = d.refobjid
			 WHERE ao.amopfamily = c.opcfamily)
	  FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod AND a.amname = 'ivfsq'
	  JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = c.opcintype AND d.deptype = 'e'
	  JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'vector'
	 ORDER BY 1
$$;
CREATE FUNCTION pg_temp.uses_index(stmt text, idx text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || stmt LOOP
		IF line LIKE '%Index Scan using ' || idx || ' %' THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END
$$;
-- recall@10 of the application's LATERAL query against numpy's top 10
CREATE FUNCTION pg_temp.recall(m text, op text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	r float8;
BEGIN
	EXECUTE format($q$
		SELECT count(*)::float8 / (SELECT count(*) * 10 FROM cq)
		  FROM cq q CROSS JOIN LATERAL (
			SELECT id FROM items ORDER BY embedding %s q.embedding::vector LIMIT 10) n
		  JOIN cref r ON r.metric = %L AND r.query_id = q.id AND r.doc_id = n.id AND r.rank <= 10$q$, op, m)
	INTO r;
	RETURN r;
END
$$;
\set lateral 'SELECT n.id FROM cq q CROSS JOIN LATERAL (SELECT id FROM items ORDER BY embedding <=> q.embedding::vector LIMIT 10) n'
\set q1 '(SELECT embedding::vector FROM cq WHERE id = 1)'
-- 1400 rows are few enough for a sequential scan to cost less; the planner
-- must still be able to use the index, which is what is checked (bench/pgvector
-- shows it chosen on its own on a larger table)
SET enable_seqscan = off;

-- 1. hardneg first (as the test database has it), then pgvector
SELECT n.nspname AS hn_schema FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'hardneg' \gset
CREATE EXTENSION vector;
SELECT quote_literal(embedding::vector::text) AS q1lit FROM cq WHERE id = 1 \gset
SELECT results_eq('SELECT * FROM pg_temp.bridge()',
	$$VALUES ('vector_cosine_ops', false, true, true), ('vector_ip_ops', false, true, true),
			 ('vector_l2_ops', true, true, true)$$,
	'CREATE EXTENSION vector after hardneg: three ivfsq classes with pgvector''s operators, members of hardneg');
SELECT is((SELECT count(*) FROM pg_cast WHERE castsource = 'vector'::regtype AND casttarget = 'embedding'::regtype),
	1::bigint, 'and the cast vector -> embedding');

-- the application's table and its pgvector statements
CREATE TABLE items (id bigint PRIMARY KEY, category int NOT NULL, embedding vector(512));
INSERT INTO items SELECT id, id % 4, embedding::vector(512) FROM cd;
CREATE INDEX items_cos ON items USING ivfsq (embedding vector_cosine_ops);
ANALYZE items;
PREPARE nn(vector, int) AS SELECT id FROM items ORDER BY embedding <=> $1 LIMIT $2;
PREPARE nn_cat(vector, int) AS SELECT id, embedding <=> $1 AS distance FROM items
	WHERE category = $2 ORDER BY embedding <=> $1 LIMIT 10;
SET LOCAL plan_cache_mode = force_custom_plan;
SELECT ok(pg_temp.uses_index('EXECUTE nn(' || :'q1lit' || ', 10)', 'items_cos'),
	'PREPARE ... ORDER BY embedding <=> $1 LIMIT $2 uses the ivfsq index (custom plan)');
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT ok(pg_temp.uses_index('EXECUTE nn(' || :'q1lit' || ', 10)', 'items_cos'),
	'and so does its generic plan');
SELECT ok(pg_temp.uses_index('EXECUTE nn_cat(' || :'q1lit' || ', 1)', 'items_cos'),
	'the filtered statement (WHERE category = $2) uses it');
RESET plan_cache_mode;
SELECT ok(pg_temp.uses_index(:'lateral', 'items_cos'), 'a LATERAL per-query join uses it');
SELECT is((SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY embedding <=> :q1 LIMIT 5) s),
	(SELECT array_agg(doc_id ORDER BY rank) FROM cref WHERE metric = 'cosine' AND query_id = 1 AND rank <= 5),
	'query 1: the top 5 are numpy''s');
SELECT cmp_ok(pg_temp.recall('cosine', '<=>'), '>=', 0.9::float8, '<=>: recall@10 against numpy is at least 0.9');

-- WHERE filters: against pgvector's exact answer (sequential scan, its operators)
CREATE TEMP TABLE filt_idx AS SELECT q.id AS qid, n.id, n.category FROM cq q CROSS JOIN LATERAL (
	SELECT id, category FROM items WHERE category = 1 ORDER BY embedding <=> q.embedding::vector LIMIT 10) n;
SET LOCAL enable_indexscan = off;
CREATE TEMP TABLE filt_exact AS SELECT q.id AS qid, n.id FROM cq q CROSS JOIN LATERAL (
	SELECT id FROM items WHERE category = 1 ORDER BY embedding <=> q.embedding::vector LIMIT 10) n;
RESET enable_indexscan;
SELECT is((SELECT count(*) FROM filt_idx), 2250::bigint, 'WHERE category = 1: ten rows for every query');
SELECT is((SELECT count(*) FROM filt_idx WHERE category <> 1), 0::bigint, 'all of them pass the filter');
SELECT cmp_ok((SELECT count(*)::float8 / 2250 FROM filt_idx JOIN filt_exact USING (qid, id)), '>=', 0.9::float8,
	'filtered recall@10 against pgvector''s exact ORDER BY is at least 0.9');

-- ivfsq.* settings and ivfsq.iterative_scan (pgvector's names)
SET LOCAL ivfsq.iterative_scan = off;
SET LOCAL ivfsq.probes = 1;
SELECT cmp_ok((SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <=> :q1 LIMIT 1400) s), '<', 700::bigint,
	'ivfsq.probes = 1, ivfsq.iterative_scan = off: only the nearest list''s rows');
SET LOCAL ivfsq.iterative_scan = relaxed_order;
SELECT is((SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <=> :q1 LIMIT 1400) s), 1400::bigint,
	'ivfsq.iterative_scan = relaxed_order: further lists until the LIMIT is met');
SET LOCAL ivfsq.iterative_scan = off;
SET LOCAL ivfsq.probes = 0;
SET LOCAL hardneg.ivfsq_probes = 1;
SELECT is(current_setting('ivfsq.probes'), '1', 'ivfsq.probes = 0 follows hardneg.ivfsq_probes, and SHOW says so');
SELECT cmp_ok((SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <=> :q1 LIMIT 1400) s), '<', 700::bigint,
	'the old name hardneg.ivfsq_probes still works');
SET LOCAL ivfsq.probes = 32768;
SELECT is((SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <=> :q1 LIMIT 1400) s), 1400::bigint,
	'a set ivfsq.probes wins over hardneg.ivfsq_probes (every list: every row)');
SELECT is(current_setting('hardneg.ivfsq_probes'), '1', 'and leaves it as it was');
RESET ivfsq.probes;
RESET hardneg.ivfsq_probes;
RESET ivfsq.iterative_scan;
SELECT throws_ok($$SET ivfsq.iterative_scan = strict_order$$, '22023', NULL,
	'ivfsq.iterative_scan accepts off and relaxed_order only');

-- vector_l2_ops (the default class) and vector_ip_ops
DROP INDEX items_cos;
CREATE INDEX items_l2 ON items USING ivfsq (embedding);
SELECT ok(pg_temp.uses_index($$SELECT id FROM items ORDER BY embedding <-> $$ || :'q1lit' || $$ LIMIT 10$$, 'items_l2'),
	'ORDER BY embedding <-> ... uses an ivfsq index built with the default class');
SELECT cmp_ok(pg_temp.recall('l2', '<->'), '>=', 0.9::float8, '<->: recall@10 against numpy is at least 0.9');
DROP INDEX items_l2;
CREATE INDEX items_ip ON items USING ivfsq (embedding vector_ip_ops);
SELECT ok(pg_temp.uses_index($$SELECT id FROM items ORDER BY embedding <#> $$ || :'q1lit' || $$ LIMIT 10$$, 'items_ip'),
	'ORDER BY embedding <#> ... uses an ivfsq vector_ip_ops index');
SELECT cmp_ok(pg_temp.recall('ip', '<#>'), '>=', 0.9::float8, '<#>: recall@10 against numpy is at least 0.9');
SELECT ok(NOT pg_temp.uses_index($$SELECT id FROM items ORDER BY embedding <=> $$ || :'q1lit' || $$ LIMIT 10$$, 'items_ip'),
	'an ORDER BY of another metric does not use it');

-- halfvec inputs, against pgvector's own halfvec distances
CREATE TEMP TABLE hitems AS SELECT id, embedding::halfvec(512) AS h FROM items;
CREATE TEMP TABLE hq AS SELECT id, embedding::vector::halfvec(512) AS h FROM cq WHERE id <= 30;
CREATE TEMP TABLE hgot AS SELECT * FROM knn_search('SELECT id, h AS embedding FROM hq',
	'SELECT id, h AS embedding FROM hitems', 10, 'cosine');
CREATE TEMP TABLE hwant AS SELECT q.id AS query_id, n.id AS doc_id, n.d, n.rank FROM hq q CROSS JOIN LATERAL (
	SELECT id, h <=> q.h AS d, row_number() OVER (ORDER BY h <=> q.h, id) AS rank
	  FROM hitems ORDER BY h <=> q.h, id LIMIT 10) n;
SELECT is((SELECT count(*) FROM hgot g JOIN hq q ON q.id = g.query_id JOIN hitems i ON i.id = g.doc_id
		   WHERE abs(g.score - (1 - (i.h <=> q.h))) > 1e-5), 0::bigint,
	'halfvec queries and corpus: every score is 1 - pgvector''s halfvec <=> (1e-5)');
SELECT is((SELECT count(*) FROM hgot g LEFT JOIN hwant w USING (query_id, doc_id)
		   JOIN hwant w10 ON w10.query_id = g.query_id AND w10.rank = 10
		   JOIN hq q ON q.id = g.query_id JOIN hitems i ON i.id = g.doc_id
		   WHERE w.doc_id IS NULL AND (i.h <=> q.h) - w10.d > 1e-6), 0::bigint,
	'halfvec: the top 10 are pgvector''s (up to float ties at the 10th)');
CREATE FUNCTION pg_temp.hint_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	h text;
BEGIN
	EXECUTE stmt;
	RETURN NULL;
EXCEPTION WHEN datatype_mismatch THEN
	GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
	RETURN h;
END
$$;
SELECT is(pg_temp.hint_of($$SELECT * FROM knn_search('SELECT 1 AS id, ''{1:1,3:2}/3''::sparsevec AS embedding',
		'SELECT id, h AS embedding FROM hitems', 1)$$),
	'Cast the column to real[] (pgvector''s sparsevec: to vector).', 'a sparsevec input: the hint names a cast');
SELECT is((SELECT count(*) FROM knn_search('SELECT 1 AS id, ''{1:1,3:2}/3''::sparsevec::vector AS embedding',
		'SELECT id, embedding FROM (VALUES (1, ''[1,0,2]''::vector), (2, ''[0,1,0]''::vector)) t(id, embedding)', 1)),
	1::bigint, 'and that cast works');

-- both extensions in one schema: literal-only calls are ambiguous (documented)
SELECT throws_ok($$SELECT l2_distance('[1,2]', '[3,4]')$$, '42725', NULL,
	'l2_distance(unknown, unknown) with both extensions in one schema is ambiguous');
SELECT is(l2_distance('[1,2]'::vector, '[3,4]'), sqrt(8::float8), 'one typed argument resolves it (pgvector''s)');

-- DROP EXTENSION hardneg: refused while an ivfsq index is on a vector column
SELECT throws_ok('DROP EXTENSION hardneg', '2BP01', NULL, 'DROP EXTENSION hardneg names the ivfsq index on a vector column');
DROP TABLE items, hitems, hq, hgot, hwant, filt_idx, filt_exact;
DEALLOCATE nn;
DEALLOCATE nn_cat;
SELECT lives_ok('DROP EXTENSION hardneg', 'without it, DROP EXTENSION hardneg needs no CASCADE');
SELECT is((SELECT count(*) FROM pg_cast WHERE castsource = 'vector'::regtype AND castmethod = 'b'
			 AND casttarget <> 'vector'::regtype), 0::bigint, 'and leaves no cast behind');
SELECT CASE WHEN (SELECT string_to_array(extversion, '.')::int[] >= '{0,7}' FROM pg_extension WHERE extname = 'vector')
	THEN throws_ok($$SELECT l2_distance('[1,2]', '[3,4]')$$, '42725', NULL,
				   'pgvector alone: the same ambiguity (its halfvec and sparsevec overloads)')
	ELSE skip('pgvector before 0.7 has no halfvec overloads', 1) END;
CREATE TABLE pv_app (id bigint, embedding vector(512));
INSERT INTO pv_app SELECT id, embedding::vector(512) FROM cd;
CREATE INDEX pv_app_hnsw ON pv_app USING hnsw (embedding vector_cosine_ops);
SELECT is((SELECT array_agg(id) FROM (SELECT id FROM pv_app ORDER BY embedding <=> :q1 LIMIT 3) s),
	(SELECT array_agg(doc_id ORDER BY rank) FROM cref WHERE metric = 'cosine' AND query_id = 1 AND rank <= 3),
	'pgvector keeps working (its HNSW index answers query 1 like numpy)');

-- 2. pgvector first, then hardneg (back in the schema it had)
CREATE EXTENSION hardneg SCHEMA :"hn_schema";
SELECT results_eq('SELECT * FROM pg_temp.bridge()',
	$$VALUES ('vector_cosine_ops', false, true, true), ('vector_ip_ops', false, true, true),
			 ('vector_l2_ops', true, true, true)$$,
	'CREATE EXTENSION hardneg after pgvector: the same three classes, members of hardneg');
DROP INDEX pv_app_hnsw;
CREATE INDEX pv_app_ivf ON pv_app USING ivfsq (embedding vector_cosine_ops);
ANALYZE pv_app;
SELECT ok(pg_temp.uses_index($$SELECT id FROM pv_app ORDER BY embedding <=> $$ || :'q1lit' || $$ LIMIT 10$$, 'pv_app_ivf'),
	'the application''s query uses the ivfsq index');
SELECT is((SELECT array_agg(id) FROM (SELECT id FROM pv_app ORDER BY embedding <=> :q1 LIMIT 5) s),
	(SELECT array_agg(doc_id ORDER BY rank) FROM cref WHERE metric = 'cosine' AND query_id = 1 AND rank <= 5),
	'query 1: the top 5 are numpy''s');
SELECT throws_ok('DROP EXTENSION vector', '2BP01', NULL, 'DROP EXTENSION vector is refused while its columns exist');
DROP TABLE pv_app;
SELECT lives_ok('DROP EXTENSION vector', 'without them, DROP EXTENSION vector needs no CASCADE');
SELECT is((SELECT count(*) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod AND a.amname = 'ivfsq'), 3::bigint,
	'and leaves hardneg''s own three classes');
SELECT is('[1,2]'::embedding <-> '[1,3]'::embedding, 1::float8, 'hardneg keeps working');
CREATE EXTENSION vector;
SELECT is((SELECT count(*) FROM pg_temp.bridge()), 3::bigint, 'CREATE EXTENSION vector again: the classes are back');
SELECT lives_ok('DROP EXTENSION vector, hardneg', 'both in one DROP EXTENSION');

\else
SELECT skip('pgvector (extension "vector") is not installed on this server', 43);
\endif

SELECT * FROM finish();
ROLLBACK;
