-- pgTAP: assign_batches, inbatch_collisions, mix_negatives, mining_diff and
-- the composition errors, checked by properties and by plain-SQL references
-- on the Cranfield USE-lite vectors and a toy collection with hostile text ids.
BEGIN;
SELECT plan(33);

\ir include/compose_data.psql

-- ---------- assign_batches ----------
CREATE TEMP TABLE bt AS
	SELECT m.mode, b.* FROM unnest(ARRAY['tas', 'ngame', 'random']) m(mode),
		LATERAL assign_batches('SELECT id, embedding FROM xq', 16, m.mode, NULL, 2, 3, 7,
			schedule => CASE WHEN m.mode = 'ngame' THEN '{2,3}'::int[] END) b;
SELECT is((SELECT count(*) FROM (SELECT mode, epoch, query_id FROM bt GROUP BY 1, 2, 3 HAVING count(*) <> 1) s)
		+ (SELECT count(*) FROM (SELECT mode, epoch FROM bt GROUP BY 1, 2 HAVING count(*) <> 225) s), 0::bigint,
	'every epoch holds every query exactly once, in every mode');
SELECT is((SELECT count(*) FROM (SELECT mode, epoch, batch_id FROM bt GROUP BY 1, 2, 3
		HAVING count(*) > 16 OR max(pos_in_batch) <> count(*) OR min(pos_in_batch) <> 1) s), 0::bigint,
	'batches hold at most batch_size queries at positions 1..n');
SELECT is((SELECT count(*) FROM (SELECT mode, epoch, batch_id FROM bt GROUP BY 1, 2, 3
		HAVING count(*) < 16 AND batch_id < (SELECT max(batch_id) FROM bt b2 WHERE (b2.mode, b2.epoch) = (bt.mode, bt.epoch))) s),
	0::bigint, 'only the last batch of an epoch is short');
SELECT cmp_ok((SELECT avg(c) FROM (SELECT epoch, batch_id, count(DISTINCT cluster) c FROM bt WHERE mode = 'tas'
		GROUP BY 1, 2) s), '<', (SELECT avg(c) / 2 FROM (SELECT r.epoch, r.batch_id, count(DISTINCT t.cluster) c
		FROM bt r JOIN bt t ON t.query_id = r.query_id AND t.mode = 'tas' AND t.epoch = 1
		WHERE r.mode = 'random' GROUP BY 1, 2) s),
	'tas: a batch spans less than half as many topic clusters as a random batch');
SELECT is((SELECT count(*) FROM bt t JOIN kmeans('SELECT id, embedding FROM xq',
		(225 * 2 + 15) / 16, 7, 100, 1, 'cosine') k ON k.id = t.query_id WHERE t.mode = 'tas' AND t.cluster <> k.cluster),
	0::bigint, 'tas clusters are kmeans() clusters under the same seed');
SELECT is((SELECT array_agg(n ORDER BY epoch) FROM (SELECT epoch, count(DISTINCT cluster) n FROM bt WHERE mode = 'ngame' GROUP BY 1) s),
	ARRAY[32, 16, 8]::bigint[], 'ngame: 2^ceil(log2(n_clusters)) leaves, halved at each scheduled epoch');
SELECT is((SELECT max(n) - min(n) FROM (SELECT cluster, count(*) n FROM bt WHERE mode = 'ngame' AND epoch = 1 GROUP BY 1) s),
	1::bigint, 'ngame: balanced 2-means leaves differ in size by at most one');
SELECT is((SELECT count(*) FROM (SELECT epoch, batch_id FROM bt WHERE mode = 'ngame' AND epoch = 3 GROUP BY 1, 2
		HAVING count(DISTINCT cluster) > 2) s), 0::bigint, 'ngame: whole clusters (28 or 29 queries) are cut into batches of 16');
SELECT is((SELECT count(*) FROM bt WHERE mode = 'random' AND cluster IS NOT NULL), 0::bigint, 'random: no cluster');
SELECT is((SELECT count(*) FROM (
		SELECT epoch, batch_id, pos_in_batch, query_id FROM bt WHERE mode = 'tas' EXCEPT
		SELECT epoch, batch_id, pos_in_batch, query_id
		FROM assign_batches('SELECT id, embedding FROM xq ORDER BY md5(id::text)', 16, 'tas', NULL, 2, 3, 7)) d),
	0::bigint, 'tas batches do not depend on the input order');

-- ---------- inbatch_collisions: against a join written out in SQL ----------
CREATE TEMP TABLE tq (id text, embedding real[]);
INSERT INTO tq SELECT E'q\t' || chr(1000 + i) || E'\\' || i || '''"', ARRAY[i % 3, i % 5, 1]::real[] FROM generate_series(1, 40) i;
CREATE TEMP TABLE tr (query_id text, doc_id text);
INSERT INTO tr SELECT id, E'd\n' || ((substr(id, 3, 1) || '')::text) || (length(id) + n) FROM tq, generate_series(1, 3) n;
CREATE TEMP TABLE tqr (query_id text, doc_id text, relevance int);
INSERT INTO tqr SELECT DISTINCT q.id, t.doc_id, (length(q.id) % 2) FROM tq q JOIN tr t ON t.query_id <> q.id
	WHERE (hashtext(q.id || t.doc_id) % 4) = 0;
CREATE TEMP TABLE tb AS SELECT * FROM assign_batches('SELECT id FROM tq', 8, 'random', NULL, 1, 2, 0, 'cosine', NULL, NULL::text);
SELECT set_eq($$SELECT * FROM inbatch_collisions('SELECT epoch, batch_id, query_id FROM tb', 'SELECT * FROM tr', 'SELECT * FROM tqr', NULL::text)$$,
	$$SELECT DISTINCT a.epoch, a.batch_id, a.query_id, t.doc_id, b.query_id AS from_query_id
	  FROM tb a JOIN tb b ON (a.epoch, a.batch_id) = (b.epoch, b.batch_id) AND a.query_id <> b.query_id
	  JOIN tr t ON t.query_id = b.query_id JOIN tqr r ON (r.query_id, r.doc_id) = (a.query_id, t.doc_id) AND r.relevance >= 1$$,
	'inbatch_collisions = the SQL join (text ids with tabs, newlines, quotes, backslashes, non-ASCII)');
SELECT cmp_ok((SELECT count(*) FROM inbatch_collisions('SELECT epoch, batch_id, query_id FROM tb', 'SELECT * FROM tr', 'SELECT * FROM tqr', NULL::text)),
	'>', 0::bigint, 'the toy case has collisions to find');

-- ---------- mix_negatives ----------
CREATE TEMP TABLE mined AS
	SELECT (i / 20) + 1 AS query_id, (i * 7919) % 1400 + 1 AS doc_id, i % 20 + 1 AS rank FROM generate_series(0, 20 * 50 - 1) i;
CREATE TEMP TABLE mq AS SELECT query_id, doc_id, 1 AS relevance FROM mined WHERE rank IN (2, 5)
	UNION SELECT q, d, 1 FROM generate_series(1, 50) q, generate_series(1, 700) d WHERE (q + d) % 3 = 0;
CREATE TEMP TABLE mx AS SELECT * FROM mix_negatives('SELECT * FROM mined', 'SELECT id FROM xd', 'SELECT * FROM mq', 4, 6, 3);
SELECT set_eq($$SELECT query_id, doc_id, rank FROM mx WHERE source = 'hard'$$,
	$$SELECT query_id, doc_id, rank FROM (SELECT m.*, row_number() OVER (PARTITION BY query_id ORDER BY rank) rn FROM mined m
	  WHERE NOT EXISTS (SELECT 1 FROM mq WHERE (mq.query_id, mq.doc_id) = (m.query_id, m.doc_id))) s WHERE rn <= 4$$,
	'hard rows: the first n_hard non-positive mined negatives with their ranks');
SELECT is((SELECT count(*) FROM mx x JOIN mq USING (query_id, doc_id)), 0::bigint, 'never a positive');
SELECT is((SELECT count(*) FROM (SELECT query_id, doc_id FROM mx GROUP BY 1, 2 HAVING count(*) > 1) s), 0::bigint, 'never twice');
SELECT is((SELECT count(*) FROM (SELECT query_id FROM mx WHERE source = 'random' GROUP BY 1 HAVING count(*) <> 6) s)
	+ (SELECT count(*) FROM mx WHERE source = 'random' AND rank IS NOT NULL), 0::bigint, 'n_random random rows per query, rank NULL');
SELECT is((SELECT count(*) FROM mx x WHERE NOT EXISTS (SELECT 1 FROM xd WHERE xd.id = x.doc_id)), 0::bigint, 'random rows are corpus documents');
SELECT set_eq('SELECT * FROM mx', $$SELECT * FROM mix_negatives('SELECT * FROM mined ORDER BY md5(doc_id::text)',
	'SELECT id FROM xd ORDER BY md5(id::text)', 'SELECT * FROM mq', 4, 6, 3)$$, 'mix does not depend on the input order');
SELECT cmp_ok((SELECT count(*) FROM (SELECT * FROM mx EXCEPT SELECT * FROM mix_negatives('SELECT * FROM mined', 'SELECT id FROM xd', 'SELECT * FROM mq', 4, 6, 4)) d),
	'>', 0::bigint, 'another seed draws other random documents');
SELECT is((SELECT count(*) FROM mix_negatives('SELECT * FROM mined WHERE query_id = 1', 'SELECT id FROM xd WHERE id <= 30',
	'SELECT * FROM mq', 0, 100, 0)), (SELECT count(*) FROM xd WHERE id <= 30 AND NOT EXISTS (
		SELECT 1 FROM mq WHERE (mq.query_id, mq.doc_id) = (1, xd.id))), 'a small corpus gives all its eligible documents');

-- ---------- mining_diff ----------
CREATE TEMP TABLE run_a AS SELECT query_id, doc_id FROM mined WHERE rank <= 10;
CREATE TEMP TABLE run_b AS SELECT query_id, doc_id FROM mined WHERE rank BETWEEN 6 AND 15 AND query_id > 1
	UNION ALL SELECT 99, 1;
SELECT set_eq($$SELECT query_id, n_previous, n_current, n_common, round(jaccard::numeric, 12) AS j, round(churn::numeric, 12) AS c
	FROM mining_diff('SELECT * FROM run_a', 'SELECT * FROM run_b')$$,
	$$SELECT query_id, count(a.doc_id) AS na, count(b.doc_id) AS nb, count(a.doc_id) FILTER (WHERE b.doc_id IS NOT NULL) AS nc,
		round((count(a.doc_id) FILTER (WHERE b.doc_id IS NOT NULL))::numeric / count(*), 12) AS j,
		round(CASE WHEN count(b.doc_id) = 0 THEN 0 ELSE (count(b.doc_id) FILTER (WHERE a.doc_id IS NULL))::numeric / count(b.doc_id) END, 12) AS c
	  FROM (SELECT DISTINCT * FROM run_a) a FULL JOIN (SELECT DISTINCT * FROM run_b) b USING (query_id, doc_id) GROUP BY 1$$,
	'mining_diff = the SQL full join');

-- ---------- errors ----------
SELECT throws_ok($$SELECT * FROM kmeans('SELECT id, embedding FROM xq', 300)$$, '22023', NULL, 'k above the item count');
SELECT throws_ok($$SELECT * FROM kmeans('SELECT id, embedding FROM xq', 3, metric => 'ip')$$, '22023', NULL, 'k-means metric ip');
SELECT throws_ok($$SELECT * FROM smote('SELECT id, embedding, class FROM xd', 'tomek')$$, '22023', NULL, 'unknown smote method');
SELECT throws_ok($$SELECT * FROM select_diverse('SELECT id, embedding FROM xq', 5, init_ids => '{424242}')$$, '22023', NULL,
	'init_ids outside the items');
SELECT throws_ok($$SELECT * FROM select_diverse('SELECT id, labels, score FROM mig_items', 5, 'mig',
	labels => 'SELECT label, embedding FROM mig_labels WHERE label <> ''q2''')$$, '22023', NULL, 'mig: a label without embedding');
SELECT throws_ok($$SELECT * FROM select_diverse('SELECT id, labels, score FROM mig_items', 5, 'mig', phi => 'pow(1e-6)')$$,
	'22023', NULL, 'mig: phi pow needs a and b');
SELECT throws_ok($$SELECT * FROM select_diverse('SELECT id, labels, score FROM mig_items', 5, 'mig', phi => 'pow(1e-6, 1.5)')$$,
	'22023', NULL, 'mig: phi must be concave');
SELECT throws_ok($$SELECT * FROM select_diverse('SELECT id, labels, score - 2 AS score FROM mig_items', 5, 'mig')$$,
	'22023', NULL, 'mig: negative scores');
SELECT throws_ok($$SELECT * FROM select_diverse('SELECT 1::bigint AS id, ARRAY[''a'', NULL] AS labels, 1 AS score', 1, 'mig')$$,
	'22004', NULL, 'mig: a NULL label');
SELECT throws_ok($$SELECT * FROM select_diverse('SELECT id, embedding FROM xq', 5, 'mig')$$,
	'42703', NULL, 'mig: items without labels');
SELECT throws_ok($$SELECT * FROM assign_batches('SELECT 1::bigint AS id UNION ALL SELECT 1', 4, 'random')$$, '23505', NULL,
	'duplicate query ids');
SELECT throws_ok($$SELECT * FROM smote('SELECT id, embedding FROM xd')$$, '42703', NULL, 'a missing class column');

SELECT * FROM finish();
ROLLBACK;
