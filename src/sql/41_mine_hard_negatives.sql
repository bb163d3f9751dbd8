-- Hard-negative mining (SPEC 4.2, docs/mining.md).  A fragment of its own
-- because 0.2.0 changed the signatures (margin_mode ... allow_unlabeled):
-- the upgrade drops the 0.1.0 functions (src/sql/upgrade/0.1.0--0.2.0/
-- 41_mine_hard_negatives.sql) and runs this file as it is.
--
-- mine_hard_negatives() returns the long format, one row per
-- (query, positive, negative) with provenance; mine_hard_negatives_stats()
-- the per-filter statistics of the same call.  Each has two overloads:
-- without id_type (bigint ids), and with id_type anyelement as the fourth
-- argument, right after qrels (e.g. NULL::text): PostgreSQL resolves a
-- polymorphic result only from arguments written in place, so a trailing
-- defaulted id_type would not work.  The argument order must stay in step
-- with src/mining/mining.h (ARG_*).
-- PARALLEL RESTRICTED: the caller's input queries may read temporary tables
-- or call restricted functions, which a worker cannot; and a function scan
-- replicated in every worker would mine everything once per worker.  The C
-- code itself gives identical results in a worker (test/mining_sampling.sql).

CREATE FUNCTION mine_hard_negatives(
	queries text,
	corpus text,
	qrels text,
	num_negatives integer DEFAULT 3,
	range_min integer DEFAULT 0,
	range_max integer DEFAULT NULL,
	max_score double precision DEFAULT NULL,
	min_score double precision DEFAULT NULL,
	absolute_margin double precision DEFAULT NULL,
	relative_margin double precision DEFAULT NULL,
	sampling_strategy text DEFAULT 'top',
	include_positives boolean DEFAULT false,
	metric text DEFAULT 'cosine',
	method text DEFAULT 'exact',
	runs text DEFAULT NULL,
	rank_basis text DEFAULT 'kept',
	percpos double precision DEFAULT NULL,
	pos_ref text DEFAULT 'min',
	margin_strict boolean DEFAULT false,
	teacher_scores text DEFAULT NULL,
	score_space text DEFAULT 'student',
	teacher_max double precision DEFAULT NULL,
	teacher_missing text DEFAULT 'drop',
	exclude text DEFAULT 'doc_id,text_hash',
	seed bigint DEFAULT 0,
	temperature double precision DEFAULT 0.05,
	simans_a double precision DEFAULT 0.5,
	simans_b double precision DEFAULT 0,
	simans_sign text DEFAULT 'paper',
	n_bins integer DEFAULT 10,
	backfill text DEFAULT 'none',
	random_negatives integer DEFAULT 0,
	exempt_positives boolean DEFAULT false,
	pool text DEFAULT 'global',
	false_negatives text DEFAULT 'none',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL,
	margin_mode text DEFAULT 'fixed',
	margin_lambda double precision DEFAULT 1.0,
	margin_top_k integer DEFAULT 10,
	auto_calibrate double precision DEFAULT NULL,
	teacher_pos_min double precision DEFAULT NULL,
	allow_unlabeled boolean DEFAULT false)
RETURNS TABLE (
	query_id bigint,
	positive_id bigint,
	negative_id bigint,
	negative_rank integer,
	kept_rank integer,
	negative_rank_raw integer,
	score real,
	positive_score real,
	source text,
	p_false_negative real,
	weight real,
	filter_trace integer)
AS 'MODULE_PATHNAME', 'hn_mine_hard_negatives'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION mine_hard_negatives(text, text, text, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text, text, double precision, integer, double precision, double precision, boolean) IS
'Hard-negative mining, a superset of sentence-transformers mine_hard_negatives with the same defaults: '
'candidates from exact dense search (pool range_max + max_positives) and/or runs, duplicate-aware '
'positive exclusion, teacher scores, score band, positive-anchored margins, rank window (kept|raw), '
'adaptive per-query margins (margin_mode adaptive: max(absolute_margin, margin_lambda * sd of the top '
'margin_top_k scores); adaptive_median: margin_lambda * (P - their median)), auto_calibrate (the margin '
'that keeps this mean number of candidates per query), RocketQA pseudo-positives (teacher score >= '
'teacher_pos_min; allow_unlabeled mines queries without positives), false-negative estimators, '
'seeded sampling (top, uniform/random, top1_plus_uniform, softmax, simans, bins), flagged backfill and '
'STAR random mix; one row per (query, positive, negative) with provenance (bigint ids; pass id_type as 4th argument for others). See docs/mining.md.';

CREATE FUNCTION mine_hard_negatives_stats(
	queries text,
	corpus text,
	qrels text,
	num_negatives integer DEFAULT 3,
	range_min integer DEFAULT 0,
	range_max integer DEFAULT NULL,
	max_score double precision DEFAULT NULL,
	min_score double precision DEFAULT NULL,
	absolute_margin double precision DEFAULT NULL,
	relative_margin double precision DEFAULT NULL,
	sampling_strategy text DEFAULT 'top',
	include_positives boolean DEFAULT false,
	metric text DEFAULT 'cosine',
	method text DEFAULT 'exact',
	runs text DEFAULT NULL,
	rank_basis text DEFAULT 'kept',
	percpos double precision DEFAULT NULL,
	pos_ref text DEFAULT 'min',
	margin_strict boolean DEFAULT false,
	teacher_scores text DEFAULT NULL,
	score_space text DEFAULT 'student',
	teacher_max double precision DEFAULT NULL,
	teacher_missing text DEFAULT 'drop',
	exclude text DEFAULT 'doc_id,text_hash',
	seed bigint DEFAULT 0,
	temperature double precision DEFAULT 0.05,
	simans_a double precision DEFAULT 0.5,
	simans_b double precision DEFAULT 0,
	simans_sign text DEFAULT 'paper',
	n_bins integer DEFAULT 10,
	backfill text DEFAULT 'none',
	random_negatives integer DEFAULT 0,
	exempt_positives boolean DEFAULT false,
	pool text DEFAULT 'global',
	false_negatives text DEFAULT 'none',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL,
	margin_mode text DEFAULT 'fixed',
	margin_lambda double precision DEFAULT 1.0,
	margin_top_k integer DEFAULT 10,
	auto_calibrate double precision DEFAULT NULL,
	teacher_pos_min double precision DEFAULT NULL,
	allow_unlabeled boolean DEFAULT false)
RETURNS TABLE (step integer, item text, measure text, value double precision)
AS 'MODULE_PATHNAME', 'hn_mine_hard_negatives_stats'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION mine_hard_negatives_stats(text, text, text, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text, text, double precision, integer, double precision, double precision, boolean) IS
'Per-filter statistics of the mine_hard_negatives call with the same arguments (sentence-transformers '
'verbose output as rows): queries, candidates, removed / failed / removed_ratio per filter in pipeline '
'order, rank window, sampled, backfilled, missing, pseudo-positives, the margin auto_calibrate chose, '
'and count/mean/std/min/25%/50%/75%/max of the positive, negative and difference scores.';

CREATE FUNCTION mine_hard_negatives(
	queries text,
	corpus text,
	qrels text,
	id_type anyelement,
	num_negatives integer DEFAULT 3,
	range_min integer DEFAULT 0,
	range_max integer DEFAULT NULL,
	max_score double precision DEFAULT NULL,
	min_score double precision DEFAULT NULL,
	absolute_margin double precision DEFAULT NULL,
	relative_margin double precision DEFAULT NULL,
	sampling_strategy text DEFAULT 'top',
	include_positives boolean DEFAULT false,
	metric text DEFAULT 'cosine',
	method text DEFAULT 'exact',
	runs text DEFAULT NULL,
	rank_basis text DEFAULT 'kept',
	percpos double precision DEFAULT NULL,
	pos_ref text DEFAULT 'min',
	margin_strict boolean DEFAULT false,
	teacher_scores text DEFAULT NULL,
	score_space text DEFAULT 'student',
	teacher_max double precision DEFAULT NULL,
	teacher_missing text DEFAULT 'drop',
	exclude text DEFAULT 'doc_id,text_hash',
	seed bigint DEFAULT 0,
	temperature double precision DEFAULT 0.05,
	simans_a double precision DEFAULT 0.5,
	simans_b double precision DEFAULT 0,
	simans_sign text DEFAULT 'paper',
	n_bins integer DEFAULT 10,
	backfill text DEFAULT 'none',
	random_negatives integer DEFAULT 0,
	exempt_positives boolean DEFAULT false,
	pool text DEFAULT 'global',
	false_negatives text DEFAULT 'none',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL,
	margin_mode text DEFAULT 'fixed',
	margin_lambda double precision DEFAULT 1.0,
	margin_top_k integer DEFAULT 10,
	auto_calibrate double precision DEFAULT NULL,
	teacher_pos_min double precision DEFAULT NULL,
	allow_unlabeled boolean DEFAULT false)
RETURNS TABLE (
	query_id anyelement,
	positive_id anyelement,
	negative_id anyelement,
	negative_rank integer,
	kept_rank integer,
	negative_rank_raw integer,
	score real,
	positive_score real,
	source text,
	p_false_negative real,
	weight real,
	filter_trace integer)
AS 'MODULE_PATHNAME', 'hn_mine_hard_negatives'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION mine_hard_negatives(text, text, text, anyelement, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text, text, double precision, integer, double precision, double precision, boolean) IS
'Hard-negative mining, a superset of sentence-transformers mine_hard_negatives with the same defaults: '
'candidates from exact dense search (pool range_max + max_positives) and/or runs, duplicate-aware '
'positive exclusion, teacher scores, score band, positive-anchored margins, rank window (kept|raw), '
'adaptive per-query margins (margin_mode adaptive: max(absolute_margin, margin_lambda * sd of the top '
'margin_top_k scores); adaptive_median: margin_lambda * (P - their median)), auto_calibrate (the margin '
'that keeps this mean number of candidates per query), RocketQA pseudo-positives (teacher score >= '
'teacher_pos_min; allow_unlabeled mines queries without positives), false-negative estimators, '
'seeded sampling (top, uniform/random, top1_plus_uniform, softmax, simans, bins), flagged backfill and '
'STAR random mix; one row per (query, positive, negative) with provenance and ids of id_type. See docs/mining.md.';

CREATE FUNCTION mine_hard_negatives_stats(
	queries text,
	corpus text,
	qrels text,
	id_type anyelement,
	num_negatives integer DEFAULT 3,
	range_min integer DEFAULT 0,
	range_max integer DEFAULT NULL,
	max_score double precision DEFAULT NULL,
	min_score double precision DEFAULT NULL,
	absolute_margin double precision DEFAULT NULL,
	relative_margin double precision DEFAULT NULL,
	sampling_strategy text DEFAULT 'top',
	include_positives boolean DEFAULT false,
	metric text DEFAULT 'cosine',
	method text DEFAULT 'exact',
	runs text DEFAULT NULL,
	rank_basis text DEFAULT 'kept',
	percpos double precision DEFAULT NULL,
	pos_ref text DEFAULT 'min',
	margin_strict boolean DEFAULT false,
	teacher_scores text DEFAULT NULL,
	score_space text DEFAULT 'student',
	teacher_max double precision DEFAULT NULL,
	teacher_missing text DEFAULT 'drop',
	exclude text DEFAULT 'doc_id,text_hash',
	seed bigint DEFAULT 0,
	temperature double precision DEFAULT 0.05,
	simans_a double precision DEFAULT 0.5,
	simans_b double precision DEFAULT 0,
	simans_sign text DEFAULT 'paper',
	n_bins integer DEFAULT 10,
	backfill text DEFAULT 'none',
	random_negatives integer DEFAULT 0,
	exempt_positives boolean DEFAULT false,
	pool text DEFAULT 'global',
	false_negatives text DEFAULT 'none',
	fn_threshold double precision DEFAULT 0.5,
	pooled_runs text DEFAULT NULL,
	margin_mode text DEFAULT 'fixed',
	margin_lambda double precision DEFAULT 1.0,
	margin_top_k integer DEFAULT 10,
	auto_calibrate double precision DEFAULT NULL,
	teacher_pos_min double precision DEFAULT NULL,
	allow_unlabeled boolean DEFAULT false)
RETURNS TABLE (step integer, item text, measure text, value double precision)
AS 'MODULE_PATHNAME', 'hn_mine_hard_negatives_stats'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION mine_hard_negatives_stats(text, text, text, anyelement, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text, text, double precision, integer, double precision, double precision, boolean) IS
'Per-filter statistics of the mine_hard_negatives call with the same arguments (sentence-transformers '
'verbose output as rows): queries, candidates, removed / failed / removed_ratio per filter in pipeline '
'order, rank window, sampled, backfilled, missing, pseudo-positives, the margin auto_calibrate chose, '
'and count/mean/std/min/25%/50%/75%/max of the positive, negative and difference scores.';

