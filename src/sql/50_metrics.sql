-- Ranking metrics identical to trec_eval 10.0 (docs/metrics.md).

CREATE FUNCTION trec_eval(run text, qrels text, measures text[] DEFAULT '{official}',
	per_query boolean DEFAULT true, complete boolean DEFAULT false,
	relevance_level integer DEFAULT 1, judged_only boolean DEFAULT false,
	max_rank integer DEFAULT NULL,
	OUT measure text, OUT query_id text, OUT value double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hn_trec_eval'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION trec_eval(text, text, text[], boolean, boolean, integer, boolean, integer) IS
	'The rows of trec_eval -q (per query, then query_id ''all''). run: a query returning query_id, doc_id, score; qrels: query_id, doc_id, relevance (integer). Ids compare as text in C byte order; ties rank by doc_id descending. complete, relevance_level, judged_only, max_rank are trec_eval -c, -l, -J, -M. Measures: trec_eval names (map, P.5,10, ndcg_cut.10, ndcg.1=1,2=3, all_trec, official, set) and ir_measures names (AP, nDCG@10, P@5, R@100, RR@10, Judged@10, ...). See docs/metrics.md.';

CREATE FUNCTION compare_runs(runs text, qrels text, measure text DEFAULT 'map',
	test text DEFAULT 'ttest', baseline text DEFAULT NULL, resamples integer DEFAULT 10000,
	seed bigint DEFAULT 0, confidence double precision DEFAULT 0.95,
	complete boolean DEFAULT false, relevance_level integer DEFAULT 1,
	judged_only boolean DEFAULT false, max_rank integer DEFAULT NULL,
	OUT baseline_run text, OUT run_id text, OUT measure text, OUT queries integer,
	OUT mean_baseline double precision, OUT mean_run double precision,
	OUT difference double precision, OUT p_value double precision, OUT p_holm double precision,
	OUT ci_low double precision, OUT ci_high double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hn_compare_runs'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION compare_runs(text, text, text, text, text, integer, bigint, double precision, boolean, integer, boolean, integer) IS
	'Compares runs with a baseline on one measure, paired by query. runs: a query returning run_id, query_id, doc_id, score (all runs in one query); qrels: query_id, doc_id, relevance. One row per non-baseline run: means over the paired queries, difference (run - baseline), two-sided p-value, Holm-adjusted p-value over all comparisons, and a confidence interval of the difference. test: ttest (paired Student t, t interval), randomization (Fisher sign flips, p = (hits+1)/(resamples+1), bootstrap interval) or bootstrap (percentile interval, shift-method p). Seeded: same seed, same result. Evaluation flags as in trec_eval(). See docs/metrics.md.';
