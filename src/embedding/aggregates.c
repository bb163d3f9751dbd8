/*
 * aggregates.c
 *		sum(embedding) and avg(embedding).
 *
 * The transition state is a plain double precision[] {count, s1, ..., sd},
 * not internal: partial states then have a real SQL type with text I/O, so
 * parallel query needs no serialize functions and Citus can ship partial
 * aggregates from the workers.  Sums are kept in double and narrowed to
 * float4 once, at the end, where an overflow raises an error.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "embedding/embedding.h"
#include "utils/array.h"

static void
bad_state(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid embedding aggregate state"),
			 errdetail("%s", why),
			 errhint("The state is {0} (empty) or {count, sum_1, ..., sum_d} as double precision[], count > 0, 1 <= d <= %d, every element finite.",
					 EMBEDDING_MAX_DIM)));
}

/*
 * Checks a state array and returns its elements; *n gets its length.  The
 * state functions are public, so a caller can hand in any array: everything
 * the final functions rely on (a dimension an embedding can have, a positive
 * count, finite sums) is checked here, not assumed.
 */
static float8 *
state_values(ArrayType *state, int *n)
{
	float8	   *s;

	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != FLOAT8OID || ARR_DIMS(state)[0] < 1)
		bad_state("The state must be a one-dimensional double precision[] without NULLs.");
	*n = ARR_DIMS(state)[0];
	s = (float8 *) ARR_DATA_PTR(state);
	for (int i = 0; i < *n; i++)
		if (!isfinite(s[i]))
			bad_state("An element is NaN or infinite.");
	if (s[0] == 0.0 && *n != 1)
		bad_state("An empty state (count 0) has no sums.");
	if (s[0] < 0.0 || (s[0] > 0.0 && (*n < 2 || *n - 1 > EMBEDDING_MAX_DIM)))
		bad_state("The count must be positive and the sums as many as the dimensions of an embedding.");
	return s;
}

static ArrayType *
new_state(int dim)
{
	Datum	   *d = palloc(sizeof(Datum) * (dim + 1));
	ArrayType  *a;

	for (int i = 0; i <= dim; i++)
		d[i] = Float8GetDatum(0.0);
	a = construct_array(d, dim + 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(d);
	return a;
}

static void
check_state_dims(int have, int got)
{
	if (have != got)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("embeddings have different dimensions: %d and %d", have, got),
				 errhint("sum() and avg() need every embedding of a group to have the same number of dimensions.")));
}

static void
check_state_sum(double s)
{
	if (isinf(s))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("embedding sum out of range: overflow"),
				 errhint("The sum exceeds the range of double precision.")));
}

/*
 * Returns a state that may be modified: the argument itself inside an
 * aggregate (it lives in the aggregate's memory), else a copy, since a
 * caller outside an aggregate may still hold the input.
 */
static ArrayType *
writable_state(FunctionCallInfo fcinfo, int argno)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(argno);
	return PG_GETARG_ARRAYTYPE_P_COPY(argno);
}

PG_FUNCTION_INFO_V1(embedding_accum);
Datum
embedding_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = writable_state(fcinfo, 0);
	Embedding  *e = PG_GETARG_EMBEDDING_P(1);
	float8	   *s;
	int			n;

	s = state_values(state, &n);
	if (s[0] == 0.0 && n == 1)
	{
		state = new_state(e->dim);
		s = (float8 *) ARR_DATA_PTR(state);
		n = e->dim + 1;
	}
	check_state_dims(n - 1, e->dim);
	s[0] += 1.0;
	for (int i = 0; i < e->dim; i++)
		s[i + 1] += e->x[i];
	for (int i = 0; i < e->dim; i++)
		check_state_sum(s[i + 1]);
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(embedding_combine);
Datum
embedding_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *s1 = writable_state(fcinfo, 0);
	ArrayType  *s2 = PG_GETARG_ARRAYTYPE_P(1);
	int			n1,
				n2;
	float8	   *v1 = state_values(s1, &n1);
	float8	   *v2 = state_values(s2, &n2);

	/* an empty side ({0}) adds nothing */
	if (v2[0] == 0.0)
		PG_RETURN_ARRAYTYPE_P(s1);
	if (v1[0] == 0.0)
		PG_RETURN_ARRAYTYPE_P(s2);
	check_state_dims(n1 - 1, n2 - 1);
	for (int i = 0; i < n1; i++)
		v1[i] += v2[i];
	for (int i = 0; i < n1; i++)
		check_state_sum(v1[i]);
	PG_RETURN_ARRAYTYPE_P(s1);
}

/* The state's sums (or means), narrowed to float4 with a check; NULL if empty. */
static Datum
final_embedding(FunctionCallInfo fcinfo, bool average)
{
	int			n;
	float8	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), &n);
	Embedding  *e;

	if (s[0] == 0.0)
		PG_RETURN_NULL();
	e = embedding_new(n - 1);
	for (int i = 1; i < n; i++)
	{
		e->x[i - 1] = (float) (average ? s[i] / s[0] : s[i]);
		embedding_check_result(e->x[i - 1]);
	}
	PG_RETURN_EMBEDDING_P(e);
}

PG_FUNCTION_INFO_V1(embedding_sum_final);
Datum
embedding_sum_final(PG_FUNCTION_ARGS)
{
	return final_embedding(fcinfo, false);
}

PG_FUNCTION_INFO_V1(embedding_avg_final);
Datum
embedding_avg_final(PG_FUNCTION_ARGS)
{
	return final_embedding(fcinfo, true);
}
