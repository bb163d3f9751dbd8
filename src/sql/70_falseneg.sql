-- False negatives and pooling bias (SPEC 4.3; mining.md F4-F6, F12).
-- Inputs are query strings run as the caller; see docs/false-negatives.md.
--
-- Functions that return ids come in two forms sharing one C function: the
-- plain form returns bigint ids; the typed form takes every parameter plus a
-- last "id_type anyelement" (e.g. NULL::text) and returns ids of that type.
-- PostgreSQL fixes a polymorphic result type at parse time, before defaults
-- are inserted, so a defaulted id_type cannot work; and a typed form with
-- defaults would make positional calls ambiguous.

CREATE FUNCTION pool_propensity(
	qrels text,
	pooled_runs text,
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	relevance_level int DEFAULT 1,
	OUT run_id text, OUT bucket int, OUT rank_lo int, OUT rank_hi int,
	OUT n_docs bigint, OUT n_judged bigint, OUT n_relevant bigint, OUT pi double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_pool_propensity'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pool_propensity(text, text, int[], int) IS
	'Judging rate of each pooled run per rank bucket: pi = judged / retrieved among the run''s documents at ranks rank_lo..rank_hi (rank_hi NULL: no upper end). qrels: query_id, doc_id[, relevance] (relevance < 0 = pooled but unjudged); pooled_runs: query_id, doc_id, score[, run_id], ranked by score descending, ties by doc id.';

CREATE FUNCTION pool_propensity_docs(
	qrels text,
	pooled_runs text,
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT relevance int, OUT pi double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_pool_propensity_docs'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pool_propensity_docs(text, text, int[], int) IS
	'Per (query, doc) retrieved by a pooled run: the probability that it was judged, pi = 1 - prod over runs (1 - pi_run(bucket of its rank)), assuming runs select independently; relevance is its qrels value (NULL: not in the qrels).';

CREATE FUNCTION pool_propensity_docs(
	qrels text,
	pooled_runs text,
	bucket_edges int[],
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT relevance int, OUT pi double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_pool_propensity_docs'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pool_propensity_docs(text, text, int[], int, anyelement) IS
	'pool_propensity_docs with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION fn_weights(
	candidates text,
	qrels text,
	pooled_runs text DEFAULT NULL,
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	prior_alpha double precision DEFAULT 1,
	prior_beta double precision DEFAULT 1,
	fn_threshold double precision DEFAULT 0.5,
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT rank int, OUT score double precision,
	OUT relevance int, OUT bucket int, OUT pi double precision, OUT rho double precision,
	OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_fn_weights'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION fn_weights(text, text, text, int[], double precision, double precision, double precision, int) IS
	'Propensity-based false-negative probability of each candidate (query_id, doc_id, score[, rank]; include the known positives): rho = Beta(prior_alpha, prior_beta)-smoothed relevant rate among judged candidates of its rank bucket, pi = its judging probability from pooled_runs (without them: 1 if judged, else 0), p_false_negative = rho (1 - pi) / (1 - rho pi) for unjudged candidates, 0 for judged non-relevant, 1 for known positives; weight = 1 - p; dropped when a known positive or p > fn_threshold. Assumes judging is missing at random within a bucket.';

CREATE FUNCTION fn_weights(
	candidates text,
	qrels text,
	pooled_runs text,
	bucket_edges int[],
	prior_alpha double precision,
	prior_beta double precision,
	fn_threshold double precision,
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT rank int, OUT score double precision,
	OUT relevance int, OUT bucket int, OUT pi double precision, OUT rho double precision,
	OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_fn_weights'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION fn_weights(text, text, text, int[], double precision, double precision, double precision, int, anyelement) IS
	'fn_weights with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION knn_noise_flags(
	candidates text,
	qrels text,
	queries text,
	corpus text,
	k int DEFAULT 10,
	doc_k int DEFAULT 3,
	metric text DEFAULT 'cosine',
	fn_threshold double precision DEFAULT 0.5,
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT rank int, OUT score double precision,
	OUT relevance int, OUT votes_query int, OUT votes_doc int, OUT n_doc_voters int,
	OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_knn_noise_flags'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION knn_noise_flags(text, text, text, text, int, int, text, double precision, int) IS
	'kNN false-negative flags for each unjudged candidate (q, d): votes_query = how many of the k labelled queries nearest to q have d as a positive (label transfer), votes_doc = how many of the doc_k judged documents of q nearest to d are relevant (of n_doc_voters); p_false_negative = max(votes_query / k, votes_doc / n_doc_voters); dropped when a known positive or p > fn_threshold. queries and corpus: id, embedding.';

CREATE FUNCTION knn_noise_flags(
	candidates text,
	qrels text,
	queries text,
	corpus text,
	k int,
	doc_k int,
	metric text,
	fn_threshold double precision,
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT rank int, OUT score double precision,
	OUT relevance int, OUT votes_query int, OUT votes_doc int, OUT n_doc_voters int,
	OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_knn_noise_flags'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION knn_noise_flags(text, text, text, text, int, int, text, double precision, int, anyelement) IS
	'knn_noise_flags with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION denoise(
	candidates text,
	teacher_scores text,
	qrels text DEFAULT NULL,
	neg_max double precision DEFAULT 0.1,
	pos_min double precision DEFAULT 0.9,
	scan_depth int DEFAULT 50,
	calibrate text DEFAULT 'none',
	teacher_missing text DEFAULT 'keep',
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT rank int, OUT score double precision,
	OUT relevance int, OUT teacher_score double precision,
	OUT p_false_negative double precision, OUT weight double precision,
	OUT label text, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_denoise'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION denoise(text, text, text, double precision, double precision, int, text, text, int) IS
	'Teacher denoising (RocketQA): within rank scan_depth (NULL: all), an unjudged candidate stays a negative iff the teacher''s probability of relevance p < neg_max; p >= pos_min on a query without known positives makes a pseudo_positive. p is the teacher score itself (calibrate => ''none'', must be in [0, 1]) or a Platt fit on the judged pairs of qrels (''platt''). teacher_scores: query_id, doc_id, score; teacher_missing ''keep'' or ''drop''. label: positive, judged_negative, negative, dropped, pseudo_positive, no_teacher, beyond_scan.';

CREATE FUNCTION denoise(
	candidates text,
	teacher_scores text,
	qrels text,
	neg_max double precision,
	pos_min double precision,
	scan_depth int,
	calibrate text,
	teacher_missing text,
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT rank int, OUT score double precision,
	OUT relevance int, OUT teacher_score double precision,
	OUT p_false_negative double precision, OUT weight double precision,
	OUT label text, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_denoise'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION denoise(text, text, text, double precision, double precision, int, text, text, int, anyelement) IS
	'denoise with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';

CREATE FUNCTION pooling_report(
	run text,
	qrels text,
	k int[] DEFAULT '{5,10,20,100}',
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	relevance_level int DEFAULT 1,
	OUT run_id text, OUT scope text, OUT rank_lo int, OUT rank_hi int,
	OUT n_queries bigint, OUT n_docs bigint, OUT n_judged bigint, OUT n_relevant bigint,
	OUT judged double precision, OUT relevant_among_judged double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_pooling_report'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION pooling_report(text, text, int[], int[], int) IS
	'How much of each run was judged: scope ''top'' rows give judged@k for each cutoff k (mean over the run''s queries of judged / min(k, retrieved); 1 - judged is trec_eval unj.k when every query retrieves k), scope ''bucket'' rows the judged share of all documents at ranks rank_lo..rank_hi. Judged = in the qrels with relevance >= 0. run: query_id, doc_id, score[, run_id].';

CREATE FUNCTION fn_scores(
	candidates text,
	qrels text,
	methods text DEFAULT 'propensity,knn',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL,
	queries text DEFAULT NULL,
	corpus text DEFAULT NULL,
	teacher_scores text DEFAULT NULL,
	calibrate text DEFAULT 'none',
	bucket_edges int[] DEFAULT '{1,2,4,11,21,51,101,1001}',
	prior_alpha double precision DEFAULT 1,
	prior_beta double precision DEFAULT 1,
	k int DEFAULT 10,
	doc_k int DEFAULT 3,
	metric text DEFAULT 'cosine',
	relevance_level int DEFAULT 1,
	OUT query_id bigint, OUT doc_id bigint, OUT rank int, OUT score double precision,
	OUT relevance int, OUT p_propensity double precision, OUT p_knn double precision,
	OUT p_teacher double precision, OUT p_false_negative double precision,
	OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_fn_scores'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION fn_scores(text, text, text, double precision, text, text, text, text, text, int[], double precision, double precision, int, int, text, int) IS
	'Several false-negative estimators on one candidate table (query_id, doc_id, score[, rank]; include the known positives), through the calls mine_hard_negatives makes: methods is ''auto'' or a comma-separated list of propensity (as fn_weights, with pooled_runs), knn (as knn_noise_flags: queries, corpus, k, doc_k, metric), teacher (the teacher probability of denoise: teacher_scores, calibrate none or platt) and calibrated (the re-pooling model of fn_calibration, with pooled_runs); p_false_negative is the calibrated p when calibrated is listed, else the maximum of the estimators that had evidence (NULL columns: not run or no teacher score), 0 for judged non-relevant, 1 for known positives; weight = 1 - p; dropped when a known positive or p > fn_threshold. ''auto'' is calibrated with pooled_runs, else knn with queries and corpus, else teacher.';

CREATE FUNCTION fn_scores(
	candidates text,
	qrels text,
	methods text,
	fn_threshold double precision,
	pooled_runs text,
	queries text,
	corpus text,
	teacher_scores text,
	calibrate text,
	bucket_edges int[],
	prior_alpha double precision,
	prior_beta double precision,
	k int,
	doc_k int,
	metric text,
	relevance_level int,
	id_type anyelement,
	OUT query_id anyelement, OUT doc_id anyelement, OUT rank int, OUT score double precision,
	OUT relevance int, OUT p_propensity double precision, OUT p_knn double precision,
	OUT p_teacher double precision, OUT p_false_negative double precision,
	OUT weight double precision, OUT dropped boolean)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hardneg_fn_scores'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION fn_scores(text, text, text, double precision, text, text, text, text, text, int[], double precision, double precision, int, int, text, int, anyelement) IS
	'fn_scores with ids returned in the type of id_type (e.g. NULL::text); every parameter must then be given.';
