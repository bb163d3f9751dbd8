/*
 * knn_index.c
 *		knn_search(method => 'index'): one ORDER BY <distance> LIMIT k query per
 *		query vector, so the planner can use whatever ANN index the corpus
 *		table has (hardneg's own or pgvector's HNSW / IVFFlat).
 *
 * The per-query statement (index_search.c, run through io/reader.h) is
 *		SELECT c.id, (c.embedding OP $1)::float8 AS distance
 *		  FROM (<corpus>) c ORDER BY c.embedding OP $1 LIMIT k
 * with OP <-> (l2), <#> (negative inner product) or <=> (cosine distance),
 * the operators shared by hardneg's embedding and pgvector's vector.  Results
 * are as exact as the index is; scores are converted to similarities and
 * the k rows re-sorted by (score desc, id) so ranks follow the same rule as
 * the exact method.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "embedding/embedding.h"
#include "knn/index_search.h"
#include "knn/knn.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

/*
 * Reads one corpus row to learn the embedding column's type and dimension,
 * and checks that the distance operator exists for it: before any search.
 */
static Oid
corpus_vector_type(const KnnArgs *args, int query_dim)
{
	HnBatch		batch = {0};
	HnReader   *reader = hn_reader_open("corpus", args->corpus_sql, hn_knn_input_spec, 2);
	Oid			typid;

	if (hn_reader_next(reader, &batch, 1))
	{
		hn_knn_check_dims(query_dim, batch.cols[KNN_COL_VEC].dim);
		hn_knn_check_id_type("corpus", &batch.cols[KNN_COL_ID].ids, args->id_type);
	}
	typid = batch.cols != NULL ? batch.cols[KNN_COL_VEC].typid : InvalidOid;
	hn_reader_close(reader);
	if (!OidIsValid(typid))
		return InvalidOid;		/* empty corpus */
	hn_index_search_check_type("knn_search", args->metric, typid);
	return typid;
}

typedef struct Hit
{
	float		score;
	int64		row;
} Hit;

static int
hit_cmp(const void *pa, const void *pb, void *arg)
{
	const Hit  *a = pa;
	const Hit  *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return hn_ids_compare(arg, a->row, arg, b->row);
}

/* Runs the search for one query vector and emits its rows, ties by id. */
static void
search_one(const KnnArgs *args, HnSrf *srf, HnIndexSearch *search,
		   const KnnQueryBlock *block, int q)
{
	HnIds		ids;
	float	   *found;
	int			n = hn_index_search_run(search, block->vec + (int64) q * block->dim,
										block->dim, &ids, &found);
	Hit		   *hits = palloc(sizeof(Hit) * Max(n, 1));
	int64	   *rows = palloc(sizeof(int64) * Max(n, 1));
	float	   *scores = palloc(sizeof(float) * Max(n, 1));

	for (int r = 0; r < n; r++)
	{
		hits[r].score = found[r];
		hits[r].row = r;
	}
	qsort_interruptible(hits, n, sizeof(Hit), hit_cmp, &ids);
	for (int r = 0; r < n; r++)
	{
		rows[r] = hits[r].row;
		scores[r] = hits[r].score;
	}
	hn_knn_emit(srf, args, &block->ids, q, &ids, rows, scores, n);
}

void
hn_knn_index(const KnnArgs *args, HnSrf *srf)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext run_cxt = AllocSetContextCreate(caller, "knn_search", ALLOCSET_DEFAULT_SIZES);
	MemoryContext query_cxt = AllocSetContextCreate(run_cxt, "knn_search query", ALLOCSET_DEFAULT_SIZES);
	KnnQueryBlock block = {0};
	HnBatch		qbatch = {0};
	HnReader   *qreader;
	HnIndexSearch *search = NULL;
	int64		done = 0;
	HnProgress	pr;

	MemoryContextSwitchTo(run_cxt);
	/* the query stream's length is unknown before its end: count it for the total */
	hn_progress_begin(&pr, "knn_search", "queries searched",
					  hn_progress_enabled() ? hn_reader_count("queries", args->queries_sql) : -1);
	qreader = hn_reader_open("queries", args->queries_sql, hn_knn_input_spec, 2);
	while (hn_knn_read_queries(qreader, &qbatch, &block, args->k, args->id_type))
	{
		if (search == NULL)
		{
			Oid			vectype = corpus_vector_type(args, block.dim);

			if (!OidIsValid(vectype))
				break;
			search = hn_index_search_begin(args->corpus_sql, args->metric, args->k, vectype);
		}
		for (int q = 0; q < block.n; q++)
		{
			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(query_cxt);
			search_one(args, srf, search, &block, q);
			MemoryContextSwitchTo(run_cxt);
			MemoryContextReset(query_cxt);
			done++;
			hn_progress_tick(&pr, done, NULL);
		}
	}
	if (search != NULL)
		hn_index_search_end(search);
	hn_reader_close(qreader);
	hn_progress_end(&pr, done, NULL);
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(run_cxt);
}
