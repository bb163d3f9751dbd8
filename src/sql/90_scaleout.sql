-- Scale-out (docs/scale-out.md): exact k-NN over a corpus that is
-- partitioned across servers with PostgreSQL's own partitioning and
-- postgres_fdw.  Each partition computes its own top k where it lives: a
-- local partition through knn_search, a foreign one by running knn_search
-- on its server, through dblink connected by the foreign server's name (so
-- the user mapping and connection options are postgres_fdw's own).  Only
-- the query vectors travel to a shard and only k rows per query come back;
-- the per-pair scores do not depend on which other rows a corpus holds
-- (docs/knn.md), so merging the partitions' top k by score, ties to the
-- smaller id, gives exactly the single-server answer.

CREATE FUNCTION knn_search_shards(queries text, corpus regclass, k integer, metric text DEFAULT 'cosine',
	caller_search_path text DEFAULT pg_catalog.current_setting('search_path'))
	RETURNS TABLE (query_id bigint, doc_id bigint, rank integer, score real)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	leaf record;
	dblink_schema name;
	remote_schema text;
	vals text;
	conns text[] := '{}';
	conn text;
	parts text[] := '{}';
	remote_sql text;
	wrapped text;
BEGIN
	IF k IS NULL OR k < 1 THEN
		RAISE EXCEPTION 'k must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF metric IS NULL OR metric NOT IN ('cosine', 'ip', 'l2') THEN
		RAISE EXCEPTION 'unknown metric "%"', metric
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use cosine, ip or l2.';
	END IF;
	IF queries IS NULL OR corpus IS NULL THEN
		RAISE EXCEPTION 'queries and corpus must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- a foreign partition is read on its server, past the local permission
	-- check of a scan: so every partition is checked here, as a scan would
	FOR leaf IN SELECT corpus AS relid UNION SELECT t.relid FROM pg_partition_tree(corpus) t LOOP
		IF NOT has_table_privilege(leaf.relid, 'SELECT') THEN
			RAISE EXCEPTION 'permission denied for table %', leaf.relid::regclass
				USING ERRCODE = 'insufficient_privilege';
		END IF;
	END LOOP;
	-- the caller's query runs once, under the caller's search_path (the
	-- default of caller_search_path is evaluated before the SET clause, as in
	-- hard_negatives_jsonl), inside a wrapper that names everything
	-- qualified; its vectors go to every partition as a VALUES list
	wrapped := format('SELECT pg_catalog.string_agg(pg_catalog.format(''(%%s::pg_catalog.int8,%%L)'', q.id,
						  q.embedding::pg_catalog.text), '','') FROM (%s) q', queries);
	PERFORM set_config('search_path', caller_search_path, true);
	EXECUTE wrapped INTO vals;
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	IF vals IS NULL THEN
		RETURN;		-- no queries, no rows
	END IF;
	FOR leaf IN SELECT c.oid, c.relkind, s.srvname, ft.ftoptions,
					   (SELECT coalesce((SELECT option_value FROM pg_options_to_table(a.attfdwoptions)
										  WHERE option_name = 'column_name'), a.attname)
						  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped) AS idcol,
					   (SELECT coalesce((SELECT option_value FROM pg_options_to_table(a.attfdwoptions)
										  WHERE option_name = 'column_name'), a.attname)
						  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'embedding' AND NOT a.attisdropped) AS embcol
				  FROM (SELECT relid, isleaf FROM pg_partition_tree(corpus)
						UNION ALL	-- a table that is not partitioned is its own one partition
						SELECT corpus, true WHERE NOT EXISTS (SELECT 1 FROM pg_partition_tree(corpus))) t
				  JOIN pg_class c ON c.oid = t.relid
				  LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
				  LEFT JOIN pg_foreign_server s ON s.oid = ft.ftserver
				 WHERE t.isleaf
				 ORDER BY c.oid
	LOOP
		IF leaf.idcol IS NULL OR leaf.embcol IS NULL THEN
			RAISE EXCEPTION 'partition % has no column "id" or no column "embedding"', leaf.oid::regclass
				USING ERRCODE = 'undefined_column',
					  HINT = 'knn_search_shards reads id and embedding from every partition of the corpus table.';
		END IF;
		IF leaf.relkind <> 'f' THEN
			parts := parts || format('SELECT * FROM @extschema@.knn_search(%L, %L, %s, %L)',
									 format('SELECT id, e::@extschema@.embedding AS embedding FROM (VALUES %s) v(id, e)', vals),
									 format('SELECT id, embedding FROM ONLY %s', leaf.oid::regclass), k, metric);
			CONTINUE;
		END IF;
		IF dblink_schema IS NULL THEN
			SELECT n.nspname INTO dblink_schema
			  FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'dblink';
			IF dblink_schema IS NULL THEN
				RAISE EXCEPTION 'knn_search_shards needs the dblink extension for foreign partitions'
					USING ERRCODE = 'feature_not_supported',
						  HINT = 'CREATE EXTENSION dblink (contrib, like postgres_fdw); it connects through the same foreign servers.';
			END IF;
		END IF;
		conn := format('hn_shard_%s_%s', pg_backend_pid(), cardinality(conns) + 1);
		EXECUTE format('SELECT %I.dblink_connect(%L, %L)', dblink_schema, conn, leaf.srvname);
		conns := conns || conn;
		EXECUTE format('SELECT s FROM %I.dblink(%L, %L) AS t(s name)', dblink_schema, conn,
					   'SELECT n.nspname FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n '
					   'ON n.oid = x.extnamespace WHERE x.extname = ''hardneg''') INTO remote_schema;
		IF remote_schema IS NULL THEN
			RAISE EXCEPTION 'hardneg is not installed on foreign server "%"', leaf.srvname
				USING ERRCODE = 'undefined_object', HINT = 'CREATE EXTENSION hardneg on every shard.';
		END IF;
		remote_sql := format('SELECT query_id, doc_id, rank, score FROM %I.knn_search(%L, %L, %s, %L)',
							 remote_schema,
							 format('SELECT id, e::%I.embedding AS embedding FROM (VALUES %s) v(id, e)', remote_schema, vals),
							 format('SELECT %I AS id, %I AS embedding FROM %I.%I', leaf.idcol, leaf.embcol,
									coalesce((SELECT option_value FROM pg_options_to_table(leaf.ftoptions)
											   WHERE option_name = 'schema_name'),
											 (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
											   WHERE c.oid = leaf.oid)),
									coalesce((SELECT option_value FROM pg_options_to_table(leaf.ftoptions)
											   WHERE option_name = 'table_name'),
											 (SELECT relname FROM pg_class WHERE oid = leaf.oid))),
							 k, metric);
		-- sent now, read below: the shards compute at the same time
		EXECUTE format('SELECT %I.dblink_send_query(%L, %L)', dblink_schema, conn, remote_sql);
		parts := parts || format('SELECT * FROM %I.dblink_get_result(%L) AS t(query_id bigint, doc_id bigint, '
								 'rank integer, score real)', dblink_schema, conn);
	END LOOP;
	IF cardinality(parts) > 0 THEN
		RETURN QUERY EXECUTE format(
			'SELECT m.query_id, m.doc_id, m.rank::integer, m.score FROM (
				SELECT c.query_id, c.doc_id, c.score,
					   row_number() OVER (PARTITION BY c.query_id ORDER BY c.score DESC, c.doc_id) AS rank
				  FROM (%s) c) m
			  WHERE m.rank <= %s ORDER BY m.query_id, m.rank', array_to_string(parts, ' UNION ALL '), k);
	END IF;
	FOREACH conn IN ARRAY conns LOOP
		EXECUTE format('SELECT %I.dblink_disconnect(%L)', dblink_schema, conn);
	END LOOP;
EXCEPTION WHEN OTHERS THEN
	-- a shard that is down or fails ends the call: no partial answer
	FOREACH conn IN ARRAY conns LOOP
		BEGIN
			EXECUTE format('SELECT %I.dblink_disconnect(%L)', dblink_schema, conn);
		EXCEPTION WHEN OTHERS THEN
			NULL;
		END;
	END LOOP;
	RAISE;
END
$fn$;
COMMENT ON FUNCTION knn_search_shards(text, regclass, integer, text, text) IS
	'knn_search (exact, bigint ids) over a partitioned corpus table (id, embedding) whose partitions may be '
	'postgres_fdw foreign tables: each partition computes its top k where it lives (foreign ones through dblink '
	'on their server), k rows per query come back, merged by score, ties to the smaller id: the single-server answer. '
	'The queries query runs once, under caller_search_path (the caller''s search_path by default)';
