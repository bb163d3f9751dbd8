-- The embedding type: exact error messages, details and hints.
SELECT '[1,2'::embedding;
SELECT '[1,,2]'::embedding;
SELECT '1,2'::embedding;
SELECT '[1]x'::embedding;
SELECT '[NaN]'::embedding;
SELECT '[1,Infinity]'::embedding;
SELECT '[]'::embedding;
SELECT ('[' || array_to_string(array_fill(0, ARRAY[16001]), ',') || ']')::embedding;
SELECT '[1e39]'::embedding;
SELECT '[1,2]'::embedding(3);
SELECT '[1]'::embedding(16001);
SELECT '[1]'::embedding(1, 2);
SELECT '[1,2]'::embedding <-> '[1,2,3]';
SELECT '[3e38]'::embedding + '[3e38]';
SELECT sum(e) FROM (VALUES ('[3e38]'::embedding), ('[3e38]')) v(e);
SELECT avg(e) FROM (VALUES ('[1]'::embedding), ('[1,2]')) v(e);
SELECT '{{1,2},{3,4}}'::real[]::embedding;
SELECT '{1,NULL}'::real[]::embedding;
SELECT '{NaN}'::numeric[]::embedding;
SELECT '{1e300}'::double precision[]::embedding;
SELECT subvector('[1,2,3]', 3, 2);
SELECT subvector('[1,2,3]', 1, 0);
-- the CONTEXT line names the extension's schema, which HN_EXT_SCHEMA changes
\set SHOW_CONTEXT never
SELECT hardneg_vector_casts('remove');
