/*
 * sampling.c
 *		Stages 7-9 of mining and the STAR random mix: the rank window, seeded
 *		sampling (mining.md F3), backfill and random negatives (F8).
 *
 * Every random decision is a pure function of (seed, query id, doc id, draw)
 * through the shared counter-based RNG, so a result never depends on scan
 * order, plan shape or workers.  Weighted draws without replacement are
 * Efraimidis-Spirakis races compared in log space (log key = log(-ln u) -
 * log w), so tiny weights never underflow into ties.
 */
#include "postgres.h"

#include <math.h>

#include "kernels/rng.h"
#include "mining/mining.h"

typedef struct Keyed
{
	double		key;			/* smaller = drawn first */
	int			pos;			/* position in the window (rank order) */
} Keyed;

static int
keyed_cmp(const void *pa, const void *pb)
{
	const Keyed *a = pa,
			   *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->pos - b->pos;
}

static int
int_cmp(const void *pa, const void *pb)
{
	return *(const int *) pa - *(const int *) pb;
}

/* Survivors get kept ranks; returns the window (candidate indices, rank order). */
static int
rank_window(const HnMineParams *p, HnQueryWork *w, int *window)
{
	int			kept = 0,
				n = 0;

	for (int i = 0; i < w->ncand; i++)
	{
		HnCand	   *c = &w->cands[i];
		int			rank;

		c->kept_rank = 0;
		if (c->trace & HN_TRACE_REMOVING)
			continue;
		c->kept_rank = ++kept;
		rank = p->rank_raw ? c->raw_rank : c->kept_rank;
		if (rank > p->range_min && rank <= p->range_max)
			window[n++] = i;
	}
	return n;
}

/* Log-space priority key of window position pos under the strategy's weight. */
static double
log_key(const HnMineParams *p, const HnMineInputs *in, const HnQueryWork *w,
		const HnCand *c, double pref, double smax)
{
	double		u = hn_uniform_open(p->seed, HN_STREAM_SAMPLE, w->q_hash, in->d_hash[c->row], 0);
	double		logw = 0.0;

	if (p->sampling == HN_SAMPLE_SOFTMAX)
		logw = (c->score - smax) / p->temperature;
	else if (p->sampling == HN_SAMPLE_SIMANS)
	{
		double		d = c->score - pref + (p->simans_code_sign ? p->simans_b : -p->simans_b);

		logw = -p->simans_a * d * d;
	}
	return log(-log(u)) - logw;
}

/* The k smallest keys among window positions [from, nwin). */
static int
race(const HnMineParams *p, const HnMineInputs *in, const HnQueryWork *w,
	 const int *window, int nwin, int from, int k, double pref, int *chosen)
{
	Keyed	   *keys = palloc(sizeof(Keyed) * Max(nwin, 1));
	double		smax = nwin > 0 ? w->cands[window[0]].score : 0.0;
	int			n = 0;

	for (int i = from; i < nwin; i++)
	{
		keys[n].key = log_key(p, in, w, &w->cands[window[i]], pref, smax);
		keys[n].pos = i;
		n++;
	}
	qsort(keys, n, sizeof(Keyed), keyed_cmp);
	k = Min(k, n);
	for (int i = 0; i < k; i++)
		chosen[i] = keys[i].pos;
	pfree(keys);
	return k;
}

/*
 * TAS-B balanced margins: margins P - s in n equal-width bins over the
 * window's [min, max] (the maximum lands in the last bin); each draw picks a
 * non-empty bin uniformly, then a member uniformly, without replacement.
 */
static int
bins(const HnMineParams *p, const HnQueryWork *w, const int *window, int nwin,
	 int k, double pref, int *chosen)
{
	int		   *bin = palloc(sizeof(int) * Max(nwin, 1));
	bool	   *taken = palloc0(sizeof(bool) * Max(nwin, 1));
	int		   *count = palloc0(sizeof(int) * p->n_bins);
	double		lo = 0,
				hi = 0,
				width;
	int			got = 0;

	if (nwin < 2)
		return 0;				/* TAS-B skips queries with fewer than 2 pairs */
	for (int i = 0; i < nwin; i++)
	{
		double		m = pref - w->cands[window[i]].score;

		lo = i == 0 ? m : Min(lo, m);
		hi = i == 0 ? m : Max(hi, m);
	}
	width = (hi - lo) / p->n_bins;
	for (int i = 0; i < nwin; i++)
	{
		double		m = pref - w->cands[window[i]].score;
		int			b = width > 0 ? (int) floor((m - lo) / width) : 0;

		bin[i] = Min(Max(b, 0), p->n_bins - 1);
		count[bin[i]]++;
	}
	for (int d = 0; d < k && got < nwin; d++)
	{
		int			nonempty = 0,
					pick_bin = -1,
					nth;

		for (int b = 0; b < p->n_bins; b++)
			nonempty += count[b] > 0;
		nth = (int) (hn_uniform(p->seed, HN_STREAM_SAMPLE, w->q_hash, 1, 2 * d) * nonempty);
		for (int b = 0; b < p->n_bins && pick_bin < 0; b++)
			if (count[b] > 0 && nth-- == 0)
				pick_bin = b;
		nth = (int) (hn_uniform(p->seed, HN_STREAM_SAMPLE, w->q_hash, 1, 2 * d + 1) * count[pick_bin]);
		for (int i = 0; i < nwin; i++)
			if (!taken[i] && bin[i] == pick_bin && nth-- == 0)
			{
				taken[i] = true;
				count[pick_bin]--;
				chosen[got++] = i;
				break;
			}
	}
	return got;
}

/* Window positions of the k draws of the configured strategy. */
static int
draw(const HnMineParams *p, const HnMineInputs *in, const HnQueryWork *w,
	 const int *window, int nwin, double pref, int *chosen)
{
	int			k = Min(p->num_negatives, nwin);

	switch (p->sampling)
	{
		case HN_SAMPLE_TOP:
			break;
		case HN_SAMPLE_TOP1_PLUS_UNIFORM:
			if (k == 0)
				return 0;
			chosen[0] = 0;
			return 1 + race(p, in, w, window, nwin, 1, k - 1, pref, chosen + 1);
		case HN_SAMPLE_SIMANS:
			/* SimXNS: with a zero positive score take the lowest-ranked */
			if (pref == 0.0)
			{
				for (int i = 0; i < k; i++)
					chosen[i] = nwin - k + i;
				return k;
			}
			return race(p, in, w, window, nwin, 0, k, pref, chosen);
		case HN_SAMPLE_UNIFORM:
		case HN_SAMPLE_SOFTMAX:
			return race(p, in, w, window, nwin, 0, k, pref, chosen);
		case HN_SAMPLE_BINS:
			return bins(p, w, window, nwin, k, pref, chosen);
	}
	for (int i = 0; i < k; i++)
		chosen[i] = i;
	return k;
}

/*
 * Stages 7-8: returns the picks in rank order (sentence-transformers re-sorts
 * sampled negatives by score).  window must hold ncand entries.
 */
int
hn_sample_window(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w,
				 double pref, int *window, int *nwin_out, HnPick *out)
{
	int			nwin = rank_window(p, w, window);
	int		   *chosen = palloc(sizeof(int) * (p->num_negatives + 1));
	int			k = draw(p, in, w, window, nwin, pref, chosen);

	*nwin_out = nwin;
	qsort(chosen, k, sizeof(int), int_cmp);
	for (int i = 0; i < k; i++)
	{
		HnCand	   *c = &w->cands[window[chosen[i]]];

		out[i].cand = window[chosen[i]];
		out[i].row = c->row;
		out[i].score = c->score;
		out[i].trace = c->trace;
		out[i].source = NULL;
	}
	pfree(chosen);
	return k;
}

static bool
already_picked(const HnPick *picks, int n, int64 row)
{
	for (int i = 0; i < n; i++)
		if (picks[i].row == row)
			return true;
	return false;
}

/* A corpus row that random draws must skip: a positive, a duplicate, a rejected candidate. */
static bool
excluded_row(const HnMineParams *p, const HnMineInputs *in, const HnQueryWork *w,
			 const HnPick *picks, int npicks, int64 row)
{
	if (hn_mine_is_positive(in, w, row) || already_picked(picks, npicks, row))
		return true;
	if (p->excl_text_hash && hn_mine_same_text(in, w, row))
		return true;
	for (int i = 0; i < w->ncand; i++)
		if (w->cands[i].row == row)
			return (w->cands[i].trace & HN_TRACE_REMOVING) != 0;
	return false;
}

/*
 * Uniform corpus draws: draw d picks the row at a hashed position of the
 * id-sorted corpus, so the choice depends on ids, not on scan order.
 */
static int
random_rows(const HnMineParams *p, const HnMineInputs *in, const HnQueryWork *w,
			HnPick *picks, int npicks, int need, uint32 stream, uint32 trace,
			const char *source)
{
	int64		limit = 16 * (int64) need + 64;

	for (int64 d = 0; d < limit && need > 0 && in->nd > 0; d++)
	{
		int64		pos = (int64) (hn_uniform(p->seed, stream, w->q_hash, 0, d) * in->nd);
		int64		row = in->d_order[Min(pos, in->nd - 1)];

		if (excluded_row(p, in, w, picks, npicks, row))
			continue;
		picks[npicks].cand = -1;
		picks[npicks].row = row;
		picks[npicks].score = hn_mine_similarity(p, in, w->qvec, row);
		if (p->teacher_space)
			(void) hn_mine_teacher_score(in, w->qrow, row, &picks[npicks].score);
		picks[npicks].trace = trace;
		picks[npicks].source = source;
		npicks++;
		need--;
	}
	return npicks;
}

/* Stage 9: flagged backfill when the window gave fewer than num_negatives. */
int
hn_backfill(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w,
			HnPick *picks, int npicks)
{
	int			need = p->num_negatives - npicks;

	if (need <= 0 || p->backfill == HN_BACKFILL_NONE)
		return npicks;
	if (p->backfill == HN_BACKFILL_RANDOM)
		return random_rows(p, in, w, picks, npicks, need, HN_STREAM_BACKFILL,
						   HN_TRACE_BACKFILL, "backfill");
	/* deeper: the next survivors past the window, in rank order */
	for (int i = 0; i < w->ncand && need > 0; i++)
	{
		HnCand	   *c = &w->cands[i];
		int			rank = p->rank_raw ? c->raw_rank : c->kept_rank;

		if (c->kept_rank == 0 || rank <= p->range_max)
			continue;
		picks[npicks].cand = i;
		picks[npicks].row = c->row;
		picks[npicks].score = c->score;
		picks[npicks].trace = c->trace | HN_TRACE_BACKFILL | HN_TRACE_WINDOW;
		picks[npicks].source = "backfill";
		npicks++;
		need--;
	}
	return npicks;
}

/* STAR (mining.md F8): random_negatives uniform corpus draws added per query. */
int
hn_random_mix(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w,
			  HnPick *picks, int npicks)
{
	if (p->random_negatives <= 0)
		return npicks;
	return random_rows(p, in, w, picks, npicks, p->random_negatives, HN_STREAM_MIX,
					   HN_TRACE_RANDOM, "random");
}
