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
#include "utils/builtins.h"

typedef enum TestKind
{
	TEST_TTEST,
	TEST_RANDOMIZATION,
	TEST_BOOTSTRAP
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
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown test \"%s\"", name),
			 errhint("Valid tests: ttest (paired Student t), randomization (Fisher, sign flips), bootstrap.")));
	return TEST_TTEST;			/* keep compiler quiet */
}

/* The measure must give one value per query whose summary is a mean. */
static HnMeasureSet *
single_measure(const char *name)
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

typedef struct RunSlice
{
	const char *run_id;
	HnRunRows	rows;
} RunSlice;

static int
cmp_str_ptr(const void *a, const void *b, void *arg)
{
	char	  **ids = arg;

	return strcmp(ids[*(const int64 *) a], ids[*(const int64 *) b]);
}

/* Splits the rows of all runs into one HnRunRows per run_id (byte order). */
static RunSlice *
split_runs(HnRunRows *all, char **run_ids, int *nruns)
{
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(all->n, 1));
	RunSlice   *slices = palloc0(sizeof(RunSlice) * Max(all->n, 1));
	int			k = -1;

	for (int64 i = 0; i < all->n; i++)
		order[i] = i;
	qsort_interruptible(order, all->n, sizeof(int64), cmp_str_ptr, run_ids);
	for (int64 i = 0; i < all->n; i++)
	{
		int64		r = order[i];
		HnRunRows  *s;

		if (k < 0 || strcmp(run_ids[r], slices[k].run_id) != 0)
		{
			int64		end = i;

			while (end < all->n && strcmp(run_ids[order[end]], run_ids[r]) == 0)
				end++;
			k++;
			slices[k].run_id = run_ids[r];
			slices[k].rows.qid = palloc(sizeof(char *) * (end - i));
			slices[k].rows.doc = palloc(sizeof(char *) * (end - i));
			slices[k].rows.score = palloc(sizeof(double) * (end - i));
		}
		s = &slices[k].rows;
		s->qid[s->n] = all->qid[r];
		s->doc[s->n] = all->doc[r];
		s->score[s->n] = all->score[r];
		s->n++;
	}
	*nruns = k + 1;
	return slices;
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
find_baseline(RunSlice *runs, int nruns, const char *baseline)
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
	RunSlice   *runs;
	HnRunEval **evals;
	Comparison *cmp;

	for (int a = 0; a < 11; a++)
		if (PG_ARGISNULL(a) && a != 4)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument %d of compare_runs must not be NULL", a + 1),
					 errhint("Only baseline and max_rank may be NULL.")));
	measure = text_to_cstring(PG_GETARG_TEXT_PP(2));
	set = single_measure(measure);
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
	runs = split_runs(all, run_ids, &nruns);
	b = find_baseline(runs, nruns, baseline);
	evals = palloc(sizeof(HnRunEval *) * nruns);
	for (int r = 0; r < nruns; r++)
		evals[r] = hn_evaluate_run(qrels, &runs[r].rows, set, &flags);

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
