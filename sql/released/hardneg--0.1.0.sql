-- hardneg 0.1.0: the install script as released (git tag v0.1.0), frozen; never edit.
\echo Use "CREATE EXTENSION hardneg" to load this file. \quit
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

-- pgvector interop: vector and embedding share one layout, so the casts are
-- binary coercions.  Created now if pgvector is installed, or later by a call.
-- The casts are deliberately not members of hardneg: a member cast that
-- depends on pgvector's type would make DROP EXTENSION vector CASCADE drop
-- hardneg (and every embedding column) with it, and pg_dump would not dump
-- it.  As free-standing objects they are dumped and restored like any cast.
CREATE FUNCTION hardneg_vector_casts(action text DEFAULT 'create') RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
	vec regtype;
	emb regtype;
	pair record;
BEGIN
	IF action IS NULL OR action NOT IN ('create', 'drop') THEN
		RAISE EXCEPTION 'unknown action "%" for hardneg_vector_casts()', action
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''create'' (the default) or ''drop''.';
	END IF;
	-- by extension membership, not search_path: either may be in any schema
	SELECT max(t.oid) FILTER (WHERE x.extname = 'vector' AND t.typname = 'vector')::regtype,
		   max(t.oid) FILTER (WHERE x.extname = 'hardneg' AND t.typname = 'embedding')::regtype
	  INTO vec, emb
	  FROM pg_type t
	  JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
	  JOIN pg_extension x ON x.oid = d.refobjid;
	IF vec IS NULL THEN
		IF action = 'drop' THEN
			RETURN false;		-- without pgvector there is nothing to drop
		END IF;
		RAISE EXCEPTION 'pgvector is not installed in this database'
			USING ERRCODE = 'undefined_object',
				  HINT = 'Run CREATE EXTENSION vector first, then SELECT hardneg_vector_casts().';
	END IF;
	FOR pair IN SELECT v.src, v.dst, v.ctx, EXISTS (SELECT 1 FROM pg_cast
													WHERE castsource = v.src AND casttarget = v.dst) AS present
				  FROM (VALUES (vec, emb, 'IMPLICIT'), (emb, vec, 'ASSIGNMENT')) v(src, dst, ctx)
	LOOP
		IF action = 'drop' AND pair.present THEN
			EXECUTE format('DROP CAST (%s AS %s)', pair.src, pair.dst);
		ELSIF action = 'create' AND NOT pair.present THEN
			EXECUTE format('CREATE CAST (%s AS %s) WITHOUT FUNCTION AS %s', pair.src, pair.dst, pair.ctx);
			EXECUTE format('COMMENT ON CAST (%s AS %s) IS %L', pair.src, pair.dst,
						   'Binary coercion: vector and embedding share one on-disk layout');
			-- inside CREATE EXTENSION hardneg the cast became a member: undo that
			IF EXISTS (SELECT 1 FROM pg_depend d JOIN pg_cast c ON d.objid = c.oid
						WHERE d.classid = 'pg_cast'::regclass AND d.deptype = 'e'
						  AND c.castsource = pair.src AND c.casttarget = pair.dst) THEN
				EXECUTE format('ALTER EXTENSION hardneg DROP CAST (%s AS %s)', pair.src, pair.dst);
			END IF;
		END IF;
	END LOOP;
	RETURN true;
END
$fn$;
COMMENT ON FUNCTION hardneg_vector_casts(text) IS
	'hardneg_vector_casts() creates the binary-coercible casts vector -> embedding (implicit) and '
	'embedding -> vector (assignment), for when pgvector is installed after hardneg; '
	'hardneg_vector_casts(''drop'') drops them (they block DROP EXTENSION hardneg)';

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
		PERFORM hardneg_vector_casts();
	END IF;
END
$$;
-- Exact and index k nearest neighbours (docs/knn.md).
--
-- Two forms.  PostgreSQL cannot resolve a polymorphic RETURNS TABLE from a
-- defaulted anyelement argument (the column types are fixed at parse time,
-- before defaults are inserted), so "id_type anyelement DEFAULT NULL::bigint"
-- would make every call without id_type fail.  The 5-argument form returns
-- bigint ids; the 6-argument form returns ids in id_type's type.

CREATE FUNCTION knn_search(queries text, corpus text, k integer,
						   metric text DEFAULT 'cosine', method text DEFAULT 'exact')
	RETURNS TABLE (query_id bigint, doc_id bigint, rank integer, score real)
	AS 'MODULE_PATHNAME', 'hn_knn_search'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION knn_search(text, text, integer, text, text) IS
	'The k most similar corpus rows of every query row (both SQL strings returning id, embedding), bigint ids: rank 1-based, ties to the smaller doc id; metric cosine, ip or l2 (score = similarity; l2: minus the distance); method exact (tiled sgemm, memory bounded by work_mem) or index (ORDER BY distance LIMIT k per query through the corpus table''s ANN index)';

CREATE FUNCTION knn_search(queries text, corpus text, k integer,
						   metric text, method text, id_type anyelement)
	RETURNS TABLE (query_id anyelement, doc_id anyelement, rank integer, score real)
	AS 'MODULE_PATHNAME', 'hn_knn_search'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION knn_search(text, text, integer, text, text, anyelement) IS
	'knn_search with ids returned in id_type''s type, e.g. id_type => NULL::text for text ids (ties then go to the smaller id in byte order)';
-- Hard-negative mining (SPEC 4.2, docs/mining.md).
--
-- mine_hard_negatives() returns the long format, one row per
-- (query, positive, negative) with provenance; mine_hard_negatives_stats()
-- the per-filter statistics of the same call.  Each has two overloads:
-- without id_type (bigint ids), and with id_type anyelement as the fourth
-- argument, right after qrels (e.g. NULL::text): PostgreSQL resolves a
-- polymorphic result only from arguments written in place, so a trailing
-- defaulted id_type would not work.  The argument order must stay in step
-- with src/mining/mining.h (ARG_*).
-- PARALLEL RESTRICTED: the caller's input queries may read temporary tables
-- or call restricted functions, which a worker cannot; and a function scan
-- replicated in every worker would mine everything once per worker.  The C
-- code itself gives identical results in a worker (test/mining_sampling.sql).

CREATE FUNCTION mine_hard_negatives(
	queries text,
	corpus text,
	qrels text,
	num_negatives integer DEFAULT 3,
	range_min integer DEFAULT 0,
	range_max integer DEFAULT NULL,
	max_score double precision DEFAULT NULL,
	min_score double precision DEFAULT NULL,
	absolute_margin double precision DEFAULT NULL,
	relative_margin double precision DEFAULT NULL,
	sampling_strategy text DEFAULT 'top',
	include_positives boolean DEFAULT false,
	metric text DEFAULT 'cosine',
	method text DEFAULT 'exact',
	runs text DEFAULT NULL,
	rank_basis text DEFAULT 'kept',
	percpos double precision DEFAULT NULL,
	pos_ref text DEFAULT 'min',
	margin_strict boolean DEFAULT false,
	teacher_scores text DEFAULT NULL,
	score_space text DEFAULT 'student',
	teacher_max double precision DEFAULT NULL,
	teacher_missing text DEFAULT 'drop',
	exclude text DEFAULT 'doc_id,text_hash',
	seed bigint DEFAULT 0,
	temperature double precision DEFAULT 0.05,
	simans_a double precision DEFAULT 0.5,
	simans_b double precision DEFAULT 0,
	simans_sign text DEFAULT 'paper',
	n_bins integer DEFAULT 10,
	backfill text DEFAULT 'none',
	random_negatives integer DEFAULT 0,
	exempt_positives boolean DEFAULT false,
	pool text DEFAULT 'global',
	false_negatives text DEFAULT 'none',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL)
RETURNS TABLE (
	query_id bigint,
	positive_id bigint,
	negative_id bigint,
	negative_rank integer,
	kept_rank integer,
	negative_rank_raw integer,
	score real,
	positive_score real,
	source text,
	p_false_negative real,
	weight real,
	filter_trace integer)
AS 'MODULE_PATHNAME', 'hn_mine_hard_negatives'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION mine_hard_negatives(text, text, text, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text) IS
'Hard-negative mining, a superset of sentence-transformers mine_hard_negatives with the same defaults: '
'candidates from exact dense search (pool range_max + max_positives) and/or runs, duplicate-aware '
'positive exclusion, teacher scores, score band, positive-anchored margins, rank window (kept|raw), '
'seeded sampling (top, uniform/random, top1_plus_uniform, softmax, simans, bins), flagged backfill and '
'STAR random mix; one row per (query, positive, negative) with provenance (bigint ids; pass id_type as 4th argument for others). See docs/mining.md.';

CREATE FUNCTION mine_hard_negatives_stats(
	queries text,
	corpus text,
	qrels text,
	num_negatives integer DEFAULT 3,
	range_min integer DEFAULT 0,
	range_max integer DEFAULT NULL,
	max_score double precision DEFAULT NULL,
	min_score double precision DEFAULT NULL,
	absolute_margin double precision DEFAULT NULL,
	relative_margin double precision DEFAULT NULL,
	sampling_strategy text DEFAULT 'top',
	include_positives boolean DEFAULT false,
	metric text DEFAULT 'cosine',
	method text DEFAULT 'exact',
	runs text DEFAULT NULL,
	rank_basis text DEFAULT 'kept',
	percpos double precision DEFAULT NULL,
	pos_ref text DEFAULT 'min',
	margin_strict boolean DEFAULT false,
	teacher_scores text DEFAULT NULL,
	score_space text DEFAULT 'student',
	teacher_max double precision DEFAULT NULL,
	teacher_missing text DEFAULT 'drop',
	exclude text DEFAULT 'doc_id,text_hash',
	seed bigint DEFAULT 0,
	temperature double precision DEFAULT 0.05,
	simans_a double precision DEFAULT 0.5,
	simans_b double precision DEFAULT 0,
	simans_sign text DEFAULT 'paper',
	n_bins integer DEFAULT 10,
	backfill text DEFAULT 'none',
	random_negatives integer DEFAULT 0,
	exempt_positives boolean DEFAULT false,
	pool text DEFAULT 'global',
	false_negatives text DEFAULT 'none',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL)
RETURNS TABLE (step integer, item text, measure text, value double precision)
AS 'MODULE_PATHNAME', 'hn_mine_hard_negatives_stats'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION mine_hard_negatives_stats(text, text, text, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text) IS
'Per-filter statistics of the mine_hard_negatives call with the same arguments (sentence-transformers '
'verbose output as rows): queries, candidates, removed / failed / removed_ratio per filter in pipeline '
'order, rank window, sampled, backfilled, missing, and count/mean/std/min/25%/50%/75%/max of the '
'positive, negative and difference scores.';

CREATE FUNCTION mine_hard_negatives(
	queries text,
	corpus text,
	qrels text,
	id_type anyelement,
	num_negatives integer DEFAULT 3,
	range_min integer DEFAULT 0,
	range_max integer DEFAULT NULL,
	max_score double precision DEFAULT NULL,
	min_score double precision DEFAULT NULL,
	absolute_margin double precision DEFAULT NULL,
	relative_margin double precision DEFAULT NULL,
	sampling_strategy text DEFAULT 'top',
	include_positives boolean DEFAULT false,
	metric text DEFAULT 'cosine',
	method text DEFAULT 'exact',
	runs text DEFAULT NULL,
	rank_basis text DEFAULT 'kept',
	percpos double precision DEFAULT NULL,
	pos_ref text DEFAULT 'min',
	margin_strict boolean DEFAULT false,
	teacher_scores text DEFAULT NULL,
	score_space text DEFAULT 'student',
	teacher_max double precision DEFAULT NULL,
	teacher_missing text DEFAULT 'drop',
	exclude text DEFAULT 'doc_id,text_hash',
	seed bigint DEFAULT 0,
	temperature double precision DEFAULT 0.05,
	simans_a double precision DEFAULT 0.5,
	simans_b double precision DEFAULT 0,
	simans_sign text DEFAULT 'paper',
	n_bins integer DEFAULT 10,
	backfill text DEFAULT 'none',
	random_negatives integer DEFAULT 0,
	exempt_positives boolean DEFAULT false,
	pool text DEFAULT 'global',
	false_negatives text DEFAULT 'none',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL)
RETURNS TABLE (
	query_id anyelement,
	positive_id anyelement,
	negative_id anyelement,
	negative_rank integer,
	kept_rank integer,
	negative_rank_raw integer,
	score real,
	positive_score real,
	source text,
	p_false_negative real,
	weight real,
	filter_trace integer)
AS 'MODULE_PATHNAME', 'hn_mine_hard_negatives'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION mine_hard_negatives(text, text, text, anyelement, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text) IS
'Hard-negative mining, a superset of sentence-transformers mine_hard_negatives with the same defaults: '
'candidates from exact dense search (pool range_max + max_positives) and/or runs, duplicate-aware '
'positive exclusion, teacher scores, score band, positive-anchored margins, rank window (kept|raw), '
'seeded sampling (top, uniform/random, top1_plus_uniform, softmax, simans, bins), flagged backfill and '
'STAR random mix; one row per (query, positive, negative) with provenance and ids of id_type. See docs/mining.md.';

CREATE FUNCTION mine_hard_negatives_stats(
	queries text,
	corpus text,
	qrels text,
	id_type anyelement,
	num_negatives integer DEFAULT 3,
	range_min integer DEFAULT 0,
	range_max integer DEFAULT NULL,
	max_score double precision DEFAULT NULL,
	min_score double precision DEFAULT NULL,
	absolute_margin double precision DEFAULT NULL,
	relative_margin double precision DEFAULT NULL,
	sampling_strategy text DEFAULT 'top',
	include_positives boolean DEFAULT false,
	metric text DEFAULT 'cosine',
	method text DEFAULT 'exact',
	runs text DEFAULT NULL,
	rank_basis text DEFAULT 'kept',
	percpos double precision DEFAULT NULL,
	pos_ref text DEFAULT 'min',
	margin_strict boolean DEFAULT false,
	teacher_scores text DEFAULT NULL,
	score_space text DEFAULT 'student',
	teacher_max double precision DEFAULT NULL,
	teacher_missing text DEFAULT 'drop',
	exclude text DEFAULT 'doc_id,text_hash',
	seed bigint DEFAULT 0,
	temperature double precision DEFAULT 0.05,
	simans_a double precision DEFAULT 0.5,
	simans_b double precision DEFAULT 0,
	simans_sign text DEFAULT 'paper',
	n_bins integer DEFAULT 10,
	backfill text DEFAULT 'none',
	random_negatives integer DEFAULT 0,
	exempt_positives boolean DEFAULT false,
	pool text DEFAULT 'global',
	false_negatives text DEFAULT 'none',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL)
RETURNS TABLE (step integer, item text, measure text, value double precision)
AS 'MODULE_PATHNAME', 'hn_mine_hard_negatives_stats'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION mine_hard_negatives_stats(text, text, text, anyelement, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text) IS
'Per-filter statistics of the mine_hard_negatives call with the same arguments (sentence-transformers '
'verbose output as rows): queries, candidates, removed / failed / removed_ratio per filter in pipeline '
'order, rank window, sampled, backfilled, missing, and count/mean/std/min/25%/50%/75%/max of the '
'positive, negative and difference scores.';

-- Output formats over a table that holds mine_hard_negatives() output
-- (CREATE TABLE mined AS SELECT * FROM mine_hard_negatives(...)).  They run as
-- the caller; the table name is a regclass, so it is quoted safely.  Like
-- mining itself they take id_type as an optional second argument (bigint
-- without it).

CREATE FUNCTION hard_negatives_ntuple(mined regclass, id_type anyelement,
	num_negatives integer DEFAULT NULL)
RETURNS TABLE (query_id anyelement, positive_id anyelement, negative_ids anyarray, scores real[])
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $fn$
DECLARE
	t text := pg_typeof(id_type)::text;
BEGIN
	RETURN QUERY EXECUTE format(
		'WITH g AS (
			SELECT m.query_id, m.positive_id,
				array_agg(m.negative_id ORDER BY m.negative_rank) AS negs,
				array_agg(m.score ORDER BY m.negative_rank) AS negscores,
				min(m.positive_score) AS ps
			FROM %s m GROUP BY m.query_id, m.positive_id)
		SELECT g.query_id::%s, g.positive_id::%s, g.negs::%s[], (ARRAY[g.ps] || g.negscores)::real[]
		FROM g
		WHERE cardinality(g.negs) >= coalesce($1, (SELECT max(cardinality(negs)) FROM g))
		ORDER BY 1, 2', mined, t, t, t)
	USING num_negatives;
END
$fn$;
COMMENT ON FUNCTION hard_negatives_ntuple(regclass, anyelement, integer) IS
'sentence-transformers n-tuple format of mined hard negatives: one row per (query, positive) with the '
'negative ids in rank order and scores [positive, negatives...]; rows with fewer than num_negatives '
'negatives are dropped (default: the largest count in the table)';

CREATE FUNCTION hard_negatives_ntuple(mined regclass, num_negatives integer DEFAULT NULL)
RETURNS TABLE (query_id bigint, positive_id bigint, negative_ids bigint[], scores real[])
LANGUAGE sql STABLE PARALLEL RESTRICTED
AS $fn$ SELECT * FROM hard_negatives_ntuple($1, NULL::bigint, $2) $fn$;
COMMENT ON FUNCTION hard_negatives_ntuple(regclass, integer) IS
'hard_negatives_ntuple for bigint ids';

CREATE FUNCTION hard_negatives_labeled_pairs(mined regclass, id_type anyelement)
RETURNS TABLE (query_id anyelement, positive_id anyelement, doc_id anyelement, label integer,
	score real, slot integer)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $fn$
DECLARE
	t text := pg_typeof(id_type)::text;
BEGIN
	RETURN QUERY EXECUTE format(
		'SELECT p.query_id::%1$s, p.positive_id::%1$s, p.positive_id::%1$s, 1, min(p.positive_score)::real, 0
		FROM %2$s p GROUP BY p.query_id, p.positive_id
		UNION ALL
		SELECT m.query_id::%1$s, m.positive_id::%1$s, m.negative_id::%1$s, 0, m.score, m.negative_rank
		FROM %2$s m
		ORDER BY 1, 2, 6', t, mined);
END
$fn$;
COMMENT ON FUNCTION hard_negatives_labeled_pairs(regclass, anyelement) IS
'sentence-transformers labeled-pair format: per (query, positive) the pair (query, positive, label 1) '
'then (query, negative, label 0) for each negative; score is the pair''s score (output_scores replaces '
'the label by it), slot orders the rows (0 = the positive, then negative_rank)';

CREATE FUNCTION hard_negatives_labeled_pairs(mined regclass)
RETURNS TABLE (query_id bigint, positive_id bigint, doc_id bigint, label integer, score real,
	slot integer)
LANGUAGE sql STABLE PARALLEL RESTRICTED
AS $fn$ SELECT * FROM hard_negatives_labeled_pairs($1, NULL::bigint) $fn$;
COMMENT ON FUNCTION hard_negatives_labeled_pairs(regclass) IS
'hard_negatives_labeled_pairs for bigint ids';

CREATE FUNCTION hard_negatives_labeled_lists(mined regclass, id_type anyelement)
RETURNS TABLE (query_id anyelement, positive_id anyelement, doc_ids anyarray, labels integer[],
	scores real[])
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $fn$
DECLARE
	t text := pg_typeof(id_type)::text;
BEGIN
	RETURN QUERY EXECUTE format(
		'SELECT m.query_id::%1$s, m.positive_id::%1$s,
			(ARRAY[m.positive_id] || array_agg(m.negative_id ORDER BY m.negative_rank))::%1$s[],
			ARRAY[1] || array_agg(0 ORDER BY m.negative_rank),
			(ARRAY[min(m.positive_score)] || array_agg(m.score ORDER BY m.negative_rank))::real[]
		FROM %2$s m GROUP BY m.query_id, m.positive_id
		ORDER BY 1, 2', t, mined);
END
$fn$;
COMMENT ON FUNCTION hard_negatives_labeled_lists(regclass, anyelement) IS
'sentence-transformers labeled-list format: per (query, positive) the documents [positive, negatives...] '
'with labels [1, 0...] and scores (output_scores replaces the labels by them); queries without '
'negatives have no row';

CREATE FUNCTION hard_negatives_labeled_lists(mined regclass)
RETURNS TABLE (query_id bigint, positive_id bigint, doc_ids bigint[], labels integer[],
	scores real[])
LANGUAGE sql STABLE PARALLEL RESTRICTED
AS $fn$ SELECT * FROM hard_negatives_labeled_lists($1, NULL::bigint) $fn$;
COMMENT ON FUNCTION hard_negatives_labeled_lists(regclass) IS
'hard_negatives_labeled_lists for bigint ids';

CREATE FUNCTION hard_negatives_jsonl(mined regclass, style text DEFAULT 'sentence-transformers',
	query_texts text DEFAULT NULL, doc_texts text DEFAULT NULL, output_scores boolean DEFAULT false)
RETURNS SETOF text
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $fn$
DECLARE
	qt text := coalesce(query_texts, 'SELECT NULL::text AS id, NULL::text AS text WHERE false');
	dt text := coalesce(doc_texts, 'SELECT NULL::text AS id, NULL::text AS text, NULL::text AS title WHERE false');
	body text;
BEGIN
	IF style NOT IN ('sentence-transformers', 'flagembedding', 'tevatron') THEN
		RAISE EXCEPTION 'hard_negatives_jsonl: unknown style "%"', style
			USING ERRCODE = '22023',
				HINT = 'Valid styles are ''sentence-transformers'', ''flagembedding'' and ''tevatron''.';
	END IF;
	IF doc_texts IS NOT NULL AND style <> 'tevatron' THEN
		dt := format('SELECT d.id, d.text, NULL::text AS title FROM (%s) d', doc_texts);
	ELSIF doc_texts IS NOT NULL THEN
		-- Tevatron passages have a title: use the column when the query returns one
		dt := format('SELECT d.id, d.text, to_jsonb(d) ->> ''title'' AS title FROM (%s) d', doc_texts);
	END IF;
	-- texts default to the ids when no text query is given
	body := format($q$
		WITH m AS (SELECT * FROM %s),
		qt AS (SELECT q.id::text AS id, q.text::text AS text FROM (%s) q),
		dt AS (SELECT d.id::text AS id, d.text::text AS text, d.title::text AS title FROM (%s) d),
		r AS (
			SELECT m.*, coalesce(qt.text, m.query_id::text) AS qtext,
				coalesce(pt.text, m.positive_id::text) AS ptext, pt.title AS ptitle,
				coalesce(nt.text, m.negative_id::text) AS ntext, nt.title AS ntitle
			FROM m
			LEFT JOIN qt ON qt.id = m.query_id::text
			LEFT JOIN dt pt ON pt.id = m.positive_id::text
			LEFT JOIN dt nt ON nt.id = m.negative_id::text)
		$q$, mined, qt, dt);
	IF style = 'sentence-transformers' THEN
		RETURN QUERY EXECUTE body || format($q$
			SELECT (jsonb_build_object('anchor', qtext, 'positive', ptext, 'negative', ntext)
				|| CASE WHEN %L THEN jsonb_build_object('scores', jsonb_build_array(positive_score, score))
					ELSE '{}'::jsonb END)::text
			FROM r ORDER BY query_id, positive_id, negative_rank $q$, output_scores);
	ELSIF style = 'flagembedding' THEN
		RETURN QUERY EXECUTE body || format($q$
			SELECT (jsonb_build_object('query', min(qtext),
					'pos', (SELECT jsonb_agg(DISTINCT x.ptext) FROM r x WHERE x.query_id = r.query_id),
					'neg', jsonb_agg(ntext ORDER BY negative_rank) FILTER (WHERE positive_id = first_pos))
				|| CASE WHEN %L THEN jsonb_build_object(
					'pos_scores', (SELECT jsonb_agg(s.ps ORDER BY s.ptext) FROM
						(SELECT DISTINCT x.ptext, x.positive_score AS ps FROM r x WHERE x.query_id = r.query_id) s),
					'neg_scores', jsonb_agg(score ORDER BY negative_rank) FILTER (WHERE positive_id = first_pos))
					ELSE '{}'::jsonb END)::text
			FROM (SELECT r.*, min(positive_id) OVER (PARTITION BY query_id) AS first_pos FROM r) r
			GROUP BY query_id ORDER BY query_id $q$, output_scores);
	ELSE
		RETURN QUERY EXECUTE body || $q$
			SELECT jsonb_build_object('query_id', query_id::text, 'query', min(qtext),
				'positive_passages', (SELECT jsonb_agg(DISTINCT jsonb_build_object('docid', x.positive_id::text,
					'title', coalesce(x.ptitle, ''), 'text', x.ptext)) FROM r x WHERE x.query_id = r.query_id),
				'negative_passages', jsonb_agg(jsonb_build_object('docid', negative_id::text,
					'title', coalesce(ntitle, ''), 'text', ntext) ORDER BY negative_rank)
					FILTER (WHERE positive_id = first_pos))::text
			FROM (SELECT r.*, min(positive_id) OVER (PARTITION BY query_id) AS first_pos FROM r) r
			GROUP BY query_id ORDER BY query_id $q$;
	END IF;
END
$fn$;
COMMENT ON FUNCTION hard_negatives_jsonl(regclass, text, text, text, boolean) IS
'JSON lines of mined hard negatives in the shape of sentence-transformers (anchor/positive/negative '
'triplets, optional scores), FlagEmbedding (query/pos/neg, optional pos_scores/neg_scores) or Tevatron '
'(query_id/query/positive_passages/negative_passages with docid/title/text); texts come from the '
'optional query_texts and doc_texts queries (columns id, text, and title for Tevatron), else the ids';
-- Ranking metrics identical to trec_eval 10.0 (docs/metrics.md).

CREATE FUNCTION trec_eval(run text, qrels text, measures text[] DEFAULT '{official}',
	per_query boolean DEFAULT true, complete boolean DEFAULT false,
	relevance_level integer DEFAULT 1, judged_only boolean DEFAULT false,
	max_rank integer DEFAULT NULL,
	OUT measure text, OUT query_id text, OUT value double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hn_trec_eval'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION trec_eval(text, text, text[], boolean, boolean, integer, boolean, integer) IS
	'The rows of trec_eval -q (per query, then query_id ''all''). run: a query returning query_id, doc_id, score; qrels: query_id, doc_id, relevance (integer). Ids compare as text in C byte order; ties rank by doc_id descending. complete, relevance_level, judged_only, max_rank are trec_eval -c, -l, -J, -M. Measures: trec_eval names (map, P.5,10, ndcg_cut.10, ndcg.1=1,2=3, all_trec, official, set) and ir_measures names (AP, nDCG@10, P@5, R@100, RR@10, Judged@10, ...). See docs/metrics.md.';

CREATE FUNCTION compare_runs(runs text, qrels text, measure text DEFAULT 'map',
	test text DEFAULT 'ttest', baseline text DEFAULT NULL, resamples integer DEFAULT 10000,
	seed bigint DEFAULT 0, confidence double precision DEFAULT 0.95,
	complete boolean DEFAULT false, relevance_level integer DEFAULT 1,
	judged_only boolean DEFAULT false, max_rank integer DEFAULT NULL,
	OUT baseline_run text, OUT run_id text, OUT measure text, OUT queries integer,
	OUT mean_baseline double precision, OUT mean_run double precision,
	OUT difference double precision, OUT p_value double precision, OUT p_holm double precision,
	OUT ci_low double precision, OUT ci_high double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hn_compare_runs'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION compare_runs(text, text, text, text, text, integer, bigint, double precision, boolean, integer, boolean, integer) IS
	'Compares runs with a baseline on one measure, paired by query. runs: a query returning run_id, query_id, doc_id, score (all runs in one query); qrels: query_id, doc_id, relevance. One row per non-baseline run: means over the paired queries, difference (run - baseline), two-sided p-value, Holm-adjusted p-value over all comparisons, and a confidence interval of the difference. test: ttest (paired Student t, t interval), randomization (Fisher sign flips, p = (hits+1)/(resamples+1), bootstrap interval) or bootstrap (percentile interval, shift-method p). Seeded: same seed, same result. Evaluation flags as in trec_eval(). See docs/metrics.md.';

-- Per-query aggregates over ranked rows (GROUP BY query).  States are
-- double precision[3] so partial aggregates can be shipped (parallel
-- workers, Citus); see docs/metrics.md for the state layouts.

CREATE FUNCTION hn_rr_trans(double precision[], bigint, boolean) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_rr_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_rr_trans(double precision[], bigint, boolean) IS
	'Transition of reciprocal_rank: state [best relevant rank or 0, 0, 0]';
CREATE FUNCTION hn_rr_combine(double precision[], double precision[]) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_rr_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_rr_combine(double precision[], double precision[]) IS
	'Combine function of reciprocal_rank: the better relevant rank';
CREATE FUNCTION hn_rr_final(double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'hn_rr_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_rr_final(double precision[]) IS
	'Final function of reciprocal_rank: 1 / best relevant rank, 0 if none';
CREATE AGGREGATE reciprocal_rank(rank bigint, relevant boolean) (
	SFUNC = hn_rr_trans, STYPE = double precision[], INITCOND = '{0,0,0}',
	COMBINEFUNC = hn_rr_combine, FINALFUNC = hn_rr_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE reciprocal_rank(bigint, boolean) IS
	'Reciprocal rank of a query''s ranked rows: 1 / the smallest rank with relevant = true, 0 if none (trec_eval recip_rank when ranks follow its tie order)';

CREATE FUNCTION hn_hits_trans(double precision[], bigint, boolean, integer) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_hits_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_hits_trans(double precision[], bigint, boolean, integer) IS
	'Transition of precision_at_k: state [relevant rows with rank <= k, 0, k]';
CREATE FUNCTION hn_hits_trans(double precision[], bigint, boolean, integer, bigint) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_hits_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_hits_trans(double precision[], bigint, boolean, integer, bigint) IS
	'Transition of recall_at_k: state [relevant rows with rank <= k, num_relevant, k]';
CREATE FUNCTION hn_sum_combine(double precision[], double precision[]) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_sum_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_sum_combine(double precision[], double precision[]) IS
	'Combine function of precision_at_k, recall_at_k, ndcg_at_k: adds the first slot, checks the others agree';
CREATE FUNCTION hn_precision_final(double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'hn_precision_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_precision_final(double precision[]) IS 'Final function of precision_at_k: hits / k';
CREATE FUNCTION hn_recall_final(double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'hn_recall_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_recall_final(double precision[]) IS 'Final function of recall_at_k: hits / num_relevant, 0 if none';
CREATE AGGREGATE precision_at_k(rank bigint, relevant boolean, k integer) (
	SFUNC = hn_hits_trans, STYPE = double precision[], INITCOND = '{0,0,0}',
	COMBINEFUNC = hn_sum_combine, FINALFUNC = hn_precision_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE precision_at_k(bigint, boolean, integer) IS
	'P@k of a query''s ranked rows: relevant rows with rank <= k, divided by k (trec_eval P.k: a short list counts as padded)';
CREATE AGGREGATE recall_at_k(rank bigint, relevant boolean, k integer, num_relevant bigint) (
	SFUNC = hn_hits_trans, STYPE = double precision[], INITCOND = '{0,0,0}',
	COMBINEFUNC = hn_sum_combine, FINALFUNC = hn_recall_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE recall_at_k(bigint, boolean, integer, bigint) IS
	'Recall@k of a query''s ranked rows: relevant rows with rank <= k divided by num_relevant (the query''s relevant judgments, retrieved or not); 0 when num_relevant = 0';

CREATE FUNCTION hn_ndcg_trans(double precision[], bigint, double precision, integer, double precision[])
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_ndcg_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_ndcg_trans(double precision[], bigint, double precision, integer, double precision[]) IS
	'Transition of ndcg_at_k: state [DCG@k, IDCG@k, k]';
CREATE FUNCTION hn_ndcg_final(double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'hn_ndcg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_ndcg_final(double precision[]) IS 'Final function of ndcg_at_k: DCG@k / IDCG@k, 0 if IDCG is 0';
CREATE AGGREGATE ndcg_at_k(rank bigint, gain double precision, k integer, ideal_gains double precision[]) (
	SFUNC = hn_ndcg_trans, STYPE = double precision[], INITCOND = '{0,0,0}',
	COMBINEFUNC = hn_sum_combine, FINALFUNC = hn_ndcg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE ndcg_at_k(bigint, double precision, integer, double precision[]) IS
	'nDCG@k of a query''s ranked rows: sum of gain / log2(rank + 1) over ranks <= k, divided by the same sum over ideal_gains (all the query''s judged grades, any order) sorted best first; linear gains as trec_eval ndcg_cut.k';
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
-- The internal argument keeps them from being called from SQL.
CREATE FUNCTION hardneg_ivfsq_l2_support(internal) RETURNS integer
	AS 'MODULE_PATHNAME', 'hardneg_ivfsq_l2_support'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hardneg_ivfsq_l2_support(internal) IS
	'ivfsq support function: the operator class indexes Euclidean distance';
CREATE FUNCTION hardneg_ivfsq_ip_support(internal) RETURNS integer
	AS 'MODULE_PATHNAME', 'hardneg_ivfsq_ip_support'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hardneg_ivfsq_ip_support(internal) IS
	'ivfsq support function: the operator class indexes negative inner product';
CREATE FUNCTION hardneg_ivfsq_cosine_support(internal) RETURNS integer
	AS 'MODULE_PATHNAME', 'hardneg_ivfsq_cosine_support'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hardneg_ivfsq_cosine_support(internal) IS
	'ivfsq support function: the operator class indexes cosine distance';

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
-- False negatives and pooling bias (SPEC 4.3; mining.md F4-F6, F12).
-- Inputs are query strings run as the caller; see docs/false-negatives.md.
--
-- Functions that return ids come in two forms sharing one C function: the
-- plain form returns bigint ids; the typed form takes every parameter plus a
-- last "id_type anyelement" (e.g. NULL::text) and returns ids of that type.
-- PostgreSQL fixes a polymorphic result type at parse time, before defaults
-- are inserted, so a defaulted id_type cannot work; and a typed form with
-- defaults would make positional calls ambiguous.

CREATE FUNCTION pool_propensity(
	qrels text,
	pooled_runs text,
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	relevance_level int DEFAULT 1,
	OUT run_id text, OUT bucket int, OUT rank_lo int, OUT rank_hi int,
	OUT n_docs bigint, OUT n_judged bigint, OUT n_relevant bigint, OUT pi double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_pool_propensity'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pool_propensity(text, text, int[], int) IS
	'Judging rate of each pooled run per rank bucket: pi = judged / retrieved among the run''s documents at ranks rank_lo..rank_hi (rank_hi NULL: no upper end). qrels: query_id, doc_id[, relevance] (relevance < 0 = pooled but unjudged); pooled_runs: query_id, doc_id, score[, run_id], ranked by score descending, ties by doc id.';

CREATE FUNCTION pool_propensity_docs(
	qrels text,
	pooled_runs text,
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT relevance int, OUT pi double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_pool_propensity_docs'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pool_propensity_docs(text, text, int[], int) IS
	'Per (query, doc) retrieved by a pooled run: the probability that it was judged, pi = 1 - prod over runs (1 - pi_run(bucket of its rank)), assuming runs select independently; relevance is its qrels value (NULL: not in the qrels).';

CREATE FUNCTION pool_propensity_docs(
	qrels text,
	pooled_runs text,
	bucket_edges int[],
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT relevance int, OUT pi double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_pool_propensity_docs'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pool_propensity_docs(text, text, int[], int, anyelement) IS
	'pool_propensity_docs with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION fn_weights(
	candidates text,
	qrels text,
	pooled_runs text DEFAULT NULL,
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	prior_alpha double precision DEFAULT 1,
	prior_beta double precision DEFAULT 1,
	fn_threshold double precision DEFAULT 0.5,
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT rank int, OUT score double precision,
	OUT relevance int, OUT bucket int, OUT pi double precision, OUT rho double precision,
	OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_fn_weights'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION fn_weights(text, text, text, int[], double precision, double precision, double precision, int) IS
	'Propensity-based false-negative probability of each candidate (query_id, doc_id, score[, rank]; include the known positives): rho = Beta(prior_alpha, prior_beta)-smoothed relevant rate among judged candidates of its rank bucket, pi = its judging probability from pooled_runs (without them: 1 if judged, else 0), p_false_negative = rho (1 - pi) / (1 - rho pi) for unjudged candidates, 0 for judged non-relevant, 1 for known positives; weight = 1 - p; dropped when a known positive or p > fn_threshold. Assumes judging is missing at random within a bucket.';

CREATE FUNCTION fn_weights(
	candidates text,
	qrels text,
	pooled_runs text,
	bucket_edges int[],
	prior_alpha double precision,
	prior_beta double precision,
	fn_threshold double precision,
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT rank int, OUT score double precision,
	OUT relevance int, OUT bucket int, OUT pi double precision, OUT rho double precision,
	OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_fn_weights'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION fn_weights(text, text, text, int[], double precision, double precision, double precision, int, anyelement) IS
	'fn_weights with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION knn_noise_flags(
	candidates text,
	qrels text,
	queries text,
	corpus text,
	k int DEFAULT 10,
	doc_k int DEFAULT 3,
	metric text DEFAULT 'cosine',
	fn_threshold double precision DEFAULT 0.5,
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT rank int, OUT score double precision,
	OUT relevance int, OUT votes_query int, OUT votes_doc int, OUT n_doc_voters int,
	OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_knn_noise_flags'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION knn_noise_flags(text, text, text, text, int, int, text, double precision, int) IS
	'kNN false-negative flags for each unjudged candidate (q, d): votes_query = how many of the k labelled queries nearest to q have d as a positive (label transfer), votes_doc = how many of the doc_k judged documents of q nearest to d are relevant (of n_doc_voters); p_false_negative = max(votes_query / k, votes_doc / n_doc_voters); dropped when a known positive or p > fn_threshold. queries and corpus: id, embedding.';

CREATE FUNCTION knn_noise_flags(
	candidates text,
	qrels text,
	queries text,
	corpus text,
	k int,
	doc_k int,
	metric text,
	fn_threshold double precision,
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT rank int, OUT score double precision,
	OUT relevance int, OUT votes_query int, OUT votes_doc int, OUT n_doc_voters int,
	OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_knn_noise_flags'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION knn_noise_flags(text, text, text, text, int, int, text, double precision, int, anyelement) IS
	'knn_noise_flags with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION denoise(
	candidates text,
	teacher_scores text,
	qrels text DEFAULT NULL,
	neg_max double precision DEFAULT 0.1,
	pos_min double precision DEFAULT 0.9,
	scan_depth int DEFAULT 50,
	calibrate text DEFAULT 'none',
	teacher_missing text DEFAULT 'keep',
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT rank int, OUT score double precision,
	OUT relevance int, OUT teacher_score double precision,
	OUT p_false_negative double precision, OUT weight double precision,
	OUT label text, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_denoise'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION denoise(text, text, text, double precision, double precision, int, text, text, int) IS
	'Teacher denoising (RocketQA): within rank scan_depth (NULL: all), an unjudged candidate stays a negative iff the teacher''s probability of relevance p < neg_max; p >= pos_min on a query without known positives makes a pseudo_positive. p is the teacher score itself (calibrate => ''none'', must be in [0, 1]) or a Platt fit on the judged pairs of qrels (''platt''). teacher_scores: query_id, doc_id, score; teacher_missing ''keep'' or ''drop''. label: positive, judged_negative, negative, dropped, pseudo_positive, no_teacher, beyond_scan.';

CREATE FUNCTION denoise(
	candidates text,
	teacher_scores text,
	qrels text,
	neg_max double precision,
	pos_min double precision,
	scan_depth int,
	calibrate text,
	teacher_missing text,
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT rank int, OUT score double precision,
	OUT relevance int, OUT teacher_score double precision,
	OUT p_false_negative double precision, OUT weight double precision,
	OUT label text, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_denoise'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION denoise(text, text, text, double precision, double precision, int, text, text, int, anyelement) IS
	'denoise with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION pooling_report(
	run text,
	qrels text,
	k int[] DEFAULT '{5,10,20,100}',
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	relevance_level int DEFAULT 1,
	OUT run_id text, OUT scope text, OUT rank_lo int, OUT rank_hi int,
	OUT n_queries bigint, OUT n_docs bigint, OUT n_judged bigint, OUT n_relevant bigint,
	OUT judged double precision, OUT relevant_among_judged double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_pooling_report'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pooling_report(text, text, int[], int[], int) IS
	'How much of each run was judged: scope ''top'' rows give judged@k for each cutoff k (mean over the run''s queries of judged / min(k, retrieved); 1 - judged is trec_eval unj.k when every query retrieves k), scope ''bucket'' rows the judged share of all documents at ranks rank_lo..rank_hi. Judged = in the qrels with relevance >= 0. run: query_id, doc_id, score[, run_id].';

CREATE FUNCTION fn_scores(
	candidates text,
	qrels text,
	methods text DEFAULT 'propensity,knn',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL,
	queries text DEFAULT NULL,
	corpus text DEFAULT NULL,
	teacher_scores text DEFAULT NULL,
	calibrate text DEFAULT 'none',
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	prior_alpha double precision DEFAULT 1,
	prior_beta double precision DEFAULT 1,
	k int DEFAULT 10,
	doc_k int DEFAULT 3,
	metric text DEFAULT 'cosine',
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT rank int, OUT score double precision,
	OUT relevance int, OUT p_propensity double precision, OUT p_knn double precision,
	OUT p_teacher double precision, OUT p_false_negative double precision,
	OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_fn_scores'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION fn_scores(text, text, text, double precision, text, text, text, text, text, int[], double precision, double precision, int, int, text, int) IS
	'Several false-negative estimators on one candidate table (query_id, doc_id, score[, rank]; include the known positives), through the calls mine_hard_negatives makes: methods is a comma-separated list of propensity (as fn_weights, with pooled_runs), knn (as knn_noise_flags: queries, corpus, k, doc_k, metric) and teacher (the teacher probability of denoise: teacher_scores, calibrate none or platt); p_false_negative is the maximum of the estimators that had evidence (NULL columns: not run or no teacher score), 0 for judged non-relevant, 1 for known positives; weight = 1 - p; dropped when a known positive or p > fn_threshold.';

CREATE FUNCTION fn_scores(
	candidates text,
	qrels text,
	methods text,
	fn_threshold double precision,
	pooled_runs text,
	queries text,
	corpus text,
	teacher_scores text,
	calibrate text,
	bucket_edges int[],
	prior_alpha double precision,
	prior_beta double precision,
	k int,
	doc_k int,
	metric text,
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT rank int, OUT score double precision,
	OUT relevance int, OUT p_propensity double precision, OUT p_knn double precision,
	OUT p_teacher double precision, OUT p_false_negative double precision,
	OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_fn_scores'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION fn_scores(text, text, text, double precision, text, text, text, text, text, int[], double precision, double precision, int, int, text, int, anyelement) IS
	'fn_scores with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';
