/*
 * statistics.c
 *		Per-filter counters of a mining call and the statistics table: what
 *		sentence-transformers prints with verbose=True (skips per filter,
 *		missing negatives, score summaries), as rows.
 */
#include "postgres.h"

#include <math.h>

#include "io/srf.h"
#include "kernels/order_stats.h"
#include "mining/mining.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* Names and stages of the filter-trace bits, in bit order. */
static const struct
{
	int			step;
	const char *name;
}			trace_names[HN_TRACE_NTRACE] = {
	{2, "exclude_doc_id"},
	{2, "exclude_text_hash"},
	{2, "exclude_near_duplicate"},
	{3, "teacher_missing"},
	{3, "teacher_max"},
	{4, "max_score"},
	{4, "min_score"},
	{5, "absolute_margin"},
	{5, "relative_margin"},
	{5, "percpos"},
	{6, "false_negatives"},
	{7, "rank_window"},
	{9, "backfill"},
	{10, "random_mix"},
	{5, "percpos_fallback"},
	{3, "pseudo_positive"},
};

/* Counts one candidate: every removing bit, and the first one it failed. */
void
hn_stats_trace(HnMineStats *st, uint32 trace)
{
	bool		first = true;

	for (int b = 0; b < HN_TRACE_NTRACE; b++)
	{
		if (!(trace & (1u << b)))
			continue;
		st->failed[b]++;
		if (first && ((1u << b) & HN_TRACE_REMOVING))
		{
			st->removed_first[b]++;
			first = false;
		}
	}
	if (!(trace & HN_TRACE_REMOVING))
		st->survivors++;
}

void
hn_stats_add_pair(HnMineStats *st, double pos, double neg)
{
	if (st->nscores == st->cap_scores)
	{
		int64		cap = Max(1024, st->cap_scores * 2);

		/* lives across queries: not in the per-query context */
		st->pos_s = st->pos_s ? repalloc_huge(st->pos_s, sizeof(double) * cap) :
			MemoryContextAllocHuge(st->cxt, sizeof(double) * cap);
		st->neg_s = st->neg_s ? repalloc_huge(st->neg_s, sizeof(double) * cap) :
			MemoryContextAllocHuge(st->cxt, sizeof(double) * cap);
		st->cap_scores = cap;
	}
	st->pos_s[st->nscores] = pos;
	st->neg_s[st->nscores] = neg;
	st->nscores++;
}

static void
put(HnSrf *srf, int step, const char *item, const char *measure, double value)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	values[0] = Int32GetDatum(step);
	values[1] = CStringGetTextDatum(item);
	values[2] = CStringGetTextDatum(measure);
	values[3] = Float8GetDatum(value);
	hn_srf_put(srf, values, nulls);
}

/* count, mean, std (sample), min, 25%, 50%, 75%, max: the pandas describe() set */
static void
put_summary(HnSrf *srf, const char *item, double *x, int64 n)
{
	double		mean = 0,
				var = 0;

	put(srf, 12, item, "count", (double) n);
	if (n == 0)
		return;
	for (int64 i = 0; i < n; i++)
		mean += x[i];
	mean /= n;
	for (int64 i = 0; i < n; i++)
		var += (x[i] - mean) * (x[i] - mean);
	hn_sort_doubles(x, n);
	put(srf, 12, item, "mean", mean);
	put(srf, 12, item, "std", n > 1 ? sqrt(var / (n - 1)) : 0.0);
	put(srf, 12, item, "min", x[0]);
	put(srf, 12, item, "25%", hn_quantile_sorted(x, n, 0.25));
	put(srf, 12, item, "50%", hn_quantile_sorted(x, n, 0.5));
	put(srf, 12, item, "75%", hn_quantile_sorted(x, n, 0.75));
	put(srf, 12, item, "max", x[n - 1]);
}

static void
put_filters(HnSrf *srf, const HnMineStats *st)
{
	for (int b = 0; b < HN_TRACE_NTRACE; b++)
	{
		const char *name = trace_names[b].name;

		if ((1u << b) & HN_TRACE_REMOVING)
		{
			put(srf, trace_names[b].step, name, "removed", (double) st->removed_first[b]);
			put(srf, trace_names[b].step, name, "failed", (double) st->failed[b]);
			put(srf, trace_names[b].step, name, "removed_ratio",
				st->candidates > 0 ? (double) st->removed_first[b] / st->candidates : 0.0);
		}
	}
	put(srf, 5, "percpos_fallback", "candidates", (double) st->percpos_fallback);
}

/* What auto_calibrate chose (mining.md F2: "reported in params"). */
static void
put_calibration(HnSrf *srf, const HnMineParams *p)
{
	static const char *const knobs[] = {NULL, "absolute_margin", "relative_margin", "margin_lambda"};

	if (p->calib_knob == HN_KNOB_NONE)
		return;
	put(srf, 5, "auto_calibrate", knobs[p->calib_knob], p->calib_value);
	put(srf, 5, "auto_calibrate", "target", p->auto_calibrate.value);
	put(srf, 5, "auto_calibrate", "kept_per_query", p->calib_kept);
	put(srf, 5, "auto_calibrate", "sample", (double) p->calib_queries);
}

void
hn_stats_emit(HnSrf *srf, const HnMineParams *p, HnMineStats *st)
{
	double	   *diff = palloc(sizeof(double) * Max(st->nscores, 1));

	put(srf, 0, "queries", "input", (double) st->queries_in);
	put(srf, 0, "queries", "mined", (double) st->queries_mined);
	put(srf, 0, "queries", "no_positive", (double) st->queries_no_positive);
	put(srf, 0, "positives", "total", (double) st->positives);
	put(srf, 0, "positives", "missing_from_corpus", (double) st->positives_missing);
	put(srf, 0, "positives", "max_per_query", (double) p->max_positives);
	put(srf, 0, "positives", "pseudo", (double) st->pseudo_positives);
	put(srf, 1, "range_max", "effective", (double) p->range_max);
	put(srf, 1, "candidates", "total", (double) st->candidates);
	put_filters(srf, st);
	put_calibration(srf, p);
	put(srf, 7, "survivors", "total", (double) st->survivors);
	put(srf, 7, "rank_window", "candidates", (double) st->in_window);
	put(srf, 8, "sampling", "negatives", (double) st->sampled);
	put(srf, 9, "backfill", "negatives", (double) st->backfilled);
	put(srf, 9, "missing", "negatives", (double) st->missing);
	put(srf, 10, "random_mix", "negatives", (double) st->random_mixed);
	put(srf, 11, "output", "rows", (double) st->rows);
	for (int64 i = 0; i < st->nscores; i++)
		diff[i] = st->pos_s[i] - st->neg_s[i];
	put_summary(srf, "positive_score", st->pos_s, st->nscores);
	put_summary(srf, "negative_score", st->neg_s, st->nscores);
	put_summary(srf, "difference", diff, st->nscores);
}
