-- pgTAP: sum(embedding) and avg(embedding) give the same result serially and
-- with parallel workers forced, and the parallel plan really splits the work
-- (Partial Aggregate in workers, combined by embedding_combine).
\setenv HN_TESTDATA :HN_TESTDATA
BEGIN;
SELECT plan(8);

-- a plain table: temporary tables are never scanned in parallel
CREATE TABLE emb_par_src (id int, dim int, source text, v_text text);
\copy emb_par_src FROM PROGRAM 'cat "$HN_TESTDATA/emb_vectors.tsv"'
CREATE TABLE emb_par AS
SELECT id, v_text::real[]::embedding AS e FROM emb_par_src WHERE source = 'cranfield_doc';
CREATE TABLE emb_ref (key text, n int, sum real[], avg real[], scale float8[]);
\copy emb_ref FROM PROGRAM 'cat "$HN_TESTDATA/emb_groups.tsv"'
ANALYZE emb_par;

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q;
END
$$;

SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS
SELECT 'all' AS key, sum(e) AS s, avg(e) AS a FROM emb_par
UNION ALL
SELECT 'cran' || id % 5, sum(e), avg(e) FROM emb_par GROUP BY id % 5;
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_temp.plan_of('SELECT sum(e), avg(e) FROM emb_par') p
					   WHERE p ~ 'Partial|Gather'),
	'the serial plan has no parallel part');

\ir include/force_parallel.psql
SET LOCAL :force_parallel = on;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
-- the leader reads no rows itself, so every row goes through a partial state
SET LOCAL parallel_leader_participation = off;
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan_of('SELECT sum(e), avg(e) FROM emb_par') p
				   WHERE p ~ 'Partial Aggregate'),
	'the parallel plan has a Partial Aggregate');
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan_of('SELECT sum(e), avg(e) FROM emb_par') p
				   WHERE p ~ 'Workers Launched: [1-9]'),
	'parallel workers were launched');
-- offpath: s a are embeddings (the sums and means; test/tools/offpath.py)
CREATE TEMP TABLE parallel AS
SELECT 'all' AS key, sum(e) AS s, avg(e) AS a FROM emb_par
UNION ALL
SELECT 'cran' || id % 5, sum(e), avg(e) FROM emb_par GROUP BY id % 5;

SELECT is((SELECT count(*) FROM serial), 6::bigint, 'six serial results (all rows and five groups)');
SELECT is((SELECT count(*) FROM serial s JOIN parallel p USING (key) WHERE s.s = p.s), 6::bigint,
	'sum() is the same serially and in parallel');
SELECT is((SELECT count(*) FROM serial s JOIN parallel p USING (key) WHERE s.a = p.a), 6::bigint,
	'avg() is the same serially and in parallel');
-- (the grouped queries may or may not use partial aggregation: the planner
-- decides; the ungrouped one above does)
-- and both are right: numpy's float64 sums narrowed to float32
SELECT is((SELECT count(*) FROM parallel p JOIN emb_ref r ON r.key = CASE p.key WHEN 'all' THEN 'cran_all' ELSE p.key END
		   WHERE (SELECT max(abs(got - ref) / greatest(sc, 1e-30)) FROM unnest(p.s::real[], r.sum, r.scale) u(got, ref, sc)) <= 1e-5),
	6::bigint, 'parallel sum() agrees with numpy within 1e-5 of sum(|x|)');
SELECT is((SELECT count(*) FROM parallel p JOIN emb_ref r ON r.key = CASE p.key WHEN 'all' THEN 'cran_all' ELSE p.key END
		   WHERE (SELECT max(abs(got - ref) / greatest(sc / r.n, 1e-30)) FROM unnest(p.a::real[], r.avg, r.scale) u(got, ref, sc)) <= 1e-5),
	6::bigint, 'parallel avg() agrees with numpy within 1e-5 of mean(|x|)');

SELECT * FROM finish();
ROLLBACK;
