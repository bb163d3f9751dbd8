/*
 * knn_index.c
 *		knn_search(method => 'index'): one ORDER BY <distance> LIMIT k query per
 *		query vector, so the planner can use whatever ANN index the corpus
 *		table has (hardneg's own or pgvector's HNSW / IVFFlat).
 *
 * The per-query statement is
 *		SELECT c.id, (c.embedding OP $1)::float8
 *		  FROM (<corpus>) c ORDER BY c.embedding OP $1 LIMIT k
 * with OP <-> (l2), <#> (negative inner product) or <=> (cosine distance),
 * the operators shared by hardneg's embedding and pgvector's vector.  Results
 * are as exact as the index is; scores are converted to similarities and
 * the k rows re-sorted by (score desc, id) so ranks follow the same rule as
 * the exact method.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "embedding/embedding.h"
#include "executor/spi.h"
#include "knn/knn.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

static const char *
metric_operator(HnMetric metric)
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

/* Similarity from the operator's distance. */
static float
distance_to_score(HnMetric metric, double d)
{
	switch (metric)
	{
		case HN_METRIC_L2:
		case HN_METRIC_IP:		/* <#> is the negative inner product */
			return (float) -d;
		case HN_METRIC_COSINE:
			return (float) (1.0 - d);
	}
	return (float) -d;
}

/*
 * Reads one corpus row to learn the embedding column's type and dimension,
 * and checks that the distance operator exists for it: before any search.
 */
static Oid
corpus_vector_type(const KnnArgs *args, int query_dim)
{
	HnBatch		batch = {0};
	HnReader   *reader = hn_reader_open("corpus", args->corpus_sql, hn_knn_input_spec, 2);
	Oid			typid;
	const char *op = metric_operator(args->metric);

	if (hn_reader_next(reader, &batch, 1))
	{
		hn_knn_check_dims(query_dim, batch.cols[KNN_COL_VEC].dim);
		hn_knn_check_id_type("corpus", &batch.cols[KNN_COL_ID].ids, args->id_type);
	}
	typid = batch.cols != NULL ? batch.cols[KNN_COL_VEC].typid : InvalidOid;
	hn_reader_close(reader);
	if (!OidIsValid(typid))
		return InvalidOid;		/* empty corpus */
	if (typid == FLOAT4ARRAYOID || typid == FLOAT8ARRAYOID ||
		!OidIsValid(OpernameGetOprid(list_make1(makeString(pstrdup(op))), typid, typid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("knn_search: method 'index' needs the operator %s for the corpus embedding type %s",
						op, format_type_be(typid)),
				 errhint("Store the corpus embeddings as embedding (or pgvector's vector) with an index on them, or use method => 'exact'.")));
	return typid;
}

static SPIPlanPtr
prepare_search(const KnnArgs *args, Oid vectype)
{
	StringInfoData sql;
	const char *op = metric_operator(args->metric);
	SPIPlanPtr	plan;

	char	   *corpus = pstrdup(args->corpus_sql);
	int			len = strlen(corpus);

	/* the corpus query becomes a subquery: drop a trailing semicolon */
	while (len > 0 && (corpus[len - 1] == ';' || isspace((unsigned char) corpus[len - 1])))
		corpus[--len] = '\0';
	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT c.id, (c.embedding %s $1)::float8 FROM (%s) c ORDER BY c.embedding %s $1 LIMIT %d",
					 op, corpus, op, args->k);
	plan = SPI_prepare(sql.data, 1, &vectype);
	if (plan == NULL)
		elog(ERROR, "knn_search: could not prepare the index search: %s",
			 SPI_result_code_string(SPI_result));
	return plan;
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

typedef struct Hit
{
	float		score;
	int64		row;
} Hit;

static int
hit_cmp(const void *pa, const void *pb, void *arg)
{
	const Hit  *a = pa;
	const Hit  *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return hn_ids_compare(arg, a->row, arg, b->row);
}

/* Runs the search for one query vector and emits its rows. */
static void
search_one(const KnnArgs *args, HnSrf *srf, SPIPlanPtr plan,
		   const KnnQueryBlock *block, int q)
{
	Datum		param = query_datum(block->vec + (int64) q * block->dim, block->dim);
	SPITupleTable *tt;
	uint64		n;
	HnIds		ids = {0};
	Hit		   *hits;
	int64	   *rows;
	float	   *scores;
	Oid			idtype;
	MemoryContext cxt = CurrentMemoryContext;

	if (SPI_execute_plan(plan, &param, NULL, true, args->k) != SPI_OK_SELECT)
		elog(ERROR, "knn_search: the index search failed");
	MemoryContextSwitchTo(cxt);	/* SPI leaves its own context current */
	tt = SPI_tuptable;
	n = SPI_processed;
	idtype = SPI_gettypeid(tt->tupdesc, 1);
	ids.typid = idtype;
	ids.is_text = !(idtype == INT2OID || idtype == INT4OID || idtype == INT8OID);
	ids.ints = palloc(sizeof(int64) * Max(n, 1));
	ids.texts = palloc(sizeof(char *) * Max(n, 1));
	hits = palloc(sizeof(Hit) * Max(n, 1));
	for (uint64 r = 0; r < n; r++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(tt->vals[r], tt->tupdesc, 1, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("column \"id\" of the corpus query is NULL"),
					 errhint("Filter the rows out with WHERE id IS NOT NULL, or fill them in.")));
		if (ids.is_text)
			ids.texts[r] = SPI_getvalue(tt->vals[r], tt->tupdesc, 1);
		else
			ids.ints[r] = idtype == INT8OID ? DatumGetInt64(d) :
				idtype == INT4OID ? DatumGetInt32(d) : DatumGetInt16(d);
		d = SPI_getbinval(tt->vals[r], tt->tupdesc, 2, &isnull);
		hits[r].score = isnull ? -INFINITY : distance_to_score(args->metric, DatumGetFloat8(d));
		hits[r].row = (int64) r;
	}
	qsort_arg(hits, n, sizeof(Hit), hit_cmp, &ids);
	rows = palloc(sizeof(int64) * Max(n, 1));
	scores = palloc(sizeof(float) * Max(n, 1));
	for (uint64 r = 0; r < n; r++)
	{
		rows[r] = hits[r].row;
		scores[r] = hits[r].score;
	}
	hn_knn_emit(srf, args, &block->ids, q, &ids, rows, scores, (int) n);
	SPI_freetuptable(tt);
}

void
hn_knn_index(const KnnArgs *args, HnSrf *srf)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext run_cxt = AllocSetContextCreate(caller, "knn_search", ALLOCSET_DEFAULT_SIZES);
	MemoryContext query_cxt = AllocSetContextCreate(run_cxt, "knn_search query", ALLOCSET_DEFAULT_SIZES);
	KnnQueryBlock block = {0};
	HnBatch		qbatch = {0};
	HnReader   *qreader;
	SPIPlanPtr	plan = NULL;
	int64		done = 0;
	instr_time	start,
				last,
				now;

	INSTR_TIME_SET_CURRENT(start);
	last = start;
	MemoryContextSwitchTo(run_cxt);
	qreader = hn_reader_open("queries", args->queries_sql, hn_knn_input_spec, 2);
	MemoryContextSwitchTo(run_cxt);
	while (hn_knn_read_queries(qreader, &qbatch, &block, args->k, args->id_type))
	{
		if (plan == NULL)
		{
			Oid			vectype = corpus_vector_type(args, block.dim);

			MemoryContextSwitchTo(run_cxt);
			if (!OidIsValid(vectype))
				break;
			plan = prepare_search(args, vectype);
		}
		for (int q = 0; q < block.n; q++)
		{
			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(query_cxt);
			search_one(args, srf, plan, &block, q);
			MemoryContextSwitchTo(run_cxt);
			MemoryContextReset(query_cxt);
			done++;
			INSTR_TIME_SET_CURRENT(now);
			INSTR_TIME_SUBTRACT(now, last);
			if (hn_progress_enabled() && INSTR_TIME_GET_DOUBLE(now) >= 1.0)
			{
				INSTR_TIME_SET_CURRENT(last);
				now = last;
				INSTR_TIME_SUBTRACT(now, start);
				ereport(NOTICE,
						(errmsg("knn_search: " INT64_FORMAT " queries searched, %.1f s",
								done, INSTR_TIME_GET_DOUBLE(now))));
			}
		}
		MemoryContextSwitchTo(run_cxt);
	}
	hn_reader_close(qreader);
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(run_cxt);
}
