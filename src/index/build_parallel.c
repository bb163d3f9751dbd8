/*
 * build_parallel.c
 *		Parallel assignment pass of the ivfsq build.
 *
 * The expensive part of writing the lists is finding each row's nearest
 * centroid (lists x dim flops a row) and detoasting it.  Workers share the
 * heap scan (a parallel table scan), do that work, and send each row
 * (list, tid, prepared vector) to the leader over their own shm_mq; the
 * leader alone writes pages, so the page layout and its WAL logging are the
 * serial build's.  Without workers (max_parallel_maintenance_workers = 0, a
 * small or temporary table) the serial pass runs instead.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "embedding/embedding.h"
#include "index/ivfsq.h"
#include "kernels/kmeans.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "storage/shm_mq.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#define IVF_KEY_SHARED		UINT64CONST(0x4956465100000001)
#define IVF_KEY_CENTROIDS	UINT64CONST(0x4956465100000002)
#define IVF_KEY_QUEUES		UINT64CONST(0x4956465100000003)
#define IVF_QUEUE_SIZE		((Size) 1024 * 1024)

typedef struct IvfParallelShared
{
	Oid			heaprelid;
	Oid			indexrelid;
	bool		isconcurrent;
	int			dim;
	int			metric;
	int			nlists;
	/* ParallelTableScanDescData follows at BUFFERALIGN(sizeof(this)) */
} IvfParallelShared;

#define ParallelScanFromShared(s) \
	((ParallelTableScanDesc) ((char *) (s) + BUFFERALIGN(sizeof(IvfParallelShared))))

/* One row as sent to the leader. */
typedef struct IvfRowMsg
{
	int32		list;
	ItemPointerData tid;
	float		v[FLEXIBLE_ARRAY_MEMBER];
} IvfRowMsg;

typedef struct IvfWorkerState
{
	IvfParallelShared *shared;
	const float *centroids;
	shm_mq_handle *mqh;
	IvfRowMsg  *msg;
	MemoryContext tmpcxt;
} IvfWorkerState;

static void
worker_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	IvfWorkerState *ws = (IvfWorkerState *) state;
	int			dim = ws->shared->dim;
	MemoryContext old;
	Embedding  *e;

	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(ws->tmpcxt);
	e = ivf_datum_vector(values[0]);
	if (e->dim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", dim, e->dim),
				 errhint("Index only embeddings of one dimension, e.g. a column declared embedding(n).")));
	memcpy(ws->msg->v, e->x, sizeof(float) * dim);
	if (ivf_prepare_vector((HnMetric) ws->shared->metric, ws->msg->v, dim))
	{
		ws->msg->list = hn_nearest_centroid(ws->msg->v, ws->centroids, ws->shared->nlists, dim);
		ws->msg->tid = *tid;
		if (shm_mq_send(ws->mqh, offsetof(IvfRowMsg, v) + sizeof(float) * dim, ws->msg,
						false, false) != SHM_MQ_SUCCESS)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("ivfsq build leader went away"),
					 errhint("See the leader's error.")));
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(ws->tmpcxt);
}

PGDLLEXPORT void ivf_parallel_build_main(dsm_segment *seg, shm_toc *toc);

/* Entry point of a build worker (started by LaunchParallelWorkers). */
void
ivf_parallel_build_main(dsm_segment *seg, shm_toc *toc)
{
	IvfWorkerState ws;
	Relation	heap;
	Relation	index;
	IndexInfo  *indexInfo;
	LOCKMODE	heapLockmode = ShareLock;
	LOCKMODE	indexLockmode = AccessExclusiveLock;
	shm_mq	   *mq;
	TableScanDesc scan;

	ws.shared = shm_toc_lookup(toc, IVF_KEY_SHARED, false);
	ws.centroids = shm_toc_lookup(toc, IVF_KEY_CENTROIDS, false);
	if (ws.shared->isconcurrent)
	{
		heapLockmode = ShareUpdateExclusiveLock;
		indexLockmode = RowExclusiveLock;
	}
	heap = table_open(ws.shared->heaprelid, heapLockmode);
	index = index_open(ws.shared->indexrelid, indexLockmode);
	indexInfo = BuildIndexInfo(index);
	indexInfo->ii_Concurrent = ws.shared->isconcurrent;

	mq = (shm_mq *) ((char *) shm_toc_lookup(toc, IVF_KEY_QUEUES, false) +
					 IVF_QUEUE_SIZE * ParallelWorkerNumber);
	shm_mq_set_sender(mq, MyProc);
	ws.mqh = shm_mq_attach(mq, seg, NULL);
	ws.msg = palloc(offsetof(IvfRowMsg, v) + sizeof(float) * ws.shared->dim);
	ws.tmpcxt = AllocSetContextCreate(CurrentMemoryContext, "ivfsq build worker tuple",
									  ALLOCSET_DEFAULT_SIZES);

	scan = table_beginscan_parallel(heap, ParallelScanFromShared(ws.shared));
	table_index_build_scan(heap, index, indexInfo, true, false, worker_callback, &ws, scan);

	shm_mq_detach(ws.mqh);
	index_close(index, indexLockmode);
	table_close(heap, heapLockmode);
}

/* Receives rows from every worker queue until all have detached. */
static void
leader_receive(IvfBuildState *st, shm_mq_handle **queues, int n)
{
	bool	   *done = palloc0(sizeof(bool) * n);
	int			ndone = 0;

	while (ndone < n)
	{
		bool		got = false;

		for (int i = 0; i < n; i++)
		{
			Size		nbytes;
			void	   *data;
			shm_mq_result res;

			if (done[i])
				continue;
			res = shm_mq_receive(queues[i], &nbytes, &data, true);
			if (res == SHM_MQ_SUCCESS)
			{
				IvfRowMsg  *msg = (IvfRowMsg *) data;

				ivf_build_add_row(st, &msg->tid, msg->list, msg->v);
				got = true;
			}
			else if (res == SHM_MQ_DETACHED)
			{
				done[i] = true;
				ndone++;
			}
		}
		if (!got && ndone < n)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH, -1, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
		CHECK_FOR_INTERRUPTS();
	}
	pfree(done);
}

/* Sets up the shared state, queues and parallel scan in the DSM segment. */
static shm_mq_handle **
setup_shared(ParallelContext *pcxt, Relation heap, Relation index, IndexInfo *indexInfo,
			 IvfCache *cache, Snapshot snapshot, Size sharedsize)
{
	IvfParallelShared *shared = shm_toc_allocate(pcxt->toc, sharedsize);
	Size		csize = sizeof(float) * (Size) cache->nlists * cache->dim;
	float	   *centroids = shm_toc_allocate(pcxt->toc, csize);
	char	   *queues = shm_toc_allocate(pcxt->toc, IVF_QUEUE_SIZE * pcxt->nworkers);
	shm_mq_handle **handles = palloc(sizeof(shm_mq_handle *) * pcxt->nworkers);

	shared->heaprelid = RelationGetRelid(heap);
	shared->indexrelid = RelationGetRelid(index);
	shared->isconcurrent = indexInfo->ii_Concurrent;
	shared->dim = cache->dim;
	shared->metric = cache->metric;
	shared->nlists = cache->nlists;
	table_parallelscan_initialize(heap, ParallelScanFromShared(shared), snapshot);
	memcpy(centroids, cache->centroids, csize);
	shm_toc_insert(pcxt->toc, IVF_KEY_SHARED, shared);
	shm_toc_insert(pcxt->toc, IVF_KEY_CENTROIDS, centroids);
	shm_toc_insert(pcxt->toc, IVF_KEY_QUEUES, queues);
	for (int i = 0; i < pcxt->nworkers; i++)
	{
		shm_mq	   *mq = shm_mq_create(queues + IVF_QUEUE_SIZE * i, IVF_QUEUE_SIZE);

		shm_mq_set_receiver(mq, MyProc);
		handles[i] = shm_mq_attach(mq, pcxt->seg, NULL);
	}
	return handles;
}

/*
 * Runs the assignment pass with parallel workers; false (nothing done) when
 * no worker can be had, so the caller runs the serial pass.
 */
bool
ivf_parallel_assign(IvfBuildState *st, Relation heap, Relation index,
					IndexInfo *indexInfo, IvfCache *cache)
{
	int			nworkers;
	ParallelContext *pcxt;
	Snapshot	snapshot;
	Size		sharedsize;
	shm_mq_handle **handles;
	bool		ran = false;

	if (!IsNormalProcessingMode() || RELATION_IS_LOCAL(heap))
		return false;
	nworkers = plan_create_index_workers(RelationGetRelid(heap), RelationGetRelid(index));
	if (nworkers <= 0)
		return false;

	EnterParallelMode();
	pcxt = CreateParallelContext("hardneg", "ivf_parallel_build_main", nworkers);
	snapshot = indexInfo->ii_Concurrent ? RegisterSnapshot(GetTransactionSnapshot()) : SnapshotAny;
	sharedsize = BUFFERALIGN(sizeof(IvfParallelShared)) + table_parallelscan_estimate(heap, snapshot);
	shm_toc_estimate_chunk(&pcxt->estimator, sharedsize);
	shm_toc_estimate_chunk(&pcxt->estimator, sizeof(float) * (Size) cache->nlists * cache->dim);
	shm_toc_estimate_chunk(&pcxt->estimator, IVF_QUEUE_SIZE * nworkers);
	shm_toc_estimate_keys(&pcxt->estimator, 3);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg != NULL)
	{
		handles = setup_shared(pcxt, heap, index, indexInfo, cache, snapshot, sharedsize);
		LaunchParallelWorkers(pcxt);
		for (int i = 0; i < pcxt->nworkers_launched; i++)
			shm_mq_set_handle(handles[i], pcxt->worker[i].bgwhandle);
		ereport(DEBUG1,
				(errmsg_internal("ivfsq build of \"%s\": %d of %d parallel workers launched",
								 RelationGetRelationName(index), pcxt->nworkers_launched, nworkers)));
		if (pcxt->nworkers_launched > 0)
		{
			leader_receive(st, handles, pcxt->nworkers_launched);
			ran = true;
		}
		WaitForParallelWorkersToFinish(pcxt);
	}
	if (IsMVCCSnapshot(snapshot))
		UnregisterSnapshot(snapshot);
	DestroyParallelContext(pcxt);
	ExitParallelMode();
	return ran;
}
