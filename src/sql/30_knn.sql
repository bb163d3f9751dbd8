-- Exact and index k nearest neighbours (docs/knn.md).
--
-- Two forms.  PostgreSQL cannot resolve a polymorphic RETURNS TABLE from a
-- defaulted anyelement argument (the column types are fixed at parse time,
-- before defaults are inserted), so "id_type anyelement DEFAULT NULL::bigint"
-- would make every call without id_type fail.  The 5-argument form returns
-- bigint ids; the 6-argument form returns ids in id_type's type.

CREATE FUNCTION knn_search(queries text, corpus text, k integer,
						   metric text DEFAULT 'cosine', method text DEFAULT 'exact')
	RETURNS TABLE (query_id bigint, doc_id bigint, rank integer, score real)
	AS 'MODULE_PATHNAME', 'hn_knn_search'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION knn_search(text, text, integer, text, text) IS
	'The k most similar corpus rows of every query row (both SQL strings returning id, embedding), bigint ids: rank 1-based, ties to the smaller doc id; metric cosine, ip or l2 (score = similarity; l2: minus the distance); method exact (tiled sgemm, memory bounded by work_mem) or index (ORDER BY distance LIMIT k per query through the corpus table''s ANN index)';

CREATE FUNCTION knn_search(queries text, corpus text, k integer,
						   metric text, method text, id_type anyelement)
	RETURNS TABLE (query_id anyelement, doc_id anyelement, rank integer, score real)
	AS 'MODULE_PATHNAME', 'hn_knn_search'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION knn_search(text, text, integer, text, text, anyelement) IS
	'knn_search with ids returned in id_type''s type, e.g. id_type => NULL::text for text ids (ties then go to the smaller id in byte order)';
