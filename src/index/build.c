/*
 * build.c
 *		ivfsq index build: sample rows, train centroids with k-means, fit the
 *		residual quantiser, then assign every row and write the lists.
 *
 * Pages are written through shared buffers without WAL and logged as full
 * images at the end (log_newpage_range), the usual pattern for a build that
 * owns its relation.  Memory: the training sample is capped at half of
 * maintenance_work_mem and the code entries waiting to be written at a
 * quarter; entries are flushed to their lists whenever that fills up.
 */
#include "postgres.h"

#include <math.h>

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "embedding/embedding.h"
#include "index/ivfsq.h"
#include "kernels/kmeans.h"
#include "kernels/rng.h"
#include "miscadmin.h"
#include "pg_compat.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#define IVF_PHASE_SAMPLE	2
#define IVF_PHASE_TRAIN		3
#define IVF_PHASE_ASSIGN	4

#define IVF_SEED			UINT64CONST(0x6976667371)

/* One row waiting to be written to its list. */
typedef struct BuildEntryHdr
{
	int			list;
} BuildEntryHdr;

#define ENTRY_HDR MAXALIGN(sizeof(BuildEntryHdr))

struct IvfBuildState
{
	Relation	index;
	HnMetric	metric;
	int			dim;
	MemoryContext tmpcxt;

	/* pass 1: reservoir sample */
	float	   *sample;
	int			sample_cap;
	int			nsample;
	double		nseen;

	/* training result, in the layout of IvfCache */
	IvfCache	cache;

	/* pass 2 */
	Buffer		vecbuf;			/* current vector page, pinned (locked only while written) */
	BlockNumber *head;
	BlockNumber *tail;
	char	   *entries;
	Size		entry_size;
	int			nentries;
	int			max_entries;
	double		nindexed;
	double		ntotal;
};

char *
ivfbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case IVF_PHASE_SAMPLE:
			return "sampling rows";
		case IVF_PHASE_TRAIN:
			return "training centroids";
		case IVF_PHASE_ASSIGN:
			return "assigning and writing rows";
		default:
			return NULL;
	}
}

static Size
mwm_bytes(void)
{
	return (Size) maintenance_work_mem * 1024;
}

/* Detoasts, checks the dimension and prepares (normalises) one vector. */
static bool
read_vector(IvfBuildState *st, Datum value, float *out)
{
	Embedding  *e = ivf_datum_vector(value);

	if (st->dim == 0)
		st->dim = e->dim;
	if (e->dim != st->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", st->dim, e->dim),
				 errhint("Index only embeddings of one dimension, e.g. a column declared embedding(n).")));
	memcpy(out, e->x, sizeof(float) * st->dim);
	return ivf_prepare_vector(st->metric, out, st->dim);
}

static void
sample_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	IvfBuildState *st = (IvfBuildState *) state;
	MemoryContext old;
	float	   *v;
	int			slot;

	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(st->tmpcxt);
	if (st->sample == NULL)
	{
		/* first row: its dimension sizes the reservoir */
		Embedding  *e = ivf_datum_vector(values[0]);
		Size		per = sizeof(float) * (st->dim ? st->dim : e->dim);

		st->sample_cap = (int) Min((Size) st->sample_cap, Max(mwm_bytes() / 2 / per, 1));
		MemoryContextSwitchTo(old);
		st->sample = palloc_extended(per * st->sample_cap, MCXT_ALLOC_HUGE);
		MemoryContextSwitchTo(st->tmpcxt);
	}
	v = palloc(sizeof(float) * (st->dim ? st->dim : ivf_datum_vector(values[0])->dim));
	if (read_vector(st, values[0], v))
	{
		st->nseen += 1;
		if (st->nsample < st->sample_cap)
			slot = st->nsample++;
		else
			slot = (int) (hn_uniform(IVF_SEED, HN_STREAM_INDEX, (uint64) st->nseen, 0, 0) * st->nseen);
		if (slot < st->sample_cap)
			memcpy(st->sample + (Size) slot * st->dim, v, sizeof(float) * st->dim);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->tmpcxt);
}

/* Per-dimension range of the residuals of the training rows. */
static void
fit_quantizer(IvfBuildState *st, const int *assign)
{
	int			dim = st->dim;
	float	   *hi = palloc(sizeof(float) * dim);

	for (int j = 0; j < dim; j++)
	{
		st->cache.lo[j] = INFINITY;
		hi[j] = -INFINITY;
	}
	for (int i = 0; i < st->nsample; i++)
	{
		const float *v = st->sample + (Size) i * dim;
		const float *c = st->cache.centroids + (Size) assign[i] * dim;

		for (int j = 0; j < dim; j++)
		{
			float		r = v[j] - c[j];

			st->cache.lo[j] = Min(st->cache.lo[j], r);
			hi[j] = Max(hi[j], r);
		}
	}
	for (int j = 0; j < dim; j++)
		st->cache.step[j] = (hi[j] - st->cache.lo[j]) / 255.0f;
	pfree(hi);
}

static void
train(IvfBuildState *st, IvfOptions *opts)
{
	int			k = opts && opts->lists > 0 ? opts->lists : (int) (IVF_AUTO_LISTS_FACTOR * sqrt(st->nseen));
	int			iters = opts ? opts->kmeans_iterations : IVF_DEFAULT_ITERATIONS;
	int			per_list = opts ? opts->sample_per_list : IVF_DEFAULT_SAMPLE_PER_LIST;
	int			ntrain;
	int		   *assign;
	int			dim = st->dim;

	k = Max(1, Min(k, st->nsample));
	ntrain = Min(st->nsample, k * per_list);
	st->cache.dim = dim;
	st->cache.metric = st->metric;
	st->cache.nlists = k;
	st->cache.codebytes = dim <= IVF_MAX_CODE_DIM ? dim : 0;
	st->cache.lo = palloc(sizeof(float) * dim);
	st->cache.step = palloc(sizeof(float) * dim);
	st->cache.centroids = palloc_extended(sizeof(float) * (Size) k * dim, MCXT_ALLOC_HUGE);
	assign = palloc(sizeof(int) * st->nsample);
	/* the reservoir is a uniform sample: its first ntrain rows train */
	hn_kmeans(st->sample, ntrain, dim, k, iters, st->metric == HN_METRIC_COSINE,
			  IVF_SEED, st->cache.centroids, assign);
	if (st->nsample > ntrain)
		hn_assign_nearest(st->sample + (Size) ntrain * dim, st->nsample - ntrain, dim,
						  st->cache.centroids, k, assign + ntrain);
	fit_quantizer(st, assign);
	pfree(assign);
}

/*
 * Appends a run to the vector store during the build (no WAL yet).  The
 * current page stays pinned but is locked only while written: no content
 * lock may be held across the parallel phase, which needs interrupts.
 */
static IvfVecLoc
build_append_floats(IvfBuildState *st, ItemPointer owner, const float *v, Size n)
{
	IvfVecLoc	loc;

	if (BufferIsValid(st->vecbuf))
		LockBuffer(st->vecbuf, BUFFER_LOCK_EXCLUSIVE);
	ivf_vec_write(st->index, false, &st->vecbuf, owner, v, n, &loc);
	LockBuffer(st->vecbuf, BUFFER_LOCK_UNLOCK);
	return loc;
}

/* Adds one code tuple at the tail of its list, extending the chain. */
static void
build_add_to_list(IvfBuildState *st, int list, IvfCodeTuple *tup, Size size)
{
	Buffer		buf;
	Page		page;

	if (st->tail[list] != InvalidBlockNumber)
	{
		buf = ReadBuffer(st->index, st->tail[list]);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (PageGetFreeSpace(page) >= size)
			goto add;
		{
			Buffer		nb = ivf_new_buffer(st->index);

			IvfPageGetOpaque(page)->next = BufferGetBlockNumber(nb);
			MarkBufferDirty(buf);
			UnlockReleaseBuffer(buf);
			buf = nb;
		}
	}
	else
	{
		buf = ivf_new_buffer(st->index);
		st->head[list] = BufferGetBlockNumber(buf);
	}
	page = BufferGetPage(buf);
	ivf_init_page(page, IVF_PAGE_CODES);
	st->tail[list] = BufferGetBlockNumber(buf);
add:
	if (PageAddItem(page, (Item) tup, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
		elog(ERROR, "could not add a code tuple to index \"%s\"", RelationGetRelationName(st->index));
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/* Writes the buffered entries list by list (counting sort on the list). */
static void
flush_entries(IvfBuildState *st)
{
	int			k = st->cache.nlists;
	int		   *start = palloc0(sizeof(int) * (k + 1));
	int		   *order = palloc(sizeof(int) * Max(st->nentries, 1));
	Size		tsize = st->entry_size - ENTRY_HDR;

	for (int i = 0; i < st->nentries; i++)
		start[((BuildEntryHdr *) (st->entries + (Size) i * st->entry_size))->list + 1]++;
	for (int l = 0; l < k; l++)
		start[l + 1] += start[l];
	for (int i = 0; i < st->nentries; i++)
		order[start[((BuildEntryHdr *) (st->entries + (Size) i * st->entry_size))->list]++] = i;
	for (int i = 0; i < st->nentries; i++)
	{
		char	   *e = st->entries + (Size) order[i] * st->entry_size;

		build_add_to_list(st, ((BuildEntryHdr *) e)->list, (IvfCodeTuple *) (e + ENTRY_HDR), tsize);
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	st->nentries = 0;
	pfree(start);
	pfree(order);
}

/* Writes one assigned row: its vector to the store, its code to the buffer. */
void
ivf_build_add_row(IvfBuildState *st, ItemPointer tid, int list, const float *v)
{
	char	   *e = st->entries + (Size) st->nentries * st->entry_size;
	IvfCodeTuple *tup = (IvfCodeTuple *) (e + ENTRY_HDR);
	IvfVecLoc	loc = build_append_floats(st, tid, v, st->dim);

	((BuildEntryHdr *) e)->list = list;
	tup->heaptid = *tid;
	tup->vblk = loc.blkno;
	tup->voff = loc.offset;
	tup->sqnorm = hn_norm_sq(v, st->dim);
	ivf_encode(&st->cache, v, list, tup->code);
	if (++st->nentries == st->max_entries)
		flush_entries(st);
	st->nindexed += 1;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) st->nindexed);
}

static void
assign_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	IvfBuildState *st = (IvfBuildState *) state;
	MemoryContext old;
	float	   *v;

	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(st->tmpcxt);
	v = palloc(sizeof(float) * st->dim);
	if (read_vector(st, values[0], v))
		ivf_build_add_row(st, tid,
						  hn_nearest_centroid(v, st->cache.centroids, st->cache.nlists, st->dim), v);
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->tmpcxt);
}

/* Directory pages, then quantiser and centroids at the head of the store. */
static void
write_layout(IvfBuildState *st, Buffer metabuf)
{
	int			k = st->cache.nlists;
	int			ndir = (k + IVF_DIR_PER_PAGE - 1) / IVF_DIR_PER_PAGE;
	Size		dk = (Size) st->dim * (2 + k);
	float	   *run = palloc_extended(sizeof(float) * dk, MCXT_ALLOC_HUGE);
	IvfVecLoc	quant;

	st->cache.ndirpages = ndir;
	for (int i = 0; i < ndir; i++)
	{
		Buffer		b = ivf_new_buffer(st->index);

		ivf_init_page(BufferGetPage(b), IVF_PAGE_DIR);
		if (i == 0)
			st->cache.dir_start = BufferGetBlockNumber(b);
		MarkBufferDirty(b);
		UnlockReleaseBuffer(b);
	}
	/* one run laid out as the cache reads it: lo, step, centroids */
	memcpy(run, st->cache.lo, sizeof(float) * st->dim);
	memcpy(run + st->dim, st->cache.step, sizeof(float) * st->dim);
	memcpy(run + 2 * st->dim, st->cache.centroids, sizeof(float) * (Size) k * st->dim);
	quant = build_append_floats(st, NULL, run, dk);
	pfree(run);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	IvfPageGetMeta(BufferGetPage(metabuf))->quant = quant;
	MarkBufferDirty(metabuf);
	LockBuffer(metabuf, BUFFER_LOCK_UNLOCK);
}

/* Stores the list heads/tails and the final metapage. */
static void
finish_layout(IvfBuildState *st, Buffer metabuf)
{
	IvfMetaData *meta;

	for (int d = 0; d < st->cache.ndirpages; d++)
	{
		Buffer		b = ReadBuffer(st->index, st->cache.dir_start + d);
		Page		page;
		IvfListDir *dir;
		int			first = d * IVF_DIR_PER_PAGE;
		int			n = Min((int) IVF_DIR_PER_PAGE, st->cache.nlists - first);

		LockBuffer(b, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(b);
		dir = (IvfListDir *) PageGetContents(page);
		for (int i = 0; i < n; i++)
		{
			dir[i].head = st->head[first + i];
			dir[i].insert = st->tail[first + i];
		}
		((PageHeader) page)->pd_lower = (char *) (dir + n) - (char *) page;
		MarkBufferDirty(b);
		UnlockReleaseBuffer(b);
	}
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	meta = IvfPageGetMeta(BufferGetPage(metabuf));
	meta->dim = st->dim;
	meta->nlists = st->cache.nlists;
	meta->ndirpages = st->cache.ndirpages;
	meta->dir_start = st->cache.dir_start;
	meta->codebytes = st->cache.codebytes;
	MarkBufferDirty(metabuf);
	LockBuffer(metabuf, BUFFER_LOCK_UNLOCK);
}

static void
assign_rows(IvfBuildState *st, Relation heap, IndexInfo *indexInfo, Buffer metabuf)
{
	int			k = st->cache.nlists;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_ASSIGN);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) st->nseen);
	st->head = palloc(sizeof(BlockNumber) * k);
	st->tail = palloc(sizeof(BlockNumber) * k);
	for (int l = 0; l < k; l++)
		st->head[l] = st->tail[l] = InvalidBlockNumber;
	write_layout(st, metabuf);
	st->entry_size = ENTRY_HDR + IVF_CODE_TUPLE_SIZE(st->cache.codebytes);
	st->max_entries = (int) Max(mwm_bytes() / 4 / st->entry_size, 64);
	/*
	 * Zeroed: a code tuple is MAXALIGNed past its last code byte, and those
	 * padding bytes would otherwise carry stale memory into the index pages
	 * and the WAL (insert.c zeroes its tuple for the same reason).
	 */
	st->entries = palloc_extended(st->entry_size * st->max_entries,
								  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	st->dim = st->cache.dim;
	if (!ivf_parallel_assign(st, heap, st->index, indexInfo, &st->cache))
		table_index_build_scan(heap, st->index, indexInfo, true, true, assign_callback, st, NULL);
	flush_entries(st);
	finish_layout(st, metabuf);
	ReleaseBuffer(st->vecbuf);
}

static int
initial_sample_cap(Relation heap, IvfOptions *opts, int dim)
{
	double		rows = heap->rd_rel->reltuples;
	int			per_list = opts ? opts->sample_per_list : IVF_DEFAULT_SAMPLE_PER_LIST;
	double		lists;

	if (rows <= 0)
		rows = (double) RelationGetNumberOfBlocks(heap) * Max(1, BLCKSZ / (4 * Max(dim, 1) + 32));
	lists = opts && opts->lists > 0 ? opts->lists : IVF_AUTO_LISTS_FACTOR * sqrt(Max(rows, 1.0));
	return (int) Min(Max(lists * per_list * 1.25, 1024.0), 4.0e6);
}

IndexBuildResult *
ivfbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IvfBuildState st;
	IvfOptions *opts = (IvfOptions *) index->rd_options;
	IndexBuildResult *result;
	Buffer		metabuf;
	int			typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
	memset(&st, 0, sizeof(st));
	st.index = index;
	st.metric = ivf_index_metric(index);
	st.dim = typmod > 0 ? typmod : 0;
	st.vecbuf = InvalidBuffer;
	st.tmpcxt = AllocSetContextCreate(CurrentMemoryContext, "ivfsq build tuple",
									  ALLOCSET_DEFAULT_SIZES);
	st.sample_cap = initial_sample_cap(heap, opts, st.dim);

	/* pinned throughout, locked only while written (see build_append_floats) */
	metabuf = ivf_new_buffer(index);
	Assert(BufferGetBlockNumber(metabuf) == IVF_METAPAGE_BLKNO);
	ivf_fill_metapage(BufferGetPage(metabuf), st.dim, st.metric);
	MarkBufferDirty(metabuf);
	LockBuffer(metabuf, BUFFER_LOCK_UNLOCK);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_SAMPLE);
	table_index_build_scan(heap, index, indexInfo, true, true, sample_callback, &st, NULL);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	IvfPageGetMeta(BufferGetPage(metabuf))->dim = st.dim;	/* known now if no typmod */
	MarkBufferDirty(metabuf);
	LockBuffer(metabuf, BUFFER_LOCK_UNLOCK);
	if (st.nsample > 0)
	{
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_TRAIN);
		train(&st, opts);
		pfree(st.sample);
		st.sample = NULL;
		assign_rows(&st, heap, indexInfo, metabuf);
	}
	ReleaseBuffer(metabuf);
	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = st.nseen;
	result->index_tuples = st.nindexed;
	MemoryContextDelete(st.tmpcxt);
	return result;
}

/* The init fork of an unlogged index: a metapage waiting for its first row. */
void
ivfbuildempty(Relation index)
{
	Page		page = (Page) palloc(BLCKSZ);
	int			typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	ivf_fill_metapage(page, typmod > 0 ? typmod : 0, ivf_index_metric(index));
	PageSetChecksumInplace(page, IVF_METAPAGE_BLKNO);
	smgrwrite(RelationGetSmgr(index), INIT_FORKNUM, IVF_METAPAGE_BLKNO, (char *) page, true);
	log_newpage(HN_SMGR_LOCATOR(RelationGetSmgr(index)), INIT_FORKNUM,
				IVF_METAPAGE_BLKNO, page, true);
	smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
	pfree(page);
}
