-- pgTAP: seeded sampling, backfill, STAR mix, runs, duplicate-aware
-- exclusion, teacher scores, statistics and cancellation, on SciFact train
-- (USE-lite vectors; written by test/prepare.d/40_mining).
-- Plain tables (not temporary) so that parallel workers can read them.
\set ON_ERROR_STOP 1
BEGIN;
SELECT plan(44);

CREATE TABLE hs_docs (id bigint PRIMARY KEY, embedding real[]);
CREATE TABLE hs_queries (id bigint PRIMARY KEY, embedding real[]);
CREATE TABLE hs_qrels (query_id bigint, doc_id bigint, relevance int);
\set cmd '\\copy hs_docs FROM ''' :HN_TESTDATA '/mining/docs.tsv'''
:cmd
\set cmd '\\copy hs_queries FROM ''' :HN_TESTDATA '/mining/queries.tsv'''
:cmd
\set cmd '\\copy hs_qrels FROM ''' :HN_TESTDATA '/mining/qrels.tsv'''
:cmd
ANALYZE hs_docs, hs_queries, hs_qrels;

\set inputs '''SELECT id, embedding FROM hs_queries'', ''SELECT id, embedding FROM hs_docs'', ''SELECT query_id, doc_id, relevance FROM hs_qrels'''
\set shuffled '''SELECT id, embedding FROM hs_queries ORDER BY random()'', ''SELECT id, embedding FROM hs_docs ORDER BY random()'', ''SELECT query_id, doc_id, relevance FROM hs_qrels ORDER BY random()'''

-- Each seeded strategy four times: serial, on shuffled inputs, in query blocks, in a parallel worker.
CREATE TABLE hs_runs (strategy text, variant text, query_id bigint, positive_id bigint,
	negative_id bigint, negative_rank int, kept_rank int, score real, positive_score real);
CREATE FUNCTION pg_temp.mine_into(strategy text, variant text, inputs text, extra text DEFAULT '')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('INSERT INTO hs_runs SELECT %L, %L, query_id, positive_id, negative_id, negative_rank,
		kept_rank, score, positive_score FROM mine_hard_negatives(%s, num_negatives => 5, range_max => 30,
		sampling_strategy => %L, seed => 42 %s)', strategy, variant, inputs, strategy, extra);
END
$$;
SELECT pg_temp.mine_into(s, 'serial', :'inputs'), pg_temp.mine_into(s, 'shuffled', :'shuffled')
	FROM unnest(ARRAY['uniform', 'top1_plus_uniform', 'softmax', 'simans', 'bins']) s;
-- a small work_mem splits the queries into several k-NN blocks
SET LOCAL work_mem = '64kB';
SELECT pg_temp.mine_into(s, 'blocks', :'inputs')
	FROM unnest(ARRAY['uniform', 'top1_plus_uniform', 'softmax', 'simans', 'bins']) s;
RESET work_mem;
-- The shipped function is PARALLEL RESTRICTED (inputs may use temporary
-- tables); mark it safe here to run the very same code in a parallel worker.
ALTER FUNCTION mine_hard_negatives(text, text, text, integer, integer, integer, double precision,
	double precision, double precision, double precision, text, boolean, text, text, text, text,
	double precision, text, boolean, text, text, double precision, text, text, bigint, double precision,
	double precision, double precision, text, integer, text, integer, boolean, text, text, double precision,
	text, text, double precision, integer, double precision, double precision, boolean)
	PARALLEL SAFE;
\ir include/force_parallel.psql
SET LOCAL :force_parallel = on;
SET LOCAL parallel_setup_cost = 0;
CREATE FUNCTION pg_temp.plan_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	result text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || sql LOOP
		result := result || line || ' ';
	END LOOP;
	RETURN result;
END
$$;
SELECT ok(pg_temp.plan_of($$SELECT * FROM mine_hard_negatives('a', 'b', 'c')$$) ~ 'Gather.*Function Scan',
	'forcing parallel mode (' || :'force_parallel' || ') runs mining in a parallel worker');
CREATE TABLE hs_par AS SELECT s AS strategy, m.* FROM unnest(ARRAY['uniform', 'top1_plus_uniform', 'softmax', 'simans', 'bins']) s,
	LATERAL mine_hard_negatives(:inputs, num_negatives => 5, range_max => 30, sampling_strategy => s, seed => 42) m;
RESET :force_parallel;
RESET parallel_setup_cost;
INSERT INTO hs_runs SELECT strategy, 'parallel', query_id, positive_id, negative_id, negative_rank, kept_rank,
	score, positive_score FROM hs_par;

CREATE VIEW hs_diff AS
	SELECT s.strategy, v.variant, (SELECT count(*) FROM (
		(SELECT query_id, positive_id, negative_id, negative_rank, kept_rank, score FROM hs_runs r
			WHERE r.strategy = s.strategy AND r.variant = 'serial'
		 EXCEPT ALL SELECT query_id, positive_id, negative_id, negative_rank, kept_rank, score FROM hs_runs r
			WHERE r.strategy = s.strategy AND r.variant = v.variant)
		UNION ALL
		(SELECT query_id, positive_id, negative_id, negative_rank, kept_rank, score FROM hs_runs r
			WHERE r.strategy = s.strategy AND r.variant = v.variant
		 EXCEPT ALL SELECT query_id, positive_id, negative_id, negative_rank, kept_rank, score FROM hs_runs r
			WHERE r.strategy = s.strategy AND r.variant = 'serial')) x) AS differing
	FROM (SELECT DISTINCT strategy FROM hs_runs) s, (VALUES ('shuffled'), ('parallel'), ('blocks')) v(variant);

SELECT is(differing, 0::bigint, strategy || ': identical with ' || variant || ' inputs / plan')
	FROM hs_diff ORDER BY strategy, variant;
SELECT ok((SELECT count(*) FROM hs_runs WHERE variant = 'serial' AND strategy = 'uniform') = 919 * 5,
	'uniform: every (query, positive) gets 5 negatives');
SELECT is((SELECT count(*) FROM hs_runs WHERE kept_rank NOT BETWEEN 1 AND 30), 0::bigint,
	'every sampled negative lies in the rank window');
SELECT is((SELECT count(*) FROM hs_runs WHERE strategy = 'top1_plus_uniform' AND negative_rank = 1
	AND kept_rank <> 1), 0::bigint, 'top1_plus_uniform keeps the best survivor');
SELECT ok((SELECT abs(avg(kept_rank) - 15.5) FROM hs_runs WHERE strategy = 'uniform' AND variant = 'serial') < 1.0,
	'uniform picks spread over the window (mean kept rank near 15.5)');
SELECT ok((SELECT count(*) FROM (
		SELECT negative_id FROM mine_hard_negatives(:inputs, num_negatives => 5, range_max => 30,
			sampling_strategy => 'uniform', seed => 43)
		EXCEPT ALL SELECT negative_id FROM hs_runs WHERE strategy = 'uniform' AND variant = 'serial') x) > 1000,
	'another seed draws other negatives');
SELECT ok((SELECT avg(kept_rank) FROM mine_hard_negatives(:inputs, num_negatives => 5, range_max => 30,
		sampling_strategy => 'softmax', temperature => 0.01, seed => 1)) < 12,
	'softmax at a low temperature favours the top of the window');
SELECT ok((SELECT avg(abs(score - positive_score)) FROM mine_hard_negatives(:inputs, num_negatives => 5,
		range_max => 30, sampling_strategy => 'simans', simans_a => 2000, seed => 1))
	< (SELECT avg(abs(score - positive_score)) FROM hs_runs WHERE strategy = 'uniform' AND variant = 'serial'),
	'simans with a sharp peak picks negatives scored near the positive');

-- flagged backfill
CREATE TABLE hs_bf AS SELECT * FROM mine_hard_negatives(:inputs, num_negatives => 5, absolute_margin => 0.3,
	backfill => 'random', seed => 3);
SELECT is((SELECT count(*) FROM (SELECT query_id, positive_id FROM hs_bf GROUP BY 1, 2 HAVING count(*) <> 5) x),
	0::bigint, 'random backfill fills every (query, positive) to num_negatives');
SELECT ok((SELECT count(*) FROM hs_bf WHERE source = 'backfill') > 0
	AND (SELECT bool_and(filter_trace & 4096 <> 0 AND kept_rank IS NULL) FROM hs_bf WHERE source = 'backfill'),
	'backfilled rows are flagged (source, filter_trace bit 4096)');
SELECT is((SELECT count(*) FROM hs_bf b JOIN hs_qrels r ON r.query_id = b.query_id AND r.doc_id = b.negative_id),
	0::bigint, 'backfill never returns a positive');
SELECT ok((SELECT count(*) > 0 AND bool_and(negative_rank_raw > 8) FROM mine_hard_negatives(:inputs,
		num_negatives => 5, range_max => 8, rank_basis => 'raw', absolute_margin => 0.1, backfill => 'deeper')
		WHERE source = 'backfill'),
	'deeper backfill takes survivors past the raw window');

-- STAR: random negatives mixed in
CREATE TABLE hs_mix AS SELECT * FROM mine_hard_negatives(:inputs, random_negatives => 2, seed => 5);
SELECT is((SELECT count(*) FROM (SELECT query_id, positive_id FROM hs_mix GROUP BY 1, 2
	HAVING count(*) FILTER (WHERE source = 'random') <> 2 OR count(*) FILTER (WHERE source = 'dense') <> 3) x),
	0::bigint, 'random_negatives adds 2 random rows to the 3 hard ones');
SELECT is((SELECT count(*) FROM (SELECT query_id, positive_id, negative_id FROM hs_mix GROUP BY 1, 2, 3
	HAVING count(*) > 1) x) + (SELECT count(*) FROM hs_mix b JOIN hs_qrels r ON r.query_id = b.query_id
	AND r.doc_id = b.negative_id), 0::bigint, 'random negatives are neither duplicates nor positives');

-- external runs as candidate sources
CREATE TABLE hs_run AS SELECT q.id AS query_id, d.id AS doc_id, 'fake' AS run_id
	FROM hs_queries q JOIN hs_docs d ON d.id % 997 = q.id % 997;
CREATE TABLE hs_runmined AS SELECT * FROM mine_hard_negatives(:inputs, runs => 'SELECT query_id, doc_id, run_id FROM hs_run',
	method => 'none', num_negatives => 2);
SELECT ok((SELECT count(*) FROM hs_runmined) > 0 AND (SELECT bool_and(source = 'run:fake') FROM hs_runmined),
	'method none: every negative comes from the run, with provenance');
SELECT is((SELECT count(*) FROM hs_runmined m LEFT JOIN hs_run r ON r.query_id = m.query_id AND r.doc_id = m.negative_id
	WHERE r.doc_id IS NULL), 0::bigint, 'method none: negatives are the run''s documents');
SELECT ok((SELECT count(*) FROM mine_hard_negatives(:inputs, runs => 'SELECT query_id, doc_id, run_id FROM hs_run',
		num_negatives => 3, range_max => 800) WHERE source = 'dense+run:fake') > 0,
	'union: documents found by both sources carry both labels');

-- duplicate-aware exclusion: text hash and near-duplicate cosine
CREATE FUNCTION pg_temp.cos(a real[], b real[]) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT sum(x * y) / sqrt(sum(x * x) * sum(y * y)) FROM unnest(a, b) u(x, y) $$;
\set hashed '''SELECT id, embedding FROM hs_queries'', ''SELECT id, embedding, (id % 61)::text AS text_hash FROM hs_docs'', ''SELECT query_id, doc_id, relevance FROM hs_qrels'''
SELECT ok((SELECT count(*) FROM mine_hard_negatives(:hashed, exclude => 'doc_id', num_negatives => 10) m
	JOIN hs_qrels r ON r.query_id = m.query_id AND r.doc_id % 61 = m.negative_id % 61) > 0,
	'without text_hash exclusion some negatives share a positive''s text hash');
SELECT is((SELECT count(*) FROM mine_hard_negatives(:hashed, num_negatives => 10) m
	JOIN hs_qrels r ON r.query_id = m.query_id AND r.doc_id % 61 = m.negative_id % 61), 0::bigint,
	'text_hash exclusion removes every negative sharing a positive''s text hash');
SELECT ok((SELECT count(*) FROM mine_hard_negatives(:inputs, num_negatives => 3) m
	JOIN hs_docs n ON n.id = m.negative_id JOIN hs_qrels r ON r.query_id = m.query_id
	JOIN hs_docs p ON p.id = r.doc_id WHERE pg_temp.cos(n.embedding, p.embedding) >= 0.75) > 0,
	'without near-duplicate exclusion some negatives are within cosine 0.75 of a positive');
SELECT is((SELECT count(*) FROM mine_hard_negatives(:inputs, exclude => 'doc_id,near:0.75', num_negatives => 3) m
	JOIN hs_docs n ON n.id = m.negative_id JOIN hs_qrels r ON r.query_id = m.query_id
	JOIN hs_docs p ON p.id = r.doc_id WHERE pg_temp.cos(n.embedding, p.embedding) >= 0.75), 0::bigint,
	'near:0.75 removes every negative within cosine 0.75 of a positive');

-- teacher scores: odd documents get 0.9, even ones 0.1; only the top 30 are scored
CREATE TABLE hs_teacher AS SELECT DISTINCT query_id, negative_id AS doc_id,
	CASE WHEN negative_id % 2 = 1 THEN 0.9 ELSE 0.1 END AS score
	FROM mine_hard_negatives(:inputs, num_negatives => 30, range_max => 30);
CREATE TABLE hs_tm AS SELECT * FROM mine_hard_negatives(:inputs, range_max => 35,
	teacher_scores => 'SELECT query_id, doc_id, score FROM hs_teacher', teacher_max => 0.5);
SELECT ok((SELECT count(*) FROM hs_tm) > 0 AND (SELECT bool_and(negative_id % 2 = 0) FROM hs_tm),
	'teacher_max drops the candidates the teacher scores too high (RocketQA)');
SELECT is((SELECT count(*) FROM hs_tm m LEFT JOIN hs_teacher t ON t.query_id = m.query_id AND t.doc_id = m.negative_id
	WHERE t.doc_id IS NULL), 0::bigint, 'teacher_missing drop: unscored candidates are dropped');
SELECT ok((SELECT count(*) > 0 AND bool_and(score = 0.1::real) FROM mine_hard_negatives(:inputs, range_max => 35,
		teacher_scores => 'SELECT query_id, doc_id, score FROM hs_teacher', teacher_max => 0.5,
		score_space => 'teacher')),
	'score_space teacher: scores are the teacher''s');

-- statistics agree with the rows
SELECT is((SELECT value FROM mine_hard_negatives_stats(:inputs, absolute_margin => 0.05)
	WHERE item = 'output' AND measure = 'rows'),
	(SELECT count(*)::float8 FROM mine_hard_negatives(:inputs, absolute_margin => 0.05)),
	'statistics: output rows match the rows mined');
SELECT is((SELECT sum(value) FILTER (WHERE measure = 'removed') + sum(value) FILTER (WHERE item = 'survivors')
		- sum(value) FILTER (WHERE item = 'candidates' AND measure = 'total')
	FROM mine_hard_negatives_stats(:inputs, absolute_margin => 0.05, min_score => 0.3)), 0::float8,
	'statistics: removed per filter plus survivors add up to the candidates');
SELECT ok((SELECT value FROM mine_hard_negatives_stats(:inputs, absolute_margin => 0.05)
	WHERE item = 'absolute_margin' AND measure = 'removed') > 0, 'statistics: the margin filter is counted');

-- cancellation: a job of several seconds stops at statement_timeout
CREATE FUNCTION pg_temp.timed(sql text, OUT state text, OUT seconds float8) LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	state := 'finished';
	BEGIN
		EXECUTE sql;
	EXCEPTION WHEN query_canceled THEN
		state := 'canceled';
	END;
	seconds := extract(epoch FROM clock_timestamp() - t0);
END
$$;
SET LOCAL statement_timeout = '1s';
CREATE TABLE hs_timed AS SELECT * FROM pg_temp.timed($$SELECT count(*) FROM mine_hard_negatives(
	'SELECT q.id * 100 + g AS id, q.embedding FROM hs_queries q, generate_series(1, 30) g',
	'SELECT d.id * 10 + g AS id, d.embedding FROM hs_docs d, generate_series(1, 4) g',
	'SELECT query_id * 100 + g AS query_id, doc_id * 10 + 1 AS doc_id FROM hs_qrels, generate_series(1, 30) g',
	num_negatives => 50, range_max => 200)$$);
RESET statement_timeout;
SELECT is((SELECT state FROM hs_timed), 'canceled', 'statement_timeout cancels a long mining job');
SELECT cmp_ok((SELECT seconds FROM hs_timed), '<', 2.0::float8, 'the job stops within 2 s of a 1 s timeout: ' || (SELECT round(seconds::numeric, 2) FROM hs_timed) || ' s');

SELECT * FROM finish();
ROLLBACK;
