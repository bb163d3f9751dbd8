/*
 * calibration.c
 *		Self-supervised re-pooling calibration of p_false_negative (see
 *		calibration.h for the model and docs/false-negatives.md for why).
 */
#include "postgres.h"

#include <math.h>

#include "falseneg/calibration.h"
#include "falseneg/falseneg.h"
#include "miscadmin.h"


/*
 * Judged depth of each pooled run: the longest prefix of ranks 1..r whose
 * judged share (over all queries) is at least one half.  A fixed-depth pool
 * gives its depth exactly; ranks judged only because another run pooled the
 * document stay below one half and do not extend it.
 */
static void
infer_depths(HnFnCalib *c)
{
	HnFnRuns   *runs = &c->pool->runs;
	int32		top = 0;
	int64	   *n_docs,
			   *n_judged;

	for (int64 i = 0; i < runs->n; i++)
		top = Max(top, runs->rank[i]);
	for (int64 i = 0; i < runs->n; i++)
		c->maxrank[runs->run[i]] = Max(c->maxrank[runs->run[i]], runs->rank[i]);
	n_docs = palloc0(sizeof(int64) * c->nruns * (top + 1));
	n_judged = palloc0(sizeof(int64) * c->nruns * (top + 1));
	for (int64 i = 0; i < runs->n; i++)
	{
		int64		cell = (int64) runs->run[i] * (top + 1) + runs->rank[i];
		int32		rel;
		bool		in_qrels;

		CHECK_FOR_INTERRUPTS();
		n_docs[cell]++;
		if (hn_fn_judge(c->qr, runs->qid, i, runs->did, i, c->level, &rel, &in_qrels) != HN_FN_UNJUDGED)
			n_judged[cell]++;
	}
	for (int s = 0; s < c->nruns; s++)
	{
		int32		r = 0;

		while (r < top && n_docs[(int64) s * (top + 1) + r + 1] > 0 &&
			   2 * n_judged[(int64) s * (top + 1) + r + 1] >= n_docs[(int64) s * (top + 1) + r + 1])
			r++;
		c->depth[s] = r;
		c->kmax = Max(c->kmax, r);
	}
	pfree(n_docs);
	pfree(n_judged);
}

/*
 * A document a run did not retrieve sits somewhere past its last rank L:
 * taken uniformly among ranks L + 1 .. N (N the documents the runs name),
 * its expected log rank is the mean of log r over that interval.
 */
static void
absent_ranks(HnFnCalib *c)
{
	HnFnRuns   *runs = &c->pool->runs;
	int64	   *order = hn_ids_sort_order(runs->did, runs->n);
	int64		ndocs = runs->n > 0 ? 1 : 0;

	for (int64 i = 1; i < runs->n; i++)
		ndocs += hn_ids_compare(runs->did, order[i - 1], runs->did, order[i]) != 0;
	pfree(order);
	for (int s = 0; s < c->nruns; s++)
	{
		double		a = c->maxrank[s] + 1.0,
					b = (double) ndocs;

		c->log_absent[s] = b > a + 1.0 ?
			(b * log(b) - b - a * log(a) + a) / (b - a) : log(a);
	}
}

void
hn_fn_calib_init(HnFnCalib *c, HnFnPool *pool, const HnJudgments *qr, int32 level)
{
	memset(c, 0, sizeof(HnFnCalib));
	c->cxt = CurrentMemoryContext;
	c->pool = pool;
	c->qr = qr;
	c->level = level;
	c->nruns = pool->runs.nruns;
	c->nfeat = c->nruns + 2;
	c->depth = palloc0(sizeof(double) * Max(c->nruns, 1));
	c->maxrank = palloc0(sizeof(int32) * Max(c->nruns, 1));
	c->ranks = palloc0(sizeof(int32) * Max(c->nruns, 1));
	c->feat = palloc0(sizeof(double) * c->nfeat);
	c->w = palloc0(sizeof(double) * (c->nfeat + 1));
	c->cap = 1024;
	c->x = palloc(sizeof(double) * c->cap * c->nfeat);
	c->y = palloc(sizeof(bool) * c->cap);
	c->log_absent = palloc0(sizeof(double) * Max(c->nruns, 1));
	infer_depths(c);
	absent_ranks(c);
}

/*
 * The smallest scale f at which a pool stopping at f * D_S of every run
 * would have judged the pair: min over runs of r_S / D_S (HUGE_VAL when no
 * pooled run retrieved it).
 */
static double
pooled_scale(const HnFnCalib *c, const int32 *ranks)
{
	double		f = HUGE_VAL;

	for (int s = 0; s < c->nruns; s++)
		if (c->depth[s] > 0 && ranks[s] > 0)
			f = Min(f, ranks[s] / c->depth[s]);
	return f;
}

static double
rate_logit(int64 rel, int64 judged)
{
	double		r = ((double) rel + 0.5) / ((double) judged + 1.0);

	return log(r / (1.0 - r));
}

/* The query's judged pairs with the scale that pooled them (cached per query). */
static void
query_info(HnFnCalib *c, const HnIds *qids, int64 qi)
{
	const HnJudgments *qr = c->qr;
	int64		lo,
				hi;

	if (c->last_q == qids && c->last_qi == qi)
		return;
	hn_pair_query_range(&qr->ix, qids, qi, &lo, &hi);
	if (hi - lo > c->qcap)
	{
		c->qcap = Max(hi - lo, 2 * c->qcap);
		/* in the model's context: callers reset theirs between queries */
		c->qscale = c->qscale ? repalloc(c->qscale, sizeof(double) * c->qcap) :
			MemoryContextAlloc(c->cxt, sizeof(double) * c->qcap);
		c->qrel = c->qrel ? repalloc(c->qrel, sizeof(bool) * c->qcap) :
			MemoryContextAlloc(c->cxt, sizeof(bool) * c->qcap);
	}
	c->qn = 0;
	for (int64 pos = lo; pos < hi; pos++)
	{
		int64		row = qr->ix.order[pos];

		if (qr->rel[row] < 0)
			continue;
		hn_fn_pool_pair_ranks(c->pool, qr->qid, row, qr->did, row, c->ranks);
		c->qscale[c->qn] = pooled_scale(c, c->ranks);
		c->qrel[c->qn] = qr->rel[row] >= c->level;
		c->qn++;
	}
	c->last_q = qids;
	c->last_qi = qi;
}

/* logit of the query's relevant rate among what a pool of scale f judged (f >= 1: all). */
static double
query_rate(const HnFnCalib *c, double f)
{
	int64		j = 0,
				r = 0;

	for (int64 i = 0; i < c->qn; i++)
		if (f >= 1.0 || c->qscale[i] <= f)
		{
			j++;
			r += c->qrel[i];
		}
	return rate_logit(r, j);
}

/*
 * Features of a pair with pooled ranks c->ranks: absolute log ranks (how
 * relevance falls with rank does not depend on where the judges stopped),
 * and the query's relevant rate qfeat in the pool it is judged against.
 */
static void
features(HnFnCalib *c, int32 rank, double qfeat)
{
	for (int s = 0; s < c->nruns; s++)
	{
		double		lr = c->ranks[s] > 0 ? log((double) c->ranks[s]) : c->log_absent[s];

		c->feat[s] = c->depth[s] > 0 ? lr : 0.0;
	}
	c->feat[c->nruns] = log((double) Max(rank, 1));
	c->feat[c->nruns + 1] = qfeat;
}

static void
add_example(HnFnCalib *c, bool y)
{
	if (c->n == c->cap)
	{
		c->cap *= 2;
		c->x = repalloc(c->x, sizeof(double) * c->cap * c->nfeat);
		c->y = repalloc(c->y, sizeof(bool) * c->cap);
	}
	memcpy(c->x + c->n * c->nfeat, c->feat, sizeof(double) * c->nfeat);
	c->y[c->n] = y;
	c->n_pos += y;
	c->n++;
}

/*
 * A judged candidate is an example for every shallower pool that would have
 * missed it: scales f = k / K (K the deepest judged depth, k = 1..K-1) below
 * its pooled scale.  Shallow scales put examples at large rank ratios, where
 * the unjudged candidates of the real pool are.
 */
void
hn_fn_calib_observe(HnFnCalib *c, const HnIds *qids, int64 qi,
					const HnIds *dids, const int64 *di, const int32 *ranks, int n)
{
	for (int i = 0; i < n; i++)
	{
		int32		rel;
		bool		in_qrels;
		int			j = hn_fn_judge(c->qr, qids, qi, dids, di[i], c->level, &rel, &in_qrels);
		double		fmin;

		if (j == HN_FN_UNJUDGED)
			continue;
		query_info(c, qids, qi);	/* first: it uses c->ranks too */
		hn_fn_pool_pair_ranks(c->pool, qids, qi, dids, di[i], c->ranks);
		fmin = pooled_scale(c, c->ranks);
		if (fmin > 1.0)
			continue;			/* judged, but not through the pool */
		for (int k = 1; k < c->kmax && (double) k / c->kmax < fmin; k++)
		{
			double		f = (double) k / c->kmax;

			features(c, ranks[i], query_rate(c, f));
			add_example(c, j == HN_FN_POSITIVE);
		}
	}
}

void
hn_fn_calib_fit(HnFnCalib *c)
{
	int		   *sign = palloc0(sizeof(int) * c->nfeat);

	for (int s = 0; s < c->nruns; s++)
		sign[s] = -1;
	sign[c->nruns] = -1;
	sign[c->nruns + 1] = +1;
	c->iterations = hn_fn_logistic_fit(c->x, c->y, c->n, c->nfeat, sign,
									   HN_FN_CALIB_RIDGE, c->w);
	c->fitted = true;
	pfree(sign);
}

double
hn_fn_calib_p(HnFnCalib *c, const HnIds *qids, int64 qi, const HnIds *dids, int64 di, int32 rank)
{
	double		z = c->w[0];

	Assert(c->fitted);
	query_info(c, qids, qi);	/* first: it uses c->ranks too */
	hn_fn_pool_pair_ranks(c->pool, qids, qi, dids, di, c->ranks);
	features(c, rank, query_rate(c, 1.0));
	for (int j = 0; j < c->nfeat; j++)
		z += c->w[j + 1] * c->feat[j];
	return 1.0 / (1.0 + exp(-z));
}

const char *
hn_fn_calib_feature_name(const HnFnCalib *c, int j, char *buf, size_t len)
{
	if (j < c->nruns)
		snprintf(buf, len, "log_rank:%s", c->pool->runs.run_names[j]);
	else if (j == c->nruns)
		snprintf(buf, len, "log_mining_rank");
	else
		snprintf(buf, len, "query_relevant_rate_logit");
	return buf;
}

/* Solves the SPD system a x = b (k x k, row-major) in place by Cholesky. */
static bool
cholesky_solve(double *a, double *b, int k)
{
	for (int j = 0; j < k; j++)
	{
		double		d = a[j * k + j];

		for (int m = 0; m < j; m++)
			d -= a[j * k + m] * a[j * k + m];
		if (d <= 0.0)
			return false;
		a[j * k + j] = sqrt(d);
		for (int i = j + 1; i < k; i++)
		{
			double		s = a[i * k + j];

			for (int m = 0; m < j; m++)
				s -= a[i * k + m] * a[j * k + m];
			a[i * k + j] = s / a[j * k + j];
		}
	}
	for (int i = 0; i < k; i++)
	{
		for (int m = 0; m < i; m++)
			b[i] -= a[i * k + m] * b[m];
		b[i] /= a[i * k + i];
	}
	for (int i = k - 1; i >= 0; i--)
	{
		for (int m = i + 1; m < k; m++)
			b[i] -= a[m * k + i] * b[m];
		b[i] /= a[i * k + i];
	}
	return true;
}

/*
 * Newton steps on the penalised log-likelihood over the free coefficients
 * (intercept and the slopes not held at 0).  Returns the iterations used.
 */
static int
newton(const double *x, const bool *y, int64 n, int nfeat, const bool *held,
	   double ridge, double *w)
{
	int			k = nfeat + 1;
	double	   *h = palloc(sizeof(double) * k * k);
	double	   *g = palloc(sizeof(double) * k);
	int			it;

	for (it = 1; it <= 50; it++)
	{
		double		step = 0.0;

		memset(h, 0, sizeof(double) * k * k);
		memset(g, 0, sizeof(double) * k);
		for (int64 i = 0; i < n; i++)
		{
			const double *xi = x + i * nfeat;
			double		z = w[0],
						p,
						v;

			CHECK_FOR_INTERRUPTS();
			for (int j = 0; j < nfeat; j++)
				z += w[j + 1] * xi[j];
			p = 1.0 / (1.0 + exp(-z));
			v = p * (1.0 - p);
			for (int a = 0; a < k; a++)
			{
				double		xa = a == 0 ? 1.0 : xi[a - 1];

				g[a] += ((y[i] ? 1.0 : 0.0) - p) * xa;
				for (int b = 0; b <= a; b++)
					h[a * k + b] += v * xa * (b == 0 ? 1.0 : xi[b - 1]);
			}
		}
		for (int a = 0; a < k; a++)
		{
			for (int b = 0; b < a; b++)
				h[b * k + a] = h[a * k + b];
			if (a > 0)
			{
				g[a] -= ridge * w[a];
				h[a * k + a] += ridge;
			}
			/* a held slope: identity row, zero step */
			if (a > 0 && held[a - 1])
			{
				for (int b = 0; b < k; b++)
					h[a * k + b] = h[b * k + a] = 0.0;
				h[a * k + a] = 1.0;
				g[a] = 0.0;
			}
		}
		h[0] += 1e-9;			/* all labels equal: the intercept runs off slowly */
		if (!cholesky_solve(h, g, k))
			break;
		for (int a = 0; a < k; a++)
		{
			w[a] += g[a];
			step = Max(step, fabs(g[a]));
		}
		if (step < 1e-10)
			break;
	}
	pfree(h);
	pfree(g);
	return it;
}

int
hn_fn_logistic_fit(const double *x, const bool *y, int64 n, int nfeat,
				   const int *sign, double ridge, double *w)
{
	bool	   *held;
	int			total = 0;
	int64		npos = 0;

	memset(w, 0, sizeof(double) * (nfeat + 1));
	for (int64 i = 0; i < n; i++)
		npos += y[i];
	if (npos == 0 || npos == n)
	{
		/* nothing to separate: the half-smoothed base rate, no slopes */
		w[0] = rate_logit(npos, n);
		return 0;
	}
	held = palloc0(sizeof(bool) * nfeat);
	for (;;)
	{
		int			worst = -1;
		double		worst_v = 0.0;

		total += newton(x, y, n, nfeat, held, ridge, w);
		for (int j = 0; j < nfeat; j++)
		{
			double		v = sign[j] * w[j + 1];

			if (!held[j] && v < worst_v)
			{
				worst_v = v;
				worst = j;
			}
		}
		if (worst < 0)
			break;
		held[worst] = true;
		w[worst + 1] = 0.0;
	}
	pfree(held);
	return total;
}
