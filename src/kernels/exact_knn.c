/*
 * exact_knn.c
 *		Exact k-NN kernel (see exact_knn.h).
 *
 * Two stages per (query tile x document tile):
 *  1. cblas_sgemm computes the tile of dot products.  Its summation order
 *	   depends on the BLAS kernel, blocking and threads, so its values are only
 *	   used to pre-select: a document is a candidate when its sgemm score is
 *	   within a rounding-error margin of the query's current k-th score.
 *  2. Candidates are re-scored with hn_similarity() (fixed summation order per
 *	   pair) and offered to the query's heap.
 * The margin bounds the error of both computations (|fl(x.y) - x.y| <=
 * gamma_n sum|x_i y_i| <= gamma_n |x||y|, gamma_n ~ n u, in any order), so
 * the selected set and every score equal those of scoring each pair with
 * hn_similarity() alone: the result cannot change with tiling or threads.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <unistd.h>

#include <cblas.h>

#include "kernels/exact_knn.h"
#include "kernels/parallel.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

/* sgemm multiply-adds per call: about a millisecond at full speed */
#define TILE_MAX_MADDS		((double) (1 << 27))
/* multiply-adds of one thread between two interrupt checks */
#define ROUND_MAX_MADDS		((double) (1 << 29))
#define TILE_MAX_BYTES		((size_t) 4 << 20)
#define TILE_MIN_BYTES		((size_t) 64 << 10)
#define TILE_MAX_QUERIES	512
#define TILE_MIN_DOCS		16

static int	hn_blas_threads_setting = 0;
static int	hn_knn_tile_docs_setting = 0;

struct HnKnn
{
	MemoryContext cxt;
	const float *queries;
	int			nq;
	int			dim;
	HnMetric	metric;
	int			k;
	HnKeyCompare key_cmp;
	void	   *key_cmp_arg;
	float	   *qnorm;			/* |q| */
	float	   *qsq;			/* |q|^2 */
	HnTopK	   *heaps;			/* one per query */
	HnScored  **ties;			/* key_cmp only: entries tied with the k-th */
	int		   *nties;
	HnScored  **results;		/* after finish: best first */
	int		   *nresults;
	int			nthreads;		/* threads sharing the queries of a tile */
	float	  **tiles;			/* per thread: tile_q x tile_d sgemm output */
	int			tile_q;
	int			tile_d;
	float	   *dsq;			/* |d|^2 of the current chunk */
	float	   *dinv;			/* 1 / |d| (cosine) */
	int64		dcap;
	float		margin;			/* relative rounding margin, see doc_margin */
	int64		seen;
	bool		finished;
};

/* ---------- settings ---------- */

int
hn_blas_threads(void)
{
	long		cores;

	if (hn_blas_threads_setting > 0)
		return hn_blas_threads_setting;
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	return (int) Max(Min(cores, 64), 1);
}

size_t
hn_knn_tile_bytes(void)
{
	size_t		budget = (size_t) work_mem * 1024 / 4;

	return Max(Min(budget, TILE_MAX_BYTES), TILE_MIN_BYTES);
}

void
hn_exact_knn_init(void)
{
	DefineCustomIntVariable("hardneg.blas_threads",
							"Threads OpenBLAS uses for one sgemm call in exact k-NN.",
							"0 uses every online core.  BLAS threads only run BLAS code.",
							&hn_blas_threads_setting,
							0, 0, 64,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hardneg.knn_tile_docs",
							"Documents per sgemm tile in exact k-NN (0 = automatic).",
							"A testing knob: results do not depend on it, only speed does.",
							&hn_knn_tile_docs_setting,
							0, 0, 1000000,
							PGC_USERSET, GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);
}

/* ---------- setup ---------- */

static void
zero_vector_error(const char *what, int64 row)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("row " INT64_FORMAT " of the %s is a zero vector, which has no cosine similarity",
					row + 1, what),
			 errhint("Leave zero vectors out of the input, or use metric 'ip' or 'l2'.")));
}

/*
 * Two ways to use the cores: with enough queries, each thread takes a share
 * of the queries and runs single-threaded sgemm plus its heap updates (the
 * selection is then parallel too, and no BLAS thread spins between calls);
 * with few queries, one thread and a multi-threaded sgemm.
 */
static void
plan_tiles(HnKnn *knn)
{
	size_t		floats = hn_knn_tile_bytes() / sizeof(float);
	double		madds;
	int			threads = hn_blas_threads();

	knn->nthreads = knn->nq >= 32 * threads ? threads : 1;
	knn->tile_q = Max(Min((knn->nq + knn->nthreads - 1) / knn->nthreads, TILE_MAX_QUERIES), 1);
	/* one sgemm call, and one thread's share of a round, stay short */
	madds = TILE_MAX_MADDS / ((double) knn->tile_q * knn->dim);
	madds = Min(madds, ROUND_MAX_MADDS * knn->nthreads / ((double) Max(knn->nq, 1) * knn->dim));
	knn->tile_d = (int) Min((double) floats / knn->nthreads / knn->tile_q, madds);
	if (hn_knn_tile_docs_setting > 0)
		knn->tile_d = hn_knn_tile_docs_setting;
	knn->tile_d = Max(knn->tile_d, TILE_MIN_DOCS);
	knn->tiles = palloc(sizeof(float *) * knn->nthreads);
	for (int t = 0; t < knn->nthreads; t++)
		knn->tiles[t] = MemoryContextAllocHuge(knn->cxt,
											   sizeof(float) * (Size) knn->tile_q * knn->tile_d);
}

HnKnn *
hn_knn_begin(const float *queries, int nq, int dim, HnMetric metric, int k,
			 HnKeyCompare key_cmp, void *key_cmp_arg)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hardneg exact k-NN",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	HnKnn	   *knn = palloc0(sizeof(HnKnn));
	HnScored   *store;

	Assert(k >= 1 && dim >= 1 && nq >= 0);
	knn->cxt = cxt;
	knn->queries = queries;
	knn->nq = nq;
	knn->dim = dim;
	knn->metric = metric;
	knn->k = k;
	knn->key_cmp = key_cmp;
	knn->key_cmp_arg = key_cmp_arg;

	/*
	 * Error of one dot product in any order (sgemm) plus that of the fixed
	 * order re-score, plus a few roundings of norms and scaling; doubled.
	 */
	knn->margin = (float) ((2.0 * dim + 16.0) * ldexp(1.0, -24) * 2.0);

	knn->qnorm = palloc(sizeof(float) * Max(nq, 1));
	knn->qsq = palloc(sizeof(float) * Max(nq, 1));
	for (int q = 0; q < nq; q++)
	{
		knn->qsq[q] = hn_norm_sq(queries + (int64) q * dim, dim);
		knn->qnorm[q] = sqrtf(knn->qsq[q]);
		if (metric == HN_METRIC_COSINE && knn->qsq[q] == 0.0f)
			zero_vector_error("queries", q);
	}
	knn->heaps = palloc(sizeof(HnTopK) * Max(nq, 1));
	store = MemoryContextAllocHuge(cxt, sizeof(HnScored) * (Size) Max(nq, 1) * k);
	for (int q = 0; q < nq; q++)
		hn_topk_init(&knn->heaps[q], k, store + (int64) q * k);
	if (key_cmp != NULL)
	{
		/* allocated here: worker threads must not palloc */
		HnScored   *tstore = MemoryContextAllocHuge(cxt, sizeof(HnScored) * (Size) Max(nq, 1) * 2 * k);

		knn->ties = palloc(sizeof(HnScored *) * Max(nq, 1));
		knn->nties = palloc0(sizeof(int) * Max(nq, 1));
		for (int q = 0; q < nq; q++)
			knn->ties[q] = tstore + (int64) q * 2 * k;
	}
	plan_tiles(knn);
	MemoryContextSwitchTo(old);
	return knn;
}

/* ---------- ties under key_cmp ---------- */

typedef struct TieOrder
{
	HnKeyCompare cmp;
	void	   *arg;
} TieOrder;

/* Best first: higher score, then the smaller id by key_cmp. */
static int
tie_order_cmp(const void *pa, const void *pb, void *arg)
{
	const HnScored *a = pa;
	const HnScored *b = pb;
	const TieOrder *order = arg;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return order->cmp(a->key, b->key, order->arg);
}

static void
sort_by_ids(HnKnn *knn, HnScored *items, int n)
{
	TieOrder	order = {knn->key_cmp, knn->key_cmp_arg};

	qsort_arg(items, n, sizeof(HnScored), tie_order_cmp, &order);
}

/*
 * Remembers an entry whose score equals query q's k-th score but which is
 * not in the heap.  Only the k smallest ids of such entries can matter.
 */
static void
tie_add(HnKnn *knn, int q, HnScored x)
{
	int			cap = 2 * knn->k;

	if (knn->nties[q] == cap)
	{
		sort_by_ids(knn, knn->ties[q], cap);
		knn->nties[q] = knn->k;
	}
	knn->ties[q][knn->nties[q]++] = x;
}

/* Offers an exactly scored document to query q's heap. */
static void
offer(HnKnn *knn, int q, float score, int64 key)
{
	HnTopK	   *heap = &knn->heaps[q];
	HnScored	root;

	if (heap->n < heap->k)
	{
		hn_topk_push(heap, score, key);
		return;
	}
	root = heap->items[0];
	if (hn_topk_admits(heap, score, key))
	{
		hn_topk_push(heap, score, key);
		if (knn->key_cmp == NULL)
			return;
		if (knn->nties[q] > 0 && knn->ties[q][0].score < heap->items[0].score)
			knn->nties[q] = 0;	/* the k-th score rose past the ties */
		if (root.score == heap->items[0].score)
			tie_add(knn, q, root);
	}
	else if (knn->key_cmp != NULL && score == root.score)
	{
		HnScored	x = {score, key};

		tie_add(knn, q, x);
	}
}

/* ---------- scoring ---------- */

/*
 * The sgemm value a candidate must reach for query q, in the units of the
 * tile after the per-document transform of scan_row (see there).
 */
static float
threshold(const HnKnn *knn, int q, float dmax)
{
	const HnTopK *heap = &knn->heaps[q];
	float		m;

	if (heap->n < heap->k)
		return -INFINITY;
	m = heap->items[0].score;
	switch (knn->metric)
	{
		case HN_METRIC_IP:
			return m - knn->margin * knn->qnorm[q] * dmax;
		case HN_METRIC_COSINE:
			return (m - knn->margin) * knn->qnorm[q];
		case HN_METRIC_L2:
			{
				float		r = knn->qnorm[q] + dmax;

				return knn->qsq[q] - m * m - knn->margin * r * r;
			}
	}
	return -INFINITY;
}

/*
 * Scans one query's row of the tile.  Transformed values:
 *	ip:		q.d
 *	cosine: q.d / |d|			(= cos * |q|)
 *	l2:		2 q.d - |d|^2		(= |q|^2 - dist^2)
 * so that "higher is closer" holds in every metric without a square root.
 */
static void
scan_row(HnKnn *knn, int q, const float *row, int nd,
		 const float *docs, const int64 *keys, int64 d0, float dmax)
{
	const float *qv = knn->queries + (int64) q * knn->dim;
	float		thr = threshold(knn, q, dmax);

	for (int j = 0; j < nd; j++)
	{
		float		v = row[j];

		if (knn->metric == HN_METRIC_COSINE)
			v *= knn->dinv[d0 + j];
		else if (knn->metric == HN_METRIC_L2)
			v = 2.0f * v - knn->dsq[d0 + j];
		if (v >= thr)
		{
			const float *dv = docs + (d0 + j) * knn->dim;

			offer(knn, q, hn_knn_pair_score(knn->metric, qv, dv, knn->dim),
				  keys[d0 + j]);
			thr = threshold(knn, q, dmax);
		}
	}
}

/* Norms of a chunk's documents; returns the largest norm. */
static float
chunk_norms(HnKnn *knn, const float *docs, int64 ndocs)
{
	float		dmax = 0.0f;

	if (ndocs > knn->dcap)
	{
		if (knn->dsq != NULL)
		{
			pfree(knn->dsq);
			pfree(knn->dinv);
		}
		knn->dcap = Max(ndocs, 2 * knn->dcap);
		knn->dsq = MemoryContextAllocHuge(knn->cxt, sizeof(float) * knn->dcap);
		knn->dinv = MemoryContextAllocHuge(knn->cxt, sizeof(float) * knn->dcap);
	}
	for (int64 j = 0; j < ndocs; j++)
	{
		float		sq = hn_norm_sq(docs + j * knn->dim, knn->dim);

		if (knn->metric == HN_METRIC_COSINE && sq == 0.0f)
			zero_vector_error("corpus", knn->seen + j);
		knn->dsq[j] = sq;
		knn->dinv[j] = sq > 0.0f ? 1.0f / sqrtf(sq) : 0.0f;
		dmax = Max(dmax, sqrtf(sq));
	}
	/* one ulp up, so the margin bounds use an upper bound of every |d| */
	return nextafterf(dmax, INFINITY);
}

/* One thread's share of a round: queries [q_begin, q_end) x one doc tile. */
typedef struct TileWork
{
	HnKnn	   *knn;
	const float *docs;
	const int64 *keys;
	int64		d0;
	int			nd;
	float		dmax;
	int			q_begin;
	int			q_end;
	float	   *tile;
} TileWork;

/* Runs on worker threads: BLAS and pure C over the kernel's arrays only. */
static void
run_share(TileWork *w)
{
	HnKnn	   *knn = w->knn;

	for (int q0 = w->q_begin; q0 < w->q_end; q0 += knn->tile_q)
	{
		int			nq = Min(w->q_end - q0, knn->tile_q);

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, w->nd, knn->dim,
					1.0f, knn->queries + (int64) q0 * knn->dim, knn->dim,
					w->docs + w->d0 * knn->dim, knn->dim,
					0.0f, w->tile, w->nd);
		for (int i = 0; i < nq; i++)
			scan_row(knn, q0 + i, w->tile + (int64) i * w->nd, w->nd,
					 w->docs, w->keys, w->d0, w->dmax);
	}
}

static void
tile_share(void *arg, int t, int nt)
{
	run_share(&((TileWork *) arg)[t]);
}

/* One round: a document tile against every query, the queries split among the threads. */
static void
score_round(HnKnn *knn, const float *docs, const int64 *keys,
			int64 d0, int nd, float dmax)
{
	TileWork	work[HN_PARALLEL_MAX];
	int			nt = knn->nthreads;

	for (int t = 0; t < nt; t++)
	{
		TileWork   *w = &work[t];

		w->knn = knn;
		w->docs = docs;
		w->keys = keys;
		w->d0 = d0;
		w->nd = nd;
		w->dmax = dmax;
		w->q_begin = (int) ((int64) knn->nq * t / nt);
		w->q_end = (int) ((int64) knn->nq * (t + 1) / nt);
		w->tile = knn->tiles[t];
	}
	/* one share: a multi-threaded sgemm instead */
	if (nt == 1)
		openblas_set_num_threads(hn_blas_threads());
	hn_parallel_run(nt, tile_share, work);
}

void
hn_knn_add(HnKnn *knn, const float *docs, int64 ndocs, const int64 *keys)
{
	float		dmax;

	Assert(!knn->finished);
	if (ndocs <= 0 || knn->nq == 0)
	{
		knn->seen += Max(ndocs, 0);
		return;
	}
	dmax = chunk_norms(knn, docs, ndocs);
	for (int64 d0 = 0; d0 < ndocs; d0 += knn->tile_d)
	{
		CHECK_FOR_INTERRUPTS();
		score_round(knn, docs, keys, d0, (int) Min(ndocs - d0, (int64) knn->tile_d), dmax);
	}
	knn->seen += ndocs;
}

/* ---------- one set against itself ---------- */

/*
 * The rows of one set are its queries and its documents: the dot products
 * form a symmetric matrix, so each tile X_I X_J^T with I <= J serves both
 * the queries of block I (its rows) and those of block J (its columns), and
 * half the sgemm work of hn_knn_add is saved.  Tiles are scheduled in rounds
 * of disjoint block pairs (a round-robin tournament, plus one round of the
 * diagonal tiles), so the threads of a round never touch the same heap.
 */
typedef struct SelfWork
{
	HnKnn	   *knn;
	const int64 *keys;
	float		dmax;
	bool		include_self;
	int			block;			/* rows per block */
	const int  *pairs;			/* this round's pairs: block numbers I <= J */
	int			npairs;
	float	   *tile;			/* block x block */
	float	   *thr_col;		/* block */
} SelfWork;

/* scan_row's transform of a dot product with document row d */
static inline float
transformed(const HnKnn *knn, float dot, int64 d)
{
	if (knn->metric == HN_METRIC_COSINE)
		return dot * knn->dinv[d];
	if (knn->metric == HN_METRIC_L2)
		return 2.0f * dot - knn->dsq[d];
	return dot;
}

/*
 * Offers every pair of the tile (I, J) to the heaps of both its rows: the
 * tile's rows as queries of block I, its columns as queries of block J (on
 * the diagonal only the pairs above it, and a row's own pair when asked).
 * Thresholds only pre-select (see scan_row); one that has gone stale is
 * lower than the current one and admits more candidates, never fewer.
 */
static void
scan_pair(SelfWork *w, int bi, int bj)
{
	HnKnn	   *knn = w->knn;
	int			dim = knn->dim;
	int64		i0 = (int64) bi * w->block;
	int64		j0 = (int64) bj * w->block;
	int			ni = (int) Min(w->block, knn->nq - i0);
	int			nj = (int) Min(w->block, knn->nq - j0);
	const float *x = knn->queries;

	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ni, nj, dim,
				1.0f, x + i0 * dim, dim, x + j0 * dim, dim, 0.0f, w->tile, nj);
	for (int c = 0; c < nj; c++)
		w->thr_col[c] = threshold(knn, (int) (j0 + c), w->dmax);
	for (int r = 0; r < ni; r++)
	{
		int64		q = i0 + r;
		const float *xq = x + q * dim;
		const float *row = w->tile + (int64) r * nj;
		float		thr = threshold(knn, (int) q, w->dmax);
		int			c0 = 0;

		if (bi == bj)
		{
			if (w->include_self)
			{
				offer(knn, (int) q, hn_knn_pair_score(knn->metric, xq, xq, dim), w->keys[q]);
				thr = threshold(knn, (int) q, w->dmax);
			}
			c0 = r + 1;
		}
		for (int c = c0; c < nj; c++)
		{
			int64		d = j0 + c;
			const float *xd = x + d * dim;

			if (transformed(knn, row[c], d) >= thr)
			{
				offer(knn, (int) q, hn_knn_pair_score(knn->metric, xq, xd, dim), w->keys[d]);
				thr = threshold(knn, (int) q, w->dmax);
			}
			if (transformed(knn, row[c], q) >= w->thr_col[c])
			{
				offer(knn, (int) d, hn_knn_pair_score(knn->metric, xd, xq, dim), w->keys[q]);
				w->thr_col[c] = threshold(knn, (int) d, w->dmax);
			}
		}
	}
}

static void
self_share(void *arg, int t, int nt)
{
	SelfWork   *w = &((SelfWork *) arg)[t];
	int64		begin,
				end;

	hn_parallel_range(w->npairs, t, nt, &begin, &end);
	for (int64 p = begin; p < end; p++)
		scan_pair(w, w->pairs[2 * p], w->pairs[2 * p + 1]);
}

/*
 * Round r (0 <= r < m - 1) of the circle method over m (even) players: m - 1
 * stays, the others turn.  Pairs holding the bye (player nb, when nb is odd)
 * are left out.  Returns the pairs written, smaller block first.
 */
static int
tournament_round(int nb, int m, int r, int *pairs)
{
	int			np = 0;

	for (int i = 0; i < m / 2; i++)
	{
		int			a = i == 0 ? m - 1 : (r + i) % (m - 1);
		int			b = (r - i + (m - 1)) % (m - 1);

		if (a >= nb || b >= nb)
			continue;
		pairs[2 * np] = Min(a, b);
		pairs[2 * np + 1] = Max(a, b);
		np++;
	}
	return np;
}

/* Runs the pairs of one round, a bounded number of multiply-adds per thread at a time. */
static void
self_round(SelfWork *work, int nt, const int *pairs, int npairs)
{
	HnKnn	   *knn = work[0].knn;
	double		pair_madds = (double) work[0].block * work[0].block * knn->dim;
	int			step = nt * (int) Max(1, ROUND_MAX_MADDS / pair_madds);

	for (int p0 = 0; p0 < npairs; p0 += step)
	{
		int			np = Min(step, npairs - p0);
		int			used = Min(nt, np);

		CHECK_FOR_INTERRUPTS();
		for (int t = 0; t < used; t++)
		{
			work[t].pairs = pairs + 2 * p0;
			work[t].npairs = np;
		}
		hn_parallel_run(used, self_share, work);
	}
}

void
hn_knn_self(HnKnn *knn, const int64 *keys, bool include_self)
{
	SelfWork	work[HN_PARALLEL_MAX];
	int64		n = knn->nq;
	int			threads = hn_blas_threads();
	size_t		floats = hn_knn_tile_bytes() / sizeof(float);
	int			block;
	int			nb,
				m;
	int		   *pairs;
	float		dmax;

	Assert(!knn->finished && knn->seen == 0);
	if (n == 0)
		return;
	dmax = chunk_norms(knn, knn->queries, n);
	/* square tiles within the tile memory of every thread */
	block = (int) Min(sqrt((double) floats / threads), TILE_MAX_QUERIES);
	if (hn_knn_tile_docs_setting > 0)
		block = hn_knn_tile_docs_setting;
	block = (int) Max(Min(block, n), TILE_MIN_DOCS);
	nb = (int) ((n + block - 1) / block);
	m = nb + (nb & 1);
	threads = Min(threads, Max(nb / 2, 1));
	pairs = palloc(sizeof(int) * 2 * nb);
	for (int t = 0; t < threads; t++)
	{
		work[t].knn = knn;
		work[t].keys = keys;
		work[t].dmax = dmax;
		work[t].include_self = include_self;
		work[t].block = block;
		work[t].tile = MemoryContextAllocHuge(knn->cxt, sizeof(float) * (Size) block * block);
		work[t].thr_col = MemoryContextAlloc(knn->cxt, sizeof(float) * block);
	}
	/* one thread: a multi-threaded sgemm instead */
	if (threads == 1)
		openblas_set_num_threads(hn_blas_threads());
	for (int b = 0; b < nb; b++)
		pairs[2 * b] = pairs[2 * b + 1] = b;
	self_round(work, threads, pairs, nb);
	for (int r = 0; r < m - 1; r++)
		self_round(work, threads, pairs, tournament_round(nb, m, r, pairs));
	pfree(pairs);
	knn->seen += n;
}

/* ---------- results ---------- */

static void
finish_query(HnKnn *knn, int q)
{
	HnTopK	   *heap = &knn->heaps[q];
	int			n = hn_topk_sorted(heap);
	int			nt = knn->key_cmp ? knn->nties[q] : 0;
	HnScored   *items = heap->items;

	if (nt > 0)
	{
		items = MemoryContextAlloc(knn->cxt, sizeof(HnScored) * (n + nt));
		memcpy(items, heap->items, sizeof(HnScored) * n);
		memcpy(items + n, knn->ties[q], sizeof(HnScored) * nt);
	}
	if (knn->key_cmp != NULL)
		sort_by_ids(knn, items, n + nt);
	knn->results[q] = items;
	knn->nresults[q] = n;		/* ties only replace, never add */
}

void
hn_knn_finish(HnKnn *knn)
{
	MemoryContext old = MemoryContextSwitchTo(knn->cxt);

	Assert(!knn->finished);
	knn->results = palloc(sizeof(HnScored *) * Max(knn->nq, 1));
	knn->nresults = palloc(sizeof(int) * Max(knn->nq, 1));
	for (int q = 0; q < knn->nq; q++)
	{
		CHECK_FOR_INTERRUPTS();
		finish_query(knn, q);
	}
	knn->finished = true;
	MemoryContextSwitchTo(old);
}

int
hn_knn_result(HnKnn *knn, int q, const HnScored **items)
{
	Assert(knn->finished && q >= 0 && q < knn->nq);
	*items = knn->results[q];
	return knn->nresults[q];
}

int64
hn_knn_docs_seen(const HnKnn *knn)
{
	return knn->seen;
}

void
hn_knn_free(HnKnn *knn)
{
	MemoryContextDelete(knn->cxt);
}

void
hn_knn_score_pairs(HnMetric metric, int dim,
				   const float *queries, const int64 *qrow,
				   const float *docs, const int64 *drow,
				   int64 n, float *out)
{
	for (int64 i = 0; i < n; i++)
	{
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		out[i] = hn_knn_pair_score(metric, queries + qrow[i] * dim,
								   docs + drow[i] * dim, dim);
	}
}
