/*
 * split.c
 *		Query-similarity splits (Zhan et al. 2022; mining.md 5.10, F11):
 *		split_interp_extrap() labels each test query by its nearest training
 *		query (ReSTTest), split_restrain() removes training queries near the
 *		test set with a same-size random control (ReSTrain), and
 *		leakage_report() gives the near-duplicate share at several
 *		thresholds and the overlap of relevant documents.
 */
#include "postgres.h"

#include <math.h>

#include "compose/compose.h"
#include "falseneg/inputs.h"
#include "io/srf.h"
#include "kernels/rng.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

typedef struct Nearest
{
	HnItems		from;			/* the side being labelled */
	HnItems		to;				/* the side searched */
	int64	   *nbr;			/* row of to nearest to each row of from */
	float	   *sim;
} Nearest;

/* Each row of from's most similar row of to (ties to the smaller id). */
static void
nearest(Nearest *nn, const char *from_what, const char *from_sql,
		const char *to_what, const char *to_sql, HnMetric metric)
{
	hn_items_read(&nn->from, from_what, from_sql, HN_ITEMS_VECTOR);
	hn_items_read(&nn->to, to_what, to_sql, HN_ITEMS_VECTOR);
	hn_ids_check_kinds(from_what, &nn->from.ids, to_what, &nn->to.ids);
	if (nn->from.dim != nn->to.dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s embeddings have %d dimensions, %s embeddings %d",
						from_what, nn->from.dim, to_what, nn->to.dim),
				 errhint("Embed both sides with the same model.")));
	if (nn->from.n > PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many %s", from_what),
				 errhint("Split the input.")));
	nn->nbr = palloc(sizeof(int64) * nn->from.n);
	nn->sim = palloc(sizeof(float) * nn->from.n);
	hn_compose_knn(nn->from.vec, (int) nn->from.n, nn->to.vec, nn->to.n, nn->from.dim,
				   metric, 1, NULL, nn->nbr, nn->sim);
}

static double
tau_arg(FunctionCallInfo fcinfo, int argno)
{
	double		tau;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("tau must not be NULL"),
				 errhint("tau is the similarity at or above which two queries count as near duplicates.")));
	tau = PG_GETARG_FLOAT8(argno);
	if (isnan(tau))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tau must be a number, not NaN"),
				 errhint("Under cosine tau is usually between 0.5 and 1.")));
	return tau;
}

static int
cmp_key(const void *a, const void *b, void *arg)
{
	const double *key = arg;
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	if (key[x] != key[y])
		return key[x] < key[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * The random control: as many training queries as the similarity rule
 * removes, drawn uniformly by a seeded key of each id.
 */
static bool *
control_removed(const HnItems *train, int64 nremove, uint64 seed)
{
	double	   *key = palloc(sizeof(double) * train->n);
	int64	   *order = palloc(sizeof(int64) * train->n);
	bool	   *removed = palloc0(sizeof(bool) * train->n);

	for (int64 i = 0; i < train->n; i++)
	{
		key[i] = hn_uniform(seed, HN_STREAM_SAMPLE, hn_ids_hash(&train->ids, i), 0x5e57, 0);
		order[i] = i;
	}
	qsort_arg(order, train->n, sizeof(int64), cmp_key, key);
	for (int64 i = 0; i < nremove; i++)
		removed[order[i]] = true;
	pfree(key);
	pfree(order);
	return removed;
}

/*
 * The inputs of every split function (train, test, metric at argno 0, 1, 3):
 * nearest training query of each test query, or with restrain the reverse.
 */
static void
split_inputs(FunctionCallInfo fcinfo, Nearest *nn, bool restrain)
{
	char	   *train = hn_fn_text_arg(fcinfo, 0, "train");
	char	   *test = hn_fn_text_arg(fcinfo, 1, "test");
	HnMetric	metric = hn_metric_from_name(hn_fn_text_arg(fcinfo, 3, "metric"));

	if (restrain)
		nearest(nn, "train", train, "test", test, metric);
	else
		nearest(nn, "test", test, "train", train, metric);
}

/*
 * split_interp_extrap (test rows: interp / extrap) and split_restrain
 * (training rows: remove / keep, plus the random control): one row per
 * labelled query with its similarity and nearest query on the other side.
 */
static Datum
split_rows(FunctionCallInfo fcinfo, bool restrain)
{
	double		tau = tau_arg(fcinfo, 2);
	uint64		seed = restrain ? hn_compose_seed_arg(fcinfo, 4) : 0;
	Oid			id_type = hn_fn_id_type(fcinfo, restrain ? 5 : 4);
	const char *near_label = restrain ? "remove" : "interp";
	const char *far_label = restrain ? "keep" : "extrap";
	Nearest		nn;
	HnSrf		srf;
	bool	   *control = NULL;

	hn_srf_begin(fcinfo, &srf);
	split_inputs(fcinfo, &nn, restrain);
	if (restrain)
	{
		int64		nremove = 0;

		for (int64 i = 0; i < nn.from.n; i++)
			nremove += nn.sim[i] >= tau;
		control = control_removed(&nn.from, nremove, seed);
	}
	for (int64 i = 0; i < nn.from.n; i++)
	{
		Datum		v[5];
		bool		nulls[5] = {0};

		v[0] = hn_ids_datum(&nn.from.ids, i, id_type);
		v[1] = CStringGetTextDatum(nn.sim[i] >= tau ? near_label : far_label);
		v[2] = Float8GetDatum(nn.sim[i]);
		v[3] = hn_ids_datum(&nn.to.ids, nn.nbr[i], id_type);
		if (control)
			v[4] = CStringGetTextDatum(control[i] ? "remove" : "keep");
		hn_srf_put(&srf, v, nulls);
	}
	PG_RETURN_NULL();
}

/* split_interp_extrap(train, test, tau, metric[, id_type]) */
PG_FUNCTION_INFO_V1(hardneg_split_interp_extrap);
Datum
hardneg_split_interp_extrap(PG_FUNCTION_ARGS)
{
	return split_rows(fcinfo, false);
}

/* split_restrain(train, test, tau, metric, seed[, id_type]) */
PG_FUNCTION_INFO_V1(hardneg_split_restrain);
Datum
hardneg_split_restrain(PG_FUNCTION_ARGS)
{
	return split_rows(fcinfo, true);
}

/*
 * Test queries with a relevant document that is also relevant to some
 * training query: qrels rows sorted by document, each document's group
 * scanned once.
 */
static int64
qrels_overlap(const char *sql, const HnItems *train, const HnItems *test)
{
	HnJudgments	qr;
	int64	   *order;
	bool	   *hit = palloc0(sizeof(bool) * test->n);
	int64		nhit = 0;

	hn_judgments_read(&qr, sql, false);
	hn_ids_check_kinds("qrels", qr.qid, "test", &test->ids);
	order = hn_ids_sort_order(qr.did, qr.n);
	for (int64 lo = 0, hi; lo < qr.n; lo = hi)
	{
		bool		in_train = false;

		CHECK_FOR_INTERRUPTS();
		for (hi = lo; hi < qr.n && hn_ids_compare(qr.did, order[lo], qr.did, order[hi]) == 0; hi++)
			if (qr.rel[order[hi]] >= 1 && hn_items_find(train, qr.qid, order[hi]) >= 0)
				in_train = true;
		if (!in_train)
			continue;
		for (int64 p = lo; p < hi; p++)
		{
			int64		t = qr.rel[order[p]] >= 1 ? hn_items_find(test, qr.qid, order[p]) : -1;

			if (t >= 0 && !hit[t])
			{
				hit[t] = true;
				nhit++;
			}
		}
	}
	return nhit;
}

/* leakage_report(train, test, taus, metric, qrels) */
PG_FUNCTION_INFO_V1(hardneg_leakage_report);
Datum
hardneg_leakage_report(PG_FUNCTION_ARGS)
{
	ArrayType  *taus;
	Datum	   *elems;
	bool	   *enulls;
	int			ntau;
	int64		overlap = -1;
	Nearest		nn;
	HnSrf		srf;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("taus must not be NULL"),
				 errhint("Omit it for the default thresholds.")));
	taus = PG_GETARG_ARRAYTYPE_P(2);
	deconstruct_array(taus, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &enulls, &ntau);
	hn_srf_begin(fcinfo, &srf);
	split_inputs(fcinfo, &nn, false);
	if (!PG_ARGISNULL(4))
		overlap = qrels_overlap(text_to_cstring(PG_GETARG_TEXT_PP(4)), &nn.to, &nn.from);
	for (int t = 0; t < ntau; t++)
	{
		Datum		v[5];
		bool		nulls[5] = {0};
		int64		near = 0;
		double		tau;

		if (enulls[t])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("taus must not contain NULL"),
					 errhint("Remove the NULL elements.")));
		tau = DatumGetFloat8(elems[t]);
		for (int64 i = 0; i < nn.from.n; i++)
			near += nn.sim[i] >= tau;
		v[0] = Float8GetDatum(tau);
		v[1] = Int64GetDatum(nn.from.n);
		v[2] = Int64GetDatum(near);
		v[3] = Float8GetDatum((double) near / nn.from.n);
		v[4] = Float8GetDatum((double) overlap / nn.from.n);
		nulls[4] = overlap < 0;
		hn_srf_put(&srf, v, nulls);
	}
	PG_RETURN_NULL();
}
