/*
 * inputs.h
 *		The SQL front ends' shared inputs: candidates, qrels, runs, lookups.
 *
 * Every input is read through src/io/reader.h; this file only orders rows
 * and finds (query, doc) pairs in other inputs by binary search, so that ids
 * of any type work without hashing text into possible collisions.
 */
#ifndef HN_FN_INPUTS_H
#define HN_FN_INPUTS_H

#include "postgres.h"

#include "fmgr.h"
#include "io/reader.h"

/* Rows of a (query, doc) input sorted by (query, doc), for lookups. */
typedef struct HnFnPairIndex
{
	const HnIds *q;
	const HnIds *d;
	int64		n;
	int64	   *order;
} HnFnPairIndex;

extern void hn_fn_pair_index_build(HnFnPairIndex *ix, const HnIds *q, const HnIds *d, int64 n);

/* Position in ix->order of the first row equal to (q[qi], d[di]), or -1. */
extern int64 hn_fn_pair_find(const HnFnPairIndex *ix, const HnIds *q, int64 qi,
							 const HnIds *d, int64 di);

/* Range [*lo, *hi) of positions in ix->order whose query is q[qi]. */
extern void hn_fn_pair_query_range(const HnFnPairIndex *ix, const HnIds *q, int64 qi,
								   int64 *lo, int64 *hi);

/* Rows of an id column sorted by id, for lookups of single ids. */
typedef struct HnFnIdIndex
{
	const HnIds *ids;
	int64		n;
	int64	   *order;
} HnFnIdIndex;

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

/* Qrels: query_id, doc_id, optional relevance (1 when absent). */
typedef struct HnFnQrels
{
	int64		n;
	HnIds	   *qid;
	HnIds	   *did;
	int32	   *rel;
	HnFnPairIndex ix;
} HnFnQrels;

extern void hn_fn_read_qrels(HnFnQrels *qr, const char *sql);

/* Relevance of (q[qi], d[di]) into *rel; false when the pair is not in the qrels. */
extern bool hn_fn_qrels_get(const HnFnQrels *qr, const HnIds *q, int64 qi,
							const HnIds *d, int64 di, int32 *rel);

/*
 * Judgement of (q[qi], d[di]) at a relevance level; *rel gets the qrels
 * value and *in_qrels whether there was one.  (Returns HnFnJudgement.)
 */
extern int	hn_fn_judge(const HnFnQrels *qr, const HnIds *q, int64 qi,
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
