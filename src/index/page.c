/*
 * page.c
 *		ivfsq page layout: page initialisation and checks, the vector store
 *		(floats packed back to back over a chain of pages), the cached
 *		immutable part of the index, and the residual encoder.
 */
#include "postgres.h"

#include <math.h>

#include "embedding/embedding.h"
#include "index/ivfsq.h"
#include "kernels/quant.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"


void
ivf_init_page(Page page, uint16 flags)
{
	IvfPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(IvfPageOpaqueData));
	opaque = IvfPageGetOpaque(page);
	opaque->next = InvalidBlockNumber;
	opaque->flags = flags;
	opaque->page_id = IVF_PAGE_ID;
}

/* A new page at the end of the index, exclusively locked. */
Buffer
ivf_new_buffer(Relation index)
{
	Buffer		buf;
	bool		needlock = !RELATION_IS_LOCAL(index);

	if (needlock)
		LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBuffer(index, P_NEW);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (needlock)
		UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

/* Refuses to interpret a page of the wrong kind (a corrupted link). */
void
ivf_check_page(Relation index, Page page, BlockNumber blkno, uint16 flags)
{
	IvfPageOpaque opaque;

	if (PageIsNew(page) || PageGetSpecialSize(page) != MAXALIGN(sizeof(IvfPageOpaqueData)))
		goto bad;
	opaque = IvfPageGetOpaque(page);
	if (opaque->page_id != IVF_PAGE_ID || opaque->flags != flags)
		goto bad;
	return;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" block %u is not an ivfsq page of kind %d",
					RelationGetRelationName(index), blkno, flags),
			 errhint("Run hardneg_index_verify() on it and REINDEX.")));
}

BlockNumber
ivf_dir_block(IvfCache *cache, int list)
{
	return cache->dir_start + list / IVF_DIR_PER_PAGE;
}

/* A metapage for an index with no lists yet (dim 0: not known yet). */
void
ivf_fill_metapage(Page page, int dim, HnMetric metric)
{
	IvfMetaData *meta;

	ivf_init_page(page, IVF_PAGE_META);
	meta = IvfPageGetMeta(page);
	memset(meta, 0, sizeof(IvfMetaData));
	meta->magic = IVF_MAGIC;
	meta->version = IVF_VERSION;
	meta->dim = dim;
	meta->metric = metric;
	meta->dir_start = InvalidBlockNumber;
	meta->quant.blkno = InvalidBlockNumber;
	meta->vec_tail = InvalidBlockNumber;
	meta->vec_head = InvalidBlockNumber;
	/* generic WAL and full-page images keep only what lies below pd_lower */
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(IvfMetaData)) - (char *) page;
}

/*
 * First code page of a list.  A list's head is set once, when its first
 * page is added, and never changes (pages are never unlinked), so once
 * known it is remembered in the cache and the directory is not read again.
 */
BlockNumber
ivf_list_head_cached(Relation index, IvfCache *cache, int list)
{
	BlockNumber dirblk;
	Buffer		buf;
	BlockNumber head = cache->heads[list];

	if (head != InvalidBlockNumber)
		return head;
	dirblk = ivf_dir_block(cache, list);
	buf = ReadBuffer(index, dirblk);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	ivf_check_page(index, BufferGetPage(buf), dirblk, IVF_PAGE_DIR);
	head = ((IvfListDir *) PageGetContents(BufferGetPage(buf)))[list % IVF_DIR_PER_PAGE].head;
	UnlockReleaseBuffer(buf);
	cache->heads[list] = head;
	return head;
}

/*
 * An indexed (or query) vector, whole-value checked: 0.1.0 could store
 * 0-dimension and NaN embeddings, and one such row would make the build
 * divide by zero or poison the centroids.
 */
Embedding *
ivf_datum_vector(Datum value)
{
	Embedding  *e = DatumGetEmbedding(value);

	embedding_check_value(e);
	return e;
}

void
ivf_check_dim(IvfCache *cache, int dim)
{
	if (cache->dim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", cache->dim, dim),
				 errhint("Every embedding in an ivfsq index has the dimension of the first one indexed.")));
}

/*
 * Reads n floats from the vector store at *loc, following the chain, and
 * advances *loc past them.
 */
void
ivf_read_floats(Relation index, IvfVecLoc *loc, float *out, int n)
{
	char	   *dst = (char *) out;
	Size		left = sizeof(float) * (Size) n;

	while (left > 0)
	{
		Buffer		buf;
		Page		page;
		Size		chunk;

		if (loc->blkno == InvalidBlockNumber || loc->offset < IVF_DATA_START ||
			loc->offset > IVF_DATA_END)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" points outside its vector store",
							RelationGetRelationName(index)),
					 errhint("Run hardneg_index_verify() on it and REINDEX.")));
		buf = ReadBuffer(index, loc->blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		ivf_check_page(index, page, loc->blkno, IVF_PAGE_VECTORS);
		chunk = Min(left, (Size) (IVF_DATA_END - loc->offset));
		memcpy(dst, (char *) page + loc->offset, chunk);
		dst += chunk;
		left -= chunk;
		loc->offset += chunk;
		if (loc->offset >= IVF_DATA_END)
		{
			loc->blkno = IvfPageGetOpaque(page)->next;
			loc->offset = IVF_DATA_START;
		}
		UnlockReleaseBuffer(buf);
	}
}

/*
 * Appends n floats to the vector store, one generic WAL record per page
 * touched, each also moving the append position in the metapage (metabuf,
 * exclusively locked by the caller).  *loc receives the first byte's place.
 * A crash between records leaves unreferenced bytes, never a dangling
 * reference: callers publish *loc only after this returns.
 */
void
ivf_append_floats_logged(Relation index, Buffer metabuf, const float *v, int n,
						 IvfVecLoc *loc)
{
	const char *src = (const char *) v;
	Size		left = sizeof(float) * (Size) n;
	bool		first = true;

	/*
	 * IvfVecLoc has two padding bytes, and *loc can end up on the metapage
	 * (meta->quant, ivf_lazy_init): zero them, never copy stack garbage.
	 */
	memset(loc, 0, sizeof(IvfVecLoc));
	while (left > 0)
	{
		GenericXLogState *state = GenericXLogStart(index);
		IvfMetaData *meta = IvfPageGetMeta(GenericXLogRegisterBuffer(state, metabuf, 0));
		Buffer		tailbuf = InvalidBuffer;
		Buffer		newbuf = InvalidBuffer;
		Page		page;
		Size		chunk;

		if (meta->vec_tail != InvalidBlockNumber)
		{
			tailbuf = ReadBuffer(index, meta->vec_tail);
			LockBuffer(tailbuf, BUFFER_LOCK_EXCLUSIVE);
			page = GenericXLogRegisterBuffer(state, tailbuf, 0);
			ivf_check_page(index, page, meta->vec_tail, IVF_PAGE_VECTORS);
		}
		if (meta->vec_tail == InvalidBlockNumber || meta->vec_tail_off >= IVF_DATA_END)
		{
			BlockNumber newblk;

			newbuf = ivf_new_buffer(index);
			newblk = BufferGetBlockNumber(newbuf);
			if (BufferIsValid(tailbuf))
				IvfPageGetOpaque(page)->next = newblk;
			else
				meta->vec_head = newblk;
			page = GenericXLogRegisterBuffer(state, newbuf, GENERIC_XLOG_FULL_IMAGE);
			ivf_init_page(page, IVF_PAGE_VECTORS);
			meta->vec_tail = newblk;
			meta->vec_tail_off = IVF_DATA_START;
		}
		if (first)
		{
			loc->blkno = meta->vec_tail;
			loc->offset = meta->vec_tail_off;
			first = false;
		}
		chunk = Min(left, (Size) (IVF_DATA_END - meta->vec_tail_off));
		memcpy((char *) page + meta->vec_tail_off, src, chunk);
		src += chunk;
		left -= chunk;
		meta->vec_tail_off += chunk;
		/* generic WAL skips the hole between pd_lower and pd_upper */
		((PageHeader) page)->pd_lower = meta->vec_tail_off;
		GenericXLogFinish(state);
		if (BufferIsValid(tailbuf))
			UnlockReleaseBuffer(tailbuf);
		if (BufferIsValid(newbuf))
			UnlockReleaseBuffer(newbuf);
	}
}

/* Cosine works on unit vectors; false when v cannot be normalised. */
bool
ivf_prepare_vector(HnMetric metric, float *v, int dim)
{
	float		norm;

	if (metric != HN_METRIC_COSINE)
		return true;
	norm = sqrtf(hn_norm_sq(v, dim));
	if (!(norm > 0.0f) || isinf(norm))
		return false;
	for (int i = 0; i < dim; i++)
		v[i] /= norm;
	return true;
}

void
ivf_encode(IvfCache *cache, const float *v, int list, uint8 *code)
{
	const float *c = cache->centroids + (size_t) list * cache->dim;

	for (int i = 0; i < cache->codebytes; i++)
		code[i] = hn_encode_u8(v[i] - c[i], cache->lo[i], cache->step[i]);
}

/*
 * Ranking the lists reads every centroid: at 768-d and 600 lists that is
 * 1.9 MB of floats a query.  Bytes, ranked with the same integer kernel as
 * the rows, cut that fourfold; scans re-rank the lists near the probe
 * boundary exactly (scan.c).
 */
static void
encode_centroids(IvfCache *cache)
{
	int			dim = cache->dim;

	for (int j = 0; j < dim; j++)
	{
		float		lo = INFINITY;
		float		hi = -INFINITY;

		for (int l = 0; l < cache->nlists; l++)
		{
			float		v = cache->centroids[(Size) l * dim + j];

			lo = Min(lo, v);
			hi = Max(hi, v);
		}
		cache->clo[j] = lo;
		cache->cstep[j] = (hi - lo) / 255.0f;
	}
	for (int l = 0; l < cache->nlists; l++)
		for (int j = 0; j < dim; j++)
			cache->ccodes[(Size) l * dim + j] =
				hn_encode_u8(cache->centroids[(Size) l * dim + j], cache->clo[j], cache->cstep[j]);
}

static IvfCache *
load_cache(Relation index, const IvfMetaData *meta, MemoryContext cxt)
{
	int			dim = meta->dim;
	int			k = meta->nlists;
	IvfCache   *cache;
	char	   *p;
	Size		floats = (Size) dim * (4 + k) + 2 * k;
	Size		bytes = meta->codebytes > 0 ? (Size) k * dim : 0;
	IvfVecLoc	loc = meta->quant;

	p = MemoryContextAllocHuge(cxt, MAXALIGN(sizeof(IvfCache)) + sizeof(float) * floats + bytes);
	cache = (IvfCache *) p;
	cache->dim = dim;
	cache->metric = meta->metric;
	cache->nlists = k;
	cache->ndirpages = meta->ndirpages;
	cache->dir_start = meta->dir_start;
	cache->codebytes = meta->codebytes;
	cache->lo = (float *) (p + MAXALIGN(sizeof(IvfCache)));
	cache->step = cache->lo + dim;
	cache->centroids = cache->step + dim;
	cache->centroid_sqnorm = cache->centroids + (Size) k * dim;
	cache->heads = (BlockNumber *) (cache->centroid_sqnorm + k);
	for (int i = 0; i < k; i++)
		cache->heads[i] = InvalidBlockNumber;
	ivf_read_floats(index, &loc, cache->lo, dim);
	ivf_read_floats(index, &loc, cache->step, dim);
	ivf_read_floats(index, &loc, cache->centroids, k * dim);
	for (int i = 0; i < k; i++)
		cache->centroid_sqnorm[i] = hn_norm_sq(cache->centroids + (Size) i * dim, dim);
	cache->clo = (float *) (cache->heads + k);
	cache->cstep = cache->clo + dim;
	cache->ccodes = NULL;
	if (bytes > 0)
	{
		cache->ccodes = (uint8 *) (cache->cstep + dim);
		encode_centroids(cache);
	}
	return cache;
}

/*
 * The immutable part of the index.  Once lists exist it never changes until
 * a rebuild (which gives a new relfilenode and so a relcache flush), so it
 * lives in rd_amcache.  An index still waiting for its first vector gets a
 * transient copy with nlists = 0.
 */
IvfCache *
ivf_get_cache(Relation index)
{
	Buffer		buf;
	Page		page;
	IvfMetaData meta;
	IvfCache   *cache;

	if (index->rd_amcache != NULL)
		return (IvfCache *) index->rd_amcache;
	buf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	ivf_check_page(index, page, IVF_METAPAGE_BLKNO, IVF_PAGE_META);
	meta = *IvfPageGetMeta(page);
	UnlockReleaseBuffer(buf);
	if (meta.magic != IVF_MAGIC || meta.version != IVF_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has a bad ivfsq metapage", RelationGetRelationName(index)),
				 errhint("REINDEX it.")));
	if (meta.nlists == 0)
	{
		cache = palloc0(sizeof(IvfCache));
		cache->dim = meta.dim;
		cache->metric = meta.metric;
		return cache;
	}
	cache = load_cache(index, &meta, index->rd_indexcxt);
	index->rd_amcache = cache;
	return cache;
}
