/*
 * stats.h
 *		Significance tests over paired per-query values (compare_runs).
 */
#ifndef HN_METRICS_STATS_H
#define HN_METRICS_STATS_H

#include "postgres.h"

typedef struct HnTestResult
{
	double		p_value;		/* NaN when undefined (fewer than 2 queries) */
	double		ci_low;
	double		ci_high;
} HnTestResult;

/* Two-sided paired t-test on d[0..n), with a Student t interval. */
extern HnTestResult hn_ttest(const double *d, int n, double confidence);

/* Fisher randomization: random sign flips, p = (hits + 1) / (B + 1). */
extern double hn_randomization_p(const double *d, int n, int resamples, uint64 seed, uint64 key);

/* Percentile bootstrap interval of the mean and its shift-method p-value. */
extern HnTestResult hn_bootstrap(const double *d, int n, int resamples, double confidence,
								 uint64 seed, uint64 key);

/* Student t: two-sided tail probability of |t| with df degrees of freedom. */
extern double hn_t_two_sided(double t, double df);

/* Holm step-down adjustment of p[0..m) (NaN entries are left out). */
extern void hn_holm(const double *p, int m, double *adjusted);

/* tukey.c: the studentized range distribution (k groups, df degrees of freedom). */
extern double hn_studentized_range_cdf(double q, int k, double df);
extern double hn_studentized_range_sf(double q, int k, double df);
extern double hn_studentized_range_ppf(double p, int k, double df);

/* Group means, ANOVA mean square error and its df of k groups of n values. */
extern void hn_tukey_setup(const double *values, int k, int n, double *means,
						   double *mse, double *df);

#endif							/* HN_METRICS_STATS_H */
