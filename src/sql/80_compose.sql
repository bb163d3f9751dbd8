-- Training-set composition (SPEC 4.4, mining.md F7-F11): clusters, oversampling,
-- diverse subsets, interpolation splits, batches and negative mixes.  Every
-- function reads the caller's query strings as the caller (docs/composition.md).

CREATE FUNCTION kmeans(
	items text,
	k int,
	seed bigint DEFAULT 0,
	max_iter int DEFAULT 100,
	n_init int DEFAULT 1,
	metric text DEFAULT 'l2',
	OUT id bigint, OUT cluster int, OUT distance double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_kmeans'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION kmeans(text, int, bigint, int, int, text) IS
	'k-means over items (id, embedding): k-means++ seeding under seed, Lloyd rounds (sgemm) until no item moves or max_iter, the best of n_init restarts by inertia; metric cosine is spherical k-means. Clusters are numbered 1..k by their smallest member id; distance is Euclidean (l2) or 1 - cos (cosine) to the item''s centroid.';

CREATE FUNCTION kmeans(
	items text,
	k int,
	seed bigint,
	max_iter int,
	n_init int,
	metric text,
	id_type anyelement,
	OUT id anyelement, OUT cluster int, OUT distance double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_kmeans'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION kmeans(text, int, bigint, int, int, text, anyelement) IS
	'kmeans with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION kmeans_centroids(
	items text,
	k int,
	seed bigint DEFAULT 0,
	max_iter int DEFAULT 100,
	n_init int DEFAULT 1,
	metric text DEFAULT 'l2',
	OUT cluster int, OUT size bigint, OUT centroid embedding)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_kmeans_centroids'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION kmeans_centroids(text, int, bigint, int, int, text) IS
	'The centroids of kmeans() with the same arguments: cluster number (as kmeans numbers them), member count and centroid (unit length under cosine).';

CREATE FUNCTION smote(
	items text,
	method text DEFAULT 'smote',
	k_neighbors int DEFAULT 5,
	m_neighbors int DEFAULT 10,
	sampling_strategy text DEFAULT 'auto',
	seed bigint DEFAULT 0,
	OUT syn_id bigint, OUT class text, OUT embedding embedding,
	OUT parent_id bigint, OUT neighbor_id bigint, OUT lambda double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_smote'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION smote(text, text, int, int, text, bigint) IS
	'Synthetic minority items in embedding space (items: id, embedding, class), imbalanced-learn 0.10 rules: method smote, borderline1, borderline2 or adasyn; embedding = parent + lambda * (neighbor - parent); sampling_strategy auto, minority, not minority, not majority, all, a ratio (two classes) or a JSON object of target counts; Euclidean neighbours, ties to the smaller id.';

CREATE FUNCTION smote(
	items text,
	method text,
	k_neighbors int,
	m_neighbors int,
	sampling_strategy text,
	seed bigint,
	id_type anyelement,
	OUT syn_id bigint, OUT class text, OUT embedding embedding,
	OUT parent_id anyelement, OUT neighbor_id anyelement, OUT lambda double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_smote'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION smote(text, text, int, int, text, bigint, anyelement) IS
	'smote with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION select_diverse(
	items text,
	budget int,
	method text DEFAULT 'kcenter',
	metric text DEFAULT 'cosine',
	init_ids bigint[] DEFAULT NULL,
	knn_graph_k int DEFAULT NULL,
	seed bigint DEFAULT 0,
	labels text DEFAULT NULL,
	sim_threshold double precision DEFAULT 0.9,
	phi text DEFAULT 'pow',
	prop_weight double precision DEFAULT 1,
	OUT step int, OUT id bigint, OUT gain double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_select_diverse'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION select_diverse(text, int, text, text, bigint[], int, bigint, text, double precision, text, double precision) IS
	'A diverse subset of items (id, embedding) in selection order, budget items in all: init_ids first (gain NULL), then greedy k-center (gain = distance to the selected set, 1 - cos under cosine; without init_ids the smallest id starts, gain NULL) or facility_location by lazy greedy (f(S) = sum_i max(0, max_{j in S} sim(i, j)), gain = marginal gain; knn_graph_k keeps each item''s k most similar items, itself included; NULL keeps all pairs) or mig (MIG: items id, labels text[], score >= 0; information vector score / number of labels on each label, propagated over the label graph of the labels query (label, embedding; edges with cosine >= sim_threshold, off-diagonal times prop_weight, columns normalized; NULL: unrelated labels), gain = (v P) . phi''(selected mass), phi pow(a, b) = (x + a)^b (default pow(1e-6, 0.8)) or exp(alpha)). Ties go to the smaller id; no step is random (seed is reserved).';

CREATE FUNCTION select_diverse(
	items text,
	budget int,
	method text,
	metric text,
	init_ids anyarray,
	knn_graph_k int,
	seed bigint,
	labels text,
	sim_threshold double precision,
	phi text,
	prop_weight double precision,
	id_type anyelement,
	OUT step int, OUT id anyelement, OUT gain double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_select_diverse'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION select_diverse(text, int, text, text, anyarray, int, bigint, text, double precision, text, double precision, anyelement) IS
	'select_diverse with ids (and init_ids, an array of that type) in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION split_interp_extrap(
	train text,
	test text,
	tau double precision,
	metric text DEFAULT 'cosine',
	OUT query_id bigint, OUT split text, OUT max_similarity double precision,
	OUT nearest_train_id bigint)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_split_interp_extrap'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION split_interp_extrap(text, text, double precision, text) IS
	'ReSTTest: each test query (test: id, embedding) with its most similar training query (train: id, embedding; ties to the smaller id) and split = interp when that similarity >= tau, else extrap. Similarity: cosine, inner product, or minus the Euclidean distance.';

CREATE FUNCTION split_interp_extrap(
	train text,
	test text,
	tau double precision,
	metric text,
	id_type anyelement,
	OUT query_id anyelement, OUT split text, OUT max_similarity double precision,
	OUT nearest_train_id anyelement)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_split_interp_extrap'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION split_interp_extrap(text, text, double precision, text, anyelement) IS
	'split_interp_extrap with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION split_restrain(
	train text,
	test text,
	tau double precision,
	metric text DEFAULT 'cosine',
	seed bigint DEFAULT 0,
	OUT query_id bigint, OUT split text, OUT max_similarity double precision,
	OUT nearest_test_id bigint, OUT control text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_split_restrain'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION split_restrain(text, text, double precision, text, bigint) IS
	'ReSTrain: each training query with its most similar test query; split = remove when that similarity >= tau, else keep; control removes as many training queries uniformly at random (seeded, by id), the same-size random-removal baseline.';

CREATE FUNCTION split_restrain(
	train text,
	test text,
	tau double precision,
	metric text,
	seed bigint,
	id_type anyelement,
	OUT query_id anyelement, OUT split text, OUT max_similarity double precision,
	OUT nearest_test_id anyelement, OUT control text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_split_restrain'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION split_restrain(text, text, double precision, text, bigint, anyelement) IS
	'split_restrain with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION leakage_report(
	train text,
	test text,
	taus double precision[] DEFAULT '{0.8,0.85,0.9,0.95,0.99}',
	metric text DEFAULT 'cosine',
	qrels text DEFAULT NULL,
	OUT tau double precision, OUT n_test bigint, OUT n_near_duplicate bigint,
	OUT share_near_duplicate double precision, OUT share_qrels_overlap double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_leakage_report'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION leakage_report(text, text, double precision[], text, text) IS
	'Train/test leakage: per tau, the test queries whose most similar training query has similarity >= tau (count and share); share_qrels_overlap = share of test queries with a relevant document (qrels: query_id, doc_id[, relevance >= 1]) that is also relevant to a training query (NULL without qrels).';

CREATE FUNCTION assign_batches(
	queries text,
	batch_size int,
	mode text DEFAULT 'tas',
	n_clusters int DEFAULT NULL,
	clusters_per_batch int DEFAULT 1,
	epochs int DEFAULT 1,
	seed bigint DEFAULT 0,
	metric text DEFAULT 'cosine',
	schedule int[] DEFAULT NULL,
	OUT epoch int, OUT batch_id int, OUT pos_in_batch int, OUT query_id bigint, OUT cluster int)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_assign_batches'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION assign_batches(text, int, text, int, int, int, bigint, text, int[]) IS
	'Training batches of queries (id, embedding; id alone for random), every query exactly once per epoch: tas = TAS-Balanced (k-means into n_clusters, default about batch_size / clusters_per_batch queries each; each batch draws clusters uniformly among those with queries left and takes batch_size / clusters_per_batch of them), ngame = balanced recursive 2-means into n_clusters (rounded up to a power of two) leaves, clusters shuffled whole and cut into batches, sibling clusters merging at each epoch listed in schedule, random = seeded shuffle (cluster NULL).';

CREATE FUNCTION assign_batches(
	queries text,
	batch_size int,
	mode text,
	n_clusters int,
	clusters_per_batch int,
	epochs int,
	seed bigint,
	metric text,
	schedule int[],
	id_type anyelement,
	OUT epoch int, OUT batch_id int, OUT pos_in_batch int, OUT query_id anyelement, OUT cluster int)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_assign_batches'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION assign_batches(text, int, text, int, int, int, bigint, text, int[], anyelement) IS
	'assign_batches with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION inbatch_collisions(
	batches text,
	training text,
	qrels text,
	OUT epoch int, OUT batch_id int, OUT query_id bigint, OUT doc_id bigint, OUT from_query_id bigint)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_inbatch_collisions'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION inbatch_collisions(text, text, text) IS
	'In-batch false negatives to mask: for each batch (batches: epoch, batch_id, query_id), each document that the training rows (query_id, doc_id) of another query from_query_id bring into the batch and that is a positive (qrels relevance >= 1, or listed without relevance) of query_id.';

CREATE FUNCTION inbatch_collisions(
	batches text,
	training text,
	qrels text,
	id_type anyelement,
	OUT epoch int, OUT batch_id int, OUT query_id anyelement, OUT doc_id anyelement,
	OUT from_query_id anyelement)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_inbatch_collisions'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION inbatch_collisions(text, text, text, anyelement) IS
	'inbatch_collisions with ids returned in the type of id_type (e.g. NULL::text).';

CREATE FUNCTION mix_negatives(
	mined text,
	corpus text,
	qrels text,
	n_hard int,
	n_random int,
	seed bigint DEFAULT 0,
	OUT query_id bigint, OUT doc_id bigint, OUT source text, OUT rank int)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_mix_negatives'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION mix_negatives(text, text, text, int, int, bigint) IS
	'STAR mix per query of mined (query_id, doc_id, rank): the first n_hard mined negatives (source hard, rank = the mined rank) and n_random uniform draws from corpus (id; source random, rank NULL), seeded by query id; never a positive of qrels (relevance >= 1) and never a document twice.';

CREATE FUNCTION mix_negatives(
	mined text,
	corpus text,
	qrels text,
	n_hard int,
	n_random int,
	seed bigint,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT source text, OUT rank int)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_mix_negatives'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION mix_negatives(text, text, text, int, int, bigint, anyelement) IS
	'mix_negatives with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION mining_diff(
	previous text,
	current text,
	OUT query_id bigint, OUT n_previous bigint, OUT n_current bigint, OUT n_common bigint,
	OUT jaccard double precision, OUT churn double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_mining_diff'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION mining_diff(text, text) IS
	'ADORE-style re-mining diff of two mining runs (each: query_id, doc_id), per query of either: distinct negatives in each, in both, Jaccard = common / union (1 when both are empty) and churn = share of the current negatives that are new.';

CREATE FUNCTION mining_diff(
	previous text,
	current text,
	id_type anyelement,
	OUT query_id anyelement, OUT n_previous bigint, OUT n_current bigint, OUT n_common bigint,
	OUT jaccard double precision, OUT churn double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_mining_diff'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION mining_diff(text, text, anyelement) IS
	'mining_diff with ids returned in the type of id_type (e.g. NULL::text).';
