/*
 * runs.h
 *		The one reader of ranked lists: runs (trec_eval, compare_runs,
 *		fuse_runs, fuse_runs_tune), pooled runs (pool_propensity,
 *		pool_propensity_docs, pooling_report, fn_weights, fn_scores,
 *		fn_calibration), candidate lists (fn_scores, fn_weights,
 *		knn_noise_flags, denoise, fn_calibration) and mining's runs, with the
 *		one rule every function that reads them follows (docs/inputs.md):
 *
 *	- a row is (query_id, doc_id[, score][, run_id][, ...]); a document
 *	  listed twice for one query in one run (same run_id, or no run_id) is
 *	  one candidate: the row with the highest score is kept (the first in
 *	  input order among equal scores, or without a score column) and one
 *	  WARNING counts the rows dropped and names the first pair, as
 *	  trec_eval() has always done (docs/metrics.md);
 *	- NULL ids or scores are errors (22004, by the reader), a NaN score too
 *	  (22000): a ranking needs real numbers;
 *	- ids are integer or text as in every input; a call's inputs must agree
 *	  (42804, hn_ids_check_kinds, by the caller that joins them).
 *
 * The spec's first two columns must be query_id and doc_id; score and
 * run_id are found by name.  The batch comes back in the caller's memory
 * context (the reader's contract), duplicates already removed.
 */
#ifndef HN_RUNS_H
#define HN_RUNS_H

#include "postgres.h"

#include "io/reader.h"

extern HnBatch *hn_ranked_read(const char *what, const char *sql,
							   const HnColumnSpec *spec, int ncols);

#endif							/* HN_RUNS_H */
