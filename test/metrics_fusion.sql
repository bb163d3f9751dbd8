-- pgTAP: fuse_runs() against a numpy implementation of every method
-- (test/prepare.d/metrics_fusion: dense document x run matrices, written from
-- ranx's definitions and Fox and Shaw's CombMNZ/CombANZ), on Cranfield's two
-- runs and a hand case with ties; fuse_runs_tune() against a brute-force
-- evaluation of its candidate weights with trec_eval(); fused runs as a
-- candidate source of mine_hard_negatives.
BEGIN;
CREATE TEMP TABLE f_runs (case_id text, run_id text, query_id text, doc_id text, score double precision);
CREATE TEMP TABLE f_exp (case_id text, method text, k integer, norm text, weights double precision[],
	query_id text, doc_id text, rank integer, score double precision, near_tie boolean);
\set f :HN_TESTDATA '/fusion_runs.tsv'
COPY f_runs FROM :'f';
\set f :HN_TESTDATA '/fusion_expected.tsv'
COPY f_exp FROM :'f';
ANALYZE f_runs, f_exp;
CREATE TEMP TABLE f_cfg AS SELECT DISTINCT case_id, method, k, norm, weights FROM f_exp;

CREATE TEMP TABLE f_got AS
	SELECT c.case_id, c.method, c.k, c.norm, c.weights, t.query_id, t.doc_id, t.rank, t.score
	FROM f_cfg c, fuse_runs(format('SELECT run_id, query_id, doc_id, score FROM f_runs WHERE case_id = %L', c.case_id),
		c.method, c.k, c.norm, nullif(c.weights, '{}'), NULL::text) t;
CREATE TEMP TABLE f_cmp AS
	SELECT case_id, method, k, norm, weights, query_id, doc_id,
		e.rank AS want_rank, g.rank AS got_rank, e.score AS want, g.score AS got, e.near_tie
	FROM f_exp e FULL JOIN f_got g USING (case_id, method, k, norm, weights, query_id, doc_id);

SELECT plan(18);

SELECT ok((SELECT count(*) FROM f_cfg WHERE case_id = 'cranfield') >= 28
	AND (SELECT count(*) FROM f_cfg WHERE case_id = 'hand') >= 28, 'every method and normalisation on both cases');
SELECT is((SELECT count(*) FROM f_cmp WHERE want IS NULL OR got IS NULL), 0::bigint,
	'the same (query, document) rows as numpy for every configuration');
SELECT is((SELECT count(*) FROM f_cmp WHERE NOT (want = got OR abs(want - got) <= 1e-9 * greatest(1, abs(want)))),
	0::bigint, 'fused scores equal numpy''s within 1e-9 (relative)');
SELECT is((SELECT count(*) FROM f_cmp WHERE want_rank <> got_rank AND NOT near_tie), 0::bigint,
	'fused ranks equal numpy''s (ties to the smaller doc id in byte order)');
SELECT ok((SELECT count(*) FILTER (WHERE near_tie) < 0.001 * count(*) FROM f_cmp), 'near ties are rare (under 0.1%)');
SELECT is((SELECT string_agg(doc_id || ':' || rank, ' ' ORDER BY rank) FROM f_got
		WHERE case_id = 'hand' AND method = 'combmnz' AND norm = 'min-max' AND weights = '{}' AND query_id = 'q1'),
	E'd1:1 d3:2 d2:3 d4:4 d''\t\\é:5 d10:6',
	'CombMNZ counts non-zero scores (Fox and Shaw): d2, 0 in run C, counts once; ties to the smaller id');
SELECT is((SELECT string_agg(doc_id || ':' || score, ' ' ORDER BY rank) FROM f_got
		WHERE case_id = 'hand' AND method = 'rrf' AND k = 60 AND weights = '{}' AND query_id = 'q2'),
	'y:0.01639344262295082 x:0.016129032258064516', 'a tie inside a run ranks the larger doc id first (trec_eval), then RRF');

-- plain form: bigint ids; text ids are refused with a hint
SELECT is((SELECT count(*) FROM fuse_runs('SELECT run_id, query_id::bigint, doc_id::bigint, score FROM f_runs WHERE case_id = ''cranfield''')),
	(SELECT count(*) FROM f_got WHERE case_id = 'cranfield' AND method = 'rrf' AND k = 60 AND weights = '{}'), 'bigint form, default rrf');
SELECT throws_ok($$SELECT * FROM fuse_runs('SELECT run_id, query_id, doc_id, score FROM f_runs WHERE case_id = ''hand''')$$,
	'42804', NULL, 'text ids need id_type');
SELECT throws_ok($$SELECT * FROM fuse_runs('SELECT run_id, query_id, doc_id, score FROM f_runs', 'combfoo')$$,
	'22023', 'unknown fusion method "combfoo"', 'unknown method');
SELECT throws_ok($$SELECT * FROM fuse_runs('SELECT run_id, query_id, doc_id, score FROM f_runs', 'wsum')$$,
	'22023', 'method wsum needs weights', 'wsum without weights');
SELECT throws_ok($$SELECT * FROM fuse_runs('SELECT run_id, query_id, doc_id, score FROM f_runs WHERE case_id = ''hand''', 'combsum', weights => '{1,2}')$$,
	'2202E', 'weights has 2 elements, the runs query has 3 runs', 'one weight per run');

-- weight search: the chosen weights reproduce the reported value through
-- fuse_runs + trec_eval(), beat (or tie) equal weights, which are its first
-- candidate, and come back the same for the same seed.
CREATE TEMP TABLE f_qrels (query_id bigint, doc_id bigint, relevance integer);
\set f :HN_ROOT '/test/data/cranfield/qrels.tsv'
COPY f_qrels FROM :'f';
CREATE TEMP VIEW f_cran AS
	SELECT run_id, query_id::bigint, doc_id::bigint, score FROM f_runs WHERE case_id = 'cranfield';
CREATE TEMP TABLE f_tune AS SELECT * FROM fuse_runs_tune('SELECT * FROM f_cran',
	'SELECT * FROM f_qrels WHERE query_id % 2 = 0', 'combsum', 'ndcg_cut.10', trials => 60, seed => 7);
CREATE FUNCTION pg_temp.fused_ndcg(w double precision[]) RETURNS double precision LANGUAGE sql AS $$
	SELECT value FROM trec_eval(format('SELECT query_id, doc_id, score FROM fuse_runs(%L, %L, 60, %L, %L)',
			'SELECT * FROM f_cran', 'combsum', 'min-max', w),
		'SELECT * FROM f_qrels WHERE query_id % 2 = 0', '{ndcg_cut.10}', per_query => false)
$$;
SELECT is((SELECT array_agg(run_id ORDER BY run_id) FROM f_tune), ARRAY['bm25', 'use-lite'], 'one weight per run');
SELECT ok((SELECT abs(sum(weight) - 1) < 1e-12 AND bool_and(weight >= 0) FROM f_tune), 'weights on the simplex');
SELECT ok(abs((SELECT pg_temp.fused_ndcg(array_agg(weight ORDER BY run_id)) FROM f_tune)
		- (SELECT max(value) FROM f_tune)) < 1e-12,
	'fuse_runs with the chosen weights + trec_eval() give the reported value');
SELECT ok((SELECT max(value) FROM f_tune) >= pg_temp.fused_ndcg('{0.5,0.5}'), 'at least as good as equal weights');
SELECT is((SELECT array_agg(weight ORDER BY run_id) FROM fuse_runs_tune('SELECT * FROM f_cran',
		'SELECT * FROM f_qrels WHERE query_id % 2 = 0', 'combsum', 'ndcg_cut.10', trials => 60, seed => 7)),
	(SELECT array_agg(weight ORDER BY run_id) FROM f_tune), 'same seed, same weights');

-- a fused run is a candidate source of mine_hard_negatives: every mined
-- negative of a query is among that query's fused documents
CREATE TEMP TABLE f_q AS SELECT DISTINCT query_id AS id, array_fill(1::real, ARRAY[4]) AS embedding FROM f_cran WHERE query_id <= 5;
CREATE TEMP TABLE f_c AS SELECT id, ARRAY[random(), random(), random(), random()]::real[] AS embedding
	FROM (SELECT DISTINCT doc_id AS id FROM f_cran) d;
CREATE TEMP TABLE f_pos AS SELECT query_id, doc_id FROM f_qrels WHERE query_id <= 5 AND relevance > 0
	AND doc_id IN (SELECT id FROM f_c);
CREATE TEMP TABLE f_mined AS SELECT * FROM mine_hard_negatives('SELECT * FROM f_q', 'SELECT * FROM f_c',
	'SELECT * FROM f_pos', runs => 'SELECT query_id, doc_id FROM fuse_runs(''SELECT * FROM f_cran'') WHERE rank <= 30',
	method => 'none', num_negatives => 5, range_max => 30);
SELECT ok((SELECT count(*) FROM f_mined) > 0 AND NOT EXISTS (SELECT 1 FROM f_mined m WHERE NOT EXISTS (
		SELECT 1 FROM fuse_runs('SELECT * FROM f_cran') u WHERE u.query_id = m.query_id AND u.doc_id = m.negative_id AND u.rank <= 30)),
	'mined negatives come from the fused run');
SELECT * FROM finish();
ROLLBACK;
