/*
 * compare.c
 *		Ordering, equality and hashing: the btree and hash operator classes.
 *
 * Order is lexicographic by element, then by dimension (a prefix sorts
 * first).  It exists so that GROUP BY, DISTINCT, UNIQUE and ORDER BY work;
 * it has no geometric meaning.  Equality is float equality, so 0 and -0 are
 * equal, and hashing maps -0 to 0 to stay consistent with it.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "embedding/embedding.h"
#include "utils/fmgrprotos.h"

static int
compare_internal(const Embedding *a, const Embedding *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

static int
compare_args(FunctionCallInfo fcinfo)
{
	Embedding  *a = PG_GETARG_EMBEDDING_P(0);
	Embedding  *b = PG_GETARG_EMBEDDING_P(1);
	int			c = compare_internal(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return c;
}

PG_FUNCTION_INFO_V1(embedding_cmp);
Datum
embedding_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(compare_args(fcinfo));
}

PG_FUNCTION_INFO_V1(embedding_lt);
Datum
embedding_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) < 0);
}

PG_FUNCTION_INFO_V1(embedding_le);
Datum
embedding_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) <= 0);
}

PG_FUNCTION_INFO_V1(embedding_eq);
Datum
embedding_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) == 0);
}

PG_FUNCTION_INFO_V1(embedding_ne);
Datum
embedding_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) != 0);
}

PG_FUNCTION_INFO_V1(embedding_ge);
Datum
embedding_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) >= 0);
}

PG_FUNCTION_INFO_V1(embedding_gt);
Datum
embedding_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(compare_args(fcinfo) > 0);
}

/* Hash of the elements with -0 folded into 0 (equal values, equal hashes). */
static uint64
hash_internal(const Embedding *e, uint64 seed)
{
	float	   *x = palloc(e->dim * sizeof(float));
	uint64		h;

	for (int i = 0; i < e->dim; i++)
		x[i] = e->x[i] == 0.0f ? 0.0f : e->x[i];
	h = DatumGetUInt64(hash_any_extended((unsigned char *) x,
										 e->dim * sizeof(float), seed));
	pfree(x);
	return h;
}

PG_FUNCTION_INFO_V1(embedding_hash);
Datum
embedding_hash(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32((int32) hash_internal(PG_GETARG_EMBEDDING_P(0), 0));
}

PG_FUNCTION_INFO_V1(embedding_hash_extended);
Datum
embedding_hash_extended(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64((int64) hash_internal(PG_GETARG_EMBEDDING_P(0),
										  (uint64) PG_GETARG_INT64(1)));
}
