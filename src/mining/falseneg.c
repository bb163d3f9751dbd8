/*
 * falseneg.c
 *		Stage 6: false negatives (SPEC 4.3), through src/falseneg/scorer.h.
 *
 * false_negatives is 'none', 'auto' or any combination of 'propensity',
 * 'knn', 'teacher' and 'calibrated'.  With 'auto' or 'calibrated' the dense
 * search goes fn_refill candidates deeper than sentence-transformers' pool,
 * so that dropped candidates are replaced from below (p->fn_refill).  The scorer is built once per call from the inputs mining has
 * read (its query and corpus batches) and the qrels, pooled_runs and
 * teacher_scores queries.  'propensity' estimates the relevance rate of each
 * raw-rank bucket from every query's raw candidates, so hn_mine_fn_begin runs
 * stage 1 over all queries before mining; it keeps their dense candidates,
 * and mining reuses them: the k-NN search runs once per call.  The qrels and
 * teacher scores the scorer uses are the arrays mining has read.
 */
#include "postgres.h"

#include "falseneg/scorer.h"
#include "kernels/exact_knn.h"
#include "miscadmin.h"
#include "mining/mining.h"
#include "utils/memutils.h"

static const int32 fn_edges[] = {1, 2, 4, 11, 21, 51, 101, 1001};

int
hn_false_negative_mode(const char *name)
{
	return hn_fn_parse_methods(name, "false_negatives");
}

/* Feeds one query's raw candidates (positives included) to the propensity model. */
static void
observe_query(const HnMineParams *p, HnMineInputs *in, HnKnn *knn, int64 knn_base,
			  int pool, int64 qrow)
{
	HnQueryWork w;
	int64		nrun = in->run_start ? in->run_start[qrow + 1] - in->run_start[qrow] : 0;
	int64	   *rows;
	int32	   *ranks;

	memset(&w, 0, sizeof(w));
	w.qrow = qrow;
	w.npos = (int) (in->pos_start[qrow + 1] - in->pos_start[qrow]);
	if (w.npos == 0)
		return;
	w.qvec = hn_batch_vector(in->queries, 1, qrow);
	if (p->pool_per_query)
		pool = p->range_max + w.npos + p->fn_refill;
	w.cands = palloc(sizeof(HnCand) * (pool + nrun + 1));
	hn_mine_candidates(p, in, &w, knn, knn_base, pool);
	rows = palloc(sizeof(int64) * Max(w.ncand, 1));
	ranks = palloc(sizeof(int32) * Max(w.ncand, 1));
	for (int i = 0; i < w.ncand; i++)
	{
		rows[i] = w.cands[i].row;
		ranks[i] = w.cands[i].raw_rank;
	}
	hn_fn_scorer_observe(in->fn_scorer, in->qids, qrow, in->dids, rows, ranks, w.ncand);
}

/* The first pass: stage 1 for every query, block by block as mining does. */
static void
observe_all(const HnMineParams *p, HnMineInputs *in, int pool)
{
	MemoryContext qcxt = AllocSetContextCreate(CurrentMemoryContext, "hardneg fn observe",
											   ALLOCSET_DEFAULT_SIZES);
	int64		block = hn_rows_for_work_mem(sizeof(HnScored) * 2 * (size_t) Max(pool, 1));

	block = Min(Max(block, 1), Max(in->nq, 1));
	/* the streamed exact pass has kept every query's candidates already */
	if (!hn_mine_dense_kept(in))
		hn_mine_dense_keep_begin(in);
	for (int64 q0 = 0; q0 < in->nq; q0 += block)
	{
		int64		q1 = Min(q0 + block, in->nq);
		HnKnn	   *knn = hn_mine_dense_search(p, in, pool, q0, q1 - q0);

		for (int64 q = q0; q < q1; q++)
		{
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			old = MemoryContextSwitchTo(qcxt);
			observe_query(p, in, knn, q0, pool, q);
			MemoryContextSwitchTo(old);
			MemoryContextReset(qcxt);
		}
		if (knn)
			hn_knn_free(knn);
	}
	hn_mine_dense_keep_finish(in);
	MemoryContextDelete(qcxt);
}

void
hn_mine_fn_begin(const HnMineParams *p, HnMineInputs *in, int pool)
{
	HnFnScorerConfig cfg;

	if (p->false_negatives == HN_FN_NONE)
		return;
	memset(&cfg, 0, sizeof(cfg));
	cfg.methods = p->false_negatives;
	cfg.threshold = p->fn_threshold;
	cfg.level = 1;				/* mining's positives: relevance > 0 */
	cfg.qrels = p->qrels_sql;
	cfg.qrels_read = &in->qrels;	/* read once, by hn_mine_read_inputs */
	cfg.pooled_runs = p->pooled_runs_sql;
	cfg.edges = fn_edges;
	cfg.nedges = lengthof(fn_edges);
	cfg.alpha = cfg.beta = 1.0;
	cfg.query_batch = in->queries;
	cfg.corpus_batch = in->corpus;
	cfg.k = 10;
	cfg.doc_k = 3;
	cfg.metric = p->metric;
	cfg.teacher_scores = p->teacher_sql;
	cfg.teacher_read = in->has_teacher ? &in->teacher : NULL;
	in->fn_scorer = hn_fn_scorer_begin(&cfg);
	hn_fn_scorer_check_ids(in->fn_scorer, "queries", in->qids, in->dids);
	if (hn_fn_scorer_needs_observe(in->fn_scorer))
		observe_all(p, in, pool);
}

/*
 * The refill budget of 'auto' and 'calibrated': the num_negatives picks may
 * carry at most HN_FN_BUDGET of the expected false negatives (sum of p) of
 * the plain picks (the first num_negatives survivors).  While they carry
 * more, the riskiest of the current picks is dropped and the next survivor
 * moves up.  Only the ratio of p matters here, so the rule means the same on
 * every collection even where p is off by a common factor.
 */
#define HN_FN_BUDGET 0.5

static void
budget_drops(HnQueryWork *w, int k)
{
	double		target = 0.0;
	int			seen = 0;

	for (int i = 0; i < w->ncand && seen < k; i++)
		if (!(w->cands[i].trace & HN_TRACE_REMOVING))
		{
			target += w->cands[i].p_fn;
			seen++;
		}
	target *= HN_FN_BUDGET;
	for (;;)
	{
		double		sum = 0.0;
		int			worst = -1,
					picked = 0,
					left = 0;

		for (int i = 0; i < w->ncand; i++)
		{
			HnCand	   *c = &w->cands[i];

			if (c->trace & HN_TRACE_REMOVING)
				continue;
			left++;
			if (picked == k)
				continue;
			picked++;
			sum += c->p_fn;
			if (worst < 0 || c->p_fn > w->cands[worst].p_fn)
				worst = i;
		}
		if (sum <= target || left <= k || worst < 0)
			break;
		w->cands[worst].trace |= HN_TRACE_FALSE_NEG;
	}
}

/* Scores the candidates that survived stages 2-5 and applies the verdicts. */
void
hn_mine_false_negatives(const HnMineParams *p, const HnMineInputs *in,
						HnQueryWork *w, double pref)
{
	int		   *idx;
	int64	   *rows;
	int32	   *ranks;
	HnFnVerdict *v;
	int			n = 0;

	if (p->false_negatives == HN_FN_NONE)
		return;
	idx = palloc(sizeof(int) * Max(w->ncand, 1));
	rows = palloc(sizeof(int64) * Max(w->ncand, 1));
	ranks = palloc(sizeof(int32) * Max(w->ncand, 1));
	v = palloc(sizeof(HnFnVerdict) * Max(w->ncand, 1));
	for (int i = 0; i < w->ncand; i++)
		if (!(w->cands[i].trace & HN_TRACE_REMOVING))
		{
			idx[n] = i;
			rows[n] = w->cands[i].row;
			ranks[n] = w->cands[i].raw_rank;
			n++;
		}
	hn_fn_scorer_score(in->fn_scorer, in->qids, w->qrow, in->dids, rows, ranks, n, v);
	for (int i = 0; i < n; i++)
	{
		HnCand	   *c = &w->cands[idx[i]];

		c->has_fn = true;
		c->p_fn = (float) v[i].p_combined;
		c->weight = (float) (1.0 - v[i].p_combined);
		if (v[i].drop)
			c->trace |= HN_TRACE_FALSE_NEG;
	}
	if (p->fn_refill > 0)
		budget_drops(w, p->num_negatives);
}
