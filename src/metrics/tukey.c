/*
 * tukey.c
 *		Tukey's honestly significant difference over all runs (compare_runs
 *		test => 'tukey'), as scipy.stats.tukey_hsd computes it and ranx calls
 *		it: the runs' per-query values are the groups, the pooled variance
 *		their one-way ANOVA mean square error, and p-values the studentized
 *		range distribution's survival function.
 *
 * The studentized range CDF with k groups and df degrees of freedom is
 *
 *	 P(Q <= q) = integral_0^inf f_df(s) W(q s) ds,
 *	 W(w) = k integral phi(z) (Phi(z) - Phi(z - w))^(k - 1) dz,
 *
 * f_df the density of sqrt(chi2_df / df).  Both integrals are computed with
 * adaptive Gauss-Kronrod (7/15 points) to an absolute error near 1e-13; the
 * outer one in the variable t = (s - 1) sqrt(2 df), so the peak of f_df stays
 * in view however large df is.  Like scipy, df above 100000 uses the limit
 * df = infinity: P(Q <= q) = W(q).
 */
#include "postgres.h"

#include <math.h>

#include "metrics/stats.h"
#include "miscadmin.h"

typedef double (*IntegrandFn) (double x, const void *arg);

static const double gk_x[8] = {
	0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
	0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
	0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
	0.207784955007898467600689403773245, 0.0
};
static const double gk_w[8] = {
	0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
	0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
	0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
	0.204432940075298892414161999234649, 0.209482141084727828012999174891714
};
/* 7-point Gauss weights of the odd Kronrod nodes gk_x[1], [3], [5], [7] */
static const double g_w[4] = {
	0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
	0.381830050505118944950369775488975, 0.417959183673469387755102040816327
};

/* One Gauss-Kronrod panel: the 15-point estimate, *err its distance to the 7-point one. */
static double
gk15(IntegrandFn f, const void *arg, double a, double b, double *err)
{
	double		c = 0.5 * (a + b),
				h = 0.5 * (b - a),
				fc = f(c, arg),
				k = gk_w[7] * fc,
				g = g_w[3] * fc;

	for (int i = 0; i < 7; i++)
	{
		double		f1 = f(c - h * gk_x[i], arg),
					f2 = f(c + h * gk_x[i], arg);

		k += gk_w[i] * (f1 + f2);
		if (i % 2 == 1)
			g += g_w[i / 2] * (f1 + f2);
	}
	*err = fabs((k - g) * h);
	return k * h;
}

/*
 * Bisects until the panel's error estimate is under tol or at rounding
 * level (tol halves per level but never below 1e-17: rounding would
 * otherwise refuse every panel down to the depth limit).
 */
static double
adapt(IntegrandFn f, const void *arg, double a, double b, double tol, int depth)
{
	double		err,
				v = gk15(f, arg, a, b, &err);

	if (err <= tol || err <= 1e-15 * fabs(v) || depth >= 16)
		return v;
	tol = Max(0.5 * tol, 1e-17);
	return adapt(f, arg, a, 0.5 * (a + b), tol, depth + 1) +
		adapt(f, arg, 0.5 * (a + b), b, tol, depth + 1);
}

/* Sum of adaptive integrals over n equal panels of [a, b]. */
static double
integrate(IntegrandFn f, const void *arg, double a, double b, int n, double tol)
{
	double		sum = 0.0,
				w = (b - a) / n;

	for (int i = 0; i < n; i++)
		sum += adapt(f, arg, a + i * w, a + (i + 1) * w, tol / n, 0);
	return sum;
}

static inline double
norm_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

typedef struct RangeArg
{
	double		w;
	int			k;
} RangeArg;

static double
range_integrand(double z, const void *p)
{
	const RangeArg *a = p;
	double		d = norm_cdf(z) - norm_cdf(z - a->w);

	return exp(-0.5 * z * z) / sqrt(2.0 * M_PI) * pow(Max(d, 0.0), a->k - 1);
}

/* W(w): P(range of k standard normals <= w). */
static double
range_cdf(double w, int k)
{
	RangeArg	a = {w, k};

	if (w <= 0.0)
		return 0.0;
	/* phi vanishes below 1e-18 outside [-9, 9]; the difference is 0 below z = -9 */
	return Min(1.0, k * integrate(range_integrand, &a, -9.0, 9.0, 8, 1e-12));
}

typedef struct OuterArg
{
	double		q;
	int			k;
	double		df;
	double		sigma;			/* scale of t: s = 1 + t sigma */
	double		log_norm;		/* log of f_df's constant */
} OuterArg;

static double
outer_integrand(double t, const void *p)
{
	const OuterArg *a = p;
	double		s = 1.0 + t * a->sigma;
	double		log_f;

	if (s <= 0.0)
		return 0.0;
	log_f = a->log_norm + (a->df - 1.0) * log(s) - 0.5 * a->df * s * s;
	/* the tails of f_df weigh nothing: skip the inner integral there */
	if (log_f < -50.0)
		return 0.0;
	return exp(log_f) * a->sigma * range_cdf(a->q * s, a->k);
}

double
hn_studentized_range_cdf(double q, int k, double df)
{
	OuterArg	a;
	double		lo;

	if (q <= 0.0)
		return 0.0;
	if (df > 100000.0)
		return range_cdf(q, k);
	a.q = q;
	a.k = k;
	a.df = df;
	a.sigma = 1.0 / sqrt(2.0 * df);
	a.log_norm = 0.5 * df * log(df) - lgamma(0.5 * df) - (0.5 * df - 1.0) * log(2.0);
	lo = Max(-1.0 / a.sigma, -40.0);
	CHECK_FOR_INTERRUPTS();
	return Min(1.0, Max(0.0, integrate(outer_integrand, &a, lo, 0.0, 8, 1e-12) +
						integrate(outer_integrand, &a, 0.0, 40.0, 16, 1e-12)));
}

double
hn_studentized_range_sf(double q, int k, double df)
{
	return 1.0 - hn_studentized_range_cdf(q, k, df);
}

/*
 * The p quantile of Q: a bracket by doubling, then regula falsi with the
 * Illinois modification (superlinear; each step costs one CDF, the
 * expensive part).
 */
double
hn_studentized_range_ppf(double p, int k, double df)
{
	double		lo = 0.0,
				hi = 1.0,
				flo = -p,
				fhi;
	int			side = 0;

	while ((fhi = hn_studentized_range_cdf(hi, k, df) - p) < 0 && hi < 1e6)
	{
		lo = hi, flo = fhi;
		hi *= 2.0;
	}
	for (int i = 0; i < 100 && hi - lo > 1e-13 * hi; i++)
	{
		double		mid = (lo * fhi - hi * flo) / (fhi - flo),
					fm = hn_studentized_range_cdf(mid, k, df) - p;

		if (fm == 0.0)
			return mid;
		if (fm < 0)
		{
			lo = mid, flo = fm;
			if (side == -1)
				fhi *= 0.5;
			side = -1;
		}
		else
		{
			hi = mid, fhi = fm;
			if (side == 1)
				flo *= 0.5;
			side = 1;
		}
		if (fabs(fm) < 1e-14)
			return mid;
	}
	return 0.5 * (lo + hi);
}

/*
 * Tukey HSD of k groups of n values each (values[g * n + i]): the mean
 * square error and degrees of freedom shared by every pair.
 */
void
hn_tukey_setup(const double *values, int k, int n, double *means, double *mse, double *df)
{
	double		ss = 0.0;

	for (int g = 0; g < k; g++)
	{
		double		m = 0.0;

		for (int i = 0; i < n; i++)
			m += values[(int64) g * n + i];
		m /= n;
		means[g] = m;
		for (int i = 0; i < n; i++)
		{
			double		d = values[(int64) g * n + i] - m;

			ss += d * d;
		}
	}
	*df = (double) k * n - k;
	*mse = *df > 0 ? ss / *df : NAN;
}
