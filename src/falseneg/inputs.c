/*
 * inputs.c
 *		Shared inputs of the false-negative functions (see inputs.h).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "falseneg/falseneg.h"
#include "falseneg/inputs.h"
#include "io/runs.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#define HN_FN_MAX_K 10000			/* bound on neighbour counts */

int64 *
hn_identity_order(int64 n)
{
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));

	for (int64 i = 0; i < n; i++)
		order[i] = i;
	return order;
}

void
hn_fn_id_index_build(HnFnIdIndex *ix, const HnIds *ids, int64 n)
{
	ix->ids = ids;
	ix->n = n;
	ix->order = hn_ids_sort_order(ids, n);
}

int64
hn_fn_id_find(const HnFnIdIndex *ix, const HnIds *key, int64 ki)
{
	return hn_ids_find(ix->ids, ix->order, ix->n, key, ki);
}

/* ---------- candidates ---------- */

static const HnColumnSpec candidate_spec[] = {
	{"query_id", HN_COL_ID, true, false},
	{"doc_id", HN_COL_ID, true, false},
	{"score", HN_COL_FLOAT8, true, false},
	{"rank", HN_COL_INT4, false, false},
};

typedef struct RankSortArg
{
	const HnIds *q;
	const HnIds *d;
	const double *score;
	const int32 *rank;			/* NULL: order by score */
	const int32 *run;			/* NULL: one run */
} RankSortArg;

/* (run, query, rank) when ranks are given, else (run, query, -score, doc). */
static int
rank_cmp(const void *pa, const void *pb, void *arg)
{
	const RankSortArg *s = arg;
	int64		a = *(const int64 *) pa,
				b = *(const int64 *) pb;
	int			c;

	if (s->run && s->run[a] != s->run[b])
		return s->run[a] < s->run[b] ? -1 : 1;
	c = hn_ids_compare(s->q, a, s->q, b);
	if (c != 0)
		return c;
	if (s->rank && s->rank[a] != s->rank[b])
		return s->rank[a] < s->rank[b] ? -1 : 1;
	if (s->score[a] != s->score[b])
		return s->score[a] > s->score[b] ? -1 : 1;
	c = hn_ids_compare(s->d, a, s->d, b);
	return c != 0 ? c : (a > b) - (a < b);
}

static bool
same_group(const RankSortArg *s, int64 a, int64 b)
{
	return (s->run == NULL || s->run[a] == s->run[b]) &&
		hn_ids_compare(s->q, a, s->q, b) == 0;
}

/*
 * Sorts rows into groups of (run, query), numbering ranks 1.. when the input
 * gave none.  Returns the number of groups; group[] gets their starts.
 */
static int64
order_groups(RankSortArg *s, int64 n, int64 *order, int64 *group, int32 *rank_out)
{
	int64		ngroups = 0,
				pos = 0;

	qsort_interruptible(order, n, sizeof(int64), rank_cmp, s);
	for (int64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (i == 0 || !same_group(s, order[i - 1], order[i]))
		{
			if (group)
				group[ngroups] = i;
			ngroups++;
			pos = 0;
		}
		pos++;
		if (rank_out && pos > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("more than %d rows for one query", PG_INT32_MAX)));
		if (rank_out)
			rank_out[order[i]] = (int32) pos;
	}
	if (group)
		group[ngroups] = n;
	return ngroups;
}

void
hn_fn_read_candidates(HnFnCandidates *c, const char *sql)
{
	HnBatch    *b = hn_ranked_read("candidates", sql, candidate_spec, lengthof(candidate_spec));
	RankSortArg s;

	c->n = b->nrows;
	c->qid = &b->cols[0].ids;
	c->did = &b->cols[1].ids;
	c->score = b->cols[2].f8;
	c->order = hn_identity_order(c->n);
	c->group = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (c->n + 1));
	s.q = c->qid;
	s.d = c->did;
	s.score = c->score;
	s.run = NULL;
	if (b->cols[3].present)
	{
		c->rank = b->cols[3].i4;
		for (int64 i = 0; i < c->n; i++)
			if (c->rank[i] < 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("row " INT64_FORMAT " of the candidates query has rank %d",
								i + 1, c->rank[i]),
						 errhint("Ranks are 1-based; omit the rank column to rank by score.")));
		s.rank = c->rank;
		c->ngroups = order_groups(&s, c->n, c->order, c->group, NULL);
	}
	else
	{
		c->rank = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(c->n, 1));
		s.rank = NULL;
		c->ngroups = order_groups(&s, c->n, c->order, c->group, c->rank);
	}
}

/* ---------- judgments ---------- */

int
hn_fn_judge(const HnJudgments *qr, const HnIds *q, int64 qi,
			const HnIds *d, int64 di, int32 level,
			int32 *rel, bool *in_qrels)
{
	*in_qrels = hn_judgments_get(qr, q, qi, d, di, rel);
	if (!*in_qrels || *rel < 0)
		return HN_FN_UNJUDGED;
	return *rel >= level ? HN_FN_POSITIVE : HN_FN_JUDGED_NONREL;
}

/* ---------- runs ---------- */

static const HnColumnSpec run_spec[] = {
	{"query_id", HN_COL_ID, true, false},
	{"doc_id", HN_COL_ID, true, false},
	{"score", HN_COL_FLOAT8, true, false},
	{"run_id", HN_COL_TEXT, false, false},
};

/* Numbers the distinct run_id values in order of first appearance. */
static void
number_runs(HnFnRuns *runs, char **names)
{
	runs->run = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(runs->n, 1));
	runs->run_names = palloc(sizeof(char *) * 8);
	runs->nruns = 0;
	for (int64 i = 0; i < runs->n; i++)
	{
		const char *name = names ? names[i] : "run";
		int			r;

		for (r = runs->nruns - 1; r >= 0; r--)
			if (strcmp(runs->run_names[r], name) == 0)
				break;
		if (r < 0)
		{
			if (runs->nruns % 8 == 0 && runs->nruns > 0)
				runs->run_names = repalloc(runs->run_names, sizeof(char *) * (runs->nruns + 8));
			r = runs->nruns++;
			runs->run_names[r] = pstrdup(name);
		}
		runs->run[i] = r;
	}
}

void
hn_fn_read_runs(HnFnRuns *runs, const char *what, const char *sql)
{
	HnBatch    *b = hn_ranked_read(what, sql, run_spec, lengthof(run_spec));
	RankSortArg s;

	runs->n = b->nrows;
	runs->qid = &b->cols[0].ids;
	runs->did = &b->cols[1].ids;
	number_runs(runs, b->cols[3].present ? b->cols[3].str : NULL);
	runs->rank = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(runs->n, 1));
	runs->order = hn_identity_order(runs->n);
	s.q = runs->qid;
	s.d = runs->did;
	s.score = b->cols[2].f8;
	s.rank = NULL;
	s.run = runs->run;
	order_groups(&s, runs->n, runs->order, NULL, runs->rank);
}

/* ---------- arguments ---------- */

char *
hn_fn_text_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Pass a value or omit the parameter to use its default.")));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

int32 *
hn_fn_int_array_arg(FunctionCallInfo fcinfo, int argno, const char *name, int *n)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int32	   *out;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Pass an int[] or omit the parameter to use its default.")));
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", name),
				 errhint("Pass an array such as '{1,2,4,11}'.")));
	deconstruct_array(arr, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elems, &nulls, n);
	out = palloc(sizeof(int32) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", name),
					 errhint("Remove the NULL elements.")));
		out[i] = DatumGetInt32(elems[i]);
	}
	return out;
}

double
hn_fn_threshold_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	double		tau;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Pass a probability between 0 and 1.")));
	tau = PG_GETARG_FLOAT8(argno);
	hn_fn_check_threshold(tau, name);
	return tau;
}

int32
hn_fn_level_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relevance_level must not be NULL"),
				 errhint("Omit it to use 1 (relevant iff relevance >= 1).")));
	if (PG_GETARG_INT32(argno) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relevance_level must be at least 0"),
				 errhint("Negative relevance means pooled but unjudged, never relevant.")));
	return PG_GETARG_INT32(argno);
}

double
hn_fn_prior_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	double		v;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Omit it to use the uniform prior Beta(1, 1).")));
	v = PG_GETARG_FLOAT8(argno);
	if (!(v > 0) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be positive and finite, not %g", name, v),
				 errhint("The Beta prior needs alpha > 0 and beta > 0.")));
	return v;
}

int32
hn_fn_int_range_arg(FunctionCallInfo fcinfo, int argno, const char *name,
					int32 lo, int32 hi, const char *hint)
{
	int32		v;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Omit it to use its default.")));
	v = PG_GETARG_INT32(argno);
	if (v < lo || v > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %d and %d, not %d", name, lo, hi, v),
				 errhint("%s", hint)));
	return v;
}

int
hn_fn_count_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	return hn_fn_int_range_arg(fcinfo, argno, name, 1, HN_FN_MAX_K,
							   "It is a number of nearest neighbours.");
}

Oid
hn_fn_id_type(FunctionCallInfo fcinfo, int nplain)
{
	Oid			t;

	if (PG_NARGS() <= nplain)
		return INT8OID;
	t = get_fn_expr_argtype(fcinfo->flinfo, nplain);
	if (!OidIsValid(t))
		ereport(ERROR,
				(errcode(ERRCODE_INDETERMINATE_DATATYPE),
				 errmsg("could not determine the type of id_type"),
				 errhint("Pass a typed NULL such as NULL::text.")));
	return t;
}
