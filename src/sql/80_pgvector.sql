-- pgvector as a drop-in (docs/pgvector.md): ivfsq operator classes on
-- pgvector's vector type with pgvector's own operators, so that an existing
-- table and its queries (ORDER BY v <=> $1 LIMIT k) use an ivfsq index
-- unchanged.
--
-- One mechanism creates everything that bridges the two extensions, the
-- casts (hardneg_vector_casts, 10_embedding.sql) and these operator classes:
-- hardneg_pgvector().  It runs when CREATE EXTENSION hardneg finds pgvector,
-- and from an event trigger when CREATE EXTENSION vector comes later.  Like
-- the casts, the operator classes are free-standing, not members of hardneg:
-- a member depending on pgvector's type would make DROP EXTENSION vector
-- CASCADE drop hardneg with it.  A second event trigger drops the unused
-- bridge before any DROP EXTENSION, so that neither extension needs CASCADE
-- to go while the other stays; the first trigger puts it back afterwards
-- when both are still there.

CREATE FUNCTION hardneg_pgvector(action text DEFAULT 'create') RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	vec regtype;
	opc record;
	opr regoperator;
	present boolean;
BEGIN
	IF action IS NULL OR action NOT IN ('create', 'drop') THEN
		RAISE EXCEPTION 'unknown action "%" for hardneg_pgvector()', action
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''create'' (the default) or ''drop''.';
	END IF;
	-- pgvector's type by extension membership, never by search_path
	SELECT t.oid::regtype INTO vec
	  FROM pg_type t
	  JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
	  JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'vector'
	 WHERE t.typname = 'vector';
	IF vec IS NULL THEN
		IF action = 'drop' THEN
			RETURN false;
		END IF;
		RAISE EXCEPTION 'pgvector is not installed in this database'
			USING ERRCODE = 'undefined_object',
				  HINT = 'Run CREATE EXTENSION vector; hardneg then creates its operator classes and casts itself.';
	END IF;
	FOR opc IN SELECT v.*, s.oid AS opcoid
				 FROM (VALUES ('vector_l2_ops', '<->', 'l2', 'Euclidean distance'),
							  ('vector_ip_ops', '<#>', 'ip', 'negative inner product'),
							  ('vector_cosine_ops', '<=>', 'cosine', 'cosine distance')) v(name, op, metric, label)
				 LEFT JOIN (pg_opclass s JOIN pg_am a ON a.oid = s.opcmethod AND a.amname = 'ivfsq')
				   ON s.opcname = v.name AND s.opcintype = vec
				  AND s.opcnamespace = '@extschema@'::regnamespace
	LOOP
		present := opc.opcoid IS NOT NULL;
		IF action = 'drop' AND present THEN
			-- RESTRICT: an index using the class keeps it (and the error names the index)
			EXECUTE format('DROP OPERATOR CLASS @extschema@.%I USING ivfsq', opc.name);
			EXECUTE format('DROP OPERATOR FAMILY IF EXISTS @extschema@.%I USING ivfsq', opc.name);
		ELSIF action = 'create' AND NOT present THEN
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
			-- inside CREATE EXTENSION hardneg the class became a member: undo that
			IF EXISTS (SELECT 1 FROM pg_depend d JOIN pg_opclass s ON s.oid = d.objid
						 JOIN pg_am a ON a.oid = s.opcmethod AND a.amname = 'ivfsq'
						WHERE d.classid = 'pg_opclass'::regclass AND d.deptype = 'e'
						  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'hardneg')
						  AND s.opcname = opc.name AND s.opcintype = vec
						  AND s.opcnamespace = '@extschema@'::regnamespace) THEN
				EXECUTE format('ALTER EXTENSION hardneg DROP OPERATOR CLASS @extschema@.%I USING ivfsq', opc.name);
				EXECUTE format('ALTER EXTENSION hardneg DROP OPERATOR FAMILY @extschema@.%I USING ivfsq', opc.name);
			END IF;
		END IF;
	END LOOP;
	PERFORM @extschema@.hardneg_vector_casts(action);
	RETURN true;
END
$fn$;
COMMENT ON FUNCTION hardneg_pgvector(text) IS
	'Creates (''create'', the default) or drops (''drop'') what bridges hardneg and pgvector: the ivfsq '
	'operator classes vector_l2_ops, vector_ip_ops, vector_cosine_ops on pgvector''s vector and the '
	'casts between vector and embedding; runs by itself on CREATE EXTENSION of either';

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

-- Before DROP EXTENSION (the trigger cannot see which one): drop the bridge
-- if nothing uses it, so that DROP EXTENSION vector and DROP EXTENSION
-- hardneg need no CASCADE.  An ivfsq index on a vector column keeps it all,
-- and the DROP then names that index.
CREATE FUNCTION hardneg_pgvector_ddl_start() RETURNS event_trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	PERFORM @extschema@.hardneg_pgvector('drop');
EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
	NULL;
END
$fn$;
COMMENT ON FUNCTION hardneg_pgvector_ddl_start() IS
	'Event trigger function: drops the unused pgvector bridge before DROP EXTENSION (recreated afterwards if both remain)';

CREATE EVENT TRIGGER hardneg_pgvector_create ON ddl_command_end
	WHEN TAG IN ('CREATE EXTENSION', 'DROP EXTENSION')
	EXECUTE FUNCTION hardneg_pgvector_ddl_end();
COMMENT ON EVENT TRIGGER hardneg_pgvector_create IS
	'Creates hardneg''s operator classes and casts for pgvector when both extensions are installed';
CREATE EVENT TRIGGER hardneg_pgvector_drop ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION')
	EXECUTE FUNCTION hardneg_pgvector_ddl_start();
COMMENT ON EVENT TRIGGER hardneg_pgvector_drop IS
	'Drops hardneg''s unused pgvector bridge before DROP EXTENSION, so neither extension needs CASCADE';

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
		PERFORM @extschema@.hardneg_pgvector();
	END IF;
END
$$;
