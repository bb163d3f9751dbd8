/*
 * compose.h
 *		Training-set composition (SPEC 4.4, mining.md F7-F11): shared inputs
 *		and helpers of the files in src/compose.
 *
 * Every composition function reads its items through src/io/reader.h and
 * puts them in id order first, so that every later decision (seeded draws,
 * tie breaks, neighbour order) depends on the ids and never on the order in
 * which the caller's query returned the rows.
 */
#ifndef HN_COMPOSE_H
#define HN_COMPOSE_H

#include "postgres.h"

#include "fmgr.h"
#include "falseneg/inputs.h"
#include "io/reader.h"
#include "kernels/distance.h"

/* What an items query must or may return besides id. */
#define HN_ITEMS_VECTOR		(1 << 0)	/* embedding (required) */
#define HN_ITEMS_CLASS		(1 << 1)	/* class (text, required) */
#define HN_ITEMS_MIG		(1 << 2)	/* labels (text[]) and score (required) */
#define HN_ITEMS_DEFER		(1 << 3)	/* out-of-line vectors wait for hn_items_fetch_vectors */

typedef struct HnItems
{
	int64		n;
	int			dim;
	HnIds		ids;			/* sorted ascending, unique */
	float	   *vec;			/* n x dim, row i = ids[i] */
	char	  **cls;			/* HN_ITEMS_CLASS */
	char	  **labels;			/* HN_ITEMS_MIG: text form of a text[] */
	double	   *score;			/* HN_ITEMS_MIG */
	const HnBatch *src;			/* HN_ITEMS_DEFER: the rows as read */
	int64	   *src_row;		/* HN_ITEMS_DEFER: row i of it is src row src_row[i] */
} HnItems;

/* Reads the items input in id order; duplicate ids are an error (23505). */
extern void hn_items_read(HnItems *it, const char *what, const char *sql, int flags);

/*
 * HN_ITEMS_DEFER: fetches the vectors of the rows i with need[i] from their
 * TOAST pointers (hn_read_all_deferred); the other rows' vectors stay unread
 * and must not be used.
 */
extern void hn_items_fetch_vectors(HnItems *it, const bool *need);

/* Row of the item whose id equals key[ki], or -1 (binary search). */
extern int64 hn_items_find(const HnItems *it, const HnIds *key, int64 ki);

/*
 * Rows of a batch in the order of its columns cols[0], cols[1], ... (int4 or
 * id columns), ties by row.
 */
extern int64 *hn_compose_sort_rows(const HnBatch *b, const int *cols, int ncols);

/* An integer argument that must not be NULL and must lie in [lo, hi]. */
#define hn_compose_int_arg(fcinfo, argno, name, lo, hi) \
	hn_fn_int_range_arg(fcinfo, argno, name, lo, hi, "Pass a value in that range.")

/* The seed argument (NULL is an error). */
extern uint64 hn_compose_seed_arg(FunctionCallInfo fcinfo, int argno);

/*
 * Exact k nearest neighbours of nq query rows among nd corpus rows (both
 * row-major, dim columns) under metric, ties to the smaller corpus row.
 * nbr[q * k + r] = corpus row of rank r + 1 (or -1 past the end), score
 * likewise (may be NULL).  With skip_self, query row q is itself corpus row
 * self_row[q] and is left out (the k found are other rows).
 */
extern void hn_compose_knn(const float *queries, int nq, const float *corpus, int64 nd,
						   int dim, HnMetric metric, int k, const int64 *self_row,
						   int64 *nbr, float *score);

/*
 * The same for the rows of one matrix among themselves (each row's own pair
 * left out unless include_self), from half the sgemm work (hn_knn_self).
 */
extern void hn_compose_knn_self(const float *x, int n, int dim, HnMetric metric, int k,
								bool include_self, int64 *nbr, float *score);

/* Unit-length copy of a matrix (rows of zero norm are an error, 22023). */
extern float *hn_compose_normalized(const float *x, int64 n, int dim, const char *what);

/* k-means over items (kmeans_sql.c): fill it and cosine, then call. */
typedef struct HnCluster
{
	const HnItems *it;
	bool		cosine;			/* spherical k-means on unit vectors */
	int			k;
	float	   *x;				/* the clustered rows (unit length for cosine) */
	float	   *centroids;		/* k x dim, in output numbering */
	int		   *cluster;		/* 1-based cluster of each row, numbered by smallest member id */
	int64	   *size;
} HnCluster;

/* k-means++ and Lloyd, the best of n_init restarts by inertia. */
extern void hn_compose_cluster(HnCluster *r, int k, uint64 seed, int max_iter, int n_init);

/* MIG parameters (mig.c); labels_sql NULL: labels are unrelated (identity graph). */
typedef struct HnMigParams
{
	const char *labels_sql;		/* label, embedding */
	double		sim_threshold;
	double		prop_weight;
	bool		phi_exp;		/* exp(alpha) instead of pow(a, b) */
	double		a,
				b,
				alpha;
} HnMigParams;

/* Parses phi ('pow', 'pow(a, b)', 'exp', 'exp(alpha)') into p. */
extern void hn_compose_mig_phi(const char *text, HnMigParams *p);

/*
 * MIG greedy over items with labels and score: init rows first (gain NaN),
 * then the best item by information gain, ties to the smaller row, until
 * budget.  Marks chosen[], fills order[] and gain[]; returns the steps.
 */
extern int	hn_compose_mig(const HnItems *it, const HnMigParams *p, const int64 *init,
						   int ninit, int budget, bool *chosen, int64 *order, double *gain);

#endif							/* HN_COMPOSE_H */
