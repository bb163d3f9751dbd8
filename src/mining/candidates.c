/*
 * candidates.c
 *		Stage 1: the candidate pool of each query (mining.md F0).
 *
 * Dense candidates come from the shared exact k-NN kernel
 * (kernels/exact_knn.h), run once over all queries with k = the pool size
 * (range_max + max_positives); keys are the documents' positions in id
 * order, so ties go to the smaller doc id for bigint and text ids alike.
 * External runs add their documents (union, with provenance bits), scored by
 * the same pair score as the kernel's, so every filter compares numbers of
 * one space and positives compare exactly with negatives.  The raw rank is
 * the rank in that union.
 *
 * With method 'index' the dense candidates come from one ORDER BY ... LIMIT
 * statement per query (knn/index_search.h), so an ANN index on the corpus
 * table is used; they are then re-scored with the same pair score, so only
 * which documents are candidates depends on the index, never their scores.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "kernels/exact_knn.h"
#include "knn/index_search.h"
#include "mining/mining.h"

/* The score of (query, corpus row): the very number the k-NN kernel reports. */
float
hn_mine_similarity(const HnMineParams *p, const HnMineInputs *in,
				   const float *qvec, int64 drow)
{
	return hn_knn_pair_score(p->metric, qvec, hn_mine_doc_vector(in, drow), in->dim);
}

/*
 * Runs the exact k-NN kernel for the query rows [q0, q0 + nq) at once, with
 * k = the pool size.
 */
HnKnn *
hn_mine_dense_search(const HnMineParams *p, const HnMineInputs *in, int pool,
					 int64 q0, int64 nq)
{
	HnKnn	   *knn;

	if (!p->dense || p->use_index || pool <= 0 || nq <= 0 || in->nd == 0 ||
		hn_mine_dense_kept(in))
		return NULL;			/* the kept candidates (streamed pass) serve */
	Assert(nq <= PG_INT32_MAX);
	knn = hn_knn_begin(hn_batch_vector(in->queries, 1, q0), (int) nq, in->dim, p->metric,
					   pool, NULL, NULL);
	hn_knn_add(knn, in->corpus->cols[1].vec, in->nd, in->d_key);
	hn_knn_finish(knn);
	return knn;
}

static int
cand_cmp(const void *pa, const void *pb, void *arg)
{
	const HnMineInputs *in = arg;
	const HnCand *a = pa,
			   *b = pb;
	int64		ka = in->d_key[a->row],
				kb = in->d_key[b->row];

	if (hn_scored_better(a->score, ka, b->score, kb))
		return -1;
	if (hn_scored_better(b->score, kb, a->score, ka))
		return 1;
	return 0;
}

/* Orders candidates best first: higher score, then smaller doc id. */
void
hn_mine_sort_cands(const HnMineInputs *in, HnCand *c, int n)
{
	qsort_arg(c, n, sizeof(HnCand), cand_cmp, (void *) in);
}

/* The kernel's results for this query, cut to this query's pool. */
static void
dense_candidates(const HnMineInputs *in, HnQueryWork *w, HnKnn *knn, int64 knn_base, int pool)
{
	const HnScored *items;
	int			n = hn_knn_result(knn, (int) (w->qrow - knn_base), &items);

	w->ncand = Min(n, pool);
	for (int i = 0; i < w->ncand; i++)
	{
		HnCand	   *c = &w->cands[i];

		memset(c, 0, sizeof(*c));
		c->row = in->d_order[items[i].key];
		c->score = c->student = items[i].score;
		c->sources = 1;
	}
}

/* The index's candidates for this query, re-scored exactly, cut to the pool. */
static void
index_candidates(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w, int pool)
{
	HnIds		ids;
	float	   *index_scores;
	int			n = hn_index_search_run(in->index_search, w->qvec, in->dim, &ids,
										&index_scores);

	w->ncand = 0;
	for (int r = 0; r < n; r++)
	{
		int64		row = hn_ids_find(in->dids, in->d_order, in->nd, &ids, r);
		HnCand	   *c = &w->cands[w->ncand];

		if (row < 0)
			continue;			/* not in the corpus read for mining */
		memset(c, 0, sizeof(*c));
		c->row = row;
		c->score = c->student = hn_mine_similarity(p, in, w->qvec, row);
		c->sources = 1;
		w->ncand++;
	}
	hn_mine_sort_cands(in, w->cands, w->ncand);
	w->ncand = Min(w->ncand, pool);
}

/* ---------- dense candidates kept between the two passes ---------- */

typedef struct HnDenseKeep
{
	bool		complete;		/* every observed query kept: reuse */
	int64	   *start;			/* per query row: first entry, -1 not kept */
	int32	   *count;
	int64		n;
	int64		cap;
	int64	   *rows;
	float	   *scores;
} HnDenseKeep;

void
hn_mine_dense_keep_begin(HnMineInputs *in)
{
	HnDenseKeep *k = palloc0(sizeof(HnDenseKeep));

	k->start = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(in->nq, 1));
	k->count = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(in->nq, 1));
	for (int64 q = 0; q < in->nq; q++)
		k->start[q] = -1;
	k->cap = 1024;
	k->rows = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * k->cap);
	k->scores = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * k->cap);
	in->dense_keep = k;
}

void
hn_mine_dense_keep_finish(HnMineInputs *in)
{
	if (in->dense_keep)
		in->dense_keep->complete = true;
}

/* The kept candidates' rows, all queries together (with repeats). */
int64
hn_mine_dense_kept_rows(const HnMineInputs *in, const int64 **rows)
{
	*rows = in->dense_keep ? in->dense_keep->rows : NULL;
	return in->dense_keep ? in->dense_keep->n : 0;
}

bool
hn_mine_dense_kept(const HnMineInputs *in)
{
	return in->dense_keep && in->dense_keep->complete;
}

/* Room for n more entries (repalloc keeps the chunks' context). */
static void
keep_reserve(HnDenseKeep *k, int64 n)
{
	if (k->n + n <= k->cap)
		return;
	while (k->n + n > k->cap)
		k->cap *= 2;
	k->rows = repalloc_huge(k->rows, sizeof(int64) * k->cap);
	k->scores = repalloc_huge(k->scores, sizeof(float) * k->cap);
}

/* Appends this query's dense candidates. */
static void
keep_dense(HnDenseKeep *k, const HnQueryWork *w)
{
	keep_reserve(k, w->ncand);
	k->start[w->qrow] = k->n;
	k->count[w->qrow] = w->ncand;
	for (int i = 0; i < w->ncand; i++)
	{
		k->rows[k->n + i] = w->cands[i].row;
		k->scores[k->n + i] = w->cands[i].score;
	}
	k->n += w->ncand;
}

/*
 * The candidates kept, as dense_candidates made them: cut to this query's
 * pool (the streamed pass keeps the largest pool of any query).
 */
static void
kept_candidates(const HnDenseKeep *k, HnQueryWork *w, int pool)
{
	int64		from = k->start[w->qrow];

	w->ncand = Min(k->count[w->qrow], pool);
	for (int i = 0; i < w->ncand; i++)
	{
		HnCand	   *c = &w->cands[i];

		memset(c, 0, sizeof(*c));
		c->row = k->rows[from + i];
		c->score = c->student = k->scores[from + i];
		c->sources = 1;
	}
}

/*
 * The streamed exact pass (inputs.c) searched the queries [q0, q0 + nq);
 * their results join the kept candidates, keyed by corpus row, and the
 * search is freed.  Every later stage reads the candidates from here once
 * the last block is in (hn_mine_dense_keep_finish).
 */
void
hn_mine_dense_keep_knn(HnMineInputs *in, HnKnn *knn, int64 q0, int64 nq)
{
	HnDenseKeep *k;

	if (in->dense_keep == NULL)
		hn_mine_dense_keep_begin(in);
	k = in->dense_keep;
	for (int64 q = q0; q < q0 + nq; q++)
	{
		const HnScored *items;
		int			n = hn_knn_result(knn, (int) (q - q0), &items);

		if ((q & 255) == 255)
			CHECK_FOR_INTERRUPTS();
		keep_reserve(k, n);
		k->start[q] = k->n;
		k->count[q] = n;
		for (int i = 0; i < n; i++)
		{
			k->rows[k->n + i] = items[i].key;	/* the row's ordinal */
			k->scores[k->n + i] = items[i].score;
		}
		k->n += n;
	}
	hn_knn_free(knn);
}

void
hn_mine_index_begin(const HnMineParams *p, HnMineInputs *in, int pool)
{
	Oid			vectype = in->corpus->cols[1].typid;

	if (!p->use_index || in->nd == 0 || pool <= 0)
		return;
	hn_index_search_check_type("mine_hard_negatives", p->metric, vectype);
	in->index_search = hn_index_search_begin(p->corpus_sql, p->metric, pool, vectype);
}

void
hn_mine_index_end(HnMineInputs *in)
{
	if (in->index_search)
		hn_index_search_end(in->index_search);
	in->index_search = NULL;
}

static void
add_run_docs(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w)
{
	int64		start = in->run_start[w->qrow];
	int64		end = in->run_start[w->qrow + 1];

	for (int64 e = start; e < end; e++)
	{
		int64		row = in->run_rows[e];
		uint32		bit = (uint32) 2 << in->run_src[e];
		int			found = -1;

		/* pools are small (range_max + positives): a linear probe is enough */
		for (int i = 0; i < w->ncand && found < 0; i++)
			if (w->cands[i].row == row)
				found = i;
		if (found >= 0)
		{
			w->cands[found].sources |= bit;
			continue;
		}
		memset(&w->cands[w->ncand], 0, sizeof(HnCand));
		w->cands[w->ncand].row = row;
		w->cands[w->ncand].score = w->cands[w->ncand].student =
			hn_mine_similarity(p, in, w->qvec, row);
		w->cands[w->ncand].sources = bit;
		w->ncand++;
	}
}

/*
 * Fills w->cands (capacity: pool + the query's run entries) with the raw
 * candidate list in rank order.
 */
void
hn_mine_candidates(const HnMineParams *p, const HnMineInputs *in,
				   HnQueryWork *w, HnKnn *knn, int64 knn_base, int pool)
{
	HnDenseKeep *keep = in->dense_keep;

	w->ncand = 0;
	if (keep && keep->complete && keep->start[w->qrow] >= 0)
		kept_candidates(keep, w, pool);
	else if (knn)
		dense_candidates(in, w, knn, knn_base, pool);
	else if (in->index_search)
		index_candidates(p, in, w, pool);
	if (keep && !keep->complete)
		keep_dense(keep, w);
	if (in->run_start)
		add_run_docs(p, in, w);
	hn_mine_sort_cands(in, w->cands, w->ncand);
	for (int i = 0; i < w->ncand; i++)
		w->cands[i].raw_rank = i + 1;
}
