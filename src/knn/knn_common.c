/*
 * knn_common.c
 *		What both knn_search methods share: the input columns, the query
 *		blocks read from the queries input, the checks and the output rows.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "kernels/topk.h"
#include "knn/knn.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

const HnColumnSpec hn_knn_input_spec[2] = {
	{"id", HN_COL_ID, true, false},
	{"embedding", HN_COL_VECTOR, true, false},
};

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

bool
hn_knn_read_queries(HnReader *reader, HnBatch *batch, KnnQueryBlock *block, int k,
					Oid out_type)
{
	block->n = 0;
	if (block->cap == 0)
	{
		/* one row first: the block size depends on the dimension */
		if (!hn_reader_next(reader, batch, 1))
			return false;
		block->dim = batch->cols[KNN_COL_VEC].dim;
		block->cap = block_capacity(block->dim, k);
		block_append(block, batch);
		hn_knn_check_id_type("queries", &block->ids, out_type);
	}
	while (block->n < block->cap &&
		   hn_reader_next(reader, batch, block->cap - block->n))
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
