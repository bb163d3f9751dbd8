-- pgTAP: bad input to the embedding type.  Every case must raise its own
-- SQLSTATE (and never take the backend down: the last test runs a query
-- after all of them).  Binary cases go through embedding_recv by COPY BINARY
-- from files that test/prepare.d/embedding.py writes.
\setenv HN_TESTDATA :HN_TESTDATA
BEGIN;
SELECT plan(83);

-- malformed text: invalid_text_representation
SELECT throws_ok($$SELECT ''::embedding$$, '22P02', NULL, 'empty string');
SELECT throws_ok($$SELECT '1,2,3'::embedding$$, '22P02', NULL, 'no brackets');
SELECT throws_ok($$SELECT '(1,2,3)'::embedding$$, '22P02', NULL, 'parentheses');
SELECT throws_ok($$SELECT '{1,2,3}'::embedding$$, '22P02', NULL, 'array braces');
SELECT throws_ok($$SELECT '[1,2'::embedding$$, '22P02', NULL, 'missing ]');
SELECT throws_ok($$SELECT '['::embedding$$, '22P02', NULL, 'only [');
SELECT throws_ok($$SELECT '[1,,2]'::embedding$$, '22P02', NULL, 'empty element');
SELECT throws_ok($$SELECT '[1,2,]'::embedding$$, '22P02', NULL, 'trailing comma');
SELECT throws_ok($$SELECT '[,1]'::embedding$$, '22P02', NULL, 'leading comma');
SELECT throws_ok($$SELECT '[1 2]'::embedding$$, '22P02', NULL, 'missing comma');
SELECT throws_ok($$SELECT '[a]'::embedding$$, '22P02', NULL, 'a letter');
SELECT throws_ok($$SELECT '[1,2]x'::embedding$$, '22P02', NULL, 'text after ]');
SELECT throws_ok($$SELECT '[1,2][3]'::embedding$$, '22P02', NULL, 'two embeddings');
SELECT throws_ok($$SELECT '[[1,2]]'::embedding$$, '22P02', NULL, 'nested brackets');
SELECT throws_ok($$SELECT '[1;2]'::embedding$$, '22P02', NULL, 'semicolon separator');
SELECT throws_ok($$SELECT '[0x]'::embedding$$, '22P02', NULL, 'hex prefix without digits');

-- non-finite, empty, too long
SELECT throws_ok($$SELECT '[NaN]'::embedding$$, '22000', 'NaN is not allowed in an embedding', 'NaN');
SELECT throws_ok($$SELECT '[1,nan,3]'::embedding$$, '22000', 'NaN is not allowed in an embedding', 'nan inside');
SELECT throws_ok($$SELECT '[Infinity]'::embedding$$, '22000', 'Infinity is not allowed in an embedding', 'Infinity');
SELECT throws_ok($$SELECT '[1,-inf]'::embedding$$, '22000', 'Infinity is not allowed in an embedding', '-inf');
SELECT throws_ok($$SELECT '[]'::embedding$$, '22000', 'embedding must have at least 1 dimension', 'empty');
SELECT throws_ok($$SELECT '[  ]'::embedding$$, '22000', 'embedding must have at least 1 dimension', 'blank');
SELECT throws_ok($$SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::embedding$$,
	'54000', 'embedding cannot have more than 16000 dimensions, got 16001', '16001 dimensions');
SELECT throws_ok($$SELECT '[1e39]'::embedding$$, '22003', NULL, 'above the float4 range');
SELECT throws_ok($$SELECT '[-1e39]'::embedding$$, '22003', NULL, 'below the float4 range');
SELECT throws_ok($$SELECT '[1e-60]'::embedding$$, '22003', NULL, 'underflows float4 to zero');

-- typmod
SELECT throws_ok($$SELECT '[1,2]'::embedding(3)$$, '22000', 'expected 3 dimensions, not 2', 'typmod mismatch on input');
SELECT throws_ok($$SELECT '[1,2]'::embedding::embedding(3)$$, '22000', 'expected 3 dimensions, not 2',
	'typmod mismatch on cast');
SELECT throws_ok($$SELECT '{1,2,3,4}'::real[]::embedding(3)$$, '22000', 'expected 3 dimensions, not 4',
	'typmod mismatch on array cast');
CREATE TABLE emb3 (e embedding(3));
SELECT throws_ok($$INSERT INTO emb3 VALUES ('[1,2]')$$, '22000', NULL, 'typmod mismatch on INSERT');
SELECT throws_ok($$INSERT INTO emb3 SELECT '[1,2,3,4]'::embedding$$, '22000', NULL,
	'typmod mismatch on INSERT ... SELECT');
SELECT throws_ok($$SELECT '[1]'::embedding(0)$$, '22023', NULL, 'typmod 0');
SELECT throws_ok($$SELECT '[1]'::embedding(16001)$$, '22023', NULL, 'typmod 16001');
SELECT throws_ok($$CREATE TEMP TABLE t_bad (e embedding(2, 3))$$, '22023', NULL, 'two type modifiers');

-- dimension mismatch in every binary operator and function
SELECT throws_ok(format('SELECT %s', q), '22000', 'embeddings have different dimensions: 2 and 3',
	'dimension mismatch: ' || q)
  FROM unnest(ARRAY[
	$$'[1,2]'::embedding <-> '[1,2,3]'$$, $$'[1,2]'::embedding <#> '[1,2,3]'$$,
	$$'[1,2]'::embedding <=> '[1,2,3]'$$, $$'[1,2]'::embedding <+> '[1,2,3]'$$,
	$$'[1,2]'::embedding + '[1,2,3]'$$, $$'[1,2]'::embedding - '[1,2,3]'$$, $$'[1,2]'::embedding * '[1,2,3]'$$,
	$$l2_distance('[1,2]', '[1,2,3]'::embedding)$$, $$inner_product('[1,2]', '[1,2,3]'::embedding)$$,
	$$cosine_distance('[1,2]', '[1,2,3]'::embedding)$$, $$l1_distance('[1,2]', '[1,2,3]'::embedding)$$,
	$$embedding_l2_squared_distance('[1,2]', '[1,2,3]'::embedding)$$,
	$$embedding_negative_inner_product('[1,2]', '[1,2,3]'::embedding)$$]) q;
SELECT throws_ok($$SELECT sum(e) FROM (VALUES ('[1,2]'::embedding), ('[1,2,3]')) v(e)$$, '22000', NULL,
	'dimension mismatch in sum()');
SELECT throws_ok($$SELECT avg(e) FROM (VALUES ('[1,2]'::embedding), ('[1,2,3]')) v(e)$$, '22000', NULL,
	'dimension mismatch in avg()');
SELECT throws_ok($$SELECT array_fill(1, ARRAY[8000])::real[]::embedding || array_fill(1, ARRAY[8001])::real[]::embedding$$,
	'54000', NULL, '|| beyond 16000 dimensions');

-- overflow never yields Infinity
SELECT throws_ok($$SELECT '[3e38,1]'::embedding + '[3e38,1]'$$, '22003', NULL, '+ overflows');
SELECT throws_ok($$SELECT '[-3e38,1]'::embedding - '[3e38,1]'$$, '22003', NULL, '- overflows');
SELECT throws_ok($$SELECT '[1e20,1]'::embedding * '[1e20,1]'$$, '22003', NULL, '* overflows');
SELECT throws_ok($$SELECT sum(e) FROM (VALUES ('[3e38]'::embedding), ('[3e38]')) v(e)$$, '22003', NULL,
	'sum() overflows float4');

-- arrays
SELECT throws_ok($$SELECT '{}'::real[]::embedding$$, '22000', NULL, 'empty real[]');
SELECT throws_ok($$SELECT '{{1,2},{3,4}}'::real[]::embedding$$, '2202E', NULL, 'two-dimensional real[]');
SELECT throws_ok($$SELECT '{{1}}'::integer[]::embedding$$, '2202E', NULL, 'two-dimensional integer[]');
SELECT throws_ok($$SELECT '{1,NULL}'::real[]::embedding$$, '22004', NULL, 'NULL element in real[]');
SELECT throws_ok($$SELECT '{NULL,1}'::integer[]::embedding$$, '22004', NULL, 'NULL element in integer[]');
SELECT throws_ok($$SELECT '{1,NULL}'::numeric[]::embedding$$, '22004', NULL, 'NULL element in numeric[]');
SELECT throws_ok($$SELECT '{NaN}'::real[]::embedding$$, '22000', NULL, 'NaN in real[]');
SELECT throws_ok($$SELECT '{1,Infinity}'::double precision[]::embedding$$, '22000', NULL,
	'Infinity in double precision[]');
SELECT throws_ok($$SELECT '{1e39}'::double precision[]::embedding$$, '22003', NULL,
	'double precision[] element beyond float4');
SELECT throws_ok($$SELECT '{NaN}'::numeric[]::embedding$$, '22000', NULL, 'NaN in numeric[]');
SELECT throws_ok($$SELECT '{-Infinity}'::numeric[]::embedding$$, '22000', NULL, 'Infinity in numeric[]');
SELECT throws_ok($$SELECT '{1e39}'::numeric[]::embedding$$, '22003', NULL, 'numeric[] element beyond float4');
SELECT throws_ok($$SELECT array_fill(1, ARRAY[16001])::embedding$$, '54000', NULL, '16001-element array');

-- subvector bounds
SELECT throws_ok($$SELECT subvector('[1,2,3]', 0, 1)$$, '2202E', NULL, 'subvector start 0');
SELECT throws_ok($$SELECT subvector('[1,2,3]', 3, 2)$$, '2202E', NULL, 'subvector past the end');
SELECT throws_ok($$SELECT subvector('[1,2,3]', 1, 0)$$, '2202E', NULL, 'subvector count 0');
SELECT throws_ok($$SELECT subvector('[1,2,3]', 2147483647, 2)$$, '2202E', NULL,
	'subvector start + count overflows int32');

-- binary input through embedding_recv (COPY BINARY)
CREATE TABLE emb_any (e embedding);
CREATE TEMP TABLE testdata AS SELECT :'HN_TESTDATA'::text AS dir;
CREATE FUNCTION pg_temp.copy_bad(name text, tab text DEFAULT 'emb_any') RETURNS text LANGUAGE sql AS
	$$ SELECT format('COPY %I FROM %L WITH (FORMAT binary)', tab, dir || '/emb_bad_' || name || '.bin') FROM testdata $$;
SELECT throws_ok(pg_temp.copy_bad('truncated'), '08P01', NULL, 'binary: fewer elements than the header says');
SELECT throws_ok(pg_temp.copy_bad('short_header'), '08P01', NULL, 'binary: one byte, no header');
SELECT throws_ok(pg_temp.copy_bad('oversized'), '22P03', NULL, 'binary: bytes after the last element');
SELECT throws_ok(pg_temp.copy_bad('zero_dim'), '22000', NULL, 'binary: zero dimensions');
SELECT throws_ok(pg_temp.copy_bad('negative_dim'), '22000', NULL, 'binary: negative dimensions');
SELECT throws_ok(pg_temp.copy_bad('too_many_dims'), '54000', NULL, 'binary: 16001 dimensions');
SELECT throws_ok(pg_temp.copy_bad('unused_set'), '22P03', NULL, 'binary: reserved field not zero');
SELECT throws_ok(pg_temp.copy_bad('nan'), '22000', NULL, 'binary: NaN element');
SELECT throws_ok(pg_temp.copy_bad('inf'), '22000', NULL, 'binary: Infinity element');
SELECT throws_ok(pg_temp.copy_bad('dim2', 'emb3'), '22000', NULL, 'binary: typmod mismatch');

-- fuzz: random strings over the parser's alphabet either parse to a value
-- that survives a text round trip, or fail with one of the input SQLSTATEs
CREATE FUNCTION pg_temp.fuzz(n int) RETURNS TABLE (outcome text, count bigint) LANGUAGE plpgsql AS $$
DECLARE
	alphabet constant text := '[[]],,,0123456789..--++eEnaNIfi x';
	s text;
	e embedding;
	outcomes text[] := '{}';
BEGIN
	PERFORM setseed(0.25);
	FOR i IN 1..n LOOP
		s := CASE WHEN random() < 0.7 THEN '[' ELSE '' END;
		FOR j IN 1..(random() * 12)::int LOOP
			s := s || substr(alphabet, 1 + (random() * (length(alphabet) - 1))::int, 1);
		END LOOP;
		s := s || CASE WHEN random() < 0.7 THEN ']' ELSE '' END;
		BEGIN
			e := s::embedding;
			outcomes := outcomes || CASE WHEN e::text::embedding = e THEN 'parsed' ELSE 'bad round trip: ' || s END;
		EXCEPTION WHEN OTHERS THEN
			outcomes := outcomes || CASE WHEN SQLSTATE IN ('22P02', '22000', '22003', '54000') THEN 'rejected'
									ELSE SQLSTATE || ' for ' || s END;
		END;
	END LOOP;
	RETURN QUERY SELECT o, count(*) FROM unnest(outcomes) o GROUP BY o ORDER BY o;
END
$$;
CREATE TEMP TABLE fuzz AS SELECT * FROM pg_temp.fuzz(3000);
SELECT is((SELECT array_agg(outcome ORDER BY outcome) FROM fuzz), '{parsed,rejected}',
	'3000 random strings: each parses and round-trips, or is rejected with an input SQLSTATE');

-- the backend survived all of the above
SELECT is('[1,2]'::embedding <-> '[4,6]', 5::float8, 'the backend still answers after every bad input');

SELECT * FROM finish();
ROLLBACK;
