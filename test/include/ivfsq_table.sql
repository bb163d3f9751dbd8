-- A table t (id, e embedding(64)) of :rows pseudo-random rows (vec(g) is a pure
-- function of g, so any session can recompute a row's vector) and its ivfsq
-- index t_e; answers(): the top 10 ids of 20 fixed queries through the index
-- with every list probed, one text value to compare across servers or restarts.
CREATE EXTENSION IF NOT EXISTS hardneg;
CREATE FUNCTION vec(g bigint) RETURNS embedding LANGUAGE sql IMMUTABLE
	AS $$ SELECT array_agg(x - floor(x) - 0.5)::real[]::embedding(64)
		  FROM (SELECT sin(g * 12.9898 + j * 78.233) * 43758.5453 AS x FROM generate_series(1, 64) j) s $$;
CREATE TABLE t (id bigint PRIMARY KEY, e embedding(64));
INSERT INTO t SELECT g, vec(g) FROM generate_series(1, :rows) g;
CREATE INDEX t_e ON t USING ivfsq (e embedding_l2_ops) WITH (lists = 16);
CREATE FUNCTION answers() RETURNS text LANGUAGE sql STABLE
	SET enable_seqscan = off SET hardneg.ivfsq_probes = 1000
	AS $$ SELECT string_agg(ids, ';' ORDER BY qid) FROM (
		SELECT qid, (SELECT string_agg(id::text, ',' ORDER BY d, id) FROM (
			SELECT id, e <-> vec(-qid) AS d FROM t ORDER BY e <-> vec(-qid) LIMIT 10) s) AS ids
		FROM generate_series(1, 20) qid) a $$;
-- heap_vs_index(): rows of the heap not found through the index plus rows found
-- through the index that the heap does not have (0 when nothing is lost)
CREATE FUNCTION heap_vs_index() RETURNS bigint LANGUAGE sql STABLE
	SET enable_seqscan = off SET hardneg.ivfsq_probes = 1000 SET hardneg.ivfsq_max_scan_tuples = 100000000
	AS $$ WITH ix AS (SELECT id FROM t ORDER BY e <-> vec(0) LIMIT 100000000),
		hp AS (SELECT id FROM t WHERE id IS NOT NULL OFFSET 0)
		SELECT (SELECT count(*) FROM (SELECT id FROM hp EXCEPT ALL SELECT id FROM ix) a)
			 + (SELECT count(*) FROM (SELECT id FROM ix EXCEPT ALL SELECT id FROM hp) b) $$;
