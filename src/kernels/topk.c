/*
 * topk.c
 *		Bounded top-k heap (see topk.h): k-NN, mining candidates, the index's
 *		result queue and re-ranking all keep their best k here.
 */
#include "postgres.h"

#include "kernels/topk.h"

void
hn_topk_init(HnTopK *heap, int k, HnScored *storage)
{
	heap->k = k;
	heap->n = 0;
	heap->items = storage;
}

HnTopK *
hn_topk_create(int k)
{
	HnTopK	   *heap = palloc(sizeof(HnTopK));

	hn_topk_init(heap, k, palloc(sizeof(HnScored) * Max(k, 1)));
	return heap;
}

void
hn_topk_reset(HnTopK *heap)
{
	heap->n = 0;
}

/* True when a should sit nearer the root than b: a is the worse entry. */
static inline bool
worse(const HnScored *a, const HnScored *b)
{
	return hn_scored_better(b->score, b->key, a->score, a->key);
}

static void
sift_down(HnScored *items, int n, int i)
{
	HnScored	x = items[i];

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && worse(&items[child + 1], &items[child]))
			child++;
		if (!worse(&items[child], &x))
			break;
		items[i] = items[child];
		i = child;
	}
	items[i] = x;
}

void
hn_topk_push(HnTopK *heap, float score, int64 key)
{
	HnScored	x = {score, key};

	if (heap->n < heap->k)
	{
		int			i = heap->n++;

		while (i > 0)
		{
			int			parent = (i - 1) / 2;

			if (!worse(&x, &heap->items[parent]))
				break;
			heap->items[i] = heap->items[parent];
			i = parent;
		}
		heap->items[i] = x;
	}
	else if (heap->k > 0 && worse(&heap->items[0], &x))
	{
		heap->items[0] = x;
		sift_down(heap->items, heap->n, 0);
	}
}

int
hn_topk_sorted(HnTopK *heap)
{
	int			n = heap->n;

	/* heap sort in place: repeatedly move the worst entry to the end */
	for (int end = n - 1; end > 0; end--)
	{
		HnScored	tmp = heap->items[0];

		heap->items[0] = heap->items[end];
		heap->items[end] = tmp;
		sift_down(heap->items, end, 0);
	}
	heap->n = 0;
	return n;
}

static int
scored_cmp(const void *pa, const void *pb)
{
	const HnScored *a = pa;
	const HnScored *b = pb;

	if (hn_scored_better(a->score, a->key, b->score, b->key))
		return -1;
	if (hn_scored_better(b->score, b->key, a->score, a->key))
		return 1;
	return 0;
}

void
hn_scored_sort(HnScored *items, int n)
{
	qsort(items, n, sizeof(HnScored), scored_cmp);
}
