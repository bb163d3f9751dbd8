/*
 * exact_knn.h
 *		Exact k nearest neighbours over float arrays: tiled OpenBLAS sgemm,
 *		a bounded top-k heap per query, the corpus streamed in chunks.
 *
 * Usage (no SPI, no tuples; palloc in the caller's current context):
 *
 *		HnKnn *knn = hn_knn_begin(queries, nq, dim, HN_METRIC_COSINE, k, NULL, NULL);
 *		for each corpus chunk:
 *			hn_knn_add(knn, docs, ndocs, keys);		-- docs: ndocs x dim, row-major
 *		hn_knn_finish(knn);
 *		for q in 0..nq-1:
 *			n = hn_knn_result(knn, q, &items);		-- items[0..n-1], best first
 *		hn_knn_free(knn);
 *
 * Scores are similarities (higher = closer): cosine similarity, inner
 * product, or minus the Euclidean distance.  Every reported score is
 * hn_knn_pair_score() of the pair, i.e. hn_similarity() from distance.h,
 * which sums in a fixed order per pair; sgemm only pre-selects candidates
 * with a proven error margin (see exact_knn.c).  So results (ids, ranks and
 * scores, bit for bit) do not depend on tile sizes, chunk sizes or BLAS
 * threads, and a positive scored with hn_knn_pair_score() compares exactly
 * with the negatives found here.
 *
 * Tie order.  Ties in score go to the smaller document id.  Each document
 * carries an int64 key:
 *	- bigint ids: pass the id itself as the key and key_cmp = NULL; the heap
 *	  (kernels/topk.h) then breaks ties exactly by key.
 *	- text ids: keep the corpus ids (they are small) and pass any unique key
 *	  (e.g. the row's ordinal in the stream) plus key_cmp comparing the ids
 *	  those keys name.  The heap then orders ties by key, which is not id
 *	  order, so the kernel also keeps, per query, the entries tied with the
 *	  current k-th score that the heap rejected or evicted (at most 2k, cut to
 *	  the k smallest ids when full) and makes the final choice among them
 *	  with key_cmp (called on worker threads too: it must be pure C).
 *
 * Memory: the caller's query block (referenced, not copied; keep it alive),
 * nq * k heap entries (3 * nq * k with key_cmp), score tiles of at most
 * hn_knn_tile_bytes() in all and the norms of one chunk.  The corpus is never
 * held by the kernel.
 *
 * Threads: hardneg.blas_threads (0 = all online cores).  With at least 32
 * queries per thread, hn_knn_add splits the queries among that many threads
 * (pthreads started with all signals blocked), each running single-threaded
 * sgemm and its own queries' heap updates; with fewer queries, one thread
 * and a multi-threaded sgemm.  hn_knn_self shares each round of disjoint
 * block pairs among the threads instead.  Worker threads only run BLAS and
 * pure C over the kernel's arrays (no palloc, no ereport): key_cmp must be
 * pure too.
 * CHECK_FOR_INTERRUPTS() runs on the calling thread between rounds (one
 * corpus tile against all queries), each bounded in multiply-adds, so a
 * cancel is seen within milliseconds; no worker outlives a round.
 */
#ifndef HN_EXACT_KNN_H
#define HN_EXACT_KNN_H

#include "postgres.h"

#include "kernels/distance.h"
#include "kernels/topk.h"

/* Orders two keys by the ids they stand for (<0, 0, >0), as strcmp does. */
typedef int (*HnKeyCompare) (int64 a, int64 b, void *arg);

typedef struct HnKnn HnKnn;

/*
 * Starts a search of nq queries (row-major nq x dim floats) for their k best
 * documents under metric.  key_cmp may be NULL (keys are then the tie order).
 * Under cosine a zero query vector is an error (its similarity is undefined).
 */
extern HnKnn *hn_knn_begin(const float *queries, int nq, int dim,
						   HnMetric metric, int k,
						   HnKeyCompare key_cmp, void *key_cmp_arg);

/* Scores one corpus chunk (ndocs x dim, row-major) against every query. */
extern void hn_knn_add(HnKnn *knn, const float *docs, int64 ndocs,
					   const int64 *keys);

/*
 * The queries as their own corpus, instead of hn_knn_add: each query's k best
 * among the other queries (and itself too with include_self), keys[i] the key
 * of query row i.  The results equal those of hn_knn_add(knn, queries, nq,
 * keys) with the query's own pair left out, from half its sgemm work: the
 * product of the set with itself is symmetric.  Call it once, alone.
 */
extern void hn_knn_self(HnKnn *knn, const int64 *keys, bool include_self);

/* Orders every query's results; call once after the last hn_knn_add. */
extern void hn_knn_finish(HnKnn *knn);

/*
 * Query q's results, best first: *items points into the kernel's memory
 * (valid until hn_knn_free); returns how many (k, or fewer documents seen).
 * Rank r (1-based) is items[r - 1].
 */
extern int	hn_knn_result(HnKnn *knn, int q, const HnScored **items);

extern void hn_knn_free(HnKnn *knn);

/* Documents scored so far (for progress reports). */
extern int64 hn_knn_docs_seen(const HnKnn *knn);

/*
 * The score of one (query, doc) pair: the very number hn_knn reports for it.
 * NaN under cosine when either vector is zero.
 */
static inline float
hn_knn_pair_score(HnMetric metric, const float *q, const float *d, int dim)
{
	/* + 0.0f turns l2's -0 (identical vectors) into 0 */
	return hn_similarity(metric, q, d, dim) + 0.0f;
}

/*
 * Scores n given pairs: out[i] = score of (queries row qrow[i], docs row
 * drow[i]); both matrices row-major with dim columns.
 */
extern void hn_knn_score_pairs(HnMetric metric, int dim,
							   const float *queries, const int64 *qrow,
							   const float *docs, const int64 *drow,
							   int64 n, float *out);

/* Bytes of the score tile (bounded by work_mem), for memory planning. */
extern size_t hn_knn_tile_bytes(void);

/* BLAS threads a call will use (hardneg.blas_threads, 0 = online cores). */
extern int	hn_blas_threads(void);

/* Registers hardneg.blas_threads and hardneg.knn_tile_docs. */
extern void hn_exact_knn_init(void);

#endif							/* HN_EXACT_KNN_H */
