/*
 * srf.h
 *		Materialised set-returning-function output.
 *
 * Every hardneg set-returning function builds its rows into a tuplestore in
 * the executor's per-query memory, so a long job never holds Datums of
 * earlier rows in its own contexts and an error leaves no half result.
 */
#ifndef HN_SRF_H
#define HN_SRF_H

#include "postgres.h"
#include "fmgr.h"
#include "access/tupdesc.h"
#include "utils/tuplestore.h"

typedef struct HnSrf
{
	Tuplestorestate *store;
	TupleDesc	desc;
} HnSrf;

/* Sets up materialised output for fcinfo's result; errors if not allowed. */
extern void hn_srf_begin(FunctionCallInfo fcinfo, HnSrf *srf);

/* Appends one row; values and nulls have desc->natts entries. */
extern void hn_srf_put(HnSrf *srf, Datum *values, bool *nulls);

#endif							/* HN_SRF_H */
