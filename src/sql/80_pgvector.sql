-- pgvector as a drop-in (docs/pgvector.md): ivfsq operator classes on
-- pgvector's vector type with pgvector's own operators, so that an existing
-- table and its queries (ORDER BY v <=> $1 LIMIT k) use an ivfsq index
-- unchanged.
--
-- One mechanism creates everything that bridges the two extensions, the
-- casts (hardneg_vector_casts, below) and these operator classes:
-- hardneg_pgvector().  It runs when CREATE EXTENSION hardneg finds pgvector,
-- and from an event trigger when CREATE EXTENSION vector comes later.  The
-- bridge belongs to hardneg (its objects are extension members), so pg_dump
-- leaves it out and a restore gets it back from the CREATE EXTENSION of
-- whichever of the two comes second, and DROP EXTENSION hardneg takes it.
-- A member that depends on pgvector's type would make DROP EXTENSION vector
-- CASCADE drop hardneg with it: so before any DROP EXTENSION a second event
-- trigger releases the bridge ('release'): the extension lets go of every
-- bridge object, the unused ones are dropped, and one that an index uses
-- stays as a free-standing object, which a CASCADE then drops with the index
-- (never hardneg) and a plain DROP names.  After the DROP, the first trigger
-- takes back what is left when both extensions remain.

-- pgvector interop: vector and embedding share one layout, so the casts are
-- binary coercions, created with the rest of the pgvector bridge by
-- hardneg_pgvector() (src/sql/80_pgvector.sql) when both extensions are
-- installed, in either order.  They are members of hardneg: pg_dump leaves
-- them out and the restore's CREATE EXTENSION makes them again, and DROP
-- EXTENSION hardneg takes them along.  Before any DROP EXTENSION an event
-- trigger drops them (the extension lets go of them first), so that DROP
-- EXTENSION vector CASCADE can never reach hardneg through them.
-- CREATE OR REPLACE: new in a fresh install, 0.1.0's replaced by the upgrade,
-- which runs this fragment whole
CREATE OR REPLACE FUNCTION hardneg_vector_casts(action text DEFAULT 'create') RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
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
		IF action <> 'create' THEN
			RETURN false;		-- without pgvector there is nothing to drop
		END IF;
		RAISE EXCEPTION 'pgvector is not installed in this database'
			USING ERRCODE = 'undefined_object',
				  HINT = 'Run CREATE EXTENSION vector first, then SELECT hardneg_vector_casts().';
	END IF;
	FOR pair IN SELECT v.src, v.dst, v.ctx, c.oid IS NOT NULL AS present,
					   EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_cast'::regclass
								  AND d.objid = c.oid AND d.deptype = 'e') AS member
				  FROM (VALUES (vec, emb, 'IMPLICIT'), (emb, vec, 'ASSIGNMENT')) v(src, dst, ctx)
				  LEFT JOIN pg_cast c ON c.castsource = v.src AND c.casttarget = v.dst
	LOOP
		IF action = 'create' THEN
			IF NOT pair.present THEN
				EXECUTE format('CREATE CAST (%s AS %s) WITHOUT FUNCTION AS %s', pair.src, pair.dst, pair.ctx);
				EXECUTE format('COMMENT ON CAST (%s AS %s) IS %L', pair.src, pair.dst,
							   'Binary coercion: vector and embedding share one on-disk layout');
			END IF;
			-- inside CREATE or ALTER EXTENSION hardneg a new cast is a member already
			IF NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_cast c ON c.oid = d.objid
							WHERE d.classid = 'pg_cast'::regclass AND d.deptype = 'e'
							  AND c.castsource = pair.src AND c.casttarget = pair.dst) THEN
				EXECUTE format('ALTER EXTENSION hardneg ADD CAST (%s AS %s)', pair.src, pair.dst);
			END IF;
		ELSIF pair.present THEN		-- 'drop'
			IF pair.member THEN
				EXECUTE format('ALTER EXTENSION hardneg DROP CAST (%s AS %s)', pair.src, pair.dst);
			END IF;
			EXECUTE format('DROP CAST (%s AS %s)', pair.src, pair.dst);
		END IF;
	END LOOP;
	RETURN true;
END
$fn$;
COMMENT ON FUNCTION hardneg_vector_casts(text) IS
	'hardneg_vector_casts() creates the binary-coercible casts vector -> embedding (implicit) and '
	'embedding -> vector (assignment) as members of hardneg; hardneg_vector_casts(''drop'') drops them';

CREATE FUNCTION hardneg_pgvector(action text DEFAULT 'create') RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	vec regtype;
	opc record;
	opr regoperator;
BEGIN
	IF action IS NULL OR action NOT IN ('create', 'drop', 'release') THEN
		RAISE EXCEPTION 'unknown action "%" for hardneg_pgvector()', action
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use ''create'' (the default), ''drop'' or ''release''.';
	END IF;
	-- pgvector's type by extension membership, never by search_path
	SELECT t.oid::regtype INTO vec
	  FROM pg_type t
	  JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
	  JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'vector'
	 WHERE t.typname = 'vector';
	IF vec IS NULL THEN
		IF action <> 'create' THEN
			RETURN false;
		END IF;
		RAISE EXCEPTION 'pgvector is not installed in this database'
			USING ERRCODE = 'undefined_object',
				  HINT = 'Run CREATE EXTENSION vector; hardneg then creates its operator classes and casts itself.';
	END IF;
	FOR opc IN SELECT v.*, s.oid AS opcoid,
					  EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_opclass'::regclass
								 AND d.objid = s.oid AND d.deptype = 'e') AS member
				 FROM (VALUES ('vector_l2_ops', '<->', 'l2', 'Euclidean distance'),
							  ('vector_ip_ops', '<#>', 'ip', 'negative inner product'),
							  ('vector_cosine_ops', '<=>', 'cosine', 'cosine distance')) v(name, op, metric, label)
				 LEFT JOIN (pg_opclass s JOIN pg_am a ON a.oid = s.opcmethod AND a.amname = 'ivfsq')
				   ON s.opcname = v.name AND s.opcintype = vec
				  AND s.opcnamespace = '@extschema@'::regnamespace
	LOOP
		IF action = 'create' THEN
			IF opc.opcoid IS NULL THEN
				SELECT o.oid::regoperator INTO opr
				  FROM pg_operator o
				  JOIN pg_depend d ON d.classid = 'pg_operator'::regclass AND d.objid = o.oid AND d.deptype = 'e'
				  JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'vector'
				 WHERE o.oprname = opc.op AND o.oprleft = vec AND o.oprright = vec;
				IF opr IS NULL THEN
					RAISE EXCEPTION 'pgvector has no operator % (vector, vector)', opc.op
						USING ERRCODE = 'undefined_function',
							  HINT = 'Update pgvector (ALTER EXTENSION vector UPDATE), then SELECT hardneg_pgvector().';
				END IF;
				EXECUTE format('CREATE OPERATOR CLASS @extschema@.%I %s FOR TYPE %s USING ivfsq AS '
							   'OPERATOR 1 %I.%s (%s, %s) FOR ORDER BY pg_catalog.float_ops, '
							   'FUNCTION 1 @extschema@.%I(internal)',
							   opc.name, CASE WHEN opc.metric = 'l2' THEN 'DEFAULT' ELSE '' END, vec,
							   (SELECT n.nspname FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
								 WHERE o.oid = opr), opc.op, vec, vec,
							   'hardneg_ivfsq_' || opc.metric || '_support');
				EXECUTE format('COMMENT ON OPERATOR CLASS @extschema@.%I USING ivfsq IS %L', opc.name,
							   format('ivfsq on pgvector''s vector: ORDER BY vector %s query (%s)', opc.op, opc.label));
				EXECUTE format('COMMENT ON OPERATOR FAMILY @extschema@.%I USING ivfsq IS %L', opc.name,
							   format('ivfsq operator family for pgvector''s vector, %s', opc.label));
			END IF;
			-- inside CREATE or ALTER EXTENSION hardneg a new class is a member already
			IF NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_opclass s ON s.oid = d.objid
							 JOIN pg_am a ON a.oid = s.opcmethod AND a.amname = 'ivfsq'
							WHERE d.classid = 'pg_opclass'::regclass AND d.deptype = 'e' AND s.opcname = opc.name
							  AND s.opcintype = vec AND s.opcnamespace = '@extschema@'::regnamespace) THEN
				EXECUTE format('ALTER EXTENSION hardneg ADD OPERATOR FAMILY @extschema@.%I USING ivfsq', opc.name);
				EXECUTE format('ALTER EXTENSION hardneg ADD OPERATOR CLASS @extschema@.%I USING ivfsq', opc.name);
			END IF;
		ELSIF opc.opcoid IS NOT NULL THEN
			IF opc.member THEN
				EXECUTE format('ALTER EXTENSION hardneg DROP OPERATOR CLASS @extschema@.%I USING ivfsq', opc.name);
				EXECUTE format('ALTER EXTENSION hardneg DROP OPERATOR FAMILY @extschema@.%I USING ivfsq', opc.name);
			END IF;
			BEGIN
				-- RESTRICT: an index using the class keeps it (and the error names the index)
				EXECUTE format('DROP OPERATOR CLASS @extschema@.%I USING ivfsq', opc.name);
				EXECUTE format('DROP OPERATOR FAMILY IF EXISTS @extschema@.%I USING ivfsq', opc.name);
			EXCEPTION WHEN dependent_objects_still_exist THEN
				IF action = 'drop' THEN
					RAISE;
				END IF;
				-- 'release': in use, so it stays, free-standing
			END;
		END IF;
	END LOOP;
	PERFORM @extschema@.hardneg_vector_casts(CASE action WHEN 'create' THEN 'create' ELSE 'drop' END);
	RETURN true;
END
$fn$;
COMMENT ON FUNCTION hardneg_pgvector(text) IS
	'Creates (''create'', the default) or drops (''drop'') what bridges hardneg and pgvector: the ivfsq '
	'operator classes vector_l2_ops, vector_ip_ops, vector_cosine_ops on pgvector''s vector and the '
	'casts between vector and embedding, all members of hardneg; runs by itself on CREATE EXTENSION of either. '
	'''release'' (run before every DROP EXTENSION) drops what is unused and leaves a class that an index '
	'uses outside the extension';

-- After CREATE EXTENSION vector (or any DROP EXTENSION that left both):
-- create the bridge.  A user who may create extensions but not operator
-- classes gets a warning instead of a failed CREATE EXTENSION.
CREATE FUNCTION hardneg_pgvector_ddl_end() RETURNS event_trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
		RETURN;
	END IF;
	PERFORM @extschema@.hardneg_pgvector('create');
EXCEPTION WHEN insufficient_privilege THEN
	RAISE WARNING 'hardneg could not create its operator classes and casts for pgvector'
		USING DETAIL = SQLERRM, HINT = 'A superuser can run SELECT hardneg_pgvector().';
END
$fn$;
COMMENT ON FUNCTION hardneg_pgvector_ddl_end() IS
	'Event trigger function: creates the pgvector bridge (hardneg_pgvector()) when both extensions are installed';

-- Before DROP EXTENSION (the trigger cannot see which one): release the
-- bridge (see the top of this file), so that DROP EXTENSION vector and DROP
-- EXTENSION hardneg need no CASCADE, and so that a CASCADE of either never
-- reaches the other.  An ivfsq index on a vector column keeps its class, and
-- the DROP then names that index.
CREATE FUNCTION hardneg_pgvector_ddl_start() RETURNS event_trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	PERFORM @extschema@.hardneg_pgvector('release');
EXCEPTION WHEN insufficient_privilege THEN
	RAISE WARNING 'hardneg could not release its pgvector bridge before DROP EXTENSION'
		USING DETAIL = SQLERRM,
			  HINT = 'The owner of hardneg can run SELECT hardneg_pgvector(''drop'') first; '
					 'DROP EXTENSION vector CASCADE would otherwise drop hardneg too.';
END
$fn$;
COMMENT ON FUNCTION hardneg_pgvector_ddl_start() IS
	'Event trigger function: releases the pgvector bridge before DROP EXTENSION (taken back afterwards if both remain)';

CREATE EVENT TRIGGER hardneg_pgvector_create ON ddl_command_end
	WHEN TAG IN ('CREATE EXTENSION', 'DROP EXTENSION')
	EXECUTE FUNCTION hardneg_pgvector_ddl_end();
COMMENT ON EVENT TRIGGER hardneg_pgvector_create IS
	'Creates hardneg''s operator classes and casts for pgvector when both extensions are installed';
CREATE EVENT TRIGGER hardneg_pgvector_drop ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION')
	EXECUTE FUNCTION hardneg_pgvector_ddl_start();
COMMENT ON EVENT TRIGGER hardneg_pgvector_drop IS
	'Releases hardneg''s pgvector bridge before DROP EXTENSION, so neither extension needs CASCADE and a CASCADE never drops the other';

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
		PERFORM @extschema@.hardneg_pgvector();
	END IF;
END
$$;
