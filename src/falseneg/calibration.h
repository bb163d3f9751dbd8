/*
 * calibration.h
 *		A calibrated p_false_negative by self-supervised re-pooling.
 *
 * The visible qrels come from pooling the runs in pooled_runs to some depth.
 * For each run the judged depth D_S is read off the data (the deepest rank
 * whose judged share is at least one half).  Pretend the judges had stopped
 * at D_S / 2: the judged pairs that this half pool would have missed (every
 * pooled rank r_S > D_S / 2) are labelled examples of exactly the situation
 * an unjudged candidate is in, one pooling level shallower.  A logistic
 * model on depth-relative evidence, fitted to them by maximum likelihood,
 *
 *	logit p = w0 + sum_S w_S log(r_S / D_S) + w_r log(mining rank)
 *			  + w_q logit(query's judged relevant rate)
 *
 * with w_S <= 0, w_r <= 0, w_q >= 0 (monotone: deeper is never more likely
 * relevant), is then applied to the unjudged candidates with the real depths
 * D_S (an absent rank counts as one past the run's last rank).  Features are
 * ratios and rates, so the same model form holds at any pool depth; nothing
 * is tuned per collection.  See docs/false-negatives.md.
 */
#ifndef HN_FN_CALIBRATION_H
#define HN_FN_CALIBRATION_H

#include "postgres.h"

#include "falseneg/models.h"

#define HN_FN_CALIB_RIDGE	1.0		/* L2 penalty on the slopes (not the intercept) */

typedef struct HnFnCalib
{
	MemoryContext cxt;			/* where the model lives (the scorer's) */
	HnFnPool   *pool;			/* not owned */
	const HnJudgments *qr;
	int32		level;
	int			nruns;
	double	   *depth;			/* per run: judged depth D_S (0: not pooled) */
	int32	   *maxrank;		/* per run: deepest rank it retrieved */
	double	   *log_absent;		/* per run: expected log rank of a document it missed */
	int			nfeat;			/* nruns + 2, without the intercept */
	/* training examples, row-major nfeat features */
	int64		n;
	int64		cap;
	double	   *x;
	bool	   *y;
	int64		n_pos;
	/* fitted model: w[0] intercept, w[1..nfeat] */
	double	   *w;
	bool		fitted;
	int			iterations;
	/* scratch */
	int32	   *ranks;			/* nruns */
	double	   *feat;			/* nfeat */
	int			kmax;			/* deepest judged depth: scales k / kmax */
	/* the last query's judged pairs: pooled scale and relevance */
	const HnIds *last_q;
	int64		last_qi;
	int64		qn;
	int64		qcap;
	double	   *qscale;
	bool	   *qrel;
} HnFnCalib;

extern void hn_fn_calib_init(HnFnCalib *c, HnFnPool *pool, const HnJudgments *qr, int32 level);

/* One query's raw candidates (judged ones become examples when the half pool missed them). */
extern void hn_fn_calib_observe(HnFnCalib *c, const HnIds *qids, int64 qi,
								const HnIds *dids, const int64 *di, const int32 *ranks, int n);

extern void hn_fn_calib_fit(HnFnCalib *c);

/* Calibrated p of an unjudged candidate (after hn_fn_calib_fit). */
extern double hn_fn_calib_p(HnFnCalib *c, const HnIds *qids, int64 qi,
							const HnIds *dids, int64 di, int32 rank);

/* Feature names, for the inspectable model (index 0..nfeat-1). */
extern const char *hn_fn_calib_feature_name(const HnFnCalib *c, int j, char *buf, size_t len);

/*
 * Maximum-likelihood logistic regression with a ridge on the slopes and sign
 * constraints sign[j] in {-1, 0, +1} (0: free) on w[1..nfeat], by Newton's
 * method with an active set (a slope that wants the wrong sign is held at 0).
 * x is n x nfeat row-major; w gets nfeat + 1 values.  Returns iterations.
 */
extern int	hn_fn_logistic_fit(const double *x, const bool *y, int64 n, int nfeat,
							   const int *sign, double ridge, double *w);

#endif							/* HN_FN_CALIBRATION_H */
