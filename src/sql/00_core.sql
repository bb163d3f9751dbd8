-- Module information.

-- A schema of its own or any user schema, never a system one: objects created
-- in pg_catalog would shadow or be shadowed by built-ins on every path.
DO $$
BEGIN
	IF '@extschema@'::regnamespace IN ('pg_catalog'::regnamespace, 'pg_toast'::regnamespace,
									   'information_schema'::regnamespace) THEN
		RAISE EXCEPTION 'hardneg cannot be installed in the system schema %', '@extschema@'
			USING ERRCODE = 'invalid_schema_name',
				  HINT = 'Use CREATE EXTENSION hardneg SCHEMA <a user schema>, e.g. public or a schema of its own.';
	END IF;
END
$$;

CREATE FUNCTION hardneg_version() RETURNS text
	AS 'MODULE_PATHNAME', 'hardneg_version'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hardneg_version() IS 'Version of the loaded hardneg library';

CREATE FUNCTION hardneg_simd_variants(OUT variant text, OUT supported boolean, OUT active boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_simd_variants'
	LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hardneg_simd_variants() IS
	'Distance-kernel variants (portable, avx2, avx512): whether this CPU supports each, and which one hardneg.simd selected';
