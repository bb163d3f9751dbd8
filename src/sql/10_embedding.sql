-- The embedding type (docs/embedding.md).

CREATE TYPE embedding;

CREATE FUNCTION embedding_in(cstring, oid, integer) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_out(embedding) RETURNS cstring
	AS 'MODULE_PATHNAME', 'embedding_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME', 'embedding_typmod_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_typmod_out(integer) RETURNS cstring
	AS 'MODULE_PATHNAME', 'embedding_typmod_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_recv(internal, oid, integer) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_send(embedding) RETURNS bytea
	AS 'MODULE_PATHNAME', 'embedding_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Storage external: float data does not compress, so skip trying (as pgvector).
CREATE TYPE embedding (
	INPUT = embedding_in,
	OUTPUT = embedding_out,
	TYPMOD_IN = embedding_typmod_in,
	TYPMOD_OUT = embedding_typmod_out,
	RECEIVE = embedding_recv,
	SEND = embedding_send,
	STORAGE = external
);
COMMENT ON TYPE embedding IS
	'float4 vector of 1 to 16000 dimensions; embedding(n) fixes the dimension; same on-disk layout as pgvector''s vector';
COMMENT ON FUNCTION embedding_in(cstring, oid, integer) IS 'Text input of embedding: [1,2,3]';
COMMENT ON FUNCTION embedding_out(embedding) IS 'Text output of embedding: shortest round-trip decimals';
COMMENT ON FUNCTION embedding_typmod_in(cstring[]) IS 'Type modifier input of embedding(n): 1 <= n <= 16000';
COMMENT ON FUNCTION embedding_typmod_out(integer) IS 'Type modifier output of embedding(n)';
COMMENT ON FUNCTION embedding_recv(internal, oid, integer) IS
	'Binary input of embedding: int16 dimensions, int16 zero, float4 elements (big-endian)';
COMMENT ON FUNCTION embedding_send(embedding) IS
	'Binary output of embedding: int16 dimensions, int16 zero, float4 elements (big-endian)';

-- Length coercion for embedding(n)
CREATE FUNCTION embedding(embedding, integer, boolean) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_coerce' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION embedding(embedding, integer, boolean) IS
	'Checks that an embedding has the dimension its type modifier embedding(n) declares';
CREATE CAST (embedding AS embedding) WITH FUNCTION embedding(embedding, integer, boolean) AS IMPLICIT;
COMMENT ON CAST (embedding AS embedding) IS 'Applies embedding(n): errors when the dimension differs';

-- Casts from and to arrays
CREATE FUNCTION array_to_embedding(real[], integer, boolean) RETURNS embedding
	AS 'MODULE_PATHNAME', 'array_to_embedding' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_embedding(double precision[], integer, boolean) RETURNS embedding
	AS 'MODULE_PATHNAME', 'array_to_embedding' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_embedding(integer[], integer, boolean) RETURNS embedding
	AS 'MODULE_PATHNAME', 'array_to_embedding' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_embedding(numeric[], integer, boolean) RETURNS embedding
	AS 'MODULE_PATHNAME', 'array_to_embedding' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_to_float4(embedding, integer, boolean) RETURNS real[]
	AS 'MODULE_PATHNAME', 'embedding_to_float4_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION array_to_embedding(real[], integer, boolean) IS 'Cast real[] to embedding';
COMMENT ON FUNCTION array_to_embedding(double precision[], integer, boolean) IS
	'Cast double precision[] to embedding (elements rounded to real; out of range errors)';
COMMENT ON FUNCTION array_to_embedding(integer[], integer, boolean) IS 'Cast integer[] to embedding';
COMMENT ON FUNCTION array_to_embedding(numeric[], integer, boolean) IS
	'Cast numeric[] to embedding (elements rounded to real; NaN, Infinity and out of range error)';
COMMENT ON FUNCTION embedding_to_float4(embedding, integer, boolean) IS 'Cast embedding to real[]';

CREATE CAST (real[] AS embedding) WITH FUNCTION array_to_embedding(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS embedding)
	WITH FUNCTION array_to_embedding(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (integer[] AS embedding) WITH FUNCTION array_to_embedding(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS embedding) WITH FUNCTION array_to_embedding(numeric[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (embedding AS real[]) WITH FUNCTION embedding_to_float4(embedding, integer, boolean) AS ASSIGNMENT;
COMMENT ON CAST (real[] AS embedding) IS 'One-dimensional, no NULLs, finite elements';
COMMENT ON CAST (double precision[] AS embedding) IS 'One-dimensional, no NULLs, finite elements within real range';
COMMENT ON CAST (integer[] AS embedding) IS 'One-dimensional, no NULLs';
COMMENT ON CAST (numeric[] AS embedding) IS 'One-dimensional, no NULLs, finite elements within real range';
COMMENT ON CAST (embedding AS real[]) IS 'The elements as a one-dimensional real[]';

-- Distances (double precision, computed by the shared SIMD kernels)
CREATE FUNCTION l2_distance(embedding, embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'embedding_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_l2_squared_distance(embedding, embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'embedding_l2_squared_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION inner_product(embedding, embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'embedding_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_negative_inner_product(embedding, embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'embedding_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cosine_distance(embedding, embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'embedding_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l1_distance(embedding, embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'embedding_l1_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION l2_distance(embedding, embedding) IS 'Euclidean distance';
COMMENT ON FUNCTION embedding_l2_squared_distance(embedding, embedding) IS
	'Squared Euclidean distance (orders like l2_distance, without the square root)';
COMMENT ON FUNCTION inner_product(embedding, embedding) IS 'Inner (dot) product';
COMMENT ON FUNCTION embedding_negative_inner_product(embedding, embedding) IS
	'Negated inner product: smaller is closer, for ORDER BY (the <#> operator)';
COMMENT ON FUNCTION cosine_distance(embedding, embedding) IS
	'1 - cosine similarity, in [0, 2]; NaN when either embedding is the zero vector';
COMMENT ON FUNCTION l1_distance(embedding, embedding) IS 'Manhattan (taxicab) distance';

CREATE OPERATOR <-> (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = l2_distance, COMMUTATOR = '<->');
CREATE OPERATOR <#> (LEFTARG = embedding, RIGHTARG = embedding,
	FUNCTION = embedding_negative_inner_product, COMMUTATOR = '<#>');
CREATE OPERATOR <=> (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = cosine_distance, COMMUTATOR = '<=>');
CREATE OPERATOR <+> (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = l1_distance, COMMUTATOR = '<+>');
COMMENT ON OPERATOR <->(embedding, embedding) IS 'Euclidean (L2) distance';
COMMENT ON OPERATOR <#>(embedding, embedding) IS 'Negative inner product';
COMMENT ON OPERATOR <=>(embedding, embedding) IS 'Cosine distance';
COMMENT ON OPERATOR <+>(embedding, embedding) IS 'L1 (Manhattan) distance';

-- Element-wise arithmetic and concatenation
CREATE FUNCTION embedding_add(embedding, embedding) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_sub(embedding, embedding) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_sub' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_mul(embedding, embedding) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_mul' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_concat(embedding, embedding) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_concat' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION embedding_add(embedding, embedding) IS 'Element-wise sum; overflow errors';
COMMENT ON FUNCTION embedding_sub(embedding, embedding) IS 'Element-wise difference; overflow errors';
COMMENT ON FUNCTION embedding_mul(embedding, embedding) IS 'Element-wise product; overflow errors';
COMMENT ON FUNCTION embedding_concat(embedding, embedding) IS 'Concatenation (at most 16000 dimensions)';

CREATE OPERATOR + (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_add, COMMUTATOR = +);
CREATE OPERATOR - (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_sub);
CREATE OPERATOR * (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_mul, COMMUTATOR = *);
CREATE OPERATOR || (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_concat);
COMMENT ON OPERATOR +(embedding, embedding) IS 'Element-wise sum';
COMMENT ON OPERATOR -(embedding, embedding) IS 'Element-wise difference';
COMMENT ON OPERATOR *(embedding, embedding) IS 'Element-wise product';
COMMENT ON OPERATOR ||(embedding, embedding) IS 'Concatenation';

-- Other functions
CREATE FUNCTION embedding_dims(embedding) RETURNS integer
	AS 'MODULE_PATHNAME', 'embedding_dims' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_norm(embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'embedding_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_normalize(embedding) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION subvector(embedding, integer, integer) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_subvector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION embedding_dims(embedding) IS 'Number of dimensions';
COMMENT ON FUNCTION embedding_norm(embedding) IS 'Euclidean norm';
COMMENT ON FUNCTION l2_normalize(embedding) IS 'The embedding scaled to unit length; the zero vector unchanged';
COMMENT ON FUNCTION subvector(embedding, integer, integer) IS
	'subvector(e, start, count): count elements from 1-based position start';

-- Comparison: btree and hash operator classes (GROUP BY, DISTINCT, UNIQUE)
CREATE FUNCTION embedding_lt(embedding, embedding) RETURNS boolean
	AS 'MODULE_PATHNAME', 'embedding_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_le(embedding, embedding) RETURNS boolean
	AS 'MODULE_PATHNAME', 'embedding_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_eq(embedding, embedding) RETURNS boolean
	AS 'MODULE_PATHNAME', 'embedding_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_ne(embedding, embedding) RETURNS boolean
	AS 'MODULE_PATHNAME', 'embedding_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_ge(embedding, embedding) RETURNS boolean
	AS 'MODULE_PATHNAME', 'embedding_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_gt(embedding, embedding) RETURNS boolean
	AS 'MODULE_PATHNAME', 'embedding_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_cmp(embedding, embedding) RETURNS integer
	AS 'MODULE_PATHNAME', 'embedding_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_hash(embedding) RETURNS integer
	AS 'MODULE_PATHNAME', 'embedding_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_hash_extended(embedding, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'embedding_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION embedding_lt(embedding, embedding) IS 'Less than (element-wise lexicographic order)';
COMMENT ON FUNCTION embedding_le(embedding, embedding) IS 'Less than or equal';
COMMENT ON FUNCTION embedding_eq(embedding, embedding) IS 'Equal: same dimension and equal elements';
COMMENT ON FUNCTION embedding_ne(embedding, embedding) IS 'Not equal';
COMMENT ON FUNCTION embedding_ge(embedding, embedding) IS 'Greater than or equal';
COMMENT ON FUNCTION embedding_gt(embedding, embedding) IS 'Greater than';
COMMENT ON FUNCTION embedding_cmp(embedding, embedding) IS
	'btree comparison: lexicographic by element, then by dimension';
COMMENT ON FUNCTION embedding_hash(embedding) IS 'Hash (0 and -0 hash alike, as they are equal)';
COMMENT ON FUNCTION embedding_hash_extended(embedding, bigint) IS 'Seeded 64-bit hash';

CREATE OPERATOR < (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_lt,
	COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_le,
	COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR = (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR <> (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR >= (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_ge,
	COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR > (LEFTARG = embedding, RIGHTARG = embedding, FUNCTION = embedding_gt,
	COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
COMMENT ON OPERATOR <(embedding, embedding) IS 'Less than';
COMMENT ON OPERATOR <=(embedding, embedding) IS 'Less than or equal';
COMMENT ON OPERATOR =(embedding, embedding) IS 'Equal';
COMMENT ON OPERATOR <>(embedding, embedding) IS 'Not equal';
COMMENT ON OPERATOR >=(embedding, embedding) IS 'Greater than or equal';
COMMENT ON OPERATOR >(embedding, embedding) IS 'Greater than';

CREATE OPERATOR CLASS embedding_btree_ops DEFAULT FOR TYPE embedding USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 embedding_cmp(embedding, embedding);
CREATE OPERATOR CLASS embedding_hash_ops DEFAULT FOR TYPE embedding USING hash AS
	OPERATOR 1 =,
	FUNCTION 1 embedding_hash(embedding),
	FUNCTION 2 embedding_hash_extended(embedding, bigint);
COMMENT ON OPERATOR CLASS embedding_btree_ops USING btree IS 'Default btree ordering of embedding';
COMMENT ON OPERATOR CLASS embedding_hash_ops USING hash IS 'Default hashing of embedding';
COMMENT ON OPERATOR FAMILY embedding_btree_ops USING btree IS 'Default btree ordering of embedding';
COMMENT ON OPERATOR FAMILY embedding_hash_ops USING hash IS 'Default hashing of embedding';

-- Aggregates.  The state is double precision[] {count, sum_1, ..., sum_d}
-- (not internal) so that partial aggregates can be shipped between servers.
CREATE FUNCTION embedding_accum(double precision[], embedding) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'embedding_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_combine(double precision[], double precision[]) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'embedding_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_sum_final(double precision[]) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_sum_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION embedding_avg_final(double precision[]) RETURNS embedding
	AS 'MODULE_PATHNAME', 'embedding_avg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION embedding_accum(double precision[], embedding) IS
	'Transition function of sum(embedding) and avg(embedding): adds one embedding to {count, sums}';
COMMENT ON FUNCTION embedding_combine(double precision[], double precision[]) IS
	'Combine function of sum(embedding) and avg(embedding): adds two partial states';
COMMENT ON FUNCTION embedding_sum_final(double precision[]) IS 'Final function of sum(embedding)';
COMMENT ON FUNCTION embedding_avg_final(double precision[]) IS 'Final function of avg(embedding)';

CREATE AGGREGATE sum(embedding) (
	SFUNC = embedding_accum,
	STYPE = double precision[],
	FINALFUNC = embedding_sum_final,
	COMBINEFUNC = embedding_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
CREATE AGGREGATE avg(embedding) (
	SFUNC = embedding_accum,
	STYPE = double precision[],
	FINALFUNC = embedding_avg_final,
	COMBINEFUNC = embedding_combine,
	INITCOND = '{0}',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE sum(embedding) IS 'Element-wise sum (in double, then real; overflow errors)';
COMMENT ON AGGREGATE avg(embedding) IS 'Element-wise mean (centroid)';

-- pgvector interop: the casts between vector and embedding (binary
-- coercions, one layout) are made by hardneg_vector_casts(), defined with the
-- rest of the pgvector bridge in src/sql/80_pgvector.sql.
