/*
 * reader.h
 *		Reads the caller's SQL inputs into columnar batches.
 *
 * The only place that touches SPI for inputs.  A query string (SPEC 4: the
 * pgRouting / tablefunc convention) is run as the calling user through a
 * cursor, its columns are found by name and converted to arrays:
 *
 *	HN_COL_ID		bigint/int/smallint kept as int64; any other type (text,
 *					varchar, uuid ...) kept as its text form.  One
 *					abstraction for both: HnIds.
 *	HN_COL_FLOAT8	any integer, real, double precision or numeric -> double
 *	HN_COL_INT4		smallint/int/bigint (range-checked) -> int32
 *	HN_COL_TEXT		any type, as its text form
 *	HN_COL_VECTOR	embedding, pgvector vector, real[], double precision[]
 *					-> rows of a row-major, 64-byte aligned float matrix
 *
 * NULLs are errors unless the column spec says nullable; vectors must all have
 * one dimension and finite elements.  Errors name the input ("corpus") and
 * the column, with a hint.
 */
#ifndef HN_READER_H
#define HN_READER_H

#include "postgres.h"

typedef enum HnColType
{
	HN_COL_ID,
	HN_COL_FLOAT8,
	HN_COL_INT4,
	HN_COL_TEXT,
	HN_COL_VECTOR
} HnColType;

typedef struct HnColumnSpec
{
	const char *name;			/* column name the query must return */
	HnColType	type;
	bool		required;		/* error if the query lacks it */
	bool		nullable;		/* NULL values allowed (else error) */
} HnColumnSpec;

/* Ids: bigint-like ids as int64, everything else as text. */
typedef struct HnIds
{
	bool		is_text;
	Oid			typid;			/* the input column's type */
	int64	   *ints;			/* when !is_text */
	char	  **texts;			/* when is_text */
} HnIds;

typedef struct HnColumn
{
	bool		present;		/* the query returned this column */
	Oid			typid;			/* its type in the query */
	HnIds		ids;			/* HN_COL_ID */
	double	   *f8;				/* HN_COL_FLOAT8 */
	int32	   *i4;				/* HN_COL_INT4 */
	char	  **str;			/* HN_COL_TEXT */
	float	   *vec;			/* HN_COL_VECTOR: nrows x dim, aligned */
	int			dim;			/* HN_COL_VECTOR: 0 until the first row */
	bool	   *isnull;			/* only for nullable columns */
	/* HN_COL_VECTOR of hn_read_all_deferred: TOAST pointers of rows not fetched yet */
	bool	   *pending;		/* nrows; NULL when nothing was deferred */
	char	   *pointers;		/* TOAST_POINTER_SIZE bytes per row */
} HnColumn;

typedef struct HnBatch
{
	int64		nrows;
	int64		capacity;
	int			ncols;
	const HnColumnSpec *spec;
	HnColumn   *cols;			/* parallel to spec */
	const char *what;			/* the input's name in messages */
} HnBatch;

typedef struct HnReader HnReader;

/*
 * Opens a cursor over sql.  "what" names the input in messages ("queries",
 * "corpus", "qrels", "run").  Batches are allocated in the memory context
 * current at the open; every function here returns with the context that
 * was current at its call (callers never switch back); the SPI connection
 * stays open until close.  SPI connections nest: close readers in the
 * reverse order of opening (hn_read_all opens and closes its own).
 */
extern HnReader *hn_reader_open(const char *what, const char *sql,
								const HnColumnSpec *spec, int ncols);

/*
 * Fills batch with up to maxrows further rows (replacing its contents; the
 * batch arrays are reused).  Returns false at the end of the input.
 * Pass a zeroed HnBatch the first time.
 */
extern bool hn_reader_next(HnReader *reader, HnBatch *batch, int64 maxrows);
extern void hn_reader_close(HnReader *reader);

/*
 * A statement with parameters, prepared once and run many times (the
 * per-query index searches): the same column specs, conversions and
 * errors as a reader.  SPI stays connected from prepare to close (nest as
 * readers do).  run returns a new batch of at most maxrows rows of one
 * execution, allocated in the memory context current at the call (a
 * per-query context frees it), which is current again on return.
 */
extern HnReader *hn_statement_prepare(const char *what, const char *sql, int nparams,
									  Oid *argtypes, const HnColumnSpec *spec, int ncols);
extern HnBatch *hn_statement_run(HnReader *reader, Datum *values, int64 maxrows);
extern void hn_statement_close(HnReader *reader);

/* sql as a parenthesised subquery, safe from a trailing ';' or "--" comment. */
extern char *hn_reader_subquery(const char *sql);

/* Rows sql returns (runs it once more, as the caller): progress totals. */
extern int64 hn_reader_count(const char *what, const char *sql);

/* Reads the whole input into one batch (for inputs that fit in memory). */
extern HnBatch *hn_read_all(const char *what, const char *sql,
							const HnColumnSpec *spec, int ncols);

/*
 * hn_read_all, except that an embedding (or pgvector vector) stored out of
 * line is not fetched from its TOAST table yet: the batch keeps its pointer
 * (pending[row]), and hn_batch_vector_fetch reads it when it is needed, so a
 * caller that uses the vectors of a few rows does not pay to read them all.
 * The dimension rule is checked for every row at read time (from the
 * pointer's raw size), the elements only when fetched.  Fetch within the
 * same statement (the caller's snapshot keeps the TOAST rows).
 */
extern HnBatch *hn_read_all_deferred(const char *what, const char *sql,
									 const HnColumnSpec *spec, int ncols);

/*
 * Row `row` of vector column c into dst (dim floats), fetched and checked
 * if it was deferred, else copied from the matrix (dst may be that row).
 */
extern void hn_batch_vector_fetch(const HnBatch *batch, int c, int64 row, float *dst);

/* Column lookup by spec index; the vector matrix row of a row. */
static inline float *
hn_batch_vector(const HnBatch *batch, int col, int64 row)
{
	return batch->cols[col].vec + row * (int64) batch->cols[col].dim;
}

/* Id helpers: compare, hash, copy and output in the requested type. */
extern int	hn_ids_compare(const HnIds *a, int64 ia, const HnIds *b, int64 ib);
extern uint64 hn_ids_hash(const HnIds *ids, int64 i);
extern Datum hn_ids_datum(const HnIds *ids, int64 i, Oid out_type);
extern const char *hn_ids_cstring(const HnIds *ids, int64 i, char *buf, size_t buflen);

/*
 * Row positions sorted by id (byte order for text ids, numeric for bigint),
 * and the rank of each row in that order: the tie-break key for top-k heaps.
 */
extern int64 *hn_ids_sort_order(const HnIds *ids, int64 n);

/*
 * The first row whose id equals key[ki], or -1; order is ids' sort order
 * from hn_ids_sort_order (duplicates keep row order, so this is the first).
 */
extern int64 hn_ids_find(const HnIds *ids, const int64 *order, int64 n,
						 const HnIds *key, int64 ki);

/* Errors (42804) unless two inputs' ids are of one kind, integer or text. */
extern void hn_ids_check_kinds(const char *what_a, const HnIds *a,
							   const char *what_b, const HnIds *b);

/* Number of rows allowed in a batch of the given row width under work_mem. */
extern int64 hn_rows_for_work_mem(size_t bytes_per_row);

#endif							/* HN_READER_H */
