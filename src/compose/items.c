/*
 * items.c
 *		The items input of the composition functions, in id order, and the
 *		argument and neighbour helpers they share (see compose.h).
 */
#include "postgres.h"

#include <math.h>

#include "compose/compose.h"
#include "kernels/exact_knn.h"
#include "miscadmin.h"

static const HnColumnSpec items_spec[] = {
	{"id", HN_COL_ID, true, false},
	{"embedding", HN_COL_VECTOR, false, false},
	{"class", HN_COL_TEXT, false, false},
	{"labels", HN_COL_TEXT, false, false},
	{"score", HN_COL_FLOAT8, false, false},
};

static void
require_column(const HnBatch *b, int col, const char *what)
{
	if (!b->cols[col].present)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s query must return a column named \"%s\"", what, items_spec[col].name),
				 errhint("Alias the column in the query: SELECT ... AS %s.", items_spec[col].name)));
}

static void
check_unique(const HnItems *it, const char *what)
{
	char		buf[32];

	for (int64 i = 1; i < it->n; i++)
		if (hn_ids_compare(&it->ids, i - 1, &it->ids, i) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("%s has the id %s more than once", what,
							hn_ids_cstring(&it->ids, i, buf, sizeof(buf))),
					 errhint("Each item must appear once; deduplicate the query (SELECT DISTINCT ON (id) ...).")));
}

/* Copies the batch rows into id order. */
static void
permute(HnItems *it, const HnBatch *b, const int64 *order, int flags)
{
	const HnIds *src = &b->cols[0].ids;
	bool		in_order = true;

	for (int64 i = 0; i < it->n && in_order; i++)
		in_order = order[i] == i;
	it->ids = *src;
	if (src->is_text)
		it->ids.texts = palloc(sizeof(char *) * Max(it->n, 1));
	else
		it->ids.ints = palloc(sizeof(int64) * Max(it->n, 1));
	/* rows that came in id order keep their vectors where the reader put them */
	if ((flags & HN_ITEMS_VECTOR) && in_order)
		it->vec = b->cols[1].vec;
	else if (flags & HN_ITEMS_VECTOR)
		it->vec = MemoryContextAllocHuge(CurrentMemoryContext,
										 sizeof(float) * Max(it->n, 1) * it->dim);
	if (flags & HN_ITEMS_CLASS)
		it->cls = palloc(sizeof(char *) * Max(it->n, 1));
	if (flags & HN_ITEMS_MIG)
	{
		it->labels = palloc(sizeof(char *) * Max(it->n, 1));
		it->score = palloc(sizeof(double) * Max(it->n, 1));
	}
	for (int64 i = 0; i < it->n; i++)
	{
		int64		r = order[i];

		if (src->is_text)
			it->ids.texts[i] = src->texts[r];
		else
			it->ids.ints[i] = src->ints[r];
		if ((flags & HN_ITEMS_VECTOR) && !in_order &&
			(b->cols[1].pending == NULL || !b->cols[1].pending[r]))
			memcpy(it->vec + i * it->dim, hn_batch_vector(b, 1, r), sizeof(float) * it->dim);
		if (flags & HN_ITEMS_CLASS)
			it->cls[i] = b->cols[2].str[r];
		if (flags & HN_ITEMS_MIG)
		{
			it->labels[i] = b->cols[3].str[r];
			it->score[i] = b->cols[4].f8[r];
		}
	}
}

void
hn_items_read(HnItems *it, const char *what, const char *sql, int flags)
{
	HnBatch    *b = (flags & HN_ITEMS_DEFER) ?
		hn_read_all_deferred(what, sql, items_spec, lengthof(items_spec)) :
		hn_read_all(what, sql, items_spec, lengthof(items_spec));
	int64	   *order;

	memset(it, 0, sizeof(*it));
	if (flags & HN_ITEMS_VECTOR)
		require_column(b, 1, what);
	if (flags & HN_ITEMS_CLASS)
		require_column(b, 2, what);
	if (flags & HN_ITEMS_MIG)
	{
		require_column(b, 3, what);
		require_column(b, 4, what);
	}
	it->n = b->nrows;
	it->dim = (flags & HN_ITEMS_VECTOR) ? b->cols[1].dim : 0;
	if (it->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s query returned no rows", what),
				 errhint("Check the query's WHERE clause.")));
	order = hn_ids_sort_order(&b->cols[0].ids, it->n);
	permute(it, b, order, flags);
	if (flags & HN_ITEMS_DEFER)
	{
		it->src = b;
		it->src_row = order;
	}
	else
		pfree(order);
	check_unique(it, what);
}

void
hn_items_fetch_vectors(HnItems *it, const bool *need)
{
	Assert(it->src != NULL);
	for (int64 i = 0; i < it->n; i++)
	{
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (need[i])
			hn_batch_vector_fetch(it->src, 1, it->src_row[i], it->vec + i * it->dim);
	}
}

int64
hn_items_find(const HnItems *it, const HnIds *key, int64 ki)
{
	int64		lo = 0,
				hi = it->n;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;
		int			c = hn_ids_compare(&it->ids, mid, key, ki);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

typedef struct SortKey
{
	const HnBatch *b;
	const int  *cols;
	int			ncols;
} SortKey;

static int
cmp_rows(const void *a, const void *b, void *arg)
{
	const SortKey *key = arg;
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	for (int i = 0; i < key->ncols; i++)
	{
		const HnColumn *col = &key->b->cols[key->cols[i]];
		int			c;

		if (key->b->spec[key->cols[i]].type == HN_COL_INT4)
			c = (col->i4[x] > col->i4[y]) - (col->i4[x] < col->i4[y]);
		else
			c = hn_ids_compare(&col->ids, x, &col->ids, y);
		if (c != 0)
			return c;
	}
	return (x > y) - (x < y);
}

int64 *
hn_compose_sort_rows(const HnBatch *b, const int *cols, int ncols)
{
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(b->nrows, 1));
	SortKey		key = {b, cols, ncols};

	for (int64 i = 0; i < b->nrows; i++)
		order[i] = i;
	qsort_arg(order, b->nrows, sizeof(int64), cmp_rows, &key);
	return order;
}

uint64
hn_compose_seed_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed must not be NULL"),
				 errhint("Omit it to use seed 0.")));
	return (uint64) PG_GETARG_INT64(argno);
}

/* Copies each query's k results into nbr/score, self_row[q] left out, -1 / NaN past the end. */
static void
knn_collect(HnKnn *knn, int nq, int k, const int64 *self_row, int64 *nbr, float *score)
{
	for (int q = 0; q < nq; q++)
	{
		const HnScored *items;
		int			got = hn_knn_result(knn, q, &items);
		int			out = 0;

		for (int r = 0; r < got && out < k; r++)
		{
			/* the query itself, wherever a duplicate put it in the ranking */
			if (self_row && items[r].key == self_row[q])
				continue;
			nbr[(int64) q * k + out] = items[r].key;
			if (score)
				score[(int64) q * k + out] = items[r].score;
			out++;
		}
		for (; out < k; out++)
		{
			nbr[(int64) q * k + out] = -1;
			if (score)
				score[(int64) q * k + out] = NAN;
		}
	}
}

void
hn_compose_knn(const float *queries, int nq, const float *corpus, int64 nd, int dim,
			   HnMetric metric, int k, const int64 *self_row, int64 *nbr, float *score)
{
	int			kk = self_row ? k + 1 : k;
	HnKnn	   *knn = hn_knn_begin(queries, nq, dim, metric, kk, NULL, NULL);
	int64	   *keys = hn_identity_order(nd);

	hn_knn_add(knn, corpus, nd, keys);
	hn_knn_finish(knn);
	knn_collect(knn, nq, k, self_row, nbr, score);
	hn_knn_free(knn);
	pfree(keys);
}

void
hn_compose_knn_self(const float *x, int n, int dim, HnMetric metric, int k,
					bool include_self, int64 *nbr, float *score)
{
	HnKnn	   *knn = hn_knn_begin(x, n, dim, metric, k, NULL, NULL);
	int64	   *keys = hn_identity_order(n);

	hn_knn_self(knn, keys, include_self);
	hn_knn_finish(knn);
	knn_collect(knn, n, k, NULL, nbr, score);
	hn_knn_free(knn);
	pfree(keys);
}

float *
hn_compose_normalized(const float *x, int64 n, int dim, const char *what)
{
	float	   *out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * Max(n, 1) * dim);

	for (int64 i = 0; i < n; i++)
	{
		const float *v = x + i * dim;
		float	   *o = out + i * dim;
		double		ss = 0;

		for (int j = 0; j < dim; j++)
			ss += (double) v[j] * v[j];
		if (ss == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s has a zero vector, which has no cosine direction", what),
					 errhint("Remove zero vectors or use metric => 'l2'.")));
		for (int j = 0; j < dim; j++)
			o[j] = (float) (v[j] / sqrt(ss));
	}
	return out;
}
