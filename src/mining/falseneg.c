/*
 * falseneg.c
 *		Stage 6: the false-negative hook (SPEC 4.3).
 *
 * Mining hands the candidates that survived stages 2-5 to
 * hn_false_negative_score() as plain arrays; a scorer (propensity, kNN label
 * transfer, teacher thresholds: branch falseneg) fills p_false_negative and
 * weight and may drop candidates.  Only 'none' exists here: the columns stay
 * NULL and nothing is dropped.
 */
#include "postgres.h"

#include "mining/mining.h"

int
hn_false_negative_mode(const char *name)
{
	if (pg_strcasecmp(name, "none") == 0)
		return HN_FN_NONE;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("mine_hard_negatives: false_negatives \"%s\" is not available", name),
			 errhint("Only false_negatives => 'none' is implemented in this build.")));
	return HN_FN_NONE;			/* not reached */
}

void
hn_false_negative_score(const HnFnQuery *q, float *p_fn, float *weight,
						bool *has_value, bool *drop)
{
	for (int i = 0; i < q->n; i++)
	{
		has_value[i] = false;
		drop[i] = false;
		p_fn[i] = 0.0f;
		weight[i] = 1.0f;
	}
}

/* Gathers the surviving candidates, calls the hook and applies its verdicts. */
void
hn_mine_false_negatives(const HnMineParams *p, const HnMineInputs *in,
						HnQueryWork *w, double pref)
{
	HnFnQuery	q;
	int		   *idx;
	int64	   *rows;
	float	   *scores,
			   *p_fn,
			   *weight;
	int		   *ranks;
	bool	   *has,
			   *drop;
	int			n = 0;

	if (p->false_negatives == HN_FN_NONE)
		return;
	idx = palloc(sizeof(int) * Max(w->ncand, 1));
	for (int i = 0; i < w->ncand; i++)
		if (!(w->cands[i].trace & HN_TRACE_REMOVING))
			idx[n++] = i;
	rows = palloc(sizeof(int64) * Max(n, 1));
	scores = palloc(sizeof(float) * Max(n, 1));
	ranks = palloc(sizeof(int) * Max(n, 1));
	p_fn = palloc(sizeof(float) * Max(n, 1));
	weight = palloc(sizeof(float) * Max(n, 1));
	has = palloc(sizeof(bool) * Max(n, 1));
	drop = palloc(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		rows[i] = w->cands[idx[i]].row;
		scores[i] = w->cands[idx[i]].score;
		ranks[i] = w->cands[idx[i]].raw_rank;
	}
	q.mode = p->false_negatives;
	q.threshold = p->fn_threshold;
	q.query_ids = in->qids;
	q.query_row = w->qrow;
	q.doc_ids = in->dids;
	q.doc_rows = rows;
	q.scores = scores;
	q.raw_ranks = ranks;
	q.positive_ref = pref;
	q.n = n;
	q.inputs = in;
	hn_false_negative_score(&q, p_fn, weight, has, drop);
	for (int i = 0; i < n; i++)
	{
		HnCand	   *c = &w->cands[idx[i]];

		c->has_fn = has[i];
		c->p_fn = p_fn[i];
		c->weight = weight[i];
		if (drop[i])
			c->trace |= HN_TRACE_FALSE_NEG;
	}
}
