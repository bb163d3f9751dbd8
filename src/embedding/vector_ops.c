/*
 * vector_ops.c
 *		Element-wise arithmetic, concatenation, slicing and norms.
 *
 * Arithmetic is done in float4, as the values are stored; an element that
 * overflows raises numeric_value_out_of_range instead of becoming Infinity,
 * because an Infinity would poison every distance computed from it.
 */
#include "postgres.h"

#include <math.h>

#include "embedding/embedding.h"
#include "kernels/distance.h"

typedef enum
{
	EW_ADD,
	EW_SUB,
	EW_MUL
} ElementwiseOp;

static Datum
elementwise(FunctionCallInfo fcinfo, ElementwiseOp op)
{
	Embedding  *a = PG_GETARG_EMBEDDING_P(0);
	Embedding  *b = PG_GETARG_EMBEDDING_P(1);
	Embedding  *r;

	embedding_check_same_dims(a, b);
	r = embedding_new(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		switch (op)
		{
			case EW_ADD:
				r->x[i] = a->x[i] + b->x[i];
				break;
			case EW_SUB:
				r->x[i] = a->x[i] - b->x[i];
				break;
			case EW_MUL:
				r->x[i] = a->x[i] * b->x[i];
				break;
		}
		embedding_check_result(r->x[i]);
	}
	PG_RETURN_EMBEDDING_P(r);
}

PG_FUNCTION_INFO_V1(embedding_add);
Datum
embedding_add(PG_FUNCTION_ARGS)
{
	return elementwise(fcinfo, EW_ADD);
}

PG_FUNCTION_INFO_V1(embedding_sub);
Datum
embedding_sub(PG_FUNCTION_ARGS)
{
	return elementwise(fcinfo, EW_SUB);
}

PG_FUNCTION_INFO_V1(embedding_mul);
Datum
embedding_mul(PG_FUNCTION_ARGS)
{
	return elementwise(fcinfo, EW_MUL);
}

PG_FUNCTION_INFO_V1(embedding_concat);
Datum
embedding_concat(PG_FUNCTION_ARGS)
{
	Embedding  *a = PG_GETARG_EMBEDDING_P(0);
	Embedding  *b = PG_GETARG_EMBEDDING_P(1);
	Embedding  *r;

	embedding_check_dim(a->dim + b->dim);
	r = embedding_new(a->dim + b->dim);
	memcpy(r->x, a->x, a->dim * sizeof(float));
	memcpy(r->x + a->dim, b->x, b->dim * sizeof(float));
	PG_RETURN_EMBEDDING_P(r);
}

/* subvector(e, start, count): elements start .. start+count-1, 1-based. */
PG_FUNCTION_INFO_V1(embedding_subvector);
Datum
embedding_subvector(PG_FUNCTION_ARGS)
{
	Embedding  *e = PG_GETARG_EMBEDDING_P(0);
	int32		start = PG_GETARG_INT32(1);
	int32		count = PG_GETARG_INT32(2);
	Embedding  *r;

	if (count < 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("subvector count must be at least 1, got %d", count),
				 errhint("An embedding must have at least 1 dimension.")));
	/* int64: start + count must not wrap around */
	if (start < 1 || (int64) start + count - 1 > e->dim)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("subvector(%d, %d) is outside an embedding of %d dimensions",
						start, count, e->dim),
				 errhint("Positions are 1-based: start >= 1 and start + count - 1 <= embedding_dims(e).")));
	r = embedding_new(count);
	memcpy(r->x, e->x + (start - 1), count * sizeof(float));
	PG_RETURN_EMBEDDING_P(r);
}

PG_FUNCTION_INFO_V1(embedding_dims);
Datum
embedding_dims(PG_FUNCTION_ARGS)
{
	Embedding  *e = PG_GETARG_EMBEDDING_P(0);

	PG_RETURN_INT32(e->dim);
}

/*
 * Euclidean norm.  The kernel sums squares in float4, which overflows for
 * elements above ~1.8e19; then the vector is rescaled by its largest
 * magnitude first, so the norm is right for every finite embedding.
 */
static double
norm_of(const Embedding *e)
{
	float		sq = hn_norm_sq(e->x, e->dim);
	float		maxabs = 0.0f;
	float	   *scaled;
	double		result;

	if (!isinf(sq))
		return sqrt((double) sq);
	for (int i = 0; i < e->dim; i++)
		maxabs = Max(maxabs, fabsf(e->x[i]));
	scaled = palloc(e->dim * sizeof(float));
	for (int i = 0; i < e->dim; i++)
		scaled[i] = e->x[i] / maxabs;
	result = (double) maxabs * sqrt((double) hn_norm_sq(scaled, e->dim));
	pfree(scaled);
	return result;
}

PG_FUNCTION_INFO_V1(embedding_norm);
Datum
embedding_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(norm_of(PG_GETARG_EMBEDDING_P(0)));
}

/* The zero vector has no direction; it is returned unchanged. */
PG_FUNCTION_INFO_V1(embedding_l2_normalize);
Datum
embedding_l2_normalize(PG_FUNCTION_ARGS)
{
	Embedding  *e = PG_GETARG_EMBEDDING_P(0);
	double		norm = norm_of(e);
	Embedding  *r = embedding_new(e->dim);

	for (int i = 0; i < e->dim; i++)
		r->x[i] = norm > 0.0 ? (float) (e->x[i] / norm) : 0.0f;
	PG_RETURN_EMBEDDING_P(r);
}
