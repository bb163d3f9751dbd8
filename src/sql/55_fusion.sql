-- Rank fusion of several runs (docs/metrics.md, "Fusing runs").
--
-- Two forms, as knn_search: the plain form returns bigint ids; the form
-- with id_type (last, every argument given) returns ids in id_type's type.

CREATE FUNCTION fuse_runs(runs text, method text DEFAULT 'rrf', k integer DEFAULT 60,
	normalization text DEFAULT 'min-max', weights double precision[] DEFAULT NULL,
	OUT query_id bigint, OUT doc_id bigint, OUT rank integer, OUT score double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hn_fuse_runs'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION fuse_runs(text, text, integer, text, double precision[]) IS
	'Fuses the runs of one query (run_id, query_id, doc_id, score; each run ranked as trec_eval ranks it) into one ranking per query: rank 1-based, fused score descending, ties to the smaller doc_id (byte order). method: rrf (1/(k + rank)), combsum, wsum (combsum with weights), combmnz, combmax, combmin, combanz (score methods, after normalization min-max, z-score, sum or none), isr, log_isr, borda. weights: one per run in run_id byte order, scaling each run''s contribution. ranx''s definitions except CombMNZ/CombANZ, which count non-zero scores (Fox and Shaw). bigint ids; see the id_type form. See docs/metrics.md.';

CREATE FUNCTION fuse_runs(runs text, method text, k integer, normalization text,
	weights double precision[], id_type anyelement)
	RETURNS TABLE (query_id anyelement, doc_id anyelement, rank integer, score double precision)
	AS 'MODULE_PATHNAME', 'hn_fuse_runs'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION fuse_runs(text, text, integer, text, double precision[], anyelement) IS
	'fuse_runs with ids returned in id_type''s type, e.g. fuse_runs(runs, ''rrf'', 60, ''none'', NULL, NULL::text) for text ids';

CREATE FUNCTION fuse_runs_tune(runs text, qrels text, method text DEFAULT 'combsum',
	measure text DEFAULT 'ndcg_cut.10', normalization text DEFAULT 'min-max',
	k integer DEFAULT 60, trials integer DEFAULT 200, seed bigint DEFAULT 0,
	OUT run_id text, OUT weight double precision, OUT value double precision)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hn_fuse_runs_tune'
	LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION fuse_runs_tune(text, text, text, text, text, integer, integer, bigint) IS
	'Weight search for fuse_runs: tries equal weights, then trials - 1 seeded draws from the flat Dirichlet (weights summing to 1), fuses with method, evaluates the mean of measure on the queries of qrels (the training queries) as trec_eval() would, and returns the best weights, one row per run in run_id byte order, with that mean as value. Same seed, same weights; ties keep the earlier trial. Pass the weights to fuse_runs(..., weights => ...). See docs/metrics.md.';
