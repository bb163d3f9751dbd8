/*
 * models.h
 *		The estimators' fitted inputs, shared by the SQL front ends and the
 *		combined scorer (scorer.c): the pool model, embeddings with their
 *		judged neighbourhoods, and the teacher.
 */
#ifndef HN_FN_MODELS_H
#define HN_FN_MODELS_H

#include "postgres.h"

#include "falseneg/inputs.h"

/* ---------- pooling (fn_propensity.c) ---------- */

/* Judging rates of the pooled runs per (run, bucket), and a lookup of pi(q, d). */
typedef struct HnFnPool
{
	HnFnRuns	runs;
	const int32 *edges;
	int			nb;
	int32		level;			/* relevance level */
	int64	   *n_docs;			/* [run * nb + bucket] */
	int64	   *n_judged;
	int64	   *n_relevant;
	double	   *pi;
	HnPairIndex ix;			/* pooled rows by (query, doc) */
	double	   *scratch;		/* nruns: best pi per run of one pair */
} HnFnPool;

extern void hn_fn_pool_build(HnFnPool *m, const HnJudgments *qr, const char *sql,
							 const int32 *edges, int nedges, int32 level);
extern double hn_fn_pool_pair_pi(HnFnPool *m, const HnIds *q, int64 qi, const HnIds *d, int64 di);
extern void hn_fn_pool_pair_ranks(HnFnPool *m, const HnIds *q, int64 qi, const HnIds *d, int64 di,
								  int32 *ranks);

/* ---------- embeddings (embeddings.c) ---------- */

typedef struct HnFnEmbeddings
{
	HnBatch    *b;				/* column 0 id, column 1 embedding */
	HnIds	   *ids;
	HnFnIdIndex ix;
} HnFnEmbeddings;

extern void hn_fn_read_embeddings(HnFnEmbeddings *e, const char *what, const char *sql);
extern int64 hn_fn_embedding_row(const HnFnEmbeddings *e, const char *what,
								 const HnIds *ids, int64 i);

/* Query rows with at least one positive: the only ones whose labels can transfer. */
extern int64 *hn_fn_labelled_queries(const HnFnEmbeddings *q, const HnJudgments *qr,
									 int32 level, int64 *n);

/* The judged documents of one query that the corpus has, with their labels. */
typedef struct HnFnJudgedDocs
{
	int			n;
	const float **vecs;
	bool	   *relevant;
} HnFnJudgedDocs;

extern void hn_fn_judged_docs(HnFnJudgedDocs *jd, const HnJudgments *qr,
							  const HnFnEmbeddings *corpus, const HnIds *qids, int64 qi,
							  int32 level);

/* ---------- teacher (fn_teacher.c) ---------- */

typedef struct HnFnTeacher
{
	int64		n;
	HnIds	   *qid;
	HnIds	   *did;
	double	   *score;
	HnPairIndex ix;
	double		a;				/* Platt coefficients */
	double		b;
} HnFnTeacher;

/* Reads teacher_scores; check_qids: ids whose kind the teacher's must match. */
extern void hn_fn_read_teacher(HnFnTeacher *t, const char *sql, const HnIds *check_qids);
/* The same from teacher scores the caller has already read. */
extern void hn_fn_teacher_from_scores(HnFnTeacher *t, const HnPairScores *ps,
									  const HnIds *check_qids);
extern void hn_fn_teacher_calibrate(HnFnTeacher *t, const HnJudgments *qr, int32 level);
extern bool hn_fn_teacher_p(const HnFnTeacher *t, bool platt, const HnIds *q, int64 qi,
							const HnIds *d, int64 di, double *score, double *p);

#endif							/* HN_FN_MODELS_H */
