/*
 * order_stats.h
 *		Sorting doubles and quantiles of sorted samples, shared by the
 *		significance tests (bootstrap intervals) and mining statistics.
 */
#ifndef HN_ORDER_STATS_H
#define HN_ORDER_STATS_H

#include "postgres.h"

/* Sorts x ascending in place. */
extern void hn_sort_doubles(double *x, int64 n);

/*
 * Quantile q in [0, 1] of an ascending sample by linear interpolation
 * between order statistics (Hyndman-Fan type 7, numpy's default); n >= 1.
 */
extern double hn_quantile_sorted(const double *sorted, int64 n, double q);

#endif							/* HN_ORDER_STATS_H */
