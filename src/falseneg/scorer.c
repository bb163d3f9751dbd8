/*
 * scorer.c
 *		The combined false-negative scorer (see scorer.h).
 */
#include "postgres.h"

#include "falseneg/calibration.h"
#include "falseneg/models.h"
#include "falseneg/scorer.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/json.h"

enum
{
	EST_PROPENSITY,
	EST_KNN,
	EST_TEACHER,
	EST_CALIBRATED
};

struct HnFnScorer
{
	HnFnScorerConfig cfg;
	HnJudgments	qr;
	/* propensity */
	HnFnPool	pool;
	bool		has_pool;
	int64	   *n_judged;		/* per bucket, from observe */
	int64	   *n_relevant;
	double	   *rho;
	bool		rho_ready;
	/* knn */
	HnFnEmbeddings queries;
	HnFnEmbeddings corpus;
	int64	   *labelled;
	int64		nlabelled;
	int64	   *neighbours;
	/* teacher */
	HnFnTeacher teacher;
	/* calibrated */
	HnFnCalib	calib;
	bool		calib_ready;
};

static void
need_input(const char *sql, const char *name, const char *method)
{
	if (sql == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("false-negative estimator '%s' needs %s", method, name),
				 errhint("Pass %s, or leave '%s' out of the estimators.", name, method)));
}

/* Embeddings from the caller's batch when it has one, else from SQL. */
static void
embeddings(HnFnEmbeddings *e, HnBatch *batch, const char *what, const char *sql)
{
	if (batch == NULL)
	{
		need_input(sql, what, "knn");
		hn_fn_read_embeddings(e, what, sql);
		return;
	}
	e->b = batch;
	e->ids = &batch->cols[0].ids;
	hn_fn_id_index_build(&e->ix, e->ids, batch->nrows);
}

/*
 * 'auto': the calibrated model when the pooled runs are known (it needs
 * them: the pool is what it re-pools); else the kNN votes when there are
 * vectors; else the teacher when there are teacher scores.
 */
static int
resolve_auto(const HnFnScorerConfig *cfg)
{
	if (!(cfg->methods & HN_FN_AUTO))
		return cfg->methods;
	if (cfg->pooled_runs)
		return HN_FN_CALIBRATED;
	if ((cfg->query_batch || cfg->queries) && (cfg->corpus_batch || cfg->corpus))
		return HN_FN_KNN;
	if (cfg->teacher_scores)
		return HN_FN_TEACHER;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("false-negative estimator 'auto' has no input to work from"),
			 errhint("Pass pooled_runs (the runs the qrels were pooled from), vectors or teacher_scores.")));
	return HN_FN_NONE;			/* not reached */
}

/* Checks that every input the estimators need is there before reading any. */
static void
check_config(const HnFnScorerConfig *cfg)
{
	if (cfg->methods & HN_FN_CALIBRATED)
		need_input(cfg->pooled_runs, "pooled_runs", "calibrated");
	if (cfg->methods & HN_FN_KNN)
	{
		if (cfg->query_batch == NULL)
			need_input(cfg->queries, "queries", "knn");
		if (cfg->corpus_batch == NULL)
			need_input(cfg->corpus, "corpus", "knn");
	}
	if (cfg->methods & HN_FN_TEACHER)
		need_input(cfg->teacher_scores, "teacher_scores", "teacher");
}

HnFnScorer *
hn_fn_scorer_begin(const HnFnScorerConfig *cfg)
{
	HnFnScorer *s = palloc0(sizeof(HnFnScorer));

	s->cfg = *cfg;
	s->cfg.methods = resolve_auto(cfg);
	cfg = &s->cfg;
	check_config(cfg);
	if (cfg->qrels_read)
		s->qr = *cfg->qrels_read;
	else
		hn_judgments_read(&s->qr, cfg->qrels, false);
	if ((cfg->methods & (HN_FN_PROPENSITY | HN_FN_CALIBRATED)) && cfg->pooled_runs)
	{
		hn_fn_pool_build(&s->pool, &s->qr, cfg->pooled_runs, cfg->edges, cfg->nedges, cfg->level);
		s->has_pool = true;
	}
	if (cfg->methods & HN_FN_CALIBRATED)
		hn_fn_calib_init(&s->calib, &s->pool, &s->qr, cfg->level);
	s->n_judged = palloc0(sizeof(int64) * cfg->nedges);
	s->n_relevant = palloc0(sizeof(int64) * cfg->nedges);
	s->rho = palloc0(sizeof(double) * cfg->nedges);
	if (cfg->methods & HN_FN_KNN)
	{
		embeddings(&s->queries, cfg->query_batch, "queries", cfg->queries);
		embeddings(&s->corpus, cfg->corpus_batch, "corpus", cfg->corpus);
		hn_ids_check_kinds("queries", s->queries.ids, "qrels", s->qr.qid);
		hn_ids_check_kinds("corpus", s->corpus.ids, "qrels", s->qr.did);
		s->labelled = hn_fn_labelled_queries(&s->queries, &s->qr, cfg->level, &s->nlabelled);
		s->neighbours = palloc(sizeof(int64) * cfg->k);
	}
	if (cfg->methods & HN_FN_TEACHER)
	{
		if (cfg->teacher_read)
			hn_fn_teacher_from_scores(&s->teacher, cfg->teacher_read, s->qr.qid);
		else
			hn_fn_read_teacher(&s->teacher, cfg->teacher_scores, s->qr.qid);
		if (cfg->platt)
			hn_fn_teacher_calibrate(&s->teacher, &s->qr, cfg->level);
	}
	return s;
}

void
hn_fn_scorer_check_ids(HnFnScorer *s, const char *what, const HnIds *qids, const HnIds *dids)
{
	hn_ids_check_kinds(what, qids, "qrels", s->qr.qid);
	hn_ids_check_kinds(what, dids, "qrels", s->qr.did);
}

int
hn_fn_scorer_methods(const HnFnScorer *s)
{
	return s->cfg.methods;
}

bool
hn_fn_scorer_needs_observe(const HnFnScorer *s)
{
	return (s->cfg.methods & (HN_FN_PROPENSITY | HN_FN_CALIBRATED)) != 0;
}

void
hn_fn_scorer_observe(HnFnScorer *s, const HnIds *qids, int64 qi,
					 const HnIds *dids, const int64 *di, const int32 *ranks, int n)
{
	if (s->cfg.methods & HN_FN_CALIBRATED)
	{
		Assert(!s->calib_ready);
		hn_fn_calib_observe(&s->calib, qids, qi, dids, di, ranks, n);
	}
	if (!(s->cfg.methods & HN_FN_PROPENSITY))
		return;
	Assert(!s->rho_ready);
	for (int i = 0; i < n; i++)
	{
		int32		rel;
		bool		in_qrels;
		int			j = hn_fn_judge(&s->qr, qids, qi, dids, di[i], s->cfg.level, &rel, &in_qrels);
		int			b = hn_fn_bucket(s->cfg.edges, s->cfg.nedges, ranks[i]);

		if (j == HN_FN_UNJUDGED)
			continue;
		s->n_judged[b]++;
		s->n_relevant[b] += (j == HN_FN_POSITIVE);
	}
}

static void
finish_rho(HnFnScorer *s)
{
	for (int b = 0; b < s->cfg.nedges; b++)
		s->rho[b] = hn_fn_rho(s->n_relevant[b], s->n_judged[b], s->cfg.alpha, s->cfg.beta);
	s->rho_ready = true;
	if ((s->cfg.methods & HN_FN_CALIBRATED) && !s->calib_ready)
	{
		hn_fn_calib_fit(&s->calib);
		s->calib_ready = true;
	}
}

char *
hn_fn_scorer_model_json(HnFnScorer *s)
{
	HnFnCalib  *c = &s->calib;
	StringInfoData buf;
	char		name[NAMEDATALEN + 64];

	if (!(s->cfg.methods & HN_FN_CALIBRATED))
		return NULL;
	if (!s->rho_ready)
		finish_rho(s);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"model\": \"logistic\", \"fit\": \"half-depth re-pooling\", "
					 "\"ridge\": %g, \"examples\": " INT64_FORMAT ", \"relevant_examples\": " INT64_FORMAT
					 ", \"iterations\": %d, \"intercept\": %.17g, \"depths\": {",
					 HN_FN_CALIB_RIDGE, c->n, c->n_pos, c->iterations, c->w[0]);
	for (int r = 0; r < c->nruns; r++)
	{
		appendStringInfoString(&buf, r ? ", " : "");
		escape_json(&buf, c->pool->runs.run_names[r]);
		appendStringInfo(&buf, ": %g", c->depth[r]);
	}
	appendStringInfoString(&buf, "}, \"coefficients\": {");
	for (int j = 0; j < c->nfeat; j++)
	{
		appendStringInfoString(&buf, j ? ", " : "");
		escape_json(&buf, hn_fn_calib_feature_name(c, j, name, sizeof(name)));
		appendStringInfo(&buf, ": %.17g", c->w[j + 1]);
	}
	appendStringInfoString(&buf, "}}");
	return buf.data;
}

static double
propensity_p(HnFnScorer *s, const HnIds *qids, int64 qi, const HnIds *dids, int64 d, int32 rank)
{
	double		pi = s->has_pool ? hn_fn_pool_pair_pi(&s->pool, qids, qi, dids, d) : 0.0;

	return hn_fn_p_propensity(s->rho[hn_fn_bucket(s->cfg.edges, s->cfg.nedges, rank)], pi);
}

static double
knn_p(HnFnScorer *s, const HnFnJudgedDocs *jd, int nn, const HnIds *dids, int64 d)
{
	int64		drow = hn_fn_embedding_row(&s->corpus, "corpus", dids, d);
	int			vq = 0,
				vd,
				nvoters;

	for (int j = 0; j < nn; j++)
	{
		int32		rel;
		bool		in_qrels;

		if (hn_fn_judge(&s->qr, s->queries.ids, s->neighbours[j], dids, d, s->cfg.level,
						&rel, &in_qrels) == HN_FN_POSITIVE)
			vq++;
	}
	vd = hn_fn_doc_votes(s->cfg.metric, hn_batch_vector(s->corpus.b, 1, drow),
						 s->corpus.b->cols[1].dim, jd->vecs, jd->relevant, jd->n,
						 s->cfg.doc_k, &nvoters);
	return hn_fn_p_knn(vq, s->cfg.k, vd, nvoters);
}

/* One unjudged candidate: each selected estimator, then their maximum. */
static void
score_unjudged(HnFnScorer *s, const HnFnJudgedDocs *jd, int nn, const HnIds *qids, int64 qi,
			   const HnIds *dids, int64 d, int32 rank, HnFnVerdict *v)
{
	double		score;

	if (s->cfg.methods & HN_FN_PROPENSITY)
	{
		v->p[EST_PROPENSITY] = propensity_p(s, qids, qi, dids, d, rank);
		v->has[EST_PROPENSITY] = true;
	}
	if (s->cfg.methods & HN_FN_KNN)
	{
		v->p[EST_KNN] = knn_p(s, jd, nn, dids, d);
		v->has[EST_KNN] = true;
	}
	if (s->cfg.methods & HN_FN_TEACHER)
		v->has[EST_TEACHER] = hn_fn_teacher_p(&s->teacher, s->cfg.platt, qids, qi, dids, d,
											  &score, &v->p[EST_TEACHER]);
	v->p_combined = hn_fn_combine(v->p, v->has, 3);
	if (s->cfg.methods & HN_FN_CALIBRATED)
	{
		/* a probability: the others stay visible but do not override it */
		v->p[EST_CALIBRATED] = hn_fn_calib_p(&s->calib, qids, qi, dids, d, rank);
		v->has[EST_CALIBRATED] = true;
		v->p_combined = v->p[EST_CALIBRATED];
	}
}

void
hn_fn_scorer_score(HnFnScorer *s, const HnIds *qids, int64 qi,
				   const HnIds *dids, const int64 *di, const int32 *ranks, int n,
				   HnFnVerdict *out)
{
	HnFnJudgedDocs jd = {0};
	int			nn = 0;

	if (!s->rho_ready)
		finish_rho(s);
	if (s->cfg.methods & HN_FN_KNN)
	{
		int64		qrow = hn_fn_embedding_row(&s->queries, "queries", qids, qi);

		nn = hn_fn_query_neighbours(s->cfg.metric, s->queries.b->cols[1].vec,
									s->queries.b->cols[1].dim, s->labelled, s->nlabelled,
									qrow, s->cfg.k, s->neighbours);
		hn_fn_judged_docs(&jd, &s->qr, &s->corpus, qids, qi, s->cfg.level);
	}
	for (int i = 0; i < n; i++)
	{
		HnFnVerdict *v = &out[i];

		CHECK_FOR_INTERRUPTS();
		memset(v, 0, sizeof(HnFnVerdict));
		v->judgement = hn_fn_judge(&s->qr, qids, qi, dids, di[i], s->cfg.level,
								   &v->relevance, &v->in_qrels);
		if (v->judgement == HN_FN_UNJUDGED)
			score_unjudged(s, &jd, nn, qids, qi, dids, di[i], ranks[i], v);
		else
			v->p_combined = hn_fn_p_judged(v->judgement);
		v->drop = v->judgement == HN_FN_POSITIVE || v->p_combined > s->cfg.threshold;
	}
	if (jd.vecs)
	{
		pfree(jd.vecs);
		pfree(jd.relevant);
	}
}
