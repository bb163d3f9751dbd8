-- pgTAP: hardneg_index_verify() privileges and errors (issue 16 item 5), the
-- schema hardneg may be installed in and DROP EXTENSION beside pgvector
-- (item 6).  The extension is reinstalled in a schema of this suite's own.
BEGIN;
SELECT plan(19);

DROP EXTENSION hardneg;
SELECT throws_ok($$CREATE EXTENSION hardneg SCHEMA pg_catalog$$, '3F000',
	'hardneg cannot be installed in the system schema pg_catalog',
	'CREATE EXTENSION hardneg SCHEMA pg_catalog is refused');
SELECT throws_ok($$CREATE EXTENSION hardneg SCHEMA information_schema$$, '3F000', NULL,
	'CREATE EXTENSION hardneg SCHEMA information_schema is refused');
CREATE SCHEMA hn_priv;
GRANT USAGE ON SCHEMA hn_priv TO PUBLIC;
CREATE EXTENSION hardneg SCHEMA hn_priv;
SELECT throws_ok($$ALTER EXTENSION hardneg SET SCHEMA public$$, '0A000', NULL,
	'hardneg is not relocatable (its functions name their schema)');

-- an ivfsq index owned by the superuser, and roles with and without rights
CREATE TABLE hn_priv_docs (id bigint, e hn_priv.embedding);
INSERT INTO hn_priv_docs SELECT g, hn_priv.array_to_embedding(ARRAY[g, g % 5, 1]::real[], -1, false)
  FROM generate_series(1, 300) g;
CREATE INDEX hn_priv_idx ON hn_priv_docs USING ivfsq (e hn_priv.embedding_l2_ops);
CREATE INDEX hn_priv_btree ON hn_priv_docs (id);
CREATE ROLE hn_priv_nobody NOLOGIN;
CREATE ROLE hn_priv_granted NOLOGIN;
CREATE ROLE hn_priv_reader NOLOGIN;
GRANT EXECUTE ON FUNCTION hn_priv.hardneg_index_verify(regclass) TO hn_priv_granted, hn_priv_reader;
GRANT SELECT ON hn_priv_docs TO hn_priv_reader;

SELECT is(has_function_privilege('hn_priv_nobody', 'hn_priv.hardneg_index_verify(regclass)', 'EXECUTE'),
	false, 'hardneg_index_verify is not executable by PUBLIC');
SET LOCAL ROLE hn_priv_nobody;
SELECT throws_ok($$SELECT * FROM hn_priv.hardneg_index_verify('hn_priv_idx')$$, '42501', NULL,
	'a role without EXECUTE cannot verify');
RESET ROLE;
SET LOCAL ROLE hn_priv_granted;
SELECT throws_ok($$SELECT * FROM hn_priv.hardneg_index_verify('hn_priv_idx')$$, '42501',
	'permission denied for index hn_priv_idx',
	'EXECUTE alone does not open an index the role may not read');
RESET ROLE;
SET LOCAL ROLE hn_priv_reader;
SELECT is((SELECT count(*) FROM hn_priv.hardneg_index_verify('hn_priv_idx')), 0::bigint,
	'EXECUTE and SELECT on the table: the index verifies clean');
RESET ROLE;
ALTER TABLE hn_priv_docs OWNER TO hn_priv_granted;
SET LOCAL ROLE hn_priv_granted;
SELECT is((SELECT count(*) FROM hn_priv.hardneg_index_verify('hn_priv_idx')), 0::bigint,
	'EXECUTE and ownership of the index: the index verifies clean');
RESET ROLE;

SELECT throws_ok($$SELECT * FROM hn_priv.hardneg_index_verify(0)$$, '42P01',
	'relation with OID 0 does not exist', 'hardneg_index_verify(0): undefined_table, not an internal error');
SELECT throws_ok($$SELECT * FROM hn_priv.hardneg_index_verify(4294967295::oid::regclass)$$, '42P01', NULL,
	'hardneg_index_verify of an unused oid: undefined_table');
SELECT throws_ok($$SELECT * FROM hn_priv.hardneg_index_verify('hn_priv_docs')$$, '42809',
	'"hn_priv_docs" is not an ivfsq index', 'a table is refused with wrong_object_type');
SELECT throws_ok($$SELECT * FROM hn_priv.hardneg_index_verify('hn_priv_btree')$$, '42809', NULL,
	'a btree index is refused with wrong_object_type');
DROP TABLE hn_priv_docs;

-- beside pgvector: DROP EXTENSION hardneg takes the casts along, in either install order
SELECT count(*) > 0 AS have_vector FROM pg_available_extensions WHERE name = 'vector' \gset
\if :have_vector
CREATE FUNCTION pg_temp.hn_casts() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM pg_cast c JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
	 WHERE s.typname IN ('embedding', 'vector') AND t.typname IN ('embedding', 'vector') AND s.typname <> t.typname $$;
CREATE FUNCTION pg_temp.drop_error(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	d text;
	h text;
BEGIN
	EXECUTE stmt;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
	RETURN d;
END $$;
-- hardneg first, pgvector second, casts by hardneg_vector_casts()
CREATE SCHEMA hn_vec;
CREATE EXTENSION vector SCHEMA hn_vec;
SELECT ok(hn_priv.hardneg_vector_casts(), 'hardneg then pgvector: hardneg_vector_casts() creates the casts');
SET LOCAL ROLE hn_priv_nobody;
SELECT lives_ok('SELECT hn_priv.hardneg_vector_casts()',
	'calling hardneg_vector_casts() again needs no ownership when the casts are complete');
RESET ROLE;
CREATE TABLE hn_priv_both (id int, v hn_vec.vector(3), e hn_priv.embedding(3));
INSERT INTO hn_priv_both VALUES (1, '[1,2,3]', '[1,2,3]');
SELECT is(pg_temp.drop_error('DROP EXTENSION hardneg'),
	'column e of table hn_priv_both depends on type hn_priv.embedding',
	'DROP EXTENSION hardneg is held back by the embedding column alone, not by the casts');
ALTER TABLE hn_priv_both DROP COLUMN e;
SELECT lives_ok('DROP EXTENSION hardneg', 'without embedding columns DROP EXTENSION hardneg succeeds');
SELECT is(pg_temp.hn_casts(), 0::bigint, 'the casts went with it; the vector column stayed');
-- pgvector first, hardneg second: the casts come with CREATE EXTENSION
CREATE EXTENSION hardneg SCHEMA hn_priv;
SELECT is(pg_temp.hn_casts(), 2::bigint, 'pgvector then hardneg: both casts created');
DROP EXTENSION vector CASCADE;
SELECT is((SELECT count(*) FROM pg_extension WHERE extname = 'hardneg'), 1::bigint,
	'DROP EXTENSION vector CASCADE takes the casts, never hardneg');
\else
SELECT skip('pgvector is not installed', 7);
\endif

SELECT * FROM finish();
ROLLBACK;
