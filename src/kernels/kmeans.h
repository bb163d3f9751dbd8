/*
 * kmeans.h
 *		Lloyd's k-means over a row-major float matrix (pure arrays).
 */
#ifndef HN_KMEANS_H
#define HN_KMEANS_H

#include "postgres.h"

/*
 * Clusters x[n][dim] into k centroids (written to centroids[k][dim]) with
 * `iterations` Lloyd rounds; assign[n] receives each row's cluster.  With
 * spherical = true, centroids are renormalised to unit length after each
 * update (for cosine on unit vectors).  Initial centroids are rows drawn
 * with the counter-based RNG under `seed`, so the result is deterministic.
 * Requires 1 <= k <= n.  Checks for interrupts between rounds.
 */
extern void hn_kmeans(const float *x, int n, int dim, int k, int iterations,
					  bool spherical, uint64 seed, float *centroids, int *assign);

/*
 * k-means++ seeding, then Lloyd rounds (at most `iterations`, fewer when no
 * row changes cluster); run numbers the restarts of n_init under one seed.
 * Returns the inertia: the sum of squared L2 distances to the centroids.
 */
extern double hn_kmeans_pp(const float *x, int n, int dim, int k, int iterations,
						   bool spherical, uint64 seed, uint64 run,
						   float *centroids, int *assign);

/* assign[i] = nearest centroid of row i (squared L2), by blocks of sgemm. */
extern void hn_assign_nearest(const float *x, int n, int dim, const float *centroids,
							  int k, int *assign);

/* Index of the centroid nearest to v in squared L2 distance. */
extern int	hn_nearest_centroid(const float *v, const float *centroids, int k, int dim);

#endif							/* HN_KMEANS_H */
