/*
 * calibrate.c
 *		auto_calibrate (mining.md F2, sentence-transformers #3279): choose the
 *		margin so that a target mean number of candidates per query survives
 *		it, by bisection over a seeded sample of queries.
 *
 * The searched parameter (absolute_margin, relative_margin or the adaptive
 * margin_lambda, see params.c) only ever removes more candidates as it
 * grows, so the mean number kept, f(theta), is non-increasing.  The search
 * returns the largest theta with f(theta) >= target: the strictest margin
 * that still leaves the target, which is what a user asking "how hard can I
 * filter and keep N per query" wants.  The sample runs stages 1-4 exactly as
 * mining does (hn_mine_prepare_query, hn_score_bits), so what is counted is
 * what mining keeps before the false-negative stage and the window.
 */
#include "postgres.h"

#include <math.h>

#include "kernels/exact_knn.h"
#include "kernels/rng.h"
#include "miscadmin.h"
#include "mining/mining.h"
#include "utils/memutils.h"

/* Queries in the sample: all of them up to this many. */
#define CALIBRATE_SAMPLE 1000
/* Bisection steps: far below float resolution of any score range. */
#define CALIBRATE_STEPS 200

/* One (query, reference positive) of the sample and its candidates' scores. */
typedef struct CalRef
{
	double		pref;
	double		sd;
	double		median;
	int64		start;			/* into Cal.s */
	int64		n;
} CalRef;

typedef struct Cal
{
	CalRef	   *refs;
	int64		nrefs;
	int64		cap_refs;
	double	   *s;
	int64		ns;
	int64		cap_s;
} Cal;

typedef struct KeyRow
{
	uint64		key;
	int64		row;
} KeyRow;

static int
keyrow_cmp(const void *pa, const void *pb)
{
	const KeyRow *a = pa,
			   *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

/* The sampled query rows, in row order: the smallest seeded hash keys. */
static int64
sample_rows(const HnMineParams *p, const HnMineInputs *in, int64 **out)
{
	KeyRow	   *k = palloc(sizeof(KeyRow) * Max(in->nq, 1));
	int64		n = Min(in->nq, CALIBRATE_SAMPLE);
	int64	   *rows = palloc(sizeof(int64) * Max(n, 1));
	bool	   *chosen = palloc0(sizeof(bool) * Max(in->nq, 1));
	int64		m = 0;

	for (int64 i = 0; i < in->nq; i++)
	{
		k[i].key = hn_hash64(p->seed, HN_STREAM_CALIBRATE, hn_ids_hash(in->qids, i), 0, 0);
		k[i].row = i;
	}
	if (in->nq > n)
		qsort(k, in->nq, sizeof(KeyRow), keyrow_cmp);
	for (int64 i = 0; i < n; i++)
		chosen[k[i].row] = true;
	for (int64 i = 0; i < in->nq; i++)
		if (chosen[i])
			rows[m++] = i;
	pfree(k);
	pfree(chosen);
	*out = rows;
	return n;
}

/* The knob's own margins: the searched one off, the others as given. */
static void
fixed_margins(const HnMineParams *p, const HnQueryWork *w, double pref,
			  double *abs_m, double *rel_r)
{
	*abs_m = p->calib_knob == HN_KNOB_NONE || p->calib_knob == HN_KNOB_RELATIVE ?
		hn_margin_for(p, w, pref, p->margin_lambda) : NAN;
	*rel_r = p->relative_margin.set && p->calib_knob != HN_KNOB_RELATIVE ?
		p->relative_margin.value : NAN;
}

/* Records the negatives of one reference that only the knob may still remove. */
static void
record_reference(const HnMineParams *p, const HnQueryWork *w, double pref, Cal *cal)
{
	double		abs_m,
				rel_r;
	CalRef	   *r;

	fixed_margins(p, w, pref, &abs_m, &rel_r);
	if (cal->nrefs == cal->cap_refs)
	{
		cal->cap_refs *= 2;
		cal->refs = repalloc_huge(cal->refs, sizeof(CalRef) * cal->cap_refs);
	}
	r = &cal->refs[cal->nrefs++];
	r->pref = pref;
	r->sd = w->cand_sd;
	r->median = w->cand_median;
	r->start = cal->ns;
	for (int i = 0; i < w->ncand; i++)
	{
		const HnCand *c = &w->cands[i];

		if (c->is_positive || (c->trace & HN_TRACE_REMOVING) ||
			hn_score_bits(p, c->score, pref, abs_m, rel_r) != 0)
			continue;
		if (cal->ns == cal->cap_s)
		{
			cal->cap_s *= 2;
			cal->s = repalloc_huge(cal->s, sizeof(double) * cal->cap_s);
		}
		cal->s[cal->ns++] = c->score;
	}
	r->n = cal->ns - r->start;
}

/* Stages 1-3 of each sampled query, one k-NN search per query. */
static void
collect(const HnMineParams *p, HnMineInputs *in, int pool, Cal *cal)
{
	MemoryContext qcxt = AllocSetContextCreate(CurrentMemoryContext, "hardneg auto_calibrate",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext keep = CurrentMemoryContext;
	int64	   *rows;
	int64		n = sample_rows(p, in, &rows);

	cal->cap_refs = cal->cap_s = 64;
	cal->refs = palloc(sizeof(CalRef) * cal->cap_refs);
	cal->s = palloc(sizeof(double) * cal->cap_s);
	for (int64 i = 0; i < n; i++)
	{
		HnQueryWork w;
		struct HnKnn *knn;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(qcxt);
		knn = hn_mine_dense_search(p, in, pool, rows[i], 1);
		if (hn_mine_prepare_query(p, in, &w, rows[i], knn, rows[i], pool))
		{
			int			nall = w.npos + w.npseudo;

			MemoryContextSwitchTo(keep);
			if (p->pos_ref == HN_POSREF_EACH)
				for (int j = 0; j < nall; j++)
					record_reference(p, &w, w.pos_scores[j], cal);
			else
				record_reference(p, &w, hn_positive_reference(p, w.pos_scores, nall), cal);
		}
		MemoryContextSwitchTo(keep);
		if (knn)
			hn_knn_free(knn);
		MemoryContextReset(qcxt);
	}
	MemoryContextDelete(qcxt);
}

/* Mean number kept per reference when the knob is theta. */
static double
kept_at(const HnMineParams *p, const Cal *cal, double theta)
{
	int64		kept = 0;
	HnQueryWork w;

	memset(&w, 0, sizeof(w));
	for (int64 r = 0; r < cal->nrefs; r++)
	{
		const CalRef *ref = &cal->refs[r];
		double		abs_m = NAN,
					rel_r = NAN;

		w.cand_sd = ref->sd;
		w.cand_median = ref->median;
		if (p->calib_knob == HN_KNOB_RELATIVE)
			rel_r = theta;
		else if (p->calib_knob == HN_KNOB_ABSOLUTE)
			abs_m = theta;
		else
			abs_m = hn_margin_for(p, &w, ref->pref, theta);
		for (int64 i = ref->start; i < ref->start + ref->n; i++)
			kept += hn_score_bits(p, cal->s[i], ref->pref, abs_m, rel_r) == 0;
	}
	return cal->nrefs > 0 ? (double) kept / cal->nrefs : 0.0;
}

/* A theta at which nothing of the sample survives the knob (or its bound). */
static double
upper_bound(const HnMineParams *p, const Cal *cal)
{
	double		hi = 0;

	if (p->calib_knob == HN_KNOB_RELATIVE)
		return 1.0;				/* relative_margin's range */
	for (int64 r = 0; r < cal->nrefs; r++)
	{
		const CalRef *ref = &cal->refs[r];
		double		spread = p->margin_mode == HN_MARGIN_ADAPTIVE ? ref->sd :
			ref->pref - ref->median;

		for (int64 i = ref->start; i < ref->start + ref->n; i++)
		{
			double		gap = ref->pref - cal->s[i];

			if (p->calib_knob == HN_KNOB_ABSOLUTE)
				hi = Max(hi, gap);
			else if (spread > 0)
				hi = Max(hi, gap / spread);
		}
	}
	return 2 * hi + 1;
}

void
hn_mine_auto_calibrate(HnMineParams *p, HnMineInputs *in, int pool)
{
	Cal			cal;
	double		lo = 0,
				hi;

	if (p->calib_knob == HN_KNOB_NONE)
		return;
	memset(&cal, 0, sizeof(cal));
	collect(p, in, pool, &cal);
	hi = upper_bound(p, &cal);
	if (kept_at(p, &cal, hi) >= p->auto_calibrate.value)
		lo = hi;
	else if (kept_at(p, &cal, 0) >= p->auto_calibrate.value)
	{
		/* invariant: f(lo) >= target > f(hi) */
		for (int step = 0; step < CALIBRATE_STEPS; step++)
		{
			double		mid = lo + (hi - lo) / 2;

			if (mid <= lo || mid >= hi)
				break;
			if (kept_at(p, &cal, mid) >= p->auto_calibrate.value)
				lo = mid;
			else
				hi = mid;
		}
	}
	/* else even no margin keeps fewer than the target: theta 0, reported */
	p->calib_value = lo;
	p->calib_kept = kept_at(p, &cal, lo);
	p->calib_queries = cal.nrefs;
	if (p->calib_knob == HN_KNOB_ABSOLUTE)
		p->absolute_margin.value = lo;
	else if (p->calib_knob == HN_KNOB_RELATIVE)
		p->relative_margin.value = lo;
	else
		p->margin_lambda = lo;
	pfree(cal.refs);
	pfree(cal.s);
}
