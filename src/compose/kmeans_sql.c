/*
 * kmeans_sql.c
 *		kmeans() and kmeans_centroids(): the shared k-means kernel
 *		(kernels/kmeans.c, k-means++ seeding and sgemm Lloyd rounds) over
 *		the caller's items, best of n_init restarts by inertia.
 */
#include "postgres.h"

#include <math.h>

#include "compose/compose.h"
#include "embedding/embedding.h"
#include "falseneg/inputs.h"
#include "io/srf.h"
#include "kernels/kmeans.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/*
 * Output numbers clusters 1..k by their smallest member id, so the numbers
 * depend on the partition only; clusters left empty come last.
 */
static void
renumber(HnCluster *r, const int *assign, const float *cen)
{
	int		   *map = palloc(sizeof(int) * r->k);
	int			next = 1;
	int			dim = r->it->dim;

	for (int c = 0; c < r->k; c++)
		map[c] = 0;
	for (int64 i = 0; i < r->it->n; i++)
		if (map[assign[i]] == 0)
			map[assign[i]] = next++;
	for (int c = 0; c < r->k; c++)
		if (map[c] == 0)
			map[c] = next++;
	r->size = palloc0(sizeof(int64) * r->k);
	for (int64 i = 0; i < r->it->n; i++)
	{
		r->cluster[i] = map[assign[i]];
		r->size[map[assign[i]] - 1]++;
	}
	for (int c = 0; c < r->k; c++)
		memcpy(r->centroids + (size_t) (map[c] - 1) * dim, cen + (size_t) c * dim,
			   sizeof(float) * dim);
	pfree(map);
}

void
hn_compose_cluster(HnCluster *r, int k, uint64 seed, int max_iter, int n_init)
{
	double		best = INFINITY;
	float	   *cen,
			   *best_cen;
	int		   *assign,
			   *best_assign;
	int			dim = r->it->dim;
	int64		n = r->it->n;

	if (k > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k (%d) exceeds the number of items (" INT64_FORMAT ")", k, n),
				 errhint("Ask for at most as many clusters as there are items.")));
	if (n > PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("k-means handles at most %d items", PG_INT32_MAX / 2),
				 errhint("Cluster a sample, then assign the rest with knn_search on the centroids.")));
	r->k = k;
	r->x = r->cosine ? hn_compose_normalized(r->it->vec, n, dim, "items") : r->it->vec;
	cen = palloc(sizeof(float) * (size_t) k * dim);
	best_cen = palloc(sizeof(float) * (size_t) k * dim);
	assign = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * n);
	best_assign = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * n);
	for (int run = 0; run < n_init; run++)
	{
		double		inertia = hn_kmeans_pp(r->x, (int) n, dim, k, max_iter,
										   r->cosine, seed, run, cen, assign);

		/* a strictly better restart wins: ties keep the earlier run */
		if (inertia < best)
		{
			best = inertia;
			memcpy(best_cen, cen, sizeof(float) * (size_t) k * dim);
			memcpy(best_assign, assign, sizeof(int) * n);
		}
	}
	r->centroids = palloc(sizeof(float) * (size_t) k * dim);
	r->cluster = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * n);
	renumber(r, best_assign, best_cen);
	pfree(cen);
	pfree(assign);
}

static void
run_kmeans(FunctionCallInfo fcinfo, HnCluster *r, HnItems *it)
{
	char	   *sql = hn_fn_text_arg(fcinfo, 0, "items");
	int			k = hn_compose_int_arg(fcinfo, 1, "k", 1, 1000000);
	uint64		seed = hn_compose_seed_arg(fcinfo, 2);
	int			max_iter = hn_compose_int_arg(fcinfo, 3, "max_iter", 0, 100000);
	int			n_init = hn_compose_int_arg(fcinfo, 4, "n_init", 1, 1000);
	char	   *metric = hn_fn_text_arg(fcinfo, 5, "metric");

	if (strcmp(metric, "l2") != 0 && strcmp(metric, "cosine") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means metric must be 'l2' or 'cosine', not \"%s\"", metric),
				 errhint("'cosine' runs spherical k-means on unit-length vectors.")));
	r->cosine = strcmp(metric, "cosine") == 0;
	hn_items_read(it, "items", sql, HN_ITEMS_VECTOR);
	r->it = it;
	hn_compose_cluster(r, k, seed, max_iter, n_init);
}

/* Euclidean distance, or 1 - cos for spherical k-means. */
static double
row_distance(const HnCluster *r, int64 i)
{
	const float *c = r->centroids + (size_t) (r->cluster[i] - 1) * r->it->dim;

	if (r->cosine)
		return hn_cosine_distance(r->it->vec + i * r->it->dim, c, r->it->dim);
	return sqrt((double) hn_l2sq(r->it->vec + i * r->it->dim, c, r->it->dim));
}

/* kmeans(items, k, seed, max_iter, n_init, metric[, id_type]) */
PG_FUNCTION_INFO_V1(hardneg_kmeans);
Datum
hardneg_kmeans(PG_FUNCTION_ARGS)
{
	Oid			id_type = hn_fn_id_type(fcinfo, 6);
	HnCluster	r;
	HnItems		it;
	HnSrf		srf;

	hn_srf_begin(fcinfo, &srf);
	run_kmeans(fcinfo, &r, &it);
	for (int64 i = 0; i < r.it->n; i++)
	{
		Datum		v[3];
		bool		nulls[3] = {0};

		v[0] = hn_ids_datum(&r.it->ids, i, id_type);
		v[1] = Int32GetDatum(r.cluster[i]);
		v[2] = Float8GetDatum(row_distance(&r, i));
		hn_srf_put(&srf, v, nulls);
	}
	PG_RETURN_NULL();
}

/* kmeans_centroids(items, k, seed, max_iter, n_init, metric) */
PG_FUNCTION_INFO_V1(hardneg_kmeans_centroids);
Datum
hardneg_kmeans_centroids(PG_FUNCTION_ARGS)
{
	HnCluster	r;
	HnItems		it;
	HnSrf		srf;

	hn_srf_begin(fcinfo, &srf);
	run_kmeans(fcinfo, &r, &it);
	for (int c = 0; c < r.k; c++)
	{
		Datum		v[3];
		bool		nulls[3] = {0};
		Embedding  *e = embedding_new(r.it->dim);

		memcpy(e->x, r.centroids + (size_t) c * r.it->dim, sizeof(float) * r.it->dim);
		v[0] = Int32GetDatum(c + 1);
		v[1] = Int64GetDatum(r.size[c]);
		v[2] = PointerGetDatum(e);
		hn_srf_put(&srf, v, nulls);
	}
	PG_RETURN_NULL();
}
