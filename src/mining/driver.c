/*
 * driver.c
 *		mine_hard_negatives() and mine_hard_negatives_stats(): the per-query
 *		loop that runs the stages in the documented order (docs/mining.md):
 *
 *		 1. candidates (dense top-K, K = range_max + max_positives, and runs)
 *		 2. duplicate-aware positive exclusion (doc id, text hash, near-dup)
 *		 3. teacher scores (rescoring, teacher_max, pseudo-positives)
 *		 4. absolute score band (max_score, min_score)
 *		 5. positive-anchored filters (margins, percpos) against pos_ref
 *		 6. false-negative hook
 *		 7. rank window (rank_basis kept | raw)
 *		 8. seeded sampling
 *		 9. flagged backfill
 *		10. STAR random mix
 *		11. rows, one per (query, positive, negative)
 *
 * All parameters are validated before any input is read; a query's scratch
 * memory lives in a context reset per query.  auto_calibrate runs stages 1-4
 * on a sample of queries first (calibrate.c) and fixes the margin.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "catalog/pg_type.h"
#include "io/progress.h"
#include "io/srf.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "kernels/exact_knn.h"
#include "mining/mining.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#define OUT_NCOLS 12

typedef struct MineRun
{
	HnMineParams p;
	HnMineInputs in;
	HnMineStats st;
	HnSrf	   *srf;			/* rows go here; NULL for the stats entry */
	struct HnKnn *knn;			/* dense results of the current query block */
	int64		knn_base;		/* first input row of that block */
	int			pool;
	HnProgress	progress;		/* hardneg.progress: queries of in.nq */
	int64		done;			/* queries mined so far */
} MineRun;

/* "dense+run:bm25" from a candidate's source bits. */
static const char *
source_label(const HnMineInputs *in, const HnPick *pk, const HnCand *c)
{
	StringInfoData s;

	if (pk->source)
		return pk->source;
	initStringInfo(&s);
	if (c->sources & 1)
		appendStringInfoString(&s, "dense");
	for (int r = 0; r < in->nrun_labels; r++)
		if (c->sources & ((uint32) 2 << r))
			appendStringInfo(&s, "%srun:%s", s.len ? "+" : "", in->run_labels[r]);
	return s.data;
}

static void
emit_row(MineRun *m, const HnQueryWork *w, int j, const HnPick *pk, int neg_rank)
{
	const HnMineInputs *in = &m->in;
	const HnCand *c = pk->cand >= 0 ? &w->cands[pk->cand] : NULL;
	Datum		values[OUT_NCOLS];
	bool		nulls[OUT_NCOLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = hn_ids_datum(in->qids, w->qrow, m->p.id_type);
	values[1] = hn_ids_datum(in->dids, w->pos_rows[j], m->p.id_type);
	values[2] = hn_ids_datum(in->dids, pk->row, m->p.id_type);
	values[3] = Int32GetDatum(neg_rank);
	values[4] = Int32GetDatum(c ? c->kept_rank : 0);
	nulls[4] = c == NULL || c->kept_rank == 0;
	values[5] = Int32GetDatum(c ? c->raw_rank : 0);
	nulls[5] = c == NULL;
	values[6] = Float4GetDatum(pk->score);
	values[7] = Float4GetDatum(w->pos_scores[j]);
	values[8] = CStringGetTextDatum(source_label(in, pk, c));
	values[9] = Float4GetDatum(c ? c->p_fn : 0);
	values[10] = Float4GetDatum(c ? c->weight : 0);
	nulls[9] = nulls[10] = c == NULL || !c->has_fn;
	/* the row's positive is a pseudo-positive: say so in its trace */
	values[11] = Int32GetDatum((int32) (pk->trace | (j >= w->npos ? HN_TRACE_PSEUDO_POSITIVE : 0)));
	hn_srf_put(m->srf, values, nulls);
}

/* Rows for the positives a reference covers (all of them, or one with 'each'). */
static void
emit_query(MineRun *m, const HnQueryWork *w, int pos_from, int pos_to,
		   const HnPick *picks, int npicks)
{
	for (int j = pos_from; j < pos_to; j++)
		for (int i = 0; i < npicks; i++)
		{
			m->st.rows++;
			if (m->srf)
				emit_row(m, w, j, &picks[i], i + 1);
			else
				hn_stats_add_pair(&m->st, w->pos_scores[j], picks[i].score);
		}
}

/* Stages 5-11 for one reference positive score. */
static void
mine_reference(MineRun *m, HnQueryWork *w, double pref, int pos_from, int pos_to)
{
	const HnMineParams *p = &m->p;
	int		   *window = palloc(sizeof(int) * Max(w->ncand, 1));
	HnPick	   *picks = palloc(sizeof(HnPick) * (p->num_negatives + p->random_negatives + 1));
	int			nwin,
				nsampled,
				npicks;

	/* counted per reference, so that 'each' keeps the filter counts consistent */
	m->st.candidates += w->ncand;
	hn_filter_scores(p, w, pref, &m->st);
	hn_mine_false_negatives(p, &m->in, w, pref);
	for (int i = 0; i < w->ncand; i++)
		hn_stats_trace(&m->st, w->cands[i].trace);
	nsampled = hn_sample_window(p, &m->in, w, pref, window, &nwin, picks);
	npicks = hn_backfill(p, &m->in, w, picks, nsampled);
	m->st.in_window += nwin;
	m->st.sampled += nsampled;
	m->st.backfilled += npicks - nsampled;
	m->st.missing += p->num_negatives - npicks;
	nsampled = npicks;
	npicks = hn_random_mix(p, &m->in, w, picks, npicks);
	m->st.random_mixed += npicks - nsampled;
	emit_query(m, w, pos_from, pos_to, picks, npicks);
}

static void
query_vector(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w)
{
	w->qvec = hn_batch_vector(in->queries, 1, w->qrow);
	if (p->metric == HN_METRIC_COSINE && hn_norm_sq(w->qvec, in->dim) == 0.0f)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("mine_hard_negatives: a query has a zero-norm embedding"),
				 errhint("Cosine similarity is undefined for zero vectors; remove the query or use metric => 'ip'.")));
	w->q_hash = hn_ids_hash(in->qids, w->qrow);
}

/*
 * Stages 1-3 of one query, the part that does not depend on the reference
 * positive: candidates, exclusion, teacher, pseudo-positives and the spread
 * of the adaptive margins.  Also the front half of auto_calibrate's sample.
 * False when the query has no positive (qrels or pseudo) to mine against.
 */
bool
hn_mine_prepare_query(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w,
					  int64 qrow, struct HnKnn *knn, int64 knn_base, int pool)
{
	int64		nrun = in->run_start ? in->run_start[qrow + 1] - in->run_start[qrow] : 0;

	memset(w, 0, sizeof(*w));
	w->qrow = qrow;
	w->npos = (int) (in->pos_start[qrow + 1] - in->pos_start[qrow]);
	w->pos_rows = in->pos_rows + in->pos_start[qrow];
	if (w->npos == 0 && !p->allow_unlabeled)
		return false;
	query_vector(p, in, w);
	w->pos_scores = palloc(sizeof(float) * Max(w->npos, 1));
	for (int j = 0; j < w->npos; j++)
		w->pos_scores[j] = hn_mine_similarity(p, in, w->qvec, w->pos_rows[j]);

	/* stage 1: sentence-transformers' pool is range_max + max_positives */
	if (p->pool_per_query)
		pool = p->range_max + w->npos + p->fn_refill;
	w->cands = palloc(sizeof(HnCand) * (pool + nrun + 1));
	hn_mine_candidates(p, in, w, knn, knn_base, pool);

	hn_filter_exclusion(p, in, w);	/* stage 2 */
	hn_filter_teacher(p, in, w);	/* stage 3 */
	if (p->teacher_space)
		hn_mine_sort_cands(in, w->cands, w->ncand);
	hn_filter_pseudo_positives(p, in, w);
	if (w->npos + w->npseudo == 0)
		return false;
	hn_margin_spread(p, w);
	return true;
}

static void
mine_query(MineRun *m, int64 qrow)
{
	const HnMineParams *p = &m->p;
	HnQueryWork w;
	int			nall;

	if (!hn_mine_prepare_query(p, &m->in, &w, qrow, m->knn, m->knn_base, m->pool))
	{
		m->st.queries_no_positive++;
		return;
	}
	nall = w.npos + w.npseudo;
	m->st.queries_mined++;
	m->st.positives += w.npos;
	m->st.pseudo_positives += w.npseudo;
	if (p->pos_ref == HN_POSREF_EACH)
		for (int j = 0; j < nall; j++)
			mine_reference(m, &w, w.pos_scores[j], j, j + 1);
	else
		mine_reference(m, &w, hn_positive_reference(p, w.pos_scores, nall), 0, nall);
}

static int
rank_cmp(const void *pa, const void *pb, void *arg)
{
	const int64 *rank = arg;
	int64		a = rank[*(const int64 *) pa],
				b = rank[*(const int64 *) pb];

	return (a > b) - (a < b);
}

/*
 * Queries per k-NN block: the kernel keeps pool heap entries (and as many
 * tie entries) per query, so a block's heaps fit in work_mem.
 */
static int64
query_block(const MineRun *m)
{
	int64		rows = hn_rows_for_work_mem(sizeof(HnScored) * 2 * (size_t) Max(m->pool, 1));

	return Min(Max(rows, 1), Max(m->in.nq, 1));
}

/* Mines input rows [q0, q1): one k-NN pass, then each query in id order. */
static void
mine_block(MineRun *m, int64 q0, int64 q1, const int64 *q_rank, MemoryContext qcxt)
{
	int64	   *rows = palloc(sizeof(int64) * (q1 - q0));

	for (int64 r = q0; r < q1; r++)
		rows[r - q0] = r;
	qsort_arg(rows, q1 - q0, sizeof(int64), rank_cmp, (void *) q_rank);
	/* after the propensity pass the dense candidates are kept: no search */
	m->knn = hn_mine_dense_kept(&m->in) ? NULL :
		hn_mine_dense_search(&m->p, &m->in, m->pool, q0, q1 - q0);
	m->knn_base = q0;
	for (int64 i = 0; i < q1 - q0; i++)
	{
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(qcxt);
		mine_query(m, rows[i]);
		MemoryContextSwitchTo(old);
		MemoryContextReset(qcxt);
		hn_progress_tick(&m->progress, ++m->done, NULL);
	}
	if (m->knn)
		hn_knn_free(m->knn);
	m->knn = NULL;
	pfree(rows);
}

static void
mine_all(MineRun *m)
{
	MemoryContext qcxt = AllocSetContextCreate(CurrentMemoryContext, "hardneg mining query",
											   ALLOCSET_DEFAULT_SIZES);
	int64	   *q_rank;
	int64		block;

	m->st.cxt = CurrentMemoryContext;
	hn_mine_read_inputs(&m->p, &m->in);
	if (m->p.id_type == INT8OID && (m->in.qids->is_text || m->in.dids->is_text))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("mine_hard_negatives: the inputs have text ids but the output ids are bigint"),
				 errhint("Pass id_type as the fourth argument, e.g. mine_hard_negatives(q, c, r, NULL::text, ...).")));
	m->st.queries_in = m->in.nq;
	m->st.positives_missing = m->in.positives_missing;
	m->pool = hn_mine_pool(&m->p);
	hn_mine_index_begin(&m->p, &m->in, m->pool);
	hn_mine_fn_begin(&m->p, &m->in, m->pool);
	hn_mine_auto_calibrate(&m->p, &m->in, m->pool);

	/* within a block, queries go in id order, not in the input's order */
	q_rank = palloc(sizeof(int64) * Max(m->in.nq, 1));
	for (int64 i = 0; i < m->in.nq; i++)
		q_rank[m->in.q_order[i]] = i;
	block = query_block(m);
	hn_progress_begin(&m->progress, m->p.fname, "queries", m->in.nq);
	for (int64 q0 = 0; q0 < m->in.nq; q0 += block)
		mine_block(m, q0, Min(q0 + block, m->in.nq), q_rank, qcxt);
	hn_progress_end(&m->progress, m->done, NULL);
	hn_mine_index_end(&m->in);
	MemoryContextDelete(qcxt);
}

/* Both entries: validate everything, then mine into rows or into statistics. */
static void
run_entry(FunctionCallInfo fcinfo, bool stats)
{
	MineRun    *m = palloc0(sizeof(MineRun));
	HnSrf		srf;

	hn_mine_parse_params(fcinfo, &m->p);
	m->p.fname = stats ? "mine_hard_negatives_stats" : "mine_hard_negatives";
	hn_srf_begin(fcinfo, &srf);
	m->srf = stats ? NULL : &srf;
	mine_all(m);
	if (stats)
		hn_stats_emit(&srf, &m->p, &m->st);
}

PG_FUNCTION_INFO_V1(hn_mine_hard_negatives);
Datum
hn_mine_hard_negatives(PG_FUNCTION_ARGS)
{
	run_entry(fcinfo, false);
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(hn_mine_hard_negatives_stats);
Datum
hn_mine_hard_negatives_stats(PG_FUNCTION_ARGS)
{
	run_entry(fcinfo, true);
	PG_RETURN_NULL();
}
