/*
 * select_diverse.c
 *		select_diverse(): a diverse subset under a budget (mining.md 5.9,
 *		F10) by greedy k-center, facility location (lazy greedy on the
 *		exact k-NN similarity graph) or MIG (mig.c); output is the selection
 *		order with each step's gain, so a smaller budget is a prefix.
 *
 * Every choice breaks ties to the smaller id, and items are in id order, so
 * the selection is a function of the data, not of the input order.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "compose/compose.h"
#include "falseneg/inputs.h"
#include "io/progress.h"
#include "io/srf.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/* Beyond this many items the dense similarity graph (n^2 entries) is refused. */
#define DENSE_FL_MAX_ITEMS 20000

typedef struct Selection
{
	HnItems		it;
	HnMetric	metric;
	int			budget;
	HnSrf		srf;
	Oid			id_type;
	bool	   *chosen;
	int			step;
} Selection;

static void
emit(Selection *s, int64 row, bool has_gain, double gain)
{
	Datum		v[3];
	bool		nulls[3] = {false, false, !has_gain};

	s->chosen[row] = true;
	v[0] = Int32GetDatum(++s->step);
	v[1] = hn_ids_datum(&s->it.ids, row, s->id_type);
	v[2] = Float8GetDatum(gain);
	hn_srf_put(&s->srf, v, nulls);
}

/* init_ids as rows of the items, in the given order; unknown ids are errors. */
static int64 *
init_rows(FunctionCallInfo fcinfo, int argno, const HnItems *it, int *n)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Oid			outfn;
	bool		isvarlena;
	int64	   *rows;
	HnIds		key;
	char	   *text;
	int64		ival;

	*n = 0;
	if (PG_ARGISNULL(argno))
		return NULL;
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	getTypeOutputInfo(ARR_ELEMTYPE(arr), &outfn, &isvarlena);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, n);
	rows = palloc(sizeof(int64) * Max(*n, 1));
	memset(&key, 0, sizeof(key));
	key.is_text = it->ids.is_text;
	key.texts = &text;
	key.ints = &ival;
	for (int i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("init_ids must not contain NULL"),
					 errhint("Remove the NULL elements.")));
		text = OidOutputFunctionCall(outfn, elems[i]);
		if (!key.is_text)
			ival = DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(text)));
		rows[i] = hn_items_find(it, &key, 0);
		if (rows[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("init_ids has the id %s, which is not among the items", text),
					 errhint("init_ids must be ids that the items query returns.")));
	}
	return rows;
}

/* ---------- k-center ---------- */

/* The metric's distance: 1 - cos on unit vectors, or Euclidean. */
static inline double
kc_distance(const Selection *s, const float *x, int64 a, int64 b)
{
	int			dim = s->it.dim;

	if (s->metric == HN_METRIC_COSINE)
		return 1.0 - (double) hn_dot(x + a * dim, x + b * dim, dim);
	return sqrt((double) hn_l2sq(x + a * dim, x + b * dim, dim));
}

static void
kc_add(const Selection *s, const float *x, double *mind, int64 row)
{
	for (int64 i = 0; i < s->it.n; i++)
	{
		double		d = kc_distance(s, x, i, row);

		if (d < mind[i])
			mind[i] = d;
	}
}

static void
kcenter(Selection *s, const int64 *init, int ninit)
{
	int64		n = s->it.n;
	const float *x = s->metric == HN_METRIC_COSINE ?
		hn_compose_normalized(s->it.vec, n, s->it.dim, "items") : s->it.vec;
	double	   *mind = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);

	for (int64 i = 0; i < n; i++)
		mind[i] = INFINITY;
	for (int i = 0; i < ninit; i++)
	{
		if (!s->chosen[init[i]])
			emit(s, init[i], false, 0);
		kc_add(s, x, mind, init[i]);
	}
	if (ninit == 0)
	{
		emit(s, 0, false, 0);	/* the smallest id */
		kc_add(s, x, mind, 0);
	}
	while (s->step < s->budget && s->step < n)
	{
		int64		best = -1;

		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
			if (!s->chosen[i] && (best < 0 || mind[i] > mind[best]))
				best = i;
		emit(s, best, true, mind[best]);
		kc_add(s, x, mind, best);
	}
}

/* ---------- facility location ---------- */

/* Reverse k-NN graph in CSR form: the items i that count j among their neighbours. */
typedef struct FlGraph
{
	int64	   *start;			/* n + 1 */
	int64	   *row;
	float	   *sim;
} FlGraph;

static void
fl_graph(const Selection *s, int k, FlGraph *g)
{
	int64		n = s->it.n;
	int64	   *nbr = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n * k);
	float	   *sim = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * n * k);
	int64	   *fill;

	/* each item's k most similar items, itself included (sim(i, i) = 1 under cosine) */
	hn_compose_knn_self(s->it.vec, (int) n, s->it.dim, s->metric, k, true, nbr, sim);
	g->start = palloc0(sizeof(int64) * (n + 1));
	for (int64 e = 0; e < n * k; e++)
		if (nbr[e] >= 0)
			g->start[nbr[e] + 1]++;
	for (int64 j = 0; j < n; j++)
		g->start[j + 1] += g->start[j];
	g->row = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(g->start[n], 1));
	g->sim = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * Max(g->start[n], 1));
	fill = palloc(sizeof(int64) * n);
	memcpy(fill, g->start, sizeof(int64) * n);
	/* i ascending, so each list is in row order and sums run in one fixed order */
	for (int64 e = 0; e < n * k; e++)
		if (nbr[e] >= 0)
		{
			int64		j = nbr[e];

			g->row[fill[j]] = e / k;
			g->sim[fill[j]++] = sim[e];
		}
	pfree(fill);
	pfree(nbr);
	pfree(sim);
}

static double
fl_gain(const FlGraph *g, const double *cover, int64 j)
{
	double		gain = 0;

	for (int64 e = g->start[j]; e < g->start[j + 1]; e++)
	{
		double		d = (double) g->sim[e] - cover[g->row[e]];

		if (d > 0)
			gain += d;
	}
	return gain;
}

static void
fl_add(const FlGraph *g, double *cover, int64 j)
{
	for (int64 e = g->start[j]; e < g->start[j + 1]; e++)
		if (g->sim[e] > cover[g->row[e]])
			cover[g->row[e]] = g->sim[e];
}

/* Max-heap of stale gains: higher gain first, then the smaller row. */
typedef struct FlEntry
{
	double		gain;
	int64		row;
	int			stamp;			/* step at which gain was computed */
} FlEntry;

static inline bool
fl_better(const FlEntry *a, const FlEntry *b)
{
	return a->gain > b->gain || (a->gain == b->gain && a->row < b->row);
}

static void
fl_sift_down(FlEntry *h, int64 n, int64 i)
{
	for (;;)
	{
		int64		l = 2 * i + 1,
					r = l + 1,
					m = i;
		FlEntry		t;

		if (l < n && fl_better(&h[l], &h[m]))
			m = l;
		if (r < n && fl_better(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/*
 * Lazy greedy (Minoux): gains only shrink as the set grows (submodularity),
 * so a recomputed gain that still beats every stale one is the true maximum.
 */
static void
facility_location(Selection *s, const int64 *init, int ninit, int k)
{
	int64		n = s->it.n;
	FlGraph		g;
	double	   *cover = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	FlEntry    *heap = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(FlEntry) * n);
	int64		hn = 0;
	HnProgress	pr;

	/* hardneg.progress: the graph and the greedy timed apart */
	hn_progress_begin(&pr, "select_diverse", "items in the similarity graph", n);
	fl_graph(s, k, &g);
	hn_progress_end(&pr, n, NULL);
	hn_progress_begin(&pr, "select_diverse", "items selected", Min(s->budget, n));
	for (int64 i = 0; i < n; i++)
		cover[i] = 0;			/* f counts max(0, sim): an empty set covers 0 */
	for (int i = 0; i < ninit; i++)
	{
		if (!s->chosen[init[i]])
			emit(s, init[i], false, 0);
		fl_add(&g, cover, init[i]);
	}
	for (int64 j = 0; j < n; j++)
		if (!s->chosen[j])
			heap[hn++] = (FlEntry)
		{
			fl_gain(&g, cover, j), j, s->step
		};
	for (int64 i = hn / 2 - 1; i >= 0; i--)
		fl_sift_down(heap, hn, i);
	while (s->step < s->budget && hn > 0)
	{
		CHECK_FOR_INTERRUPTS();
		hn_progress_tick(&pr, s->step, "lazy greedy");
		if (heap[0].stamp != s->step)
		{
			heap[0].gain = fl_gain(&g, cover, heap[0].row);
			heap[0].stamp = s->step;
			fl_sift_down(heap, hn, 0);
			continue;
		}
		emit(s, heap[0].row, true, heap[0].gain);
		fl_add(&g, cover, heap[0].row);
		heap[0] = heap[--hn];
		fl_sift_down(heap, hn, 0);
	}
	hn_progress_end(&pr, s->step, "lazy greedy");
}

/* MIG (mig.c): the order it computes, emitted here. */
static void
mig(Selection *s, const int64 *init, int ninit, const HnMigParams *p)
{
	int64		cap = Min((int64) s->budget, s->it.n);
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(cap, 1));
	double	   *gain = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(cap, 1));
	int			steps = hn_compose_mig(&s->it, p, init, ninit, s->budget, s->chosen, order, gain);

	for (int i = 0; i < steps; i++)
		emit(s, order[i], !isnan(gain[i]), gain[i]);
}

/* The MIG arguments: labels, sim_threshold, phi, prop_weight. */
static void
mig_args(FunctionCallInfo fcinfo, HnMigParams *p)
{
	memset(p, 0, sizeof(*p));
	p->labels_sql = PG_ARGISNULL(7) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(7));
	p->sim_threshold = hn_fn_threshold_arg(fcinfo, 8, "sim_threshold");
	hn_compose_mig_phi(hn_fn_text_arg(fcinfo, 9, "phi"), p);
	if (PG_ARGISNULL(10) || !(PG_GETARG_FLOAT8(10) >= 0) || isinf(PG_GETARG_FLOAT8(10)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("prop_weight must be a finite number >= 0"),
				 errhint("1 spreads a label's mass to similar labels as MIG does; 0 keeps it on the label.")));
	p->prop_weight = PG_GETARG_FLOAT8(10);
}

typedef enum Method
{
	KCENTER,
	FACILITY_LOCATION,
	MIG
} Method;

static Method
method_arg(FunctionCallInfo fcinfo, HnMetric metric)
{
	char	   *name = hn_fn_text_arg(fcinfo, 2, "method");
	Method		m;

	if (strcmp(name, "kcenter") == 0)
		m = KCENTER;
	else if (strcmp(name, "facility_location") == 0)
		m = FACILITY_LOCATION;
	else if (strcmp(name, "mig") == 0)
		m = MIG;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown select_diverse method \"%s\"", name),
				 errhint("Use 'kcenter', 'facility_location' or 'mig'.")));
	if (m == KCENTER && metric == HN_METRIC_IP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-center needs a distance: metric 'ip' has none"),
				 errhint("Use metric 'cosine' (distance 1 - cos) or 'l2'.")));
	if (m == FACILITY_LOCATION && metric == HN_METRIC_L2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("facility location needs a similarity: metric 'l2' has none that is positive"),
				 errhint("Use metric 'cosine' or 'ip'.")));
	if (m == MIG && metric != HN_METRIC_COSINE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("MIG compares labels by cosine only"),
				 errhint("Leave metric at 'cosine'.")));
	return m;
}

/*
 * select_diverse(items, budget, method, metric, init_ids, knn_graph_k, seed,
 *				  labels, sim_threshold, phi, prop_weight[, id_type])
 */
PG_FUNCTION_INFO_V1(hardneg_select_diverse);
Datum
hardneg_select_diverse(PG_FUNCTION_ARGS)
{
	char	   *sql = hn_fn_text_arg(fcinfo, 0, "items");
	Method		method;
	Selection	s;
	HnMigParams mp;
	int64	   *init;
	int			ninit;
	int			k = 0;

	memset(&s, 0, sizeof(s));
	s.budget = hn_compose_int_arg(fcinfo, 1, "budget", 1, PG_INT32_MAX);
	s.metric = hn_metric_from_name(hn_fn_text_arg(fcinfo, 3, "metric"));
	method = method_arg(fcinfo, s.metric);
	if (!PG_ARGISNULL(5))
		k = hn_compose_int_arg(fcinfo, 5, "knn_graph_k", 1, 10000);
	(void) hn_compose_seed_arg(fcinfo, 6);
	if (method == MIG)
		mig_args(fcinfo, &mp);
	s.id_type = hn_fn_id_type(fcinfo, 11);
	hn_srf_begin(fcinfo, &s.srf);
	hn_items_read(&s.it, "items", sql, method == MIG ? HN_ITEMS_MIG : HN_ITEMS_VECTOR);
	init = init_rows(fcinfo, 4, &s.it, &ninit);
	if (ninit > s.budget)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("init_ids has %d ids, more than the budget of %d", ninit, s.budget),
				 errhint("The budget counts init_ids too.")));
	s.chosen = palloc0(sizeof(bool) * s.it.n);
	if (method == KCENTER)
		kcenter(&s, init, ninit);
	else if (method == MIG)
		mig(&s, init, ninit, &mp);
	else
	{
		if (k == 0 && s.it.n > DENSE_FL_MAX_ITEMS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("facility location on " INT64_FORMAT " items needs knn_graph_k", s.it.n),
					 errhint("Without it every pair is kept (n^2); pass knn_graph_k => 50 for a sparse graph.")));
		facility_location(&s, init, ninit, k == 0 ? (int) s.it.n : (int) Min(k, s.it.n));
	}
	PG_RETURN_NULL();
}
