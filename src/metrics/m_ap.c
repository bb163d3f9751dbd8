/*
 * m_ap.c
 *		Rank-position measures over binary relevance: map, gm_map, map_cut,
 *		recip_rank (and RR@k), binG, and the incomplete-judgment family
 *		bpref, gm_bpref, infAP.
 */
#include "postgres.h"

#include <math.h>

#include "metrics/metrics.h"

/* Sum of precisions at relevant ranks within the first min(k, n). */
static double
ap_sum(const HnQueryEval *q, int64 k, int level, int64 *nrel)
{
	int64		end = Min(k, q->n);
	int64		rel = 0;
	double		sum = 0.0;

	for (int64 i = 0; i < end; i++)
		if (q->rel[i] >= level)
		{
			rel++;
			sum += (double) rel / (double) (i + 1);
		}
	*nrel = rel;
	return sum;
}

/* Average precision; unretrieved relevant docs count in R. */
static double
average_precision(const HnQueryEval *q, int level)
{
	int64		nrel;
	double		sum = ap_sum(q, q->n, level, &nrel);

	return nrel > 0 ? sum / (double) q->num_rel : 0.0;
}

void
hn_m_map(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	out[0] = average_precision(q, f->relevance_level);
}

/* Stored as the log of the floored value: the summary is exp(mean). */
void
hn_m_gm_map(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	out[0] = log(Max(average_precision(q, f->relevance_level), HN_MIN_GEO_MEAN));
}

void
hn_m_map_cut(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	int64		nrel;

	if (q->num_rel == 0)
		return;
	for (int c = 0; c < m->ncuts; c++)
		out[c] = ap_sum(q, m->cuts[c], f->relevance_level, &nrel) / (double) q->num_rel;
}

static int64
first_relevant(const HnQueryEval *q, int level)
{
	for (int64 i = 0; i < q->n; i++)
		if (q->rel[i] >= level)
			return i;
	return -1;
}

void
hn_m_recip_rank(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	int64		i = first_relevant(q, f->relevance_level);

	if (i >= 0)
		out[0] = 1.0 / (double) (i + 1);
}

/* RR@k: recip_rank as if run with -M k (MS MARCO MRR@10). */
void
hn_m_recip_rank_cut(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	int64		i = first_relevant(q, f->relevance_level);

	for (int c = 0; c < m->ncuts; c++)
		out[c] = (i >= 0 && i < m->cuts[c]) ? 1.0 / (double) (i + 1) : 0.0;
}

/* Each relevant doc gains 1/log2(2 + non-relevant docs above it). */
void
hn_m_binG(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	int64		rel = 0;
	double		sum = 0.0;

	for (int64 i = 0; i < q->n; i++)
		if (q->rel[i] >= f->relevance_level)
		{
			rel++;
			sum += 1.0 / log2((double) (3 + i - rel));
		}
	if (rel > 0)
		out[0] = sum / (double) q->num_rel;
}

/*
 * bpref: walk the judged docs (negative grades are skipped); each relevant
 * doc scores 1 - min(nonrel above, R) / min(N, R), N = judged non-relevant
 * grades 0..l-1 of the whole qrels.
 */
static double
bpref_value(const HnQueryEval *q, int level)
{
	int64		num_nonrel = 0;
	int64		nonrel = 0;
	double		sum = 0.0;

	for (int g = 0; g < Min(level, q->num_levels); g++)
		num_nonrel += hn_level_count(q, g);
	for (int64 i = 0; i < q->n; i++)
	{
		int32		v = q->rel[i];

		if (v == HN_REL_NONPOOL || v == HN_REL_UNJUDGED)
			continue;
		if (v >= 0 && v < level)
			nonrel++;
		else if (nonrel > 0)
			sum += 1.0 - (double) Min(nonrel, q->num_rel) /
				(double) Min(num_nonrel, q->num_rel);
		else
			sum += 1.0;
	}
	return q->num_rel > 0 ? sum / (double) q->num_rel : sum;
}

void
hn_m_bpref(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	out[0] = bpref_value(q, f->relevance_level);
}

void
hn_m_gm_bpref(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	out[0] = log(Max(bpref_value(q, f->relevance_level), HN_MIN_GEO_MEAN));
}

/*
 * infAP (Yilmaz & Aslam): precision above each relevant doc estimated from
 * the judged docs above it, docs outside the pool counting as non-relevant.
 */
void
hn_m_infAP(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	int64		nonrel = 0,
				rel = 0,
				unjudged = 0;
	double		sum = 0.0;

	for (int64 j = 0; j < q->n; j++)
	{
		int32		v = q->rel[j];
		double		fj = (double) j;

		if (v == HN_REL_NONPOOL)
			continue;
		if (v == HN_REL_UNJUDGED)
		{
			unjudged++;
			continue;
		}
		if (v >= 0 && v < f->relevance_level)
		{
			nonrel++;
			continue;
		}
		rel++;
		if (j == 0)
			sum += 1.0;
		else
			sum += 1.0 / (fj + 1.0) +
				(fj / (fj + 1.0)) *
				((double) (rel - 1 + nonrel + unjudged) / fj) *
				((rel - 1 + HN_INFAP_EPSILON) / (rel - 1 + nonrel + 2 * HN_INFAP_EPSILON));
	}
	out[0] = q->num_rel > 0 ? sum / (double) q->num_rel : sum;
}
