-- Ranking metrics identical to trec_eval 10.0 (docs/metrics.md).

CREATE FUNCTION trec_eval(run text, qrels text, measures text[] DEFAULT '{official}',
	per_query boolean DEFAULT true, complete boolean DEFAULT false,
	relevance_level integer DEFAULT 1, judged_only boolean DEFAULT false,
	max_rank integer DEFAULT NULL,
	OUT measure text, OUT query_id text, OUT value double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hn_trec_eval'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION trec_eval(text, text, text[], boolean, boolean, integer, boolean, integer) IS
	'The rows of trec_eval -q (per query, then query_id ''all''). run: a query returning query_id, doc_id, score; qrels: query_id, doc_id, relevance (integer). Ids compare as text in C byte order; ties rank by doc_id descending. complete, relevance_level, judged_only, max_rank are trec_eval -c, -l, -J, -M. Measures: trec_eval names (map, P.5,10, ndcg_cut.10, ndcg.1=1,2=3, all_trec, official, set) and ir_measures names (AP, nDCG@10, P@5, R@100, RR@10, Judged@10, ...). See docs/metrics.md.';
