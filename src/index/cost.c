/*
 * cost.c
 *		ivfsq cost estimate: a scan reads the probed fraction of the lists
 *		before it returns its first row, so startup cost is the whole cost.
 */
#include "postgres.h"

#include <float.h>

#include "index/ivfsq.h"
#include "optimizer/cost.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"

void
ivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				Cost *indexStartupCost, Cost *indexTotalCost,
				Selectivity *indexSelectivity, double *indexCorrelation,
				double *indexPages)
{
	GenericCosts costs;
	Relation	index;
	int			nlists;
	double		ratio;

	/* only distance ordering can use the index */
	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = DBL_MAX;
		*indexTotalCost = DBL_MAX;
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}
	index = index_open(path->indexinfo->indexoid, NoLock);
	nlists = ivf_get_cache(index)->nlists;
	index_close(index, NoLock);
	ratio = nlists > 0 ? Min(1.0, (double) ivf_probes / nlists) : 1.0;

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = Max(ratio * path->indexinfo->tuples, 1.0);
	/* the probed lists, not the whole index, are read */
	genericcostestimate(root, path, loop_count, &costs);

	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
