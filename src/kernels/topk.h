/*
 * topk.h
 *		Bounded top-k heap of (score, key): keeps the k highest scores.
 *
 * Ties in score are broken by the smaller key, so results are deterministic:
 * callers pass a key whose order is the documented tie order (a bigint id, or
 * the position of a text id in sorted order).  The heap is a min-heap on
 * (score, -key): its root is the entry that would be evicted first.
 */
#ifndef HN_TOPK_H
#define HN_TOPK_H

#include "postgres.h"

typedef struct HnScored
{
	float		score;
	int64		key;
} HnScored;

typedef struct HnTopK
{
	int			k;				/* capacity */
	int			n;				/* entries held */
	HnScored   *items;			/* heap array of capacity k */
} HnTopK;

/* True when a ranks before b: higher score, then smaller key. */
static inline bool
hn_scored_better(float sa, int64 ka, float sb, int64 kb)
{
	return sa > sb || (sa == sb && ka < kb);
}

extern void hn_topk_init(HnTopK *heap, int k, HnScored *storage);
extern HnTopK *hn_topk_create(int k);
extern void hn_topk_reset(HnTopK *heap);

/* Would (score, key) enter the heap?  Cheap pre-check for hot loops. */
static inline bool
hn_topk_admits(const HnTopK *heap, float score, int64 key)
{
	return heap->n < heap->k ||
		hn_scored_better(score, key, heap->items[0].score, heap->items[0].key);
}

extern void hn_topk_push(HnTopK *heap, float score, int64 key);

/*
 * Empties the heap into items[0..n-1] in rank order (best first) and returns
 * n.  The heap's own storage is reused, so the heap is empty afterwards.
 */
extern int	hn_topk_sorted(HnTopK *heap);

/* Sorts an array of scored entries best first (same order as the heap). */
extern void hn_scored_sort(HnScored *items, int n);

#endif							/* HN_TOPK_H */
