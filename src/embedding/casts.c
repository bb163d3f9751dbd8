/*
 * casts.c
 *		Casts between embedding and SQL arrays.
 *
 * One input function serves real[], double precision[], integer[] and
 * numeric[]: each element is converted to float4 and checked like text
 * input, so every way into the type enforces the same rules.  The casts to
 * and from pgvector's vector need no C: the layouts are identical (see
 * embedding.h and hardneg_create_vector_casts() in src/sql/10_embedding.sql).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "embedding/embedding.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"

/* float8 -> float4 with the range check float8 -> real casts make. */
static float
narrow_float8(double v)
{
	float		f = (float) v;

	if (isinf(f) && !isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("array element %g is out of range for an embedding element", v),
				 errhint("Elements are real (float4): magnitudes up to about 3.4e38.")));
	return f;
}

static float
element_to_float(Datum d, Oid elemtype)
{
	switch (elemtype)
	{
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case FLOAT8OID:
			return narrow_float8(DatumGetFloat8(d));
		case INT4OID:
			return (float) DatumGetInt32(d);
		case NUMERICOID:
			/* numeric NaN and Infinity come out as such and are rejected */
			return narrow_float8(DatumGetFloat8(DirectFunctionCall1(numeric_float8, d)));
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("cannot cast %s to embedding", format_type_be(get_array_type(elemtype))),
			 errhint("Cast real[], double precision[], integer[] or numeric[].")));
	return 0.0f;				/* not reached */
}

static void
check_array_shape(ArrayType *arr)
{
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("array must be one-dimensional to become an embedding, it has %d dimensions",
						ARR_NDIM(arr)),
				 errhint("Cast one row at a time, or flatten the array first.")));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain NULL elements to become an embedding"),
				 errhint("Replace NULLs (for example with 0) or drop the row.")));
}

PG_FUNCTION_INFO_V1(array_to_embedding);
Datum
array_to_embedding(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	int			n;
	Embedding  *e;

	check_array_shape(arr);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, NULL, &n);
	embedding_check_dim(n);
	embedding_check_typmod(n, typmod);
	e = embedding_new(n);
	for (int i = 0; i < n; i++)
	{
		e->x[i] = element_to_float(elems[i], elemtype);
		embedding_check_element(e->x[i]);
	}
	pfree(elems);
	PG_RETURN_EMBEDDING_P(e);
}

PG_FUNCTION_INFO_V1(embedding_to_float4_array);
Datum
embedding_to_float4_array(PG_FUNCTION_ARGS)
{
	Embedding  *e = PG_GETARG_EMBEDDING_P(0);
	Datum	   *d = palloc(e->dim * sizeof(Datum));
	ArrayType  *arr;

	for (int i = 0; i < e->dim; i++)
		d[i] = Float4GetDatum(e->x[i]);
	arr = construct_array(d, e->dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
	pfree(d);
	PG_RETURN_ARRAYTYPE_P(arr);
}
