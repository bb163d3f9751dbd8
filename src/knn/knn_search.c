/*
 * knn_search.c
 *		SQL entry of knn_search(queries, corpus, k, metric, method, id_type):
 *		parses and validates the arguments, then dispatches to a method
 *		(knn_exact.c, knn_index.c); what both share is in knn_common.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "knn/knn.h"
#include "utils/builtins.h"

/* Upper bound of k: heaps of k entries per query must fit in memory. */
#define KNN_MAX_K 1000000

static void
null_argument(const char *name, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("knn_search: %s must not be NULL", name),
			 errhint("%s", hint)));
}

static void
parse_args(FunctionCallInfo fcinfo, KnnArgs *args)
{
	char	   *method;

	if (PG_ARGISNULL(0))
		null_argument("queries", "Pass a query string such as 'SELECT id, embedding FROM queries'.");
	if (PG_ARGISNULL(1))
		null_argument("corpus", "Pass a query string such as 'SELECT id, embedding FROM docs'.");
	if (PG_ARGISNULL(2))
		null_argument("k", "Pass the number of neighbours per query, e.g. k => 10.");
	if (PG_ARGISNULL(3))
		null_argument("metric", "Use 'cosine', 'ip' or 'l2'.");
	if (PG_ARGISNULL(4))
		null_argument("method", "Use 'exact' or 'index'.");

	args->queries_sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	args->corpus_sql = text_to_cstring(PG_GETARG_TEXT_PP(1));
	args->k = PG_GETARG_INT32(2);
	if (args->k < 1 || args->k > KNN_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("knn_search: k must be between 1 and %d, got %d", KNN_MAX_K, args->k),
				 errhint("k is the number of neighbours returned per query.")));
	args->metric = hn_metric_from_name(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	method = text_to_cstring(PG_GETARG_TEXT_PP(4));
	if (pg_strcasecmp(method, "exact") == 0)
		args->use_index = false;
	else if (pg_strcasecmp(method, "index") == 0)
		args->use_index = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("knn_search: unknown method \"%s\"", method),
				 errhint("Use 'exact' (sgemm over the whole corpus) or 'index' (the corpus table's ANN index).")));
	/* the 5-argument form returns bigint ids (see src/sql/30_knn.sql) */
	args->id_type = PG_NARGS() > 5 ? get_fn_expr_argtype(fcinfo->flinfo, 5) : INT8OID;
	if (!OidIsValid(args->id_type))
		args->id_type = INT8OID;
}

PG_FUNCTION_INFO_V1(hn_knn_search);
Datum
hn_knn_search(PG_FUNCTION_ARGS)
{
	KnnArgs		args;
	HnSrf		srf;

	parse_args(fcinfo, &args);
	hn_srf_begin(fcinfo, &srf);
	if (args.use_index)
		hn_knn_index(&args, &srf);
	else
		hn_knn_exact(&args, &srf);
	PG_RETURN_NULL();
}
