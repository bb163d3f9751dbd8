/*
 * distance_ops.c
 *		Distance operators and functions of the embedding type.
 *
 * Thin wrappers: the arithmetic is in the shared kernels
 * (src/kernels/distance.h), so <->, the index, k-NN and mining agree to the
 * bit for a given hardneg.simd variant.  Results are double precision, as in
 * pgvector, so expressions over them need no casts.
 */
#include "postgres.h"

#include <math.h>

#include "embedding/embedding.h"
#include "kernels/distance.h"

/* How far below an argument to prefetch; the hardware takes over beyond. */
#define PREFETCH_MAX_BYTES 1024

/*
 * A sequential scan walks a heap page's line pointers in order, and
 * PostgreSQL fills pages from the end downwards, so the next row's embedding
 * lies just below this one in memory.  Without help its first touch, in the
 * distance kernel, stalls on memory for most of the time a row costs.
 * Prefetching is only a hint: a wrong guess (another caller, the last tuple
 * of a page) costs a few cache lines and can never fault.
 */
static pg_attribute_always_inline void
prefetch_next_row(const Embedding *e)
{
	const char *p = (const char *) e;
	Size		len = Min(VARSIZE(e), PREFETCH_MAX_BYTES);

	for (Size off = 64; off <= len + 64; off += 64)
		__builtin_prefetch(p - off);
}

/*
 * Detoasts both arguments and checks that their dimensions agree.  Forced
 * inline: it runs for every row of a scan.
 */
static pg_attribute_always_inline void
get_pair(FunctionCallInfo fcinfo, Embedding **a, Embedding **b)
{
	*a = PG_GETARG_EMBEDDING_P(0);
	*b = PG_GETARG_EMBEDDING_P(1);
	embedding_check_same_dims(*a, *b);
	/* either side may be the column; the constant's prefetch is cheap */
	prefetch_next_row(*a);
	prefetch_next_row(*b);
}

PG_FUNCTION_INFO_V1(embedding_l2_distance);
Datum
embedding_l2_distance(PG_FUNCTION_ARGS)
{
	Embedding  *a,
			   *b;

	get_pair(fcinfo, &a, &b);
	PG_RETURN_FLOAT8(sqrt((double) hn_l2sq(a->x, b->x, a->dim)));
}

/* Squared L2: what an index needs for ordering, without the sqrt. */
PG_FUNCTION_INFO_V1(embedding_l2_squared_distance);
Datum
embedding_l2_squared_distance(PG_FUNCTION_ARGS)
{
	Embedding  *a,
			   *b;

	get_pair(fcinfo, &a, &b);
	PG_RETURN_FLOAT8((double) hn_l2sq(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(embedding_inner_product);
Datum
embedding_inner_product(PG_FUNCTION_ARGS)
{
	Embedding  *a,
			   *b;

	get_pair(fcinfo, &a, &b);
	PG_RETURN_FLOAT8((double) hn_dot(a->x, b->x, a->dim));
}

/* <#>: negated so that ORDER BY ... ASC puts the largest product first. */
PG_FUNCTION_INFO_V1(embedding_negative_inner_product);
Datum
embedding_negative_inner_product(PG_FUNCTION_ARGS)
{
	Embedding  *a,
			   *b;

	get_pair(fcinfo, &a, &b);
	PG_RETURN_FLOAT8(-(double) hn_dot(a->x, b->x, a->dim));
}

/* NaN when either vector is zero: the angle is undefined (as in pgvector). */
PG_FUNCTION_INFO_V1(embedding_cosine_distance);
Datum
embedding_cosine_distance(PG_FUNCTION_ARGS)
{
	Embedding  *a,
			   *b;

	get_pair(fcinfo, &a, &b);
	PG_RETURN_FLOAT8(hn_cosine_distance(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(embedding_l1_distance);
Datum
embedding_l1_distance(PG_FUNCTION_ARGS)
{
	Embedding  *a,
			   *b;

	get_pair(fcinfo, &a, &b);
	PG_RETURN_FLOAT8((double) hn_l1(a->x, b->x, a->dim));
}
