/*
 * stats.c
 *		Paired t-test, Fisher randomization, bootstrap and Holm's correction.
 *
 * Random draws come from the counter-based RNG (kernels/rng.h): a draw is a
 * function of (seed, stream, comparison key, resample, query), so results do
 * not depend on the order runs are read in or on other comparisons.
 */
#include "postgres.h"

#include <math.h>

#include "kernels/rng.h"
#include "kernels/order_stats.h"
#include "metrics/stats.h"
#include "miscadmin.h"

/* One step of Lentz's method: folds coefficient num into (c, d, h). */
static double
lentz_step(double num, double *c, double *d, double *h)
{
	const double tiny = 1e-300;
	double		delta;

	*d = 1.0 + num * *d;
	if (fabs(*d) < tiny)
		*d = tiny;
	*c = 1.0 + num / *c;
	if (fabs(*c) < tiny)
		*c = tiny;
	*d = 1.0 / *d;
	delta = *d * *c;
	*h *= delta;
	return delta;
}

/*
 * Continued fraction of the regularised incomplete beta (modified Lentz):
 * coefficients alternate between the even terms m(b-m)x / ((a+2m-1)(a+2m))
 * and the odd terms -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)).
 */
static double
beta_fraction(double a, double b, double x)
{
	double		c = 1.0,
				d = 1.0 - (a + b) * x / (a + 1.0),
				h;

	if (fabs(d) < 1e-300)
		d = 1e-300;
	d = 1.0 / d;
	h = d;
	for (int m = 1; m <= 500; m++)
	{
		double		m2 = 2.0 * m;

		lentz_step(m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)), &c, &d, &h);
		if (fabs(lentz_step(-(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
							&c, &d, &h) - 1.0) < 1e-16)
			break;
	}
	return h;
}

/* I_x(a, b), using the symmetry that keeps the fraction convergent. */
static double
incomplete_beta(double a, double b, double x)
{
	double		front;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1.0 - x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_fraction(a, b, x) / a;
	return 1.0 - front * beta_fraction(b, a, 1.0 - x) / b;
}

double
hn_t_two_sided(double t, double df)
{
	if (isinf(t))
		return 0.0;
	return incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
}

/* t such that the two-sided tail is alpha (bisection: monotone, smooth). */
static double
t_quantile(double alpha, double df)
{
	double		lo = 0.0,
				hi = 1.0;

	while (hn_t_two_sided(hi, df) > alpha)
		hi *= 2.0;
	for (int i = 0; i < 200; i++)
	{
		double		mid = (lo + hi) / 2.0;

		if (hn_t_two_sided(mid, df) > alpha)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2.0;
}

static double
mean_of(const double *d, int n)
{
	double		s = 0.0;

	for (int i = 0; i < n; i++)
		s += d[i];
	return s / n;
}

static void
mean_sd(const double *d, int n, double *mean, double *sd)
{
	double		ss = 0.0;

	*mean = mean_of(d, n);
	for (int i = 0; i < n; i++)
		ss += (d[i] - *mean) * (d[i] - *mean);
	*sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}

HnTestResult
hn_ttest(const double *d, int n, double confidence)
{
	HnTestResult r = {NAN, NAN, NAN};
	double		mean,
				sd,
				se;

	if (n < 2)
		return r;
	mean_sd(d, n, &mean, &sd);
	se = sd / sqrt((double) n);
	if (se == 0.0)
	{
		/* every difference equal: no variance to test against */
		r.p_value = mean == 0.0 ? 1.0 : 0.0;
		r.ci_low = r.ci_high = mean;
		return r;
	}
	r.p_value = hn_t_two_sided(mean / se, n - 1);
	{
		double		half = t_quantile(1.0 - confidence, n - 1) * se;

		r.ci_low = mean - half;
		r.ci_high = mean + half;
	}
	return r;
}

/*
 * |mean| of a resample at least the observed |mean|, with a relative slack
 * so sign flips that reproduce the observation up to rounding count.
 */
static bool
as_extreme(double stat, double observed)
{
	return fabs(stat) >= fabs(observed) * (1.0 - 1e-12) - 1e-15;
}

double
hn_randomization_p(const double *d, int n, int resamples, uint64 seed, uint64 key)
{
	double		observed;
	int64		hits = 0;

	if (n < 1)
		return NAN;
	observed = mean_of(d, n);
	for (int b = 0; b < resamples; b++)
	{
		double		s = 0.0;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
			s += hn_uniform(seed, HN_STREAM_RANDOMIZATION, key, b, i) < 0.5 ? -d[i] : d[i];
		if (as_extreme(s / n, observed))
			hits++;
	}
	return (double) (hits + 1) / (double) (resamples + 1);
}

HnTestResult
hn_bootstrap(const double *d, int n, int resamples, double confidence, uint64 seed, uint64 key)
{
	HnTestResult r = {NAN, NAN, NAN};
	double	   *means;
	double		observed;
	int64		hits = 0;

	if (n < 1)
		return r;
	observed = mean_of(d, n);
	means = palloc(sizeof(double) * resamples);
	for (int b = 0; b < resamples; b++)
	{
		double		s = 0.0;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
		{
			int			pick = (int) (hn_uniform(seed, HN_STREAM_BOOTSTRAP, key, b, i) * n);

			s += d[Min(pick, n - 1)];
		}
		means[b] = s / n;
		/* shift method: the resample centred on 0 mimics the null */
		if (as_extreme(means[b] - observed, observed))
			hits++;
	}
	hn_sort_doubles(means, resamples);
	r.ci_low = hn_quantile_sorted(means, resamples, (1.0 - confidence) / 2.0);
	r.ci_high = hn_quantile_sorted(means, resamples, (1.0 + confidence) / 2.0);
	r.p_value = (double) (hits + 1) / (double) (resamples + 1);
	pfree(means);
	return r;
}

void
hn_holm(const double *p, int m, double *adjusted)
{
	int		   *order = palloc(sizeof(int) * Max(m, 1));
	int			k = 0;
	double		running = 0.0;

	for (int i = 0; i < m; i++)
	{
		adjusted[i] = p[i];
		if (!isnan(p[i]))
			order[k++] = i;
	}
	/* insertion sort by p: a handful of runs */
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && p[order[j]] < p[order[j - 1]]; j--)
		{
			int			t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (int i = 0; i < k; i++)
	{
		double		v = Min(1.0, (k - i) * p[order[i]]);

		running = Max(running, v);
		adjusted[order[i]] = running;
	}
	pfree(order);
}
