/*
 * embeddings.c
 *		Query and corpus embeddings for the kNN estimator, and the judged
 *		neighbourhood of a query (see models.h).
 */
#include "postgres.h"

#include "falseneg/models.h"

static const HnColumnSpec embedding_spec[] = {
	{"id", HN_COL_ID, true, false},
	{"embedding", HN_COL_VECTOR, true, false},
};

void
hn_fn_read_embeddings(HnFnEmbeddings *e, const char *what, const char *sql)
{
	e->b = hn_read_all(what, sql, embedding_spec, lengthof(embedding_spec));
	e->ids = &e->b->cols[0].ids;
	hn_fn_id_index_build(&e->ix, e->ids, e->b->nrows);
}

/* Row of id (ids[i]) in e; ERROR naming the input when it is missing. */
int64
hn_fn_embedding_row(const HnFnEmbeddings *e, const char *what, const HnIds *ids, int64 i)
{
	int64		row = hn_fn_id_find(&e->ix, ids, i);
	char		buf[32];

	if (row < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("id %s of the candidates has no row in the %s query",
						hn_ids_cstring(ids, i, buf, sizeof(buf)), what),
				 errhint("The %s query must return an embedding for every candidate.", what)));
	return row;
}

/* Query rows with at least one positive: the only ones whose labels can transfer. */
int64 *
hn_fn_labelled_queries(const HnFnEmbeddings *q, const HnJudgments *qr, int32 level, int64 *n)
{
	int64	   *rows = palloc(sizeof(int64) * Max(q->b->nrows, 1));

	*n = 0;
	for (int64 r = 0; r < q->b->nrows; r++)
	{
		int64		lo,
					hi;

		hn_pair_query_range(&qr->ix, q->ids, r, &lo, &hi);
		for (int64 pos = lo; pos < hi; pos++)
			if (qr->rel[qr->ix.order[pos]] >= level)
			{
				rows[(*n)++] = r;
				break;
			}
	}
	return rows;
}

/* The judged documents of one query that the corpus has, with their labels. */
void
hn_fn_judged_docs(HnFnJudgedDocs *jd, const HnJudgments *qr, const HnFnEmbeddings *corpus,
			const HnIds *qids, int64 qi, int32 level)
{
	int64		lo,
				hi;

	hn_pair_query_range(&qr->ix, qids, qi, &lo, &hi);
	jd->n = 0;
	jd->vecs = palloc(sizeof(float *) * Max(hi - lo, 1));
	jd->relevant = palloc(sizeof(bool) * Max(hi - lo, 1));
	for (int64 pos = lo; pos < hi; pos++)
	{
		int64		row = qr->ix.order[pos];
		int64		crow;

		if (qr->rel[row] < 0)
			continue;			/* pooled but unjudged: no label */
		crow = hn_fn_id_find(&corpus->ix, qr->did, row);
		if (crow < 0)
			continue;			/* judged document outside this corpus */
		jd->vecs[jd->n] = hn_batch_vector(corpus->b, 1, crow);
		jd->relevant[jd->n] = qr->rel[row] >= level;
		jd->n++;
	}
}

