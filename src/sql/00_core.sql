-- Module information.

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
