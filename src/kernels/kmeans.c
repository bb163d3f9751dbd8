/*
 * kmeans.c
 *		Lloyd's k-means on the shared distance kernels (see kmeans.h).
 */
#include "postgres.h"

#include <math.h>
#include <cblas.h>

#include "kernels/distance.h"
#include "kernels/exact_knn.h"
#include "kernels/kmeans.h"
#include "kernels/parallel.h"
#include "kernels/rng.h"
#include "miscadmin.h"

int
hn_nearest_centroid(const float *v, const float *centroids, int k, int dim)
{
	int			best = 0;
	float		bestd = INFINITY;

	for (int c = 0; c < k; c++)
	{
		float		d = hn_l2sq(v, centroids + (size_t) c * dim, dim);

		if (d < bestd)
		{
			bestd = d;
			best = c;
		}
	}
	return best;
}

#define ASSIGN_BLOCK 512
/* sgemm multiply-adds of one round of blocks (between two interrupt checks) */
#define ASSIGN_ROUND_MADDS	((double) (1 << 30))

typedef struct AssignWork
{
	const float *x;
	int			dim;
	const float *centroids;
	int			k;
	const float *csq;			/* |c|^2 */
	int		   *assign;
	int64		block0;			/* first block of the round */
	int64		nblocks;		/* blocks in the round */
	int64		n;
	float	  **dots;			/* per share: ASSIGN_BLOCK x k */
} AssignWork;

/*
 * One block of rows: |x - c|^2 = |x|^2 - 2 x.c + |c|^2, and |x|^2 does not
 * change the argmin, so one sgemm gives every comparison.  Blocks always
 * start at multiples of ASSIGN_BLOCK, so the sums, and the result, are the
 * same with any number of threads.
 */
static void
assign_block(const AssignWork *w, int64 block, float *dots)
{
	int64		start = block * ASSIGN_BLOCK;
	int			rows = (int) Min(ASSIGN_BLOCK, w->n - start);

	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, w->k, w->dim,
				1.0f, w->x + (Size) start * w->dim, w->dim, w->centroids, w->dim, 0.0f, dots, w->k);
	for (int i = 0; i < rows; i++)
	{
		const float *d = dots + (Size) i * w->k;
		int			best = 0;
		float		bestd = INFINITY;

		for (int c = 0; c < w->k; c++)
		{
			float		v = w->csq[c] - 2.0f * d[c];

			if (v < bestd)
			{
				bestd = v;
				best = c;
			}
		}
		w->assign[start + i] = best;
	}
}

static void
assign_share(void *arg, int t, int nt)
{
	AssignWork *w = arg;
	int64		b0,
				b1;

	hn_parallel_range(w->nblocks, t, nt, &b0, &b1);
	for (int64 b = b0; b < b1; b++)
		assign_block(w, w->block0 + b, w->dots[t]);
}

/*
 * Nearest centroid of each row in squared L2, blocks of rows shared among
 * hardneg.blas_threads threads (one single-threaded sgemm each).
 */
void
hn_assign_nearest(const float *x, int n, int dim, const float *centroids, int k, int *assign)
{
	AssignWork	w;
	int64		blocks = (n + ASSIGN_BLOCK - 1) / ASSIGN_BLOCK;
	int			nt = (int) Min((int64) hn_blas_threads(), Max(blocks, 1));
	int64		per_round = Max((int64) (ASSIGN_ROUND_MADDS / ((double) ASSIGN_BLOCK * k * dim)), 1) * nt;
	float	   *csq = palloc(sizeof(float) * k);

	w.x = x;
	w.dim = dim;
	w.centroids = centroids;
	w.k = k;
	w.csq = csq;
	w.assign = assign;
	w.n = n;
	w.dots = palloc(sizeof(float *) * nt);
	for (int t = 0; t < nt; t++)
		w.dots[t] = palloc(sizeof(float) * (Size) ASSIGN_BLOCK * k);
	for (int c = 0; c < k; c++)
		csq[c] = hn_norm_sq(centroids + (Size) c * dim, dim);
	for (int64 b = 0; b < blocks; b += per_round)
	{
		CHECK_FOR_INTERRUPTS();
		w.block0 = b;
		w.nblocks = Min(per_round, blocks - b);
		if (nt == 1)
			openblas_set_num_threads(1);
		hn_parallel_run(nt, assign_share, &w);
	}
	for (int t = 0; t < nt; t++)
		pfree(w.dots[t]);
	pfree(w.dots);
	pfree(csq);
}

/* Distinct random rows as the starting centroids (partial Fisher-Yates). */
static void
kmeans_init(const float *x, int n, int dim, int k, uint64 seed, float *centroids)
{
	int		   *perm = palloc(sizeof(int) * n);

	for (int i = 0; i < n; i++)
		perm[i] = i;
	for (int i = 0; i < k; i++)
	{
		int			j = i + (int) (hn_uniform(seed, HN_STREAM_KMEANS, 0, i, 0) * (n - i));
		int			t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
		memcpy(centroids + (size_t) i * dim, x + (size_t) perm[i] * dim, sizeof(float) * dim);
	}
	pfree(perm);
}

static void
normalize(float *v, int dim)
{
	float		norm = sqrtf(hn_norm_sq(v, dim));

	if (norm > 0.0f)
		for (int i = 0; i < dim; i++)
			v[i] /= norm;
}

typedef struct SumWork
{
	const float *x;
	int64		n;
	int			dim;
	const int  *assign;
	double	   *sums;			/* k x dim */
} SumWork;

/* Columns of share t: each sum still adds its rows in row order. */
static void
sum_share(void *arg, int t, int nt)
{
	SumWork    *w = arg;
	int64		j0,
				j1;

	hn_parallel_range(w->dim, t, nt, &j0, &j1);
	for (int64 i = 0; i < w->n; i++)
	{
		double	   *s = w->sums + (size_t) w->assign[i] * w->dim;
		const float *v = w->x + (size_t) i * w->dim;

		for (int64 j = j0; j < j1; j++)
			s[j] += v[j];
	}
}

/*
 * Recomputes centroids as the means of their rows; an empty cluster takes a
 * random row so that every list of the index stays useful.
 */
static void
kmeans_update(const float *x, int n, int dim, int k, bool spherical, uint64 seed,
			  int round, const int *assign, float *centroids)
{
	double	   *sums = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * (size_t) k * dim);
	int		   *counts = palloc0(sizeof(int) * k);
	SumWork		w = {x, n, dim, assign, sums};

	memset(sums, 0, sizeof(double) * (size_t) k * dim);
	for (int i = 0; i < n; i++)
		counts[assign[i]]++;
	/* at least 16 columns a share: fewer are not worth a thread */
	hn_parallel_run(Max(Min(hn_blas_threads(), dim / 16), 1), sum_share, &w);
	for (int c = 0; c < k; c++)
	{
		float	   *cen = centroids + (size_t) c * dim;

		if (counts[c] == 0)
		{
			int			r = (int) (hn_uniform(seed, HN_STREAM_KMEANS, 1 + round, c, 0) * n);

			memcpy(cen, x + (size_t) r * dim, sizeof(float) * dim);
			continue;
		}
		for (int j = 0; j < dim; j++)
			cen[j] = (float) (sums[(size_t) c * dim + j] / counts[c]);
		if (spherical)
			normalize(cen, dim);
	}
	pfree(sums);
	pfree(counts);
}

/* Lloyd rounds from the given centroids until no row changes cluster. */
static void
lloyd(const float *x, int n, int dim, int k, int iterations, bool spherical,
	  uint64 seed, float *centroids, int *assign)
{
	int		   *prev = palloc(sizeof(int) * n);

	for (int round = 0; round <= iterations; round++)
	{
		bool		changed = round == 0;

		memcpy(prev, assign, sizeof(int) * n);
		hn_assign_nearest(x, n, dim, centroids, k, assign);
		for (int i = 0; i < n && !changed; i++)
			changed = prev[i] != assign[i];
		/* the last round only assigns, so assign[] matches centroids */
		if (round == iterations || !changed)
			break;
		kmeans_update(x, n, dim, k, spherical, seed, round, assign, centroids);
	}
	pfree(prev);
}

void
hn_kmeans(const float *x, int n, int dim, int k, int iterations,
		  bool spherical, uint64 seed, float *centroids, int *assign)
{
	Assert(k >= 1 && k <= n);
	kmeans_init(x, n, dim, k, seed, centroids);
	lloyd(x, n, dim, k, iterations, spherical, seed, centroids, assign);
}

/* Row whose cumulative weight first exceeds target (weights >= 0). */
static int
weighted_pick(const double *w, int n, double target)
{
	double		acc = 0;

	for (int i = 0; i < n; i++)
	{
		acc += w[i];
		if (acc > target)
			return i;
	}
	/* rounding left target at the total: the last row with weight */
	for (int i = n - 1; i > 0; i--)
		if (w[i] > 0)
			return i;
	return 0;
}

/* Rows whose nearest centroid may be the new one: see seed_share. */
typedef struct SeedWork
{
	const float *x;
	int64		n;
	int			dim;
	const float *cen;			/* the new centroid */
	int			c;				/* its number */
	const double *cc;			/* |cen - centroid j|^2, j < c */
	double	   *mind;			/* squared distance to the nearest centroid */
	int		   *near;			/* that centroid */
} SeedWork;

/*
 * Triangle inequality: |x - new| >= |new - a| - |x - a| for the row's
 * nearest centroid a, so when |new - a|^2 >= 4 |x - a|^2 the new centroid
 * is not nearer and the row needs no distance.  The 1e-3 slack covers the
 * rounding of both squared distances (relative error below dim * 2^-24),
 * so the pruning changes no result.
 */
static void
seed_share(void *arg, int t, int nt)
{
	SeedWork   *w = arg;
	int64		b,
				e;

	hn_parallel_range(w->n, t, nt, &b, &e);
	for (int64 i = b; i < e; i++)
	{
		double		d;

		if (w->cc[w->near[i]] >= 4.004 * w->mind[i])
			continue;
		d = hn_l2sq(w->x + (size_t) i * w->dim, w->cen, w->dim);
		if (d < w->mind[i])
		{
			w->mind[i] = d;
			w->near[i] = w->c;
		}
	}
}

/*
 * k-means++ seeding (Arthur and Vassilvitskii): the first centroid is a
 * uniform row, each next one a row drawn with probability proportional to
 * its squared distance to the nearest centroid so far.  Draw d of run r is
 * keyed (seed, r, d), so runs of n_init are independent and reproducible.
 * The total is summed in row order on one thread, so the draws do not
 * depend on the number of threads.
 */
static void
kmeanspp_init(const float *x, int n, int dim, int k, uint64 seed, uint64 run,
			  float *centroids)
{
	double	   *mind = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	int		   *near = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * n);
	double	   *cc = palloc(sizeof(double) * k);
	int			first = (int) (hn_uniform(seed, HN_STREAM_KMEANS, 1000 + run, 0, 0) * n);
	int			nt = Max(Min(hn_blas_threads(), n / 4096), 1);
	double		total = 0;
	SeedWork	w = {x, n, dim, NULL, 0, cc, mind, near};

	memcpy(centroids, x + (size_t) first * dim, sizeof(float) * dim);
	for (int i = 0; i < n; i++)
	{
		total += (mind[i] = hn_l2sq(x + (size_t) i * dim, centroids, dim));
		near[i] = 0;
	}
	for (int c = 1; c < k; c++)
	{
		double		u = hn_uniform(seed, HN_STREAM_KMEANS, 1000 + run, c, 0);
		int			pick = total > 0 ? weighted_pick(mind, n, u * total) : (int) (u * n);
		float	   *cen = centroids + (size_t) c * dim;

		CHECK_FOR_INTERRUPTS();
		memcpy(cen, x + (size_t) pick * dim, sizeof(float) * dim);
		for (int j = 0; j < c; j++)
			cc[j] = hn_l2sq(cen, centroids + (size_t) j * dim, dim);
		w.cen = cen;
		w.c = c;
		hn_parallel_run(nt, seed_share, &w);
		total = 0;
		for (int i = 0; i < n; i++)
			total += mind[i];
	}
	pfree(mind);
	pfree(near);
	pfree(cc);
}

double
hn_kmeans_pp(const float *x, int n, int dim, int k, int iterations, bool spherical,
			 uint64 seed, uint64 run, float *centroids, int *assign)
{
	double		inertia = 0;

	Assert(k >= 1 && k <= n);
	kmeanspp_init(x, n, dim, k, seed, run, centroids);
	lloyd(x, n, dim, k, iterations, spherical, seed ^ (run * 0x9E3779B97F4A7C15ULL),
		  centroids, assign);
	for (int i = 0; i < n; i++)
		inertia += hn_l2sq(x + (size_t) i * dim, centroids + (size_t) assign[i] * dim, dim);
	return inertia;
}
