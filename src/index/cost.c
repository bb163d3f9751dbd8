/*
 * cost.c
 *		ivfsq cost estimate.
 *
 * A scan reads the probed lists' code pages one after another (sequential
 * within a chain, usually cached) and `rerank` vector pages at random, and
 * does all of it before returning its first row: startup cost is the whole
 * cost.  A scan returns at most hardneg.ivfsq_max_scan_tuples rows, so a plan
 * that needs more is priced out (see rows_pulled).  Counting every index page at random_page_cost instead would make a
 * large-dimensional index look dearer than a sequential scan plus sort that
 * detoasts every row, which is far slower.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "index/ivfsq.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"

/* Pages one scan reads: its lists' code pages, then the re-ranked vectors. */
static void
pages_read(IvfCache *cache, double tuples, double *list_pages, double *vector_pages)
{
	double		per_page = (double) (BLCKSZ - SizeOfPageHeaderData - sizeof(IvfPageOpaqueData)) /
		(IVF_CODE_TUPLE_SIZE(cache->codebytes) + sizeof(ItemIdData));
	double		per_list = tuples / Max(cache->nlists, 1);
	int			probes = Min(ivf_eff_probes(), Max(cache->nlists, 1));
	double		vec_span = ceil((double) cache->dim * sizeof(float) / (IVF_PAGE_CAPACITY - IVF_PIECE_HDR - sizeof(ItemIdData)));

	*list_pages = probes * ceil(per_list / Max(per_page, 1.0));
	*vector_pages = ivf_eff_rerank() * Max(vec_span, 1.0);
	if (cache->codebytes == 0)	/* no codes: every probed row is read */
		*vector_pages += probes * per_list * Max(vec_span, 1.0);
}

/*
 * Rows the executor will pull from the index: the LIMIT scaled up by the
 * filter's selectivity, or every row without a LIMIT.  A non-constant LIMIT
 * ($1 of a generic plan) is taken to fit; -1 then.
 */
static double
rows_pulled(PlannerInfo *root, IndexPath *path)
{
	RelOptInfo *rel = path->indexinfo->rel;
	double		tuples = Max(path->indexinfo->tuples, rel->tuples);

	if (root->limit_tuples >= 0)
		return root->limit_tuples * tuples / Max(rel->rows, 1.0);
	if (root->parse->limitCount != NULL)
		return -1;
	return tuples;
}

void
ivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				Cost *indexStartupCost, Cost *indexTotalCost,
				Selectivity *indexSelectivity, double *indexCorrelation,
				double *indexPages)
{
	GenericCosts costs;
	Relation	index;
	IvfCache   *cache;
	double		list_pages;
	double		vector_pages;
	double		random_page_cost;
	double		seq_page_cost;
	double		scanned;

	/* only distance ordering can use the index */
	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = DBL_MAX;
		*indexTotalCost = DBL_MAX;
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
#if PG_VERSION_NUM >= 180000
		/*
		 * 18 compares disabled nodes before costs: stay behind even a
		 * sequential scan that enable_seqscan = off disabled (one node).
		 */
		path->path.disabled_nodes = 2;
#endif
		return;
	}
	index = index_open(path->indexinfo->indexoid, NoLock);
	cache = ivf_get_cache(index);
	pages_read(cache, path->indexinfo->tuples, &list_pages, &vector_pages);
	scanned = cache->nlists > 0 ?
		path->indexinfo->tuples * Min(1.0, (double) ivf_eff_probes() / cache->nlists) :
		path->indexinfo->tuples;
	index_close(index, NoLock);

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = Max(scanned, 1.0);
	genericcostestimate(root, path, loop_count, &costs);
	get_tablespace_page_costs(path->indexinfo->reltablespace, &random_page_cost, &seq_page_cost);

	*indexStartupCost = list_pages * seq_page_cost + vector_pages * random_page_cost +
		scanned * cpu_operator_cost + ivf_eff_rerank() * cpu_operator_cost;
	/*
	 * A scan stops at hardneg.ivfsq_max_scan_tuples rows (scan.c): when the
	 * query would pull more, price the plan like a disabled one, so that a
	 * sequential scan and sort return every row instead.
	 */
	if (rows_pulled(root, path) > ivf_eff_max_scan_tuples())
		*indexStartupCost += disable_cost;
	*indexTotalCost = *indexStartupCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = list_pages + vector_pages;
}
