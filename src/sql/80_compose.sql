-- Training-set composition (SPEC 4.4, mining.md F7-F11): clusters, oversampling,
-- diverse subsets, interpolation splits, batches and negative mixes.  Every
-- function reads the caller's query strings as the caller (docs/composition.md).
--
-- Each function is declared once, below: its name, C symbol, arguments, result
-- columns and comment.  ID and IDS stand for the id type and an array of it.
-- The loop body, src/sql/include/id_forms.sql (shared with 70_falseneg.sql),
-- writes the plain form and, where "typed" is true, the typed form.
DO $compose$
DECLARE
	f record;
	typed_args text;
BEGIN
	FOR f IN SELECT * FROM (VALUES
		('kmeans', 'hardneg_kmeans', true,
		 'items text, k int, seed bigint DEFAULT 0, max_iter int DEFAULT 100, n_init int DEFAULT 1, metric text DEFAULT ''l2''',
		 'OUT id ID, OUT cluster int, OUT distance double precision',
		 'k-means over items (id, embedding): k-means++ seeding under seed, Lloyd rounds (sgemm) until no item moves or max_iter, the best of n_init restarts by inertia; metric cosine is spherical k-means. Clusters are numbered 1..k by their smallest member id; distance is Euclidean (l2) or 1 - cos (cosine) to the item''s centroid.'),
		('kmeans_centroids', 'hardneg_kmeans_centroids', false,
		 'items text, k int, seed bigint DEFAULT 0, max_iter int DEFAULT 100, n_init int DEFAULT 1, metric text DEFAULT ''l2''',
		 'OUT cluster int, OUT size bigint, OUT centroid embedding',
		 'The centroids of kmeans() with the same arguments: cluster number (as kmeans numbers them), member count and centroid (unit length under cosine).'),
		('smote', 'hardneg_smote', true,
		 'items text, method text DEFAULT ''smote'', k_neighbors int DEFAULT 5, m_neighbors int DEFAULT 10, sampling_strategy text DEFAULT ''auto'', seed bigint DEFAULT 0',
		 'OUT syn_id bigint, OUT class text, OUT embedding embedding, OUT parent_id ID, OUT neighbor_id ID, OUT lambda double precision',
		 'Synthetic minority items in embedding space (items: id, embedding, class), imbalanced-learn 0.10 rules: method smote, borderline1, borderline2 or adasyn; embedding = parent + lambda * (neighbor - parent); sampling_strategy auto, minority, not minority, not majority, all, a ratio (two classes) or a JSON object of target counts; Euclidean neighbours, ties to the smaller id.'),
		('select_diverse', 'hardneg_select_diverse', true,
		 'items text, budget int, method text DEFAULT ''kcenter'', metric text DEFAULT ''cosine'', init_ids IDS DEFAULT NULL, knn_graph_k int DEFAULT NULL, seed bigint DEFAULT 0, labels text DEFAULT NULL, sim_threshold double precision DEFAULT 0.9, phi text DEFAULT ''pow'', prop_weight double precision DEFAULT 1',
		 'OUT step int, OUT id ID, OUT gain double precision',
		 'A diverse subset of items (id, embedding) in selection order, budget items in all: init_ids first (gain NULL), then greedy k-center (gain = distance to the selected set, 1 - cos under cosine; without init_ids the smallest id starts, gain NULL) or facility_location by lazy greedy (f(S) = sum_i max(0, max_{j in S} sim(i, j)), gain = marginal gain; knn_graph_k keeps each item''s k most similar items, itself included; NULL keeps all pairs) or mig (MIG: items id, labels text[], score >= 0; information vector score / number of labels on each label, propagated over the label graph of the labels query (label, embedding; edges with cosine >= sim_threshold, off-diagonal times prop_weight, columns normalized; NULL: unrelated labels), gain = (v P) . phi''(selected mass), phi pow(a, b) = (x + a)^b (default pow(1e-6, 0.8)) or exp(alpha)). Ties go to the smaller id; no step is random (seed is reserved).'),
		('split_interp_extrap', 'hardneg_split_interp_extrap', true,
		 'train text, test text, tau double precision, metric text DEFAULT ''cosine''',
		 'OUT query_id ID, OUT split text, OUT max_similarity double precision, OUT nearest_train_id ID',
		 'ReSTTest: each test query (test: id, embedding) with its most similar training query (train: id, embedding; ties to the smaller id) and split = interp when that similarity >= tau, else extrap. Similarity: cosine, inner product, or minus the Euclidean distance.'),
		('split_restrain', 'hardneg_split_restrain', true,
		 'train text, test text, tau double precision, metric text DEFAULT ''cosine'', seed bigint DEFAULT 0',
		 'OUT query_id ID, OUT split text, OUT max_similarity double precision, OUT nearest_test_id ID, OUT control text',
		 'ReSTrain: each training query with its most similar test query; split = remove when that similarity >= tau, else keep; control removes as many training queries uniformly at random (seeded, by id), the same-size random-removal baseline.'),
		('leakage_report', 'hardneg_leakage_report', false,
		 'train text, test text, taus double precision[] DEFAULT ''{0.8,0.85,0.9,0.95,0.99}'', metric text DEFAULT ''cosine'', qrels text DEFAULT NULL',
		 'OUT tau double precision, OUT n_test bigint, OUT n_near_duplicate bigint, OUT share_near_duplicate double precision, OUT share_qrels_overlap double precision',
		 'Train/test leakage: per tau, the test queries whose most similar training query has similarity >= tau (count and share); share_qrels_overlap = share of test queries with a relevant document (qrels: query_id, doc_id[, relevance >= 1]) that is also relevant to a training query (NULL without qrels).'),
		('assign_batches', 'hardneg_assign_batches', true,
		 'queries text, batch_size int, mode text DEFAULT ''tas'', n_clusters int DEFAULT NULL, clusters_per_batch int DEFAULT 1, epochs int DEFAULT 1, seed bigint DEFAULT 0, metric text DEFAULT ''cosine'', schedule int[] DEFAULT NULL',
		 'OUT epoch int, OUT batch_id int, OUT pos_in_batch int, OUT query_id ID, OUT cluster int',
		 'Training batches of queries (id, embedding; id alone for random), every query exactly once per epoch: tas = TAS-Balanced (k-means into n_clusters, default about batch_size / clusters_per_batch queries each; each batch draws clusters uniformly among those with queries left and takes batch_size / clusters_per_batch of them), ngame = balanced recursive 2-means into n_clusters (rounded up to a power of two) leaves, clusters shuffled whole and cut into batches, sibling clusters merging at each epoch listed in schedule, random = seeded shuffle (cluster NULL).'),
		('inbatch_collisions', 'hardneg_inbatch_collisions', true,
		 'batches text, training text, qrels text',
		 'OUT epoch int, OUT batch_id int, OUT query_id ID, OUT doc_id ID, OUT from_query_id ID',
		 'In-batch false negatives to mask: for each batch (batches: epoch, batch_id, query_id), each document that the training rows (query_id, doc_id) of another query from_query_id bring into the batch and that is a positive (qrels relevance >= 1, or listed without relevance) of query_id.'),
		('mix_negatives', 'hardneg_mix_negatives', true,
		 'mined text, corpus text, qrels text, n_hard int, n_random int, seed bigint DEFAULT 0',
		 'OUT query_id ID, OUT doc_id ID, OUT source text, OUT rank int',
		 'STAR mix per query of mined (query_id, doc_id, rank): the first n_hard mined negatives (source hard, rank = the mined rank) and n_random uniform draws from corpus (id; source random, rank NULL), seeded by query id; never a positive of qrels (relevance >= 1) and never a document twice.'),
		('mining_diff', 'hardneg_mining_diff', true,
		 'previous text, current text',
		 'OUT query_id ID, OUT n_previous bigint, OUT n_current bigint, OUT n_common bigint, OUT jaccard double precision, OUT churn double precision',
		 'ADORE-style re-mining diff of two mining runs (each: query_id, doc_id), per query of either: distinct negatives in each, in both, Jaccard = common / union (1 when both are empty) and churn = share of the current negatives that are new.')
	) AS t(name, symbol, typed, args, outs, about)
	LOOP
--@ text src/sql/include/id_forms.sql
	END LOOP;
END
$compose$;
