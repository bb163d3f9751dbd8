-- pgTAP: issue 16 items 1-3.  Values the reader must not trust (types named
-- like ours, varlenas whose header claims more than they hold), values no
-- constructor may build (0 or > 16000 dimensions, int16-wrapped, NaN), and
-- ivfsq scans that must not stop short of the rows a query asks for.
-- Expected values are hand-derived.  Forged values are made with a binary
-- cast from bytea that only this transaction has: the way a binary-coerced
-- impostor or a damaged page would reach hardneg.
BEGIN;
SELECT plan(41);

-- 16.1: the exact repro.  A domain named vector over bytea, a corpus row
-- that claims 8 dimensions and holds none, one-hot queries under 'ip'.
CREATE DOMAIN pg_temp.vector AS bytea;
CREATE TEMP TABLE hq AS
SELECT i::bigint AS id,
	   (SELECT array_agg(CASE WHEN j = i THEN 1 ELSE 0 END)::real[] FROM generate_series(1, 8) j)::embedding AS embedding
FROM generate_series(1, 8) i;
CREATE TEMP TABLE hc8 AS SELECT 1::bigint AS id, '\x08000000'::bytea::pg_temp.vector AS embedding;
CREATE TEMP TABLE hc16000 AS SELECT 1::bigint AS id, '\x803e0000'::bytea::pg_temp.vector AS embedding;
SELECT throws_ok($$SELECT * FROM knn_search('SELECT id, embedding FROM hq', 'SELECT id, embedding FROM hc8', 1, 'ip')$$,
	'42804', NULL, 'a domain named vector over bytea is not taken for an embedding (8-dimension claim)');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT id, embedding FROM hq', 'SELECT id, embedding FROM hc16000', 1, 'ip')$$,
	'42804', NULL, 'nor with a 16000-dimension claim');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT id, embedding FROM hc8', 'SELECT id, embedding FROM hq', 1, 'ip')$$,
	'42804', NULL, 'nor as the queries');
CREATE DOMAIN pg_temp.myemb AS embedding;
CREATE TYPE pg_temp.embedding AS (x int);
SELECT throws_ok($$SELECT * FROM knn_search('SELECT id, embedding FROM hq', 'SELECT 1::bigint AS id, ROW(1)::pg_temp.embedding AS embedding', 1, 'ip')$$,
	'42804', NULL, 'a type named embedding in pg_temp is not ours');
DROP TYPE pg_temp.embedding;
-- a domain over our embedding is an embedding
SELECT is((SELECT array_agg(doc_id ORDER BY query_id)
		   FROM knn_search('SELECT id, embedding FROM hq',
						   'SELECT id, embedding::pg_temp.myemb AS embedding FROM hq', 1, 'ip')),
	ARRAY[1, 2, 3, 4, 5, 6, 7, 8]::bigint[], 'a domain over embedding is read as an embedding (one-hot: each its own nearest)');

-- forged values of our own type: every reader checks the size against the header
-- the schema hardneg is in (public, or HN_EXT_SCHEMA: test/run.sh)
SELECT n.nspname AS hn_schema FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'hardneg' \gset
CREATE CAST (bytea AS :"hn_schema".embedding) WITHOUT FUNCTION;
CREATE TEMP TABLE forged (k text, e embedding);
INSERT INTO forged VALUES
	('claims 8, holds 0', '\x08000000'::bytea::embedding),
	('claims 16000, holds 0', '\x803e0000'::bytea::embedding),
	('claims 2, holds 1', '\x020000000000803f'::bytea::embedding),
	('0 dimensions', '\x00000000'::bytea::embedding),
	('negative (int16-wrapped 40000)', ('\x409c0000'::bytea || decode(repeat('00', 160000), 'hex'))::embedding),
	('too short for a header', '\x01'::bytea::embedding);
SELECT throws_ok(format($$SELECT e::text FROM forged WHERE k = %L$$, k), 'XX001', NULL, 'output refuses: ' || k)
FROM forged ORDER BY k;
SELECT throws_ok($$SELECT embedding_dims(e) FROM forged WHERE k = 'claims 8, holds 0'$$, 'XX001', NULL,
	'embedding_dims refuses a forged value');
SELECT throws_ok($$SELECT e <#> '[1,0,0,0,0,0,0,0]' FROM forged WHERE k = 'claims 8, holds 0'$$, 'XX001', NULL,
	'the <#> operator refuses a forged value');
SELECT throws_ok($$SELECT e::real[] FROM forged WHERE k = 'claims 16000, holds 0'$$, 'XX001', NULL,
	'the cast to real[] refuses a forged value');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT id, embedding FROM hq',
				 $q$SELECT 1::bigint AS id, e AS embedding FROM forged WHERE k = 'claims 8, holds 0'$q$, 1, 'ip')$$,
	'XX001', NULL, 'knn_search (the reader) refuses a forged corpus value');
SELECT throws_ok($$SELECT sum(e) FROM forged WHERE k = 'claims 2, holds 1'$$, 'XX001', NULL,
	'sum() refuses a forged value');

-- 16.2: the index never takes a value a constructor would refuse
CREATE TEMP TABLE legacy (id int, e embedding);
INSERT INTO legacy SELECT g, '[1,2]' FROM generate_series(1, 50) g;
INSERT INTO legacy VALUES (51, '\x020000000000c07f0000803f'::bytea::embedding);	-- [NaN, 1]
SELECT throws_ok($$CREATE INDEX ON legacy USING ivfsq (e embedding_l2_ops) WITH (lists = 2)$$, '22000',
	'NaN is not allowed in an embedding', 'ivfsq build refuses a stored NaN vector');
CREATE TEMP TABLE legacy0 (id int, e embedding);
INSERT INTO legacy0 SELECT g, '[1,2]' FROM generate_series(1, 50) g;
INSERT INTO legacy0 VALUES (52, '\x00000000'::bytea::embedding);
SELECT throws_ok($$CREATE INDEX ON legacy0 USING ivfsq (e embedding_l2_ops) WITH (lists = 2)$$, 'XX001', NULL,
	'ivfsq build on a 0-dimension value: a clean error, no floating-point exception');
TRUNCATE legacy;
INSERT INTO legacy SELECT g, '[1,2]' FROM generate_series(1, 50) g;
CREATE INDEX legacy_e ON legacy USING ivfsq (e embedding_l2_ops) WITH (lists = 2);
SELECT throws_ok($$INSERT INTO legacy VALUES (53, '\x020000000000807f0000803f'::bytea::embedding)$$, '22000',
	'Infinity is not allowed in an embedding', 'ivfsq insert refuses an Infinity vector');
SELECT throws_ok($$INSERT INTO legacy VALUES (54, '\x00000000'::bytea::embedding)$$, 'XX001', NULL,
	'ivfsq insert refuses a 0-dimension value');
SET LOCAL enable_seqscan = off;
SELECT throws_ok($$SELECT id FROM legacy ORDER BY e <-> '\x020000000000c07f0000803f'::bytea::embedding LIMIT 1$$, '22000',
	NULL, 'an ivfsq scan refuses a NaN query');
RESET enable_seqscan;
DROP CAST (bytea AS :"hn_schema".embedding);

-- found by test/fuzz.py: a made-up OID was an internal error (XX000)
SELECT throws_ok($$SELECT * FROM hardneg_index_verify(0)$$, '42P01', NULL,
	'hardneg_index_verify(0): undefined_table, not an internal error');

-- 16.2: the aggregates' public functions refuse hostile states
SELECT throws_ok($$SELECT embedding_avg_final('{0,1}')$$, '22000', NULL, 'avg_final: count 0 with sums (0-d value)');
SELECT throws_ok($$SELECT embedding_sum_final('{1}')$$, '22000', NULL, 'sum_final: a count and no sums (0-d value)');
SELECT throws_ok($$SELECT embedding_avg_final('{1,NaN}')$$, '22000', NULL, 'avg_final: a NaN sum');
SELECT throws_ok($$SELECT embedding_sum_final('{NaN,1}')$$, '22000', NULL, 'sum_final: a NaN count');
SELECT throws_ok($$SELECT embedding_avg_final('{-2,1}')$$, '22000', NULL, 'avg_final: a negative count');
SELECT throws_ok($$SELECT embedding_sum_final(array_fill(1::float8, ARRAY[20001]))$$, '22000', NULL,
	'sum_final: 20000 sums');
SELECT throws_ok($$SELECT embedding_sum_final(array_fill(1::float8, ARRAY[40001]))$$, '22000', NULL,
	'sum_final: 40000 sums (would wrap int16 to a negative dimension)');
SELECT throws_ok($$SELECT embedding_accum('{1}', '[1,2]')$$, '22000', NULL, 'accum: a hostile state');
SELECT throws_ok($$SELECT embedding_combine('{1,1}', '{Infinity,1}')$$, '22000', NULL, 'combine: an infinite state');
SELECT throws_ok($$SELECT embedding_combine('{1,1}', '{1,1,1}')$$, '22000', NULL, 'combine: mismatched dimensions');
SELECT throws_ok($$SELECT embedding_sum_final('{1,1e300}')$$, '22003', NULL, 'sum_final: a sum beyond real');
SELECT is(embedding_dims(embedding_sum_final(array_fill(1::float8, ARRAY[16001]))), 16000,
	'sum_final: 16000 sums make a 16000-dimension embedding');
SELECT is((SELECT avg(e)::text FROM (VALUES ('[1,2]'::embedding), ('[3,-4]')) v(e)), '[2,-1]', 'avg() still right');
SELECT throws_ok($$SELECT array_fill(1::real, ARRAY[10000])::embedding || array_fill(1::real, ARRAY[10000])::embedding$$,
	'54000', NULL, 'concatenation past 16000 dimensions');
SELECT is((SELECT embedding_combine('{0}', '{2,4,6}')), '{2,4,6}'::float8[], 'combine with an empty side');

-- 16.3: no silent truncation at hardneg.ivfsq_max_scan_tuples (20000)
CREATE TEMP TABLE big AS
SELECT g AS id, ARRAY[sin(g), cos(g * 1.7), sin(g * 0.31), cos(g * 2.3)]::real[]::embedding(4) AS e
FROM generate_series(1, 30000) g;
CREATE INDEX big_e ON big USING ivfsq (e embedding_l2_ops) WITH (lists = 50);
ANALYZE big;
\ir include/plan_text.psql
SELECT matches(pg_temp.plan_text($$SELECT id FROM big ORDER BY e <-> '[0.1,0.2,0.3,0.4]' LIMIT 10$$),
	'Index Scan using big_e', 'LIMIT 10 uses the index');
SELECT doesnt_match(pg_temp.plan_text($$SELECT id FROM big ORDER BY e <-> '[0.1,0.2,0.3,0.4]' LIMIT 25000$$),
	'big_e', 'LIMIT 25000 (past the bound) is costed off the index');
SELECT is((SELECT count(DISTINCT id) FROM (SELECT id FROM big ORDER BY e <-> '[0.1,0.2,0.3,0.4]' LIMIT 25000) s),
	25000::bigint, 'ORDER BY e <-> q LIMIT 25000 on 30000 rows returns 25000 rows');
SELECT is((SELECT count(DISTINCT id) FROM (SELECT id FROM big ORDER BY e <-> '[0.1,0.2,0.3,0.4]') s),
	30000::bigint, 'ORDER BY e <-> q without LIMIT returns all 30000 rows');

SELECT * FROM finish();
ROLLBACK;
