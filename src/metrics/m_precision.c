/*
 * m_precision.c
 *		Cut-off measures over the top k: P, recall, relative_P, success, unj,
 *		Judged@k, and the R-based cut-offs Rprec and Rprec_mult.
 *
 * A cut-off beyond the retrieved list sees the list padded with
 * non-relevant, judged docs: P.k always divides by k.
 */
#include "postgres.h"

#include "metrics/metrics.h"

/* Relevant docs among the first min(k, n). */
static int64
rel_in_top(const HnQueryEval *q, int64 k, int level)
{
	int64		end = Min(k, q->n);
	int64		c = 0;

	for (int64 i = 0; i < end; i++)
		if (q->rel[i] >= level)
			c++;
	return c;
}

/* Docs not judged (value < 0) among the first min(k, n). */
static int64
unjudged_in_top(const HnQueryEval *q, int64 k)
{
	int64		end = Min(k, q->n);
	int64		c = 0;

	for (int64 i = 0; i < end; i++)
		if (q->rel[i] == HN_REL_NONPOOL || q->rel[i] == HN_REL_UNJUDGED)
			c++;
	return c;
}

void
hn_m_P(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	for (int c = 0; c < m->ncuts; c++)
		out[c] = (double) rel_in_top(q, m->cuts[c], f->relevance_level) / (double) m->cuts[c];
}

void
hn_m_recall(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	if (q->num_rel == 0)
		return;
	for (int c = 0; c < m->ncuts; c++)
		out[c] = (double) rel_in_top(q, m->cuts[c], f->relevance_level) / (double) q->num_rel;
}

void
hn_m_relative_P(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	if (q->num_rel == 0)
		return;
	for (int c = 0; c < m->ncuts; c++)
		out[c] = (double) rel_in_top(q, m->cuts[c], f->relevance_level) /
			(double) Min(m->cuts[c], q->num_rel);
}

void
hn_m_success(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	for (int c = 0; c < m->ncuts; c++)
		out[c] = rel_in_top(q, m->cuts[c], f->relevance_level) > 0 ? 1.0 : 0.0;
}

void
hn_m_unj(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	for (int c = 0; c < m->ncuts; c++)
		out[c] = (double) unjudged_in_top(q, m->cuts[c]) / (double) m->cuts[c];
}

/* Judged@k = 1 - unj.k: the share of the top k (padded) that is judged. */
void
hn_m_judged(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	for (int c = 0; c < m->ncuts; c++)
		out[c] = 1.0 - (double) unjudged_in_top(q, m->cuts[c]) / (double) m->cuts[c];
}

void
hn_m_Rprec(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	int64		k = Min(q->n, q->num_rel);

	if (k == 0)
		return;
	out[0] = (double) rel_in_top(q, k, f->relevance_level) / (double) q->num_rel;
}

/*
 * Precision at multiples x of R, the cut-off being (long)(x*R + 0.9) as in
 * trec_eval; a cut-off of 0 leaves the value 0, one beyond the list pads.
 */
void
hn_m_Rprec_mult(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	for (int c = 0; c < m->nnumbers; c++)
	{
		int64		k = (int64) (m->numbers[c] * q->num_rel + 0.9);

		if (k > q->n)
			out[c] = (double) q->num_rel_ret / (double) k;
		else if (k > 0)
			out[c] = (double) rel_in_top(q, k, f->relevance_level) / (double) k;
	}
}
