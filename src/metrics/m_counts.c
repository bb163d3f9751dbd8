/*
 * m_counts.c
 *		Counting and set measures: num_*, utility, set_P, set_recall,
 *		set_relative_P, set_map, set_F.  They look at the retrieved set as a
 *		whole (after -M and -J), never at the order.
 */
#include "postgres.h"

#include "metrics/metrics.h"

void
hn_m_none(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	/* num_q: only a summary; nothing per query */
}

void
hn_m_num_ret(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	out[0] = (double) q->n;
}

void
hn_m_num_rel(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	out[0] = (double) q->num_rel;
}

void
hn_m_num_rel_ret(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	out[0] = (double) q->num_rel_ret;
}

void
hn_m_num_nonrel_judged_ret(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f,
						   double *out)
{
	out[0] = (double) (q->n - q->num_nonpool - q->num_unjudged - q->num_rel_ret);
}

/*
 * Contingency-table utility p1*a + p2*b + p3*c + p4*d.  d, the docs neither
 * retrieved nor relevant, needs the collection size (-N), unknown here as in
 * trec_eval without -N: it counts as 0, leaving d = a - n - R.
 */
void
hn_m_utility(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	const double *p = m->numbers;
	const int64 collection_size = 0;

	out[0] = p[0] * q->num_rel_ret +
		p[1] * (q->n - q->num_rel_ret) +
		p[2] * (q->num_rel - q->num_rel_ret) +
		p[3] * (collection_size + q->num_rel_ret - q->n - q->num_rel);
}

void
hn_m_set_P(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	if (q->n > 0)
		out[0] = (double) q->num_rel_ret / (double) q->n;
}

void
hn_m_set_relative_P(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	if (q->n > 0 && q->num_rel > 0)
		out[0] = (double) q->num_rel_ret / (double) Min(q->n, q->num_rel);
}

void
hn_m_set_recall(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	if (q->num_rel > 0)
		out[0] = (double) q->num_rel_ret / (double) q->num_rel;
}

void
hn_m_set_map(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	if (q->n > 0 && q->num_rel > 0)
		out[0] = ((double) q->num_rel_ret * (double) q->num_rel_ret) /
			((double) q->n * (double) q->num_rel);
}

/* F-beta with the parameter used as beta itself (trec_eval's convention). */
void
hn_m_set_F(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	double		beta = m->numbers[0];
	double		p,
				r;

	if (q->num_rel_ret == 0)
		return;
	p = (double) q->num_rel_ret / (double) q->n;
	r = (double) q->num_rel_ret / (double) q->num_rel;
	out[0] = (beta + 1.0) * p * r / (beta * p + r);
}
