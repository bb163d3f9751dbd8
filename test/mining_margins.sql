-- pgTAP: adaptive margins, auto_calibrate and RocketQA pseudo-positives in
-- mine_hard_negatives (mining.md F1, F2, F4; docs/mining.md), on hand-derived
-- cases.  The SciFact cases against the numpy reference are in
-- mining_parity (test/ref/st_mining_ref.py: adaptive*, auto_*), whose chosen
-- margins are checked at the end of this file when the data is there.
--
-- Inner product on 2-d vectors with dyadic coordinates, so every score is
-- exact: q1 = (1, 0) scores d = (s, 0.5) as s.  Positive p1 = 0.875; the
-- candidates d2..d8 score 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0.
--   top-4 non-positive scores 0.75 0.625 0.5 0.375: mean 0.5625, population
--   variance (2 * 0.1875^2 + 2 * 0.0625^2) / 4 = 0.01953125, sd 0.1397542486,
--   median 0.5625.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(42);

CREATE TEMP TABLE mq (id bigint, embedding real[]);
CREATE TEMP TABLE md (id bigint, embedding real[]);
CREATE TEMP TABLE mr (query_id bigint, doc_id bigint, relevance int);
CREATE TEMP TABLE mt (query_id bigint, doc_id bigint, score float8);
INSERT INTO mq VALUES (1, '{1,0}'), (2, '{1,0}');
INSERT INTO md VALUES (1, '{0.875,0.5}'), (2, '{0.75,0.5}'), (3, '{0.625,0.5}'), (4, '{0.5,0.5}'),
	(5, '{0.375,0.5}'), (6, '{0.25,0.5}'), (7, '{0.125,0.5}'), (8, '{0,0.5}');
INSERT INTO mr VALUES (1, 1, 1);
-- teacher: d2 is as relevant as the positive; q2 has no qrels positive
INSERT INTO mt VALUES (1, 2, 0.95), (1, 3, 0.5), (1, 4, 0.05), (1, 5, 0.02), (1, 6, 0.01),
	(1, 7, 0.0), (1, 8, 0.0), (1, 1, 0.99), (2, 3, 0.97), (2, 2, 0.93), (2, 4, 0.2);

\set in '''SELECT id, embedding FROM mq'', ''SELECT id, embedding FROM md'', ''SELECT query_id, doc_id, relevance FROM mr'''
\set t '''SELECT query_id, doc_id, score FROM mt'''

CREATE FUNCTION pg_temp.negs(args text) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE r bigint[];
BEGIN
	EXECUTE format('SELECT array_agg(negative_id ORDER BY query_id, positive_id, negative_rank)
		FROM mine_hard_negatives(%s, metric => ''ip'', range_max => 10, %s)',
		'''SELECT id, embedding FROM mq'', ''SELECT id, embedding FROM md'', ''SELECT query_id, doc_id, relevance FROM mr''',
		args) INTO r;
	RETURN r;
END $$;
CREATE FUNCTION pg_temp.stat(args text, it text, ms text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE r float8;
BEGIN
	EXECUTE format('SELECT value FROM mine_hard_negatives_stats(%s, metric => ''ip'', range_max => 10, %s)
		WHERE item = %L AND measure = %L',
		'''SELECT id, embedding FROM mq'', ''SELECT id, embedding FROM md'', ''SELECT query_id, doc_id, relevance FROM mr''',
		args, it, ms) INTO r;
	RETURN r;
END $$;

-- 1. margin_mode => 'adaptive': m = max(absolute_margin or 0, lambda sd)
SELECT is(pg_temp.negs('margin_mode => ''fixed'''), '{2,3,4}'::bigint[], 'fixed without margins: the top three');
SELECT is(pg_temp.negs('margin_mode => ''adaptive'', margin_top_k => 4'), '{3,4,5}'::bigint[],
	'adaptive, lambda 1: m = 0.1398, keep s <= 0.7352, d2 (0.75) out');
SELECT is(pg_temp.negs('margin_mode => ''adaptive'', margin_top_k => 4, margin_lambda => 2'), '{4,5,6}'::bigint[],
	'adaptive, lambda 2: m = 0.2795, keep s <= 0.5955, d2 and d3 out');
SELECT is(pg_temp.negs('margin_mode => ''adaptive'', margin_top_k => 4, absolute_margin => 0.25'), '{3,4,5}'::bigint[],
	'adaptive with the floor absolute_margin 0.25: keep s <= 0.625, d3 on the boundary stays');
SELECT is(pg_temp.negs('margin_mode => ''adaptive'', margin_top_k => 4, absolute_margin => 0.25, margin_strict => true'),
	'{4,5,6}'::bigint[], 'the same with margin_strict: d3 on the boundary goes');
SELECT is(pg_temp.negs('margin_mode => ''adaptive'', margin_top_k => 4, margin_lambda => 0'), '{2,3,4}'::bigint[],
	'adaptive with lambda 0 and no floor: margin 0, d2 stays');
-- top-2: 0.75 0.625, sd 0.0625, m 0.0625 -> keep s <= 0.8125: nothing out; lambda 3 -> 0.1875 -> s <= 0.6875
SELECT is(pg_temp.negs('margin_mode => ''adaptive'', margin_top_k => 2, margin_lambda => 3'), '{3,4,5}'::bigint[],
	'margin_top_k 2: sd 0.0625, lambda 3 gives m 0.1875, d2 out');
-- 2. 'adaptive_median': m = max(m_min, lambda (P - median)) = lambda 0.3125
SELECT is(pg_temp.negs('margin_mode => ''adaptive_median'', margin_top_k => 4, margin_lambda => 0.5'), '{3,4,5}'::bigint[],
	'adaptive_median, lambda 0.5: m = 0.15625, keep s <= 0.71875');
SELECT is(pg_temp.negs('margin_mode => ''adaptive_median'', margin_top_k => 4'), '{4,5,6}'::bigint[],
	'adaptive_median, lambda 1: m = 0.3125, keep s <= 0.5625');
SELECT is(pg_temp.negs('margin_mode => ''adaptive'', margin_top_k => 4, relative_margin => 0.5'), '{5,6,7}'::bigint[],
	'adaptive margin and relative_margin 0.5 both apply: keep s <= 0.4375');
SELECT is(pg_temp.stat('margin_mode => ''adaptive'', margin_top_k => 4', 'absolute_margin', 'removed'), 1::float8,
	'statistics: the adaptive margin counts under absolute_margin');

-- 3. auto_calibrate: the largest margin keeping the target mean per query
--    gaps P - s: 0.125 .. 0.875; the 4th largest is 0.5, so keep s <= 0.375: d5..d8
SELECT is(pg_temp.negs('auto_calibrate => 4'), '{5,6,7}'::bigint[],
	'auto_calibrate 4: margin 0.5 keeps exactly 4 (d5..d8), top 3 of them mined');
SELECT ok(abs(pg_temp.stat('auto_calibrate => 4', 'auto_calibrate', 'absolute_margin') - 0.5) < 1e-9,
	'auto_calibrate reports the chosen absolute_margin 0.5');
SELECT is(pg_temp.stat('auto_calibrate => 4', 'auto_calibrate', 'kept_per_query'), 4::float8,
	'auto_calibrate reports 4 kept per query at it');
SELECT is(pg_temp.stat('auto_calibrate => 3.5', 'auto_calibrate', 'kept_per_query'), 4::float8,
	'a fractional target: at least 3.5 means 4 with one query');
SELECT is(pg_temp.stat('auto_calibrate => 4', 'auto_calibrate', 'sample'), 1::float8,
	'the sample is the one query with a positive');
SELECT is(pg_temp.stat('auto_calibrate => 100', 'auto_calibrate', 'absolute_margin'), 0::float8,
	'an unreachable target: margin 0');
SELECT is(pg_temp.stat('auto_calibrate => 100', 'auto_calibrate', 'kept_per_query'), 7::float8,
	'an unreachable target: all 7 candidates kept, reported');
-- relative knob: (P - s) / P, the 2nd largest is 0.75 / 0.875 = 6/7 -> keep s <= 0.125
SELECT is(pg_temp.negs('relative_margin => 0.1, auto_calibrate => 2'), '{7,8}'::bigint[],
	'auto_calibrate searches relative_margin when it is given: 6/7 keeps d7, d8');
SELECT ok(abs(pg_temp.stat('relative_margin => 0.1, auto_calibrate => 2', 'auto_calibrate', 'relative_margin') - 6.0 / 7)
	< 1e-9, 'auto_calibrate reports relative_margin 6/7');
-- lambda knob (adaptive, sd 0.1397542486): gap / sd, 3rd largest is 0.625 / sd = 4.4721359550
SELECT ok(abs(pg_temp.stat('margin_mode => ''adaptive'', margin_top_k => 4, auto_calibrate => 3', 'auto_calibrate',
	'margin_lambda') - 0.625 / sqrt(0.01953125)) < 1e-9, 'auto_calibrate with adaptive searches margin_lambda: 0.625 / sd');
SELECT is(pg_temp.negs('margin_mode => ''adaptive'', margin_top_k => 4, auto_calibrate => 3'), '{6,7,8}'::bigint[],
	'the calibrated lambda keeps d6, d7, d8');

-- 4. RocketQA pseudo-positives: teacher score >= teacher_pos_min makes a positive
SELECT is(pg_temp.negs(format('teacher_scores => %L, teacher_pos_min => 0.9, teacher_missing => ''keep''', :t)),
	'{3,4,5,3,4,5}'::bigint[], 'd2 (teacher 0.95) becomes a positive: rows for p1 and for d2, the same negatives');
SELECT is((SELECT array_agg(DISTINCT positive_id ORDER BY positive_id) FROM mine_hard_negatives(:in, metric => 'ip',
	range_max => 10, teacher_scores => :t, teacher_pos_min => 0.9, teacher_missing => 'keep')
	WHERE filter_trace & 32768 <> 0), '{2}'::bigint[], 'rows of the pseudo-positive carry bit 32768');
SELECT is((SELECT DISTINCT positive_score FROM mine_hard_negatives(:in, metric => 'ip', range_max => 10,
	teacher_scores => :t, teacher_pos_min => 0.9, teacher_missing => 'keep') WHERE positive_id = 2), 0.75::real,
	'the pseudo-positive''s positive_score is its own score');
-- P is now min(0.875, 0.75) = 0.75: absolute_margin 0.2 keeps s <= 0.55
SELECT is(pg_temp.negs(format('teacher_scores => %L, teacher_pos_min => 0.9, teacher_missing => ''keep'', absolute_margin => 0.2', :t)),
	'{4,5,6,4,5,6}'::bigint[], 'the pseudo-positive counts for pos_ref min: P = 0.75, keep s <= 0.55');
SELECT is(pg_temp.negs(format('teacher_scores => %L, teacher_pos_min => 0.9, teacher_max => 0.1, teacher_missing => ''keep''', :t)),
	'{4,5,6,4,5,6}'::bigint[], 'with teacher_max 0.1: d3 (0.5) dropped, d2 a positive');
SELECT is(pg_temp.stat(format('teacher_scores => %L, teacher_pos_min => 0.9, teacher_missing => ''keep''', :t),
	'positives', 'pseudo'), 1::float8, 'statistics: one pseudo-positive');
SELECT is(pg_temp.stat(format('teacher_scores => %L, teacher_pos_min => 0.9, teacher_missing => ''keep''', :t),
	'pseudo_positive', 'removed'), 1::float8, 'statistics: one candidate removed as a pseudo-positive');
SELECT is(pg_temp.negs(format('teacher_scores => %L, teacher_pos_min => 0.96, teacher_missing => ''keep''', :t)),
	'{2,3,4}'::bigint[], 'teacher_pos_min 0.96: no candidate reaches it, nothing changes');
-- allow_unlabeled: q2 has no qrels positive; d3 (0.97) and d2 (0.93) become its positives
SELECT is((SELECT array_agg(DISTINCT positive_id ORDER BY positive_id) FROM mine_hard_negatives(:in, metric => 'ip',
	range_max => 10, teacher_scores => :t, teacher_pos_min => 0.9, teacher_missing => 'keep', allow_unlabeled => true)
	WHERE query_id = 2), '{2,3}'::bigint[], 'allow_unlabeled: q2 is mined with its pseudo-positives d2 and d3');
SELECT is((SELECT count(*) FROM mine_hard_negatives(:in, metric => 'ip', range_max => 10, teacher_scores => :t,
	teacher_pos_min => 0.9, teacher_missing => 'keep') WHERE query_id = 2), 0::bigint,
	'without allow_unlabeled q2 is skipped');

-- 5. hostile text ids through the id_type overload
CREATE TEMP TABLE hq (id text, embedding real[]);
CREATE TEMP TABLE hd (id text, embedding real[]);
CREATE TEMP TABLE hr (query_id text, doc_id text, relevance int);
CREATE TEMP TABLE ht (query_id text, doc_id text, score float8);
INSERT INTO hq VALUES (E'q''1\t"x"', '{1,0}');
INSERT INTO hd SELECT CASE id WHEN 1 THEN E'p\\1' WHEN 2 THEN E'd2 ünï\ncode' ELSE 'd' || id END, embedding FROM md;
INSERT INTO hr VALUES (E'q''1\t"x"', E'p\\1', 1);
INSERT INTO ht VALUES (E'q''1\t"x"', E'd2 ünï\ncode', 0.95);
SELECT is((SELECT array_agg(DISTINCT positive_id ORDER BY positive_id) FROM mine_hard_negatives(
	'SELECT id, embedding FROM hq', 'SELECT id, embedding FROM hd', 'SELECT query_id, doc_id, relevance FROM hr',
	NULL::text, metric => 'ip', range_max => 10, teacher_scores => 'SELECT query_id, doc_id, score FROM ht',
	teacher_pos_min => 0.9, teacher_missing => 'keep', margin_mode => 'adaptive', margin_top_k => 4)),
	ARRAY[E'd2 ünï\ncode', E'p\\1'], 'text ids with quotes, tabs, backslashes, newlines, non-ASCII: the pseudo-positive');

-- 6. errors, before any input is read
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, margin_mode => ''wide'')', :'in'), '22023',
	NULL, 'unknown margin_mode: 22023');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, margin_mode => ''adaptive'', margin_lambda => -1)', :'in'),
	'22023', NULL, 'negative margin_lambda: 22023');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, margin_mode => ''adaptive'', margin_top_k => 1)', :'in'),
	'22023', NULL, 'margin_top_k below 2: 22023');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, auto_calibrate => 0)', :'in'), '22023', NULL,
	'auto_calibrate 0: 22023');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, teacher_pos_min => 0.9)', :'in'), '22023', NULL,
	'teacher_pos_min without teacher scores: 22023');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, teacher_scores => %L, teacher_pos_min => 0.05, teacher_max => 0.1)',
	:'in', :t), '22023', NULL, 'teacher_pos_min below teacher_max: 22023');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, allow_unlabeled => true)', :'in'), '22023', NULL,
	'allow_unlabeled without teacher_pos_min: 22023');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, margin_mode => ''adaptive'', absolute_margin => -0.1)', :'in'),
	'22023', NULL, 'a negative floor for the adaptive margin: 22023');
SELECT throws_ok(format('SELECT * FROM mine_hard_negatives(%s, margin_mode => ''adaptive'', margin_lambda => ''NaN'')', :'in'),
	'22023', NULL, 'margin_lambda NaN: 22023');

SELECT * FROM finish();
ROLLBACK;
