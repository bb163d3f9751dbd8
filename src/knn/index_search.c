/*
 * index_search.c
 *		Per-query searches through the planner, so an ANN index is used where
 *		the corpus table has one (see index_search.h).
 *
 * Scores come back from the operator's distance: similarity = -distance
 * for <-> and <#> (negative inner product), 1 - distance for <=>.  The
 * statement is prepared and run through io/reader.h like every input
 * query: this file builds its text and turns its rows into scores.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/namespace.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "embedding/embedding.h"
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
	HnReader   *statement;		/* the prepared per-query search */
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

/* Columns of the search statement, read like any input (io/reader.h). */
static const HnColumnSpec search_spec[] = {
	{"id", HN_COL_ID, true, false},
	{"distance", HN_COL_FLOAT8, true, true},
};

HnIndexSearch *
hn_index_search_begin(const char *corpus_sql, HnMetric metric, int k, Oid vectype)
{
	HnIndexSearch *s = palloc0(sizeof(HnIndexSearch));
	char	   *qop;
	StringInfoData sql;

	s->metric = metric;
	s->k = k;
	/* around the caller's query, every name is schema-qualified */
	qop = psprintf("OPERATOR(%s.%s)", quote_identifier(type_schema(vectype)),
				   hn_metric_operator(metric));
	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT c.id, (c.embedding %s $1)::pg_catalog.float8 AS distance FROM %s c "
					 "ORDER BY c.embedding %s $1 LIMIT %d",
					 qop, hn_reader_subquery(corpus_sql), qop, k);
	s->statement = hn_statement_prepare("corpus", sql.data, 1, &vectype,
										search_spec, lengthof(search_spec));
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
	Datum		param = query_datum(query, dim);
	HnBatch    *b = hn_statement_run(s->statement, &param, s->k);
	HnColumn   *dist = &b->cols[1];

	*ids = b->cols[0].ids;
	*scores = palloc(sizeof(float) * Max(b->nrows, 1));
	for (int64 r = 0; r < b->nrows; r++)
		(*scores)[r] = dist->isnull[r] ? -INFINITY : distance_to_score(s->metric, dist->f8[r]);
	return (int) b->nrows;
}

void
hn_index_search_end(HnIndexSearch *s)
{
	hn_statement_close(s->statement);
}
