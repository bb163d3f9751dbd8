/*
 * fn_teacher.c
 *		SQL front end of teacher denoising: denoise() (mining.md F4, RocketQA).
 *
 * A candidate inside the scan depth is kept as a negative only when the
 * teacher's probability that it is relevant is below neg_max; at pos_min or
 * above, on a query without any known positive, it becomes a pseudo-positive.
 */
#include "postgres.h"

#include <math.h>

#include "falseneg/falseneg.h"
#include "falseneg/inputs.h"
#include "falseneg/models.h"
#include "fmgr.h"
#include "io/srf.h"
#include "miscadmin.h"
#include "utils/builtins.h"

typedef struct TeacherParams
{
	double		neg_max;
	double		pos_min;
	int32		scan_depth;		/* 0: no limit */
	bool		platt;
	bool		drop_missing;
	int32		level;
	Oid			id_type;
} TeacherParams;

static bool
choice_arg(FunctionCallInfo fcinfo, int argno, const char *name,
		   const char *yes, const char *no)
{
	char	   *v = hn_fn_text_arg(fcinfo, argno, name);

	if (strcmp(v, yes) == 0)
		return true;
	if (strcmp(v, no) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be '%s' or '%s', not '%s'", name, no, yes, v),
				 errhint("See COMMENT ON FUNCTION denoise.")));
	return false;
}


static void
read_params(FunctionCallInfo fcinfo, TeacherParams *tp)
{
	tp->neg_max = hn_fn_threshold_arg(fcinfo, 3, "neg_max");
	tp->pos_min = hn_fn_threshold_arg(fcinfo, 4, "pos_min");
	if (tp->neg_max > tp->pos_min)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("neg_max (%g) must not exceed pos_min (%g)", tp->neg_max, tp->pos_min),
				 errhint("A candidate cannot be both a negative and a pseudo-positive.")));
	tp->scan_depth = PG_ARGISNULL(5) ? 0 : PG_GETARG_INT32(5);
	if (!PG_ARGISNULL(5) && tp->scan_depth < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scan_depth must be at least 1, not %d", tp->scan_depth),
				 errhint("Pass NULL to consult the teacher at every rank.")));
	tp->platt = choice_arg(fcinfo, 6, "calibrate", "platt", "none");
	tp->drop_missing = choice_arg(fcinfo, 7, "teacher_missing", "drop", "keep");
	tp->level = hn_fn_level_arg(fcinfo, 8);
	tp->id_type = hn_fn_id_type(fcinfo, 9);
	if (tp->platt && PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibrate => 'platt' needs qrels"),
				 errhint("Platt scaling is fitted on the teacher scores of judged pairs.")));
}

/* Fits the Platt map on the teacher scores of judged pairs. */
void
hn_fn_teacher_calibrate(HnFnTeacher *t, const HnJudgments *qr, int32 level)
{
	double	   *x = palloc(sizeof(double) * Max(t->n, 1));
	bool	   *y = palloc(sizeof(bool) * Max(t->n, 1));
	int64		n = 0;

	for (int64 i = 0; i < t->n; i++)
	{
		int32		rel;
		bool		in_qrels;
		int			j = hn_fn_judge(qr, t->qid, i, t->did, i, level, &rel, &in_qrels);

		if (j == HN_FN_UNJUDGED)
			continue;
		x[n] = t->score[i];
		y[n] = (j == HN_FN_POSITIVE);
		n++;
	}
	if (!hn_fn_platt_fit(x, y, n, &t->a, &t->b))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot calibrate the teacher: its " INT64_FORMAT
						" judged pairs are not both relevant and non-relevant", n),
				 errhint("Platt scaling needs teacher scores of judged relevant and judged non-relevant pairs; "
						 "add judged non-relevant rows (relevance 0) to the qrels, or use calibrate => 'none'.")));
	elog(DEBUG1, "denoise: Platt fit on " INT64_FORMAT " judged pairs: a = %g, b = %g", n, t->a, t->b);
}

void
hn_fn_teacher_from_scores(HnFnTeacher *t, const HnPairScores *ps, const HnIds *check_qids)
{
	t->n = ps->n;
	t->qid = ps->qid;
	t->did = ps->did;
	t->score = ps->score;
	t->ix = ps->ix;
	hn_ids_check_kinds("candidates", check_qids, "teacher_scores", t->qid);
}

void
hn_fn_read_teacher(HnFnTeacher *t, const char *sql, const HnIds *check_qids)
{
	HnPairScores ps;

	hn_pair_scores_read(&ps, "teacher_scores", sql);
	hn_fn_teacher_from_scores(t, &ps, check_qids);
}

/* The teacher's probability for (q, d); false when it has no score. */
bool
hn_fn_teacher_p(const HnFnTeacher *t, bool platt, const HnIds *q, int64 qi,
				const HnIds *d, int64 di, double *score, double *p)
{
	int64		pos = hn_pair_find(&t->ix, q, qi, d, di);

	if (pos < 0)
		return false;
	*score = t->score[t->ix.order[pos]];
	if (platt)
		*p = hn_fn_platt(t->a, t->b, *score);
	else if (*score >= 0.0 && *score <= 1.0)
		*p = *score;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("teacher score %g is not a probability", *score),
				 errhint("Pass calibrate => 'platt' (with qrels) for teachers whose scores are not in [0, 1].")));
	return true;
}

static bool
query_has_positive(const HnJudgments *qr, const HnIds *q, int64 qi, int32 level)
{
	int64		lo,
				hi;

	if (qr == NULL)
		return false;
	hn_pair_query_range(&qr->ix, q, qi, &lo, &hi);
	for (int64 pos = lo; pos < hi; pos++)
		if (qr->rel[qr->ix.order[pos]] >= level)
			return true;
	return false;
}

/* The RocketQA rule for one unjudged candidate; sets *p (NaN: undefined). */
static const char *
classify(const HnFnTeacher *t, const TeacherParams *tp, const HnFnCandidates *c, int64 i,
		 bool has_positive, double *score, double *p, bool *dropped)
{
	*p = NAN;
	*score = NAN;
	if (tp->scan_depth > 0 && c->rank[i] > tp->scan_depth)
	{
		*dropped = false;
		return "beyond_scan";
	}
	if (!hn_fn_teacher_p(t, tp->platt, c->qid, i, c->did, i, score, p))
	{
		*dropped = tp->drop_missing;
		return "no_teacher";
	}
	*dropped = (*p >= tp->neg_max);
	if (*p >= tp->pos_min && !has_positive)
		return "pseudo_positive";
	return *dropped ? "dropped" : "negative";
}

/* What denoise says about one candidate. */
typedef struct DenoiseRow
{
	int32		rel;
	bool		in_qrels;
	double		score;			/* teacher score, NaN: none */
	double		p;				/* NaN: undefined */
	const char *label;
	bool		dropped;
} DenoiseRow;

/* Judged candidates keep their judgment; the teacher decides the others. */
static void
denoise_row(const HnFnTeacher *t, const TeacherParams *tp, const HnJudgments *qr,
			const HnFnCandidates *c, int64 i, bool has_pos, DenoiseRow *r)
{
	int			judg = HN_FN_UNJUDGED;

	r->rel = 0;
	r->in_qrels = false;
	if (qr)
		judg = hn_fn_judge(qr, c->qid, i, c->did, i, tp->level, &r->rel, &r->in_qrels);
	if (judg == HN_FN_UNJUDGED)
	{
		r->label = classify(t, tp, c, i, has_pos, &r->score, &r->p, &r->dropped);
		return;
	}
	if (!hn_fn_teacher_p(t, tp->platt, c->qid, i, c->did, i, &r->score, &r->p))
		r->score = NAN;
	r->p = hn_fn_p_judged(judg);	/* the judgment outranks the teacher */
	r->label = judg == HN_FN_POSITIVE ? "positive" : "judged_negative";
	r->dropped = (judg == HN_FN_POSITIVE);
}

static void
emit_denoise_row(HnSrf *srf, const HnFnCandidates *c, int64 i, const DenoiseRow *r, Oid id_type)
{
	Datum		v[10];
	bool		nulls[10] = {0};

	v[0] = hn_ids_datum(c->qid, i, id_type);
	v[1] = hn_ids_datum(c->did, i, id_type);
	v[2] = Int32GetDatum(c->rank[i]);
	v[3] = Float8GetDatum(c->score[i]);
	v[4] = Int32GetDatum(r->rel);
	nulls[4] = !r->in_qrels;
	v[5] = Float8GetDatum(r->score);
	nulls[5] = isnan(r->score);
	v[6] = Float8GetDatum(r->p);
	v[7] = Float8GetDatum(1.0 - r->p);
	nulls[6] = nulls[7] = isnan(r->p);
	v[8] = CStringGetTextDatum(r->label);
	v[9] = BoolGetDatum(r->dropped);
	hn_srf_put(srf, v, nulls);
}

/*
 * denoise(candidates, teacher_scores, qrels, neg_max, pos_min, scan_depth,
 *		   calibrate, teacher_missing, relevance_level, id_type)
 */
PG_FUNCTION_INFO_V1(hardneg_denoise);
Datum
hardneg_denoise(PG_FUNCTION_ARGS)
{
	char	   *cand_sql = hn_fn_text_arg(fcinfo, 0, "candidates");
	char	   *teacher_sql = hn_fn_text_arg(fcinfo, 1, "teacher_scores");
	TeacherParams tp;
	HnFnCandidates c;
	HnJudgments	qrels,
			   *qr = NULL;
	HnFnTeacher t;
	HnSrf		srf;

	read_params(fcinfo, &tp);
	hn_srf_begin(fcinfo, &srf);
	hn_fn_read_candidates(&c, cand_sql);
	hn_fn_read_teacher(&t, teacher_sql, c.qid);
	if (!PG_ARGISNULL(2))
	{
		qr = &qrels;
		hn_judgments_read(qr, text_to_cstring(PG_GETARG_TEXT_PP(2)), false);
		hn_ids_check_kinds("candidates", c.qid, "qrels", qr->qid);
	}
	if (tp.platt)
		hn_fn_teacher_calibrate(&t, qr, tp.level);
	for (int64 g = 0; g < c.ngroups; g++)
	{
		bool		has_pos = query_has_positive(qr, c.qid, c.order[c.group[g]], tp.level);

		for (int64 pos = c.group[g]; pos < c.group[g + 1]; pos++)
		{
			DenoiseRow	r;

			CHECK_FOR_INTERRUPTS();
			denoise_row(&t, &tp, qr, &c, c.order[pos], has_pos, &r);
			emit_denoise_row(&srf, &c, c.order[pos], &r, tp.id_type);
		}
	}
	PG_RETURN_NULL();
}
