/*
 * teacher.c
 *		Teacher denoising (F4): a teacher's score as a probability of relevance.
 *
 * RocketQA thresholds a cross-encoder probability (negative iff < 0.1).  A
 * teacher that is not a probability (BM25, a bi-encoder, an uncalibrated
 * cross-encoder) is first mapped to one by Platt scaling fitted on the pairs
 * the judges labelled: a one-dimensional logistic regression.
 */
#include "postgres.h"

#include <math.h>

#include "falseneg/falseneg.h"
#include "miscadmin.h"

#define PLATT_ITERATIONS 100
#define PLATT_RIDGE 1e-6		/* keeps the Hessian invertible on separable data */

double
hn_fn_platt(double a, double b, double x)
{
	double		z = a + b * x;

	/* the two branches avoid exp overflow on either tail */
	if (z >= 0)
		return 1.0 / (1.0 + exp(-z));
	return exp(z) / (1.0 + exp(z));
}

/* One Newton step on the ridge-penalised log-likelihood; false on a stall. */
static bool
platt_step(const double *x, const bool *y, int64 n, double *a, double *b)
{
	double		ga = PLATT_RIDGE * *a,
				gb = PLATT_RIDGE * *b,
				haa = PLATT_RIDGE,
				hab = 0,
				hbb = PLATT_RIDGE,
				det,
				da,
				db;

	for (int64 i = 0; i < n; i++)
	{
		double		p = hn_fn_platt(*a, *b, x[i]);
		double		r = p - (y[i] ? 1.0 : 0.0);
		double		w = p * (1.0 - p);

		ga += r;
		gb += r * x[i];
		haa += w;
		hab += w * x[i];
		hbb += w * x[i] * x[i];
	}
	det = haa * hbb - hab * hab;
	if (det <= 0)
		return false;
	da = (hbb * ga - hab * gb) / det;
	db = (haa * gb - hab * ga) / det;
	*a -= da;
	*b -= db;
	return fabs(da) + fabs(db) > 1e-10;
}

bool
hn_fn_platt_fit(const double *x, const bool *y, int64 n, double *a, double *b)
{
	int64		npos = 0;

	for (int64 i = 0; i < n; i++)
		npos += y[i] ? 1 : 0;
	if (npos == 0 || npos == n)
		return false;
	*a = 0;
	*b = 0;
	for (int it = 0; it < PLATT_ITERATIONS; it++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!platt_step(x, y, n, a, b))
			break;
	}
	return true;
}
