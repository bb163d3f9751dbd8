-- The embedding type: exact text and binary forms, and results that can be
-- derived by hand.
-- Text input: brackets, commas, optional blanks, any float syntax
SELECT '[1,2,3]'::embedding;
SELECT ' [ 1 , 2.5 ,-3 ] '::embedding;
SELECT '[1e-7,+4,.5,-0,0x10]'::embedding;
-- Output is the shortest decimal that reads back to the same float4
SELECT '[0.1,0.2,0.3,0.30000001]'::embedding;
SELECT '[123456789,1234567,0.0001,0.00001]'::embedding;
SELECT '[3.4028235e38,-3.4028235e38,1.17549435e-38,1.4e-45]'::embedding;
SELECT '[3.4028235e38]'::embedding::text::embedding = '[3.4028235e38]'::embedding AS round_trip;
-- Type modifier
SELECT '[1,2,3]'::embedding(3);
CREATE TABLE emb_io (id int, e embedding(3));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'emb_io'::regclass AND attname = 'e';
INSERT INTO emb_io VALUES (1, '[1,2,3]'), (2, '{4,5,6}'::real[]), (3, ARRAY[7,8,9]);
SELECT * FROM emb_io ORDER BY id;
-- Binary: int16 dimension, int16 zero, big-endian float4 (1.0 = 3f800000, 2.0 = 40000000)
SELECT embedding_send('[1,2]');
SELECT embedding_send('[-0.5]');
-- Distances: L2 sqrt(3^2+4^2) = 5, dot 1*3+2*4 = 11, L1 3+4 = 7
SELECT '[1,2]'::embedding <-> '[4,6]' AS l2, l2_distance('[1,2]', '[4,6]'::embedding) AS l2_fn,
	embedding_l2_squared_distance('[1,2]', '[4,6]') AS l2sq;
SELECT '[1,2]'::embedding <#> '[3,4]' AS neg_ip, inner_product('[1,2]', '[3,4]'::embedding) AS ip;
SELECT '[1,0]'::embedding <=> '[0,1]' AS orthogonal, '[1,0]'::embedding <=> '[-1,0]' AS opposite,
	'[1,2]'::embedding <=> '[2,4]' AS parallel, cosine_distance('[1,1]', '[1,0]'::embedding) AS deg45;
SELECT '[0,0]'::embedding <=> '[1,1]' AS zero_vector_cosine;
SELECT '[1,2]'::embedding <+> '[4,6]' AS l1, l1_distance('[1,-2]', '[-1,2]'::embedding) AS l1_fn;
-- Element-wise arithmetic, concatenation, slicing
SELECT '[1,2,3]'::embedding + '[10,20,30]' AS plus, '[1,2,3]'::embedding - '[10,20,30]' AS minus,
	'[1,2,3]'::embedding * '[10,20,30]' AS times;
SELECT '[1,2]'::embedding || '[3]' AS concat;
SELECT subvector('[1,2,3,4,5]', 2, 3) AS middle, subvector('[1,2,3,4,5]', 5, 1) AS last;
SELECT embedding_dims('[1,2,3]'), embedding_norm('[3,4]'), l2_normalize('[3,4]'), l2_normalize('[0,0]');
-- Casts
SELECT '{1.5,2,3}'::real[]::embedding AS from_real, '{1,2}'::integer[]::embedding AS from_int,
	'{0.25,1e3}'::numeric[]::embedding AS from_numeric, '{0.1}'::double precision[]::embedding AS from_float8;
SELECT '[1,2.5]'::embedding::real[] AS to_real;
-- Comparison: lexicographic, then shorter first; 0 = -0
SELECT e FROM (VALUES ('[2]'::embedding), ('[1,2,0]'), ('[1,2]'), ('[-1,5]'), ('[1,3]')) v(e) ORDER BY e;
SELECT '[1,2]'::embedding < '[1,2,0]' AS prefix_first, '[0]'::embedding = '[-0]' AS zeros_equal,
	embedding_hash('[0]') = embedding_hash('[-0]') AS zeros_hash_alike,
	embedding_hash_extended('[0,1]', 7) = embedding_hash_extended('[-0,1]', 7) AS zeros_hash_alike_seeded,
	embedding_hash_extended('[0,1]', 7) <> embedding_hash_extended('[0,1]', 8) AS seed_matters,
	'[1,2]'::embedding <> '[1,2]' AS ne;
SELECT e, count(*) FROM (VALUES ('[1,2]'::embedding), ('[1,2]'), ('[3]')) v(e) GROUP BY e ORDER BY e;
SELECT count(DISTINCT e) FROM (VALUES ('[1,2]'::embedding), ('[1,2]'), ('[3]')) v(e);
-- Hash partitioning uses the extended hash; equal values land together
CREATE TABLE emb_part (e embedding) PARTITION BY HASH (e);
CREATE TABLE emb_part_0 PARTITION OF emb_part FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE emb_part_1 PARTITION OF emb_part FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO emb_part SELECT ARRAY[i % 10, 1]::embedding FROM generate_series(1, 100) i;
INSERT INTO emb_part VALUES ('[-0,1]'), ('[0,1]');   -- equal, so they must land together
SELECT count(*) AS values_in_both_partitions
  FROM (SELECT e FROM emb_part_0 INTERSECT SELECT e FROM emb_part_1) s;
SELECT count(*) = 102 AS all_rows, count(DISTINCT tableoid) = 2 AS both_used FROM emb_part;
DROP TABLE emb_part;
-- Aggregates skip NULLs; no rows give NULL
SELECT sum(e), avg(e) FROM (VALUES ('[1,2]'::embedding), ('[3,5]'), (NULL)) v(e);
SELECT sum(e) IS NULL AS sum_null, avg(e) IS NULL AS avg_null FROM (SELECT '[1]'::embedding WHERE false) v(e);
-- Every object of the type has a comment (the array type PostgreSQL makes for
-- it is an extension member from 18 on, and has none of its own)
SELECT pg_describe_object(d.classid, d.objid, 0) AS undocumented
  FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'hardneg'
 WHERE d.deptype = 'e' AND obj_description(d.objid, (SELECT relname FROM pg_class WHERE oid = d.classid)) IS NULL
   AND pg_describe_object(d.classid, d.objid, 0) ~ 'embedding|vector_casts'
   AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
					 AND t.typcategory = 'A' AND t.typelem <> 0)
 ORDER BY 1;
DROP TABLE emb_io;
