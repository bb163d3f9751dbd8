/*
 * fn_scores.c
 *		SQL front end of the combined scorer: fn_scores(), every selected
 *		estimator on a candidate table and their combination, through the
 *		very calls mine_hard_negatives makes (scorer.h).
 */
#include "postgres.h"

#include "falseneg/inputs.h"
#include "falseneg/scorer.h"
#include "fmgr.h"
#include "io/srf.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

/* Argument positions of the plain form (the typed form appends id_type). */
enum
{
	A_CANDIDATES,
	A_QRELS,
	A_METHODS,
	A_THRESHOLD,
	A_POOLED_RUNS,
	A_QUERIES,
	A_CORPUS,
	A_TEACHER,
	A_CALIBRATE,
	A_EDGES,
	A_ALPHA,
	A_BETA,
	A_K,
	A_DOC_K,
	A_METRIC,
	A_LEVEL,
	A_NPLAIN
};

static const char *
opt_text(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* Reads and validates every argument before any input is read. */
static void
read_config(FunctionCallInfo fcinfo, HnFnScorerConfig *cfg)
{
	const char *calibrate;

	memset(cfg, 0, sizeof(*cfg));
	cfg->qrels = hn_fn_text_arg(fcinfo, A_QRELS, "qrels");
	cfg->methods = hn_fn_parse_methods(hn_fn_text_arg(fcinfo, A_METHODS, "methods"), "methods");
	if (cfg->methods == HN_FN_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fn_scores needs at least one estimator"),
				 errhint("Use methods such as 'propensity,knn'.")));
	cfg->threshold = hn_fn_threshold_arg(fcinfo, A_THRESHOLD, "fn_threshold");
	cfg->pooled_runs = opt_text(fcinfo, A_POOLED_RUNS);
	cfg->queries = opt_text(fcinfo, A_QUERIES);
	cfg->corpus = opt_text(fcinfo, A_CORPUS);
	cfg->teacher_scores = opt_text(fcinfo, A_TEACHER);
	calibrate = hn_fn_text_arg(fcinfo, A_CALIBRATE, "calibrate");
	if (strcmp(calibrate, "platt") != 0 && strcmp(calibrate, "none") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibrate must be 'none' or 'platt', not '%s'", calibrate),
				 errhint("'platt' fits the teacher's scores on the judged pairs of qrels.")));
	cfg->platt = strcmp(calibrate, "platt") == 0;
	cfg->edges = hn_fn_int_array_arg(fcinfo, A_EDGES, "bucket_edges", &cfg->nedges);
	hn_fn_check_edges(cfg->edges, cfg->nedges, "bucket_edges");
	cfg->alpha = hn_fn_prior_arg(fcinfo, A_ALPHA, "prior_alpha");
	cfg->beta = hn_fn_prior_arg(fcinfo, A_BETA, "prior_beta");
	cfg->k = hn_fn_count_arg(fcinfo, A_K, "k");
	cfg->doc_k = hn_fn_count_arg(fcinfo, A_DOC_K, "doc_k");
	cfg->metric = hn_metric_from_name(hn_fn_text_arg(fcinfo, A_METRIC, "metric"));
	cfg->level = hn_fn_level_arg(fcinfo, A_LEVEL);
}

static void
emit(HnSrf *srf, const HnFnCandidates *c, int64 i, const HnFnVerdict *v, Oid id_type)
{
	Datum		d[11];
	bool		nulls[11] = {0};

	d[0] = hn_ids_datum(c->qid, i, id_type);
	d[1] = hn_ids_datum(c->did, i, id_type);
	d[2] = Int32GetDatum(c->rank[i]);
	d[3] = Float8GetDatum(c->score[i]);
	d[4] = Int32GetDatum(v->relevance);
	nulls[4] = !v->in_qrels;
	for (int e = 0; e < 3; e++)
	{
		d[5 + e] = Float8GetDatum(v->p[e]);
		nulls[5 + e] = !v->has[e];
	}
	d[8] = Float8GetDatum(v->p_combined);
	d[9] = Float8GetDatum(1.0 - v->p_combined);
	d[10] = BoolGetDatum(v->drop);
	hn_srf_put(srf, d, nulls);
}

/* Rows of candidate group g as doc indexes and ranks (the scorer's arrays). */
static int
group_arrays(const HnFnCandidates *c, int64 g, int64 *di, int32 *ranks)
{
	int			n = 0;

	for (int64 pos = c->group[g]; pos < c->group[g + 1]; pos++)
	{
		di[n] = c->order[pos];
		ranks[n] = c->rank[c->order[pos]];
		n++;
	}
	return n;
}

/* Pass 1: the relevance rates and the calibration need every query's candidates. */
static void
observe_all(HnFnScorer *s, const HnFnCandidates *c, int64 *di, int32 *ranks)
{
	for (int64 g = 0; g < c->ngroups; g++)
	{
		int			n = group_arrays(c, g, di, ranks);

		CHECK_FOR_INTERRUPTS();
		hn_fn_scorer_observe(s, c->qid, di[0], c->did, di, ranks, n);
	}
}

PG_FUNCTION_INFO_V1(hardneg_fn_scores);
Datum
hardneg_fn_scores(PG_FUNCTION_ARGS)
{
	char	   *cand_sql = hn_fn_text_arg(fcinfo, A_CANDIDATES, "candidates");
	Oid			id_type = hn_fn_id_type(fcinfo, A_NPLAIN);
	HnFnScorerConfig cfg;
	HnFnCandidates c;
	HnFnScorer *s;
	HnSrf		srf;
	int64	   *di;
	int32	   *ranks;
	HnFnVerdict *v;

	read_config(fcinfo, &cfg);
	hn_srf_begin(fcinfo, &srf);
	hn_fn_read_candidates(&c, cand_sql);
	s = hn_fn_scorer_begin(&cfg);
	hn_fn_scorer_check_ids(s, "candidates", c.qid, c.did);
	di = palloc(sizeof(int64) * Max(c.n, 1));
	ranks = palloc(sizeof(int32) * Max(c.n, 1));
	v = palloc(sizeof(HnFnVerdict) * Max(c.n, 1));
	observe_all(s, &c, di, ranks);
	for (int64 g = 0; g < c.ngroups; g++)
	{
		int			n = group_arrays(&c, g, di, ranks);

		hn_fn_scorer_score(s, c.qid, di[0], c.did, di, ranks, n, v);
		for (int i = 0; i < n; i++)
			emit(&srf, &c, di[i], &v[i], id_type);
	}
	PG_RETURN_NULL();
}

/*
 * fn_calibration(candidates, qrels, pooled_runs, relevance_level): the
 * calibrated model fn_scores(methods => 'calibrated') would fit on the same
 * inputs, as jsonb, for inspection.
 */
PG_FUNCTION_INFO_V1(hardneg_fn_calibration);
Datum
hardneg_fn_calibration(PG_FUNCTION_ARGS)
{
	char	   *cand_sql = hn_fn_text_arg(fcinfo, 0, "candidates");
	HnFnScorerConfig cfg;
	HnFnCandidates c;
	HnFnScorer *s;
	int64	   *di;
	int32	   *ranks;
	static const int32 edges[] = {1};

	memset(&cfg, 0, sizeof(cfg));
	cfg.methods = HN_FN_CALIBRATED;
	cfg.qrels = hn_fn_text_arg(fcinfo, 1, "qrels");
	cfg.pooled_runs = hn_fn_text_arg(fcinfo, 2, "pooled_runs");
	cfg.level = hn_fn_level_arg(fcinfo, 3);
	cfg.threshold = 1.0;
	cfg.edges = edges;
	cfg.nedges = 1;
	cfg.alpha = cfg.beta = 1.0;
	hn_fn_read_candidates(&c, cand_sql);
	s = hn_fn_scorer_begin(&cfg);
	hn_fn_scorer_check_ids(s, "candidates", c.qid, c.did);
	di = palloc(sizeof(int64) * Max(c.n, 1));
	ranks = palloc(sizeof(int32) * Max(c.n, 1));
	observe_all(s, &c, di, ranks);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(hn_fn_scorer_model_json(s))));
}
