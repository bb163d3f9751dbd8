/*
 * compare.c
 *		compare_runs(): per-query values of one measure for several runs,
 *		each compared with a baseline by a paired test, p-values corrected
 *		with Holm's step-down method over the comparisons.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "io/srf.h"
#include "kernels/rng.h"
#include "metrics/metrics.h"
#include "metrics/stats.h"
#include "miscadmin.h"
#include "utils/builtins.h"

typedef enum TestKind
{
	TEST_TTEST,
	TEST_RANDOMIZATION,
	TEST_BOOTSTRAP,
	TEST_TUKEY
} TestKind;

typedef struct Comparison
{
	const char *run_id;
	int			n;				/* paired queries */
	double		mean_base;
	double		mean_run;
	HnTestResult res;
} Comparison;

static TestKind
parse_test(const char *name)
{
	if (strcmp(name, "ttest") == 0 || strcmp(name, "t-test") == 0 || strcmp(name, "student") == 0)
		return TEST_TTEST;
	if (strcmp(name, "randomization") == 0 || strcmp(name, "fisher") == 0 ||
		strcmp(name, "permutation") == 0)
		return TEST_RANDOMIZATION;
	if (strcmp(name, "bootstrap") == 0)
		return TEST_BOOTSTRAP;
	if (strcmp(name, "tukey") == 0 || strcmp(name, "tukey_hsd") == 0 || strcmp(name, "hsd") == 0)
		return TEST_TUKEY;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown test \"%s\"", name),
			 errhint("Valid tests: ttest (paired Student t), randomization (Fisher, sign flips), bootstrap, tukey (Tukey HSD over all runs).")));
	return TEST_TTEST;			/* keep compiler quiet */
}

/* The measure must give one value per query whose summary is a mean. */
HnMeasureSet *
hn_measure_single(const char *name)
{
	char	   *names[1] = {(char *) name};
	HnMeasureSet *set = hn_measures_parse(names, 1);

	if (set->nvalues != 1 || set->measures[0].def->summary != HN_SUMMARY_MEAN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("measure \"%s\" does not give one averaged value per query", name),
				 errhint("Name one value of a mean-summarised measure, e.g. map, ndcg_cut.10, P.10, nDCG@10.")));
	return set;
}

/* Differences run - baseline over the queries both runs evaluated. */
static double *
paired(const HnRunEval *base, const HnRunEval *run, Comparison *c)
{
	double	   *d = palloc(sizeof(double) * Max(base->nq, 1));
	int			i = 0,
				j = 0;

	c->n = 0;
	c->mean_base = c->mean_run = 0.0;
	while (i < base->nq && j < run->nq)
	{
		int			cmp = strcmp(base->qids[i], run->qids[j]);

		if (cmp == 0)
		{
			c->mean_base += base->values[i];
			c->mean_run += run->values[j];
			d[c->n++] = run->values[j] - base->values[i];
			i++, j++;
		}
		else if (cmp < 0)
			i++;
		else
			j++;
	}
	if (c->n > 0)
	{
		c->mean_base /= c->n;
		c->mean_run /= c->n;
	}
	return d;
}

static void
run_test(TestKind kind, const double *d, Comparison *c, int resamples, double confidence,
		 uint64 seed)
{
	uint64		key = hn_hash_bytes(c->run_id, strlen(c->run_id));

	switch (kind)
	{
		case TEST_TTEST:
			c->res = hn_ttest(d, c->n, confidence);
			break;
		case TEST_RANDOMIZATION:
			c->res = hn_bootstrap(d, c->n, resamples, confidence, seed, key);
			c->res.p_value = hn_randomization_p(d, c->n, resamples, seed, key);
			break;
		case TEST_BOOTSTRAP:
			c->res = hn_bootstrap(d, c->n, resamples, confidence, seed, key);
			break;
		case TEST_TUKEY:
			break;				/* over all runs at once: tukey_rows() */
	}
}

static void
check_parameters(int resamples, double confidence)
{
	if (resamples < 1 || resamples > 10000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("resamples must be between 1 and 10000000, got %d", resamples),
				 errhint("10000 resamples give p-values within about 0.005.")));
	if (!(confidence > 0.0 && confidence < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence must be between 0 and 1 (exclusive), got %g", confidence),
				 errhint("Use 0.95 for a 95%% interval.")));
}

static Datum
float_or_null(double v, bool *isnull)
{
	*isnull = isnan(v);
	return Float8GetDatum(v);
}

static void
emit(HnSrf *srf, const char *baseline, const char *measure, Comparison *c, double p_holm)
{
	Datum		v[11];
	bool		n[11] = {false};

	v[0] = CStringGetTextDatum(baseline);
	v[1] = CStringGetTextDatum(c->run_id);
	v[2] = CStringGetTextDatum(measure);
	v[3] = Int32GetDatum(c->n);
	v[4] = float_or_null(c->n > 0 ? c->mean_base : NAN, &n[4]);
	v[5] = float_or_null(c->n > 0 ? c->mean_run : NAN, &n[5]);
	v[6] = float_or_null(c->n > 0 ? c->mean_run - c->mean_base : NAN, &n[6]);
	v[7] = float_or_null(c->res.p_value, &n[7]);
	v[8] = float_or_null(p_holm, &n[8]);
	v[9] = float_or_null(c->res.ci_low, &n[9]);
	v[10] = float_or_null(c->res.ci_high, &n[10]);
	hn_srf_put(srf, v, n);
}

static int
find_baseline(HnRunSlice *runs, int nruns, const char *baseline)
{
	if (nruns < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("compare_runs needs at least two runs, got %d", nruns),
				 errhint("The runs query returns run_id, query_id, doc_id, score for every run.")));
	if (baseline == NULL)
		return 0;
	for (int r = 0; r < nruns; r++)
		if (strcmp(runs[r].run_id, baseline) == 0)
			return r;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("baseline run \"%s\" is not among the runs", baseline),
			 errhint("Pass a run_id the runs query returns, or NULL for the first in byte order.")));
	return 0;
}

/*
 * Queries every run evaluated (qrels order), as positions into each run's
 * values: pos[r * n + i] is query i's row in run r.  Returns n.
 */
static int
common_queries(HnRunEval **evals, int nruns, int **pos_out)
{
	int		   *at = palloc0(sizeof(int) * nruns);
	int		   *pos = palloc(sizeof(int) * nruns * Max(evals[0]->nq, 1));
	int			n = 0;

	for (int i = 0; i < evals[0]->nq; i++)
	{
		const char *qid = evals[0]->qids[i];
		bool		everywhere = true;

		for (int r = 1; r < nruns && everywhere; r++)
		{
			while (at[r] < evals[r]->nq && strcmp(evals[r]->qids[at[r]], qid) < 0)
				at[r]++;
			everywhere = at[r] < evals[r]->nq && strcmp(evals[r]->qids[at[r]], qid) == 0;
		}
		if (!everywhere)
			continue;
		pos[n] = i;
		for (int r = 1; r < nruns; r++)
			pos[r * evals[0]->nq + n] = at[r];
		n++;
	}
	for (int r = 1; r < nruns; r++)
		for (int i = 0; i < n; i++)
			pos[r * n + i] = pos[r * evals[0]->nq + i];
	*pos_out = pos;
	return n;
}

/*
 * Tukey HSD over all runs on the queries every run evaluated: one row per
 * pair (i < j in run_id byte order; with a baseline, its pairs only).  The
 * p-values are family-wise over all pairs already: p_holm stays NULL.
 */
static void
tukey_rows(HnSrf *srf, HnRunSlice *runs, HnRunEval **evals, int nruns, int baseline,
		   const char *measure, double confidence)
{
	int		   *pos;
	int			n = common_queries(evals, nruns, &pos);
	double	   *values = palloc(sizeof(double) * nruns * Max(n, 1));
	double	   *means = palloc(sizeof(double) * nruns);
	double		mse,
				df,
				se,
				crit;

	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Tukey's HSD needs at least 2 queries evaluated in every run, got %d", n),
				 errhint("Check that the runs cover the judged queries, or pass complete => true.")));
	for (int r = 0; r < nruns; r++)
		for (int i = 0; i < n; i++)
			values[r * n + i] = evals[r]->values[pos[r * n + i]];
	hn_tukey_setup(values, nruns, n, means, &mse, &df);
	se = sqrt(mse / n);
	crit = hn_studentized_range_ppf(confidence, nruns, df) * se;
	for (int i = 0; i < nruns; i++)
		for (int j = i + 1; j < nruns; j++)
		{
			Comparison	c = {0};
			int			b = i,
						o = j;

			CHECK_FOR_INTERRUPTS();
			if (baseline >= 0 && i != baseline && j != baseline)
				continue;
			if (j == baseline)
				b = j, o = i;
			c.run_id = runs[o].run_id;
			c.n = n;
			c.mean_base = means[b];
			c.mean_run = means[o];
			c.res.p_value = se > 0 ? hn_studentized_range_sf(fabs(means[o] - means[b]) / se, nruns, df) : NAN;
			c.res.ci_low = means[o] - means[b] - crit;
			c.res.ci_high = means[o] - means[b] + crit;
			emit(srf, runs[b].run_id, measure, &c, NAN);
		}
}

PG_FUNCTION_INFO_V1(hn_compare_runs);
Datum
hn_compare_runs(PG_FUNCTION_ARGS)
{
	HnSrf		srf;
	HnEvalFlags flags;
	HnMeasureSet *set;
	TestKind	kind;
	const char *measure;
	char	   *baseline;
	int			resamples,
				nruns,
				b;
	double		confidence,
			   *p,
			   *p_holm;
	uint64		seed;
	HnQrels    *qrels;
	HnRunRows  *all;
	char	  **run_ids;
	HnRunSlice   *runs;
	HnRunEval **evals;
	Comparison *cmp;

	for (int a = 0; a < 11; a++)
		if (PG_ARGISNULL(a) && a != 4)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument %d of compare_runs must not be NULL", a + 1),
					 errhint("Only baseline and max_rank may be NULL.")));
	measure = text_to_cstring(PG_GETARG_TEXT_PP(2));
	set = hn_measure_single(measure);
	kind = parse_test(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	baseline = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	resamples = PG_GETARG_INT32(5);
	seed = (uint64) PG_GETARG_INT64(6);
	confidence = PG_GETARG_FLOAT8(7);
	check_parameters(resamples, confidence);
	hn_eval_flags_init(&flags, PG_GETARG_BOOL(8), PG_GETARG_INT32(9), PG_GETARG_BOOL(10),
					   PG_ARGISNULL(11), PG_ARGISNULL(11) ? 0 : PG_GETARG_INT32(11));
	hn_srf_begin(fcinfo, &srf);

	qrels = hn_qrels_read(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	all = hn_run_rows_read(text_to_cstring(PG_GETARG_TEXT_PP(0)), true, &run_ids);
	hn_metrics_check_kinds(qrels, all, "runs");
	runs = hn_split_runs(all, run_ids, &nruns);
	b = find_baseline(runs, nruns, baseline);
	evals = palloc(sizeof(HnRunEval *) * nruns);
	for (int r = 0; r < nruns; r++)
		evals[r] = hn_evaluate_run(qrels, &runs[r].rows, set, &flags);

	if (kind == TEST_TUKEY)
	{
		tukey_rows(&srf, runs, evals, nruns, baseline ? b : -1, measure, confidence);
		PG_RETURN_NULL();
	}
	cmp = palloc0(sizeof(Comparison) * nruns);
	p = palloc(sizeof(double) * nruns);
	p_holm = palloc(sizeof(double) * nruns);
	for (int r = 0, k = 0; r < nruns; r++)
	{
		double	   *d;

		if (r == b)
			continue;
		cmp[k].run_id = runs[r].run_id;
		d = paired(evals[b], evals[r], &cmp[k]);
		run_test(kind, d, &cmp[k], resamples, confidence, seed);
		p[k] = cmp[k].res.p_value;
		k++;
	}
	hn_holm(p, nruns - 1, p_holm);
	for (int k = 0; k < nruns - 1; k++)
		emit(&srf, runs[b].run_id, measure, &cmp[k], p_holm[k]);
	PG_RETURN_NULL();
}
