/*
 * smote.c
 *		smote(): SMOTE, Borderline-SMOTE 1 and 2 and ADASYN in embedding
 *		space, with imbalanced-learn 0.10's rules (mining.md 5.6, F9).
 *
 * Items are in id order and every random number is keyed by (seed, class,
 * draw), so the output depends on neither the input order nor the plan.
 * Neighbours are exact Euclidean k-NN (imbalanced-learn's default), ties to
 * the smaller id, through the shared exact k-NN kernel.
 */
#include "postgres.h"

#include <math.h>

#include "compose/compose.h"
#include "compose/smote.h"
#include "embedding/embedding.h"
#include "falseneg/inputs.h"
#include "io/progress.h"
#include "io/srf.h"
#include "kernels/rng.h"
#include "miscadmin.h"
#include "utils/builtins.h"

typedef enum SmoteMethod
{
	SM_SMOTE,
	SM_BORDERLINE1,
	SM_BORDERLINE2,
	SM_ADASYN
} SmoteMethod;

typedef struct Smote
{
	HnItems		it;
	SmoteMethod method;
	int			k;
	int			m;
	uint64		seed;
	Oid			id_type;
	int			nclass;
	char	  **names;			/* sorted, distinct */
	int		   *cls_of;			/* row -> class */
	int64	   *count;
	HnSrf		srf;
	int64		next_syn;
	/* the class being oversampled */
	int			c;
	uint64		chash;
	int64	   *members;		/* rows of class c, id order */
	float	   *xc;				/* their vectors */
} Smote;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
group_classes(Smote *s)
{
	int64		n = s->it.n;
	char	  **sorted = palloc(sizeof(char *) * n);
	int			nd = 0;

	memcpy(sorted, s->it.cls, sizeof(char *) * n);
	qsort(sorted, n, sizeof(char *), cmp_str);
	for (int64 i = 0; i < n; i++)
		if (nd == 0 || strcmp(sorted[nd - 1], sorted[i]) != 0)
			sorted[nd++] = sorted[i];
	s->names = sorted;
	s->nclass = nd;
	s->count = palloc0(sizeof(int64) * nd);
	s->cls_of = palloc(sizeof(int) * n);
	for (int64 i = 0; i < n; i++)
	{
		char	  **hit = bsearch(&s->it.cls[i], sorted, nd, sizeof(char *), cmp_str);

		s->cls_of[i] = (int) (hit - sorted);
		s->count[s->cls_of[i]]++;
	}
}

/* Rows whose class is (or, with other, is not) class c; vectors copied. */
static int64 *
rows_of(const Smote *s, int c, bool other, int64 *nrows, float **x)
{
	int			dim = s->it.dim;
	int64		n = 0;
	int64	   *rows = palloc(sizeof(int64) * s->it.n);

	for (int64 i = 0; i < s->it.n; i++)
		if ((s->cls_of[i] == c) != other)
			rows[n++] = i;
	*x = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * Max(n, 1) * dim);
	for (int64 i = 0; i < n; i++)
		memcpy(*x + i * dim, s->it.vec + rows[i] * dim, sizeof(float) * dim);
	*nrows = n;
	return rows;
}

static void
emit(Smote *s, int64 parent, int64 nb, double lambda)
{
	int			dim = s->it.dim;
	const float *p = s->it.vec + parent * dim;
	const float *q = s->it.vec + nb * dim;
	Embedding  *e = embedding_new(dim);
	Datum		v[6];
	bool		nulls[6] = {0};

	for (int j = 0; j < dim; j++)
		e->x[j] = (float) (p[j] + lambda * ((double) q[j] - p[j]));
	v[0] = Int64GetDatum(++s->next_syn);
	v[1] = CStringGetTextDatum(s->names[s->c]);
	v[2] = PointerGetDatum(e);
	v[3] = hn_ids_datum(&s->it.ids, parent, s->id_type);
	v[4] = hn_ids_datum(&s->it.ids, nb, s->id_type);
	v[5] = Float8GetDatum(lambda);
	hn_srf_put(&s->srf, v, nulls);
	pfree(e);
}

/*
 * imbalanced-learn's _make_samples: n draws, each a uniform (seed, neighbour
 * slot) pair among nseeds x k and a step u * step_size, u ~ U(0, 1).
 * nbr holds rows of it (nseeds x k).
 */
static void
make_samples(Smote *s, const int64 *seeds, int64 nseeds, const int64 *nbr,
			 int64 n, double step_size, uint64 stream_part)
{
	int64		nslots = nseeds * s->k;

	for (int64 j = 0; j < n; j++)
	{
		int64		slot = (int64) (hn_uniform(s->seed, HN_STREAM_SMOTE, s->chash,
											   stream_part + j, 0) * nslots);
		double		u = hn_uniform(s->seed, HN_STREAM_SMOTE, s->chash, stream_part + j, 1);

		if ((j & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		emit(s, seeds[slot / s->k], nbr[slot], step_size * u);
	}
}

/*
 * k nearest neighbours of the given rows among the corpus rows (corpus_x,
 * their vectors), mapped back to rows of it; self excluded when the query
 * row is in the corpus.
 */
static int64 *
neighbours(const Smote *s, const int64 *qrows, int64 nq, const int64 *crows,
		   const float *cx, int64 nc, int k, bool self_in_corpus)
{
	int			dim = s->it.dim;
	float	   *qx;
	int64	   *self = NULL;
	int64	   *nbr = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(nq, 1) * k);
	HnProgress	pr;

	hn_progress_begin(&pr, "smote", "items' neighbours", nq);
	if (qrows == crows)
	{
		/* a set among itself: the symmetric kernel, half the work */
		hn_compose_knn_self(cx, (int) nc, dim, HN_METRIC_L2, k, false, nbr, NULL);
		for (int64 i = 0; i < nq * k; i++)
			nbr[i] = crows[nbr[i]];
		hn_progress_end(&pr, nq, psprintf("among " INT64_FORMAT ", symmetric", nc));
		return nbr;
	}
	qx = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * Max(nq, 1) * dim);
	for (int64 i = 0; i < nq; i++)
		memcpy(qx + i * dim, s->it.vec + qrows[i] * dim, sizeof(float) * dim);
	if (self_in_corpus)
	{
		int64		pos = 0;

		/* both lists are in row order: merge to find each query's corpus position */
		self = palloc(sizeof(int64) * Max(nq, 1));
		for (int64 i = 0; i < nq; i++)
		{
			while (crows[pos] != qrows[i])
				pos++;
			self[i] = pos;
		}
	}
	hn_compose_knn(qx, (int) nq, cx, nc, dim, HN_METRIC_L2, k, self, nbr, NULL);
	hn_progress_end(&pr, nq, psprintf("among " INT64_FORMAT, nc));
	for (int64 i = 0; i < nq * k; i++)
		nbr[i] = crows[nbr[i]];
	pfree(qx);
	if (self)
		pfree(self);
	return nbr;
}

static void
need_members(const Smote *s, int64 have, int need, const char *of, const char *param)
{
	if (have < need)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has " INT64_FORMAT " items, fewer than %s + 1 = %d",
						of, have, param, need),
				 errhint("Lower %s, or leave the class out of sampling_strategy (a JSON object of targets).",
						 param)));
}

/* Borderline-SMOTE's danger set: m/2 <= other-class m-NN < m. */
static int64 *
danger_rows(Smote *s, const int64 *members, int64 nm, int64 *ndanger)
{
	int64	   *all = palloc(sizeof(int64) * s->it.n);
	int64	   *nbr;
	int64	   *danger = palloc(sizeof(int64) * Max(nm, 1));
	int64		nd = 0;

	for (int64 i = 0; i < s->it.n; i++)
		all[i] = i;
	nbr = neighbours(s, members, nm, all, s->it.vec, s->it.n, s->m, true);
	for (int64 i = 0; i < nm; i++)
	{
		int			other = 0;

		for (int r = 0; r < s->m; r++)
			other += s->cls_of[nbr[i * s->m + r]] != s->c;
		if (2 * other >= s->m && other < s->m)
			danger[nd++] = members[i];
	}
	pfree(all);
	pfree(nbr);
	*ndanger = nd;
	return danger;
}

/* Beta(10, 10) as a ratio of two Gamma(10), each a sum of 10 exponentials. */
static double
beta_10_10(const Smote *s)
{
	double		g[2] = {0, 0};

	for (int h = 0; h < 2; h++)
		for (int i = 0; i < 10; i++)
			g[h] -= log(hn_uniform_open(s->seed, HN_STREAM_SMOTE, s->chash, PG_UINT64_MAX - 1, h * 10 + i));
	return g[0] / (g[0] + g[1]);
}

static void
borderline(Smote *s, const int64 *members, int64 nm, float *xc, int64 n_new)
{
	int64		nseeds;
	int64	   *seeds = danger_rows(s, members, nm, &nseeds);
	int64	   *nbr;

	if (nseeds == 0)
		return;					/* imbalanced-learn makes nothing then */
	nbr = neighbours(s, seeds, nseeds, members, xc, nm, s->k, true);
	if (s->method == SM_BORDERLINE1)
		make_samples(s, seeds, nseeds, nbr, n_new, 1.0, 0);
	else
	{
		double		f = beta_10_10(s);
		int64		nother;
		float	   *xo;
		int64	   *others = rows_of(s, s->c, true, &nother, &xo);
		int64	   *onbr;

		need_members(s, nother + 1, s->k + 1, "the other classes", "k_neighbors");
		make_samples(s, seeds, nseeds, nbr, (int64) (f * (n_new + 1)), 1.0, 0);
		/* toward the k nearest items of other classes, a step of at most 0.5 */
		onbr = neighbours(s, seeds, nseeds, others, xo, nother, s->k, false);
		make_samples(s, seeds, nseeds, onbr, (int64) ((1 - f) * n_new), 0.5, UINT64CONST(1) << 40);
	}
}

/* ADASYN: g_i = rint(r_i G) draws per member, r_i its normalised other-class share. */
static void
adasyn(Smote *s, const int64 *members, int64 nm, float *xc, int64 n_new)
{
	int64	   *all = palloc(sizeof(int64) * s->it.n);
	int64	   *nbr;
	double	   *r = palloc(sizeof(double) * nm);
	double		sum = 0;
	int64		draw = 0;

	for (int64 i = 0; i < s->it.n; i++)
		all[i] = i;
	need_members(s, s->it.n, s->k + 1, "the input", "k_neighbors");
	nbr = neighbours(s, members, nm, all, s->it.vec, s->it.n, s->k, true);
	for (int64 i = 0; i < nm; i++)
	{
		int			other = 0;

		for (int j = 0; j < s->k; j++)
			other += s->cls_of[nbr[i * s->k + j]] != s->c;
		sum += (r[i] = (double) other / s->k);
	}
	if (sum == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ADASYN: no item of class \"%s\" has a neighbour of another class", s->names[s->c]),
				 errhint("ADASYN cannot weight such a class; use method => 'smote'.")));
	pfree(nbr);
	nbr = neighbours(s, members, nm, members, xc, nm, s->k, true);
	for (int64 i = 0; i < nm; i++)
	{
		int64		g = (int64) rint(r[i] / sum * n_new);

		for (int64 t = 0; t < g; t++, draw++)
		{
			int			col = (int) (hn_uniform(s->seed, HN_STREAM_SMOTE, s->chash, draw, 0) * s->k);
			double		u = hn_uniform(s->seed, HN_STREAM_SMOTE, s->chash, draw, 1);

			if ((draw & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			emit(s, members[i], nbr[i * s->k + col], u);
		}
	}
	if (draw == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ADASYN would make no item for class \"%s\" after rounding", s->names[s->c]),
				 errhint("Ask for more items in sampling_strategy.")));
}

static void
oversample_class(Smote *s, int c, int64 n_new)
{
	int64		nm;
	float	   *xc;
	int64	   *members;

	s->c = c;
	s->chash = hn_hash_bytes(s->names[c], strlen(s->names[c]));
	members = rows_of(s, c, false, &nm, &xc);
	need_members(s, nm, s->k + 1, psprintf("class \"%s\"", s->names[c]), "k_neighbors");
	if (s->method == SM_SMOTE)
	{
		int64	   *nbr = neighbours(s, members, nm, members, xc, nm, s->k, true);

		HnProgress	pr;

		hn_progress_begin(&pr, "smote", "synthetic items", n_new);
		make_samples(s, members, nm, nbr, n_new, 1.0, 0);
		hn_progress_end(&pr, n_new, psprintf("class \"%s\"", s->names[c]));
	}
	else if (s->method == SM_ADASYN)
		adasyn(s, members, nm, xc, n_new);
	else
	{
		need_members(s, s->it.n, s->m + 1, "the input", "m_neighbors");
		borderline(s, members, nm, xc, n_new);
	}
}

/*
 * Plain SMOTE looks at the classes it oversamples only, so only their
 * vectors are fetched (the others' TOAST values are never read); the other
 * methods find neighbours among all items.
 */
static void
fetch_vectors(Smote *s, const int64 *n_new)
{
	bool	   *need = palloc(sizeof(bool) * s->it.n);
	int64		nneed = 0;
	HnProgress	pr;

	for (int64 i = 0; i < s->it.n; i++)
		nneed += need[i] = s->method != SM_SMOTE || n_new[s->cls_of[i]] > 0;
	hn_progress_begin(&pr, "smote", "vectors fetched", nneed);
	hn_items_fetch_vectors(&s->it, need);
	hn_progress_end(&pr, nneed, NULL);
	pfree(need);
}

static SmoteMethod
method_from_name(const char *name)
{
	if (strcmp(name, "smote") == 0)
		return SM_SMOTE;
	if (strcmp(name, "borderline1") == 0 || strcmp(name, "borderline-1") == 0)
		return SM_BORDERLINE1;
	if (strcmp(name, "borderline2") == 0 || strcmp(name, "borderline-2") == 0)
		return SM_BORDERLINE2;
	if (strcmp(name, "adasyn") == 0)
		return SM_ADASYN;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown smote method \"%s\"", name),
			 errhint("Use 'smote', 'borderline1', 'borderline2' or 'adasyn'.")));
	return SM_SMOTE;
}

/* smote(items, method, k_neighbors, m_neighbors, sampling_strategy, seed[, id_type]) */
PG_FUNCTION_INFO_V1(hardneg_smote);
Datum
hardneg_smote(PG_FUNCTION_ARGS)
{
	char	   *sql = hn_fn_text_arg(fcinfo, 0, "items");
	char	   *strategy;
	int64	   *n_new;
	Smote		s;
	HnProgress	pr;

	memset(&s, 0, sizeof(s));
	s.method = method_from_name(hn_fn_text_arg(fcinfo, 1, "method"));
	s.k = hn_compose_int_arg(fcinfo, 2, "k_neighbors", 1, 10000);
	s.m = hn_compose_int_arg(fcinfo, 3, "m_neighbors", 1, 10000);
	strategy = hn_fn_text_arg(fcinfo, 4, "sampling_strategy");
	s.seed = hn_compose_seed_arg(fcinfo, 5);
	s.id_type = hn_fn_id_type(fcinfo, 6);
	hn_srf_begin(fcinfo, &s.srf);
	/* one read of the caller's query, as every function does (docs/inputs.md) */
	hn_progress_begin(&pr, "smote", "items read", -1);
	hn_items_read(&s.it, "items", sql, HN_ITEMS_VECTOR | HN_ITEMS_CLASS | HN_ITEMS_DEFER);
	group_classes(&s);
	hn_progress_end(&pr, s.it.n, NULL);
	n_new = palloc(sizeof(int64) * s.nclass);
	hn_smote_targets(strategy, s.names, s.count, s.nclass, n_new);
	fetch_vectors(&s, n_new);
	for (int c = 0; c < s.nclass; c++)
		if (n_new[c] > 0)
			oversample_class(&s, c, n_new[c]);
	PG_RETURN_NULL();
}
