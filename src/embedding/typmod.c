/*
 * typmod.c
 *		embedding(n): the type modifier and the length coercion that checks it.
 */
#include "postgres.h"

#include "embedding/embedding.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(embedding_typmod_in);
Datum
embedding_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier for embedding"),
				 errhint("Give one dimension count, as in embedding(768).")));
	if (tl[0] < 1 || tl[0] > EMBEDDING_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("embedding dimensions must be between 1 and %d, got %d",
						EMBEDDING_MAX_DIM, tl[0]),
				 errhint("Declare the column as embedding(n) with 1 <= n <= %d.",
						 EMBEDDING_MAX_DIM)));
	PG_RETURN_INT32(tl[0]);
}

PG_FUNCTION_INFO_V1(embedding_typmod_out);
Datum
embedding_typmod_out(PG_FUNCTION_ARGS)
{
	int32		typmod = PG_GETARG_INT32(0);

	PG_RETURN_CSTRING(typmod < 0 ? pstrdup("") : psprintf("(%d)", typmod));
}

/* Length coercion embedding -> embedding(n): checks, never truncates. */
PG_FUNCTION_INFO_V1(embedding_coerce);
Datum
embedding_coerce(PG_FUNCTION_ARGS)
{
	Embedding  *e = PG_GETARG_EMBEDDING_P(0);

	embedding_check_typmod(e->dim, PG_GETARG_INT32(1));
	PG_RETURN_EMBEDDING_P(e);
}
