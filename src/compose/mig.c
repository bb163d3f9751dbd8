/*
 * mig.c
 *		MIG, the label-coverage selection of select_diverse() (mining.md
 *		5.9, F10; arXiv 2504.13835, yichengchen24/MIG mig/sampler.py).
 *
 * Each item carries labels and a quality score.  Its information vector has
 * score / (number of labels) on each of its labels; the label graph (cosine
 * of label embeddings, edges >= sim_threshold) spreads it through the
 * propagation matrix P (off-diagonal times prop_weight, columns summing to
 * one).  The greedy keeps the selected mass x per label and picks the item
 * maximizing (v P) . phi'(x), a first-order information gain, with phi
 * concave, so labels already covered are worth less.
 *
 * gain_i = sum_j v_ij (P phi'(x))_j: one pass over P and over the item
 * labels per step, never the dense n x L matrix v P.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "compose/compose.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"

/* Label pairs are compared all against all: L^2 dot products. */
#define MIG_MAX_LABELS 50000

/* Sparse rows: row r holds (col[e], val[e]) for e in start[r] .. start[r+1]. */
typedef struct Csr
{
	int64	   *start;
	int		   *col;
	double	   *val;
} Csr;

typedef struct Mig
{
	const HnItems *it;
	const HnMigParams *p;
	int			nlabels;
	char	  **labels;			/* sorted (byte order), unique */
	Csr			items;			/* item -> (label, score / number of labels) */
	Csr			prop;			/* label -> (label, P) */
	FmgrInfo	array_in;		/* parses the text form of the labels */
} Mig;

static int
label_index(const Mig *m, const char *label)
{
	char	  **hit = bsearch(&label, m->labels, m->nlabels, sizeof(char *), pg_qsort_strcmp);

	return hit ? (int) (hit - m->labels) : -1;
}

/* The labels of item i (a text[] in its text form) as C strings. */
static char **
item_labels(Mig *m, int64 i, int *n)
{
	ArrayType  *arr = DatumGetArrayTypeP(InputFunctionCall(&m->array_in,
														   m->it->labels[i], TEXTOID, -1));
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;
	char		buf[32];

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	out = palloc(sizeof(char *) * Max(*n, 1));
	for (int e = 0; e < *n; e++)
	{
		if (nulls[e])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the labels of item %s contain NULL",
							hn_ids_cstring(&m->it->ids, i, buf, sizeof(buf))),
					 errhint("Remove NULL labels, e.g. array_remove(labels, NULL).")));
		out[e] = TextDatumGetCString(elems[e]);
	}
	return out;
}

/*
 * The label vocabulary (every label of some item, sorted) and each item's
 * information vector.  As in MIG, a label listed twice is set once but
 * counts twice in the number of labels.
 */
static void
build_items(Mig *m)
{
	int64		n = m->it->n;
	char	 ***lab = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char **) * n);
	int		   *nlab = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * n);
	int64		total = 0,
				u = 0,
				e = 0;
	char	  **all;
	char		buf[32];

	fmgr_info(F_ARRAY_IN, &m->array_in);
	for (int64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!(m->it->score[i] >= 0) || isinf(m->it->score[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("item %s has the score %g; MIG needs finite scores >= 0",
							hn_ids_cstring(&m->it->ids, i, buf, sizeof(buf)), m->it->score[i]),
					 errhint("Shift or clip the quality scores to be non-negative.")));
		lab[i] = item_labels(m, i, &nlab[i]);
		total += nlab[i];
	}
	all = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * Max(total, 1));
	for (int64 i = 0; i < n; i++)
		for (int j = 0; j < nlab[i]; j++)
			all[e++] = lab[i][j];
	qsort(all, total, sizeof(char *), pg_qsort_strcmp);
	for (int64 j = 0; j < total; j++)
		if (u == 0 || strcmp(all[u - 1], all[j]) != 0)
			all[u++] = all[j];
	if (u > MIG_MAX_LABELS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("MIG handles at most %d distinct labels, the items have " INT64_FORMAT,
						MIG_MAX_LABELS, u),
				 errhint("Merge rare labels, or keep the most frequent ones.")));
	m->labels = all;
	m->nlabels = (int) u;

	m->items.start = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (n + 1));
	m->items.col = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * Max(total, 1));
	m->items.val = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(total, 1));
	e = 0;
	for (int64 i = 0; i < n; i++)
	{
		/* sorted like the vocabulary, so the label columns come out ascending */
		qsort(lab[i], nlab[i], sizeof(char *), pg_qsort_strcmp);
		m->items.start[i] = e;
		for (int j = 0; j < nlab[i]; j++)
			if (j == 0 || strcmp(lab[i][j - 1], lab[i][j]) != 0)
			{
				m->items.col[e] = label_index(m, lab[i][j]);
				m->items.val[e++] = m->it->score[i] / nlab[i];
			}
	}
	m->items.start[n] = e;
	pfree(lab);
	pfree(nlab);
}

static const HnColumnSpec label_spec[] = {
	{"label", HN_COL_TEXT, true, false},
	{"embedding", HN_COL_VECTOR, true, false},
};

/* Unit-length label embeddings in vocabulary order (double), from the labels query. */
static double *
label_embeddings(const Mig *m, int *dim)
{
	HnBatch    *b = hn_read_all("labels", m->p->labels_sql, label_spec, lengthof(label_spec));
	double	   *emb;
	bool	   *seen = palloc0(sizeof(bool) * Max(m->nlabels, 1));

	*dim = b->cols[1].dim;
	emb = MemoryContextAllocHuge(CurrentMemoryContext,
								 sizeof(double) * Max(m->nlabels, 1) * Max(*dim, 1));
	for (int64 r = 0; r < b->nrows; r++)
	{
		int			l = label_index(m, b->cols[0].str[r]);
		const float *v = hn_batch_vector(b, 1, r);
		double		ss = 0;

		if (l < 0)
			continue;			/* a label no item has: not in the graph */
		if (seen[l])
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("labels has the label \"%s\" more than once", m->labels[l]),
					 errhint("Give each label one embedding.")));
		seen[l] = true;
		for (int d = 0; d < *dim; d++)
			ss += (double) v[d] * v[d];
		if (ss == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the label \"%s\" has a zero embedding, which has no cosine", m->labels[l]),
					 errhint("Remove zero vectors from the labels query.")));
		for (int d = 0; d < *dim; d++)
			emb[(int64) l * *dim + d] = v[d] / sqrt(ss);
	}
	for (int l = 0; l < m->nlabels; l++)
		if (!seen[l])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the label \"%s\" of the items has no embedding in labels", m->labels[l]),
					 errhint("The labels query must return label, embedding for every label the items use.")));
	pfree(seen);
	return emb;
}

/* Appends (c, v) to row storage that grows by doubling. */
static void
csr_push(Csr *g, int64 *cap, int64 e, int c, double v)
{
	if (e == *cap)
	{
		*cap *= 2;
		g->col = repalloc_huge(g->col, sizeof(int) * *cap);
		g->val = repalloc_huge(g->val, sizeof(double) * *cap);
	}
	g->col[e] = c;
	g->val[e] = v;
}

/*
 * P from the thresholded cosine graph W: P[i][j] = W[i][j] (times
 * prop_weight off the diagonal) / sum_i of the same.  Without a labels query
 * the labels are unrelated: W = P = identity.  The diagonal is always in W,
 * so no column sum is zero.
 */
static void
build_prop(Mig *m)
{
	int			L = m->nlabels;
	int			dim = 0;
	double	   *emb = m->p->labels_sql ? label_embeddings(m, &dim) : NULL;
	double	   *colsum = palloc0(sizeof(double) * Max(L, 1));
	int64		cap = Max(L, 16),
				e = 0;
	Csr		   *g = &m->prop;

	g->start = palloc(sizeof(int64) * (L + 1));
	g->col = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * cap);
	g->val = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * cap);
	for (int i = 0; i < L; i++)
	{
		CHECK_FOR_INTERRUPTS();
		g->start[i] = e;
		for (int j = 0; j < L; j++)
		{
			double		w = 0;

			if (emb == NULL)
				w = i == j;
			else
				for (int d = 0; d < dim; d++)
					w += emb[(int64) i * dim + d] * emb[(int64) j * dim + d];
			/* a label's own edge stays even where rounding left its cosine below 1 */
			if (emb != NULL && w < m->p->sim_threshold && i != j)
				continue;
			if (w == 0)
				continue;
			if (i != j)
				w *= m->p->prop_weight;
			csr_push(g, &cap, e++, j, w);
			colsum[j] += w;
		}
	}
	g->start[L] = e;
	for (int64 x = 0; x < e; x++)
		g->val[x] /= colsum[g->col[x]];
	pfree(colsum);
	if (emb)
		pfree(emb);
}

static inline double
d_phi(const HnMigParams *p, double x)
{
	if (p->phi_exp)
		return p->alpha * exp(-p->alpha * x);
	return p->b * pow(x + p->a, p->b - 1);
}

/* x += v_i P: the information item i brings to each label. */
static void
add_mass(const Mig *m, double *x, int64 i)
{
	for (int64 e = m->items.start[i]; e < m->items.start[i + 1]; e++)
	{
		int			j = m->items.col[e];

		for (int64 f = m->prop.start[j]; f < m->prop.start[j + 1]; f++)
			x[m->prop.col[f]] += m->items.val[e] * m->prop.val[f];
	}
}

int
hn_compose_mig(const HnItems *it, const HnMigParams *p, const int64 *init, int ninit,
			   int budget, bool *chosen, int64 *order, double *gain)
{
	Mig			m;
	double	   *x,
			   *g,
			   *w;
	int			steps = 0;

	memset(&m, 0, sizeof(m));
	m.it = it;
	m.p = p;
	build_items(&m);
	build_prop(&m);
	x = palloc0(sizeof(double) * Max(m.nlabels, 1));
	g = palloc(sizeof(double) * Max(m.nlabels, 1));
	w = palloc(sizeof(double) * Max(m.nlabels, 1));
	for (int s = 0; s < ninit; s++)
	{
		if (chosen[init[s]])
			continue;
		chosen[init[s]] = true;
		order[steps] = init[s];
		gain[steps++] = NAN;
		add_mass(&m, x, init[s]);
	}
	while (steps < budget && steps < it->n)
	{
		int64		best = -1;
		double		bestg = 0;

		CHECK_FOR_INTERRUPTS();
		for (int l = 0; l < m.nlabels; l++)
			g[l] = d_phi(p, x[l]);
		/* w = P g, so that gain_i = v_i . w */
		for (int l = 0; l < m.nlabels; l++)
		{
			double		s = 0;

			for (int64 f = m.prop.start[l]; f < m.prop.start[l + 1]; f++)
				s += m.prop.val[f] * g[m.prop.col[f]];
			w[l] = s;
		}
		for (int64 i = 0; i < it->n; i++)
		{
			double		s = 0;

			if (chosen[i])
				continue;
			for (int64 e = m.items.start[i]; e < m.items.start[i + 1]; e++)
				s += m.items.val[e] * w[m.items.col[e]];
			if (best < 0 || s > bestg)
			{
				best = i;
				bestg = s;
			}
		}
		chosen[best] = true;
		order[steps] = best;
		gain[steps++] = bestg;
		add_mass(&m, x, best);
	}
	return steps;
}

/*
 * phi as 'pow', 'pow(a, b)', 'exp' or 'exp(alpha)'; MIG's defaults a = 1e-6,
 * b = 0.8, alpha = 1.
 */
void
hn_compose_mig_phi(const char *text, HnMigParams *p)
{
	const char *s = text;
	char	   *end;
	double		v[2];
	int			nv = 0;

	p->a = 1e-6;
	p->b = 0.8;
	p->alpha = 1.0;
	while (*s == ' ')
		s++;
	if (strncmp(s, "pow", 3) == 0)
		p->phi_exp = false;
	else if (strncmp(s, "exp", 3) == 0)
		p->phi_exp = true;
	else
		goto bad;
	s += 3;
	while (*s == ' ')
		s++;
	if (*s == '(')
	{
		s++;
		for (;;)
		{
			if (nv == 2)
				goto bad;
			v[nv++] = strtod(s, &end);
			if (end == s)
				goto bad;
			for (s = end; *s == ' '; s++)
				;
			if (*s == ')')
				break;
			if (*s++ != ',')
				goto bad;
		}
		s++;
		if (nv != (p->phi_exp ? 1 : 2))
			goto bad;
		if (p->phi_exp)
			p->alpha = v[0];
		else
		{
			p->a = v[0];
			p->b = v[1];
		}
	}
	while (*s == ' ')
		s++;
	if (*s != '\0')
		goto bad;
	if (p->phi_exp ? !(p->alpha > 0 && isfinite(p->alpha))
		: !(p->a > 0 && isfinite(p->a) && p->b > 0 && p->b <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("phi \"%s\" is not concave and increasing", text),
				 errhint("Use pow(a, b) with a > 0 and 0 < b <= 1, or exp(alpha) with alpha > 0.")));
	return;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("phi must be 'pow', 'pow(a, b)', 'exp' or 'exp(alpha)', not \"%s\"", text),
			 errhint("For example phi => 'pow(1e-6, 0.8)' (MIG's default) or phi => 'exp(1)'.")));
}
