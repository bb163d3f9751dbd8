-- trec_eval() gains two result columns (run_id, text_value): a function's
-- result type cannot be changed in place, so it is dropped and created anew
-- (a view over trec_eval() must be dropped before the update and recreated).
DROP FUNCTION trec_eval(text, text, text[], boolean, boolean, integer, boolean, integer);
CREATE FUNCTION trec_eval(run text, qrels text, measures text[] DEFAULT '{official}',
	per_query boolean DEFAULT true, complete boolean DEFAULT false,
	relevance_level integer DEFAULT 1, judged_only boolean DEFAULT false,
	max_rank integer DEFAULT NULL,
	OUT measure text, OUT query_id text, OUT value double precision,
	OUT run_id text, OUT text_value text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hn_trec_eval'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION trec_eval(text, text, text[], boolean, boolean, integer, boolean, integer) IS
	'The rows of trec_eval -q (per query, then query_id ''all''). run: a query returning query_id, doc_id, score and optionally run_id: with run_id each run is evaluated separately, in run_id byte order, and its rows carry run_id (NULL without the column); qrels: query_id, doc_id, relevance (integer). Ids compare as text in C byte order; ties rank by doc_id descending. complete, relevance_level, judged_only, max_rank are trec_eval -c, -l, -J, -M. Measures: trec_eval names (map, P.5,10, ndcg_cut.10, ndcg.1=1,2=3, all_trec, official, set) and ir_measures names (AP, nDCG@10, P@5, R@100, RR@10, Judged@10, ...); runid and relstring[.N] (text, in text_value, value NULL) when named. See docs/metrics.md.';

-- compare_runs() gains test => 'tukey' (same signature, new comment).
COMMENT ON FUNCTION compare_runs(text, text, text, text, text, integer, bigint, double precision, boolean, integer, boolean, integer) IS
	'Compares runs with a baseline on one measure, paired by query. runs: a query returning run_id, query_id, doc_id, score (all runs in one query); qrels: query_id, doc_id, relevance. One row per non-baseline run: means over the paired queries, difference (run - baseline), two-sided p-value, Holm-adjusted p-value over all comparisons, and a confidence interval of the difference. test: ttest (paired Student t, t interval), randomization (Fisher sign flips, p = (hits+1)/(resamples+1), bootstrap interval), bootstrap (percentile interval, shift-method p) or tukey (Tukey HSD over all runs as scipy.stats.tukey_hsd: one row per pair, family-wise p-values, p_holm NULL). Seeded: same seed, same result. Evaluation flags as in trec_eval(). See docs/metrics.md.';
