/*
 * scan.c
 *		ivfsq scans: rank lists by their centroid, estimate distances of the
 *		rows in the nearest lists from their 8-bit codes, re-rank the best
 *		estimates with exact distances from the stored vectors, and return
 *		them in exact order.
 *
 * Rows come in batches of hardneg.ivfsq_rerank: the first batch is the best
 * of the first hardneg.ivfsq_probes lists; when a batch runs out (a filter
 * rejected its rows) the next best estimates follow, then further lists,
 * until the lists are exhausted or hardneg.ivfsq_max_scan_tuples rows were
 * returned (then with a WARNING when rows were left: never silently; the
 * cost estimate keeps the planner off plans that would reach the bound).  Within a batch the order is exact; across batches it is the
 * order of the estimates, which is what an approximate index promises.
 *
 * Estimates: with x = c + r and r[i] ~ lo[i] + step[i] * code[i],
 *   q.x ~ q.c + sum q[i] lo[i] + sum (q[i] step[i]) code[i];
 * the last sum runs on bytes after quantising w = q * step (quant.h).
 */
#include "postgres.h"

#include <math.h>

#include "embedding/embedding.h"
#include "index/ivfsq.h"
#include "kernels/quant.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"

typedef struct IvfCandidate
{
	float		est;
	uint16		voff;
	BlockNumber vblk;
	ItemPointerData tid;
} IvfCandidate;

typedef struct IvfRanked
{
	float		score;			/* list score or exact distance */
	int			id;				/* list number or candidate position */
} IvfRanked;

typedef struct IvfScanOpaqueData
{
	MemoryContext cxt;			/* per-rescan allocations */
	IvfCache   *cache;
	bool		started;
	bool		done;
	float	   *q;				/* prepared query */
	float		qsqnorm;
	float		qconst;			/* sum q[i] lo[i] */
	float		qscale;
	int8	   *qi;				/* quantised q * step */
	HnDotU8S8	dotk;
	int			probes;			/* settings as of the scan's start */
	int			rerank;
	int			max_tuples;
	bool		iterative;		/* visit lists beyond the first probes */
	IvfRanked  *lists;			/* lists by centroid score, best first */
	int			nsorted;		/* lists[0..nsorted) are in final order */
	int			next_list;
	IvfCandidate *pool;
	int			npool;
	int			poolcap;
	int			ntaken;			/* pool entries already re-ranked (est = inf) */
	int		   *best;			/* max-heap on est of the best unread entries */
	int			nbest;
	bool		bestvalid;		/* best[] holds the best of the whole pool */
	IvfRanked  *batch;			/* re-ranked rows, exact order */
	int			nbatch;
	int			batchpos;
	int64		returned;
	float	   *vec;			/* scratch for one stored vector */
} IvfScanOpaqueData;

typedef IvfScanOpaqueData *IvfScanOpaque;

static int
ranked_cmp(const void *a, const void *b)
{
	const IvfRanked *x = a;
	const IvfRanked *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return x->id - y->id;
}

IndexScanDesc
ivfbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	IvfScanOpaque so = palloc0(sizeof(IvfScanOpaqueData));

	so->cxt = AllocSetContextCreate(CurrentMemoryContext, "ivfsq scan",
									ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

void
ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	MemoryContextReset(so->cxt);
	so->started = false;
	so->done = false;
}

/* Distance from the exact dot product (or squared norm for L2). */
static inline float
metric_distance(IvfScanOpaque so, float dot, float sqnorm)
{
	switch (so->cache->metric)
	{
		case HN_METRIC_L2:
			return so->qsqnorm + sqnorm - 2.0f * dot;
		case HN_METRIC_IP:
			return -dot;
		default:
			return 1.0f - dot;
	}
}

/* Prepares the query; false when the scan can return no row. */
static bool
prepare_query(IndexScanDesc scan, IvfScanOpaque so)
{
	IvfCache   *cache = so->cache;
	ScanKey		key = &scan->orderByData[0];
	Embedding  *e;
	float	   *w;
	int			dim = cache->dim;

	if (key->sk_flags & SK_ISNULL)
		return false;
	e = ivf_datum_vector(key->sk_argument);
	ivf_check_dim(cache, e->dim);
	so->q = palloc(sizeof(float) * dim);
	memcpy(so->q, e->x, sizeof(float) * dim);
	if (!ivf_prepare_vector(cache->metric, so->q, dim))
		return false;
	so->qsqnorm = hn_norm_sq(so->q, dim);
	so->vec = palloc(sizeof(float) * dim);
	if (cache->codebytes > 0)
	{
		w = palloc(sizeof(float) * dim);
		for (int i = 0; i < dim; i++)
			w[i] = so->q[i] * cache->step[i];
		so->qi = palloc(dim);
		so->qscale = hn_quantize_query(w, dim, so->qi);
		so->qconst = hn_dot(so->q, cache->lo, dim);
		so->dotk = hn_dot_u8s8_kernel();
	}
	return true;
}

/* Exact distance from the query to a list's centroid. */
static float
list_score(IvfScanOpaque so, int list)
{
	IvfCache   *cache = so->cache;
	float		dot = hn_dot(so->q, cache->centroids + (Size) list * cache->dim, cache->dim);

	return metric_distance(so, dot, cache->centroid_sqnorm[list]);
}

/*
 * Scores every list by its centroid: from the centroid codes when there are
 * any (approximate, refined near the probe boundary), else exactly.
 */
static void
rank_lists(IvfScanOpaque so)
{
	IvfCache   *cache = so->cache;
	int			dim = cache->dim;

	so->lists = palloc(sizeof(IvfRanked) * cache->nlists);
	if (cache->ccodes != NULL)
	{
		float	   *w = palloc(sizeof(float) * dim);
		int8	   *qc = palloc(dim);
		float		scale;
		float		base = hn_dot(so->q, cache->clo, dim);

		for (int i = 0; i < dim; i++)
			w[i] = so->q[i] * cache->cstep[i];
		scale = hn_quantize_query(w, dim, qc);
		for (int l = 0; l < cache->nlists; l++)
		{
			float		dot = base + scale * (float) so->dotk(cache->ccodes + (Size) l * dim, qc, dim);

			so->lists[l].score = metric_distance(so, dot, cache->centroid_sqnorm[l]);
			so->lists[l].id = l;
		}
		pfree(w);
		pfree(qc);
	}
	else
		for (int l = 0; l < cache->nlists; l++)
		{
			so->lists[l].score = list_score(so, l);
			so->lists[l].id = l;
		}
	so->nsorted = 0;
}

/*
 * Moves the n entries of smallest float key among elements lo..hi-1 of an
 * array to its front, in any order (quickselect).  Both IvfRanked and
 * IvfCandidate start with their float key, so one routine serves both.
 */
static void
select_smallest(void *base, Size size, int lo, int hi, int n)
{
	char	   *a = base;
	char		tmp[sizeof(IvfCandidate)];
	int			target = lo + n;

#define KEY(i) (*(float *) (a + (Size) (i) * size))
	Assert(size <= sizeof(tmp));
	hi--;
	while (lo < hi)
	{
		float		pivot = KEY(lo + (hi - lo) / 2);
		int			i = lo;
		int			j = hi;

		while (i <= j)
		{
			while (KEY(i) < pivot)
				i++;
			while (KEY(j) > pivot)
				j--;
			if (i <= j)
			{
				memcpy(tmp, a + (Size) i * size, size);
				memcpy(a + (Size) i * size, a + (Size) j * size, size);
				memcpy(a + (Size) j * size, tmp, size);
				i++;
				j--;
			}
		}
		if (target <= j)
			hi = j;
		else if (target >= i)
			lo = i;
		else
			break;
	}
#undef KEY
}

/*
 * Puts lists[0..upto) in final order.  Only the lists about to be probed are
 * sorted, so a query that stays in its first probes never sorts them all.
 * With approximate scores, a margin of candidates beyond the boundary is
 * rescored exactly first, so that a near tie does not drop a close list.
 */
static void
sort_lists_upto(IvfScanOpaque so, int upto)
{
	int			n = so->cache->nlists;
	int			cand;

	upto = Min(upto, n);
	if (upto <= so->nsorted)
		return;
	cand = so->cache->ccodes ? Min(n, upto + (upto - so->nsorted) / 2 + 4) : upto;
	if (cand < n)
		select_smallest(so->lists, sizeof(IvfRanked), so->nsorted, n, cand - so->nsorted);
	if (so->cache->ccodes)
		for (int i = so->nsorted; i < cand; i++)
			so->lists[i].score = list_score(so, so->lists[i].id);
	qsort(so->lists + so->nsorted, cand - so->nsorted, sizeof(IvfRanked), ranked_cmp);
	so->nsorted = upto;
}

static void
pool_reserve(IvfScanOpaque so, int more)
{
	if (so->npool + more <= so->poolcap)
		return;
	so->poolcap = Max(so->poolcap * 2, so->npool + more + 256);
	if (so->pool == NULL)
		so->pool = palloc(sizeof(IvfCandidate) * so->poolcap);
	else
		so->pool = repalloc_huge(so->pool, sizeof(IvfCandidate) * so->poolcap);
}

/*
 * Exact distance of the stored vector of candidate c; NaN when VACUUM has
 * removed the row since its code tuple was read (the row is dead).
 */
static float
exact_distance(IndexScanDesc scan, IvfScanOpaque so, IvfCandidate *c)
{
	IvfVecLoc	loc;
	int			dim = so->cache->dim;

	memset(&loc, 0, sizeof(loc));
	loc.blkno = c->vblk;
	loc.offset = c->voff;
	if (!ivf_vec_read(scan->indexRelation, loc, &c->tid, so->vec, dim, InvalidBlockNumber))
		return NAN;
	if (so->cache->metric == HN_METRIC_L2)
		return hn_l2sq(so->q, so->vec, dim);
	return metric_distance(so, hn_dot(so->q, so->vec, dim), 0.0f);
}

/* Adds the estimates of one code page's rows to the pool. */
static void
scan_code_page(IvfScanOpaque so, Page page, float base)
{
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
	int			cb = so->cache->codebytes;

	pool_reserve(so, maxoff);
	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		ItemId		iid = PageGetItemId(page, off);
		IvfCodeTuple *tup;
		IvfCandidate *c;

		if (!ItemIdIsNormal(iid))
			continue;
		tup = (IvfCodeTuple *) PageGetItem(page, iid);
		c = &so->pool[so->npool];
		c->tid = tup->heaptid;
		c->vblk = tup->vblk;
		c->voff = tup->voff;
		if (cb > 0)
		{
			float		dot = base + so->qscale * (float) so->dotk(tup->code, so->qi, cb);

			c->est = metric_distance(so, dot, tup->sqnorm);
		}
		else
			c->est = 0.0f;		/* computed exactly once the page is released */
		so->npool++;
	}
}

/* Keeps in best[] the so->rerank entries of smallest estimate (max-heap). */
static void
best_push(IvfScanOpaque so, int idx)
{
	IvfCandidate *pool = so->pool;
	int		   *h = so->best;
	float		est = pool[idx].est;
	int			i;

	if (so->nbest < so->rerank)
	{
		i = so->nbest++;
		while (i > 0 && pool[h[(i - 1) / 2]].est < est)
		{
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h[i] = idx;
		return;
	}
	if (!(est < pool[h[0]].est))
		return;
	i = 0;
	for (;;)
	{
		int			c = 2 * i + 1;

		if (c >= so->nbest)
			break;
		if (c + 1 < so->nbest && pool[h[c + 1]].est > pool[h[c]].est)
			c++;
		if (!(pool[h[c]].est > est))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = idx;
}

static void
scan_list(IndexScanDesc scan, IvfScanOpaque so, int list)
{
	Relation	index = scan->indexRelation;
	IvfCache   *cache = so->cache;
	BlockNumber blk = ivf_list_head_cached(index, cache, list);
	Buffer		buf;
	float		base = 0.0f;

	if (cache->codebytes > 0)
		base = hn_dot(so->q, cache->centroids + (Size) list * cache->dim, cache->dim) + so->qconst;

	while (blk != InvalidBlockNumber)
	{
		Page		page;
		int			first = so->npool;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(index, blk);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		ivf_check_page(index, page, blk, IVF_PAGE_CODES);
		scan_code_page(so, page, base);
		blk = IvfPageGetOpaque(page)->next;
		UnlockReleaseBuffer(buf);
		for (int i = first; i < so->npool; i++)
		{
			if (cache->codebytes == 0)
			{
				so->pool[i].est = exact_distance(scan, so, &so->pool[i]);
				if (isnan(so->pool[i].est))
				{
					/* gone: ranked last, dropped when taken (next_batch) */
					so->pool[i].est = INFINITY;
					so->pool[i].voff = InvalidOffsetNumber;
					continue;
				}
			}
			if (so->bestvalid)
				best_push(so, i);
		}
	}
}

static void
probe_more_lists(IndexScanDesc scan, IvfScanOpaque so)
{
	int			end = Min(so->next_list + so->probes, so->cache->nlists);

	sort_lists_upto(so, end);
	for (; so->next_list < end; so->next_list++)
		scan_list(scan, so, so->lists[so->next_list].id);
}

/*
 * Refills best[] from the whole pool when it no longer holds the best
 * unread entries (after a batch was taken).  Taken entries have est = inf,
 * so the selection puts them last; the pool order may change, so this runs
 * only between batches, never while a batch is being returned.
 */
static void
refill_best(IvfScanOpaque so)
{
	int			left = so->npool - so->ntaken;
	int			n = Min(so->rerank, left);

	if (n < so->npool)
		select_smallest(so->pool, sizeof(IvfCandidate), 0, so->npool, n);
	so->nbest = 0;
	for (int i = 0; i < n; i++)
		so->best[so->nbest++] = i;
	so->bestvalid = true;
}

/* Re-ranks the best unread estimates exactly, as the next batch. */
static void
next_batch(IndexScanDesc scan, IvfScanOpaque so)
{
	int			n;

	if (!so->bestvalid)
		refill_best(so);
	so->nbatch = 0;
	for (int i = 0; i < so->nbest; i++)
	{
		IvfCandidate *c = &so->pool[so->best[i]];
		float		d;

		/* taken, whether returned or found removed */
		so->ntaken++;
		if (c->voff == InvalidOffsetNumber)
			continue;
		d = so->cache->codebytes > 0 ? exact_distance(scan, so, c) : c->est;
		c->est = INFINITY;
		if (isnan(d))
			continue;
		so->batch[so->nbatch].score = d;
		so->batch[so->nbatch].id = so->best[i];
		so->nbatch++;
	}
	n = so->nbatch;
	qsort(so->batch, n, sizeof(IvfRanked), ranked_cmp);
	so->batchpos = 0;
	so->nbest = 0;
	so->bestvalid = false;
}

static bool
start_scan(IndexScanDesc scan, IvfScanOpaque so)
{
	so->cache = ivf_get_cache(scan->indexRelation);
	if (so->cache->nlists == 0)
		return false;
	if (!prepare_query(scan, so))
		return false;
	rank_lists(so);
	/* settings are read once: a cursor may change them between fetches */
	so->probes = ivf_eff_probes();
	so->rerank = ivf_eff_rerank();
	so->max_tuples = ivf_eff_max_scan_tuples();
	so->iterative = ivf_iterative_scan != IVF_ITERATIVE_OFF;
	so->best = palloc(sizeof(int) * so->rerank);
	so->batch = palloc(sizeof(IvfRanked) * so->rerank);
	so->bestvalid = true;
	probe_more_lists(scan, so);
	return true;
}

/*
 * The scan reached hardneg.ivfsq_max_scan_tuples.  Never silently: if rows
 * are left that the scan would have returned, say so, because the caller's
 * LIMIT (or a filter) may now get fewer rows than it asked for.  The planner
 * avoids this plan when it can see it coming (cost.c).
 */
static void
stop_at_bound(IndexScanDesc scan, IvfScanOpaque so)
{
	so->done = true;
	if (so->ntaken < so->npool || so->next_list < so->cache->nlists)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("ivfsq scan of index \"%s\" stopped after " INT64_FORMAT " rows at hardneg.ivfsq_max_scan_tuples (%d); further rows were not returned",
						RelationGetRelationName(scan->indexRelation), so->returned, so->max_tuples),
				 errhint("Raise hardneg.ivfsq_max_scan_tuples, or let the query run without the index (SET enable_indexscan = off).")));
}

bool
ivfgettuple(IndexScanDesc scan, ScanDirection dir)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	MemoryContext old;
	bool		found = false;

	if (scan->numberOfOrderBys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("an ivfsq index can only be scanned in distance order"),
				 errhint("Use ORDER BY embedding <-> / <#> / <=> value LIMIT k.")));
	if (so->done)
		return false;
	old = MemoryContextSwitchTo(so->cxt);
	if (!so->started)
	{
		/* the batch array belongs to the scan context: reset with it */
		so->pool = NULL;
		so->npool = so->poolcap = so->ntaken = so->nbest = 0;
		so->batch = NULL;
		so->bestvalid = false;
		so->nbatch = so->batchpos = 0;
		so->returned = 0;
		so->next_list = 0;
		so->started = true;
		if (!start_scan(scan, so))
			so->done = true;
		else
			pgstat_count_index_scan(scan->indexRelation);
	}
	while (!so->done && !found)
	{
		if (so->batchpos < so->nbatch)
		{
			IvfCandidate *c = &so->pool[so->batch[so->batchpos++].id];

			scan->xs_heaptid = c->tid;
			scan->xs_recheck = false;
			scan->xs_recheckorderby = false;
			found = true;
		}
		else if (so->returned >= so->max_tuples)
			stop_at_bound(scan, so);
		else if (so->ntaken < so->npool)
			next_batch(scan, so);
		else if (so->next_list < so->cache->nlists && so->iterative)
			probe_more_lists(scan, so);
		else
			so->done = true;
	}
	if (found)
		so->returned++;
	MemoryContextSwitchTo(old);
	return found;
}

void
ivfendscan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	MemoryContextDelete(so->cxt);
	pfree(so);
	scan->opaque = NULL;
}
