/*
 * batches.c
 *		assign_batches(): which queries share a training batch (mining.md
 *		5.2, 5.3, F7).  tas: TAS-Balanced topic batches over k-means
 *		clusters; ngame: NGAME's balanced recursive 2-means, whole clusters
 *		shuffled and cut into batches, clusters merging (doubling in size)
 *		at the epochs of a schedule; random: a seeded shuffle.  Every epoch
 *		holds every query exactly once.
 */
#include "postgres.h"

#include <math.h>

#include "compose/compose.h"
#include "falseneg/inputs.h"
#include "io/srf.h"
#include "kernels/kmeans.h"
#include "kernels/rng.h"
#include "miscadmin.h"
#include "utils/array.h"

typedef struct Batches
{
	HnItems		it;
	int			batch_size;
	int			n_clusters;
	int			per_batch;		/* clusters_per_batch */
	int			epochs;
	uint64		seed;
	bool		cosine;
	Oid			id_type;
	int		   *cluster;		/* 1-based, of the current epoch (NULL: random) */
	int			nclusters;		/* clusters of the current epoch */
	HnSrf		srf;
	/* the batch being written */
	int			epoch;
	int			batch_id;
	int			pos;
} Batches;

static void
put(Batches *b, int64 row)
{
	Datum		v[5];
	bool		nulls[5] = {false, false, false, false, b->cluster == NULL};

	if (b->pos == b->batch_size)
	{
		b->batch_id++;
		b->pos = 0;
	}
	v[0] = Int32GetDatum(b->epoch);
	v[1] = Int32GetDatum(b->batch_id);
	v[2] = Int32GetDatum(++b->pos);
	v[3] = hn_ids_datum(&b->it.ids, row, b->id_type);
	v[4] = Int32GetDatum(b->cluster ? b->cluster[row] : 0);
	hn_srf_put(&b->srf, v, nulls);
}

/* Random keys of this epoch, one per query, keyed by its id. */
static double *
epoch_keys(const Batches *b)
{
	double	   *key = palloc(sizeof(double) * b->it.n);

	for (int64 i = 0; i < b->it.n; i++)
		key[i] = hn_uniform(b->seed, HN_STREAM_BATCHES, b->epoch, hn_ids_hash(&b->it.ids, i), 0);
	return key;
}

static int
cmp_by_key(const void *a, const void *c, void *arg)
{
	const double *key = arg;
	int64		x = *(const int64 *) a,
				y = *(const int64 *) c;

	if (key[x] != key[y])
		return key[x] < key[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Rows grouped by cluster (1..nclusters), shuffled within each: start[] has nclusters + 1. */
static int64 *
members_by_cluster(const Batches *b, const double *key, int64 **start)
{
	int64	   *rows = palloc(sizeof(int64) * b->it.n);
	int64	   *fill;

	*start = palloc0(sizeof(int64) * (b->nclusters + 1));
	for (int64 i = 0; i < b->it.n; i++)
		(*start)[b->cluster[i]]++;
	for (int c = 0; c < b->nclusters; c++)
		(*start)[c + 1] += (*start)[c];
	fill = palloc(sizeof(int64) * b->nclusters);
	memcpy(fill, *start, sizeof(int64) * b->nclusters);
	for (int64 i = 0; i < b->it.n; i++)
		rows[fill[b->cluster[i] - 1]++] = i;
	for (int c = 0; c < b->nclusters; c++)
		qsort_arg(rows + (*start)[c], (*start)[c + 1] - (*start)[c], sizeof(int64), cmp_by_key,
				  (void *) key);
	pfree(fill);
	return rows;
}

/*
 * TAS-Balanced: each batch draws clusters uniformly (among those with
 * queries left) and takes batch_size / clusters_per_batch of a cluster's
 * queries without replacement; an exhausted cluster leaves the draw, so the
 * epoch covers every query once.
 */
static void
tas_epoch(Batches *b)
{
	double	   *key = epoch_keys(b);
	int64	   *start;
	int64	   *rows = members_by_cluster(b, key, &start);
	int64	   *next = palloc(sizeof(int64) * b->nclusters);
	int		   *open = palloc(sizeof(int) * b->nclusters);
	int			nopen = 0;
	int			q_per = Max(1, b->batch_size / b->per_batch);
	int64		draw = 0;

	for (int c = 0; c < b->nclusters; c++)
	{
		next[c] = start[c];
		if (start[c + 1] > start[c])
			open[nopen++] = c;
	}
	while (nopen > 0)
	{
		int			o = (int) (hn_uniform(b->seed, HN_STREAM_BATCHES, b->epoch, 1, draw++) * nopen);
		int			c = open[o];
		int			room = b->pos == b->batch_size ? b->batch_size : b->batch_size - b->pos;
		int64		take = Min(q_per, start[c + 1] - next[c]);

		CHECK_FOR_INTERRUPTS();
		/* a cluster's share never spills into the next batch */
		if (room < b->batch_size && take > room)
			take = room;
		for (int64 t = 0; t < take; t++)
			put(b, rows[next[c]++]);
		if (next[c] == start[c + 1])
			open[o] = open[--nopen];
	}
	pfree(key);
	pfree(rows);
	pfree(start);
	pfree(next);
	pfree(open);
}

/* NGAME: clusters in a seeded random order, each's queries shuffled, then cut. */
static void
ngame_epoch(Batches *b)
{
	double	   *key = epoch_keys(b);
	int64	   *start;
	int64	   *rows = members_by_cluster(b, key, &start);
	double	   *ckey = palloc(sizeof(double) * b->nclusters);
	int64	   *corder = palloc(sizeof(int64) * b->nclusters);

	for (int c = 0; c < b->nclusters; c++)
	{
		ckey[c] = hn_uniform(b->seed, HN_STREAM_BATCHES, b->epoch, 2, c);
		corder[c] = c;
	}
	qsort_arg(corder, b->nclusters, sizeof(int64), cmp_by_key, ckey);
	for (int i = 0; i < b->nclusters; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int64 p = start[corder[i]]; p < start[corder[i] + 1]; p++)
			put(b, rows[p]);
	}
	pfree(key);
	pfree(rows);
	pfree(start);
	pfree(ckey);
	pfree(corder);
}

static void
random_epoch(Batches *b)
{
	double	   *key = epoch_keys(b);
	int64	   *rows = palloc(sizeof(int64) * b->it.n);

	for (int64 i = 0; i < b->it.n; i++)
		rows[i] = i;
	qsort_arg(rows, b->it.n, sizeof(int64), cmp_by_key, key);
	for (int64 i = 0; i < b->it.n; i++)
		put(b, rows[i]);
	pfree(key);
	pfree(rows);
}

/* ---------- balanced recursive 2-means (NGAME) ---------- */

typedef struct Split
{
	double		score;
	int64		row;
} Split;

static int
cmp_split(const void *a, const void *c)
{
	const Split *x = a,
			   *y = c;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * Splits rows[0..n) into two halves by 2-means: the half nearer centroid 0
 * (by the difference of squared distances) goes first, so both halves have
 * n/2 queries whatever the cluster shapes.  Leaves get numbers in tree order.
 */
static void
bisect(const Batches *b, const float *x, int64 *rows, int64 n, int depth,
	   int64 leaf, int64 *leaf_of, uint64 node)
{
	int			dim = b->it.dim;
	float	   *sub;
	float	   *c;
	int		   *assign;
	Split	   *sp;
	int64		half = n / 2;

	if (depth == 0 || n < 2)
	{
		for (int64 i = 0; i < n; i++)
			leaf_of[rows[i]] = leaf;
		return;
	}
	CHECK_FOR_INTERRUPTS();
	c = palloc(sizeof(float) * 2 * dim);
	sub = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * n * dim);
	for (int64 i = 0; i < n; i++)
		memcpy(sub + i * dim, x + rows[i] * dim, sizeof(float) * dim);
	assign = palloc(sizeof(int) * n);
	(void) hn_kmeans_pp(sub, (int) n, dim, 2, 10, b->cosine, b->seed, node, c, assign);
	sp = palloc(sizeof(Split) * n);
	for (int64 i = 0; i < n; i++)
	{
		const float *v = sub + i * dim;

		sp[i].score = (double) hn_l2sq(v, c, dim) - hn_l2sq(v, c + dim, dim);
		sp[i].row = rows[i];
	}
	qsort(sp, n, sizeof(Split), cmp_split);
	for (int64 i = 0; i < n; i++)
		rows[i] = sp[i].row;
	pfree(sub);
	pfree(assign);
	pfree(sp);
	pfree(c);
	bisect(b, x, rows, half, depth - 1, leaf * 2, leaf_of, node * 2);
	bisect(b, x, rows + half, n - half, depth - 1, leaf * 2 + 1, leaf_of, node * 2 + 1);
}

/* Leaf (0-based, tree order) of every row under 2^depth balanced leaves. */
static int64 *
ngame_tree(const Batches *b, int depth)
{
	int64	   *rows = palloc(sizeof(int64) * b->it.n);
	int64	   *leaf_of = palloc(sizeof(int64) * b->it.n);
	const float *x = b->cosine ?
		hn_compose_normalized(b->it.vec, b->it.n, b->it.dim, "queries") : b->it.vec;

	for (int64 i = 0; i < b->it.n; i++)
		rows[i] = i;
	bisect(b, x, rows, b->it.n, depth, 0, leaf_of, 1);
	pfree(rows);
	return leaf_of;
}

static int
count_before(const int32 *schedule, int nsched, int epoch)
{
	int			m = 0;

	for (int i = 0; i < nsched; i++)
		m += schedule[i] <= epoch;
	return m;
}

static void
run_ngame(Batches *b, const int32 *schedule, int nsched)
{
	int			depth = 0;
	int64	   *leaf_of;

	while ((1 << depth) < b->n_clusters && depth < 30)
		depth++;
	leaf_of = ngame_tree(b, depth);
	b->cluster = palloc(sizeof(int) * b->it.n);
	for (b->epoch = 1; b->epoch <= b->epochs; b->epoch++)
	{
		/* each scheduled epoch merges sibling clusters: cluster size doubles */
		int			merge = Min(depth, count_before(schedule, nsched, b->epoch));

		b->nclusters = 1 << (depth - merge);
		for (int64 i = 0; i < b->it.n; i++)
			b->cluster[i] = (int) (leaf_of[i] >> merge) + 1;
		b->batch_id = 1;
		b->pos = 0;
		ngame_epoch(b);
	}
}

static void
run_tas(Batches *b)
{
	HnCluster	cl;

	memset(&cl, 0, sizeof(cl));
	cl.it = &b->it;
	cl.cosine = b->cosine;
	hn_compose_cluster(&cl, b->n_clusters, b->seed, 100, 1);
	b->cluster = cl.cluster;
	b->nclusters = cl.k;
	for (b->epoch = 1; b->epoch <= b->epochs; b->epoch++)
	{
		b->batch_id = 1;
		b->pos = 0;
		tas_epoch(b);
	}
}

/*
 * assign_batches(queries, batch_size, mode, n_clusters, clusters_per_batch,
 *				  epochs, seed, metric, schedule[, id_type])
 */
PG_FUNCTION_INFO_V1(hardneg_assign_batches);
Datum
hardneg_assign_batches(PG_FUNCTION_ARGS)
{
	char	   *sql = hn_fn_text_arg(fcinfo, 0, "queries");
	char	   *mode;
	char	   *metric;
	Batches		b;
	int32	   *schedule = NULL;
	int			nsched = 0;

	memset(&b, 0, sizeof(b));
	b.batch_size = hn_compose_int_arg(fcinfo, 1, "batch_size", 1, PG_INT32_MAX);
	mode = hn_fn_text_arg(fcinfo, 2, "mode");
	b.per_batch = hn_compose_int_arg(fcinfo, 4, "clusters_per_batch", 1, PG_INT32_MAX);
	b.epochs = hn_compose_int_arg(fcinfo, 5, "epochs", 1, 100000);
	b.seed = hn_compose_seed_arg(fcinfo, 6);
	metric = hn_fn_text_arg(fcinfo, 7, "metric");
	if (!PG_ARGISNULL(8))
		schedule = hn_fn_int_array_arg(fcinfo, 8, "schedule", &nsched);
	b.id_type = hn_fn_id_type(fcinfo, 9);
	if (strcmp(metric, "l2") != 0 && strcmp(metric, "cosine") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("assign_batches metric must be 'l2' or 'cosine', not \"%s\"", metric),
				 errhint("The clusters are k-means clusters; cosine is spherical k-means.")));
	b.cosine = strcmp(metric, "cosine") == 0;
	if (strcmp(mode, "tas") != 0 && strcmp(mode, "ngame") != 0 && strcmp(mode, "random") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown assign_batches mode \"%s\"", mode),
				 errhint("Use 'tas', 'ngame' or 'random'.")));
	hn_srf_begin(fcinfo, &b.srf);
	hn_items_read(&b.it, "queries", sql, strcmp(mode, "random") == 0 ? 0 : HN_ITEMS_VECTOR);
	/* default: clusters of about batch_size / clusters_per_batch queries */
	b.n_clusters = PG_ARGISNULL(3) ?
		(int) Max(1, Min(b.it.n, (b.it.n * (int64) b.per_batch + b.batch_size - 1) / b.batch_size)) :
		hn_compose_int_arg(fcinfo, 3, "n_clusters", 1, PG_INT32_MAX);
	if (strcmp(mode, "random") == 0)
		for (b.epoch = 1; b.epoch <= b.epochs; b.epoch++)
		{
			b.batch_id = 1;
			b.pos = 0;
			random_epoch(&b);
		}
	else if (strcmp(mode, "tas") == 0)
		run_tas(&b);
	else
		run_ngame(&b, schedule, nsched);
	PG_RETURN_NULL();
}
