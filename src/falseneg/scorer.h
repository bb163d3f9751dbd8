/*
 * scorer.h
 *		All three estimators behind one call per query: what
 *		mine_hard_negatives(false_negatives => 'propensity,knn', ...) needs.
 *
 * Usage (one mining call):
 *		HnFnScorer *s = hn_fn_scorer_begin(&cfg);
 *		for every query: hn_fn_scorer_observe(s, ...raw candidate list...);
 *		for every query: hn_fn_scorer_score(s, ...candidates to judge..., out);
 * observe feeds the propensity model's relevance rate per mining-rank bucket
 * and must see every query's raw candidates, known positives included, before
 * the first score (it is a no-op without 'propensity').  Inputs named by SQL
 * strings are read as the calling user at begin, unless the caller passes
 * what it has already read (qrels_read, teacher_read, the batches): each
 * caller's query then runs once per call.  Ids must be of the kind (bigint
 * or text) of the ids later passed in.
 */
#ifndef HN_FN_SCORER_H
#define HN_FN_SCORER_H

#include "postgres.h"

#include "falseneg/falseneg.h"
#include "io/judgments.h"
#include "io/reader.h"

typedef struct HnFnScorerConfig
{
	int			methods;		/* HN_FN_* mask, from hn_fn_parse_methods */
	double		threshold;		/* drop iff combined p > threshold */
	int32		level;			/* relevant iff relevance >= level */
	const char *qrels;			/* SQL: query_id, doc_id[, relevance] */
	const HnJudgments *qrels_read;	/* or the judgments the caller has read */
	/* propensity */
	const char *pooled_runs;	/* SQL or NULL (pi = judged ? 1 : 0) */
	const int32 *edges;
	int			nedges;
	double		alpha;
	double		beta;
	/* knn: embeddings from SQL, or batches the caller already holds */
	const char *queries;		/* SQL: id, embedding (unless query_batch) */
	const char *corpus;			/* SQL: id, embedding (unless corpus_batch) */
	HnBatch    *query_batch;	/* column 0 id, column 1 embedding */
	HnBatch    *corpus_batch;
	int			k;
	int			doc_k;
	HnMetric	metric;
	/* teacher */
	const char *teacher_scores; /* SQL: query_id, doc_id, score */
	const HnPairScores *teacher_read;	/* or the scores the caller has read */
	bool		platt;			/* calibrate on the judged pairs of qrels */
} HnFnScorerConfig;

/* Verdict on one candidate. */
typedef struct HnFnVerdict
{
	HnFnJudgement judgement;
	bool		in_qrels;
	int32		relevance;
	double		p[4];			/* propensity, knn, teacher, calibrated */
	bool		has[4];			/* estimator ran and had evidence */
	double		p_combined;
	bool		drop;
} HnFnVerdict;

typedef struct HnFnScorer HnFnScorer;

extern HnFnScorer *hn_fn_scorer_begin(const HnFnScorerConfig *cfg);

/* The estimators in use ('auto' resolved): a HN_FN_* mask. */
extern int	hn_fn_scorer_methods(const HnFnScorer *s);

/* Whether hn_fn_scorer_observe has work to do (propensity or calibrated). */
extern bool hn_fn_scorer_needs_observe(const HnFnScorer *s);

/* The fitted calibration model as JSON text (NULL without 'calibrated'). */
extern char *hn_fn_scorer_model_json(HnFnScorer *s);

/* Ids passed later must be of the qrels' kind (42804 otherwise). */
extern void hn_fn_scorer_check_ids(HnFnScorer *s, const char *what,
								   const HnIds *qids, const HnIds *dids);

/* One query's raw candidates: doc rows di[0..n-1] of dids with their ranks. */
extern void hn_fn_scorer_observe(HnFnScorer *s, const HnIds *qids, int64 qi,
								 const HnIds *dids, const int64 *di,
								 const int32 *ranks, int n);

/* Verdicts for candidates of one query (after every observe). */
extern void hn_fn_scorer_score(HnFnScorer *s, const HnIds *qids, int64 qi,
							   const HnIds *dids, const int64 *di,
							   const int32 *ranks, int n, HnFnVerdict *out);

#endif							/* HN_FN_SCORER_H */
