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

	InitMaterializedSRF(fcinfo, 0);
	srf->store = rsinfo->setResult;
	srf->desc = rsinfo->setDesc;
}

void
hn_srf_put(HnSrf *srf, Datum *values, bool *nulls)
{
	tuplestore_putvalues(srf->store, srf->desc, values, nulls);
}
