/*
 * verify.c
 *		hardneg_index_verify(index): structural check of an ivfsq index, in
 *		the spirit of amcheck.  Every problem becomes a row (block, problem);
 *		no row means the structure is sound.  The checker never follows a
 *		link it has not bounds-checked and never interprets a page of the
 *		wrong kind, so a damaged index yields rows, not a crash.
 */
#include "postgres.h"

#include <math.h>

#include "access/relation.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "fmgr.h"
#include "index/ivfsq.h"
#include "io/srf.h"
#include "miscadmin.h"
#include "pg_compat.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

typedef struct VerifyState
{
	Relation	index;
	HnSrf		srf;
	BlockNumber nblocks;
	uint8	   *seen;			/* per block: 0, or the kind that claimed it */
	float	   *scratch;		/* one vector */
	int			dim;
	int			nproblems;
} VerifyState;

static void
problem(VerifyState *vs, BlockNumber blk, const char *fmt,...) pg_attribute_printf(3, 4);

static void
problem(VerifyState *vs, BlockNumber blk, const char *fmt,...)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};
	char		buf[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	values[0] = Int64GetDatum(blk == InvalidBlockNumber ? -1 : (int64) blk);
	nulls[0] = blk == InvalidBlockNumber;
	values[1] = CStringGetTextDatum(buf);
	hn_srf_put(&vs->srf, values, nulls);
	vs->nproblems++;
}

/*
 * Reads block blk if it is in range and of the expected kind and was not
 * claimed before; returns a share-locked buffer or InvalidBuffer.
 */
static Buffer
read_page(VerifyState *vs, BlockNumber blk, uint16 kind, const char *what)
{
	Buffer		buf;
	Page		page;
	IvfPageOpaque opaque;

	if (blk >= vs->nblocks)
	{
		problem(vs, blk, "%s points past the end of the index (%u blocks)", what, vs->nblocks);
		return InvalidBuffer;
	}
	if (vs->seen[blk] != 0)
	{
		problem(vs, blk, "%s reaches a page already reached from elsewhere (a cycle or shared page)", what);
		return InvalidBuffer;
	}
	vs->seen[blk] = kind;
	buf = ReadBuffer(vs->index, blk);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	opaque = IvfPageGetOpaque(page);
	if (PageIsNew(page) ||
		PageGetSpecialSize(page) != MAXALIGN(sizeof(IvfPageOpaqueData)) ||
		opaque->page_id != IVF_PAGE_ID || opaque->flags != kind)
	{
		problem(vs, blk, "%s is not an ivfsq page of kind %d", what, kind);
		UnlockReleaseBuffer(buf);
		return InvalidBuffer;
	}
	return buf;
}

/* Checks the items of a vector page (claimed by no chain). */
static void
verify_vector_page(VerifyState *vs, BlockNumber blk, Page page)
{
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		ItemId		iid = PageGetItemId(page, off);
		IvfVecPiece *piece;
		Size		len;

		if (!ItemIdIsNormal(iid))
			continue;
		len = ItemIdGetLength(iid);
		if (ItemIdGetOffset(iid) + len > BLCKSZ || len <= IVF_PIECE_HDR ||
			(len - IVF_PIECE_HDR) % sizeof(float) != 0)
		{
			problem(vs, blk, "vector piece %u has a bad length %zu", off, len);
			continue;
		}
		piece = (IvfVecPiece *) PageGetItem(page, iid);
		if (piece->nextblk != InvalidBlockNumber &&
			(piece->nextblk >= vs->nblocks || piece->nextoff == InvalidOffsetNumber))
			problem(vs, blk, "vector piece %u links to block %u item %u, outside the index",
					off, piece->nextblk, piece->nextoff);
	}
}

/*
 * Every block no chain claimed must be a vector page, a free page or one a
 * crash left all zeros.
 */
static void
verify_unclaimed(VerifyState *vs)
{
	for (BlockNumber blk = IVF_METAPAGE_BLKNO + 1; blk < vs->nblocks; blk++)
	{
		Buffer		buf;
		Page		page;

		CHECK_FOR_INTERRUPTS();
		if (vs->seen[blk] != 0)
			continue;
		buf = ReadBuffer(vs->index, blk);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (ivf_page_is_free(page))
			;
		else if (PageGetSpecialSize(page) == MAXALIGN(sizeof(IvfPageOpaqueData)) &&
				 IvfPageGetOpaque(page)->page_id == IVF_PAGE_ID &&
				 IvfPageGetOpaque(page)->flags == IVF_PAGE_VECTORS)
			verify_vector_page(vs, blk, page);
		else
			problem(vs, blk, "block is in no list and is not a vector page or a free page");
		UnlockReleaseBuffer(buf);
	}
}

static void
verify_tuple(VerifyState *vs, BlockNumber blk, OffsetNumber off, IvfCodeTuple *tup,
			 Size size, Size expected)
{
	if (size != expected)
	{
		problem(vs, blk, "item %u has %zu bytes, expected %zu", off, size, expected);
		return;
	}
	if (!ItemPointerIsValid(&tup->heaptid))
		problem(vs, blk, "item %u has an invalid heap pointer", off);
	if (!isfinite(tup->sqnorm) || tup->sqnorm < 0)
		problem(vs, blk, "item %u has a bad squared norm", off);
	if (!ivf_vec_read(vs->index, (IvfVecLoc) {tup->vblk, tup->voff}, &tup->heaptid, vs->scratch, vs->dim,
					  vs->nblocks))
		problem(vs, blk, "item %u: its vector at block %u item %u is missing, not its own, or not %d floats",
				off, tup->vblk, tup->voff, vs->dim);
}

static int64
verify_list(VerifyState *vs, const IvfMetaData *meta, int list, IvfListDir entry)
{
	BlockNumber blk = entry.head;
	Size		expected = IVF_CODE_TUPLE_SIZE(meta->codebytes);
	int64		n = 0;
	char		what[64];

	bool		insert_seen = false;

	snprintf(what, sizeof(what), "list %d", list);
	while (blk != InvalidBlockNumber)
	{
		Buffer		buf = read_page(vs, blk, IVF_PAGE_CODES, what);
		Page		page;
		OffsetNumber maxoff;

		CHECK_FOR_INTERRUPTS();
		if (!BufferIsValid(buf))
			return n;
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		iid = PageGetItemId(page, off);

			if (!ItemIdIsNormal(iid))
				continue;
			if (ItemIdGetOffset(iid) + ItemIdGetLength(iid) > BLCKSZ)
			{
				problem(vs, blk, "item %u lies outside the page", off);
				continue;
			}
			verify_tuple(vs, blk, off, (IvfCodeTuple *) PageGetItem(page, iid),
						 ItemIdGetLength(iid), expected);
			n++;
		}
		insert_seen |= blk == entry.insert;
		blk = IvfPageGetOpaque(page)->next;
		UnlockReleaseBuffer(buf);
	}
	if (entry.insert != InvalidBlockNumber && !insert_seen)
		problem(vs, entry.head, "%s has its insert page %u outside its chain", what, entry.insert);
	return n;
}

static void
verify_lists(VerifyState *vs, const IvfMetaData *meta)
{
	for (int d = 0; d < meta->ndirpages; d++)
	{
		BlockNumber dblk = meta->dir_start + d;
		Buffer		buf = read_page(vs, dblk, IVF_PAGE_DIR, "directory");
		IvfListDir *entries;
		int			first = d * IVF_DIR_PER_PAGE;
		int			n = Min((int) IVF_DIR_PER_PAGE, meta->nlists - first);

		if (!BufferIsValid(buf))
			continue;
		entries = palloc(sizeof(IvfListDir) * n);
		memcpy(entries, PageGetContents(BufferGetPage(buf)), sizeof(IvfListDir) * n);
		UnlockReleaseBuffer(buf);
		for (int i = 0; i < n; i++)
		{
			if ((entries[i].head == InvalidBlockNumber) != (entries[i].insert == InvalidBlockNumber))
				problem(vs, dblk, "list %d has only one of head and insert page", first + i);
			else
				verify_list(vs, meta, first + i, entries[i]);
		}
		pfree(entries);
	}
}

/* Checks the metapage fields; false if the rest cannot be trusted. */
static bool
verify_meta(VerifyState *vs, IvfMetaData *meta)
{
	Buffer		buf = read_page(vs, IVF_METAPAGE_BLKNO, IVF_PAGE_META, "metapage");

	if (!BufferIsValid(buf))
		return false;
	*meta = *IvfPageGetMeta(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);
	if (meta->magic != IVF_MAGIC)
	{
		problem(vs, 0, "bad magic %x", meta->magic);
		return false;
	}
	if (meta->version != IVF_VERSION)
	{
		problem(vs, 0, "page format version %u, this hardneg reads version %d: REINDEX the index",
				meta->version, IVF_VERSION);
		return false;
	}
	if (meta->dim < 0 || meta->dim > 16000 || meta->nlists < 0 || meta->nlists > IVF_MAX_LISTS ||
		(meta->nlists > 0 && meta->dim == 0))
	{
		problem(vs, 0, "implausible dimension %d or list count %d", meta->dim, meta->nlists);
		return false;
	}
	if (meta->nlists > 0 &&
		(meta->ndirpages != (meta->nlists + (int) IVF_DIR_PER_PAGE - 1) / (int) IVF_DIR_PER_PAGE ||
		 meta->codebytes != (meta->dim <= IVF_MAX_CODE_DIM ? meta->dim : 0)))
	{
		problem(vs, 0, "directory size %d or code size %d do not match %d lists of %d dimensions",
				meta->ndirpages, meta->codebytes, meta->nlists, meta->dim);
		return false;
	}
	return true;
}

/*
 * Opens the ivfsq index relid for reading after checking that it exists, is
 * one, and that the caller owns it or may read its table: like amcheck, the
 * function is revoked from PUBLIC, and a grant of it alone must not open
 * every index's contents to the grantee.
 */
static Relation
open_checked_index(Oid relid)
{
	Relation	index;
	Oid			heapid;

	index = try_relation_open(relid, AccessShareLock);
	if (index == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid),
				 errhint("Pass an ivfsq index by name, e.g. 'docs_embedding_idx'::regclass.")));
	if (index->rd_rel->relkind != RELKIND_INDEX || index->rd_indam == NULL ||
		index->rd_indam->ambuild != ivfbuild)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an ivfsq index", RelationGetRelationName(index)),
				 errhint("Pass an index created with USING ivfsq.")));
	heapid = index->rd_index->indrelid;
	if (!object_ownercheck(RelationRelationId, relid, GetUserId()) &&
		pg_class_aclcheck(heapid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for index %s", RelationGetRelationName(index)),
				 errdetail("Verifying an index reads its contents."),
				 errhint("Run it as the index's owner, or with SELECT on table %s.",
						 get_rel_name(heapid))));
	return index;
}

PG_FUNCTION_INFO_V1(hardneg_index_verify);
Datum
hardneg_index_verify(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	VerifyState vs;
	IvfMetaData meta;

	memset(&vs, 0, sizeof(vs));
	vs.index = open_checked_index(relid);
	hn_srf_begin(fcinfo, &vs.srf);
	vs.nblocks = RelationGetNumberOfBlocks(vs.index);
	vs.seen = palloc0(Max(vs.nblocks, 1));
	if (vs.nblocks == 0)
		problem(&vs, InvalidBlockNumber, "index has no metapage");
	else if (verify_meta(&vs, &meta) && meta.nlists > 0)
	{
		vs.dim = meta.dim;
		vs.scratch = palloc_extended(sizeof(float) * (Size) meta.dim * (2 + meta.nlists), MCXT_ALLOC_HUGE);
		if (!ivf_vec_read(vs.index, meta.quant, NULL, vs.scratch, (Size) meta.dim * (2 + meta.nlists),
						  vs.nblocks))
			problem(&vs, meta.quant.blkno, "the quantiser and centroids (block %u item %u) are missing or short",
					meta.quant.blkno, meta.quant.offset);
		verify_lists(&vs, &meta);
		verify_unclaimed(&vs);
	}
	relation_close(vs.index, AccessShareLock);
	PG_RETURN_NULL();
}
