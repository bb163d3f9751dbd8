/*
 * aggregates.c
 *		Per-query aggregates for ad-hoc SQL (GROUP BY query): reciprocal rank,
 *		precision@k, recall@k and nDCG@k over rows that carry their rank.
 *
 * The caller ranks (e.g. row_number() OVER (PARTITION BY query ORDER BY
 * score DESC, doc_id COLLATE "C" DESC) for trec_eval's order); the
 * aggregates then need no ordering, so partial states combine: states are
 * plain double precision[] (Citus and parallel workers can ship them), and
 * the transition functions update them in place only inside an aggregate.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"

#define STATE_LEN 3				/* [value, value, k or R] per aggregate */

static float8 *
state_values(ArrayType *a, const char *fn)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != STATE_LEN || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: state must be a double precision[] of %d elements", fn, STATE_LEN),
				 errhint("Call the aggregate, not its support function.")));
	return (float8 *) ARR_DATA_PTR(a);
}

/* The state to update: in place inside an aggregate, else a copy. */
static ArrayType *
writable_state(FunctionCallInfo fcinfo, const char *fn)
{
	ArrayType  *a = AggCheckCallContext(fcinfo, NULL) ?
		PG_GETARG_ARRAYTYPE_P(0) : PG_GETARG_ARRAYTYPE_P_COPY(0);

	state_values(a, fn);
	return a;
}

static void
check_rank(int64 rank, const char *fn)
{
	if (rank < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: rank must be 1 or more, got " INT64_FORMAT, fn, rank),
				 errhint("Ranks are 1-based, e.g. row_number() OVER (PARTITION BY query_id ORDER BY score DESC).")));
}

static void
check_k(int64 k, const char *fn)
{
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: cut-off k must be positive, got " INT64_FORMAT, fn, k),
				 errhint("Pass the depth of the metric, e.g. 10 for P@10.")));
}

/* Second and third state slots must agree across rows and partials. */
static void
set_param(float8 *s, int slot, double v, const char *fn)
{
	if (s[slot] != 0 && s[slot] != v)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: k or the number of relevant documents changes within a group", fn),
				 errhint("Pass the same k (and num_relevant) on every row of a query.")));
	s[slot] = v;
}

/* ---------- reciprocal rank: state [best relevant rank or 0, -, -] ---------- */

PG_FUNCTION_INFO_V1(hn_rr_trans);
Datum
hn_rr_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *a = writable_state(fcinfo, "reciprocal_rank");
	float8	   *s = (float8 *) ARR_DATA_PTR(a);
	int64		rank = PG_GETARG_INT64(1);

	check_rank(rank, "reciprocal_rank");
	if (PG_GETARG_BOOL(2) && (s[0] == 0 || rank < s[0]))
		s[0] = (double) rank;
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(hn_rr_combine);
Datum
hn_rr_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = writable_state(fcinfo, "reciprocal_rank");
	float8	   *s = (float8 *) ARR_DATA_PTR(a);
	float8	   *t = state_values(PG_GETARG_ARRAYTYPE_P(1), "reciprocal_rank");

	if (t[0] != 0 && (s[0] == 0 || t[0] < s[0]))
		s[0] = t[0];
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(hn_rr_final);
Datum
hn_rr_final(PG_FUNCTION_ARGS)
{
	float8	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), "reciprocal_rank");

	PG_RETURN_FLOAT8(s[0] > 0 ? 1.0 / s[0] : 0.0);
}

/* ---------- hits at k: state [hits, -, k] (precision) or [hits, R, k] (recall) ---------- */

PG_FUNCTION_INFO_V1(hn_hits_trans);
Datum
hn_hits_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *a = writable_state(fcinfo, "precision_at_k");
	float8	   *s = (float8 *) ARR_DATA_PTR(a);
	int64		rank = PG_GETARG_INT64(1);
	int64		k = PG_GETARG_INT32(3);

	check_rank(rank, "precision_at_k");
	check_k(k, "precision_at_k");
	set_param(s, 2, (double) k, "precision_at_k");
	if (PG_NARGS() > 4)
	{
		int64		nrel = PG_GETARG_INT64(4);

		if (nrel < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("recall_at_k: num_relevant must not be negative"),
					 errhint("Pass the number of relevant judgments of the query.")));
		set_param(s, 1, (double) nrel, "recall_at_k");
	}
	if (PG_GETARG_BOOL(2) && rank <= k)
		s[0] += 1.0;
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Shared by the hits and nDCG aggregates: sums slot 0, agrees on 1 and 2. */
PG_FUNCTION_INFO_V1(hn_sum_combine);
Datum
hn_sum_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = writable_state(fcinfo, "metrics aggregate");
	float8	   *s = (float8 *) ARR_DATA_PTR(a);
	float8	   *t = state_values(PG_GETARG_ARRAYTYPE_P(1), "metrics aggregate");

	s[0] += t[0];
	if (t[1] != 0)
		set_param(s, 1, t[1], "metrics aggregate");
	if (t[2] != 0)
		set_param(s, 2, t[2], "metrics aggregate");
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(hn_precision_final);
Datum
hn_precision_final(PG_FUNCTION_ARGS)
{
	float8	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), "precision_at_k");

	PG_RETURN_FLOAT8(s[2] > 0 ? s[0] / s[2] : 0.0);
}

PG_FUNCTION_INFO_V1(hn_recall_final);
Datum
hn_recall_final(PG_FUNCTION_ARGS)
{
	float8	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), "recall_at_k");

	PG_RETURN_FLOAT8(s[1] > 0 ? s[0] / s[1] : 0.0);
}

/* ---------- nDCG@k: state [DCG@k, IDCG@k, k] ---------- */

static int
cmp_desc(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x < y) - (x > y);
}

/* IDCG@k of the query's judged gains (positive ones, best first). */
static double
ideal_dcg(ArrayType *ideal, int64 k)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				m = 0;
	double	   *g,
				idcg = 0.0;

	if (ARR_ELEMTYPE(ideal) != FLOAT8OID)
		elog(ERROR, "ndcg_at_k: ideal gains must be double precision[]");
	deconstruct_array(ideal, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	g = palloc(sizeof(double) * Max(n, 1));
	for (int i = 0; i < n; i++)
		if (!nulls[i] && DatumGetFloat8(elems[i]) > 0)
			g[m++] = DatumGetFloat8(elems[i]);
	qsort(g, m, sizeof(double), cmp_desc);
	for (int i = 0; i < m && i < k; i++)
		idcg += g[i] / log2((double) (i + 2));
	pfree(g);
	return idcg;
}

PG_FUNCTION_INFO_V1(hn_ndcg_trans);
Datum
hn_ndcg_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *a = writable_state(fcinfo, "ndcg_at_k");
	float8	   *s = (float8 *) ARR_DATA_PTR(a);
	int64		rank = PG_GETARG_INT64(1);
	double		gain = PG_GETARG_FLOAT8(2);
	int64		k = PG_GETARG_INT32(3);

	check_rank(rank, "ndcg_at_k");
	check_k(k, "ndcg_at_k");
	if (isnan(gain))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("ndcg_at_k: gain is NaN"),
				 errhint("Pass the relevance grade of the document (0 if not relevant).")));
	if (s[2] == 0)
		s[1] = ideal_dcg(PG_GETARG_ARRAYTYPE_P(4), k);
	set_param(s, 2, (double) k, "ndcg_at_k");
	if (rank <= k && gain > 0)
		s[0] += gain / log2((double) (rank + 1));
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(hn_ndcg_final);
Datum
hn_ndcg_final(PG_FUNCTION_ARGS)
{
	float8	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), "ndcg_at_k");

	PG_RETURN_FLOAT8(s[1] > 0 ? s[0] / s[1] : 0.0);
}
