-- pgTAP: the false-negative functions read their inputs with the caller's rights.
BEGIN;
SELECT plan(5);

CREATE ROLE hn_fn_reader NOLOGIN;
CREATE TABLE fn_sec_qrels (query_id bigint, doc_id bigint, relevance int);
INSERT INTO fn_sec_qrels VALUES (1, 10, 1), (1, 11, 0), (2, 20, 1), (2, 21, 0);
CREATE TABLE fn_sec_run (query_id bigint, doc_id bigint, score float8);
INSERT INTO fn_sec_run VALUES (1, 10, 0.9), (1, 11, 0.8), (2, 20, 0.9), (2, 21, 0.8);
CREATE TABLE fn_sec_hidden (query_id bigint, doc_id bigint, relevance int);
INSERT INTO fn_sec_hidden VALUES (1, 10, 1);
GRANT SELECT ON fn_sec_qrels, fn_sec_run TO hn_fn_reader;
-- row-level security: the reader sees only query 1's judgments
ALTER TABLE fn_sec_qrels ENABLE ROW LEVEL SECURITY;
CREATE POLICY fn_sec_q1 ON fn_sec_qrels FOR SELECT TO hn_fn_reader USING (query_id = 1);

SELECT is((SELECT count(*) FROM pg_proc WHERE prosecdef AND proname IN
		('pool_propensity', 'pool_propensity_docs', 'fn_weights', 'knn_noise_flags', 'denoise', 'fn_scores', 'pooling_report')),
	0::bigint, 'no false-negative function is SECURITY DEFINER');

SET LOCAL ROLE hn_fn_reader;
SELECT throws_ok($$SELECT * FROM pooling_report('TABLE fn_sec_run', 'TABLE fn_sec_hidden')$$, '42501', NULL,
	'a table the caller cannot read is refused');
SELECT throws_ok($$SELECT * FROM fn_weights('TABLE fn_sec_run', 'TABLE fn_sec_hidden')$$, '42501', NULL,
	'fn_weights reads its qrels as the caller');
-- with RLS, query 2's judgments are invisible: its two documents count as unjudged
SELECT is((SELECT n_judged FROM pooling_report('TABLE fn_sec_run', 'TABLE fn_sec_qrels', '{2}') WHERE scope = 'top'),
	2::bigint, 'row-level security hides query 2''s judgments (2 judged of 4)');
RESET ROLE;
SELECT is((SELECT n_judged FROM pooling_report('TABLE fn_sec_run', 'TABLE fn_sec_qrels', '{2}') WHERE scope = 'top'),
	4::bigint, 'the owner sees all 4 judgments');

SELECT * FROM finish();
ROLLBACK;
