-- pgTAP: interoperation with pgvector (the anchor), when it is installed.
-- vector and embedding share one on-disk layout, so the casts between them
-- are binary coercions: created by CREATE EXTENSION hardneg when pgvector is
-- already there, or by hardneg's event trigger (hardneg_pgvector()) when it
-- comes later; hardneg_vector_casts() still creates and drops them by hand.
\setenv HN_TESTDATA :HN_TESTDATA
BEGIN;
SELECT plan(28);
SELECT count(*) > 0 AS have_vector FROM pg_available_extensions WHERE name = 'vector' \gset
\if :have_vector

CREATE FUNCTION pg_temp.vector_casts() RETURNS TABLE (source regtype, target regtype, method "char",
	context "char", member boolean) LANGUAGE sql AS $$
	SELECT c.castsource::regtype, c.casttarget::regtype, c.castmethod, c.castcontext,
		   EXISTS (SELECT 1 FROM pg_depend d
					WHERE d.classid = 'pg_cast'::regclass AND d.objid = c.oid AND d.deptype = 'e')
	  FROM pg_cast c
	 WHERE (c.castsource = to_regtype('vector') AND c.casttarget = to_regtype('embedding'))
		OR (c.castsource = to_regtype('embedding') AND c.casttarget = to_regtype('vector'))
	 ORDER BY c.castsource::regtype::text
$$;

-- pgvector first, hardneg second: the casts come with CREATE EXTENSION
DROP EXTENSION hardneg;
CREATE EXTENSION vector;
CREATE EXTENSION hardneg;
SELECT results_eq($$SELECT source::text, target::text, method, context, member FROM pg_temp.vector_casts()$$,
	-- type names as format_type prints them: qualified when hardneg's schema is off the path
	$$VALUES ('embedding'::regtype::text, 'vector', 'b'::"char", 'a'::"char", true),
			 ('vector', 'embedding'::regtype::text, 'b'::"char", 'i'::"char", true)$$,
	'CREATE EXTENSION hardneg after pgvector creates both binary-coercible casts, members of hardneg (pg_dump leaves them out)');

CREATE TEMP TABLE pv_vec (id int, dim int, source text, v_text text);
\copy pv_vec FROM PROGRAM 'cat "$HN_TESTDATA/emb_vectors.tsv"'
CREATE TEMP TABLE pv_pair (a int, b int);
\copy pv_pair FROM PROGRAM 'cut -f1,2 "$HN_TESTDATA/emb_pairs.tsv"'
CREATE TEMP TABLE pv AS
SELECT id, source, ('[' || btrim(v_text, '{}') || ']')::vector AS v,
	('[' || btrim(v_text, '{}') || ']')::embedding AS e
  FROM pv_vec WHERE dim <= 16000;

SELECT is((SELECT count(*) FROM pv WHERE v::embedding <> e), 0::bigint,
	'vector -> embedding gives what the same text gives (every test vector)');
SELECT is((SELECT count(*) FROM pv WHERE e::vector::text <> v::text), 0::bigint,
	'embedding -> vector gives what the same text gives');
SELECT is((SELECT count(*) FROM pv WHERE e::text <> v::text), 0::bigint,
	'text output is character for character pgvector''s');
SELECT is((SELECT count(*) FROM pv WHERE embedding_send(e) <> vector_send(v)), 0::bigint,
	'binary output is byte for byte pgvector''s');
-- compared as text: pgTAP's is() looks = up on the path, which need not list hardneg's schema
SELECT is('[1,2,3]'::vector(3)::embedding(3)::text, '[1,2,3]'::embedding::text, 'vector(3) -> embedding(3)');
SELECT throws_ok($$SELECT '[1,2]'::vector::embedding(3)$$, '22000', NULL,
	'vector -> embedding(3) still checks the dimension');
CREATE TEMP TABLE pv_col (v vector(3), e embedding(3));
INSERT INTO pv_col VALUES ('[1,2,3]'::embedding, '[4,5,6]'::vector);
SELECT is((SELECT v::text || e::text FROM pv_col), '[1,2,3][4,5,6]',
	'assignment casts both ways on INSERT');
SELECT is((SELECT pg_typeof(v <-> '[1,1,1]'::embedding)::text || ' ' || (v <-> '[1,1,1]'::embedding)::text FROM pv_col),
	'double precision 2.23606797749979', 'vector <-> embedding resolves (vector is cast implicitly)');
SELECT is((SELECT (v <-> v)::text FROM pv_col), '0', 'vector <-> vector still resolves (pgvector''s own)');

-- distances and aggregates agree with pgvector's on the Cranfield pairs
SELECT is((SELECT count(*) FROM pv_pair p JOIN pv x ON x.id = p.a JOIN pv y ON y.id = p.b
		   WHERE x.source LIKE 'cranfield%'
			 AND abs((x.e <-> y.e) - (x.v <-> y.v)) <= 1e-5 * (x.v <-> y.v)
			 AND abs((x.e <#> y.e) - (x.v <#> y.v)) <= 1e-5 * vector_norm(x.v) * vector_norm(y.v)
			 AND abs((x.e <=> y.e) - (x.v <=> y.v)) <= 1e-5
			 AND abs((x.e <+> y.e) - (x.v <+> y.v)) <= 1e-5 * (x.v <+> y.v)
			 AND abs(embedding_norm(x.e) - vector_norm(x.v)) <= 1e-5 * vector_norm(x.v)
			 AND l2_normalize(x.e) <-> l2_normalize(x.v)::embedding <= 1e-5
			 AND subvector(x.e, 3, 7) = subvector(x.v, 3, 7)::embedding
			 AND (x.e + y.e) = (x.v + y.v)::embedding AND (x.e - y.e) = (x.v - y.v)::embedding
			 AND (x.e * y.e) = (x.v * y.v)::embedding AND (x.e || y.e) = (x.v || y.v)::embedding),
	(SELECT count(*) FROM pv_pair p JOIN pv x ON x.id = p.a WHERE x.source LIKE 'cranfield%'),
	'every operator and function agrees with pgvector''s on the Cranfield pairs (1e-5)');
SELECT is((SELECT count(*) FROM (SELECT sum(e) AS se, sum(v) AS sv, avg(e) AS ae, avg(v) AS av
								  FROM pv WHERE source = 'cranfield_doc' GROUP BY id % 5) g
		   WHERE se <-> sv::embedding <= 1e-5 * embedding_norm(se) AND ae <-> av::embedding <= 1e-5 * embedding_norm(ae)),
	5::bigint, 'sum() and avg() agree with pgvector''s on Cranfield (1e-5 of the norm)');

-- hardneg first, pgvector later: the event trigger, or one documented call
SET LOCAL client_min_messages = warning;
DROP EXTENSION vector CASCADE;
RESET client_min_messages;
SELECT is((SELECT count(*) FROM pg_extension WHERE extname = 'hardneg'), 1::bigint,
	'DROP EXTENSION vector CASCADE leaves hardneg installed');
SELECT is((SELECT count(*) FROM pg_cast WHERE castsource = 'embedding'::regtype AND castmethod = 'b'), 0::bigint,
	'and drops the casts');
SELECT ok(NOT hardneg_vector_casts('drop'), 'hardneg_vector_casts(''drop'') without pgvector does nothing');
SELECT throws_ok($$SELECT hardneg_vector_casts('remove')$$, '22023', NULL, 'an unknown action is rejected');
SELECT throws_ok('SELECT hardneg_vector_casts()', '42704', 'pgvector is not installed in this database',
	'hardneg_vector_casts() without pgvector explains itself');
CREATE EXTENSION vector;
SELECT is((SELECT count(*) FROM pg_temp.vector_casts()), 2::bigint,
	'CREATE EXTENSION vector after hardneg creates the casts by itself');
SELECT ok(hardneg_vector_casts(), 'hardneg_vector_casts() succeeds');
SELECT results_eq($$SELECT source::text, target::text, method, context, member FROM pg_temp.vector_casts()$$,
	-- type names as format_type prints them: qualified when hardneg's schema is off the path
	$$VALUES ('embedding'::regtype::text, 'vector', 'b'::"char", 'a'::"char", true),
			 ('vector', 'embedding'::regtype::text, 'b'::"char", 'i'::"char", true)$$,
	'the event trigger created both binary-coercible casts, members of hardneg');
SELECT lives_ok('SELECT hardneg_vector_casts()', 'calling it again is harmless');
SELECT is((SELECT count(*) FROM pg_temp.vector_casts()), 2::bigint, 'still exactly two casts');
SELECT is('[1.5,-2]'::vector::embedding::text, '[1.5,-2]'::embedding::text, 'the late cast converts');
DROP TABLE pv, pv_col;
SELECT is((SELECT count(*) FROM pg_temp.vector_casts()), 2::bigint, 'the casts are there before DROP EXTENSION');
SELECT lives_ok('DROP EXTENSION hardneg', 'the casts do not block DROP EXTENSION hardneg: they go with it');
SELECT is((SELECT count(*) FROM pg_cast c JOIN pg_type t ON t.oid = c.casttarget
			WHERE c.castsource = 'vector'::regtype AND t.typname = 'embedding'), 0::bigint,
	'no cast to embedding is left behind');
CREATE EXTENSION hardneg;
SELECT ok(hardneg_vector_casts('drop'), 'hardneg_vector_casts(''drop'') still drops the casts on request');
SELECT is((SELECT v::text FROM (SELECT '[7,8]'::vector AS v) s), '[7,8]', 'pgvector keeps working');

\else
SELECT skip('pgvector (extension "vector") is not installed on this server', 28);
\endif

SELECT * FROM finish();
ROLLBACK;
