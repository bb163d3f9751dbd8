-- pgTAP: the one judgments rule (docs/inputs.md, src/io/judgments.h), fed as
-- the same hostile qrels sets to every function that reads judgments:
-- a duplicate (query_id, doc_id), with equal or conflicting grades, is 21000;
-- NULL ids or grades 22004; a grade above 65535 22003; text qrels ids
-- against integer ids elsewhere 42804; negative grades are valid and never
-- relevant (trec_eval semantics, checked by hand-derived values below).
BEGIN;
SELECT plan(117);

\ir fixtures/falseneg_toy.sql
\ir fixtures/judgments_inputs.sql

-- Hostile qrels sets: each replaces the clean 'TABLE qr' of every call.
CREATE TEMP TABLE hostile (label text, sql text, sqlstate text);
INSERT INTO hostile VALUES
	('a duplicate pair with the same grade',
	 'SELECT * FROM qr UNION ALL SELECT 2::bigint, 5::bigint, 1', '21000'),
	('a duplicate pair with conflicting grades',
	 'SELECT * FROM qr UNION ALL SELECT 1::bigint, 2::bigint, 1', '21000'),
	('a NULL relevance',
	 'SELECT * FROM qr UNION ALL SELECT 3::bigint, 4::bigint, NULL::int', '22004'),
	('a NULL doc_id',
	 'SELECT * FROM qr UNION ALL SELECT 3::bigint, NULL::bigint, 1', '22004'),
	('a grade above 65535',
	 'SELECT * FROM qr UNION ALL SELECT 3::bigint, 4::bigint, 70000', '22003'),
	('text qrels ids against integer ids',
	 'SELECT query_id::text AS query_id, doc_id::text AS doc_id, relevance FROM qr', '42804');

SELECT throws_ok(format(c.tpl, quote_literal(h.sql)), h.sqlstate, NULL, c.fn || ': ' || h.label)
FROM judgment_calls c CROSS JOIN hostile h ORDER BY c.ord, h.label;

-- Negative grades are valid input everywhere (d4 graded -1 for q1: pooled, unjudged).
SELECT lives_ok(format(c.tpl, quote_literal('SELECT * FROM qr UNION ALL SELECT 1::bigint, 4::bigint, -1')),
				c.fn || ': a negative grade is valid')
FROM judgment_calls c ORDER BY c.ord;

-- ... and never relevant.  trec_eval: q1 has d1 (2), d2 (0), d3 (0), d4 (-1): one relevant document;
-- run a ranks d1 d4 d2: P_5 = 1/5 (d4 not relevant), num_rel 1.
SELECT results_eq(
	$$SELECT measure, value FROM trec_eval('SELECT query_id, doc_id, score FROM runs WHERE run_id = ''a''',
		'SELECT * FROM qr UNION ALL SELECT 1::bigint, 4::bigint, -1', '{num_rel,P.5}')
	  WHERE query_id = '1' ORDER BY measure$$,
	$$VALUES ('P_5'::text, 0.2::float8), ('num_rel', 1)$$,
	'trec_eval: a negative grade is not relevant');
-- mining: q3's only judgment graded -1 leaves it without a positive, so it is not mined.
SELECT is(
	(SELECT count(*) FROM mine_hard_negatives('TABLE q', 'TABLE d',
		'SELECT query_id, doc_id, CASE WHEN query_id = 3 THEN -1 ELSE relevance END AS relevance FROM qr',
		num_negatives => 2) WHERE query_id = 3),
	0::bigint, 'mine_hard_negatives: a query whose only grade is negative has no positive');
-- fn_scores: a negative grade is unjudged (estimated), a zero is judged non-relevant (p = 0).
SELECT results_eq(
	$$SELECT doc_id, relevance, p_propensity IS NOT NULL, p_false_negative > 0
	  FROM fn_scores('TABLE cand', 'SELECT * FROM qr UNION ALL SELECT 1::bigint, 4::bigint, -1', 'propensity')
	  WHERE doc_id IN (2, 4) ORDER BY doc_id$$,
	$$VALUES (2::bigint, 0, false, false), (4::bigint, -1, true, true)$$,
	'fn_scores: a negative grade is pooled but unjudged, a zero judged non-relevant');

-- The message names the duplicate, however hostile its text, and says how to deduplicate.
SELECT throws_ok(
	$$SELECT * FROM trec_eval(
		$r$SELECT * FROM (VALUES ('q€', E'd''x\ty\\z', 1.0::float8)) r(query_id, doc_id, score)$r$,
		$r$SELECT * FROM (VALUES ('q€', E'd''x\ty\\z', 1), ('q€', E'd''x\ty\\z', 0)) j(query_id, doc_id, relevance)$r$)$$,
	'21000', E'duplicate judgment of document "d''x\ty\\z" for query "q€" in the qrels',
	'the error names the hostile pair exactly');
SELECT throws_ok(
	$$SELECT * FROM denoise('TABLE cand', 'SELECT * FROM teacher UNION ALL SELECT 1::bigint, 4::bigint, 0.2::float8')$$,
	'21000', 'duplicate score of document "4" for query "1" in the teacher_scores',
	'teacher scores follow the same rule');

SELECT * FROM finish();
ROLLBACK;
