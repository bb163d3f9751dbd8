-- pgTAP: mine_hard_negatives against an independent numpy reference of
-- sentence-transformers v6 semantics (test/ref/st_mining_ref.py, run by
-- test/prepare.d/40_mining) on SciFact train with USE-lite vectors.
-- For every reference case: identical negatives (ids and ranks) and scores
-- within 1e-5, in the triplet (long), n-tuple, labeled-pair and labeled-list
-- formats.
\set ON_ERROR_STOP 1
BEGIN;

CREATE TEMP TABLE docs (id bigint PRIMARY KEY, embedding real[]);
CREATE TEMP TABLE queries (id bigint PRIMARY KEY, embedding real[]);
CREATE TEMP TABLE qrels (query_id bigint, doc_id bigint, relevance int);
-- the stand-in teacher of the pseudo-positive cases: SciFact's BM25 run
CREATE TEMP TABLE teacher (query_id bigint, doc_id bigint, score float8);
CREATE TEMP TABLE cases (name text, args text, num_negatives int, n int);
-- auto_calibrate cases: the margin the reference derived (without search) and its sample size
CREATE TEMP TABLE exp_calib (name text, knob text, theta float8, n int);
CREATE TEMP TABLE exp_triplet (name text, query_id bigint, positive_id bigint, negative_id bigint,
	negative_rank int, score float8, positive_score float8);
CREATE TEMP TABLE exp_ntuple (name text, query_id bigint, positive_id bigint, negative_ids bigint[],
	scores float8[]);
CREATE TEMP TABLE exp_pair (name text, query_id bigint, positive_id bigint, doc_id bigint, label int,
	score float8, slot int);
CREATE TEMP TABLE exp_list (name text, query_id bigint, positive_id bigint, doc_ids bigint[],
	labels int[], scores float8[]);

\set cmd '\\copy docs FROM ''' :HN_TESTDATA '/mining/docs.tsv'''
:cmd
\set cmd '\\copy queries FROM ''' :HN_TESTDATA '/mining/queries.tsv'''
:cmd
\set cmd '\\copy qrels FROM ''' :HN_TESTDATA '/mining/qrels.tsv'''
:cmd
\set cmd '\\copy teacher FROM ''' :HN_TESTDATA '/mining/teacher.tsv'''
:cmd
\set cmd '\\copy cases FROM ''' :HN_TESTDATA '/mining/cases.tsv'''
:cmd
\set cmd '\\copy exp_calib FROM ''' :HN_TESTDATA '/mining/calibration.tsv'''
:cmd
\set cmd '\\copy exp_triplet FROM ''' :HN_TESTDATA '/mining/triplet.tsv'''
:cmd
\set cmd '\\copy exp_ntuple FROM ''' :HN_TESTDATA '/mining/ntuple.tsv'''
:cmd
\set cmd '\\copy exp_pair FROM ''' :HN_TESTDATA '/mining/pair.tsv'''
:cmd
\set cmd '\\copy exp_list FROM ''' :HN_TESTDATA '/mining/list.tsv'''
:cmd

-- Mine every case, then derive the other formats with the format functions.
CREATE TEMP TABLE got_triplet (name text, query_id bigint, positive_id bigint, negative_id bigint,
	negative_rank int, kept_rank int, negative_rank_raw int, score real, positive_score real,
	source text, p_false_negative real, weight real, filter_trace int);
CREATE TEMP TABLE got_ntuple (name text, query_id bigint, positive_id bigint, negative_ids bigint[],
	scores real[]);
CREATE TEMP TABLE got_pair (name text, query_id bigint, positive_id bigint, doc_id bigint, label int,
	score real, slot int);
CREATE TEMP TABLE got_list (name text, query_id bigint, positive_id bigint, doc_ids bigint[],
	labels int[], scores real[]);

SET LOCAL client_min_messages = warning;
-- Every other case runs under work_mem 64kB, where the streamed corpus is read
-- once per block of about 80 queries in chunks of 64 rows (docs/mining.md,
-- Limits): the same reference must come out.
DO $$
DECLARE
	c record;
	i int := 0;
	wm text := current_setting('work_mem');
BEGIN
	FOR c IN SELECT * FROM cases ORDER BY name LOOP
		i := i + 1;
		PERFORM set_config('work_mem', CASE WHEN i % 2 = 0 THEN '64kB' ELSE wm END, true);
		DROP TABLE IF EXISTS m;
		EXECUTE format('CREATE TEMP TABLE m AS SELECT * FROM mine_hard_negatives(%L, %L, %L%s)',
			'SELECT id, embedding FROM queries', 'SELECT id, embedding FROM docs',
			'SELECT query_id, doc_id, relevance FROM qrels',
			CASE WHEN c.args = '' THEN '' ELSE ', ' || c.args END);
		INSERT INTO got_triplet SELECT c.name, * FROM m;
		INSERT INTO got_ntuple SELECT c.name, * FROM hard_negatives_ntuple('m', c.num_negatives);
		INSERT INTO got_pair SELECT c.name, * FROM hard_negatives_labeled_pairs('m');
		INSERT INTO got_list SELECT c.name, * FROM hard_negatives_labeled_lists('m');
	END LOOP;
	PERFORM set_config('work_mem', wm, true);
END
$$;

CREATE FUNCTION pg_temp.calib_stats(args text) RETURNS TABLE (measure text, value float8)
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format('SELECT measure, value FROM mine_hard_negatives_stats(%L, %L, %L, %s)
		WHERE item = ''auto_calibrate''', 'SELECT id, embedding FROM queries', 'SELECT id, embedding FROM docs',
		'SELECT query_id, doc_id, relevance FROM qrels', args);
END $$;

SELECT plan(2 + 7 * (SELECT count(*) FROM cases)::int + 2 * (SELECT count(*) FROM exp_calib)::int);

SELECT cmp_ok((SELECT count(*) FROM cases), '>=', 10::bigint, 'at least 10 reference parameter cases');
SELECT cmp_ok((SELECT count(DISTINCT query_id) FROM got_triplet WHERE name = 'defaults'
	AND query_id IN (SELECT query_id FROM qrels GROUP BY 1 HAVING count(*) > 1)), '>', 0::bigint,
	'queries with several positives are covered');

SELECT is((SELECT count(*) FROM got_triplet g WHERE g.name = c.name), c.n::bigint,
		c.name || ': as many triplets as the reference') FROM cases c ORDER BY c.name;

SELECT is((SELECT count(*) FROM (
		(SELECT query_id, positive_id, negative_id, negative_rank FROM exp_triplet WHERE name = c.name
		 EXCEPT SELECT query_id, positive_id, negative_id, negative_rank FROM got_triplet WHERE name = c.name)
		UNION ALL
		(SELECT query_id, positive_id, negative_id, negative_rank FROM got_triplet WHERE name = c.name
		 EXCEPT SELECT query_id, positive_id, negative_id, negative_rank FROM exp_triplet WHERE name = c.name)) x),
		0::bigint, c.name || ': identical negatives and ranks') FROM cases c ORDER BY c.name;

SELECT ok((SELECT coalesce(max(greatest(abs(g.score - e.score), abs(g.positive_score - e.positive_score))), 0)
		FROM got_triplet g JOIN exp_triplet e USING (name, query_id, positive_id, negative_id)
		WHERE g.name = c.name) < 1e-5, c.name || ': scores within 1e-5') FROM cases c ORDER BY c.name;

SELECT is((SELECT count(*) FROM (
		(SELECT query_id, positive_id, negative_ids FROM exp_ntuple WHERE name = c.name
		 EXCEPT SELECT query_id, positive_id, negative_ids FROM got_ntuple WHERE name = c.name)
		UNION ALL
		(SELECT query_id, positive_id, negative_ids FROM got_ntuple WHERE name = c.name
		 EXCEPT SELECT query_id, positive_id, negative_ids FROM exp_ntuple WHERE name = c.name)) x),
		0::bigint, c.name || ': identical n-tuples') FROM cases c ORDER BY c.name;

SELECT ok((SELECT coalesce(max(abs(gs - es)), 0)
		FROM got_ntuple g JOIN exp_ntuple e USING (name, query_id, positive_id),
			unnest(g.scores, e.scores) AS u(gs, es)
		WHERE g.name = c.name) < 1e-5, c.name || ': n-tuple scores within 1e-5') FROM cases c ORDER BY c.name;

SELECT is((SELECT count(*) FROM (
		(SELECT query_id, positive_id, doc_id, label, slot FROM exp_pair WHERE name = c.name
		 EXCEPT SELECT query_id, positive_id, doc_id, label, slot FROM got_pair WHERE name = c.name)
		UNION ALL
		(SELECT query_id, positive_id, doc_id, label, slot FROM got_pair WHERE name = c.name
		 EXCEPT SELECT query_id, positive_id, doc_id, label, slot FROM exp_pair WHERE name = c.name)) x),
		0::bigint, c.name || ': identical labeled pairs') FROM cases c ORDER BY c.name;

SELECT is((SELECT count(*) FROM (
		(SELECT query_id, positive_id, doc_ids, labels FROM exp_list WHERE name = c.name
		 EXCEPT SELECT query_id, positive_id, doc_ids, labels FROM got_list WHERE name = c.name)
		UNION ALL
		(SELECT query_id, positive_id, doc_ids, labels FROM got_list WHERE name = c.name
		 EXCEPT SELECT query_id, positive_id, doc_ids, labels FROM exp_list WHERE name = c.name)) x),
		0::bigint, c.name || ': identical labeled lists') FROM cases c ORDER BY c.name;

-- auto_calibrate: the chosen margin and the sample, from the statistics of the same call
CREATE TEMP TABLE got_calib AS
SELECT c.name, st.measure, st.value
FROM cases c JOIN exp_calib e USING (name), LATERAL pg_temp.calib_stats(c.args) st;

-- relative 1e-5: the reference scores in float64, hardneg in float32 (sd and gaps differ by ~1e-7)
SELECT ok((SELECT abs(g.value - e.theta) FROM got_calib g WHERE g.name = e.name AND g.measure = e.knob)
		< 1e-5 * greatest(1, abs(e.theta)),
		e.name || ': auto_calibrate chose ' || e.knob || ' = ' || round(e.theta::numeric, 6) || ' as the reference')
	FROM exp_calib e ORDER BY e.name;
SELECT diag(e.name || ': hardneg ' || g.value || ', reference ' || e.theta)
	FROM exp_calib e JOIN got_calib g ON g.name = e.name AND g.measure = e.knob ORDER BY e.name;
SELECT is((SELECT g.value FROM got_calib g WHERE g.name = e.name AND g.measure = 'sample'), e.n::float8,
		e.name || ': auto_calibrate sampled every (query, reference)') FROM exp_calib e ORDER BY e.name;

SELECT * FROM finish();
ROLLBACK;
