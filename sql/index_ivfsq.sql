-- ivfsq: plans and exact results on hand-checked data.
-- Distances from q = [1,0.2,0.1]: id1 0.2236, id4 0.8062, id5 1.2042,
-- id2 1.2845, id3 1.3601 (id6 is NULL and never indexed).
CREATE TABLE ri (id int, e embedding(3));
INSERT INTO ri VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0,0,1]'), (4, '[1,1,0]'),
	(5, '[1,1,1]'), (6, NULL);
CREATE INDEX ri_l2 ON ri USING ivfsq (e embedding_l2_ops) WITH (lists = 2);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ri ORDER BY e <-> '[1,0.2,0.1]' LIMIT 3;
SELECT id, round((e <-> '[1,0.2,0.1]')::numeric, 4) AS dist FROM ri ORDER BY e <-> '[1,0.2,0.1]' LIMIT 10;
-- cosine: id1 0.0241, id4 0.1719, id5 0.2675, id2 0.8048, id3 0.9024
DROP INDEX ri_l2;
CREATE INDEX ri_cos ON ri USING ivfsq (e embedding_cosine_ops) WITH (lists = 1);
EXPLAIN (COSTS OFF) SELECT id FROM ri ORDER BY e <=> '[1,0.2,0.1]' LIMIT 3;
SELECT id, round((e <=> '[1,0.2,0.1]')::numeric, 4) AS dist FROM ri ORDER BY e <=> '[1,0.2,0.1]' LIMIT 10;
-- inner product: id5 -1.3, id4 -1.2, id1 -1, id2 -0.2, id3 -0.1
DROP INDEX ri_cos;
CREATE INDEX ri_ip ON ri USING ivfsq (e embedding_ip_ops) WITH (lists = 2);
SELECT id, e <#> '[1,0.2,0.1]' AS neg_ip FROM ri ORDER BY e <#> '[1,0.2,0.1]' LIMIT 10;
-- filters and updates go through the index
UPDATE ri SET e = '[-1,-1,-1]' WHERE id = 5;
SELECT id FROM ri WHERE id > 1 ORDER BY e <#> '[1,0.2,0.1]' LIMIT 2;
DELETE FROM ri WHERE id = 4;
VACUUM ri;
SELECT id FROM ri ORDER BY e <#> '[1,0.2,0.1]' LIMIT 10;
SELECT * FROM hardneg_index_verify('ri_ip');
-- without ORDER BY the index is not used
EXPLAIN (COSTS OFF) SELECT id FROM ri WHERE id = 1;
-- messages
SELECT id FROM ri ORDER BY e <#> '[1,2]' LIMIT 1;
CREATE INDEX ON ri USING ivfsq (e embedding_l2_ops) WITH (lists = 40000);
SELECT * FROM hardneg_index_verify('ri');
SET hardneg.ivfsq_rerank = 0;
SELECT amname, opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE amname = 'ivfsq' ORDER BY opcname;
SELECT amvalidate(c.oid) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod WHERE amname = 'ivfsq';
DROP TABLE ri;
