/*
 * insert.c
 *		ivfsq insertion: one row goes to the list of its nearest centroid.
 *
 * No index-wide lock: the centroids come from the relcache (read once under
 * a share lock on the metapage), the vector goes to the backend's own
 * vector page (vecstore.c), and the code tuple to its list's insert page.
 * Locks are taken one page at a time, except a full page held while the
 * page after it is taken, and a directory page is locked only after every
 * data page is released, so concurrent inserters cannot deadlock.  Every
 * page change is a generic WAL record.  The vector is written before the
 * code tuple that references it, so a crash never leaves a dangling
 * reference.  Each call runs in a memory context of its own, reset on the
 * way out: a statement inserting many large rows does not accumulate them.
 */
#include "postgres.h"

#include <math.h>

#include "embedding/embedding.h"
#include "index/ivfsq.h"
#include "kernels/kmeans.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/*
 * An index built on an empty table has no lists: the first row creates one
 * list with a zero centroid and a quantiser sized from that row (REINDEX
 * after loading data trains real centroids).  Caller holds metabuf
 * exclusively and has seen nlists = 0 under that lock.
 */
void
ivf_lazy_init(Relation index, Buffer metabuf, const float *v, int dim)
{
	HnMetric	metric = ivf_index_metric(index);
	float	   *run = palloc0(sizeof(float) * dim * 3);	/* lo, step, zero centroid */
	float	   *lo = run;
	float	   *step = run + dim;
	float		range = 1.0f;
	IvfVecLoc	quant;
	Buffer		vbuf = InvalidBuffer;
	GenericXLogState *state;
	IvfMetaData *meta;
	Buffer		dirbuf;
	Page		dirpage;
	IvfListDir *dir;

	if (metric != HN_METRIC_COSINE)
		for (int i = 0; i < dim; i++)
			range = Max(range, 2.0f * fabsf(v[i]));
	for (int i = 0; i < dim; i++)
	{
		lo[i] = -range;
		step[i] = 2.0f * range / 255.0f;
	}
	ivf_vec_write(index, true, &vbuf, NULL, run, (Size) dim * 3, &quant);
	UnlockReleaseBuffer(vbuf);

	state = GenericXLogStart(index);
	meta = IvfPageGetMeta(GenericXLogRegisterBuffer(state, metabuf, 0));
	dirbuf = ivf_new_buffer(index);
	dirpage = GenericXLogRegisterBuffer(state, dirbuf, GENERIC_XLOG_FULL_IMAGE);
	ivf_init_page(dirpage, IVF_PAGE_DIR);
	dir = (IvfListDir *) PageGetContents(dirpage);
	dir->head = dir->insert = InvalidBlockNumber;
	((PageHeader) dirpage)->pd_lower = (char *) (dir + 1) - (char *) dirpage;
	meta->dim = dim;
	meta->nlists = 1;
	meta->ndirpages = 1;
	meta->dir_start = BufferGetBlockNumber(dirbuf);
	meta->codebytes = dim <= IVF_MAX_CODE_DIM ? dim : 0;
	meta->quant = quant;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(dirbuf);
}

static void
add_item(Relation index, Page page, IvfCodeTuple *tup, Size size)
{
	if (PageAddItem(page, (Item) tup, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
		elog(ERROR, "could not add a code tuple to index \"%s\"", RelationGetRelationName(index));
}

/*
 * The first code tuple of an empty list: its first page, linked from the
 * directory, all under the directory lock (two inserters may race here).
 * False if another inserter gave the list a page meanwhile.
 */
static bool
start_list(Relation index, IvfCache *cache, int list, IvfCodeTuple *tup, Size size)
{
	Buffer		dirbuf;
	IvfListDir *entry = ivf_dir_entry(index, cache, list, BUFFER_LOCK_EXCLUSIVE, &dirbuf, NULL);
	GenericXLogState *state;
	Buffer		buf;
	Page		page;

	if (entry->head != InvalidBlockNumber)
	{
		UnlockReleaseBuffer(dirbuf);
		return false;
	}
	buf = ivf_new_buffer(index);
	state = GenericXLogStart(index);
	entry = (IvfListDir *) PageGetContents(GenericXLogRegisterBuffer(state, dirbuf, 0)) +
		list % IVF_DIR_PER_PAGE;
	entry->head = entry->insert = BufferGetBlockNumber(buf);
	page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
	ivf_init_page(page, IVF_PAGE_CODES);
	add_item(index, page, tup, size);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
	UnlockReleaseBuffer(dirbuf);
	return true;
}

/*
 * Adds a code tuple to its list: on the list's insert page, else the first
 * page after it with room, else a new page appended to the chain.  Only
 * the holder of the last page's lock can append, so the chain never forks.
 * When the tuple lands past the insert page, the directory follows.
 */
static void
add_to_list(Relation index, IvfCache *cache, int list, IvfCodeTuple *tup, Size size)
{
	Buffer		dirbuf;
	IvfListDir *entry = ivf_dir_entry(index, cache, list, BUFFER_LOCK_SHARE, &dirbuf, NULL);
	BlockNumber start = entry->insert;
	BlockNumber blk = start;
	GenericXLogState *state;
	Buffer		buf;
	Page		page;

	UnlockReleaseBuffer(dirbuf);
	if (blk == InvalidBlockNumber)
	{
		if (start_list(index, cache, list, tup, size))
			return;
		blk = ivf_list_head_cached(index, cache, list);
	}
	for (;;)
	{
		BlockNumber next;

		buf = ReadBuffer(index, blk);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		ivf_check_page(index, BufferGetPage(buf), blk, IVF_PAGE_CODES);
		if (PageGetFreeSpace(BufferGetPage(buf)) >= size)
		{
			state = GenericXLogStart(index);
			add_item(index, GenericXLogRegisterBuffer(state, buf, 0), tup, size);
			GenericXLogFinish(state);
			UnlockReleaseBuffer(buf);
			break;
		}
		next = IvfPageGetOpaque(BufferGetPage(buf))->next;
		if (next == InvalidBlockNumber)
		{
			/* the end of the chain, still locked: append */
			Buffer		newbuf = ivf_new_buffer(index);

			state = GenericXLogStart(index);
			page = GenericXLogRegisterBuffer(state, buf, 0);
			IvfPageGetOpaque(page)->next = BufferGetBlockNumber(newbuf);
			page = GenericXLogRegisterBuffer(state, newbuf, GENERIC_XLOG_FULL_IMAGE);
			ivf_init_page(page, IVF_PAGE_CODES);
			add_item(index, page, tup, size);
			GenericXLogFinish(state);
			blk = BufferGetBlockNumber(newbuf);
			UnlockReleaseBuffer(newbuf);
			UnlockReleaseBuffer(buf);
			break;
		}
		UnlockReleaseBuffer(buf);
		blk = next;
		CHECK_FOR_INTERRUPTS();
	}
	if (blk != start)
		ivf_set_insert_page(index, cache, list, blk, NULL);
}

/* The cache, creating the first list under the metapage lock if needed. */
static IvfCache *
cache_for_insert(Relation index, const float *v, int dim)
{
	IvfCache   *cache = ivf_get_cache(index);
	Buffer		metabuf;

	if (cache->nlists > 0)
		return cache;
	metabuf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	if (IvfPageGetMeta(BufferGetPage(metabuf))->nlists == 0)
	{
		int			known = IvfPageGetMeta(BufferGetPage(metabuf))->dim;

		if (known != 0 && known != dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("expected %d dimensions, not %d", known, dim),
					 errhint("Every embedding in an ivfsq index has the dimension of the column.")));
		ivf_lazy_init(index, metabuf, v, dim);
	}
	UnlockReleaseBuffer(metabuf);
	return ivf_get_cache(index);
}

/*
 * The per-insert memory context: created once per statement in the
 * executor's index-info context, reset after every row.
 */
static MemoryContext
insert_context(IndexInfo *indexInfo)
{
	if (indexInfo->ii_AmCache == NULL)
		indexInfo->ii_AmCache = AllocSetContextCreate(indexInfo->ii_Context, "ivfsq insert",
													  ALLOCSET_DEFAULT_SIZES);
	return (MemoryContext) indexInfo->ii_AmCache;
}

/* Encodes and stores one prepared vector for the heap row *tid. */
static void
insert_vector(Relation index, float *v, int dim, ItemPointer tid)
{
	IvfCache   *cache = cache_for_insert(index, v, dim);
	IvfCodeTuple *tup;
	Size		size;
	int			list;
	Buffer		vbuf;
	IvfVecLoc	loc;

	ivf_check_dim(cache, dim);
	list = hn_nearest_centroid(v, cache->centroids, cache->nlists, cache->dim);
	size = IVF_CODE_TUPLE_SIZE(cache->codebytes);
	/* zeroed: the MAXALIGN padding must not carry memory into the page */
	tup = palloc0(size);
	tup->heaptid = *tid;
	tup->sqnorm = hn_norm_sq(v, cache->dim);
	ivf_encode(cache, v, list, tup->code);

	vbuf = ivf_vec_target(index);
	ivf_vec_write(index, true, &vbuf, tid, v, cache->dim, &loc);
	ivf_vec_release(index, vbuf);
	tup->vblk = loc.blkno;
	tup->voff = loc.offset;
	add_to_list(index, cache, list, tup, size);
}

bool
ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer ht_ctid,
		  Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		  IndexInfo *indexInfo)
{
	MemoryContext cxt;
	MemoryContext old;
	Embedding  *e;
	float	   *v;

	if (isnull[0])
		return false;
	cxt = insert_context(indexInfo);
	old = MemoryContextSwitchTo(cxt);
	/* detoasted here, so the copy goes with the context */
	e = ivf_datum_vector(values[0]);
	v = palloc(sizeof(float) * e->dim);
	memcpy(v, e->x, sizeof(float) * e->dim);
	/* a zero vector has no cosine distance: not indexed */
	if (ivf_prepare_vector(ivf_index_metric(index), v, e->dim))
		insert_vector(index, v, e->dim, ht_ctid);
	MemoryContextSwitchTo(old);
	MemoryContextReset(cxt);
	return false;
}
