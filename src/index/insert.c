/*
 * insert.c
 *		ivfsq insertion: one row goes to the list of its nearest centroid.
 *
 * Every page change is a generic WAL record.  Locks are taken in one order
 * (metapage, then a directory page, then code pages; vector pages only while
 * the metapage is held) so concurrent inserters cannot deadlock, and scans
 * hold one share lock at a time.  The vector is written before the code
 * tuple that references it, so a crash never leaves a dangling reference.
 */
#include "postgres.h"

#include <math.h>

#include "embedding/embedding.h"
#include "index/ivfsq.h"
#include "kernels/kmeans.h"
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
	float	   *lo = palloc(sizeof(float) * dim);
	float	   *step = palloc(sizeof(float) * dim);
	float	   *zero = palloc0(sizeof(float) * dim);
	float		range = 1.0f;
	IvfVecLoc	quant;
	IvfVecLoc	dummy;
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
	ivf_append_floats_logged(index, metabuf, lo, dim, &quant);
	ivf_append_floats_logged(index, metabuf, step, dim, &dummy);
	ivf_append_floats_logged(index, metabuf, zero, dim, &dummy);

	state = GenericXLogStart(index);
	meta = IvfPageGetMeta(GenericXLogRegisterBuffer(state, metabuf, 0));
	dirbuf = ivf_new_buffer(index);
	dirpage = GenericXLogRegisterBuffer(state, dirbuf, GENERIC_XLOG_FULL_IMAGE);
	ivf_init_page(dirpage, IVF_PAGE_DIR);
	dir = (IvfListDir *) PageGetContents(dirpage);
	dir->head = dir->tail = InvalidBlockNumber;
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

/* Adds a code tuple at the tail of its list, extending the chain if full. */
static void
add_to_list(Relation index, IvfCache *cache, int list, IvfCodeTuple *tup, Size size)
{
	BlockNumber dirblk = ivf_dir_block(cache, list);
	Buffer		dirbuf = ReadBuffer(index, dirblk);
	GenericXLogState *state;
	IvfListDir *entry;
	Buffer		tailbuf = InvalidBuffer;
	Buffer		newbuf;
	Page		page = NULL;

	LockBuffer(dirbuf, BUFFER_LOCK_EXCLUSIVE);
	ivf_check_page(index, BufferGetPage(dirbuf), dirblk, IVF_PAGE_DIR);
	state = GenericXLogStart(index);
	entry = (IvfListDir *) PageGetContents(BufferGetPage(dirbuf)) + list % IVF_DIR_PER_PAGE;
	if (entry->tail != InvalidBlockNumber)
	{
		tailbuf = ReadBuffer(index, entry->tail);
		LockBuffer(tailbuf, BUFFER_LOCK_EXCLUSIVE);
		page = GenericXLogRegisterBuffer(state, tailbuf, 0);
		ivf_check_page(index, page, entry->tail, IVF_PAGE_CODES);
		if (PageGetFreeSpace(page) >= size)
		{
			if (PageAddItem(page, (Item) tup, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
				elog(ERROR, "could not add a code tuple to index \"%s\"", RelationGetRelationName(index));
			GenericXLogFinish(state);
			UnlockReleaseBuffer(tailbuf);
			UnlockReleaseBuffer(dirbuf);
			return;
		}
	}
	/* a new tail page, linked from the old tail (or the directory) */
	newbuf = ivf_new_buffer(index);
	entry = (IvfListDir *) PageGetContents(GenericXLogRegisterBuffer(state, dirbuf, 0)) +
		list % IVF_DIR_PER_PAGE;
	if (BufferIsValid(tailbuf))
		IvfPageGetOpaque(page)->next = BufferGetBlockNumber(newbuf);
	else
		entry->head = BufferGetBlockNumber(newbuf);
	entry->tail = BufferGetBlockNumber(newbuf);
	page = GenericXLogRegisterBuffer(state, newbuf, GENERIC_XLOG_FULL_IMAGE);
	ivf_init_page(page, IVF_PAGE_CODES);
	if (PageAddItem(page, (Item) tup, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
		elog(ERROR, "could not add a code tuple to index \"%s\"", RelationGetRelationName(index));
	GenericXLogFinish(state);
	UnlockReleaseBuffer(newbuf);
	if (BufferIsValid(tailbuf))
		UnlockReleaseBuffer(tailbuf);
	UnlockReleaseBuffer(dirbuf);
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

bool
ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer ht_ctid,
		  Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		  IndexInfo *indexInfo)
{
	Embedding  *e;
	float	   *v;
	IvfCache   *cache;
	IvfCodeTuple *tup;
	Size		size;
	int			list;
	Buffer		metabuf;
	IvfVecLoc	loc;

	if (isnull[0])
		return false;
	e = ivf_datum_vector(values[0]);
	v = palloc(sizeof(float) * e->dim);
	memcpy(v, e->x, sizeof(float) * e->dim);
	if (!ivf_prepare_vector(ivf_index_metric(index), v, e->dim))
		return false;			/* a zero vector has no cosine distance */
	cache = cache_for_insert(index, v, e->dim);
	ivf_check_dim(cache, e->dim);

	list = hn_nearest_centroid(v, cache->centroids, cache->nlists, cache->dim);
	size = IVF_CODE_TUPLE_SIZE(cache->codebytes);
	tup = palloc0(size);
	tup->heaptid = *ht_ctid;
	tup->sqnorm = hn_norm_sq(v, cache->dim);
	ivf_encode(cache, v, list, tup->code);

	metabuf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	ivf_append_floats_logged(index, metabuf, v, cache->dim, &loc);
	UnlockReleaseBuffer(metabuf);
	tup->vblk = loc.blkno;
	tup->voff = loc.offset;

	add_to_list(index, cache, list, tup, size);
	pfree(tup);
	pfree(v);
	return false;
}
