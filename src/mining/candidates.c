/*
 * candidates.c
 *		Stage 1: the candidate pool of one query (mining.md F0).
 *
 * Dense candidates are the pool-size best corpus rows by similarity, ties to
 * the smaller doc id (the shared top-k heap keyed by the id's sort
 * position).  External runs add their documents (union, with provenance
 * bits), scored by the same dense similarity so that every filter compares
 * scores of one space.  The raw rank is the rank in that union.
 *
 * TODO(knn): the dense scan is a plain loop over the shared distance kernels;
 * once src/kernels/exact_knn.h lands it should call the tiled sgemm kernel
 * for a block of queries instead.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "mining/mining.h"

#define INTERRUPT_EVERY 4096

float
hn_mine_similarity(const HnMineParams *p, const HnMineInputs *in,
				   const float *qvec, float q_invnorm, int64 drow)
{
	const float *d = hn_batch_vector(in->corpus, 1, drow);

	switch (p->metric)
	{
		case HN_METRIC_COSINE:
			return (float) ((double) hn_dot(qvec, d, in->dim) * q_invnorm * in->d_invnorm[drow]);
		case HN_METRIC_IP:
			return hn_dot(qvec, d, in->dim);
		case HN_METRIC_L2:
			return hn_similarity(HN_METRIC_L2, qvec, d, in->dim);
	}
	return 0.0f;
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

static void
dense_scan(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w, HnTopK *heap)
{
	hn_topk_reset(heap);
	for (int64 r = 0; r < in->nd; r++)
	{
		float		s;

		if ((r % INTERRUPT_EVERY) == INTERRUPT_EVERY - 1)
			CHECK_FOR_INTERRUPTS();
		s = hn_mine_similarity(p, in, w->qvec, w->q_invnorm, r);
		if (hn_topk_admits(heap, s, in->d_key[r]))
			hn_topk_push(heap, s, in->d_key[r]);
	}
	w->ncand = hn_topk_sorted(heap);
	for (int i = 0; i < w->ncand; i++)
	{
		HnCand	   *c = &w->cands[i];

		memset(c, 0, sizeof(*c));
		c->row = in->d_order[heap->items[i].key];
		c->score = c->student = heap->items[i].score;
		c->sources = 1;
	}
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
			hn_mine_similarity(p, in, w->qvec, w->q_invnorm, row);
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
				   HnQueryWork *w, HnTopK *heap, int pool)
{
	w->ncand = 0;
	if (p->dense && pool > 0)
	{
		heap->k = Min(pool, (int) Min(in->nd, (int64) PG_INT32_MAX));
		dense_scan(p, in, w, heap);
	}
	if (in->run_start)
		add_run_docs(p, in, w);
	hn_mine_sort_cands(in, w->cands, w->ncand);
	for (int i = 0; i < w->ncand; i++)
		w->cands[i].raw_rank = i + 1;
}
