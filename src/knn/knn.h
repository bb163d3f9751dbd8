/*
 * knn.h
 *		knn_search(): the entry (knn_search.c) parses and dispatches to its two
 *		methods (knn_exact.c, knn_index.c); what they share is knn_common.c.
 */
#ifndef HN_KNN_H
#define HN_KNN_H

#include "postgres.h"

#include "io/progress.h"
#include "io/reader.h"
#include "io/srf.h"
#include "kernels/distance.h"

/* Validated arguments of one knn_search call. */
typedef struct KnnArgs
{
	const char *queries_sql;
	const char *corpus_sql;
	int			k;
	HnMetric	metric;
	bool		use_index;
	Oid			id_type;		/* output type of the id columns */
} KnnArgs;

/* Column specs of the queries and corpus inputs: id, embedding. */
#define KNN_COL_ID	0
#define KNN_COL_VEC 1
extern const HnColumnSpec hn_knn_input_spec[2];

/*
 * Query rows copied out of reader batches (batches are replaced on every
 * read), in the caller's memory.
 */
typedef struct KnnQueryBlock
{
	int			n;
	int			cap;
	int			dim;
	float	   *vec;			/* n x dim */
	HnIds		ids;
} KnnQueryBlock;

/*
 * Fills block with up to cap further query rows (learning the dimension from
 * the first row, sizing cap from work_mem and checking the id type against
 * out_type when block->cap == 0); returns false when no rows remain.
 */
extern bool hn_knn_read_queries(HnReader *reader, HnBatch *batch,
								KnnQueryBlock *block, int k, Oid out_type);

/* Errors when text ids would have to come out as an integer type. */
extern void hn_knn_check_id_type(const char *what, const HnIds *ids, Oid out_type);

/* Under cosine: errors, naming the id, on a zero vector among n rows. */
extern void hn_knn_check_nonzero(const char *what, const HnIds *ids,
								 const float *vec, int64 n, int dim);

/* Errors unless the queries and the corpus have the same dimension. */
extern void hn_knn_check_dims(int query_dim, int corpus_dim);

/* Emits rank 1..n of one query: items best first. */
extern void hn_knn_emit(HnSrf *srf, const KnnArgs *args,
						const HnIds *qids, int64 q,
						const HnIds *dids, const int64 *drows,
						const float *scores, int n);


extern void hn_knn_exact(const KnnArgs *args, HnSrf *srf);
extern void hn_knn_index(const KnnArgs *args, HnSrf *srf);

#endif							/* HN_KNN_H */
