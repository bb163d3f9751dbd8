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
-- defaulted id_type would not work.
--
-- The parameters are written once, in src/mining/params.def, which the C
-- code includes too (ARG_* positions, the defaults of an explicit NULL); the
-- "--@ params" line below becomes their (name, type, default) rows when make
-- assembles the script (src/sql/assemble.awk).  The DO block writes the four
-- signatures and their COMMENT ON from them, as 80_compose.sql does.
-- PARALLEL RESTRICTED: the caller's input queries may read temporary tables
-- or call restricted functions, which a worker cannot; and a function scan
-- replicated in every worker would mine everything once per worker.  The C
-- code itself gives identical results in a worker (test/mining_sampling.sql).

DO $mine$
DECLARE
	required text;				-- the query strings, without defaults
	optional text;				-- the rest, with their defaults
	misplaced boolean;
	f record;
BEGIN
	SELECT pg_catalog.string_agg(pg_catalog.format('%I %s', p.name, p.type), ', ' ORDER BY p.n)
			FILTER (WHERE p.dflt IS NULL),
		pg_catalog.string_agg(pg_catalog.format('%I %s DEFAULT %s', p.name, p.type, p.dflt), ', '
			ORDER BY p.n) FILTER (WHERE p.dflt IS NOT NULL),
		pg_catalog.max(p.n) FILTER (WHERE p.dflt IS NULL) >
			pg_catalog.min(p.n) FILTER (WHERE p.dflt IS NOT NULL)
	INTO required, optional, misplaced
	FROM (VALUES
--@ params src/mining/params.def
	) AS p(n, name, type, dflt);
	-- id_type goes right after the required ones (ARG_ID_TYPE_POS in mining.h)
	IF misplaced THEN
		RAISE EXCEPTION 'src/mining/params.def: a parameter without a default follows one with a default';
	END IF;
	FOR f IN SELECT * FROM (VALUES
		('mine_hard_negatives', 'hn_mine_hard_negatives',
		 'query_id ID, positive_id ID, negative_id ID, negative_rank integer, kept_rank integer, '
		 'negative_rank_raw integer, score real, positive_score real, source text, '
		 'p_false_negative real, weight real, filter_trace integer',
		 'Hard-negative mining, a superset of sentence-transformers mine_hard_negatives with the same defaults: '
		 'candidates from exact dense search (pool range_max + max_positives) and/or runs, duplicate-aware '
		 'positive exclusion, teacher scores, score band, positive-anchored margins, rank window (kept|raw), '
		 'adaptive per-query margins (margin_mode adaptive: max(absolute_margin, margin_lambda * sd of the top '
		 'margin_top_k scores); adaptive_median: margin_lambda * (P - their median)), auto_calibrate (the margin '
		 'that keeps this mean number of candidates per query), RocketQA pseudo-positives (teacher score >= '
		 'teacher_pos_min; allow_unlabeled mines queries without positives), false-negative estimators, '
		 'seeded sampling (top, uniform/random, top1_plus_uniform, softmax, simans, bins), flagged backfill and '
		 'STAR random mix; one row per (query, positive, negative) with provenance@IDS@. See docs/mining.md.'),
		('mine_hard_negatives_stats', 'hn_mine_hard_negatives_stats',
		 'step integer, item text, measure text, value double precision',
		 'Per-filter statistics of the mine_hard_negatives call with the same arguments (sentence-transformers '
		 'verbose output as rows): queries, candidates, removed / failed / removed_ratio per filter in pipeline '
		 'order, rank window, sampled, backfilled, missing, pseudo-positives, the margin auto_calibrate chose, '
		 'and count/mean/std/min/25%/50%/75%/max of the positive, negative and difference scores.')
	) AS t(name, symbol, result, about)
	LOOP
		-- plain (bigint ids), then typed (id_type after the query strings)
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION @extschema@.%I(%s, %s) RETURNS TABLE (%s) AS %L, %L '
			'LANGUAGE C VOLATILE PARALLEL RESTRICTED',
			f.name, required, optional, pg_catalog.replace(f.result, ' ID,', ' bigint,'),
			'MODULE_PATHNAME', f.symbol);
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%I(%s, %s) IS %L', f.name, required,
			pg_catalog.regexp_replace(optional, ' DEFAULT (''[^'']*''|[^,]+)', '', 'g'),
			pg_catalog.replace(f.about, '@IDS@',
				' (bigint ids; pass id_type as 4th argument for others)'));
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION @extschema@.%I(%s, id_type anyelement, %s) RETURNS TABLE (%s) AS %L, %L '
			'LANGUAGE C VOLATILE PARALLEL RESTRICTED',
			f.name, required, optional, pg_catalog.replace(f.result, ' ID,', ' anyelement,'),
			'MODULE_PATHNAME', f.symbol);
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%I(%s, id_type anyelement, %s) IS %L',
			f.name, required,
			pg_catalog.regexp_replace(optional, ' DEFAULT (''[^'']*''|[^,]+)', '', 'g'),
			pg_catalog.replace(f.about, '@IDS@', ' and ids of id_type'));
	END LOOP;
END
$mine$;
