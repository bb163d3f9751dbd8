-- The ivfsq index access method (docs/index.md).

CREATE FUNCTION hardneg_ivfsq_handler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME', 'hardneg_ivfsq_handler'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hardneg_ivfsq_handler(internal) IS
	'Handler of the ivfsq index access method';

CREATE ACCESS METHOD ivfsq TYPE INDEX HANDLER hardneg_ivfsq_handler;
COMMENT ON ACCESS METHOD ivfsq IS
	'Approximate nearest-neighbour index for embedding: inverted lists of 8-bit residual codes, exact re-ranking';

-- Support function 1 of each operator class names the metric it indexes.
-- The internal argument keeps them from being called from SQL.  One
-- signature, three metrics: written once.
DO $support$
DECLARE
	m record;
BEGIN
	FOR m IN SELECT * FROM (VALUES ('l2', 'Euclidean distance'), ('ip', 'negative inner product'),
		('cosine', 'cosine distance')) AS t(name, what)
	LOOP
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION @extschema@.%I(internal) RETURNS integer AS %L, %L '
			'LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE',
			'hardneg_ivfsq_' || m.name || '_support', 'MODULE_PATHNAME',
			'hardneg_ivfsq_' || m.name || '_support');
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%I(internal) IS %L',
			'hardneg_ivfsq_' || m.name || '_support',
			'ivfsq support function: the operator class indexes ' || m.what);
	END LOOP;
END
$support$;

CREATE OPERATOR CLASS embedding_l2_ops
	DEFAULT FOR TYPE embedding USING ivfsq AS
	OPERATOR 1 <-> (embedding, embedding) FOR ORDER BY float_ops,
	FUNCTION 1 hardneg_ivfsq_l2_support(internal);
COMMENT ON OPERATOR CLASS embedding_l2_ops USING ivfsq IS
	'ivfsq: ORDER BY embedding <-> query (Euclidean distance)';
COMMENT ON OPERATOR FAMILY embedding_l2_ops USING ivfsq IS
	'ivfsq operator family for Euclidean distance';

CREATE OPERATOR CLASS embedding_ip_ops
	FOR TYPE embedding USING ivfsq AS
	OPERATOR 1 <#> (embedding, embedding) FOR ORDER BY float_ops,
	FUNCTION 1 hardneg_ivfsq_ip_support(internal);
COMMENT ON OPERATOR CLASS embedding_ip_ops USING ivfsq IS
	'ivfsq: ORDER BY embedding <#> query (negative inner product)';
COMMENT ON OPERATOR FAMILY embedding_ip_ops USING ivfsq IS
	'ivfsq operator family for negative inner product';

CREATE OPERATOR CLASS embedding_cosine_ops
	FOR TYPE embedding USING ivfsq AS
	OPERATOR 1 <=> (embedding, embedding) FOR ORDER BY float_ops,
	FUNCTION 1 hardneg_ivfsq_cosine_support(internal);
COMMENT ON OPERATOR CLASS embedding_cosine_ops USING ivfsq IS
	'ivfsq: ORDER BY embedding <=> query (cosine distance)';
COMMENT ON OPERATOR FAMILY embedding_cosine_ops USING ivfsq IS
	'ivfsq operator family for cosine distance';

CREATE FUNCTION hardneg_index_verify(index regclass, OUT blkno bigint, OUT problem text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_index_verify'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION hardneg_index_verify(regclass) IS
	'Checks the structure of an ivfsq index (metapage, directory, list chains, vector store); one row per problem, none when sound';
-- As amcheck's checks: not for PUBLIC; a grantee also needs the index's
-- ownership or SELECT on its table (checked in C).
REVOKE ALL ON FUNCTION hardneg_index_verify(regclass) FROM PUBLIC;
