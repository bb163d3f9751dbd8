/*
 * vacuum.c
 *		ivfsq VACUUM: remove the code tuples of dead rows from every list,
 *		point each list's insert page back at its first page with room, then
 *		free the vectors of dead rows (vecstore.c) and record the space in
 *		the free-space map.
 *
 * Each page is rewritten under an exclusive lock in one generic WAL record.
 * Scans copy what they need and release a page before reading the next, and
 * every row they return is checked against their MVCC snapshot, so removing
 * tuples under a running scan is safe; a scan that still holds a removed
 * code tuple finds its vector gone and drops the row (scan.c).  Code pages
 * stay in their chain (a scan may be about to follow a link to them) and
 * are reused in place.
 */
#include "postgres.h"

#include "commands/vacuum.h"
#include "index/ivfsq.h"
#include "miscadmin.h"
#include "pg_compat.h"
#include "storage/indexfsm.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

static BlockNumber
ivf_list_head(Relation index, IvfCache *cache, int list, BufferAccessStrategy strategy)
{
	Buffer		buf;
	BlockNumber head = ivf_dir_entry(index, cache, list, BUFFER_LOCK_SHARE, &buf, strategy)->head;

	UnlockReleaseBuffer(buf);
	return head;
}

/*
 * Removes dead tuples of one page; returns the next page of the chain and
 * whether this one now has room for a tuple of size bytes.
 */
static BlockNumber
vacuum_page(IndexVacuumInfo *info, BlockNumber blk, IndexBulkDeleteResult *stats,
			IndexBulkDeleteCallback callback, void *callback_state, Size size, bool *room)
{
	Relation	index = info->index;
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blk, RBM_NORMAL, info->strategy);
	Page		page;
	OffsetNumber dead[MaxOffsetNumber];
	int			ndead = 0;
	OffsetNumber maxoff;
	BlockNumber next;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	ivf_check_page(index, page, blk, IVF_PAGE_CODES);
	maxoff = PageGetMaxOffsetNumber(page);
	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		ItemId		iid = PageGetItemId(page, off);
		IvfCodeTuple *tup;

		if (!ItemIdIsNormal(iid))
			continue;
		tup = (IvfCodeTuple *) PageGetItem(page, iid);
		if (callback(&tup->heaptid, callback_state))
			dead[ndead++] = off;
		else
			stats->num_index_tuples += 1;
	}
	if (ndead > 0)
	{
		GenericXLogState *state = GenericXLogStart(index);

		page = GenericXLogRegisterBuffer(state, buf, 0);
		PageIndexMultiDelete(page, dead, ndead);
		GenericXLogFinish(state);
		stats->tuples_removed += ndead;
	}
	*room = PageGetFreeSpace(BufferGetPage(buf)) >= size;
	next = IvfPageGetOpaque(BufferGetPage(buf))->next;
	UnlockReleaseBuffer(buf);
	return next;
}

IndexBulkDeleteResult *
ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			  IndexBulkDeleteCallback callback, void *callback_state)
{
	IvfCache   *cache = ivf_get_cache(info->index);
	Size		size = IVF_CODE_TUPLE_SIZE(cache->codebytes);

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	stats->num_index_tuples = 0;
	for (int l = 0; l < cache->nlists; l++)
	{
		BlockNumber blk = ivf_list_head(info->index, cache, l, info->strategy);
		BlockNumber first_room = InvalidBlockNumber;
		BlockNumber last = InvalidBlockNumber;

		while (blk != InvalidBlockNumber)
		{
			bool		room;
			BlockNumber next;

			hn_vacuum_delay_point();
			next = vacuum_page(info, blk, stats, callback, callback_state, size, &room);
			if (room && first_room == InvalidBlockNumber)
				first_room = blk;
			last = blk;
			blk = next;
		}
		/*
		 * Inserts look for room from the list's insert page on: the first
		 * page with room, so freed space is filled first; else the last,
		 * where the next insert appends.
		 */
		if (last != InvalidBlockNumber)
			ivf_set_insert_page(info->index, cache, l,
								first_room != InvalidBlockNumber ? first_room : last, info->strategy);
	}
	if (cache->nlists > 0)
		ivf_vec_vacuum(info, stats, callback, callback_state);
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}

/* Counts live code tuples (for a VACUUM that had nothing to delete). */
static double
count_tuples(IndexVacuumInfo *info, IvfCache *cache)
{
	double		n = 0;

	for (int l = 0; l < cache->nlists; l++)
	{
		BlockNumber blk = ivf_list_head(info->index, cache, l, info->strategy);

		while (blk != InvalidBlockNumber)
		{
			Buffer		buf = ReadBufferExtended(info->index, MAIN_FORKNUM, blk, RBM_NORMAL,
												 info->strategy);
			Page		page;

			hn_vacuum_delay_point();
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			ivf_check_page(info->index, page, blk, IVF_PAGE_CODES);
			n += PageGetMaxOffsetNumber(page);
			blk = IvfPageGetOpaque(page)->next;
			UnlockReleaseBuffer(buf);
		}
	}
	return n;
}

IndexBulkDeleteResult *
ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		stats = palloc0(sizeof(IndexBulkDeleteResult));
		stats->num_index_tuples = count_tuples(info, ivf_get_cache(info->index));
	}
	IndexFreeSpaceMapVacuum(info->index);
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}
