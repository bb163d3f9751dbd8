/*
 * ivfsq.c
 *		Handler of the ivfsq access method, its build options and its
 *		search-time settings (GUCs).
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "commands/vacuum.h"
#include "index/ivfsq.h"
#include "utils/guc.h"
#include "utils/rel.h"

int			ivf_probes = 32;
int			ivf_rerank = 24;
int			ivf_max_scan_tuples = 20000;

static relopt_kind ivf_relopt_kind;

/* Registers GUCs and reloptions; called once from _PG_init. */
void
hn_index_init(void)
{
	ivf_relopt_kind = add_reloption_kind();
	add_int_reloption(ivf_relopt_kind, "lists",
					  "Number of inverted lists (0: twice the square root of the row count)",
					  0, 0, IVF_MAX_LISTS, AccessExclusiveLock);
	add_int_reloption(ivf_relopt_kind, "kmeans_iterations",
					  "Lloyd rounds when training the list centroids",
					  IVF_DEFAULT_ITERATIONS, 1, 100, AccessExclusiveLock);
	add_int_reloption(ivf_relopt_kind, "sample_per_list",
					  "Training rows drawn per list for k-means (bounded by maintenance_work_mem)",
					  IVF_DEFAULT_SAMPLE_PER_LIST, 4, 1024, AccessExclusiveLock);

	DefineCustomIntVariable("hardneg.ivfsq_probes",
							"Lists an ivfsq scan visits first.",
							"More lists: higher recall, slower queries.",
							&ivf_probes, 32, 1, IVF_MAX_LISTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hardneg.ivfsq_rerank",
							"Candidates an ivfsq scan re-ranks with exact distances per batch.",
							"Candidates are chosen by their quantised distance; more re-ranking: higher recall.",
							&ivf_rerank, 24, 1, 100000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hardneg.ivfsq_max_scan_tuples",
							"Most rows one ivfsq scan returns before it stops.",
							"Bounds filtered queries: the scan visits further lists until the filter passes enough rows or this many rows were returned.",
							&ivf_max_scan_tuples, 20000, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	hn_index_alias_init();
}

bytea *
ivfoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
		{"kmeans_iterations", RELOPT_TYPE_INT, offsetof(IvfOptions, kmeans_iterations)},
		{"sample_per_list", RELOPT_TYPE_INT, offsetof(IvfOptions, sample_per_list)},
	};

	return (bytea *) build_reloptions(reloptions, validate, ivf_relopt_kind,
									  sizeof(IvfOptions), tab, lengthof(tab));
}

/* The operator class names its metric through support function 1. */
HnMetric
ivf_index_metric(Relation index)
{
	FmgrInfo   *proc = index_getprocinfo(index, 1, IVF_DISTANCE_PROC);
	int32		metric = DatumGetInt32(FunctionCall1(proc, (Datum) 0));

	if (metric < HN_METRIC_L2 || metric > HN_METRIC_COSINE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator class of index \"%s\" names unknown metric %d",
						RelationGetRelationName(index), metric),
				 errhint("Use embedding_l2_ops, embedding_ip_ops or embedding_cosine_ops.")));
	return (HnMetric) metric;
}

/* Support function 1 of each operator class: the metric it indexes. */
PG_FUNCTION_INFO_V1(hardneg_ivfsq_l2_support);
Datum
hardneg_ivfsq_l2_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HN_METRIC_L2);
}

PG_FUNCTION_INFO_V1(hardneg_ivfsq_ip_support);
Datum
hardneg_ivfsq_ip_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HN_METRIC_IP);
}

PG_FUNCTION_INFO_V1(hardneg_ivfsq_cosine_support);
Datum
hardneg_ivfsq_cosine_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HN_METRIC_COSINE);
}

PG_FUNCTION_INFO_V1(hardneg_ivfsq_handler);
Datum
hardneg_ivfsq_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = IVF_NPROC;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
#if PG_VERSION_NUM >= 180000
	amroutine->amcanhash = false;
	amroutine->amconsistentequality = false;
	amroutine->amconsistentordering = false;
#endif
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
#if PG_VERSION_NUM >= 170000
	/* the build plans its own workers (build_parallel.c), as on 15 and 16 */
	amroutine->amcanbuildparallel = true;
#endif
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
#if PG_VERSION_NUM >= 160000
	amroutine->amsummarizing = false;
#endif
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = ivfbuild;
	amroutine->ambuildempty = ivfbuildempty;
	amroutine->aminsert = ivfinsert;
#if PG_VERSION_NUM >= 170000
	amroutine->aminsertcleanup = NULL;
#endif
	amroutine->ambulkdelete = ivfbulkdelete;
	amroutine->amvacuumcleanup = ivfvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = ivfcostestimate;
#if PG_VERSION_NUM >= 180000
	amroutine->amgettreeheight = NULL;
#endif
	amroutine->amoptions = ivfoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = ivfbuildphasename;
	amroutine->amvalidate = ivfvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = ivfbeginscan;
	amroutine->amrescan = ivfrescan;
	amroutine->amgettuple = ivfgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = ivfendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;
#if PG_VERSION_NUM >= 180000
	amroutine->amtranslatestrategy = NULL;
	amroutine->amtranslatecmptype = NULL;
#endif

	PG_RETURN_POINTER(amroutine);
}
