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
#include "storage/freespace.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
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

/* A page VACUUM freed, or one a crash left all zeros after extending. */
bool
ivf_page_is_free(Page page)
{
	return PageIsNew(page) ||
		(PageGetSpecialSize(page) == MAXALIGN(sizeof(IvfPageOpaqueData)) &&
		 IvfPageGetOpaque(page)->page_id == IVF_PAGE_ID &&
		 IvfPageGetOpaque(page)->flags == IVF_PAGE_FREE);
}

/*
 * A new page at the end of the index, exclusively locked.  It is locked
 * before the extension lock is released, so VACUUM (which counts blocks
 * under that lock) never mistakes it for a free page.
 */
Buffer
ivf_extend(Relation index)
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

/*
 * An empty page, exclusively locked, for the caller to initialise: a free
 * page from the free-space map if there is one, else a new one.  Vector
 * pages with room are in the map too (vecstore.c): one handed out here is
 * put back with its real free space.
 */
Buffer
ivf_new_buffer(Relation index)
{
	for (int i = 0; i < 8; i++)
	{
		BlockNumber blk = GetFreeIndexPage(index);
		Buffer		buf;

		if (blk == InvalidBlockNumber)
			break;
		buf = ReadBuffer(index, blk);
		/* conditional: the caller may hold pages a holder of this one wants */
		if (ConditionalLockBuffer(buf))
		{
			Page		page = BufferGetPage(buf);

			if (ivf_page_is_free(page))
				return buf;
			if (PageGetSpecialSize(page) == MAXALIGN(sizeof(IvfPageOpaqueData)) &&
				IvfPageGetOpaque(page)->flags == IVF_PAGE_VECTORS)
				RecordPageWithFreeSpace(index, blk, PageGetFreeSpace(page));
			LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		}
		ReleaseBuffer(buf);
	}
	return ivf_extend(index);
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

/*
 * The directory entry of a list, its page pinned and locked in mode (the
 * strategy of a VACUUM, or NULL).
 */
IvfListDir *
ivf_dir_entry(Relation index, IvfCache *cache, int list, int mode, Buffer *buf,
			  BufferAccessStrategy strategy)
{
	BlockNumber dirblk = ivf_dir_block(cache, list);

	*buf = ReadBufferExtended(index, MAIN_FORKNUM, dirblk, RBM_NORMAL, strategy);
	LockBuffer(*buf, mode);
	ivf_check_page(index, BufferGetPage(*buf), dirblk, IVF_PAGE_DIR);
	return (IvfListDir *) PageGetContents(BufferGetPage(*buf)) + list % IVF_DIR_PER_PAGE;
}

/*
 * Points the list's insert page at blk, a page of its chain: inserts look
 * for room from there on (insert.c), VACUUM moves it back (vacuum.c).
 */
void
ivf_set_insert_page(Relation index, IvfCache *cache, int list, BlockNumber blk,
					BufferAccessStrategy strategy)
{
	Buffer		dirbuf;
	IvfListDir *entry = ivf_dir_entry(index, cache, list, BUFFER_LOCK_EXCLUSIVE, &dirbuf, strategy);

	if (entry->insert != blk)
	{
		GenericXLogState *state = GenericXLogStart(index);

		entry = (IvfListDir *) PageGetContents(GenericXLogRegisterBuffer(state, dirbuf, 0)) +
			list % IVF_DIR_PER_PAGE;
		entry->insert = blk;
		GenericXLogFinish(state);
	}
	UnlockReleaseBuffer(dirbuf);
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
	Buffer		buf;
	BlockNumber head = cache->heads[list];

	if (head != InvalidBlockNumber)
		return head;
	head = ivf_dir_entry(index, cache, list, BUFFER_LOCK_SHARE, &buf, NULL)->head;
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
	/* lo, step and the centroids are one run, laid out as in the cache */
	ivf_vec_read_run(index, meta->quant, cache->lo, (Size) dim * (2 + k));
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
	if (meta.magic != IVF_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has a bad ivfsq metapage", RelationGetRelationName(index)),
				 errhint("REINDEX it.")));
	if (meta.version != IVF_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s\" has ivfsq page format version %u, this hardneg reads version %d",
						RelationGetRelationName(index), meta.version, IVF_VERSION),
				 errdetail("Version 1 indexes (hardneg 0.1.0) have an append-only vector store."),
				 errhint("REINDEX INDEX %s;",
						 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(index)),
													RelationGetRelationName(index)))));
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
