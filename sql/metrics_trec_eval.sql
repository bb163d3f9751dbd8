-- trec_eval(): a hand-derived example (docs/metrics.md walks through it).
-- qrels q1: d1=2, d2=0, d3=1, d5=1 (not retrieved), dX=-1; q10 only in qrels.
-- run q1: d2 0.9, d1 0.5, d3 0.5 (tie: doc_id descending puts d3 first),
--         d4 0.1 twice (duplicate: highest kept, WARNING); q2 only in run.
-- Ranking d2(0) d3(1) d1(2) d4(not judged); R = 3.
--   map = (1/2 + 2/3) / 3 = 0.3888888889        recip_rank = 1/2
--   P_2 = 1/2                                    bpref = 0 (d2 above both)
--   ndcg_cut_3 = (1/log2 3 + 2/log2 4) / (2 + 1/log2 3 + 1/2) = 0.5209...
CREATE TABLE te_qrels (query_id text, doc_id text, relevance int);
INSERT INTO te_qrels VALUES ('q1', 'd1', 2), ('q1', 'd2', 0), ('q1', 'd3', 1), ('q1', 'd5', 1),
	('q1', 'dX', -1), ('q10', 'd1', 1);
CREATE TABLE te_run (query_id text, doc_id text, score float8);
INSERT INTO te_run VALUES ('q1', 'd2', 0.9), ('q1', 'd1', 0.5), ('q1', 'd3', 0.5),
	('q1', 'd4', 0.1), ('q1', 'd4', 0.05), ('q2', 'd1', 1);
SELECT measure, query_id, round(value::numeric, 10) AS value
FROM trec_eval('SELECT * FROM te_run', 'SELECT * FROM te_qrels',
	'{num_ret,num_rel,num_rel_ret,map,recip_rank,P.2,bpref,ndcg_cut.3,Judged@3}');
-- complete => true: q10 joins with trec_eval's one fictitious (unjudged) doc.
SELECT measure, query_id, value
FROM trec_eval('SELECT * FROM te_run', 'SELECT * FROM te_qrels', '{num_ret,map}',
	complete => true);
-- ids of any type compare as text: 10 sorts before 9 (C byte order).
SELECT measure, query_id, value
FROM trec_eval($$SELECT q AS query_id, 1 AS doc_id, 1.0 AS score FROM (VALUES (9), (10)) v(q)$$,
	$$SELECT q AS query_id, 1 AS doc_id, (q = 9)::int AS relevance FROM (VALUES (9), (10)) v(q)$$,
	'{map}');
DROP TABLE te_qrels, te_run;
