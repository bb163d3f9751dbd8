/*
 * inputs.h
 *		The SQL front ends' shared inputs: candidates, qrels, runs, lookups.
 *
 * Every input is read through src/io/reader.h, judgments and teacher scores
 * through src/io/judgments.h (one duplicate rule); this file only orders
 * candidate and run rows and finds ids by binary search, so that ids of any
 * type work without hashing text into possible collisions.
 */
#ifndef HN_FN_INPUTS_H
#define HN_FN_INPUTS_H

#include "postgres.h"

#include "fmgr.h"
#include "io/judgments.h"
#include "io/reader.h"

/* Rows of an id column sorted by id, for lookups of single ids. */
typedef struct HnFnIdIndex
{
	const HnIds *ids;
	int64		n;
	int64	   *order;
} HnFnIdIndex;

/* 0, 1, ..., n - 1 (palloc'd): row numbers as keys or as an order. */
extern int64 *hn_identity_order(int64 n);

extern void hn_fn_id_index_build(HnFnIdIndex *ix, const HnIds *ids, int64 n);
extern int64 hn_fn_id_find(const HnFnIdIndex *ix, const HnIds *key, int64 ki);	/* row or -1 */


/* Candidates: query_id, doc_id, score, optional rank (computed if absent). */
typedef struct HnFnCandidates
{
	int64		n;
	HnIds	   *qid;
	HnIds	   *did;
	double	   *score;
	int32	   *rank;
	int64	   *order;			/* rows by (query, rank, doc) */
	int64	   *group;			/* ngroups + 1 starts in order: one group per query */
	int64		ngroups;
} HnFnCandidates;

extern void hn_fn_read_candidates(HnFnCandidates *c, const char *sql);

/*
 * Judgement of (q[qi], d[di]) at a relevance level; *rel gets the qrels
 * value and *in_qrels whether there was one.  (Returns HnFnJudgement.)
 */
extern int	hn_fn_judge(const HnJudgments *qr, const HnIds *q, int64 qi,
						const HnIds *d, int64 di, int32 level,
						int32 *rel, bool *in_qrels);

/* Runs: query_id, doc_id, score, optional run_id; ranks computed per (run, query). */
typedef struct HnFnRuns
{
	int64		n;
	HnIds	   *qid;
	HnIds	   *did;
	int32	   *run;			/* index into run_names */
	int32	   *rank;			/* 1-based, score descending, ties by doc id */
	int			nruns;
	char	  **run_names;
	int64	   *order;			/* rows by (run, query, rank) */
} HnFnRuns;

extern void hn_fn_read_runs(HnFnRuns *runs, const char *what, const char *sql);

/* Text of an argument that must not be NULL (22004 with a hint otherwise). */
extern char *hn_fn_text_arg(FunctionCallInfo fcinfo, int argno, const char *name);

/* int[] argument without NULLs; sets *n. */
extern int32 *hn_fn_int_array_arg(FunctionCallInfo fcinfo, int argno, const char *name, int *n);

/* A probability threshold argument: not NULL, within [0, 1]. */
extern double hn_fn_threshold_arg(FunctionCallInfo fcinfo, int argno, const char *name);

/* A Beta prior parameter: not NULL, positive, finite. */
extern double hn_fn_prior_arg(FunctionCallInfo fcinfo, int argno, const char *name);

/* An integer argument: not NULL (22004), within [lo, hi] (22023 with hint). */
extern int32 hn_fn_int_range_arg(FunctionCallInfo fcinfo, int argno, const char *name,
								 int32 lo, int32 hi, const char *hint);

/* A number of neighbours: not NULL, 1..10000. */
extern int	hn_fn_count_arg(FunctionCallInfo fcinfo, int argno, const char *name);

/* relevance_level argument: not NULL, >= 0. */
extern int32 hn_fn_level_arg(FunctionCallInfo fcinfo, int argno);

/*
 * Functions that output ids have two SQL forms sharing one C function: the
 * plain form (nplain arguments) returns bigint ids; the typed form appends
 * "id_type anyelement" and returns ids of its type (see 70_falseneg.sql).
 */
extern Oid	hn_fn_id_type(FunctionCallInfo fcinfo, int nplain);

#endif							/* HN_FN_INPUTS_H */
