/*
 * index_search.c
 *		Per-query searches through the planner, so an ANN index is used where
 *		the corpus table has one (see index_search.h).
 *
 * Scores come back from the operator's distance: similarity = -distance
 * for <-> and <#> (negative inner product), 1 - distance for <=>.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "catalog/namespace.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "embedding/embedding.h"
#include "executor/spi.h"
#include "knn/index_search.h"
#include "lib/stringinfo.h"
#include "nodes/value.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

struct HnIndexSearch
{
	HnMetric	metric;
	int			k;
	SPIPlanPtr	plan;
};

const char *
hn_metric_operator(HnMetric metric)
{
	switch (metric)
	{
		case HN_METRIC_L2:
			return "<->";
		case HN_METRIC_IP:
			return "<#>";
		case HN_METRIC_COSINE:
			return "<=>";
	}
	return "<=>";
}

static float
distance_to_score(HnMetric metric, double d)
{
	if (metric == HN_METRIC_COSINE)
		return (float) (1.0 - d);
	return (float) -d;			/* <-> distance, <#> negative inner product */
}

/*
 * The distance operator is looked up in the schema of the embedding type
 * (hardneg's for embedding, pgvector's for vector), never through the
 * search_path: the schema may be off the caller's path, and an operator
 * planted earlier on it must not be called in its place.
 */
static char *
type_schema(Oid vectype)
{
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(vectype));
	Oid			nsp;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", vectype);
	nsp = ((Form_pg_type) GETSTRUCT(tup))->typnamespace;
	ReleaseSysCache(tup);
	return get_namespace_name(nsp);
}

static Oid
distance_operator(HnMetric metric, Oid vectype)
{
	List	   *name = list_make2(makeString(type_schema(vectype)),
								  makeString(pstrdup(hn_metric_operator(metric))));

	return OpernameGetOprid(name, vectype, vectype);
}

void
hn_index_search_check_type(const char *caller, HnMetric metric, Oid vectype)
{
	const char *op = hn_metric_operator(metric);

	if (vectype == FLOAT4ARRAYOID || vectype == FLOAT8ARRAYOID ||
		!OidIsValid(distance_operator(metric, vectype)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("%s: method 'index' needs the operator %s for the corpus embedding type %s",
						caller, op, format_type_be(vectype)),
				 errhint("Store the corpus embeddings as embedding (or pgvector's vector) with an index on them, or use method => 'exact'.")));
}

HnIndexSearch *
hn_index_search_begin(const char *corpus_sql, HnMetric metric, int k, Oid vectype)
{
	MemoryContext caller = CurrentMemoryContext;
	HnIndexSearch *s = palloc0(sizeof(HnIndexSearch));
	const char *op = hn_metric_operator(metric);
	char	   *qop;
	char	   *corpus = pstrdup(corpus_sql);
	int			len = strlen(corpus);
	StringInfoData sql;

	s->metric = metric;
	s->k = k;
	/* the corpus query becomes a subquery: drop a trailing semicolon */
	while (len > 0 && (corpus[len - 1] == ';' || isspace((unsigned char) corpus[len - 1])))
		corpus[--len] = '\0';
	/* around the caller's query, every name is schema-qualified */
	qop = psprintf("OPERATOR(%s.%s)", quote_identifier(type_schema(vectype)), op);
	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT c.id, (c.embedding %s $1)::pg_catalog.float8 FROM (%s) c ORDER BY c.embedding %s $1 LIMIT %d",
					 qop, corpus, qop, k);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	s->plan = SPI_prepare(sql.data, 1, &vectype);
	if (s->plan == NULL)
		elog(ERROR, "could not prepare the index search: %s", SPI_result_code_string(SPI_result));
	MemoryContextSwitchTo(caller);
	return s;
}

static Datum
query_datum(const float *x, int dim)
{
	Embedding  *e = palloc0(EMBEDDING_SIZE(dim));

	SET_VARSIZE(e, EMBEDDING_SIZE(dim));
	e->dim = dim;
	memcpy(e->x, x, sizeof(float) * dim);
	return PointerGetDatum(e);
}

int
hn_index_search_run(HnIndexSearch *s, const float *query, int dim,
					HnIds *ids, float **scores)
{
	MemoryContext caller = CurrentMemoryContext;
	Datum		param = query_datum(query, dim);
	SPITupleTable *tt;
	uint64		n;
	Oid			idtype;

	if (SPI_execute_plan(s->plan, &param, NULL, true, s->k) != SPI_OK_SELECT)
		elog(ERROR, "the index search failed");
	MemoryContextSwitchTo(caller);	/* SPI leaves its own context current */
	tt = SPI_tuptable;
	n = SPI_processed;
	idtype = SPI_gettypeid(tt->tupdesc, 1);
	memset(ids, 0, sizeof(HnIds));
	ids->typid = idtype;
	ids->is_text = !(idtype == INT2OID || idtype == INT4OID || idtype == INT8OID);
	if (ids->is_text)
		ids->texts = palloc(sizeof(char *) * Max(n, 1));
	else
		ids->ints = palloc(sizeof(int64) * Max(n, 1));
	*scores = palloc(sizeof(float) * Max(n, 1));
	for (uint64 r = 0; r < n; r++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(tt->vals[r], tt->tupdesc, 1, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("column \"id\" of the corpus query is NULL"),
					 errhint("Filter the rows out with WHERE id IS NOT NULL, or fill them in.")));
		if (ids->is_text)
			ids->texts[r] = SPI_getvalue(tt->vals[r], tt->tupdesc, 1);
		else
			ids->ints[r] = idtype == INT8OID ? DatumGetInt64(d) :
				idtype == INT4OID ? DatumGetInt32(d) : DatumGetInt16(d);
		d = SPI_getbinval(tt->vals[r], tt->tupdesc, 2, &isnull);
		(*scores)[r] = isnull ? -INFINITY : distance_to_score(s->metric, DatumGetFloat8(d));
	}
	SPI_freetuptable(tt);
	return (int) n;
}

void
hn_index_search_end(HnIndexSearch *s)
{
	/* SPI_finish returns to the context that was current at begin */
	SPI_finish();
}
