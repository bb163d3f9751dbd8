/*
 * vecstore.c
 *		The ivfsq vector store: every indexed vector, and the quantiser with
 *		the centroids, is a run of pieces (page items IvfVecPiece followed by
 *		floats).  Pieces fill pages to the brim, so a vector may continue on
 *		another page; each piece names the next one and its owner's heap tid.
 *
 * Why pieces and not floats packed back to back: a packed store can only
 * grow, since the bytes of a dead row cannot be told apart from their
 * neighbours.  A piece is an item: VACUUM deletes the pieces of dead rows
 * in one sequential pass (the owner says which), records every page with
 * room in the free-space map, and inserts fill those pages before the
 * index is extended.
 *
 * Inserts write to the backend's target page (the smgr hint the heap uses
 * too, validated under the lock on every use), so concurrent inserters
 * write to different pages and no index-wide lock is taken.
 */
#include "postgres.h"

#include "commands/vacuum.h"
#include "index/ivfsq.h"
#include "miscadmin.h"
#include "pg_compat.h"
#include "storage/freespace.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/rel.h"

/* free-space-map lookups tried before the index is extended */
#define IVF_FSM_TRIES	8

static bool
is_vector_page(Page page)
{
	return !PageIsNew(page) &&
		PageGetSpecialSize(page) == MAXALIGN(sizeof(IvfPageOpaqueData)) &&
		IvfPageGetOpaque(page)->page_id == IVF_PAGE_ID &&
		IvfPageGetOpaque(page)->flags == IVF_PAGE_VECTORS;
}

/*
 * Floats of a piece that fit on the page (at most want); 0 when fewer than
 * IVF_MIN_PIECE_FLOATS would fit and more than that are wanted: a sliver
 * costs a page read for almost nothing.
 */
int
ivf_piece_floats(Page page, Size want)
{
	Size		free = PageGetFreeSpace(page);
	Size		nf;

	if (free <= MAXALIGN(IVF_PIECE_HDR))
		return 0;
	nf = (free - IVF_PIECE_HDR) / sizeof(float);
	while (nf > 0 && MAXALIGN(IVF_PIECE_HDR + sizeof(float) * nf) > free)
		nf--;
	nf = Min(nf, want);
	if (nf < Min(want, (Size) IVF_MIN_PIECE_FLOATS))
		return 0;
	return (int) nf;
}

/*
 * The item number the next PageAddItem will use: the first unused line
 * pointer, else one past the last.  Known before the piece is written, so
 * the previous piece can link to it in its own WAL record.
 */
static OffsetNumber
next_item_offset(Page page)
{
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		if (!ItemIdIsUsed(PageGetItemId(page, off)))
			return off;
	return OffsetNumberNext(maxoff);
}

/*
 * A page for a piece of up to want floats, exclusively locked: the FSM's
 * first, else a new one.  *fresh says the page is empty and must be
 * initialised by the caller (in the WAL record that writes to it).  Pages
 * from the FSM are locked conditionally: the caller may hold another vector
 * page, and an inserter holding this one may be waiting for that.
 */
static Buffer
page_with_room(Relation index, Size want, bool *fresh)
{
	Size		need = Min(MAXALIGN(IVF_PIECE_HDR + sizeof(float) * want) + sizeof(ItemIdData),
						   (Size) BLCKSZ / 4);

	for (int i = 0; i < IVF_FSM_TRIES; i++)
	{
		BlockNumber blk = GetPageWithFreeSpace(index, need);
		Buffer		buf;
		Page		page;

		if (blk == InvalidBlockNumber)
			break;
		buf = ReadBuffer(index, blk);
		if (!ConditionalLockBuffer(buf))
		{
			ReleaseBuffer(buf);
			continue;
		}
		page = BufferGetPage(buf);
		if (ivf_page_is_free(page))
		{
			RecordUsedIndexPage(index, blk);
			*fresh = true;
			return buf;
		}
		if (is_vector_page(page) && ivf_piece_floats(page, want) > 0)
		{
			*fresh = false;
			return buf;
		}
		/* a stale entry: correct it and look again */
		RecordPageWithFreeSpace(index, blk,
								is_vector_page(page) ? PageGetFreeSpace(page) : 0);
		UnlockReleaseBuffer(buf);
	}
	*fresh = true;
	return ivf_extend(index);
}

/*
 * The backend's current vector page for inserts, exclusively locked, or
 * InvalidBuffer.  The target block is only a hint: it is checked under the
 * lock, since VACUUM may have freed the page and another backend reused it.
 */
Buffer
ivf_vec_target(Relation index)
{
	BlockNumber blk = RelationGetTargetBlock(index);
	Buffer		buf;

	if (blk == InvalidBlockNumber || blk >= RelationGetNumberOfBlocks(index))
		return InvalidBuffer;
	buf = ReadBuffer(index, blk);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (is_vector_page(BufferGetPage(buf)))
		return buf;
	UnlockReleaseBuffer(buf);
	return InvalidBuffer;
}

/* Releases the page ivf_vec_write ended on, remembering it for next time. */
void
ivf_vec_release(Relation index, Buffer buf)
{
	RelationSetTargetBlock(index, BufferGetBlockNumber(buf));
	UnlockReleaseBuffer(buf);
}

/*
 * Writes v[0..n) as a run of pieces owned by *owner and returns where the
 * run starts.  *cur is an exclusively locked vector page to start on (or
 * InvalidBuffer); on return it is the locked page the run ended on, for the
 * caller to keep or release.  With wal, each page is one generic WAL record
 * (full image when initialised); without (a build), pages are only dirtied
 * and logged by the caller.  A piece links to the next before that one is
 * written: a crash in between leaves an orphan run owned by a row whose
 * transaction aborted, which VACUUM frees; no code tuple ever points to an
 * unfinished run, because the caller writes it only after this returns.
 */
void
ivf_vec_write(Relation index, bool wal, Buffer *cur, ItemPointer owner,
			  const float *v, Size n, IvfVecLoc *loc)
{
	Buffer		buf = *cur;
	bool		fresh = false;
	OffsetNumber off;
	PGAlignedBlock itembuf;		/* one piece, at most a page */
	char	   *item = itembuf.data;
	IvfVecPiece *piece = (IvfVecPiece *) item;

	/* *loc may land on the metapage: no padding garbage */
	memset(loc, 0, sizeof(IvfVecLoc));
	if (BufferIsValid(buf) && ivf_piece_floats(BufferGetPage(buf), n) == 0)
	{
		RecordPageWithFreeSpace(index, BufferGetBlockNumber(buf), 0);
		UnlockReleaseBuffer(buf);
		buf = InvalidBuffer;
	}
	if (!BufferIsValid(buf))
		buf = page_with_room(index, n, &fresh);
	off = fresh ? FirstOffsetNumber : next_item_offset(BufferGetPage(buf));
	loc->blkno = BufferGetBlockNumber(buf);
	loc->offset = off;
	for (;;)
	{
		GenericXLogState *state = NULL;
		Page		page = BufferGetPage(buf);
		Buffer		next = InvalidBuffer;
		bool		nextfresh = false;
		Size		nf;
		Size		size;

		if (wal)
		{
			state = GenericXLogStart(index);
			page = GenericXLogRegisterBuffer(state, buf, fresh ? GENERIC_XLOG_FULL_IMAGE : 0);
		}
		if (fresh)
			ivf_init_page(page, IVF_PAGE_VECTORS);
		nf = ivf_piece_floats(page, n);
		Assert(nf > 0);
		memset(piece, 0, IVF_PIECE_HDR);
		if (owner)
			piece->owner = *owner;
		else
			ItemPointerSetInvalid(&piece->owner);
		piece->nextblk = InvalidBlockNumber;
		piece->nextoff = InvalidOffsetNumber;
		if (nf < n)
		{
			/* full after this piece: the map must not send us back here */
			if (wal)
				RecordPageWithFreeSpace(index, BufferGetBlockNumber(buf), 0);
			next = page_with_room(index, n - nf, &nextfresh);
			piece->nextblk = BufferGetBlockNumber(next);
			piece->nextoff = nextfresh ? FirstOffsetNumber : next_item_offset(BufferGetPage(next));
		}
		size = IVF_PIECE_HDR + sizeof(float) * nf;
		memcpy(item + IVF_PIECE_HDR, v, sizeof(float) * nf);
		if (PageAddItem(page, (Item) item, size, off, true, false) != off)
			elog(ERROR, "could not add a vector piece to index \"%s\"", RelationGetRelationName(index));
		if (wal)
			GenericXLogFinish(state);
		else
			MarkBufferDirty(buf);
		v += nf;
		n -= nf;
		if (n == 0)
			break;
		UnlockReleaseBuffer(buf);
		buf = next;
		fresh = nextfresh;
		off = piece->nextoff;
	}
	*cur = buf;
}

/*
 * The piece at (blkno, off) of a run owned by *owner (NULL: the quantiser
 * run, owner invalid), from a share-locked page; NULL if it is not there.
 */
static IvfVecPiece *
find_piece(Page page, OffsetNumber off, ItemPointer owner, Size *nfloats)
{
	ItemId		iid;
	IvfVecPiece *piece;
	Size		len;

	if (!is_vector_page(page) || off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsNormal(iid))
		return NULL;
	len = ItemIdGetLength(iid);
	if (len <= IVF_PIECE_HDR || (len - IVF_PIECE_HDR) % sizeof(float) != 0 ||
		ItemIdGetOffset(iid) + len > BLCKSZ)
		return NULL;
	piece = (IvfVecPiece *) PageGetItem(page, iid);
	if (owner ? !ItemPointerEquals(&piece->owner, owner) : ItemPointerIsValid(&piece->owner))
		return NULL;
	*nfloats = (len - IVF_PIECE_HDR) / sizeof(float);
	return piece;
}

/*
 * Reads the n floats of the run at loc owned by *owner.  False when the
 * run is not (or no longer) there: a scan may hold a code tuple that
 * VACUUM removed since, together with its vector, and that row is dead.
 * Links at or past nblocks are refused (the verifier's bound on untrusted
 * links); InvalidBlockNumber: no bound, a scan's links come from code
 * tuples that the index wrote, and looking the size up costs a system call.
 */
bool
ivf_vec_read(Relation index, IvfVecLoc loc, ItemPointer owner, float *out, Size n,
			 BlockNumber nblocks)
{
	BlockNumber blk = loc.blkno;
	OffsetNumber off = loc.offset;

	while (n > 0)
	{
		Buffer		buf;
		IvfVecPiece *piece;
		Size		nf = 0;

		if (blk == InvalidBlockNumber || (nblocks != InvalidBlockNumber && blk >= nblocks))
			return false;
		buf = ReadBuffer(index, blk);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		piece = find_piece(BufferGetPage(buf), off, owner, &nf);
		if (piece == NULL || nf > n || (nf < n && piece->nextblk == InvalidBlockNumber))
		{
			UnlockReleaseBuffer(buf);
			return false;
		}
		memcpy(out, (char *) piece + IVF_PIECE_HDR, sizeof(float) * nf);
		out += nf;
		n -= nf;
		blk = piece->nextblk;
		off = piece->nextoff;
		UnlockReleaseBuffer(buf);
	}
	return true;
}

/* The quantiser run: it is never removed, so missing means corrupted. */
void
ivf_vec_read_run(Relation index, IvfVecLoc loc, float *out, Size n)
{
	if (!ivf_vec_read(index, loc, NULL, out, n, RelationGetNumberOfBlocks(index)))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has lost its quantiser and centroids",
						RelationGetRelationName(index)),
				 errhint("Run hardneg_index_verify() on it and REINDEX.")));
}

/*
 * The number of blocks, taken under the extension lock: every block below
 * it was locked by its extender before the lock was released (ivf_extend),
 * so an all-zero page seen later is not one being initialised right now.
 */
static BlockNumber
blocks_settled(Relation index)
{
	BlockNumber n;

	if (RELATION_IS_LOCAL(index))
		return RelationGetNumberOfBlocks(index);
	LockRelationForExtension(index, ExclusiveLock);
	n = RelationGetNumberOfBlocks(index);
	UnlockRelationForExtension(index, ExclusiveLock);
	return n;
}

/* Deletes the pieces of dead rows from one vector page; records its room. */
static void
vacuum_vector_page(IndexVacuumInfo *info, Buffer buf, IndexBulkDeleteCallback callback,
				   void *callback_state)
{
	Relation	index = info->index;
	Page		page = BufferGetPage(buf);
	OffsetNumber dead[MaxOffsetNumber];
	int			ndead = 0;
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
	bool		empty;

	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		ItemId		iid = PageGetItemId(page, off);
		IvfVecPiece *piece;

		if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) < IVF_PIECE_HDR)
			continue;
		piece = (IvfVecPiece *) PageGetItem(page, iid);
		if (ItemPointerIsValid(&piece->owner) && callback(&piece->owner, callback_state))
			dead[ndead++] = off;
	}
	if (ndead > 0)
	{
		GenericXLogState *state = GenericXLogStart(index);

		page = GenericXLogRegisterBuffer(state, buf, 0);
		/* highest first: deleting the last item shortens the array */
		for (int i = ndead - 1; i >= 0; i--)
			PageIndexTupleDeleteNoCompact(page, dead[i]);
		empty = true;
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
			if (ItemIdIsUsed(PageGetItemId(page, off)))
				empty = false;
		if (empty)
			ivf_init_page(page, IVF_PAGE_FREE);
		GenericXLogFinish(state);
		/* the image GenericXLogRegisterBuffer gave is freed now: read the buffer */
		page = BufferGetPage(buf);
	}
	if (ivf_page_is_free(page))
		RecordFreeIndexPage(index, BufferGetBlockNumber(buf));
	else
		RecordPageWithFreeSpace(index, BufferGetBlockNumber(buf), PageGetFreeSpace(page));
}

/*
 * Frees the vector pieces of dead rows: one sequential pass over the
 * index, after the code tuples are gone (a crash in between leaves
 * unreferenced pieces, which the next VACUUM removes).  Every page with
 * room goes to the free-space map.
 */
void
ivf_vec_vacuum(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	BlockNumber nblocks = blocks_settled(index);

	for (BlockNumber blk = IVF_METAPAGE_BLKNO + 1; blk < nblocks; blk++)
	{
		Buffer		buf;
		Page		page;

		hn_vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blk, RBM_NORMAL, info->strategy);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (is_vector_page(page))
			vacuum_vector_page(info, buf, callback, callback_state);
		else if (ivf_page_is_free(page))
		{
			RecordFreeIndexPage(index, blk);
			stats->pages_free++;
		}
		UnlockReleaseBuffer(buf);
	}
	IndexFreeSpaceMapVacuum(index);
}
