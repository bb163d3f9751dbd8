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
	uint16	   *veclen;			/* pd_lower of each vector page */
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

static void
verify_vector_chain(VerifyState *vs, const IvfMetaData *meta)
{
	BlockNumber blk = meta->vec_head;
	BlockNumber last = InvalidBlockNumber;

	while (blk != InvalidBlockNumber)
	{
		Buffer		buf = read_page(vs, blk, IVF_PAGE_VECTORS, "vector chain");
		Page		page;

		CHECK_FOR_INTERRUPTS();
		if (!BufferIsValid(buf))
			return;
		page = BufferGetPage(buf);
		vs->veclen[blk] = ((PageHeader) page)->pd_lower;
		if (vs->veclen[blk] < IVF_DATA_START || vs->veclen[blk] > IVF_DATA_END)
			problem(vs, blk, "vector page fill %u is outside its data area", vs->veclen[blk]);
		last = blk;
		blk = IvfPageGetOpaque(page)->next;
		UnlockReleaseBuffer(buf);
	}
	if (last != meta->vec_tail)
		problem(vs, last, "vector chain ends at block %u but the metapage says %u", last, meta->vec_tail);
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
	if (tup->vblk >= vs->nblocks || vs->seen[tup->vblk] != IVF_PAGE_VECTORS)
		problem(vs, blk, "item %u points to block %u, not a vector page", off, tup->vblk);
	else if (tup->voff < IVF_DATA_START || tup->voff >= vs->veclen[tup->vblk] || tup->voff % sizeof(float) != 0)
		problem(vs, blk, "item %u points to offset %u outside the written part of vector page %u",
				off, tup->voff, tup->vblk);
}

static int64
verify_list(VerifyState *vs, const IvfMetaData *meta, int list, IvfListDir entry)
{
	BlockNumber blk = entry.head;
	BlockNumber last = InvalidBlockNumber;
	Size		expected = IVF_CODE_TUPLE_SIZE(meta->codebytes);
	int64		n = 0;
	char		what[64];

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
		last = blk;
		blk = IvfPageGetOpaque(page)->next;
		UnlockReleaseBuffer(buf);
	}
	if (last != entry.tail)
		problem(vs, last, "%s ends at block %u but its directory entry says %u", what, last, entry.tail);
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
			if ((entries[i].head == InvalidBlockNumber) != (entries[i].tail == InvalidBlockNumber))
				problem(vs, dblk, "list %d has only one of head and tail", first + i);
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
	if (meta->magic != IVF_MAGIC || meta->version != IVF_VERSION)
	{
		problem(vs, 0, "bad magic %x or version %u", meta->magic, meta->version);
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
	vs.veclen = palloc0(sizeof(uint16) * Max(vs.nblocks, 1));
	if (vs.nblocks == 0)
		problem(&vs, InvalidBlockNumber, "index has no metapage");
	else if (verify_meta(&vs, &meta) && meta.nlists > 0)
	{
		verify_vector_chain(&vs, &meta);
		verify_lists(&vs, &meta);
	}
	relation_close(vs.index, AccessShareLock);
	PG_RETURN_NULL();
}
