/*
 * kmeans.c
 *		Lloyd's k-means on the shared distance kernels (see kmeans.h).
 */
#include "postgres.h"

#include <math.h>

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

void
hn_kmeans(const float *x, int n, int dim, int k, int iterations,
		  bool spherical, uint64 seed, float *centroids, int *assign)
{
	Assert(k >= 1 && k <= n);
	kmeans_init(x, n, dim, k, seed, centroids);
	for (int round = 0; round <= iterations; round++)
	{
		bool		changed = false;

		for (int i = 0; i < n; i++)
		{
			int			c = hn_nearest_centroid(x + (size_t) i * dim, centroids, k, dim);

			if (round == 0 || c != assign[i])
				changed = true;
			assign[i] = c;
			if ((i & 255) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		/* the last round only assigns, so assign[] matches centroids */
		if (round == iterations || !changed)
			break;
		kmeans_update(x, n, dim, k, spherical, seed, round, assign, centroids);
	}
}
