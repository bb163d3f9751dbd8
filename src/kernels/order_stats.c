/*
 * order_stats.c
 *		Sorting and quantiles of doubles (see order_stats.h).
 */
#include "postgres.h"

#include <math.h>

#include "kernels/order_stats.h"

static int
double_cmp(const void *pa, const void *pb)
{
	double		a = *(const double *) pa,
				b = *(const double *) pb;

	return (a > b) - (a < b);
}

void
hn_sort_doubles(double *x, int64 n)
{
	qsort(x, n, sizeof(double), double_cmp);
}

double
hn_quantile_sorted(const double *sorted, int64 n, double q)
{
	double		h = (n - 1) * q;
	int64		lo = (int64) floor(h);
	int64		hi = Min(lo + 1, n - 1);

	return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
