-- trec_eval() gains two result columns (run_id, text_value): a function's
-- result type cannot be changed in place, so it is dropped and created anew
-- (a view over trec_eval() must be dropped before the update and recreated).
DROP FUNCTION trec_eval(text, text, text[], boolean, boolean, integer, boolean, integer);
--@ include src/sql/50_metrics.sql trec_eval

-- compare_runs() gains test => 'tukey' (same signature, new comment): the
-- fragment's definition replaces it in place.
--@ replace src/sql/50_metrics.sql compare_runs
