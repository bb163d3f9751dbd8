/*
 * propensity.c
 *		Pooling-bias propensities and the false-negative probability (F5).
 *
 * Judges saw the top ranks of the pooled runs; a document that no pooled run
 * put high was never judged, so its absence from the qrels says little.  The
 * model: judged = selected AND assessed; selection depends only on the rank
 * bucket in each pooled run (independently across runs); relevance is
 * missing at random given the mining-rank bucket.  See docs/false-negatives.md.
 */
#include "postgres.h"

#include "falseneg/falseneg.h"

void
hn_fn_check_edges(const int32 *edges, int nedges, const char *param)
{
	if (nedges < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", param),
				 errhint("Pass rank bucket edges such as '{1,2,4,11,21,51,101,1001}'.")));
	if (edges[0] != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must start at rank 1, not %d", param, edges[0]),
				 errhint("Ranks are 1-based; the first bucket starts at 1.")));
	for (int i = 1; i < nedges; i++)
		if (edges[i] <= edges[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be strictly increasing (%d follows %d)",
							param, edges[i], edges[i - 1]),
					 errhint("Each edge is the first rank of a bucket.")));
}

/* Binary search for the last edge <= rank; ranks start at edges[0] = 1. */
int
hn_fn_bucket(const int32 *edges, int nedges, int64 rank)
{
	int			lo = 0,
				hi = nedges - 1;

	Assert(rank >= edges[0]);
	while (lo < hi)
	{
		int			mid = (lo + hi + 1) / 2;

		if (edges[mid] <= rank)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

double
hn_fn_judging_rate(int64 n_judged, int64 n_docs)
{
	return n_docs > 0 ? (double) n_judged / (double) n_docs : 0.0;
}

double
hn_fn_pool_pi(const double *pi_runs, int nruns)
{
	double		missed = 1.0;

	for (int i = 0; i < nruns; i++)
		missed *= 1.0 - pi_runs[i];
	return 1.0 - missed;
}

double
hn_fn_rho(int64 n_relevant, int64 n_judged, double alpha, double beta)
{
	return ((double) n_relevant + alpha) / ((double) n_judged + alpha + beta);
}

/*
 * Bayes on the observation "not judged-relevant": among pairs of the bucket a
 * share rho is relevant, a share pi of those was selected and so would carry
 * a label; what remains unlabelled is relevant with probability
 * rho (1 - pi) / (1 - rho pi).  At pi = 1 (surely judged) that is 0; the
 * denominator only vanishes when rho = pi = 1, an impossible observation.
 */
double
hn_fn_p_propensity(double rho, double pi)
{
	double		denom = 1.0 - rho * pi;

	if (denom <= 0.0)
		return 0.0;
	return rho * (1.0 - pi) / denom;
}

void
hn_fn_propensity_score(int nbuckets, int64 n, const int *bucket,
					   const HnFnJudgement *judgement, const double *pi,
					   double alpha, double beta,
					   double *rho, double *p)
{
	int64	   *n_judged = palloc0(sizeof(int64) * nbuckets);
	int64	   *n_relevant = palloc0(sizeof(int64) * nbuckets);

	for (int64 i = 0; i < n; i++)
	{
		if (judgement[i] == HN_FN_UNJUDGED)
			continue;
		n_judged[bucket[i]]++;
		if (judgement[i] == HN_FN_POSITIVE)
			n_relevant[bucket[i]]++;
	}
	for (int b = 0; b < nbuckets; b++)
		rho[b] = hn_fn_rho(n_relevant[b], n_judged[b], alpha, beta);
	for (int64 i = 0; i < n; i++)
		p[i] = judgement[i] == HN_FN_UNJUDGED ?
			hn_fn_p_propensity(rho[bucket[i]], pi[i]) : hn_fn_p_judged(judgement[i]);
	pfree(n_judged);
	pfree(n_relevant);
}
