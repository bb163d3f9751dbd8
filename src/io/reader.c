/*
 * reader.c
 *		Runs the caller's input queries through SPI cursors and converts their
 *		rows into columnar batches (see reader.h).
 */
#include "postgres.h"

#include <math.h>

#include "access/detoast.h"
#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "embedding/embedding.h"
#include "executor/spi.h"
#include "parser/parser.h"
#include "parser/scansup.h"
#include "io/halfvec.h"
#include "io/reader.h"
#include "kernels/rng.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

#define FETCH_CHUNK 4096
#define VECTOR_ALIGN 64

typedef enum VecSource
{
	VEC_EMBEDDING,				/* hardneg embedding or pgvector vector */
	VEC_FLOAT4_ARRAY,
	VEC_FLOAT8_ARRAY,
	VEC_HALFVEC					/* pgvector halfvec, decoded to float4 */
} VecSource;

typedef struct ColumnPlan
{
	int			attno;			/* 1-based in the cursor's tuples; 0 absent */
	Oid			typid;
	bool		int_like;		/* int2/int4/int8 */
	VecSource	vec_source;
	FmgrInfo	outfunc;		/* for text forms */
} ColumnPlan;

struct HnReader
{
	const char *what;
	const char *sql;
	const HnColumnSpec *spec;
	int			ncols;
	Portal		portal;
	SPIPlanPtr	plan;			/* statements: prepared once, run per call */
	bool		planned;		/* plans[] filled from a result's tupdesc */
	ColumnPlan *plans;
	MemoryContext batch_cxt;	/* where batches live: the caller's context */
	MemoryContext long_cxt;		/* statements: the context at prepare */
	MemoryContext row_cxt;		/* detoasted values of one fetch chunk */
	int64		rows_read;
	bool		done;
	bool		defer;			/* hn_read_all_deferred */
	ErrorContextCallback errcb;
};

static void
reader_error_context(void *arg)
{
	HnReader   *reader = arg;

	errcontext("reading the %s query", reader->what);
}

static bool
is_int_type(Oid typid)
{
	return typid == INT2OID || typid == INT4OID || typid == INT8OID;
}

static bool
is_float_source(Oid typid)
{
	return is_int_type(typid) || typid == FLOAT4OID || typid == FLOAT8OID ||
		typid == NUMERICOID;
}

/*
 * The extension a type belongs to (pg_depend), or InvalidOid.  Types are
 * recognised by their owner, never by name: anyone can create a type or a
 * domain called "vector" in pg_temp.
 */
static Oid
type_extension(Oid typid)
{
	return getExtensionOfObject(TypeRelationId, typid);
}

/*
 * embedding (ours) and vector (pgvector) share one layout: our type is the
 * one named embedding that hardneg's extension owns, pgvector's the one
 * named vector that the extension "vector" owns.  Domains over either are
 * read as their base type.
 */
static bool
is_embedding_layout(Oid typid)
{
	Oid			base = getBaseType(typid);
	Oid			ext = type_extension(base);
	char	   *extname;
	HeapTuple	tup;
	bool		result = false;

	if (!OidIsValid(ext) || (extname = get_extension_name(ext)) == NULL)
		return false;
	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(base));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_type t = (Form_pg_type) GETSTRUCT(tup);
		const char *typname = NameStr(t->typname);

		result = t->typlen == -1 &&
			((strcmp(extname, "hardneg") == 0 && strcmp(typname, "embedding") == 0) ||
			 (strcmp(extname, "vector") == 0 && strcmp(typname, "vector") == 0));
		ReleaseSysCache(tup);
	}
	return result;
}

static void
type_mismatch(HnReader *reader, int col, const char *expected, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("column \"%s\" of the %s query has type %s, expected %s",
					reader->spec[col].name, reader->what,
					format_type_be(reader->plans[col].typid), expected),
			 errhint("%s", hint)));
}

static void
plan_column(HnReader *reader, int col, TupleDesc desc)
{
	const HnColumnSpec *spec = &reader->spec[col];
	ColumnPlan *plan = &reader->plans[col];
	int			attno = SPI_fnumber(desc, spec->name);
	Oid			outfn;
	bool		varlena;

	if (attno <= 0)
	{
		plan->attno = 0;
		if (spec->required)
		{
			StringInfoData names;

			initStringInfo(&names);
			for (int i = 0; i < reader->ncols; i++)
				if (reader->spec[i].required)
					appendStringInfo(&names, "%s%s", names.len ? ", " : "", reader->spec[i].name);
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("the %s query returns no column \"%s\"", reader->what, spec->name),
					 errhint("The %s query must return the columns %s; rename with AS, e.g. SELECT doc_id AS id.",
							 reader->what, names.data)));
		}
		return;
	}
	plan->attno = attno;
	plan->typid = SPI_gettypeid(desc, attno);
	plan->int_like = is_int_type(plan->typid);
	getTypeOutputInfo(plan->typid, &outfn, &varlena);
	fmgr_info_cxt(outfn, &plan->outfunc, reader->batch_cxt);

	switch (spec->type)
	{
		case HN_COL_ID:
		case HN_COL_TEXT:
			break;
		case HN_COL_FLOAT8:
			if (!is_float_source(plan->typid))
				type_mismatch(reader, col, "a number", "Cast the column to double precision.");
			break;
		case HN_COL_INT4:
			if (!plan->int_like)
				type_mismatch(reader, col, "an integer",
							  "Cast the column to integer (relevance grades are whole numbers).");
			break;
		case HN_COL_VECTOR:
			if (plan->typid == FLOAT4ARRAYOID)
				plan->vec_source = VEC_FLOAT4_ARRAY;
			else if (plan->typid == FLOAT8ARRAYOID)
				plan->vec_source = VEC_FLOAT8_ARRAY;
			else if (is_embedding_layout(plan->typid))
				plan->vec_source = VEC_EMBEDDING;
			else if (hn_is_halfvec_type(plan->typid))
				plan->vec_source = VEC_HALFVEC;
			else
				type_mismatch(reader, col, "embedding, pgvector's vector or halfvec, real[] or double precision[]",
							  "Cast the column to real[] (pgvector's sparsevec: to vector).");
			break;
	}
}

HnReader *
hn_reader_open(const char *what, const char *sql,
			   const HnColumnSpec *spec, int ncols)
{
	HnReader   *reader = hn_statement_prepare(what, sql, 0, NULL, spec, ncols);

	reader->errcb.previous = error_context_stack;
	error_context_stack = &reader->errcb;
	reader->portal = SPI_cursor_open(NULL, reader->plan, NULL, NULL, false);
	for (int i = 0; i < ncols; i++)
		plan_column(reader, i, reader->portal->tupDesc);
	reader->planned = true;

	/*
	 * SPI_cursor_open left us in SPI's procedure context, which SPI_finish
	 * deletes: give the caller back its own context for what it allocates
	 * between batches.
	 */
	MemoryContextSwitchTo(reader->batch_cxt);
	error_context_stack = reader->errcb.previous;
	return reader;
}

/* 64-byte aligned huge allocation (a corpus matrix can pass 1 GB). */
static float *
alloc_matrix(MemoryContext cxt, int64 nfloats)
{
	char	   *raw = MemoryContextAllocHuge(cxt, nfloats * sizeof(float) + VECTOR_ALIGN);

	return (float *) TYPEALIGN(VECTOR_ALIGN, raw);
}

static void *
grow(MemoryContext cxt, void *old, size_t elem, int64 oldn, int64 newn)
{
	void	   *p = MemoryContextAllocHuge(cxt, elem * newn);

	if (old != NULL && oldn > 0)
		memcpy(p, old, elem * oldn);
	return p;
}

static void
ensure_capacity(HnReader *reader, HnBatch *batch, int64 need)
{
	int64		newcap;

	if (need <= batch->capacity)
		return;
	newcap = Max(need, batch->capacity * 2);
	newcap = Max(newcap, 64);
	for (int c = 0; c < reader->ncols; c++)
	{
		HnColumn   *col = &batch->cols[c];
		const HnColumnSpec *spec = &reader->spec[c];

		if (!col->present)
			continue;
		switch (spec->type)
		{
			case HN_COL_ID:
				if (col->ids.is_text)
					col->ids.texts = grow(reader->batch_cxt, col->ids.texts, sizeof(char *), batch->nrows, newcap);
				else
					col->ids.ints = grow(reader->batch_cxt, col->ids.ints, sizeof(int64), batch->nrows, newcap);
				break;
			case HN_COL_FLOAT8:
				col->f8 = grow(reader->batch_cxt, col->f8, sizeof(double), batch->nrows, newcap);
				break;
			case HN_COL_INT4:
				col->i4 = grow(reader->batch_cxt, col->i4, sizeof(int32), batch->nrows, newcap);
				break;
			case HN_COL_TEXT:
				col->str = grow(reader->batch_cxt, col->str, sizeof(char *), batch->nrows, newcap);
				break;
			case HN_COL_VECTOR:
				if (col->dim > 0)
				{
					float	   *m = alloc_matrix(reader->batch_cxt, newcap * col->dim);

					if (col->vec != NULL)
						memcpy(m, col->vec, sizeof(float) * batch->nrows * col->dim);
					col->vec = m;
				}
				if (reader->defer)
				{
					col->pending = grow(reader->batch_cxt, col->pending, sizeof(bool), batch->nrows, newcap);
					col->pointers = grow(reader->batch_cxt, col->pointers, TOAST_POINTER_SIZE,
										 batch->nrows, newcap);
				}
				break;
		}
		if (spec->nullable)
			col->isnull = grow(reader->batch_cxt, col->isnull, sizeof(bool), batch->nrows, newcap);
	}
	batch->capacity = newcap;
}

static void
init_batch(HnReader *reader, HnBatch *batch)
{
	MemoryContext old = MemoryContextSwitchTo(reader->batch_cxt);

	batch->ncols = reader->ncols;
	batch->spec = reader->spec;
	batch->what = reader->what;
	batch->cols = palloc0(sizeof(HnColumn) * reader->ncols);
	for (int c = 0; c < reader->ncols; c++)
	{
		HnColumn   *col = &batch->cols[c];

		col->present = reader->plans[c].attno > 0;
		col->typid = reader->plans[c].typid;
		col->ids.typid = col->typid;
		col->ids.is_text = !reader->plans[c].int_like;
	}
	MemoryContextSwitchTo(old);
}

static void
null_error(HnReader *reader, int col, int64 row)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("column \"%s\" of the %s query is NULL in row " INT64_FORMAT,
					reader->spec[col].name, reader->what, row + 1),
			 errhint("Filter the rows out with WHERE %s IS NOT NULL, or fill them in.",
					 reader->spec[col].name)));
}

static void
dim_error(HnReader *reader, int col, int64 row, int got, int expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("row " INT64_FORMAT " of the %s query has a %d-dimensional \"%s\", expected %d",
					row + 1, reader->what, got, reader->spec[col].name, expected),
			 errhint("Every vector of one input must have the same number of dimensions.")));
}

/*
 * Trust no bytes: an array's element type and its data length must match
 * what is about to be read from it.
 */
static void
array_check_size(HnReader *reader, int c, int64 abs_row, ArrayType *arr, int dim)
{
	bool		f4 = reader->plans[c].vec_source == VEC_FLOAT4_ARRAY;
	Size		elsize = f4 ? sizeof(float4) : sizeof(float8);

	if (ARR_ELEMTYPE(arr) != (f4 ? FLOAT4OID : FLOAT8OID) || dim < 0 ||
		(Size) ARR_SIZE(arr) < (Size) ARR_DATA_OFFSET(arr) + (Size) dim * elsize)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("row " INT64_FORMAT " of the %s query: \"%s\" is not a valid %s array",
						abs_row + 1, reader->what, reader->spec[c].name,
						f4 ? "real" : "double precision"),
				 errhint("Its header does not match its length; rebuild the value.")));
}

/* Copies dim elements into dst; a non-finite one is an error naming row and column. */
static void
copy_finite(const char *what, const char *name, int64 row, const float *src4,
			const float8 *src8, int dim, float *dst)
{
	for (int i = 0; i < dim; i++)
	{
		float		v = src4 ? src4[i] : (float) src8[i];

		if (!isfinite(v))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("row " INT64_FORMAT " of the %s query has a non-finite element in \"%s\"",
							row + 1, what, name),
					 errhint("NaN and Infinity are not valid vector elements.")));
		dst[i] = v;
	}
}

/* The first vector fixes the dimension; every other must match it. */
static void
check_dim(HnReader *reader, HnBatch *batch, int c, int64 abs_row, int dim)
{
	HnColumn   *col = &batch->cols[c];

	if (dim < 1 || dim > EMBEDDING_MAX_DIM)
		dim_error(reader, c, abs_row, dim, col->dim);
	if (col->dim == 0)
	{
		/* size the matrix now */
		col->dim = dim;
		col->vec = alloc_matrix(reader->batch_cxt, batch->capacity * dim);
	}
	else if (dim != col->dim)
		dim_error(reader, c, abs_row, dim, col->dim);
}

/*
 * hn_read_all_deferred: keeps an out-of-line embedding as its TOAST pointer.
 * Its raw size gives its dimension (the header counts in it); a size that
 * is no embedding's is not deferred, so the full checks report it now.
 */
static bool
defer_vector(HnReader *reader, HnBatch *batch, int c, int64 row, Datum value)
{
	HnColumn   *col = &batch->cols[c];
	struct varatt_external ext;
	int64		body;

	VARATT_EXTERNAL_GET_POINTER(ext, DatumGetPointer(value));
	body = (int64) ext.va_rawsize - (int64) offsetof(Embedding, x);
	if (body < (int64) sizeof(float) || body % sizeof(float) != 0 ||
		body / sizeof(float) > EMBEDDING_MAX_DIM)
		return false;
	check_dim(reader, batch, c, reader->rows_read + (row - batch->nrows), (int) (body / sizeof(float)));
	memcpy(col->pointers + row * TOAST_POINTER_SIZE, DatumGetPointer(value), TOAST_POINTER_SIZE);
	col->pending[row] = true;
	return true;
}

/* Copies one vector value into row `row` of the batch's matrix. */
static void
store_vector(HnReader *reader, HnBatch *batch, int c, int64 row, Datum value)
{
	HnColumn   *col = &batch->cols[c];
	int64		abs_row = reader->rows_read + (row - batch->nrows);
	const float *src4 = NULL;
	const float8 *src8 = NULL;
	int			dim;

	if (reader->defer)
	{
		col->pending[row] = false;
		if (reader->plans[c].vec_source == VEC_EMBEDDING &&
			VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(value)) &&
			defer_vector(reader, batch, c, row, value))
			return;
	}
	if (reader->plans[c].vec_source == VEC_EMBEDDING)
	{
		Embedding  *e = DatumGetEmbedding(value);

		dim = e->dim;
		src4 = e->x;
	}
	else if (reader->plans[c].vec_source == VEC_HALFVEC)
		src4 = hn_halfvec_to_floats(value, &dim);	/* in the per-chunk context */
	else
	{
		ArrayType  *arr = DatumGetArrayTypeP(value);

		if (ARR_NDIM(arr) != 1 || ARR_HASNULL(arr))
			ereport(ERROR,
					(errcode(ARR_NDIM(arr) == 0 ? ERRCODE_DATA_EXCEPTION :
							 ARR_HASNULL(arr) ? ERRCODE_NULL_VALUE_NOT_ALLOWED :
							 ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("row " INT64_FORMAT " of the %s query: \"%s\" must be a non-empty one-dimensional array without NULL elements",
							abs_row + 1, reader->what, reader->spec[c].name),
					 errhint("Vectors given as arrays must be flat, like ARRAY[0.1, 0.2]::real[].")));
		dim = ARR_DIMS(arr)[0];
		array_check_size(reader, c, abs_row, arr, dim);
		if (reader->plans[c].vec_source == VEC_FLOAT4_ARRAY)
			src4 = (const float *) ARR_DATA_PTR(arr);
		else
			src8 = (const float8 *) ARR_DATA_PTR(arr);
	}
	check_dim(reader, batch, c, abs_row, dim);
	copy_finite(reader->what, reader->spec[c].name, abs_row, src4, src8, dim,
				col->vec + row * (int64) dim);
}

void
hn_batch_vector_fetch(const HnBatch *batch, int c, int64 row, float *dst)
{
	const HnColumn *col = &batch->cols[c];
	const float *src = col->vec + row * (int64) col->dim;
	Embedding  *e;

	if (col->pending == NULL || !col->pending[row])
	{
		if (dst != src)
			memcpy(dst, src, sizeof(float) * col->dim);
		return;
	}
	/* detoasted and checked (header against size) as at read time */
	e = DatumGetEmbedding(PointerGetDatum(col->pointers + row * TOAST_POINTER_SIZE));
	if (e->dim != col->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("row " INT64_FORMAT " of the %s query has a %d-dimensional \"%s\", expected %d",
						row + 1, batch->what, e->dim, batch->spec[c].name, col->dim),
				 errhint("Every vector of one input must have the same number of dimensions.")));
	copy_finite(batch->what, batch->spec[c].name, row, e->x, NULL, col->dim, dst);
	pfree(e);
}

static int64
int_value(Oid typid, Datum d)
{
	switch (typid)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		default:
			return DatumGetInt64(d);
	}
}

static double
float_value(Oid typid, Datum d)
{
	switch (typid)
	{
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));
		default:
			return (double) int_value(typid, d);
	}
}

static void
store_value(HnReader *reader, HnBatch *batch, int c, int64 row, Datum d)
{
	HnColumn   *col = &batch->cols[c];
	ColumnPlan *plan = &reader->plans[c];
	MemoryContext old;

	switch (reader->spec[c].type)
	{
		case HN_COL_ID:
			if (!col->ids.is_text)
			{
				col->ids.ints[row] = int_value(plan->typid, d);
				break;
			}
			/* FALLTHROUGH */
		case HN_COL_TEXT:
			{
				char	   *s = OutputFunctionCall(&plan->outfunc, d);

				old = MemoryContextSwitchTo(reader->batch_cxt);
				s = pstrdup(s);
				MemoryContextSwitchTo(old);
				if (reader->spec[c].type == HN_COL_ID)
					col->ids.texts[row] = s;
				else
					col->str[row] = s;
			}
			break;
		case HN_COL_FLOAT8:
			col->f8[row] = float_value(plan->typid, d);
			break;
		case HN_COL_INT4:
			{
				int64		v = int_value(plan->typid, d);

				if (v < PG_INT32_MIN || v > PG_INT32_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("column \"%s\" of the %s query is out of the integer range",
									reader->spec[c].name, reader->what)));
				col->i4[row] = (int32) v;
			}
			break;
		case HN_COL_VECTOR:
			store_vector(reader, batch, c, row, d);
			break;
	}
}

/* Appends up to maxrows rows to batch; false when the input is exhausted. */
static bool
fetch_rows(HnReader *reader, HnBatch *batch, int64 maxrows)
{
	int64		target = batch->nrows + maxrows;

	while (!reader->done && batch->nrows < target)
	{
		int64		want = Min(target - batch->nrows, FETCH_CHUNK);
		SPITupleTable *tt;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(reader->portal, true, want);
		tt = SPI_tuptable;
		if (SPI_processed == 0)
		{
			reader->done = true;
			break;
		}
		ensure_capacity(reader, batch, batch->nrows + (int64) SPI_processed);
		old = MemoryContextSwitchTo(reader->row_cxt);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			int64		row = batch->nrows;

			for (int c = 0; c < reader->ncols; c++)
			{
				bool		isnull;
				Datum		d;

				if (reader->plans[c].attno == 0)
					continue;
				d = SPI_getbinval(tt->vals[r], tt->tupdesc, reader->plans[c].attno, &isnull);
				if (reader->spec[c].nullable)
					batch->cols[c].isnull[row] = isnull;
				if (isnull)
				{
					if (!reader->spec[c].nullable)
						null_error(reader, c, reader->rows_read);
					continue;
				}
				store_value(reader, batch, c, row, d);
			}
			batch->nrows++;
			reader->rows_read++;
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(reader->row_cxt);
		SPI_freetuptable(tt);
		if (SPI_processed < (uint64) want)
			reader->done = true;
	}
	return batch->nrows > 0;
}

bool
hn_reader_next(HnReader *reader, HnBatch *batch, int64 maxrows)
{
	/* every SPI call returns in SPI's procedure context: restore the caller's */
	MemoryContext caller = CurrentMemoryContext;
	bool		more;

	if (batch->cols == NULL)
		init_batch(reader, batch);
	batch->nrows = 0;
	reader->errcb.previous = error_context_stack;
	error_context_stack = &reader->errcb;
	more = fetch_rows(reader, batch, Max(maxrows, 1));
	error_context_stack = reader->errcb.previous;
	MemoryContextSwitchTo(caller);
	return more;
}

void
hn_reader_close(HnReader *reader)
{
	SPI_cursor_close(reader->portal);
	hn_statement_close(reader);
}

static HnBatch *
read_all(const char *what, const char *sql, const HnColumnSpec *spec, int ncols, bool defer)
{
	MemoryContext caller = CurrentMemoryContext;
	HnReader   *reader = hn_reader_open(what, sql, spec, ncols);
	HnBatch    *batch = palloc0(sizeof(HnBatch));

	reader->defer = defer;

	init_batch(reader, batch);
	reader->errcb.previous = error_context_stack;
	error_context_stack = &reader->errcb;
	while (fetch_rows(reader, batch, PG_INT64_MAX / 2) && !reader->done)
		;
	error_context_stack = reader->errcb.previous;
	/* SPI calls leave SPI's context current: close from the caller's */
	MemoryContextSwitchTo(caller);
	hn_reader_close(reader);
	return batch;
}

HnBatch *
hn_read_all(const char *what, const char *sql, const HnColumnSpec *spec, int ncols)
{
	return read_all(what, sql, spec, ncols, false);
}

HnBatch *
hn_read_all_deferred(const char *what, const char *sql, const HnColumnSpec *spec, int ncols)
{
	return read_all(what, sql, spec, ncols, true);
}

/* ---------- prepared statements ---------- */

HnReader *
hn_statement_prepare(const char *what, const char *sql, int nparams, Oid *argtypes,
					 const HnColumnSpec *spec, int ncols)
{
	MemoryContext caller = CurrentMemoryContext;
	HnReader   *reader = palloc0(sizeof(HnReader));

	reader->what = what;
	reader->sql = sql;
	reader->spec = spec;
	reader->ncols = ncols;
	reader->batch_cxt = reader->long_cxt = caller;
	reader->row_cxt = AllocSetContextCreate(caller, "hardneg statement rows",
											ALLOCSET_DEFAULT_SIZES);
	reader->plans = palloc0(sizeof(ColumnPlan) * ncols);
	if (sql == NULL || sql[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the %s query is empty", what),
				 errhint("Pass a query string such as 'SELECT id, embedding FROM docs'.")));
	reader->errcb.callback = reader_error_context;
	reader->errcb.arg = reader;
	reader->errcb.previous = error_context_stack;
	error_context_stack = &reader->errcb;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	reader->plan = SPI_prepare(sql, nparams, argtypes);
	if (reader->plan == NULL)
		elog(ERROR, "could not prepare the %s query: %s", what,
			 SPI_result_code_string(SPI_result));
	if (!SPI_is_cursor_plan(reader->plan))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("the %s query must be a single statement that returns rows", what),
				 errhint("Pass one SELECT (or VALUES, or TABLE) statement.")));
	error_context_stack = reader->errcb.previous;
	MemoryContextSwitchTo(caller);
	return reader;
}

HnBatch *
hn_statement_run(HnReader *reader, Datum *values, int64 maxrows)
{
	MemoryContext caller = CurrentMemoryContext;
	HnBatch    *batch = palloc0(sizeof(HnBatch));

	reader->errcb.previous = error_context_stack;
	error_context_stack = &reader->errcb;
	reader->portal = SPI_cursor_open(NULL, reader->plan, values, NULL, true);
	if (!reader->planned)
	{
		/* output functions' caches must outlive this call's context */
		reader->batch_cxt = reader->long_cxt;
		for (int i = 0; i < reader->ncols; i++)
			plan_column(reader, i, reader->portal->tupDesc);
		reader->planned = true;
	}
	reader->batch_cxt = caller;
	init_batch(reader, batch);
	reader->done = false;
	reader->rows_read = 0;
	fetch_rows(reader, batch, Max(maxrows, 1));
	SPI_cursor_close(reader->portal);
	reader->portal = NULL;
	error_context_stack = reader->errcb.previous;
	MemoryContextSwitchTo(caller);
	return batch;
}

/* Also the end of hn_reader_close: SPI_finish would return to the open's context. */
void
hn_statement_close(HnReader *reader)
{
	MemoryContext caller = CurrentMemoryContext;

	SPI_finish();
	MemoryContextDelete(reader->row_cxt);
	MemoryContextSwitchTo(caller);
}

/*
 * sql as a subquery "(sql\n)".  The raw parser says where the one
 * statement ends, so a trailing semicolon and anything after it (a comment)
 * are left out; the closing parenthesis goes on a line of its own so that a
 * trailing "--" comment cannot swallow it.
 */
char *
hn_reader_subquery(const char *sql)
{
	List	   *stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	int			from = 0,
				len = strlen(sql);

	if (list_length(stmts) == 1)
	{
		RawStmt    *rs = linitial_node(RawStmt, stmts);

		from = rs->stmt_location;
		len = rs->stmt_len > 0 ? rs->stmt_len : len - from;
	}
	while (len > 0 && (sql[from + len - 1] == ';' || scanner_isspace(sql[from + len - 1])))
		len--;
	return psprintf("(%.*s\n)", len, sql + from);
}

/*
 * Rows of sql, counted by running it once more as a subquery: for progress
 * totals only (hardneg.progress), where the stream's length is not known
 * before its end.
 */
int64
hn_reader_count(const char *what, const char *sql)
{
	MemoryContext caller = CurrentMemoryContext;
	int64		n;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(psprintf("SELECT pg_catalog.count(*) FROM %s hn_count", hn_reader_subquery(sql)),
					false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not count the rows of the %s query", what);
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	MemoryContextSwitchTo(caller);
	return n;
}

/* ---------- ids ---------- */

const char *
hn_ids_cstring(const HnIds *ids, int64 i, char *buf, size_t buflen)
{
	if (ids->is_text)
		return ids->texts[i];
	snprintf(buf, buflen, INT64_FORMAT, ids->ints[i]);
	return buf;
}

int
hn_ids_compare(const HnIds *a, int64 ia, const HnIds *b, int64 ib)
{
	char		ba[32],
				bb[32];

	if (!a->is_text && !b->is_text)
		return (a->ints[ia] > b->ints[ib]) - (a->ints[ia] < b->ints[ib]);
	return strcmp(hn_ids_cstring(a, ia, ba, sizeof(ba)),
				  hn_ids_cstring(b, ib, bb, sizeof(bb)));
}

uint64
hn_ids_hash(const HnIds *ids, int64 i)
{
	if (ids->is_text)
		return hn_hash_bytes(ids->texts[i], strlen(ids->texts[i]));
	return hn_hash64(0, 0, (uint64) ids->ints[i], 0, 0);
}

Datum
hn_ids_datum(const HnIds *ids, int64 i, Oid out_type)
{
	char		buf[32];
	Oid			infn,
				ioparam;

	if (!ids->is_text)
	{
		if (out_type == INT8OID)
			return Int64GetDatum(ids->ints[i]);
		if (out_type == INT4OID && ids->ints[i] >= PG_INT32_MIN && ids->ints[i] <= PG_INT32_MAX)
			return Int32GetDatum((int32) ids->ints[i]);
	}
	if (out_type == TEXTOID)
		return CStringGetTextDatum(hn_ids_cstring(ids, i, buf, sizeof(buf)));
	getTypeInputInfo(out_type, &infn, &ioparam);
	return OidInputFunctionCall(infn, (char *) hn_ids_cstring(ids, i, buf, sizeof(buf)),
								ioparam, -1);
}

/* Ties (duplicate ids) keep row order, so lookups find the first row. */
static int
ids_order_cmp(const void *pa, const void *pb, void *arg)
{
	int64		a = *(const int64 *) pa,
				b = *(const int64 *) pb;
	int			c = hn_ids_compare(arg, a, arg, b);

	return c != 0 ? c : (a > b) - (a < b);
}

int64 *
hn_ids_sort_order(const HnIds *ids, int64 n)
{
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));

	for (int64 i = 0; i < n; i++)
		order[i] = i;
	qsort_interruptible(order, n, sizeof(int64), ids_order_cmp, (void *) ids);
	return order;
}

int64
hn_ids_find(const HnIds *ids, const int64 *order, int64 n, const HnIds *key, int64 ki)
{
	int64		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (hn_ids_compare(ids, order[mid], key, ki) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && hn_ids_compare(ids, order[lo], key, ki) == 0)
		return order[lo];
	return -1;
}

void
hn_ids_check_kinds(const char *what_a, const HnIds *a, const char *what_b, const HnIds *b)
{
	if (a->is_text != b->is_text)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the %s query has %s ids but the %s query has %s ids",
						what_a, a->is_text ? "text" : "integer",
						what_b, b->is_text ? "text" : "integer"),
				 errhint("Cast the id columns of both queries to one type, e.g. ::text.")));
}

int64
hn_rows_for_work_mem(size_t bytes_per_row)
{
	int64		budget = (int64) work_mem * 1024;

	return Max(budget / (int64) Max(bytes_per_row, 1), 1);
}
