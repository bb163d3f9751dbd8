-- Ranking metrics identical to trec_eval 10.0 (docs/metrics.md).

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
	'Compares runs with a baseline on one measure, paired by query. runs: a query returning run_id, query_id, doc_id, score (all runs in one query); qrels: query_id, doc_id, relevance. One row per non-baseline run: means over the paired queries, difference (run - baseline), two-sided p-value, Holm-adjusted p-value over all comparisons, and a confidence interval of the difference. test: ttest (paired Student t, t interval), randomization (Fisher sign flips, p = (hits+1)/(resamples+1), bootstrap interval), bootstrap (percentile interval, shift-method p) or tukey (Tukey HSD over all runs as scipy.stats.tukey_hsd: one row per pair, family-wise p-values, p_holm NULL). Seeded: same seed, same result. Evaluation flags as in trec_eval(). See docs/metrics.md.';

-- Per-query aggregates over ranked rows (GROUP BY query).  States are
-- double precision[3] so partial aggregates can be shipped (parallel
-- workers, Citus); see docs/metrics.md for the state layouts.

CREATE FUNCTION hn_rr_trans(double precision[], bigint, boolean) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_rr_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_rr_trans(double precision[], bigint, boolean) IS
	'Transition of reciprocal_rank: state [best relevant rank or 0, 0, 0]';
CREATE FUNCTION hn_rr_combine(double precision[], double precision[]) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_rr_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_rr_combine(double precision[], double precision[]) IS
	'Combine function of reciprocal_rank: the better relevant rank';
CREATE FUNCTION hn_rr_final(double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'hn_rr_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_rr_final(double precision[]) IS
	'Final function of reciprocal_rank: 1 / best relevant rank, 0 if none';
CREATE AGGREGATE reciprocal_rank(rank bigint, relevant boolean) (
	SFUNC = hn_rr_trans, STYPE = double precision[], INITCOND = '{0,0,0}',
	COMBINEFUNC = hn_rr_combine, FINALFUNC = hn_rr_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE reciprocal_rank(bigint, boolean) IS
	'Reciprocal rank of a query''s ranked rows: 1 / the smallest rank with relevant = true, 0 if none (trec_eval recip_rank when ranks follow its tie order)';

CREATE FUNCTION hn_hits_trans(double precision[], bigint, boolean, integer) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_hits_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_hits_trans(double precision[], bigint, boolean, integer) IS
	'Transition of precision_at_k: state [relevant rows with rank <= k, 0, k]';
CREATE FUNCTION hn_hits_trans(double precision[], bigint, boolean, integer, bigint) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_hits_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_hits_trans(double precision[], bigint, boolean, integer, bigint) IS
	'Transition of recall_at_k: state [relevant rows with rank <= k, num_relevant, k]';
CREATE FUNCTION hn_sum_combine(double precision[], double precision[]) RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_sum_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_sum_combine(double precision[], double precision[]) IS
	'Combine function of precision_at_k, recall_at_k, ndcg_at_k: adds the first slot, checks the others agree';
CREATE FUNCTION hn_precision_final(double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'hn_precision_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_precision_final(double precision[]) IS 'Final function of precision_at_k: hits / k';
CREATE FUNCTION hn_recall_final(double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'hn_recall_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_recall_final(double precision[]) IS 'Final function of recall_at_k: hits / num_relevant, 0 if none';
CREATE AGGREGATE precision_at_k(rank bigint, relevant boolean, k integer) (
	SFUNC = hn_hits_trans, STYPE = double precision[], INITCOND = '{0,0,0}',
	COMBINEFUNC = hn_sum_combine, FINALFUNC = hn_precision_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE precision_at_k(bigint, boolean, integer) IS
	'P@k of a query''s ranked rows: relevant rows with rank <= k, divided by k (trec_eval P.k: a short list counts as padded)';
CREATE AGGREGATE recall_at_k(rank bigint, relevant boolean, k integer, num_relevant bigint) (
	SFUNC = hn_hits_trans, STYPE = double precision[], INITCOND = '{0,0,0}',
	COMBINEFUNC = hn_sum_combine, FINALFUNC = hn_recall_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE recall_at_k(bigint, boolean, integer, bigint) IS
	'Recall@k of a query''s ranked rows: relevant rows with rank <= k divided by num_relevant (the query''s relevant judgments, retrieved or not); 0 when num_relevant = 0';

CREATE FUNCTION hn_ndcg_trans(double precision[], bigint, double precision, integer, double precision[])
	RETURNS double precision[]
	AS 'MODULE_PATHNAME', 'hn_ndcg_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_ndcg_trans(double precision[], bigint, double precision, integer, double precision[]) IS
	'Transition of ndcg_at_k: state [DCG@k, IDCG@k, k]';
CREATE FUNCTION hn_ndcg_final(double precision[]) RETURNS double precision
	AS 'MODULE_PATHNAME', 'hn_ndcg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION hn_ndcg_final(double precision[]) IS 'Final function of ndcg_at_k: DCG@k / IDCG@k, 0 if IDCG is 0';
CREATE AGGREGATE ndcg_at_k(rank bigint, gain double precision, k integer, ideal_gains double precision[]) (
	SFUNC = hn_ndcg_trans, STYPE = double precision[], INITCOND = '{0,0,0}',
	COMBINEFUNC = hn_sum_combine, FINALFUNC = hn_ndcg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE ndcg_at_k(bigint, double precision, integer, double precision[]) IS
	'nDCG@k of a query''s ranked rows: sum of gain / log2(rank + 1) over ranks <= k, divided by the same sum over ideal_gains (all the query''s judged grades, any order) sorted best first; linear gains as trec_eval ndcg_cut.k';
