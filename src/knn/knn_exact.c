/*
 * knn_exact.c
 *		knn_search(method => 'exact'): streams the corpus through the exact
 *		k-NN kernel once per block of queries.
 *
 * Memory: a query block and its heaps take at most half of work_mem, a corpus
 * chunk and the score tile a quarter each; when the queries do not fit in one
 * block, the corpus query is run once per block.  Text corpus ids are kept
 * for the pass (they name the results and decide ties).
 */
#include "postgres.h"

#include "io/progress.h"
#include "kernels/exact_knn.h"
#include "knn/knn.h"
#include "miscadmin.h"
#include "utils/memutils.h"

/* One pass of the corpus for one query block. */
typedef struct CorpusPass
{
	MemoryContext cxt;
	HnIds		ids;			/* text ids of every row seen (text only) */
	int64		nids;
	int64		cap;
	int64	   *keys;			/* per chunk: ordinals (text ids) */
	int64		keycap;
} CorpusPass;

/* hardneg.progress across the passes: queries done before this block, corpus size */
typedef struct KnnProgress
{
	HnProgress	pr;
	int64		queries_done;
	int64		ndocs;			/* -1 until the first pass has seen them all */
} KnnProgress;

static int
text_key_cmp(int64 a, int64 b, void *arg)
{
	const CorpusPass *pass = arg;

	return strcmp(pass->ids.texts[a], pass->ids.texts[b]);
}

/* Keys of a chunk's rows: the id itself, or the row's ordinal (text ids). */
static const int64 *
chunk_keys(CorpusPass *pass, const HnBatch *batch)
{
	const HnIds *ids = &batch->cols[KNN_COL_ID].ids;
	int64		n = batch->nrows;

	if (!ids->is_text)
		return ids->ints;
	pass->ids.is_text = true;
	if (pass->nids + n > pass->cap)
	{
		int64		newcap = Max(pass->nids + n, 2 * pass->cap);
		char	  **texts = MemoryContextAllocHuge(pass->cxt, sizeof(char *) * newcap);

		if (pass->nids > 0)
			memcpy(texts, pass->ids.texts, sizeof(char *) * pass->nids);
		pass->ids.texts = texts;
		pass->cap = newcap;
	}
	if (n > pass->keycap)
	{
		pass->keys = MemoryContextAllocHuge(pass->cxt, sizeof(int64) * n);
		pass->keycap = n;
	}
	for (int64 r = 0; r < n; r++)
	{
		pass->keys[r] = pass->nids;
		pass->ids.texts[pass->nids++] = ids->texts[r];
	}
	return pass->keys;
}

/* "block 2 (100 queries): 700 of 1400 documents scored" */
static const char *
block_detail(const KnnProgress *kp, int block_no, int nq, int64 docs)
{
	char		total[32] = "";

	if (kp->ndocs >= 0)
		snprintf(total, sizeof(total), " of " INT64_FORMAT, kp->ndocs);
	return psprintf("block %d (%d queries): " INT64_FORMAT "%s documents scored",
					block_no, nq, docs, total);
}

/* Rows per corpus chunk: a quarter of work_mem. */
static int64
chunk_rows(int dim)
{
	return Max(hn_rows_for_work_mem(sizeof(float) * dim + 64) / 4, 64);
}

static void
emit_block(const KnnArgs *args, HnSrf *srf, KnnQueryBlock *block,
		   HnKnn *knn, CorpusPass *pass, MemoryContext row_cxt)
{
	HnIds		keyids = {false, INT8OID, NULL, NULL};
	int64	   *drows = palloc(sizeof(int64) * args->k);
	float	   *scores = palloc(sizeof(float) * args->k);

	for (int q = 0; q < block->n; q++)
	{
		const HnScored *items;
		int			n = hn_knn_result(knn, q, &items);
		int64	   *keys = palloc(sizeof(int64) * Max(n, 1));
		MemoryContext old;

		for (int r = 0; r < n; r++)
		{
			keys[r] = items[r].key;
			scores[r] = items[r].score;
			drows[r] = pass->ids.is_text ? items[r].key : r;
		}
		keyids.ints = keys;
		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(row_cxt);
		hn_knn_emit(srf, args, &block->ids, q,
					pass->ids.is_text ? &pass->ids : &keyids, drows, scores, n);
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_cxt);
		pfree(keys);
	}
}

/* Scores the whole corpus against one query block and emits its rows. */
static void
run_pass(const KnnArgs *args, HnSrf *srf, KnnQueryBlock *block, int block_no,
		 MemoryContext run_cxt, KnnProgress *kp)
{
	CorpusPass	pass = {0};
	HnBatch		batch = {0};
	HnReader   *reader;
	HnKnn	   *knn;
	bool		more,
				text_ids;

	pass.cxt = AllocSetContextCreate(run_cxt, "knn_search pass", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(pass.cxt);
	reader = hn_reader_open("corpus", args->corpus_sql, hn_knn_input_spec, 2);
	more = hn_reader_next(reader, &batch, chunk_rows(block->dim));
	/* text ids: ties are decided by the ids themselves, see exact_knn.h */
	text_ids = more && batch.cols[KNN_COL_ID].ids.is_text;
	if (more)
		hn_knn_check_id_type("corpus", &batch.cols[KNN_COL_ID].ids, args->id_type);
	knn = hn_knn_begin(block->vec, block->n, block->dim, args->metric, args->k,
					   text_ids ? text_key_cmp : NULL, &pass);
	while (more)
	{
		const int64 *keys;

		hn_knn_check_dims(block->dim, batch.cols[KNN_COL_VEC].dim);
		if (args->metric == HN_METRIC_COSINE)
			hn_knn_check_nonzero("corpus", &batch.cols[KNN_COL_ID].ids,
								 batch.cols[KNN_COL_VEC].vec, batch.nrows, block->dim);
		keys = chunk_keys(&pass, &batch);
		hn_knn_add(knn, batch.cols[KNN_COL_VEC].vec, batch.nrows, keys);
		if (kp->pr.on)
			hn_progress_tick(&kp->pr, kp->queries_done,
							 block_detail(kp, block_no, block->n, hn_knn_docs_seen(knn)));
		more = hn_reader_next(reader, &batch, chunk_rows(block->dim));
	}
	hn_reader_close(reader);
	hn_knn_finish(knn);
	kp->ndocs = hn_knn_docs_seen(knn);
	kp->queries_done += block->n;
	if (kp->pr.on)
		hn_progress_end(&kp->pr, kp->queries_done,
						block_detail(kp, block_no, block->n, kp->ndocs));
	{
		MemoryContext row_cxt = AllocSetContextCreate(pass.cxt, "knn_search rows",
													  ALLOCSET_DEFAULT_SIZES);

		emit_block(args, srf, block, knn, &pass, row_cxt);
	}
	MemoryContextSwitchTo(run_cxt);
	MemoryContextDelete(pass.cxt);
}

void
hn_knn_exact(const KnnArgs *args, HnSrf *srf)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext run_cxt = AllocSetContextCreate(caller, "knn_search",
												  ALLOCSET_DEFAULT_SIZES);
	KnnQueryBlock block = {0};
	HnBatch		qbatch = {0};
	HnReader   *qreader;
	int			block_no = 0;
	KnnProgress kp = {.queries_done = 0, .ndocs = -1};

	MemoryContextSwitchTo(run_cxt);
	/* the query stream's length is unknown before its end: count it for the total */
	hn_progress_begin(&kp.pr, "knn_search", "queries",
					  hn_progress_enabled() ? hn_reader_count("queries", args->queries_sql) : -1);
	qreader = hn_reader_open("queries", args->queries_sql, hn_knn_input_spec, 2);
	while (hn_knn_read_queries(qreader, &qbatch, &block, args->k, args->id_type))
	{
		if (args->metric == HN_METRIC_COSINE)
			hn_knn_check_nonzero("queries", &block.ids, block.vec, block.n, block.dim);
		run_pass(args, srf, &block, ++block_no, run_cxt, &kp);
	}
	hn_reader_close(qreader);
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(run_cxt);
}
