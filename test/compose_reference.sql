-- pgTAP: the composition functions against independent references on the
-- Cranfield USE-lite vectors (test/tools/compose_reference.py): scikit-learn
-- KMeans, imbalanced-learn 0.10 SMOTE / BorderlineSMOTE / ADASYN, numpy greedy
-- k-center, facility location and MIG, numpy nearest training queries.
BEGIN;
SELECT plan(48);

\ir include/compose_data.psql

-- ---------- kmeans ----------
CREATE TEMP TABLE km AS
	SELECT k.k, r.* FROM unnest(ARRAY[8, 20]) k(k),
		LATERAL kmeans('SELECT id, embedding FROM xd', k.k, n_init => 10) r;
SELECT cmp_ok((SELECT sum(distance ^ 2) FROM km WHERE k = r.k), '<=', 1.01 * r.inertia,
	'k = ' || r.k || ': inertia within 1% of scikit-learn''s best of 10 runs')
	FROM ref_kmeans r ORDER BY r.k;
SELECT is((SELECT count(*) FROM km WHERE k = 20), 1400::bigint, 'one row per item');
CREATE TEMP TABLE kc AS SELECT * FROM kmeans_centroids('SELECT id, embedding FROM xd', 20, n_init => 10);
SELECT is((SELECT array_agg(size ORDER BY cluster) FROM kc),
		  (SELECT array_agg(n ORDER BY cluster) FROM (SELECT cluster, count(*) n FROM km WHERE k = 20 GROUP BY 1) s),
		  'kmeans_centroids sizes = kmeans member counts');
SELECT is((SELECT array_agg(cluster ORDER BY first) FROM (SELECT cluster, min(id) first FROM km WHERE k = 20 GROUP BY 1) s),
		  (SELECT array_agg(c) FROM generate_series(1, 20) c), 'clusters numbered by their smallest member id');
-- each item is nearest (numpy-free check: exact distances in SQL) to its own centroid
SELECT is((SELECT count(*) FROM (
		SELECT x.id, m.cluster,
			(SELECT c.cluster FROM kc c
			 ORDER BY (SELECT sum((a - b) ^ 2) FROM unnest(x.embedding, c.centroid::real[]) u(a, b)), c.cluster LIMIT 1) AS nearest
		FROM xd x JOIN km m ON m.id = x.id AND m.k = 20 WHERE x.id % 50 = 0) s
		WHERE nearest <> cluster), 0::bigint, 'sampled items are assigned to their nearest centroid');
SELECT is((SELECT count(*) FROM (
		(SELECT id::text, cluster FROM km WHERE k = 8 EXCEPT
		 SELECT id::text, cluster FROM kmeans('SELECT id, embedding FROM xd ORDER BY md5(id::text)', 8, n_init => 10))
		UNION ALL
		(SELECT lpad(id::text, 5, '0'), cluster FROM km WHERE k = 8 EXCEPT
		 SELECT id::text, cluster FROM kmeans('SELECT lpad(id::text, 5, ''0'') AS id, embedding FROM xd', 8, 0, 100, 10, 'l2', NULL::text))) d),
		0::bigint, 'same clusters under another input order, and with text ids of the same order');
SELECT cmp_ok((SELECT max(abs(1 - sqrt(sum_sq))) FROM (
		SELECT (SELECT sum(a * a) FROM unnest(centroid::real[]) a) sum_sq
		FROM kmeans_centroids('SELECT id, embedding FROM xd', 5, metric => 'cosine')) s), '<', 1e-5::float8,
	'spherical k-means centroids have unit length');

-- ---------- smote ----------
CREATE TEMP TABLE syn AS
	SELECT m.method, s.* FROM unnest(ARRAY['smote', 'borderline1', 'borderline2', 'adasyn']) m(method),
		LATERAL smote('SELECT id, embedding, class FROM xd', m.method) s;
SELECT is((SELECT array_agg(n ORDER BY class) FROM (SELECT class, count(*) n FROM syn WHERE method = m GROUP BY 1) s),
		  (SELECT array_agg(n ORDER BY class) FROM ref_smote_counts WHERE method = m AND n > 0),
		  m || ': synthetic items per class as imbalanced-learn')
	FROM unnest(ARRAY['smote', 'borderline1', 'adasyn']) m;
SELECT ok((SELECT bool_and(got IN (r.n, r.n - 1)) FROM ref_smote_counts r
		   JOIN (SELECT class, count(*) got FROM syn WHERE method = 'borderline2' GROUP BY 1) s USING (class)
		   WHERE r.method = 'smote'),
	'borderline2: per class the target n or n - 1 (imbalanced-learn''s Beta(10, 10) split rounds down twice)');
SELECT is((SELECT count(*) FROM syn s JOIN xd p ON p.id = s.parent_id WHERE p.class <> s.class), 0::bigint,
	'every parent is of the synthetic item''s class');
SELECT is((SELECT count(*) FROM syn s WHERE s.method <> 'borderline2' AND NOT EXISTS (
		SELECT 1 FROM ref_nbrs r WHERE r.kind = 'class' AND (r.parent_id, r.neighbor_id) = (s.parent_id, s.neighbor_id))),
	0::bigint, 'smote, borderline1, adasyn: every neighbour is among the parent''s 5 nearest of its class (sklearn)');
SELECT is((SELECT count(*) FROM syn s WHERE s.method = 'borderline2' AND NOT EXISTS (
		SELECT 1 FROM ref_nbrs r WHERE r.kind = CASE WHEN (SELECT class FROM xd WHERE id = s.neighbor_id) = s.class
											  THEN 'class' ELSE 'other' END
			AND (r.parent_id, r.neighbor_id) = (s.parent_id, s.neighbor_id))),
	0::bigint, 'borderline2: neighbours among the 5 nearest of the class or of the other classes');
SELECT is((SELECT count(*) FROM syn s JOIN xd n ON n.id = s.neighbor_id
		   WHERE s.method = 'borderline2' AND n.class <> s.class AND s.lambda >= 0.5), 0::bigint,
	'borderline2: steps toward other classes are U(0, 0.5)');
SELECT is((SELECT count(*) FROM syn WHERE NOT (lambda >= 0 AND lambda < 1)), 0::bigint, 'lambda in [0, 1)');
SELECT cmp_ok((SELECT max(abs(e - (p + s.lambda * (q - p)))) FROM syn s
		JOIN xd pp ON pp.id = s.parent_id JOIN xd nn ON nn.id = s.neighbor_id,
		LATERAL unnest(s.embedding::real[], pp.embedding, nn.embedding) u(e, p, q)), '<', 1e-6::float8,
	'every synthetic point is parent + lambda * (neighbour - parent)');
SELECT set_eq('SELECT DISTINCT parent_id FROM syn WHERE method = ''borderline1''',
	'SELECT id FROM ref_danger WHERE id IN (SELECT parent_id FROM syn WHERE method = ''borderline1'')',
	'borderline1 parents are danger items (imbalanced-learn''s rule)');
SELECT cmp_ok((SELECT count(DISTINCT parent_id) FROM syn WHERE method = 'borderline1'), '>=',
	(SELECT count(*) * 8 / 10 FROM ref_danger), 'borderline1 draws from most danger items');
SELECT is((SELECT count(*) FROM (
		(SELECT parent_id, n FROM ref_adasyn WHERE n > 0 EXCEPT
		 SELECT parent_id, count(*) FROM syn WHERE method = 'adasyn' GROUP BY 1)
		UNION ALL
		(SELECT parent_id, count(*) FROM syn WHERE method = 'adasyn' GROUP BY 1 EXCEPT
		 SELECT parent_id, n FROM ref_adasyn)) d), 0::bigint,
	'adasyn: items per parent = rint(r_i G) as imbalanced-learn');
SELECT is((SELECT count(*) FROM (
		(SELECT syn_id, class, parent_id, neighbor_id, lambda FROM syn WHERE method = 'smote' EXCEPT
		 SELECT syn_id, class, parent_id, neighbor_id, lambda FROM smote('SELECT id, embedding, class FROM xd ORDER BY md5(id::text)'))) d),
	0::bigint, 'smote does not depend on the input order');
SELECT is((SELECT array_agg(n ORDER BY class) FROM (SELECT class, count(*) n FROM
		smote('SELECT id, embedding, class FROM xd', sampling_strategy => '{"a": 300}') GROUP BY 1) s),
	ARRAY[160::bigint], 'JSON sampling_strategy: targets per class');
SELECT throws_ok($$SELECT * FROM smote('SELECT id, embedding, class FROM xd WHERE class <> ''a'' OR id < 40', k_neighbors => 5)$$,
	'22023', NULL, 'a class with fewer than k + 1 items is an error');

-- ---------- select_diverse ----------
CREATE TEMP TABLE sel AS
	SELECT 'kcenter' AS name, * FROM select_diverse('SELECT id, embedding FROM xd', 40)
	UNION ALL SELECT 'kcenter_init', * FROM select_diverse('SELECT id, embedding FROM xd', 30, init_ids => '{5,900}')
	UNION ALL SELECT 'fl_dense', * FROM select_diverse('SELECT id, embedding FROM xd', 30, 'facility_location')
	UNION ALL SELECT 'fl_knn20', * FROM select_diverse('SELECT id, embedding FROM xd', 40, 'facility_location', knn_graph_k => 20);
SELECT is((SELECT array_agg(id ORDER BY step) FROM sel WHERE name = n),
		  (SELECT array_agg(id ORDER BY step) FROM ref_greedy WHERE name = n), n || ': same order as numpy greedy')
	FROM unnest(ARRAY['kcenter', 'kcenter_init', 'fl_dense', 'fl_knn20']) n;
SELECT cmp_ok((SELECT max(abs(s.gain - r.gain) / greatest(1, abs(r.gain))) FROM sel s JOIN ref_greedy r USING (name, step)
		WHERE s.name = n), '<', 1e-4::float8, n || ': same gains as numpy')
	FROM unnest(ARRAY['kcenter', 'fl_dense', 'fl_knn20']) n;

-- The k-NN of a set among itself (smote's class neighbours, the facility-location graph) runs
-- the symmetric kernel, hn_knn_self: tiles of the upper triangle in rounds of disjoint block
-- pairs.  17-row blocks make many blocks, an odd number in the whole set (1400 / 17 -> 83, a
-- bye in each round), partial last blocks; 3 threads share rounds unevenly.  Still numpy's
-- order and sklearn's neighbours, and bit for bit the rows of the default tiles.
SET LOCAL hardneg.knn_tile_docs = 17;
SET LOCAL hardneg.blas_threads = 3;
CREATE TEMP TABLE sel17 AS
	SELECT * FROM select_diverse('SELECT id, embedding FROM xd', 40, 'facility_location', knn_graph_k => 20);
CREATE TEMP TABLE syn17 AS SELECT * FROM smote('SELECT id, embedding, class FROM xd');
RESET hardneg.knn_tile_docs;
RESET hardneg.blas_threads;
SELECT is((SELECT array_agg(id ORDER BY step) FROM sel17),
		  (SELECT array_agg(id ORDER BY step) FROM ref_greedy WHERE name = 'fl_knn20'),
		  'fl_knn20 with 17-row blocks on 3 threads: same order as numpy greedy');
SELECT is((SELECT count(*) FROM sel17 a JOIN sel b ON b.name = 'fl_knn20' AND b.step = a.step
		   WHERE a.id = b.id AND a.gain = b.gain), 40::bigint,
	'fl_knn20 with 17-row blocks on 3 threads: the same gains, bit for bit, as with the default tiles');
SELECT is((SELECT count(*) FROM syn17 s WHERE NOT EXISTS (
		SELECT 1 FROM ref_nbrs r WHERE r.kind = 'class' AND (r.parent_id, r.neighbor_id) = (s.parent_id, s.neighbor_id))),
	0::bigint, 'smote with 17-row blocks on 3 threads: every neighbour among the parent''s 5 nearest of its class (sklearn)');
SELECT is((SELECT count(*) FROM (
		(SELECT syn_id, class, embedding::text, parent_id, neighbor_id, lambda FROM syn WHERE method = 'smote' EXCEPT
		 SELECT syn_id, class, embedding::text, parent_id, neighbor_id, lambda FROM syn17)
		UNION ALL
		(SELECT syn_id, class, embedding::text, parent_id, neighbor_id, lambda FROM syn17 EXCEPT
		 SELECT syn_id, class, embedding::text, parent_id, neighbor_id, lambda FROM syn WHERE method = 'smote')) d),
	0::bigint, 'smote with 17-row blocks on 3 threads: the rows of the default tiles');

-- MIG: labels with quotes, tabs, backslashes, newlines, braces and non-ASCII
CREATE TEMP TABLE mig_sel AS
	SELECT 'mig_graph' AS name, * FROM select_diverse('SELECT id, labels, score FROM mig_items', 40, 'mig',
		labels => 'SELECT label, embedding FROM mig_labels', sim_threshold => 0.7)
	UNION ALL SELECT 'mig_exp', * FROM select_diverse('SELECT id, labels, score FROM mig_items', 30, 'mig',
		labels => 'SELECT label, embedding FROM mig_labels', sim_threshold => 0.8, phi => 'exp(3)', prop_weight => 0.5)
	UNION ALL SELECT 'mig_plain_init', * FROM select_diverse('SELECT id, labels, score FROM mig_items', 30, 'mig',
		init_ids => '{5,900}', phi => ' pow( 0.01 , 0.5 ) ');
SELECT is((SELECT array_agg(id ORDER BY step) FROM mig_sel WHERE name = n),
		  (SELECT array_agg(id ORDER BY step) FROM ref_mig WHERE name = n), n || ': same order as numpy MIG')
	FROM unnest(ARRAY['mig_graph', 'mig_exp', 'mig_plain_init']) n;
SELECT is((SELECT count(*) FROM mig_sel s JOIN ref_mig r USING (name, step)
		WHERE s.name = n AND (s.gain IS NULL) = (r.gain IS NULL) AND abs(s.gain - r.gain) <= 1e-9 * abs(r.gain)),
		(SELECT count(*) FROM ref_mig WHERE name = n AND gain IS NOT NULL), n || ': same gains as numpy MIG')
	FROM unnest(ARRAY['mig_graph', 'mig_exp', 'mig_plain_init']) n;
SELECT is((SELECT array_agg(gain IS NULL ORDER BY step) FROM mig_sel WHERE name = 'mig_plain_init' AND step <= 3),
		  '{t,t,f}'::bool[], 'mig: init_ids first, gain NULL');

-- ---------- split_interp_extrap ----------
CREATE TEMP TABLE sp AS SELECT * FROM split_interp_extrap('SELECT id, embedding FROM xq WHERE id % 2 = 0',
	'SELECT id, embedding FROM xq WHERE id % 2 = 1', 0.8);
SELECT is((SELECT count(*) FROM sp JOIN ref_split r USING (query_id)
		   WHERE abs(r.max_similarity - 0.8) > 1e-6 AND sp.split <> CASE WHEN r.max_similarity >= 0.8 THEN 'interp' ELSE 'extrap' END
			  OR abs(sp.max_similarity - r.max_similarity) > 1e-5 OR sp.nearest_train_id <> r.nearest_train_id),
	0::bigint, 'labels, similarities and nearest training queries as numpy');
SELECT is((SELECT count(*) FROM sp), 113::bigint, 'one row per test query');
SELECT is((SELECT array_agg(n_near_duplicate ORDER BY tau) FROM leakage_report('SELECT id, embedding FROM xq WHERE id % 2 = 0',
	'SELECT id, embedding FROM xq WHERE id % 2 = 1', '{0.7,0.8,0.9}')),
	(SELECT array_agg((SELECT count(*) FROM ref_split WHERE max_similarity >= t) ORDER BY t) FROM unnest(ARRAY[0.7, 0.8, 0.9]) t),
	'leakage report: near duplicates per tau as numpy');

-- ---------- smote over out-of-line embeddings ----------
-- Plain SMOTE keeps TOAST pointers of out-of-line embeddings and fetches only the
-- vectors of the classes it oversamples (docs/composition.md).  The same items as
-- real[] (never deferred; checked against imbalanced-learn above) must give the
-- same rows, number for number.
CREATE TEMP TABLE xt (id bigint, class text, embedding embedding);
INSERT INTO xt SELECT id, class, embedding::embedding FROM xd;
-- (pg_column_size reports an out-of-line value's stored size: look at the relations instead)
SELECT ok(pg_relation_size('xt') < (SELECT count(*) FROM xt) * 100
		  AND pg_relation_size((SELECT reltoastrelid FROM pg_class WHERE oid = 'xt'::regclass))
			  >= (SELECT sum(pg_column_size(embedding)) FROM xt),
	'the test table keeps its embeddings out of line: small rows, the vectors in its TOAST table');
SELECT is((SELECT count(*) FROM (
		(SELECT syn_id, class, embedding::text, parent_id, neighbor_id, lambda
		 FROM smote('SELECT id, embedding, class FROM xt') EXCEPT ALL
		 SELECT syn_id, class, embedding::text, parent_id, neighbor_id, lambda
		 FROM smote('SELECT id, embedding, class FROM xd'))
		UNION ALL
		(SELECT syn_id, class, embedding::text, parent_id, neighbor_id, lambda
		 FROM smote('SELECT id, embedding, class FROM xd') EXCEPT ALL
		 SELECT syn_id, class, embedding::text, parent_id, neighbor_id, lambda
		 FROM smote('SELECT id, embedding, class FROM xt'))) d),
	0::bigint, 'smote over out-of-line embeddings = smote over the same vectors as real[]');
UPDATE xt SET embedding = array_fill(0.05::real, ARRAY[600])::embedding
	WHERE id = (SELECT min(id) FROM xt WHERE class = (SELECT class FROM xt GROUP BY class ORDER BY count(*) LIMIT 1));
SELECT throws_ok($$SELECT * FROM smote('SELECT id, embedding, class FROM xt')$$, '22000', NULL,
	'an out-of-line vector of another dimension in an oversampled class is an error (22000)');

SELECT * FROM finish();
ROLLBACK;
