-- src/sql/include/id_forms.sql: the body of a loop over rows
-- (name, symbol, typed, args, outs, about) that writes a C function in its
-- id forms with their comments; the fragments 70_falseneg.sql and
-- 80_compose.sql run it ("--@ text", src/sql/assemble.awk), from a DO block
-- that declares f record and typed_args text.
--
-- ID and IDS in args and outs stand for the id type and an array of it.  The
-- plain form has bigint ids (bigint[] arrays).  Where f.typed a second form
-- follows with a last argument id_type anyelement: ids of its type (anyarray
-- for arrays) and no defaults, since a polymorphic argument after defaulted
-- ones must be given anyway.  CREATE OR REPLACE: the 0.1.0 -> 0.2.0 upgrade
-- reruns 70_falseneg.sql over the functions 0.1.0 made (same arguments and
-- results), and inside CREATE EXTENSION it cannot take over a function that
-- is not the extension's own (PostgreSQL refuses that).
		EXECUTE pg_catalog.format(
			'CREATE OR REPLACE FUNCTION @extschema@.%I(%s, %s) RETURNS SETOF record AS %L, %L '
			'LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED',
			f.name,
			pg_catalog.replace(pg_catalog.replace(f.args, 'IDS', 'bigint[]'), 'ID', 'bigint'),
			pg_catalog.replace(f.outs, 'ID', 'bigint'), 'MODULE_PATHNAME', f.symbol);
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%I(%s) IS %L', f.name,
			pg_catalog.regexp_replace(
				pg_catalog.replace(pg_catalog.replace(f.args, 'IDS', 'bigint[]'), 'ID', 'bigint'),
				' DEFAULT (''[^'']*''|[^,]+)', '', 'g'),
			f.about);
		CONTINUE WHEN NOT f.typed;
		typed_args := pg_catalog.regexp_replace(
			pg_catalog.replace(pg_catalog.replace(f.args, 'IDS', 'anyarray'), 'ID', 'anyelement'),
			' DEFAULT (''[^'']*''|[^,]+)', '', 'g') || ', id_type anyelement';
		EXECUTE pg_catalog.format(
			'CREATE OR REPLACE FUNCTION @extschema@.%I(%s, %s) RETURNS SETOF record AS %L, %L '
			'LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED',
			f.name, typed_args, pg_catalog.replace(f.outs, 'ID', 'anyelement'),
			'MODULE_PATHNAME', f.symbol);
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%I(%s) IS %L', f.name, typed_args,
			pg_catalog.format('%s with ids returned in the type of id_type (e.g. NULL::text)%s%s', f.name,
				CASE WHEN f.args LIKE '%IDS%' THEN ', id arrays in its array type' ELSE '' END,
				CASE WHEN f.args LIKE '%DEFAULT%' THEN '; every parameter must then be given.' ELSE '.' END));
