/*
 * hardneg.c
 *		Module entry point and module-level information functions.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "hardneg.h"
#include "index/ivfsq.h"
#include "io/progress.h"
#include "io/srf.h"
#include "kernels/distance.h"
#include "kernels/exact_knn.h"
#include "pg_compat.h"
#include "utils/builtins.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	hn_kernels_init();
	hn_exact_knn_init();
	hn_progress_init();
	hn_index_init();
	MarkGUCPrefixReserved("hardneg");
}

PG_FUNCTION_INFO_V1(hardneg_version);
Datum
hardneg_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(HARDNEG_VERSION));
}

/* The SIMD variants this CPU runs, and which one is active. */
PG_FUNCTION_INFO_V1(hardneg_simd_variants);
Datum
hardneg_simd_variants(PG_FUNCTION_ARGS)
{
	static const char *const variants[] = {"portable", "avx2", "avx512"};
	HnSrf		srf;

	hn_srf_begin(fcinfo, &srf);
	for (int i = 0; i < lengthof(variants); i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(variants[i]);
		values[1] = BoolGetDatum(hn_cpu_supports(variants[i]));
		values[2] = BoolGetDatum(strcmp(hn_distance->name, variants[i]) == 0);
		hn_srf_put(&srf, values, nulls);
	}
	PG_RETURN_NULL();
}
