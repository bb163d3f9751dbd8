-- pgTAP: knn_search parameter validation (before any work), permissions,
-- cancellation.
BEGIN;
SELECT plan(17);

CREATE TABLE knn_e_docs AS
	SELECT i AS id, ARRAY[i, 1, 0]::real[] AS embedding FROM generate_series(1, 10) i;

-- parameters are checked before the inputs run: the inputs here would fail
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1/0', 'SELECT 1/0', 0)$$, '22023', NULL, 'k = 0 is rejected');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1/0', 'SELECT 1/0', 5, 'hamming')$$, '22023', NULL, 'an unknown metric is rejected');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1/0', 'SELECT 1/0', 5, 'cosine', 'magic')$$, '22023', NULL, 'an unknown method is rejected');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1/0', 'SELECT 1/0', NULL)$$, '22004', NULL, 'k NULL is rejected');
SELECT throws_ok($$SELECT * FROM knn_search(NULL, 'SELECT 1/0', 3)$$, '22004', NULL, 'queries NULL is rejected');

-- input checks carry a hint
CREATE FUNCTION pg_temp.hint_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE h text;
BEGIN
	EXECUTE sql;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
	RETURN h;
END $$;
SELECT isnt(pg_temp.hint_of($$SELECT * FROM knn_search('SELECT 1/0', 'SELECT 1/0', 0)$$), NULL, 'the k error has a hint');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1,2]::real[] AS embedding',
	'SELECT id, embedding FROM knn_e_docs', 3)$$, '22000', NULL, 'mismatched dimensions are rejected');
SELECT isnt(pg_temp.hint_of($$SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1,2]::real[] AS embedding',
	'SELECT id, embedding FROM knn_e_docs', 3)$$), NULL, 'the dimension error has a hint');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1,2,3]::real[] AS vec',
	'SELECT id, embedding FROM knn_e_docs', 3)$$, '42703', NULL, 'a missing embedding column is named');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[0,0,0]::real[] AS embedding',
	'SELECT id, embedding FROM knn_e_docs', 3, 'cosine')$$, '22000', NULL, 'a zero query vector under cosine is rejected');
SELECT lives_ok($$SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[0,0,0]::real[] AS embedding',
	'SELECT id, embedding FROM knn_e_docs', 3, 'l2')$$, 'a zero vector is fine under l2');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1,2,3]::real[] AS embedding',
	'SELECT id, embedding FROM knn_e_docs', 3, 'cosine', 'index')$$, '42883', NULL,
	'method index on a real[] corpus: no distance operator');

-- inputs run as the caller
CREATE ROLE knn_e_nobody;
SET LOCAL ROLE knn_e_nobody;
SELECT throws_ok($$SELECT * FROM knn_search('SELECT 1 AS id, ARRAY[1,2,3]::real[] AS embedding',
	'SELECT id, embedding FROM knn_e_docs', 3)$$, '42501', NULL, 'a role without SELECT on the corpus gets a permission error');
SELECT throws_ok($$SELECT * FROM knn_search('SELECT id, embedding FROM knn_e_docs',
	'SELECT 1 AS id, ARRAY[1,2,3]::real[] AS embedding', 3)$$, '42501', NULL, '... and on the queries');
RESET ROLE;

-- cancellation: about 10^11 multiply-adds, stopped by statement_timeout
CREATE TABLE knn_e_big AS
	SELECT i AS id, array_agg(((i * 7919 + j * 104729) % 1000) / 1000.0)::real[] AS embedding
	FROM generate_series(1, 2000) i, generate_series(1, 128) j GROUP BY i;
CREATE TEMP TABLE knn_e_clock (t timestamptz);
INSERT INTO knn_e_clock SELECT clock_timestamp();
-- (pgTAP's throws_ok cannot see 57014: PL/pgSQL's WHEN OTHERS skips query_canceled)
CREATE FUNCTION pg_temp.sqlstate_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE sql;
	RETURN '00000';
EXCEPTION WHEN query_canceled OR others THEN
	RETURN SQLSTATE;
END $$;
SET LOCAL statement_timeout = '1s';
SELECT is(pg_temp.sqlstate_of($$SELECT count(*) FROM knn_search(
	'SELECT b.id * 100 + g AS id, b.embedding FROM knn_e_big b, generate_series(1, 10) g',
	'SELECT b.id * 100 + g AS id, b.embedding FROM knn_e_big b, generate_series(1, 50) g', 10)$$),
	'57014', 'statement_timeout cancels a long knn_search (query_canceled)');
RESET statement_timeout;
SELECT cmp_ok(extract(epoch FROM clock_timestamp() - (SELECT t FROM knn_e_clock))::float8, '<', 2.0::float8,
	'... within 2 seconds');
SELECT is((SELECT count(*) FROM knn_search('SELECT id, embedding FROM knn_e_docs', 'SELECT id, embedding FROM knn_e_docs', 2)),
	20::bigint, 'the backend works normally after the cancel');

SELECT * FROM finish();
ROLLBACK;
