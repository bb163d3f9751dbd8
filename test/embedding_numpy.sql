-- pgTAP: every embedding operator, function and aggregate against numpy
-- (test/prepare.d/embedding.py) on the real Cranfield USE-lite embeddings
-- (512-d) and on random vectors of 1, 3, 15, 16, 17, 1023 and 16000
-- dimensions, for every SIMD variant this CPU supports.
--
-- Tolerance: 1e-5.  L2, L1 and norms are sums of non-negative terms and are
-- compared relative to numpy's value.  A dot product can be near zero through
-- cancellation, where float32 arithmetic has no meaningful relative error; it
-- is compared relative to its natural scale |a|*|b| (for cosine distance that
-- scale is 1, so the error is absolute).
\setenv HN_TESTDATA :HN_TESTDATA
BEGIN;
SELECT plan(54);

CREATE TEMP TABLE emb_vec (id int, dim int, source text, v_text text);
\copy emb_vec FROM PROGRAM 'cat "$HN_TESTDATA/emb_vectors.tsv"'
CREATE TEMP TABLE emb_pair (a int, b int, l2 float8, ip float8, cos float8, l1 float8,
	na float8, nb float8, nab float8, add real[], sub real[], mul real[], l2n real[]);
\copy emb_pair FROM PROGRAM 'cat "$HN_TESTDATA/emb_pairs.tsv"'
CREATE TEMP TABLE emb_group (key text, n int, sum real[], avg real[], scale float8[]);
\copy emb_group FROM PROGRAM 'cat "$HN_TESTDATA/emb_groups.tsv"'

-- v: numpy's vector read by PostgreSQL's own float4in; e: read by hardneg
CREATE TEMP TABLE ev AS
SELECT id, dim, source, v_text, v_text::real[] AS v,
	('[' || btrim(v_text, '{}') || ']')::embedding AS e
  FROM emb_vec;

SELECT cmp_ok((SELECT count(*) FROM ev WHERE source = 'cranfield_doc'), '=', 1400::bigint,
	'all 1400 Cranfield document embeddings are loaded');
SELECT is((SELECT count(*) FROM ev WHERE embedding_dims(e) <> dim OR cardinality(v) <> dim), 0::bigint,
	'embedding_dims() is the dimension numpy wrote, for every vector');
SELECT is((SELECT count(*) FROM ev WHERE e::real[] <> v), 0::bigint,
	'text input parses numpy''s shortest decimals to the same floats as float4in');
SELECT is((SELECT count(*) FROM ev WHERE v::embedding::real[] <> v), 0::bigint,
	'real[] -> embedding -> real[] is exact');
SELECT is((SELECT count(*) FROM ev WHERE e::text <> translate(v::text, '{}', '[]')), 0::bigint,
	'text output prints each element exactly as real''s shortest round-trip output');
SELECT is((SELECT count(*) FROM ev WHERE e::text::embedding::real[] <> v), 0::bigint,
	'text output reads back to the same floats');
SELECT is((SELECT count(*) FROM ev WHERE v::float8[]::embedding::real[] <> v), 0::bigint,
	'double precision[] -> embedding keeps every float4 value');
SELECT is((SELECT count(*) FROM ev WHERE v_text::numeric[]::embedding::real[] <> v), 0::bigint,
	'numeric[] of numpy''s decimals -> embedding gives the floats float4in gives');

-- Distances for every variant: the worst error over all pairs, per measure.
CREATE TEMP TABLE err (variant text, measure text, err float8);
CREATE FUNCTION pg_temp.measure_errors(variant text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('hardneg.simd', variant, true);
	INSERT INTO err
	SELECT variant, m.measure, m.err
	  FROM (SELECT
			max(abs((x.e <-> y.e) - p.l2) / greatest(p.l2, 1e-30)) AS l2_op,
			max(abs(l2_distance(x.e, y.e) - p.l2) / greatest(p.l2, 1e-30)) AS l2_fn,
			max(abs(embedding_l2_squared_distance(x.e, y.e) - p.l2 ^ 2) / greatest(p.l2 ^ 2, 1e-30)) AS l2sq_fn,
			max(abs(-(x.e <#> y.e) - p.ip) / p.nab) AS ip_op,
			max(abs(inner_product(x.e, y.e) - p.ip) / p.nab) AS ip_fn,
			max(abs((x.e <=> y.e) - p.cos)) AS cos_op,
			max(abs(cosine_distance(x.e, y.e) - p.cos)) AS cos_fn,
			max(abs((x.e <+> y.e) - p.l1) / greatest(p.l1, 1e-30)) AS l1_op,
			max(abs(l1_distance(x.e, y.e) - p.l1) / greatest(p.l1, 1e-30)) AS l1_fn,
			max(abs(embedding_norm(x.e) - p.na) / p.na) AS norm_fn,
			max((SELECT max(abs(g - r)) FROM unnest(l2_normalize(x.e)::real[], p.l2n) u(g, r))) AS normalize_fn
		  FROM emb_pair p JOIN ev x ON x.id = p.a JOIN ev y ON y.id = p.b) s,
		LATERAL (VALUES ('<->', l2_op), ('l2_distance', l2_fn), ('embedding_l2_squared_distance', l2sq_fn),
					   ('<#>', ip_op), ('inner_product', ip_fn), ('<=>', cos_op), ('cosine_distance', cos_fn),
					   ('<+>', l1_op), ('l1_distance', l1_fn), ('embedding_norm', norm_fn),
					   ('l2_normalize', normalize_fn)) m(measure, err);
END
$$;
SELECT pg_temp.measure_errors(variant) FROM hardneg_simd_variants() WHERE supported;
RESET hardneg.simd;

SELECT CASE WHEN s.supported
	THEN cmp_ok(e.err, '<=', 1e-5::float8, format('%s (%s kernels) agrees with numpy within 1e-5 (worst %s)',
										  m.measure, s.variant, to_char(e.err, '9.9EEEE')))
	ELSE skip(format('%s kernels: not supported by this CPU', s.variant), 1) END
  FROM hardneg_simd_variants() s
 CROSS JOIN (VALUES (1, '<->'), (2, 'l2_distance'), (3, 'embedding_l2_squared_distance'), (4, '<#>'),
					(5, 'inner_product'), (6, '<=>'), (7, 'cosine_distance'), (8, '<+>'), (9, 'l1_distance'),
					(10, 'embedding_norm'), (11, 'l2_normalize')) m(ord, measure)
  LEFT JOIN err e ON e.variant = s.variant AND e.measure = m.measure
 ORDER BY s.variant, m.ord;

-- Element-wise arithmetic is one IEEE float4 operation per element: exact.
SELECT is((SELECT count(*) FROM emb_pair p JOIN ev x ON x.id = p.a JOIN ev y ON y.id = p.b
		   WHERE (x.e + y.e)::real[] IS DISTINCT FROM p.add), 0::bigint,
	'+ equals numpy float32 a + b exactly');
SELECT is((SELECT count(*) FROM emb_pair p JOIN ev x ON x.id = p.a JOIN ev y ON y.id = p.b
		   WHERE (x.e - y.e)::real[] IS DISTINCT FROM p.sub), 0::bigint,
	'- equals numpy float32 a - b exactly');
SELECT is((SELECT count(*) FROM emb_pair p JOIN ev x ON x.id = p.a JOIN ev y ON y.id = p.b
		   WHERE (x.e * y.e)::real[] IS DISTINCT FROM p.mul), 0::bigint,
	'* equals numpy float32 a * b exactly');
SELECT is((SELECT count(*) FROM emb_pair p JOIN ev x ON x.id = p.a JOIN ev y ON y.id = p.b
		   WHERE x.dim + y.dim <= 16000 AND (x.e || y.e)::real[] <> x.v || y.v), 0::bigint,
	'|| equals array concatenation of the two vectors');
SELECT is((SELECT count(*) FROM ev, LATERAL (VALUES (1, dim), (1, 1), (dim, 1), ((dim + 1) / 2, dim / 2 + 1)) s(st, cnt)
		   WHERE (subvector(e, st, cnt))::real[] <> v[st:st + cnt - 1]), 0::bigint,
	'subvector(e, start, count) equals the array slice v[start:start+count-1]');

-- Comparison: the order is real[]'s (lexicographic, then shorter first).
SELECT is((SELECT count(*) FROM emb_pair p JOIN ev x ON x.id = p.a JOIN ev y ON y.id = p.b
		   WHERE (x.e < y.e) <> (x.v < y.v) OR (x.e <= y.e) <> (x.v <= y.v) OR (x.e = y.e) <> (x.v = y.v)
			  OR (x.e <> y.e) <> (x.v <> y.v) OR (x.e >= y.e) <> (x.v >= y.v) OR (x.e > y.e) <> (x.v > y.v)
			  OR sign(embedding_cmp(x.e, y.e)) <> sign(btarraycmp(x.v, y.v))), 0::bigint,
	'< <= = <> >= > and embedding_cmp agree with real[] comparison on every pair');
SELECT is(ARRAY(SELECT id FROM ev ORDER BY e, id), ARRAY(SELECT id FROM ev ORDER BY v, id),
	'ORDER BY embedding sorts like ORDER BY real[]');
SET LOCAL enable_hashagg = off;
SELECT is((SELECT count(*) FROM (SELECT e FROM ev GROUP BY e) g), (SELECT count(DISTINCT v) FROM ev),
	'GROUP BY embedding by sorting finds as many groups as real[]');
SET LOCAL enable_hashagg = on;
SET LOCAL enable_sort = off;
SELECT is((SELECT count(*) FROM (SELECT DISTINCT e FROM ev) g), (SELECT count(DISTINCT v) FROM ev),
	'DISTINCT embedding by hashing finds as many values as real[]');
RESET enable_sort;
SELECT is((SELECT count(*) FROM ev x JOIN ev y ON x.e = y.e), (SELECT count(*) FROM ev x JOIN ev y ON x.v = y.v),
	'an equality join on embedding matches the one on real[]');

-- Aggregates: numpy's float64 sums narrowed to float32; error relative to
-- sum(|x|) per element, the scale of a sum that may cancel.
SELECT is((SELECT count(*) FROM emb_group g
			JOIN (SELECT 'cran' || id % 5 AS key, sum(e) AS s, avg(e) AS a, count(*) AS n
					FROM ev WHERE source = 'cranfield_doc' GROUP BY 1
				  UNION ALL
				  SELECT 'cran_all', sum(e), avg(e), count(*) FROM ev WHERE source = 'cranfield_doc'
				  UNION ALL
				  SELECT 'dim' || dim, sum(e), avg(e), count(*) FROM ev WHERE source = 'random' GROUP BY dim) h
			  USING (key)
		   WHERE h.n = g.n
			 AND (SELECT max(abs(got - ref) / greatest(sc, 1e-30))
					FROM unnest(h.s::real[], g.sum, g.scale) u(got, ref, sc)) <= 1e-5
			 AND (SELECT max(abs(got - ref) / greatest(sc / g.n, 1e-30))
					FROM unnest(h.a::real[], g.avg, g.scale) u(got, ref, sc)) <= 1e-5),
	(SELECT count(*) FROM emb_group),
	'sum() and avg() agree with numpy within 1e-5 on every group (Cranfield and edge dimensions)');
-- as text: pgTAP's is() finds = for embedding on the path, which need not list hardneg's schema
SELECT is((SELECT sum(e) FROM ev WHERE false)::text, NULL, 'sum() of no rows is NULL');
SELECT is((SELECT avg(e) FROM ev WHERE false)::text, NULL, 'avg() of no rows is NULL');

SELECT * FROM finish();
ROLLBACK;
