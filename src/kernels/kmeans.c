/*
 * kmeans.c
 *		Lloyd's k-means on the shared distance kernels (see kmeans.h).
 */
#include "postgres.h"

#include <math.h>
#include <cblas.h>

#include "kernels/distance.h"
#include "kernels/kmeans.h"
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

/*
 * Nearest centroid of each row in squared L2, a block of rows at a time:
 * |x - c|^2 = |x|^2 - 2 x.c + |c|^2, and |x|^2 does not change the argmin,
 * so one sgemm per block gives every comparison.  OpenBLAS runs on one
 * thread here: its threads must not outlive the call or touch the backend.
 */
void
hn_assign_nearest(const float *x, int n, int dim, const float *centroids, int k, int *assign)
{
	float	   *csq = palloc(sizeof(float) * k);
	float	   *dots = palloc(sizeof(float) * (Size) ASSIGN_BLOCK * k);

	openblas_set_num_threads(1);
	for (int c = 0; c < k; c++)
		csq[c] = hn_norm_sq(centroids + (Size) c * dim, dim);
	for (int start = 0; start < n; start += ASSIGN_BLOCK)
	{
		int			rows = Min(ASSIGN_BLOCK, n - start);

		CHECK_FOR_INTERRUPTS();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, dim,
					1.0f, x + (Size) start * dim, dim, centroids, dim, 0.0f, dots, k);
		for (int i = 0; i < rows; i++)
		{
			const float *d = dots + (Size) i * k;
			int			best = 0;
			float		bestd = INFINITY;

			for (int c = 0; c < k; c++)
			{
				float		v = csq[c] - 2.0f * d[c];

				if (v < bestd)
				{
					bestd = v;
					best = c;
				}
			}
			assign[start + i] = best;
		}
	}
	pfree(csq);
	pfree(dots);
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

/*
 * Recomputes centroids as the means of their rows; an empty cluster takes a
 * random row so that every list of the index stays useful.
 */
static void
kmeans_update(const float *x, int n, int dim, int k, bool spherical, uint64 seed,
			  int round, const int *assign, float *centroids)
{
	double	   *sums = palloc0(sizeof(double) * (size_t) k * dim);
	int		   *counts = palloc0(sizeof(int) * k);

	for (int i = 0; i < n; i++)
	{
		double	   *s = sums + (size_t) assign[i] * dim;
		const float *v = x + (size_t) i * dim;

		counts[assign[i]]++;
		for (int j = 0; j < dim; j++)
			s[j] += v[j];
	}
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

/*
 * k-means++ seeding (Arthur and Vassilvitskii): the first centroid is a
 * uniform row, each next one a row drawn with probability proportional to
 * its squared distance to the nearest centroid so far.  Draw d of run r is
 * keyed (seed, r, d), so runs of n_init are independent and reproducible.
 */
static void
kmeanspp_init(const float *x, int n, int dim, int k, uint64 seed, uint64 run,
			  float *centroids)
{
	double	   *mind = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	int			first = (int) (hn_uniform(seed, HN_STREAM_KMEANS, 1000 + run, 0, 0) * n);
	double		total = 0;

	memcpy(centroids, x + (size_t) first * dim, sizeof(float) * dim);
	for (int i = 0; i < n; i++)
		total += (mind[i] = hn_l2sq(x + (size_t) i * dim, centroids, dim));
	for (int c = 1; c < k; c++)
	{
		double		u = hn_uniform(seed, HN_STREAM_KMEANS, 1000 + run, c, 0);
		int			pick = total > 0 ? weighted_pick(mind, n, u * total) : (int) (u * n);
		float	   *cen = centroids + (size_t) c * dim;

		CHECK_FOR_INTERRUPTS();
		memcpy(cen, x + (size_t) pick * dim, sizeof(float) * dim);
		total = 0;
		for (int i = 0; i < n; i++)
		{
			double		d = hn_l2sq(x + (size_t) i * dim, cen, dim);

			if (d < mind[i])
				mind[i] = d;
			total += mind[i];
		}
	}
	pfree(mind);
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
