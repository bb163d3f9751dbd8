/*
 * filters.c
 *		Stages 2-5 of mining: duplicate-aware positive exclusion, teacher
 *		scores, the absolute score band and the positive-anchored margins
 *		(mining.md F1, F2).
 *
 * A filter never deletes a candidate: it sets its bit in the candidate's
 * filter trace, so the statistics can count each filter and the window stage
 * simply skips traced candidates.
 */
#include "postgres.h"

#include <math.h>

#include "kernels/order_stats.h"
#include "mining/mining.h"

#define SCORE_BITS (HN_TRACE_MAX_SCORE | HN_TRACE_MIN_SCORE | HN_TRACE_ABS_MARGIN | \
					HN_TRACE_REL_MARGIN | HN_TRACE_PERCPOS | HN_TRACE_PERCPOS_FALLBACK | \
					HN_TRACE_FALSE_NEG)

bool
hn_mine_is_positive(const HnMineInputs *in, const HnQueryWork *w, int64 row)
{
	int			lo = 0,
				hi = w->npos - 1;
	int64		key = in->d_key[row];

	/* positives are sorted by doc key */
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int64		k = in->d_key[w->pos_rows[mid]];

		if (k == key)
			return true;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

bool
hn_mine_same_text(const HnMineInputs *in, const HnQueryWork *w, int64 row)
{
	uint64		h = in->d_text_hash[row];

	if (h == 0)
		return false;
	for (int j = 0; j < w->npos; j++)
		if (in->d_text_hash[w->pos_rows[j]] == h)
			return true;
	return false;
}

static bool
near_positive(const HnMineInputs *in, const HnQueryWork *w, int64 row, double threshold)
{
	const float *d = hn_mine_doc_vector(in, row);

	for (int j = 0; j < w->npos; j++)
	{
		double		cd = hn_cosine_distance(d, hn_mine_doc_vector(in, w->pos_rows[j]),
										   in->dim);

		if (!isnan(cd) && 1.0 - cd >= threshold)
			return true;
	}
	return false;
}

/* Stage 2: positives by id, then their text duplicates and near-duplicates. */
void
hn_filter_exclusion(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w)
{
	for (int i = 0; i < w->ncand; i++)
	{
		HnCand	   *c = &w->cands[i];

		c->is_positive = hn_mine_is_positive(in, w, c->row);
		if (c->is_positive)
		{
			if (!p->include_positives)
				c->trace |= HN_TRACE_POSITIVE;
			continue;
		}
		if (p->excl_text_hash && hn_mine_same_text(in, w, c->row))
			c->trace |= HN_TRACE_TEXT_HASH;
		else if (p->excl_near.set && near_positive(in, w, c->row, p->excl_near.value))
			c->trace |= HN_TRACE_NEAR_DUP;
	}
}

static void
teacher_missing_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("mine_hard_negatives: a candidate or positive has no teacher score"),
			 errhint("Score every candidate with the teacher, or use teacher_missing => 'drop' or 'keep'.")));
}

/*
 * Stage 3: teacher scores.  With score_space 'teacher' they replace the
 * candidates' and positives' scores (sentence-transformers' cross-encoder
 * rescoring, but explicit); teacher_max drops candidates the teacher finds
 * too relevant (RocketQA denoising).
 */
void
hn_filter_teacher(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w)
{
	if (in->teacher_q == NULL)
		return;
	for (int i = 0; i < w->ncand; i++)
	{
		HnCand	   *c = &w->cands[i];
		float		ts;

		if (!hn_mine_teacher_score(in, w->qrow, c->row, &ts))
		{
			if (p->teacher_missing == HN_TEACHER_ERROR)
				teacher_missing_error();
			if (p->teacher_missing == HN_TEACHER_DROP)
				c->trace |= HN_TRACE_TEACHER_MISSING;
			continue;
		}
		if (p->teacher_max.set && ts >= p->teacher_max.value)
			c->trace |= HN_TRACE_TEACHER_MAX;
		if (p->teacher_space)
			c->score = ts;
	}
	if (!p->teacher_space)
		return;
	for (int j = 0; j < w->npos; j++)
	{
		float		ts;

		if (hn_mine_teacher_score(in, w->qrow, w->pos_rows[j], &ts))
			w->pos_scores[j] = ts;
		else if (p->teacher_missing == HN_TEACHER_ERROR)
			teacher_missing_error();
	}
}

/* The reference positive score P: min (sentence-transformers, NeMo), max or mean. */
double
hn_positive_reference(const HnMineParams *p, const float *scores, int n)
{
	double		r = scores[0];

	for (int j = 1; j < n; j++)
	{
		if (p->pos_ref == HN_POSREF_MAX)
			r = Max(r, scores[j]);
		else if (p->pos_ref == HN_POSREF_MEAN)
			r += scores[j];
		else
			r = Min(r, scores[j]);
	}
	if (p->pos_ref == HN_POSREF_MEAN)
		r /= n;
	return r;
}

/*
 * The score-band and positive-anchored bits of one score against P, with
 * the absolute margin abs_m and the relative margin rel_r (NaN: off).
 * auto_calibrate counts survivors with this very function.
 */
uint32
hn_score_bits(const HnMineParams *p, double s, double pref, double abs_m, double rel_r)
{
	uint32		bits = 0;

	if (p->max_score.set && s > p->max_score.value)
		bits |= HN_TRACE_MAX_SCORE;
	if (p->min_score.set && s < p->min_score.value)
		bits |= HN_TRACE_MIN_SCORE;
	if (!isnan(abs_m))
	{
		double		t = pref - abs_m;

		if (p->margin_strict ? s >= t : s > t)
			bits |= HN_TRACE_ABS_MARGIN;
	}
	/* sign-safe: the threshold always lies below P (sentence-transformers #3821) */
	if (!isnan(rel_r) && s > pref - fabs(pref) * rel_r)
		bits |= HN_TRACE_REL_MARGIN;
	if (p->percpos.set)
	{
		/* NV-Retriever keeps s < alpha P, meaningful only for P > 0 */
		if (pref > 0)
		{
			if (s >= p->percpos.value * pref)
				bits |= HN_TRACE_PERCPOS;
		}
		else
		{
			bits |= HN_TRACE_PERCPOS_FALLBACK;
			if (s > pref - fabs(pref) * (1.0 - p->percpos.value))
				bits |= HN_TRACE_PERCPOS;
		}
	}
	return bits;
}

/* Stage 2-3 bits: what the margin's spread and auto_calibrate leave out. */
#define FRONT_BITS (HN_TRACE_POSITIVE | HN_TRACE_TEXT_HASH | HN_TRACE_NEAR_DUP | \
					HN_TRACE_TEACHER_MISSING | HN_TRACE_TEACHER_MAX | HN_TRACE_PSEUDO_POSITIVE)

/*
 * The spread of the query's scores for the adaptive margins: population
 * standard deviation and median of the first margin_top_k candidates (rank
 * order, active score space) that stages 2 and 3 did not remove.  Fewer than
 * two such candidates give a spread of 0, so the margin is its floor.
 */
void
hn_margin_spread(const HnMineParams *p, HnQueryWork *w)
{
	double	   *x;
	int			n = 0;
	double		mean = 0,
				var = 0;

	w->cand_sd = w->cand_median = 0;
	if (p->margin_mode == HN_MARGIN_FIXED)
		return;
	x = palloc(sizeof(double) * Max(Min(w->ncand, p->margin_top_k), 1));
	for (int i = 0; i < w->ncand && n < p->margin_top_k; i++)
		if (!(w->cands[i].trace & FRONT_BITS))
			x[n++] = w->cands[i].score;
	if (n < 2)
	{
		if (n == 1)
			w->cand_median = x[0];
		pfree(x);
		return;
	}
	for (int i = 0; i < n; i++)
		mean += x[i];
	mean /= n;
	for (int i = 0; i < n; i++)
		var += (x[i] - mean) * (x[i] - mean);
	w->cand_sd = sqrt(var / n);
	hn_sort_doubles(x, n);
	w->cand_median = hn_quantile_sorted(x, n, 0.5);
	pfree(x);
}

/*
 * The absolute margin against the reference P (NaN: no absolute margin):
 * absolute_margin itself in the fixed mode; in the adaptive modes
 * max(m_min, lambda sd_q) or max(m_min, lambda (P - median_q)), with m_min
 * = absolute_margin or 0 (mining.md F2; ours, not a reproduction of LG-ANNA).
 */
double
hn_margin_for(const HnMineParams *p, const HnQueryWork *w, double pref, double lambda)
{
	double		m_min = p->absolute_margin.set ? p->absolute_margin.value : 0.0;

	switch (p->margin_mode)
	{
		case HN_MARGIN_ADAPTIVE:
			return Max(m_min, lambda * w->cand_sd);
		case HN_MARGIN_ADAPTIVE_MEDIAN:
			return Max(m_min, lambda * (pref - w->cand_median));
		default:
			return p->absolute_margin.set ? m_min : NAN;
	}
}

/*
 * Stage 3, RocketQA pseudo-positives: a candidate that stages 2-3 kept and
 * whose teacher score is >= teacher_pos_min is taken out of the negatives
 * and becomes a positive of the query (rows are emitted for it, its score is
 * in the active space, and it counts for pos_ref).  Appended after the qrels
 * positives in rank order.
 */
void
hn_filter_pseudo_positives(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w)
{
	int64	   *rows;
	float	   *scores;
	int			n = 0;

	if (!p->teacher_pos_min.set)
		return;
	rows = palloc(sizeof(int64) * (w->npos + w->ncand + 1));
	scores = palloc(sizeof(float) * (w->npos + w->ncand + 1));
	memcpy(rows, w->pos_rows, sizeof(int64) * w->npos);
	if (w->npos > 0)
		memcpy(scores, w->pos_scores, sizeof(float) * w->npos);
	for (int i = 0; i < w->ncand; i++)
	{
		HnCand	   *c = &w->cands[i];
		float		ts;

		if (c->is_positive || (c->trace & FRONT_BITS & ~HN_TRACE_TEACHER_MAX) ||
			!hn_mine_teacher_score(in, w->qrow, c->row, &ts) ||
			!(ts >= p->teacher_pos_min.value))
			continue;
		c->trace |= HN_TRACE_PSEUDO_POSITIVE;
		rows[w->npos + n] = c->row;
		scores[w->npos + n] = c->score;
		n++;
	}
	w->pos_rows = rows;
	w->pos_scores = scores;
	w->npseudo = n;
}

/*
 * Stages 4-5 against the reference P.  Recomputed from scratch for each
 * reference (pos_ref 'each' calls this once per positive).
 */
void
hn_filter_scores(const HnMineParams *p, HnQueryWork *w, double pref, HnMineStats *st)
{
	double		rel_r = p->relative_margin.set ? p->relative_margin.value : NAN;

	w->abs_margin = hn_margin_for(p, w, pref, p->margin_lambda);
	for (int i = 0; i < w->ncand; i++)
	{
		HnCand	   *c = &w->cands[i];

		c->trace &= ~SCORE_BITS;
		c->has_fn = false;
		if (c->is_positive && p->include_positives && p->exempt_positives)
			continue;
		c->trace |= hn_score_bits(p, c->score, pref, w->abs_margin, rel_r);
		if (c->trace & HN_TRACE_PERCPOS_FALLBACK)
			st->percpos_fallback++;
	}
}
