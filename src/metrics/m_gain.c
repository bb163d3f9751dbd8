/*
 * m_gain.c
 *		Graded-gain measures: ndcg, dcg, ideal_dcg, ndcg_rel, Rndcg, G,
 *		ndcg_cut, rbp, rbp_resid.  They use raw grades and ignore -l.
 *
 * The gain of grade g is g unless a "g=gain" parameter overrides it.  The
 * ideal ranking takes the judged docs of every grade (whole qrels), highest
 * gain first, and stops at the first gain <= 0.  Gains are ordered with
 * trec_eval's comparator, which truncates the difference of two gains to an
 * integer: gains less than 1 apart compare equal and keep their input order
 * (grades given as parameters first, then the other grades ascending).
 */
#include "postgres.h"

#include <math.h>

#include "metrics/metrics.h"

typedef struct GainLevel
{
	long		grade;
	double		gain;
	int64		count;			/* judged docs with this grade */
} GainLevel;

typedef struct Gains
{
	int			n;
	GainLevel  *levels;			/* ascending gain */
} Gains;

/* Walks the ideal ranking: gain of the next ideal doc, 0 when exhausted. */
typedef struct IdealWalk
{
	const Gains *gains;
	int			cur;
	int64		taken;
	double		gain;
} IdealWalk;

static bool
is_integer_name(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int
truncated_cmp(double a, double b)
{
	return (int) (a - b);
}

static void
setup_gains(const HnMeasure *m, const HnQueryEval *q, Gains *g)
{
	g->levels = palloc(sizeof(GainLevel) * (m->npairs + q->num_levels + 1));
	g->n = 0;
	for (int i = 0; i < m->npairs; i++)
	{
		if (!is_integer_name(m->pairs[i].name))
			continue;
		g->levels[g->n].grade = atol(m->pairs[i].name);
		g->levels[g->n].gain = m->pairs[i].value;
		g->levels[g->n].count = 0;
		g->n++;
	}
	for (int lv = 0; lv < q->num_levels; lv++)
	{
		int			j;

		for (j = 0; j < g->n && g->levels[j].grade != lv; j++)
			;
		if (j < g->n)
			g->levels[j].count = q->levels[lv];
		else
		{
			g->levels[g->n].grade = lv;
			g->levels[g->n].gain = (double) lv;
			g->levels[g->n].count = q->levels[lv];
			g->n++;
		}
	}
	/* stable insertion sort: the list is a handful of grades */
	for (int i = 1; i < g->n; i++)
	{
		GainLevel	x = g->levels[i];
		int			j = i - 1;

		while (j >= 0 && truncated_cmp(g->levels[j].gain, x.gain) > 0)
		{
			g->levels[j + 1] = g->levels[j];
			j--;
		}
		g->levels[j + 1] = x;
	}
}

static double
gain_of(const Gains *g, int32 value)
{
	for (int i = 0; i < g->n; i++)
		if (g->levels[i].grade == value)
			return g->levels[i].gain;
	return 0.0;
}

static void
ideal_start(IdealWalk *w, const Gains *g)
{
	w->gains = g;
	w->cur = g->n - 1;
	w->taken = 0;
	w->gain = w->cur >= 0 ? g->levels[w->cur].gain : 0.0;
}

/* Advances to the next ideal position; returns its gain. */
static double
ideal_step(IdealWalk *w)
{
	w->taken++;
	while (w->cur >= 0 && w->taken > w->gains->levels[w->cur].count)
	{
		w->taken = 1;
		w->cur--;
		w->gain = w->cur >= 0 ? w->gains->levels[w->cur].gain : 0.0;
	}
	return w->gain;
}

static inline double
discount(int64 i)
{
	return log2((double) (i + 2));
}

/* DCG of the run and of the ideal ranking, both over their full length. */
static void
dcg_pair(const HnMeasure *m, const HnQueryEval *q, double *dcg, double *idcg)
{
	Gains		g;
	IdealWalk	w;
	int64		i;

	setup_gains(m, q, &g);
	ideal_start(&w, &g);
	*dcg = 0.0;
	*idcg = 0.0;
	for (i = 0; i < q->n; i++)
	{
		double		rg = gain_of(&g, q->rel[i]);

		if (rg != 0)
			*dcg += rg / discount(i);
	}
	for (i = 0; w.gain > 0.0; i++)
	{
		double		ig = ideal_step(&w);

		if (ig > 0.0)
			*idcg += ig / discount(i);
	}
	pfree(g.levels);
}

void
hn_m_ndcg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	double		dcg,
				idcg;

	dcg_pair(m, q, &dcg, &idcg);
	if (idcg > 0.0)
		out[0] = dcg / idcg;
}

void
hn_m_dcg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	double		dcg,
				idcg;

	dcg_pair(m, q, &dcg, &idcg);
	out[0] = dcg;
}

void
hn_m_ideal_dcg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	double		dcg,
				idcg;

	dcg_pair(m, q, &dcg, &idcg);
	out[0] = idcg;
}

/*
 * ndcg_rel: nDCG averaged at each relevant (gain > 0) doc; relevant docs the
 * ideal ranking has but the run misses take the final DCG / IDCG.
 */
void
hn_m_ndcg_rel(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	Gains		g;
	IdealWalk	w;
	double		dcg = 0.0,
				idcg = 0.0,
				sum = 0.0;
	int64		num_rel = 0,
				num_rel_ret = 0,
				i;

	setup_gains(m, q, &g);
	ideal_start(&w, &g);
	for (i = 0; i < q->n; i++)
	{
		double		rg = gain_of(&g, q->rel[i]);

		if (rg != 0)
			dcg += rg / discount(i);
		if (w.gain > 0.0)
		{
			double		ig = ideal_step(&w);

			if (ig > 0.0)
			{
				num_rel++;
				idcg += ig / discount(i);
			}
		}
		if (rg > 0)
		{
			sum += dcg / idcg;
			num_rel_ret++;
		}
	}
	for (; w.gain > 0.0; i++)
	{
		double		ig = ideal_step(&w);

		if (ig > 0.0)
		{
			num_rel++;
			idcg += ig / discount(i);
		}
	}
	sum += (double) (num_rel - num_rel_ret) * dcg / idcg;
	if (sum > 0.0)
		out[0] = sum / (double) num_rel;
	pfree(g.levels);
}

/* One nDCG sample for Rndcg's average (none while the ideal DCG is 0). */
static void
add_ndcg_point(double dcg, double idcg, double *sum, int64 *changes)
{
	if (idcg > 0.0)
	{
		*sum += dcg / idcg;
		(*changes)++;
	}
}

/*
 * Rndcg: nDCG averaged at the ranks where the ideal gain changes (the R
 * levels of each grade), plus the end of the run if it is longer.
 */
void
hn_m_Rndcg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	Gains		g;
	IdealWalk	w;
	double		dcg = 0.0,
				idcg = 0.0,
				sum = 0.0,
				old_gain;
	int64		changes = 0,
				i;

	if (q->num_rel == 0)
		return;
	setup_gains(m, q, &g);
	ideal_start(&w, &g);
	old_gain = w.gain;
	for (i = 0; i < q->n && w.gain > 0.0; i++)
	{
		double		rg = gain_of(&g, q->rel[i]);
		double		ig = ideal_step(&w);

		if (old_gain != ig)
		{
			add_ndcg_point(dcg, idcg, &sum, &changes);
			old_gain = ig;
		}
		if (rg != 0)
			dcg += rg / discount(i);
		if (ig > 0.0)
			idcg += ig / discount(i);
	}
	if (i < q->n)
	{
		for (; i < q->n; i++)
		{
			double		rg = gain_of(&g, q->rel[i]);

			if (rg != 0)
				dcg += rg / discount(i);
		}
		add_ndcg_point(dcg, idcg, &sum, &changes);
	}
	for (; w.gain > 0.0; i++)
	{
		double		ig = ideal_step(&w);

		if (old_gain != ig)
		{
			add_ndcg_point(dcg, idcg, &sum, &changes);
			old_gain = ig;
		}
		if (ig > 0.0)
			idcg += ig / discount(i);
	}
	out[0] = sum / (double) changes;
	pfree(g.levels);
}

/*
 * G: each doc's gain divided by log2(2 + cost), cost = ideal gain so far
 * (at least 1 per rank) minus the run's gain so far; normalised by the
 * total ideal gain.
 */
void
hn_m_G(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	Gains		g;
	IdealWalk	w;
	double		sum_results = 0.0,
				sum_ideal = 0.0,
				sum_cost = 0.0,
				result = 0.0;
	int64		i;

	setup_gains(m, q, &g);
	ideal_start(&w, &g);
	for (i = 0; i < q->n; i++)
	{
		double		rg = gain_of(&g, q->rel[i]);

		sum_results += rg;
		if (w.gain > 0.0)
		{
			double		ig = ideal_step(&w);

			if (ig > 0.0)
				sum_ideal += ig;
			sum_cost += ig >= 1.0 ? ig : 1.0;
		}
		else
			sum_cost += 1.0;
		if (rg != 0)
			result += rg / log2(2.0 + sum_cost - sum_results);
	}
	while (w.gain > 0.0)
	{
		double		ig = ideal_step(&w);

		if (ig > 0.0)
			sum_ideal += ig;
	}
	if (sum_ideal > 0.0)
		out[0] = result / sum_ideal;
	pfree(g.levels);
}

/*
 * ndcg_cut: DCG@k / IDCG@k with raw grades (no custom gains); when the
 * ideal DCG is 0 the value is the DCG itself (0).
 */
void
hn_m_ndcg_cut(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	for (int c = 0; c < m->ncuts; c++)
	{
		int64		k = m->cuts[c];
		int64		end = Min(k, q->n);
		double		dcg = 0.0,
					idcg = 0.0;
		int64		pos = 0;

		for (int64 i = 0; i < end; i++)
			if (q->rel[i] > 0)
				dcg += q->rel[i] / discount(i);
		for (int grade = q->num_levels - 1; grade > 0 && pos < k; grade--)
			for (int64 j = 0; j < q->levels[grade] && pos < k; j++, pos++)
				idcg += grade / discount(pos);
		out[c] = idcg > 0.0 ? dcg / idcg : dcg;
	}
}

/* The persistence p of rbp / rbp_resid: parameter "p", default 0.9. */
static double
persistence(const HnMeasure *m)
{
	double		p = 0.9;

	for (int i = 0; i < m->npairs; i++)
		if (strcmp(m->pairs[i].name, "p") == 0)
			p = m->pairs[i].value;
	return p;
}

/*
 * rbp: (1-p) * sum gain_i p^(i-1).  Gains outside [0,1] are rescaled to
 * (g - min) / (max - min), min and max taken over the gains with 0 included
 * (trec_eval leaves them uninitialised; this is its unoptimised behaviour).
 */
void
hn_m_rbp(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	Gains		g;
	double		p = persistence(m),
				min = 0.0,
				max = 0.0,
				sum = 0.0,
				w = 1.0;

	setup_gains(m, q, &g);
	for (int i = 0; i < g.n; i++)
	{
		min = Min(min, g.levels[i].gain);
		max = Max(max, g.levels[i].gain);
	}
	if (min < 0 || max > 1)
		for (int i = 0; i < g.n; i++)
			g.levels[i].gain = (g.levels[i].gain - min) / (max - min);
	for (int64 i = 0; i < q->n; i++)
	{
		double		gain = gain_of(&g, q->rel[i]);

		if (gain != 0)
			sum += gain * w;
		w *= p;
	}
	out[0] = (1.0 - p) * sum;
	pfree(g.levels);
}

/* Residual: the RBP mass unjudged docs and the tail could still add. */
void
hn_m_rbp_resid(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out)
{
	double		p = persistence(m),
				sum = 0.0,
				w = 1.0;
	int64		unjudged = 0;

	for (int64 i = 0; i < q->n; i++)
	{
		if (q->rel[i] < 0)
		{
			unjudged++;
			sum += w;
		}
		w *= p;
	}
	if (unjudged > 0)
		out[0] = w + (1 - p) * sum;
}
