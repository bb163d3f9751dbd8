-- Calibrated false-negative probability (issue 12): the model fitted by
-- half-depth re-pooling of the visible pool; see docs/false-negatives.md,
-- "Calibrated p". fn_scores(methods => 'calibrated') and
-- mine_hard_negatives(false_negatives => 'auto' | 'calibrated') use it.

CREATE FUNCTION fn_calibration(
	candidates text,
	qrels text,
	pooled_runs text,
	relevance_level int DEFAULT 1)
	RETURNS jsonb
	AS 'MODULE_PATHNAME', 'hardneg_fn_calibration'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION fn_calibration(text, text, text, int) IS
	'The calibrated false-negative model that fn_scores(methods => ''calibrated'') fits on the same inputs, as jsonb: judged depth of each pooled run, number of training examples (judged candidates a half-depth pool would have missed) and relevant ones, and the logistic coefficients (monotone: deeper pooled ranks and mining ranks never raise p, a query''s higher judged relevant rate never lowers it). candidates: query_id, doc_id, score[, rank], known positives included; qrels: query_id, doc_id[, relevance]; pooled_runs: query_id, doc_id, score[, run_id].';
