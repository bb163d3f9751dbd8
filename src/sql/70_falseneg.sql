-- False negatives and pooling bias (SPEC 4.3; mining.md F4-F6, F12).
-- Inputs are query strings run as the caller; see docs/false-negatives.md.
--
-- Functions that return ids come in two forms sharing one C function: the
-- plain form returns bigint ids; the typed form takes every parameter plus a
-- last "id_type anyelement" (e.g. NULL::text) and returns ids of that type.
-- PostgreSQL fixes a polymorphic result type at parse time, before defaults
-- are inserted, so a defaulted id_type cannot work; and a typed form with
-- defaults would make positional calls ambiguous.

-- Each function is declared once, below: its name, C symbol, whether it has
-- the typed form, arguments, result columns (ID: the id type) and comment;
-- the loop (src/sql/include/id_forms.sql, shared with 80_compose.sql) writes
-- both forms and their comments.
DO $falseneg$
DECLARE
	f record;
	typed_args text;
BEGIN
	FOR f IN SELECT * FROM (VALUES
		('pool_propensity', 'hardneg_pool_propensity', false,
		 'qrels text, pooled_runs text, bucket_edges int[] DEFAULT ''{1,2,4,11,21,51,101,1001}'', relevance_level int DEFAULT 1',
		 'OUT run_id text, OUT bucket int, OUT rank_lo int, OUT rank_hi int, OUT n_docs bigint, OUT n_judged bigint, OUT n_relevant bigint, OUT pi double precision',
		 'Judging rate of each pooled run per rank bucket: pi = judged / retrieved among the run''s documents at ranks rank_lo..rank_hi (rank_hi NULL: no upper end). qrels: query_id, doc_id[, relevance] (relevance < 0 = pooled but unjudged); pooled_runs: query_id, doc_id, score[, run_id], ranked by score descending, ties by doc id.'),
		('pool_propensity_docs', 'hardneg_pool_propensity_docs', true,
		 'qrels text, pooled_runs text, bucket_edges int[] DEFAULT ''{1,2,4,11,21,51,101,1001}'', relevance_level int DEFAULT 1',
		 'OUT query_id ID, OUT doc_id ID, OUT relevance int, OUT pi double precision',
		 'Per (query, doc) retrieved by a pooled run: the probability that it was judged, pi = 1 - prod over runs (1 - pi_run(bucket of its rank)), assuming runs select independently; relevance is its qrels value (NULL: not in the qrels).'),
		('fn_weights', 'hardneg_fn_weights', true,
		 'candidates text, qrels text, pooled_runs text DEFAULT NULL, bucket_edges int[] DEFAULT ''{1,2,4,11,21,51,101,1001}'', prior_alpha double precision DEFAULT 1, prior_beta double precision DEFAULT 1, fn_threshold double precision DEFAULT 0.5, relevance_level int DEFAULT 1',
		 'OUT query_id ID, OUT doc_id ID, OUT rank int, OUT score double precision, OUT relevance int, OUT bucket int, OUT pi double precision, OUT rho double precision, OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean',
		 'Propensity-based false-negative probability of each candidate (query_id, doc_id, score[, rank]; include the known positives): rho = Beta(prior_alpha, prior_beta)-smoothed relevant rate among judged candidates of its rank bucket, pi = its judging probability from pooled_runs (without them: 1 if judged, else 0), p_false_negative = rho (1 - pi) / (1 - rho pi) for unjudged candidates, 0 for judged non-relevant, 1 for known positives; weight = 1 - p; dropped when a known positive or p > fn_threshold. Assumes judging is missing at random within a bucket.'),
		('knn_noise_flags', 'hardneg_knn_noise_flags', true,
		 'candidates text, qrels text, queries text, corpus text, k int DEFAULT 10, doc_k int DEFAULT 3, metric text DEFAULT ''cosine'', fn_threshold double precision DEFAULT 0.5, relevance_level int DEFAULT 1',
		 'OUT query_id ID, OUT doc_id ID, OUT rank int, OUT score double precision, OUT relevance int, OUT votes_query int, OUT votes_doc int, OUT n_doc_voters int, OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean',
		 'kNN false-negative flags for each unjudged candidate (q, d): votes_query = how many of the k labelled queries nearest to q have d as a positive (label transfer), votes_doc = how many of the doc_k judged documents of q nearest to d are relevant (of n_doc_voters); p_false_negative = max(votes_query / k, votes_doc / n_doc_voters); dropped when a known positive or p > fn_threshold. queries and corpus: id, embedding.'),
		('denoise', 'hardneg_denoise', true,
		 'candidates text, teacher_scores text, qrels text DEFAULT NULL, neg_max double precision DEFAULT 0.1, pos_min double precision DEFAULT 0.9, scan_depth int DEFAULT 50, calibrate text DEFAULT ''none'', teacher_missing text DEFAULT ''keep'', relevance_level int DEFAULT 1',
		 'OUT query_id ID, OUT doc_id ID, OUT rank int, OUT score double precision, OUT relevance int, OUT teacher_score double precision, OUT p_false_negative double precision, OUT weight double precision, OUT label text, OUT dropped boolean',
		 'Teacher denoising (RocketQA): within rank scan_depth (NULL: all), an unjudged candidate stays a negative iff the teacher''s probability of relevance p < neg_max; p >= pos_min on a query without known positives makes a pseudo_positive. p is the teacher score itself (calibrate => ''none'', must be in [0, 1]) or a Platt fit on the judged pairs of qrels (''platt''). teacher_scores: query_id, doc_id, score; teacher_missing ''keep'' or ''drop''. label: positive, judged_negative, negative, dropped, pseudo_positive, no_teacher, beyond_scan.'),
		('pooling_report', 'hardneg_pooling_report', false,
		 'run text, qrels text, k int[] DEFAULT ''{5,10,20,100}'', bucket_edges int[] DEFAULT ''{1,2,4,11,21,51,101,1001}'', relevance_level int DEFAULT 1',
		 'OUT run_id text, OUT scope text, OUT rank_lo int, OUT rank_hi int, OUT n_queries bigint, OUT n_docs bigint, OUT n_judged bigint, OUT n_relevant bigint, OUT judged double precision, OUT relevant_among_judged double precision',
		 'How much of each run was judged: scope ''top'' rows give judged@k for each cutoff k (mean over the run''s queries of judged / min(k, retrieved); 1 - judged is trec_eval unj.k when every query retrieves k), scope ''bucket'' rows the judged share of all documents at ranks rank_lo..rank_hi. Judged = in the qrels with relevance >= 0. run: query_id, doc_id, score[, run_id].'),
		('fn_scores', 'hardneg_fn_scores', true,
		 'candidates text, qrels text, methods text DEFAULT ''propensity,knn'', fn_threshold double precision DEFAULT 0.5, pooled_runs text DEFAULT NULL, queries text DEFAULT NULL, corpus text DEFAULT NULL, teacher_scores text DEFAULT NULL, calibrate text DEFAULT ''none'', bucket_edges int[] DEFAULT ''{1,2,4,11,21,51,101,1001}'', prior_alpha double precision DEFAULT 1, prior_beta double precision DEFAULT 1, k int DEFAULT 10, doc_k int DEFAULT 3, metric text DEFAULT ''cosine'', relevance_level int DEFAULT 1',
		 'OUT query_id ID, OUT doc_id ID, OUT rank int, OUT score double precision, OUT relevance int, OUT p_propensity double precision, OUT p_knn double precision, OUT p_teacher double precision, OUT p_false_negative double precision, OUT weight double precision, OUT dropped boolean',
		 'Several false-negative estimators on one candidate table (query_id, doc_id, score[, rank]; include the known positives), through the calls mine_hard_negatives makes: methods is ''auto'' or a comma-separated list of propensity (as fn_weights, with pooled_runs), knn (as knn_noise_flags: queries, corpus, k, doc_k, metric), teacher (the teacher probability of denoise: teacher_scores, calibrate none or platt) and calibrated (the re-pooling model of fn_calibration, with pooled_runs); p_false_negative is the calibrated p when calibrated is listed, else the maximum of the estimators that had evidence (NULL columns: not run or no teacher score), 0 for judged non-relevant, 1 for known positives; weight = 1 - p; dropped when a known positive or p > fn_threshold. ''auto'' is calibrated with pooled_runs, else knn with queries and corpus, else teacher.')
	) AS t(name, symbol, typed, args, outs, about)
	LOOP
--@ text src/sql/include/id_forms.sql
	END LOOP;
END
$falseneg$;
