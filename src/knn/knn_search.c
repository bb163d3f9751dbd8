/*
 * knn_search.c
 *		SQL entry of knn_search(queries, corpus, k, metric, method, id_type):
 *		argument validation, query blocks, output rows.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "kernels/topk.h"
#include "knn/knn.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

/* Upper bound of k: heaps of k entries per query must fit in memory. */
#define KNN_MAX_K 1000000

const HnColumnSpec hn_knn_input_spec[2] = {
	{"id", HN_COL_ID, true, false},
	{"embedding", HN_COL_VECTOR, true, false},
};

static bool hn_progress_setting = false;

bool
hn_progress_enabled(void)
{
	return hn_progress_setting;
}

void
hn_knn_init(void)
{
	DefineCustomBoolVariable("hardneg.progress",
							 "Report the progress of long hardneg calls as NOTICEs.",
							 NULL,
							 &hn_progress_setting,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}

static void
null_argument(const char *name, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("knn_search: %s must not be NULL", name),
			 errhint("%s", hint)));
}

static void
parse_args(FunctionCallInfo fcinfo, KnnArgs *args)
{
	char	   *method;

	if (PG_ARGISNULL(0))
		null_argument("queries", "Pass a query string such as 'SELECT id, embedding FROM queries'.");
	if (PG_ARGISNULL(1))
		null_argument("corpus", "Pass a query string such as 'SELECT id, embedding FROM docs'.");
	if (PG_ARGISNULL(2))
		null_argument("k", "Pass the number of neighbours per query, e.g. k => 10.");
	if (PG_ARGISNULL(3))
		null_argument("metric", "Use 'cosine', 'ip' or 'l2'.");
	if (PG_ARGISNULL(4))
		null_argument("method", "Use 'exact' or 'index'.");

	args->queries_sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	args->corpus_sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	args->k = PG_GETARG_INT32(2);
	if (args->k < 1 || args->k > KNN_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("knn_search: k must be between 1 and %d, got %d", KNN_MAX_K, args->k),
				 errhint("k is the number of neighbours returned per query.")));
	args->metric = hn_metric_from_name(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	method = text_to_cstring(PG_GETARG_TEXT_PP(4));
	if (pg_strcasecmp(method, "exact") == 0)
		args->use_index = false;
	else if (pg_strcasecmp(method, "index") == 0)
		args->use_index = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("knn_search: unknown method \"%s\"", method),
				 errhint("Use 'exact' (sgemm over the whole corpus) or 'index' (the corpus table's ANN index).")));
	/* the 5-argument form returns bigint ids (see src/sql/30_knn.sql) */
	args->id_type = PG_NARGS() > 5 ? get_fn_expr_argtype(fcinfo->flinfo, 5) : INT8OID;
	if (!OidIsValid(args->id_type))
		args->id_type = INT8OID;
}

PG_FUNCTION_INFO_V1(hn_knn_search);
Datum
hn_knn_search(PG_FUNCTION_ARGS)
{
	KnnArgs		args;
	HnSrf		srf;

	parse_args(fcinfo, &args);
	hn_srf_begin(fcinfo, &srf);
	if (args.use_index)
		hn_knn_index(&args, &srf);
	else
		hn_knn_exact(&args, &srf);
	PG_RETURN_NULL();
}

/* ---------- shared by both methods ---------- */

void
hn_knn_check_nonzero(const char *what, const HnIds *ids, const float *vec,
					 int64 n, int dim)
{
	for (int64 i = 0; i < n; i++)
	{
		char		buf[32];

		if (hn_norm_sq(vec + i * dim, dim) > 0.0f)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("knn_search: the %s row with id %s is a zero vector, which has no cosine similarity",
						what, hn_ids_cstring(ids, i, buf, sizeof(buf))),
				 errhint("Leave zero vectors out of the input, or use metric 'ip' or 'l2'.")));
	}
}

void
hn_knn_check_id_type(const char *what, const HnIds *ids, Oid out_type)
{
	if (ids->is_text && (out_type == INT8OID || out_type == INT4OID || out_type == INT2OID))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("knn_search: the %s ids have type %s, but the result's ids are %s",
						what, format_type_be(ids->typid), format_type_be(out_type)),
				 errhint("Pass id_type => NULL::text (with metric and method), or cast the ids to bigint.")));
}

void
hn_knn_check_dims(int query_dim, int corpus_dim)
{
	if (query_dim != corpus_dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("knn_search: the queries have %d dimensions but the corpus has %d",
						query_dim, corpus_dim),
				 errhint("Embed queries and documents with the same model.")));
}

/*
 * Queries per block under half of work_mem: the vector, the heap (k entries)
 * and, for text ids, up to 2k tied entries and k merged results.
 */
static int
block_capacity(int dim, int k)
{
	size_t		per_query = sizeof(float) * dim + 4 * sizeof(HnScored) * (size_t) k + 64;
	int64		n = hn_rows_for_work_mem(per_query) / 2;

	return (int) Max(Min(n, 1 << 20), 1);
}

static void
block_append(KnnQueryBlock *block, const HnBatch *batch)
{
	const HnColumn *idc = &batch->cols[KNN_COL_ID];
	const HnColumn *vc = &batch->cols[KNN_COL_VEC];

	if (block->vec == NULL)
	{
		block->ids.is_text = idc->ids.is_text;
		block->ids.typid = idc->ids.typid;
		block->vec = MemoryContextAllocHuge(CurrentMemoryContext,
											sizeof(float) * (Size) block->cap * block->dim);
		if (block->ids.is_text)
			block->ids.texts = palloc(sizeof(char *) * block->cap);
		else
			block->ids.ints = palloc(sizeof(int64) * block->cap);
	}
	for (int64 r = 0; r < batch->nrows; r++)
	{
		int			i = block->n++;

		Assert(i < block->cap);
		memcpy(block->vec + (int64) i * block->dim, vc->vec + r * block->dim,
			   sizeof(float) * block->dim);
		if (block->ids.is_text)
			block->ids.texts[i] = idc->ids.texts[r];	/* lives in the reader's context */
		else
			block->ids.ints[i] = idc->ids.ints[r];
	}
}

/* hn_reader_next, returning to the caller's memory context (SPI leaves its own). */
static bool
read_batch(HnReader *reader, HnBatch *batch, int64 maxrows)
{
	MemoryContext cxt = CurrentMemoryContext;
	bool		more = hn_reader_next(reader, batch, maxrows);

	MemoryContextSwitchTo(cxt);
	return more;
}

bool
hn_knn_read_queries(HnReader *reader, HnBatch *batch, KnnQueryBlock *block, int k,
					Oid out_type)
{
	block->n = 0;
	if (block->cap == 0)
	{
		/* one row first: the block size depends on the dimension */
		if (!read_batch(reader, batch, 1))
			return false;
		block->dim = batch->cols[KNN_COL_VEC].dim;
		block->cap = block_capacity(block->dim, k);
		block_append(block, batch);
		hn_knn_check_id_type("queries", &block->ids, out_type);
	}
	while (block->n < block->cap &&
		   read_batch(reader, batch, block->cap - block->n))
		block_append(block, batch);
	return block->n > 0;
}

void
hn_knn_emit(HnSrf *srf, const KnnArgs *args, const HnIds *qids, int64 q,
			const HnIds *dids, const int64 *drows, const float *scores, int n)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	values[0] = hn_ids_datum(qids, q, args->id_type);
	for (int r = 0; r < n; r++)
	{
		values[1] = hn_ids_datum(dids, drows[r], args->id_type);
		values[2] = Int32GetDatum(r + 1);
		values[3] = Float4GetDatum(scores[r]);
		hn_srf_put(srf, values, nulls);
	}
}
