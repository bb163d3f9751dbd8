/*
 * ivfsq.h
 *		The ivfsq index access method: inverted lists of 8-bit scalar-quantised
 *		residual codes with exact re-ranking (design in docs/index.md).
 *
 * Files (the contrib/bloom split): ivfsq.c handler, options and GUCs;
 * build.c; insert.c; scan.c; vacuum.c; cost.c; validate.c; page.c page
 * layout and the vector store; verify.c the structure checker.
 *
 * Pages (all with IvfPageOpaque special space):
 *	block 0				metapage (IvfMetaData)
 *	dir_start..+ndir	list directory: IvfListDir entries {head, insert}
 *	code pages			one chain per list (next link); items IvfCodeTuple;
 *						inserts start at the list's insert page, which VACUUM
 *						moves back to the first page with room
 *	vector pages		not chained: items are IvfVecPiece, a vector is a run
 *						of pieces filling pages to the brim (vecstore.c).  The
 *						quantiser (lo[dim], step[dim]) and the centroids
 *						(k x dim) are one run, from meta->quant.
 *	free pages			emptied by VACUUM, recorded in the free-space map
 *
 * Format version 2 (hardneg 0.2.0): version 1 had one append-only vector
 * chain and {head, tail} directory entries; it is refused (REINDEX).
 */
#ifndef HN_IVFSQ_H
#define HN_IVFSQ_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/relscan.h"
#include "access/itup.h"
#include "fmgr.h"
#include "kernels/distance.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "storage/bufmgr.h"
#include "utils/relcache.h"

#define IVF_MAGIC			0x49565351	/* "IVSQ" */
#define IVF_VERSION			2
#define IVF_METAPAGE_BLKNO	0

/* page kinds (IvfPageOpaque.flags) */
#define IVF_PAGE_META		1
#define IVF_PAGE_DIR		2
#define IVF_PAGE_CODES		3
#define IVF_PAGE_VECTORS	4
#define IVF_PAGE_FREE		5
#define IVF_PAGE_ID			0xFF81	/* identifies our pages in pg_filedump */

/* Above this many dimensions entries carry no code: scans compare exactly. */
#define IVF_MAX_CODE_DIM	4000
#define IVF_MAX_LISTS		32768
#define IVF_DEFAULT_ITERATIONS	12
/* lists = 2 sqrt(rows): on GloVe-100 it scans ~6% of the rows for recall 0.95, sqrt(rows) ~8% */
#define IVF_AUTO_LISTS_FACTOR	2.0
#define IVF_DEFAULT_SAMPLE_PER_LIST	128

/* strategy numbers = metric of the operator class (support function 1) */
#define IVF_DISTANCE_PROC	1
#define IVF_NPROC			1

typedef struct IvfPageOpaqueData
{
	BlockNumber next;			/* next page of the same chain */
	uint16		flags;			/* IVF_PAGE_* */
	uint16		page_id;		/* IVF_PAGE_ID */
} IvfPageOpaqueData;

typedef IvfPageOpaqueData *IvfPageOpaque;

/* bytes of a page between the header and the special space */
#define IVF_PAGE_CAPACITY \
	(BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(IvfPageOpaqueData)))

#define IvfPageGetOpaque(page) ((IvfPageOpaque) PageGetSpecialPointer(page))

/* The first piece of a run in the vector store. */
typedef struct IvfVecLoc
{
	BlockNumber blkno;
	uint16		offset;			/* item (OffsetNumber) on that page */
} IvfVecLoc;

/*
 * One piece of a stored vector, followed by its floats (as many as the item
 * length says).  The owner lets VACUUM free the pieces of dead rows without
 * following any link, and lets a reader tell a reused item from its own.
 */
typedef struct IvfVecPiece
{
	ItemPointerData owner;		/* heap row; invalid for the quantiser run */
	OffsetNumber nextoff;		/* next piece of the run, if nextblk is valid */
	BlockNumber nextblk;		/* InvalidBlockNumber: last piece */
} IvfVecPiece;

#define IVF_PIECE_HDR		sizeof(IvfVecPiece)
/* no piece is started with fewer floats than this (unless fewer are left) */
#define IVF_MIN_PIECE_FLOATS	16

typedef struct IvfMetaData
{
	uint32		magic;
	uint32		version;
	int32		dim;			/* 0 until the first vector is known */
	int32		metric;			/* HnMetric */
	int32		nlists;			/* 0: not yet initialised (empty build) */
	int32		ndirpages;
	BlockNumber dir_start;		/* first directory page (contiguous run) */
	int32		codebytes;		/* dim, or 0 above IVF_MAX_CODE_DIM */
	IvfVecLoc	quant;			/* lo[dim], step[dim], centroids[nlists][dim] */
} IvfMetaData;

#define IvfPageGetMeta(page) ((IvfMetaData *) PageGetContents(page))

typedef struct IvfListDir
{
	BlockNumber head;			/* first code page, or InvalidBlockNumber */
	BlockNumber insert;			/* inserts look for room from here on */
} IvfListDir;

#define IVF_DIR_PER_PAGE (IVF_PAGE_CAPACITY / sizeof(IvfListDir))

/* One indexed row in a list. */
typedef struct IvfCodeTuple
{
	ItemPointerData heaptid;
	uint16		voff;			/* vector location (offset part) */
	BlockNumber vblk;			/* vector location (block part) */
	float		sqnorm;			/* |x|^2 of the stored vector (L2 estimate) */
	uint8		code[FLEXIBLE_ARRAY_MEMBER];	/* residual, one byte a dim */
} IvfCodeTuple;

#define IVF_CODE_TUPLE_SIZE(codebytes) MAXALIGN(offsetof(IvfCodeTuple, code) + (codebytes))

/* Build options (WITH (...)). */
typedef struct IvfOptions
{
	int32		vl_len_;
	int			lists;			/* 0: sqrt(rows) */
	int			kmeans_iterations;
	int			sample_per_list;
} IvfOptions;

/*
 * What never changes after the index is built (or lazily initialised): kept
 * in rd_amcache so scans do not re-read centroids and quantiser.
 */
typedef struct IvfCache
{
	int			dim;
	int			metric;
	int			nlists;
	int			ndirpages;
	BlockNumber dir_start;
	int			codebytes;
	float	   *lo;				/* [dim] */
	float	   *step;			/* [dim] */
	float	   *centroids;		/* [nlists][dim] */
	float	   *centroid_sqnorm;	/* [nlists] */
	BlockNumber *heads;			/* [nlists] first code page, filled lazily */
	/* 8-bit codes of the centroids, to rank lists cheaply (NULL: no codes) */
	float	   *clo;			/* [dim] */
	float	   *cstep;			/* [dim] */
	uint8	   *ccodes;			/* [nlists][dim] */
} IvfCache;

/* GUCs (ivfsq.c) */
extern int	ivf_probes;
extern int	ivf_rerank;
extern int	ivf_max_scan_tuples;

/* ivfsq.* names of the same settings (settings_alias.c); 0: not set */
extern int	ivf_alias_probes;
extern int	ivf_alias_rerank;
extern int	ivf_alias_max_scan_tuples;

typedef enum IvfIterativeScan
{
	IVF_ITERATIVE_OFF,
	IVF_ITERATIVE_RELAXED
} IvfIterativeScan;
extern int	ivf_iterative_scan;

extern void hn_index_alias_init(void);

/* Effective settings: the ivfsq.* name when set, else hardneg.ivfsq_*. */
static inline int
ivf_eff_probes(void)
{
	return ivf_alias_probes > 0 ? ivf_alias_probes : ivf_probes;
}

static inline int
ivf_eff_rerank(void)
{
	return ivf_alias_rerank > 0 ? ivf_alias_rerank : ivf_rerank;
}

static inline int
ivf_eff_max_scan_tuples(void)
{
	return ivf_alias_max_scan_tuples > 0 ? ivf_alias_max_scan_tuples : ivf_max_scan_tuples;
}

/* ivfsq.c */
extern void hn_index_init(void);
extern bytea *ivfoptions(Datum reloptions, bool validate);
extern HnMetric ivf_index_metric(Relation index);

/* page.c */
extern void ivf_init_page(Page page, uint16 flags);
extern Buffer ivf_new_buffer(Relation index);
extern Buffer ivf_extend(Relation index);
extern bool ivf_page_is_free(Page page);
extern void ivf_check_page(Relation index, Page page, BlockNumber blkno, uint16 flags);
extern IvfCache *ivf_get_cache(Relation index);
extern bool ivf_prepare_vector(HnMetric metric, float *v, int dim);
extern BlockNumber ivf_dir_block(IvfCache *cache, int list);
extern IvfListDir *ivf_dir_entry(Relation index, IvfCache *cache, int list, int mode, Buffer *buf,
								 BufferAccessStrategy strategy);
extern void ivf_set_insert_page(Relation index, IvfCache *cache, int list, BlockNumber blk,
								BufferAccessStrategy strategy);
extern BlockNumber ivf_list_head_cached(Relation index, IvfCache *cache, int list);
extern void ivf_fill_metapage(Page page, int dim, HnMetric metric);
extern void ivf_check_dim(IvfCache *cache, int dim);
extern struct Embedding *ivf_datum_vector(Datum value);
extern void ivf_encode(IvfCache *cache, const float *v, int list, uint8 *code);

/* vecstore.c */
extern void ivf_vec_write(Relation index, bool wal, Buffer *cur, ItemPointer owner,
						  const float *v, Size n, IvfVecLoc *loc);
extern bool ivf_vec_read(Relation index, IvfVecLoc loc, ItemPointer owner, float *out, Size n,
						 BlockNumber nblocks);
extern void ivf_vec_read_run(Relation index, IvfVecLoc loc, float *out, Size n);
extern Buffer ivf_vec_target(Relation index);
extern void ivf_vec_release(Relation index, Buffer buf);
extern void ivf_vec_vacuum(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
						   IndexBulkDeleteCallback callback, void *callback_state);
extern int	ivf_piece_floats(Page page, Size want);

/* build.c */
extern IndexBuildResult *ivfbuild(Relation heap, Relation index, IndexInfo *indexInfo);
extern void ivfbuildempty(Relation index);
extern char *ivfbuildphasename(int64 phasenum);
typedef struct IvfBuildState IvfBuildState;
extern void ivf_build_add_row(IvfBuildState *st, ItemPointer tid, int list, const float *v);

/* build_parallel.c */
extern bool ivf_parallel_assign(IvfBuildState *st, Relation heap, Relation index,
								IndexInfo *indexInfo, IvfCache *cache);

/* insert.c */
extern bool ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer ht_ctid,
					  Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
					  IndexInfo *indexInfo);
extern void ivf_lazy_init(Relation index, Buffer metabuf, const float *v, int dim);

/* scan.c */
extern IndexScanDesc ivfbeginscan(Relation index, int nkeys, int norderbys);
extern void ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
extern bool ivfgettuple(IndexScanDesc scan, ScanDirection dir);
extern void ivfendscan(IndexScanDesc scan);

/* vacuum.c */
extern IndexBulkDeleteResult *ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
											IndexBulkDeleteCallback callback, void *callback_state);
extern IndexBulkDeleteResult *ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);

/* cost.c */
extern void ivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
							Cost *indexStartupCost, Cost *indexTotalCost,
							Selectivity *indexSelectivity, double *indexCorrelation,
							double *indexPages);

/* validate.c */
extern bool ivfvalidate(Oid opclassoid);

#endif							/* HN_IVFSQ_H */
