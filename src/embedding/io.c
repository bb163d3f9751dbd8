/*
 * io.c
 *		The embedding type's text and binary I/O and its shared checks.
 *
 * Text form is "[x1,x2,...]" with each element printed as the shortest
 * decimal that reads back to the same float4, so output -> input is exact.
 * Every path that builds an embedding (text, binary, casts, arithmetic)
 * funnels its checks through embedding_check_dim / embedding_check_element,
 * so the rules and their SQLSTATEs are defined once.
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "embedding/embedding.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "parser/scansup.h"
#include "utils/builtins.h"

/* Elements printed by float_to_shortest_decimal_bufn plus a separator. */
#define EMBEDDING_ELEMENT_TEXT_MAX	(FLOAT_SHORTEST_DECIMAL_LEN + 1)

/*
 * A zeroed embedding of dim dimensions.  The dimension is checked here, on
 * every constructor path, so that no caller can store a 0-dimension or an
 * int16-wrapped value (dim is int16 on disk).
 */
Embedding *
embedding_new(int dim)
{
	Embedding  *e;

	embedding_check_dim(dim);
	e = (Embedding *) palloc0(EMBEDDING_SIZE(dim));

	SET_VARSIZE(e, EMBEDDING_SIZE(dim));
	e->dim = dim;
	return e;
}

void
embedding_check_dim(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("embedding must have at least 1 dimension"),
				 errhint("An empty vector has no direction; give at least one element.")));
	if (dim > EMBEDDING_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("embedding cannot have more than %d dimensions, got %d",
						EMBEDDING_MAX_DIM, dim),
				 errhint("Reduce the dimensionality (for example with subvector()).")));
}

void
embedding_check_element(float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN is not allowed in an embedding"),
				 errhint("Every element must be a finite number.")));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("Infinity is not allowed in an embedding"),
				 errhint("Every element must be a finite number.")));
}

void
embedding_dims_mismatch(const Embedding *a, const Embedding *b)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("embeddings have different dimensions: %d and %d",
					a->dim, b->dim),
			 errhint("Both operands must have the same number of dimensions.")));
}

/* Raises the typmod mismatch error when typmod is set and differs from dim. */
void
embedding_check_typmod(int dim, int32 typmod)
{
	if (typmod != -1 && dim != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim),
				 errhint("The column or cast is declared embedding(%d).", typmod)));
}

/*
 * A stored value whose header does not match its size: never built by
 * hardneg 0.2.0 (embedding_new checks), so it is forged (a binary coercion
 * from another type) or a 0.1.0 value with a wrapped dimension.
 */
void
embedding_bad_header(const struct varlena *v)
{
	const Embedding *e = (const Embedding *) v;

	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid embedding value: %u bytes cannot hold %d dimensions",
					(unsigned) VARSIZE(v),
					VARSIZE(v) >= offsetof(Embedding, x) ? e->dim : 0),
			 errdetail("An embedding of d dimensions is %d + 4 * d bytes with 1 <= d <= %d.",
					   (int) offsetof(Embedding, x), EMBEDDING_MAX_DIM),
			 errhint("The value was not built by hardneg (a binary coercion from another type?) or is damaged; delete or rebuild it.")));
}

/*
 * Whole-value check for values that were stored before every constructor
 * checked (0.1.0 aggregates built NaN and 0-dimension values): the index
 * build and insert run it on every row, so no such value enters an index.
 */
void
embedding_check_value(const Embedding *e)
{
	embedding_check_dim(e->dim);
	for (int i = 0; i < e->dim; i++)
		embedding_check_element(e->x[i]);
}

/* Float overflow of a computed element: the result must never be Infinity. */
void
embedding_check_result(float value)
{
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("embedding element out of range: overflow"),
				 errhint("The result exceeds the range of real (about 3.4e38).")));
}

/* ---------- text input ---------- */

pg_noreturn static void syntax_error(const char *input, const char *why);

static void
syntax_error(const char *input, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type embedding: \"%s\"", input),
			 errdetail("%s", why),
			 errhint("Write an embedding as [1,2,3]: numbers separated by commas in square brackets.")));
}

static inline const char *
skip_space(const char *p)
{
	while (scanner_isspace(*p))
		p++;
	return p;
}

/*
 * Parses one element at *p, advancing it.  strtof accepts NaN and Infinity
 * spellings; those are let through here and rejected by the element check
 * with their own message.
 */
static float
parse_element(const char *input, const char **p)
{
	char	   *end;
	float		v;

	errno = 0;
	v = strtof(*p, &end);
	if (end == *p)
		syntax_error(input, "Expected a number.");
	if (errno == ERANGE && (v == 0.0f || isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%.*s\" is out of range for an embedding element",
						(int) (end - *p), *p),
				 errhint("Elements are real (float4): magnitudes from about 1e-45 to 3.4e38.")));
	embedding_check_element(v);
	*p = end;
	return v;
}

/* Parses the body after '[' into a palloc'd array; returns the count. */
static int
parse_elements(const char *input, const char *p, float **out)
{
	int			cap = 16;
	int			n = 0;
	float	   *x = palloc(cap * sizeof(float));

	p = skip_space(p);
	if (*p == ']')
		embedding_check_dim(0);
	for (;;)
	{
		if (n == cap)
		{
			cap *= 2;
			x = repalloc(x, cap * sizeof(float));
		}
		x[n++] = parse_element(input, &p);
		if (n > EMBEDDING_MAX_DIM)
			embedding_check_dim(n);
		p = skip_space(p);
		if (*p == ']')
			break;
		if (*p != ',')
			syntax_error(input, *p ? "Expected \",\" or \"]\"." : "Missing \"]\".");
		p = skip_space(p + 1);
	}
	p = skip_space(p + 1);
	if (*p != '\0')
		syntax_error(input, "Unexpected text after \"]\".");
	*out = x;
	return n;
}

PG_FUNCTION_INFO_V1(embedding_in);
Datum
embedding_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	const char *p = skip_space(input);
	float	   *x;
	int			dim;
	Embedding  *e;

	if (*p != '[')
		syntax_error(input, "Embedding must start with \"[\".");
	dim = parse_elements(input, p + 1, &x);
	embedding_check_typmod(dim, typmod);
	e = embedding_new(dim);
	memcpy(e->x, x, dim * sizeof(float));
	pfree(x);
	PG_RETURN_EMBEDDING_P(e);
}

PG_FUNCTION_INFO_V1(embedding_out);
Datum
embedding_out(PG_FUNCTION_ARGS)
{
	Embedding  *e = PG_GETARG_EMBEDDING_P(0);
	char	   *buf = palloc(e->dim * EMBEDDING_ELEMENT_TEXT_MAX + 3);
	char	   *p = buf;

	*p++ = '[';
	for (int i = 0; i < e->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(e->x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	PG_FREE_IF_COPY(e, 0);
	PG_RETURN_CSTRING(buf);
}

/* ---------- binary I/O: int16 dim, int16 unused (0), float4[dim] ---------- */

PG_FUNCTION_INFO_V1(embedding_recv);
Datum
embedding_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim = (int16) pq_getmsgint(buf, sizeof(int16));
	int			unused = (int16) pq_getmsgint(buf, sizeof(int16));
	Embedding  *e;

	embedding_check_dim(dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary embedding: reserved field is %d, expected 0", unused),
				 errhint("The binary form is int16 dimensions, int16 zero, then float4 elements.")));
	embedding_check_typmod(dim, typmod);
	e = embedding_new(dim);
	for (int i = 0; i < dim; i++)
	{
		e->x[i] = pq_getmsgfloat4(buf);
		embedding_check_element(e->x[i]);
	}
	/* the caller rejects trailing bytes ("incorrect binary data format") */
	PG_RETURN_EMBEDDING_P(e);
}

PG_FUNCTION_INFO_V1(embedding_send);
Datum
embedding_send(PG_FUNCTION_ARGS)
{
	Embedding  *e = PG_GETARG_EMBEDDING_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, e->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < e->dim; i++)
		pq_sendfloat4(&buf, e->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
