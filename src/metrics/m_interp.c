/*
 * m_interp.c
 *		Interpolated precision at recall levels: iprec_at_recall and 11pt_avg.
 *
 * A recall level x becomes the count c = lround(x * R) of relevant docs
 * (trec_eval 10.0; 9.x rounded differently).  Interpolated precision at c is
 * the best precision at any rank at or below the c-th relevant doc (the
 * first one when c = 0); c beyond the relevant docs retrieved gives 0.  With
 * nothing retrieved the precision is 0/0: NaN, as in trec_eval.
 */
#include "postgres.h"

#include <math.h>

#include "metrics/metrics.h"

/* out[c] for each fraction, walking the ranking bottom-up. */
static void
interpolated(const double *fractions, int nfrac, const HnQueryEval *q, int level, double *out)
{
	int64	   *counts = palloc(sizeof(int64) * Max(nfrac, 1));
	int			cur = nfrac - 1;
	int64		rel = q->num_rel_ret;
	double		best = (double) q->num_rel_ret / (double) q->n;

	for (int c = 0; c < nfrac; c++)
		counts[c] = lround(fractions[c] * q->num_rel);
	while (cur >= 0 && counts[cur] > q->num_rel_ret)
		out[cur--] = 0.0;
	for (int64 i = q->n; i > 0 && rel > 0; i--)
	{
		double		p = (double) rel / (double) i;

		if (best < p)
			best = p;
		if (q->rel[i - 1] >= level)
		{
			while (cur >= 0 && rel == counts[cur])
				out[cur--] = best;
			rel--;
		}
	}
	while (cur >= 0)
		out[cur--] = best;
	pfree(counts);
}

void
hn_m_iprec_at_recall(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	interpolated(m->numbers, m->nnumbers, q, f->relevance_level, out);
}

void
hn_m_11pt_avg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	double	   *vals = palloc(sizeof(double) * Max(m->nnumbers, 1));
	double		sum = 0.0;

	interpolated(m->numbers, m->nnumbers, q, f->relevance_level, vals);
	for (int c = 0; c < m->nnumbers; c++)
		sum += vals[c];
	out[0] = sum / (double) m->nnumbers;
	pfree(vals);
}
