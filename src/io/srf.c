/*
 * srf.c
 *		Materialised SRF output (see srf.h).
 */
#include "postgres.h"

#include "funcapi.h"
#include "io/srf.h"

void
hn_srf_begin(FunctionCallInfo fcinfo, HnSrf *srf)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

#if PG_VERSION_NUM >= 150000
	InitMaterializedSRF(fcinfo, 0);
#else
	{
		MemoryContext oldcxt;
		TupleDesc	tupdesc;

		if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
			!(rsinfo->allowedModes & SFRM_Materialize))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("set-valued function called in context that cannot accept a set")));
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
		rsinfo->returnMode = SFRM_Materialize;
		rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
		rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
		MemoryContextSwitchTo(oldcxt);
	}
#endif
	srf->store = rsinfo->setResult;
	srf->desc = rsinfo->setDesc;
}

void
hn_srf_put(HnSrf *srf, Datum *values, bool *nulls)
{
	tuplestore_putvalues(srf->store, srf->desc, values, nulls);
}
