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
