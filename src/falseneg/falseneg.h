/*
 * falseneg.h
 *		False-negative estimators: the math, as pure C over arrays.
 *
 * Three estimators give every mined negative (q, d) a probability
 * p_false_negative that d is in fact relevant to q (mining.md F4-F6):
 *
 *	propensity	pooling-bias model (propensity.c): pi(q, d) = probability that
 *				the pair was judged, from the judging rate of the pooled runs
 *				per rank bucket; rho(b) = Beta-smoothed relevant rate among
 *				judged candidates of mining-rank bucket b;
 *				p = rho (1 - pi) / (1 - rho pi).
 *	knn			label transfer and kNN noise flags (knn_votes.c): the share of
 *				q's k nearest labelled queries that have d as a positive, and
 *				the share of relevant documents among the doc_k judged
 *				documents of q nearest to d; p = the larger of the two.
 *	teacher		teacher denoising (teacher.c): the teacher's probability that
 *				d is relevant, raw or Platt-calibrated on the judged pairs.
 *
 * Several estimators combine by the maximum (hn_fn_combine): a negative is
 * dropped when any estimator is confident it is a positive.  The weight of a
 * kept negative is 1 - p.
 *
 * Nothing here touches SPI or tuples, so mine_hard_negatives can call it on
 * its own candidate arrays; src/falseneg/fn_*.c are the SQL front ends.
 */
#ifndef HN_FALSENEG_H
#define HN_FALSENEG_H

#include "postgres.h"

#include "kernels/distance.h"

/* Estimator set, as parsed from 'propensity,knn' (bit mask). */
#define HN_FN_NONE			0
#define HN_FN_PROPENSITY	(1 << 0)
#define HN_FN_KNN			(1 << 1)
#define HN_FN_TEACHER		(1 << 2)
#define HN_FN_CALIBRATED	(1 << 3)	/* re-pooling calibration (calibration.h) */
#define HN_FN_AUTO			(1 << 4)	/* resolved by the scorer from the inputs given */

/*
 * Parses 'none', 'auto' or a comma-separated list of estimator names; raises
 * ERROR (22023) on an unknown or repeated name.  param names the SQL parameter in
 * the message.
 */
extern int	hn_fn_parse_methods(const char *spec, const char *param);

/* Combined probability of several estimators: the maximum of the defined ones. */
extern double hn_fn_combine(const double *p, const bool *defined, int n);

/* Validates a probability threshold in [0, 1] (22023 otherwise). */
extern void hn_fn_check_threshold(double tau, const char *param);

/* What the qrels say about a candidate pair. */
typedef enum HnFnJudgement
{
	HN_FN_UNJUDGED = 0,			/* not in the qrels, or relevance < 0 (pooled, unjudged) */
	HN_FN_JUDGED_NONREL,		/* judged, below the relevance level */
	HN_FN_POSITIVE				/* judged relevant: a known positive */
} HnFnJudgement;

/* p_false_negative of judged pairs: 1 for positives, 0 for judged non-relevant. */
static inline double
hn_fn_p_judged(HnFnJudgement j)
{
	return j == HN_FN_POSITIVE ? 1.0 : 0.0;
}

/* ---------- propensity.c (F5) ---------- */

/*
 * Rank buckets: edges e[0] = 1 < e[1] < ... < e[n-1]; bucket i holds ranks
 * [e[i], e[i+1]), the last one [e[n-1], infinity).
 */
extern void hn_fn_check_edges(const int32 *edges, int nedges, const char *param);
extern int	hn_fn_bucket(const int32 *edges, int nedges, int64 rank);

/* Judging rate of one (run, bucket): n_judged / n_docs, 0 when empty. */
extern double hn_fn_judging_rate(int64 n_judged, int64 n_docs);

/* pi(q, d) = 1 - prod_S (1 - pi_S): selection independent across runs. */
extern double hn_fn_pool_pi(const double *pi_runs, int nruns);

/* rho(b) = (n_relevant + alpha) / (n_judged + alpha + beta). */
extern double hn_fn_rho(int64 n_relevant, int64 n_judged, double alpha, double beta);

/* p_false_negative = rho (1 - pi) / (1 - rho pi), for an unjudged pair. */
extern double hn_fn_p_propensity(double rho, double pi);

/*
 * Scores a candidate set in one call (what mine_hard_negatives uses): from
 * each candidate's mining-rank bucket, judgement and pool propensity pi,
 * estimates rho per bucket (rho[nbuckets] out) and writes p[i].  The
 * candidates must include the known positives: they are the relevant
 * judged pairs rho is estimated from.
 */
extern void hn_fn_propensity_score(int nbuckets, int64 n, const int *bucket,
								   const HnFnJudgement *judgement, const double *pi,
								   double alpha, double beta,
								   double *rho, double *p);

/* ---------- knn_votes.c (F6) ---------- */

/*
 * Label transfer, first half: the (up to) k labelled queries nearest to
 * query row q (rows of qvecs, dim floats each; q itself excluded), ranked by
 * similarity, ties by row.  Writes their rows into neighbours and returns how
 * many.  The caller counts the neighbours that have the candidate as a
 * positive: those are the votes.
 */
extern int	hn_fn_query_neighbours(HnMetric metric, const float *qvecs, int dim,
								   const int64 *labelled_rows, int64 nlabelled,
								   int64 q, int k, int64 *neighbours);

/*
 * kNN noise flag: among the judged documents of the query (ref rows of
 * ref_vecs with labels ref_relevant), the share of relevant ones among the
 * doc_k nearest to the candidate vector.  Returns the number of relevant
 * neighbours and sets *nvoters (min(doc_k, nref)).
 */
extern int	hn_fn_doc_votes(HnMetric metric, const float *cand, int dim,
							const float *const *ref_vecs, const bool *ref_relevant,
							int nref, int doc_k, int *nvoters);

/* p = max(votes_query / k, votes_doc / nvoters); 0 for empty denominators. */
extern double hn_fn_p_knn(int votes_query, int k, int votes_doc, int nvoters);

/* ---------- teacher.c (F4) ---------- */

/*
 * Platt scaling: fits P(relevant | x) = 1 / (1 + exp(-(a + b x))) on n
 * labelled scores by Newton's method with a tiny ridge.  Returns false when
 * the labels are all equal (nothing to fit).
 */
extern bool hn_fn_platt_fit(const double *x, const bool *y, int64 n,
							double *a, double *b);
extern double hn_fn_platt(double a, double b, double x);

#endif							/* HN_FALSENEG_H */
