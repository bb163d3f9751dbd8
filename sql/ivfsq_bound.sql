-- An ivfsq scan that reaches hardneg.ivfsq_max_scan_tuples with rows left
-- says so (WARNING), never silently; the planner keeps plans that would
-- reach the bound off the index.
CREATE TABLE ivb AS
SELECT g AS id, ARRAY[sin(g), cos(g * 1.7), sin(g * 0.31), cos(g * 2.3)]::real[]::embedding(4) AS e,
	   g % 1000 AS cat
FROM generate_series(1, 3000) g;
CREATE INDEX ivb_e ON ivb USING ivfsq (e embedding_l2_ops) WITH (lists = 10);
ANALYZE ivb;
SET hardneg.ivfsq_max_scan_tuples = 100;
SET hardneg.ivfsq_rerank = 10;
-- a filter no row passes: the scan stops at the bound, with a warning
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM ivb WHERE cat = -1 ORDER BY e <-> '[0,0,0,0]' LIMIT 10) s;
-- the planner prices out LIMIT 200 > 100 and ORDER BY without LIMIT
RESET enable_seqscan;
EXPLAIN (COSTS OFF) SELECT id FROM ivb ORDER BY e <-> '[0,0,0,0]' LIMIT 200;
EXPLAIN (COSTS OFF) SELECT id FROM ivb ORDER BY e <-> '[0,0,0,0]';
EXPLAIN (COSTS OFF) SELECT id FROM ivb ORDER BY e <-> '[0,0,0,0]' LIMIT 50;
SELECT count(*) FROM (SELECT id FROM ivb ORDER BY e <-> '[0,0,0,0]' LIMIT 200) s;
-- forced onto the index anyway: the rows stop at the bound, with a warning
SET enable_seqscan = off;
SET enable_sort = off;
SELECT count(*) FROM (SELECT id FROM ivb ORDER BY e <-> '[0,0,0,0]' LIMIT 200) s;
-- the whole index within the bound: no warning
SET hardneg.ivfsq_max_scan_tuples = 3000;
SELECT count(*) FROM (SELECT id FROM ivb ORDER BY e <-> '[0,0,0,0]') s;
RESET ALL;
DROP TABLE ivb;
