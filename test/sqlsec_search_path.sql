-- pgTAP: no privilege escalation through the search_path (issue 16 item 4).
-- An unprivileged role plants, in public, an overload of every function,
-- aggregate, operator and type name that hardneg's SQL-language functions and
-- its generated SQL use, each logging its call.  A superuser whose path puts
-- public before pg_catalog then runs every SQL and PL/pgSQL function of the
-- extension (installed in a schema off the path): no plant may run.  The same
-- calls against the released 0.1.0 functions do run plants, which shows the
-- test can fail.  A catalog test requires the pinned search_path on every
-- SQL and PL/pgSQL function, so functions added later are caught too.
BEGIN;
SELECT plan(8);

-- the extension in a schema of its own, off the path, for this suite only
SELECT count(*) > 0 AS have_vector FROM pg_available_extensions WHERE name = 'vector' \gset
DROP EXTENSION hardneg;
CREATE SCHEMA hn_sec;
CREATE SCHEMA hn_vec;
GRANT USAGE ON SCHEMA hn_sec TO PUBLIC;
\if :have_vector
CREATE EXTENSION vector SCHEMA hn_vec;
\endif
CREATE EXTENSION hardneg SCHEMA hn_sec;

SELECT is(
	(SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text)
	   FROM pg_proc p
	   JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
	   JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'hardneg'
	   JOIN pg_language l ON l.oid = p.prolang
	  WHERE l.lanname NOT IN ('c', 'internal')
		AND p.proconfig IS DISTINCT FROM '{"search_path=pg_catalog, pg_temp"}'),
	NULL,
	'every SQL and PL/pgSQL function of hardneg has SET search_path = pg_catalog, pg_temp');
SELECT is(
	(SELECT string_agg(p.oid::regprocedure::text, ', ')
	   FROM pg_proc p
	   JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
	   JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'hardneg'
	  WHERE p.prosecdef),
	NULL,
	'no function of hardneg is SECURITY DEFINER');

-- the planter: an ordinary role that may create in public
CREATE ROLE hn_planter NOLOGIN;
GRANT CREATE, USAGE ON SCHEMA public TO hn_planter;
CREATE TABLE public.hn_plant_log (plant text);
GRANT INSERT ON public.hn_plant_log TO PUBLIC;
CREATE TABLE public.hn_sec_mined (query_id bigint, positive_id bigint, negative_id bigint,
	negative_rank integer, score real, positive_score real);
INSERT INTO public.hn_sec_mined VALUES (1, 10, 11, 1, 0.5, 0.9), (1, 10, 12, 2, 0.4, 0.9),
	(2, 20, 21, 1, 0.3, 0.8), (2, 20, 22, 2, 0.2, 0.8);
CREATE TABLE public.hn_sec_texts (id bigint, text text, title text);
INSERT INTO public.hn_sec_texts VALUES (1, 'q "one"', NULL), (2, E'q\ttwo\\', NULL),
	(10, E'p\nten', 'T'), (11, 'n ''eleven''', 'T'), (12, 'n twelve ü', NULL), (20, 'p', NULL),
	(21, 'n', NULL), (22, 'n', NULL);
CREATE TABLE public.hn_sec_docs (id bigint, embedding hn_sec.embedding);
INSERT INTO public.hn_sec_docs SELECT g, hn_sec.array_to_embedding(ARRAY[g, g % 7, 1]::real[], -1, false)
  FROM generate_series(1, 200) g;
CREATE INDEX ON public.hn_sec_docs USING ivfsq (embedding hn_sec.embedding_cosine_ops);
GRANT SELECT ON public.hn_sec_mined, public.hn_sec_texts, public.hn_sec_docs TO hn_planter;

SET LOCAL ROLE hn_planter;
CREATE FUNCTION public.hn_plant(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.hn_plant_log VALUES (what);
	RETURN true;
END $$;
-- format(): one overload per argument list hardneg's functions pass
CREATE FUNCTION public.format(f text, a regclass, b text, c text, d text) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.format(f, a, b, c, d) WHERE public.hn_plant('format(text,regclass,text,text,text)') $$;
CREATE FUNCTION public.format(f text, a text, b regclass) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.format(f, a, b) WHERE public.hn_plant('format(text,text,regclass)') $$;
CREATE FUNCTION public.format(f text, a regclass, b text, c text) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.format(f, a, b, c) WHERE public.hn_plant('format(text,regclass,text,text)') $$;
CREATE FUNCTION public.format(f text, a boolean) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.format(f, a) WHERE public.hn_plant('format(text,boolean)') $$;
CREATE FUNCTION public.format(f text, a text) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.format(f, a) WHERE public.hn_plant('format(text,text)') $$;
CREATE FUNCTION public.format(f text, a text, b text) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.format(f, a, b) WHERE public.hn_plant('format(text,text,text)') $$;
CREATE FUNCTION public.format(f text, a text, b text, c boolean) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.format(f, a, b, c) WHERE public.hn_plant('format(text,text,text,boolean)') $$;
CREATE FUNCTION public.format(f text, a regtype, b regtype) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.format(f, a, b) WHERE public.hn_plant('format(text,regtype,regtype)') $$;
CREATE FUNCTION public.format(f text, a regtype, b regtype, c text) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.format(f, a, b, c) WHERE public.hn_plant('format(text,regtype,regtype,text)') $$;
-- other functions and aggregates the bodies call
CREATE FUNCTION public.jsonb_build_object(a text, b text, c text, d text, e text, f text) RETURNS jsonb
	LANGUAGE sql AS $$ SELECT pg_catalog.jsonb_build_object(a, b, c, d, e, f)
	WHERE public.hn_plant('jsonb_build_object(text x6)') $$;
CREATE FUNCTION public.cardinality(a bigint[]) RETURNS integer LANGUAGE sql
	AS $$ SELECT pg_catalog.cardinality(a) WHERE public.hn_plant('cardinality(bigint[])') $$;
CREATE FUNCTION public.set_config(a text, b text, c boolean) RETURNS text LANGUAGE sql
	AS $$ SELECT pg_catalog.set_config(a, b, c) WHERE public.hn_plant('set_config') $$;
CREATE FUNCTION public.to_jsonb(a public.hn_sec_texts) RETURNS jsonb LANGUAGE sql
	AS $$ SELECT pg_catalog.to_jsonb(a) WHERE public.hn_plant('to_jsonb') $$;
CREATE FUNCTION public.hn_plant_acc(s bigint[], v bigint) RETURNS bigint[] LANGUAGE sql
	AS $$ SELECT s || v WHERE public.hn_plant('array_agg(bigint)') $$;
CREATE AGGREGATE public.array_agg(bigint) (SFUNC = public.hn_plant_acc, STYPE = bigint[], INITCOND = '{}');
CREATE FUNCTION public.hn_plant_min(s real, v real) RETURNS real LANGUAGE sql
	AS $$ SELECT least(s, v) WHERE public.hn_plant('min(real)') $$;
CREATE AGGREGATE public.min(real) (SFUNC = public.hn_plant_min, STYPE = real);
-- operators: equal signatures win when public comes first on the path
CREATE FUNCTION public.hn_plant_texteq(a text, b text) RETURNS boolean LANGUAGE sql
	AS $$ SELECT a OPERATOR(pg_catalog.=) b WHERE public.hn_plant('=(text,text)') $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.hn_plant_texteq);
CREATE FUNCTION public.hn_plant_realcat(a real[], b real[]) RETURNS real[] LANGUAGE sql
	AS $$ SELECT a OPERATOR(pg_catalog.||) b WHERE public.hn_plant('||(real[],real[])') $$;
CREATE OPERATOR public.|| (LEFTARG = real[], RIGHTARG = real[], FUNCTION = public.hn_plant_realcat);
CREATE FUNCTION public.hn_plant_jsonbcat(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql
	AS $$ SELECT a OPERATOR(pg_catalog.||) b WHERE public.hn_plant('||(jsonb,jsonb)') $$;
CREATE OPERATOR public.|| (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = public.hn_plant_jsonbcat);
CREATE FUNCTION public.hn_plant_intge(a integer, b integer) RETURNS boolean LANGUAGE sql
	AS $$ SELECT a OPERATOR(pg_catalog.>=) b WHERE public.hn_plant('>=(integer,integer)') $$;
CREATE OPERATOR public.>= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.hn_plant_intge);
CREATE FUNCTION public.hn_plant_jsonbget(a jsonb, b text) RETURNS text LANGUAGE sql
	AS $$ SELECT a OPERATOR(pg_catalog.->>) b WHERE public.hn_plant('->>(jsonb,text)') $$;
CREATE OPERATOR public.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = public.hn_plant_jsonbget);
-- hardneg's own operators and wrappers, for the SQL that C code and the
-- bigint wrappers build: a better match (bigint over anyelement) or first on the path
CREATE FUNCTION public.hn_plant_cos(a hn_sec.embedding, b hn_sec.embedding) RETURNS double precision
	LANGUAGE sql AS $$ SELECT 0::float8 WHERE public.hn_plant('<=>(embedding,embedding)') $$;
CREATE OPERATOR public.<=> (LEFTARG = hn_sec.embedding, RIGHTARG = hn_sec.embedding,
	FUNCTION = public.hn_plant_cos);
CREATE FUNCTION public.hard_negatives_ntuple(m regclass, t bigint, n integer)
	RETURNS TABLE (query_id bigint, positive_id bigint, negative_ids bigint[], scores real[])
	LANGUAGE sql AS $$ SELECT 0::bigint, 0::bigint, '{}'::bigint[], '{}'::real[]
	WHERE public.hn_plant('hard_negatives_ntuple(regclass,bigint,integer)') $$;
CREATE FUNCTION public.hard_negatives_labeled_pairs(m regclass, t bigint)
	RETURNS TABLE (query_id bigint, positive_id bigint, doc_id bigint, label integer, score real, slot integer)
	LANGUAGE sql AS $$ SELECT 0::bigint, 0::bigint, 0::bigint, 0, 0::real, 0
	WHERE public.hn_plant('hard_negatives_labeled_pairs(regclass,bigint)') $$;
CREATE FUNCTION public.hard_negatives_labeled_lists(m regclass, t bigint)
	RETURNS TABLE (query_id bigint, positive_id bigint, doc_ids bigint[], labels integer[], scores real[])
	LANGUAGE sql AS $$ SELECT 0::bigint, 0::bigint, '{}'::bigint[], '{}'::integer[], '{}'::real[]
	WHERE public.hn_plant('hard_negatives_labeled_lists(regclass,bigint)') $$;
-- a type name: a domain public.float8 whose check logs
CREATE DOMAIN public.float8 AS double precision CHECK (public.hn_plant('float8'));
RESET ROLE;

-- One call of every SQL and PL/pgSQL function (by its signature), and of the
-- C functions whose generated SQL wraps the caller's query.
CREATE TEMP TABLE hn_sec_calls (fn text, call text);
INSERT INTO hn_sec_calls VALUES
	('hard_negatives_ntuple(regclass,integer)', $$SELECT * FROM hn_sec.hard_negatives_ntuple('public.hn_sec_mined')$$),
	('hard_negatives_ntuple(regclass,anyelement,integer)', $$SELECT * FROM hn_sec.hard_negatives_ntuple('public.hn_sec_mined', NULL::bigint, 2)$$),
	('hard_negatives_labeled_pairs(regclass)', $$SELECT * FROM hn_sec.hard_negatives_labeled_pairs('public.hn_sec_mined')$$),
	('hard_negatives_labeled_pairs(regclass,anyelement)', $$SELECT * FROM hn_sec.hard_negatives_labeled_pairs('public.hn_sec_mined', NULL::text)$$),
	('hard_negatives_labeled_lists(regclass)', $$SELECT * FROM hn_sec.hard_negatives_labeled_lists('public.hn_sec_mined')$$),
	('hard_negatives_labeled_lists(regclass,anyelement)', $$SELECT * FROM hn_sec.hard_negatives_labeled_lists('public.hn_sec_mined', NULL::text)$$),
	('hard_negatives_jsonl(regclass,text,text,text,boolean,text)', $$SELECT * FROM hn_sec.hard_negatives_jsonl('public.hn_sec_mined', 'sentence-transformers', 'SELECT id, text FROM hn_sec_texts', 'SELECT id, text FROM hn_sec_texts', true)$$),
	('hard_negatives_jsonl(regclass,text,text,text,boolean,text)', $$SELECT * FROM hn_sec.hard_negatives_jsonl('public.hn_sec_mined', 'flagembedding', 'SELECT id, text FROM hn_sec_texts', 'SELECT id, text FROM hn_sec_texts', true)$$),
	('hard_negatives_jsonl(regclass,text,text,text,boolean,text)', $$SELECT * FROM hn_sec.hard_negatives_jsonl('public.hn_sec_mined', 'tevatron', 'SELECT id, text FROM hn_sec_texts', 'SELECT id, text, title FROM hn_sec_texts')$$),
	('hard_negatives_texts(text,text,boolean)', $$SELECT * FROM hn_sec.hard_negatives_texts('SELECT id, text, title FROM hn_sec_texts', 'public', true)$$),
	('hardneg_vector_casts(text)', $$SELECT hn_sec.hardneg_vector_casts('drop')$$),
	('hardneg_vector_casts(text)', $$SELECT hn_sec.hardneg_vector_casts('create')$$),
	('hardneg_pgvector(text)', $$SELECT hn_sec.hardneg_pgvector('drop')$$),
	('hardneg_pgvector(text)', $$SELECT hn_sec.hardneg_pgvector('create')$$),
	('knn_search(text,text,integer,text,text)', $$SELECT * FROM hn_sec.knn_search('SELECT id, embedding FROM hn_sec_docs WHERE id < 4', 'SELECT id, embedding FROM hn_sec_docs', 3, 'cosine', 'index')$$),
	('knn_search_shards(text,regclass,integer,text,text)', $$SELECT * FROM hn_sec.knn_search_shards('SELECT id, embedding FROM hn_sec_docs WHERE id < 4', 'public.hn_sec_docs', 3)$$);

-- runs every call as the superuser with public before pg_catalog; returns
-- the plants that ran and the calls that failed
CREATE FUNCTION pg_temp.hn_sec_run(OUT plants text, OUT failures text) LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	c record;
	bad text[] := '{}';
BEGIN
	DELETE FROM public.hn_plant_log;
	FOR c IN SELECT * FROM hn_sec_calls LOOP
		BEGIN
			PERFORM pg_catalog.set_config('search_path', 'public, pg_catalog', true);
			EXECUTE 'SELECT pg_catalog.count(*) FROM (' || c.call || ') s';
			PERFORM pg_catalog.set_config('search_path', 'public, pg_catalog, pg_temp', true);
		EXCEPTION WHEN OTHERS THEN
			PERFORM pg_catalog.set_config('search_path', 'public, pg_catalog, pg_temp', true);
			-- without pgvector 'create' has nothing to create: the one expected error
			IF c.call !~ 'hardneg_(vector_casts|pgvector)\(''create''\)' OR SQLSTATE <> '42704' THEN
				bad := bad || (c.fn || ': ' || SQLERRM);
			END IF;
		END;
	END LOOP;
	SELECT string_agg(DISTINCT plant, ', ' ORDER BY plant) INTO plants FROM public.hn_plant_log;
	failures := CASE WHEN pg_catalog.cardinality(bad) > 0 THEN pg_catalog.array_to_string(bad, '; ') END;
END $$;

CREATE TEMP TABLE hn_sec_res AS SELECT 'new' AS k, * FROM pg_temp.hn_sec_run();
SELECT is((SELECT plants FROM hn_sec_res WHERE k = 'new'), NULL,
	'hardneg 0.2.0: no planted function, operator or type ran');
SELECT is((SELECT failures FROM hn_sec_res WHERE k = 'new'), NULL,
	'hardneg 0.2.0: every call succeeded with public before pg_catalog');

-- every SQL and PL/pgSQL function of the extension is among the calls
SELECT is(
	(SELECT string_agg(p.oid::regprocedure::text, ', ')
	   FROM pg_proc p
	   JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
	   JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'hardneg'
	   JOIN pg_language l ON l.oid = p.prolang
	  WHERE l.lanname NOT IN ('c', 'internal')
		-- event trigger functions cannot be called; they only call hardneg_pgvector()
		AND p.prorettype <> 'event_trigger'::regtype
		AND pg_catalog.regexp_replace(p.oid::regprocedure::text, '^hn_sec\.', '') NOT IN
			(SELECT fn FROM hn_sec_calls)),
	NULL,
	'the plant test calls every SQL and PL/pgSQL function of hardneg (add a call for a new one)');

-- the control: the same calls against the released 0.1.0 functions run plants
DROP EXTENSION hardneg CASCADE;
CREATE EXTENSION hardneg VERSION '0.1.0' SCHEMA hn_sec;
DELETE FROM hn_sec_calls WHERE fn ~ '^(hard_negatives_texts|hard_negatives_jsonl)';
INSERT INTO hn_sec_calls VALUES ('hard_negatives_jsonl',
	$$SELECT * FROM hn_sec.hard_negatives_jsonl('public.hn_sec_mined', 'sentence-transformers', 'SELECT id, text FROM hn_sec_texts', 'SELECT id, text FROM hn_sec_texts', true)$$);
-- the CASCADE took the embedding column and the planted <=>: put them back
ALTER TABLE public.hn_sec_docs ADD COLUMN embedding hn_sec.embedding;
UPDATE public.hn_sec_docs SET embedding = hn_sec.array_to_embedding(ARRAY[id, id % 7, 1]::real[], -1, false);
CREATE INDEX ON public.hn_sec_docs USING ivfsq (embedding hn_sec.embedding_cosine_ops);
SET LOCAL ROLE hn_planter;
CREATE FUNCTION public.hn_plant_cos(a hn_sec.embedding, b hn_sec.embedding) RETURNS double precision
	LANGUAGE sql AS $$ SELECT 0::float8 WHERE public.hn_plant('<=>(embedding,embedding)') $$;
CREATE OPERATOR public.<=> (LEFTARG = hn_sec.embedding, RIGHTARG = hn_sec.embedding,
	FUNCTION = public.hn_plant_cos);
RESET ROLE;
INSERT INTO hn_sec_res SELECT 'old', * FROM pg_temp.hn_sec_run();
SELECT ok((SELECT plants LIKE '%format(text,regclass,text,text,text)%'
				  AND plants LIKE '%hard_negatives_ntuple(regclass,bigint,integer)%'
			 FROM hn_sec_res WHERE k = 'old'),
	'control: hardneg 0.1.0 runs the planted format() and bigint wrapper');
SELECT diag('plants run by 0.1.0: ' || (SELECT plants FROM hn_sec_res WHERE k = 'old'));

-- after ALTER EXTENSION UPDATE the 0.1.0 installation is safe too
ALTER EXTENSION hardneg UPDATE;
-- the calls of 0.2.0 again, now that its functions are back
DELETE FROM hn_sec_calls WHERE fn = 'hard_negatives_jsonl';
INSERT INTO hn_sec_calls VALUES
	('hard_negatives_jsonl(regclass,text,text,text,boolean,text)', $$SELECT * FROM hn_sec.hard_negatives_jsonl('public.hn_sec_mined', 'tevatron', 'SELECT id, text FROM hn_sec_texts', 'SELECT id, text, title FROM hn_sec_texts')$$),
	('hard_negatives_texts(text,text,boolean)', $$SELECT * FROM hn_sec.hard_negatives_texts('SELECT id, text, title FROM hn_sec_texts', 'public', true)$$);
INSERT INTO hn_sec_res SELECT 'upd', * FROM pg_temp.hn_sec_run();
SELECT is((SELECT plants FROM hn_sec_res WHERE k = 'upd'), NULL, 'hardneg 0.1.0 updated to 0.2.0: no plant ran');
SELECT is((SELECT failures FROM hn_sec_res WHERE k = 'upd'), NULL,
	'hardneg 0.1.0 updated to 0.2.0: every call succeeded');

SELECT * FROM finish();
ROLLBACK;
