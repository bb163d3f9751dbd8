/*
 * index_search.h
 *		One ORDER BY <distance> LIMIT k statement per query vector, so that the
 *		planner uses whatever ANN index the corpus table has (hardneg's ivfsq,
 *		pgvector's HNSW / IVFFlat).  Shared by knn_search(method => 'index')
 *		and mine_hard_negatives(method => 'index').
 */
#ifndef HN_INDEX_SEARCH_H
#define HN_INDEX_SEARCH_H

#include "postgres.h"

#include "io/reader.h"
#include "kernels/distance.h"

typedef struct HnIndexSearch HnIndexSearch;

/* The distance operator of a metric: <->, <#> or <=>. */
extern const char *hn_metric_operator(HnMetric metric);

/*
 * Errors (42883, naming caller) unless vectype has the metric's distance
 * operator, i.e. is embedding or pgvector's vector rather than an array.
 */
extern void hn_index_search_check_type(const char *caller, HnMetric metric, Oid vectype);

/*
 * Prepares (io/reader.h's statements, SPI connected until end)
 *		SELECT c.id, (c.embedding OP $1)::float8 AS distance FROM (<corpus>
 *		) c ORDER BY c.embedding OP $1 LIMIT k
 * for vectors of type vectype.  Close with hn_index_search_end, in the
 * reverse order of any reader opened after it.
 */
extern HnIndexSearch *hn_index_search_begin(const char *corpus_sql, HnMetric metric,
											int k, Oid vectype);

/*
 * Runs one query vector.  Returns the number of rows n (at most k) and
 * sets *ids (the corpus ids, as the reader would give them) and *scores
 * (similarities: higher is closer) in the index's order, allocated in the
 * memory context current at the call, which is current again on return.
 */
extern int	hn_index_search_run(HnIndexSearch *s, const float *query, int dim,
								HnIds *ids, float **scores);

extern void hn_index_search_end(HnIndexSearch *s);

#endif							/* HN_INDEX_SEARCH_H */
