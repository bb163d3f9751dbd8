-- 0.1.0 -> 0.2.0, mining (issue 12 item 3): mine_hard_negatives and
-- mine_hard_negatives_stats gain margin_mode, margin_lambda, margin_top_k,
-- auto_calibrate, teacher_pos_min and allow_unlabeled.  A signature cannot
-- change in place: the 0.1.0 functions are dropped here and the install
-- fragment src/sql/41_mine_hard_negatives.sql (in UPGRADE_FRAGMENTS) creates
-- them anew.  A view over mine_hard_negatives() must be dropped before the
-- update and recreated.
DROP FUNCTION mine_hard_negatives(text, text, text, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text);
DROP FUNCTION mine_hard_negatives_stats(text, text, text, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text);
DROP FUNCTION mine_hard_negatives(text, text, text, anyelement, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text);
DROP FUNCTION mine_hard_negatives_stats(text, text, text, anyelement, integer, integer, integer, double precision, double precision, double precision, double precision, text, boolean, text, text, text, text, double precision, text, boolean, text, text, double precision, text, text, bigint, double precision, double precision, double precision, text, integer, text, integer, boolean, text, text, double precision, text);
