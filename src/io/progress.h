/*
 * progress.h
 *		hardneg.progress: NOTICE lines that say how far a long call is, out of
 *		how much.  One reporter for knn_search and mining, so the lines look
 *		alike: "<what>: <done> of <total> <unit>[, <detail>], <seconds> s" and,
 *		while a total is known and not reached, ", about <n> s left" at the rate
 *		so far (of the phase the line counts: corpus documents read, queries).
 */
#ifndef HN_PROGRESS_H
#define HN_PROGRESS_H

#include "postgres.h"

#include "portability/instr_time.h"

typedef struct HnProgress
{
	bool		on;				/* hardneg.progress at the start of the call */
	const char *what;			/* "knn_search", "mine_hard_negatives" */
	const char *unit;			/* "queries" */
	int64		total;			/* -1: unknown */
	instr_time	start;
	instr_time	last;
} HnProgress;

/* hardneg.progress: registered by hn_progress_init (from _PG_init). */
extern void hn_progress_init(void);
extern bool hn_progress_enabled(void);

extern void hn_progress_begin(HnProgress *pr, const char *what, const char *unit, int64 total);

/* Reports when a second has passed since the last line; detail may be NULL. */
extern void hn_progress_tick(HnProgress *pr, int64 done, const char *detail);

/* The closing line, whatever the time. */
extern void hn_progress_end(HnProgress *pr, int64 done, const char *detail);

#endif							/* HN_PROGRESS_H */
