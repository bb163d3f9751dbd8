/*
 * fn_propensity.c
 *		SQL front end of the pooling-bias model: pool_propensity(),
 *		pool_propensity_docs() and fn_weights() (mining.md F5).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "falseneg/falseneg.h"
#include "falseneg/inputs.h"
#include "falseneg/models.h"
#include "fmgr.h"
#include "io/srf.h"
#include "miscadmin.h"
#include "utils/builtins.h"


void
hn_fn_pool_build(HnFnPool *m, const HnJudgments *qr, const char *sql,
				 const int32 *edges, int nedges, int32 level)
{
	int			ncells;

	hn_fn_read_runs(&m->runs, "pooled_runs", sql);
	hn_ids_check_kinds("pooled_runs", m->runs.qid, "qrels", qr->qid);
	m->edges = edges;
	m->nb = nedges;
	m->level = level;
	ncells = m->runs.nruns * nedges;
	m->n_docs = palloc0(sizeof(int64) * Max(ncells, 1));
	m->n_judged = palloc0(sizeof(int64) * Max(ncells, 1));
	m->n_relevant = palloc0(sizeof(int64) * Max(ncells, 1));
	m->pi = palloc0(sizeof(double) * Max(ncells, 1));
	m->scratch = palloc(sizeof(double) * Max(m->runs.nruns, 1));
	for (int64 i = 0; i < m->runs.n; i++)
	{
		int			cell = m->runs.run[i] * nedges +
			hn_fn_bucket(edges, nedges, m->runs.rank[i]);
		int32		rel;
		bool		in_qrels;
		int			j = hn_fn_judge(qr, m->runs.qid, i, m->runs.did, i, level, &rel, &in_qrels);

		CHECK_FOR_INTERRUPTS();
		m->n_docs[cell]++;
		if (j != HN_FN_UNJUDGED)
			m->n_judged[cell]++;
		if (j == HN_FN_POSITIVE)
			m->n_relevant[cell]++;
	}
	for (int c = 0; c < ncells; c++)
		m->pi[c] = hn_fn_judging_rate(m->n_judged[c], m->n_docs[c]);
	hn_pair_index_build(&m->ix, m->runs.qid, m->runs.did, m->runs.n);
}

/*
 * pi(q, d): each run that retrieved the pair contributes the judging rate of
 * its bucket (a run listing the pair twice counts once, at its best rank);
 * runs that did not retrieve it contribute nothing.
 */
double
hn_fn_pool_pair_pi(HnFnPool *m, const HnIds *q, int64 qi, const HnIds *d, int64 di)
{
	int64		pos = hn_pair_find(&m->ix, q, qi, d, di);

	if (pos < 0)
		return 0.0;
	for (int r = 0; r < m->runs.nruns; r++)
		m->scratch[r] = 0.0;
	for (; pos < m->ix.n; pos++)
	{
		int64		row = m->ix.order[pos];
		double		pi;

		if (hn_ids_compare(m->runs.qid, row, q, qi) != 0 ||
			hn_ids_compare(m->runs.did, row, d, di) != 0)
			break;
		pi = m->pi[m->runs.run[row] * m->nb + hn_fn_bucket(m->edges, m->nb, m->runs.rank[row])];
		m->scratch[m->runs.run[row]] = Max(m->scratch[m->runs.run[row]], pi);
	}
	return hn_fn_pool_pi(m->scratch, m->runs.nruns);
}

/*
 * Rank of (q, d) in each pooled run into ranks[run] (0: the run did not
 * retrieve it; a run listing the pair twice counts at its best rank).
 */
void
hn_fn_pool_pair_ranks(HnFnPool *m, const HnIds *q, int64 qi, const HnIds *d, int64 di,
					  int32 *ranks)
{
	int64		pos = hn_pair_find(&m->ix, q, qi, d, di);

	memset(ranks, 0, sizeof(int32) * m->runs.nruns);
	for (; pos >= 0 && pos < m->ix.n; pos++)
	{
		int64		row = m->ix.order[pos];
		int32	   *r;

		if (hn_ids_compare(m->runs.qid, row, q, qi) != 0 ||
			hn_ids_compare(m->runs.did, row, d, di) != 0)
			break;
		r = &ranks[m->runs.run[row]];
		if (*r == 0 || m->runs.rank[row] < *r)
			*r = m->runs.rank[row];
	}
}

static int32 *
edges_arg(FunctionCallInfo fcinfo, int argno, int *nedges)
{
	int32	   *edges = hn_fn_int_array_arg(fcinfo, argno, "bucket_edges", nedges);

	hn_fn_check_edges(edges, *nedges, "bucket_edges");
	return edges;
}

static Datum
bucket_hi_datum(const int32 *edges, int nedges, int b, bool *isnull)
{
	*isnull = (b == nedges - 1);
	return *isnull ? (Datum) 0 : Int32GetDatum(edges[b + 1] - 1);
}

/*
 * The common start of pool_propensity and pool_propensity_docs: arguments
 * (qrels, pooled_runs, bucket_edges, relevance_level), validated before any
 * input is read, then the model.
 */
static void
pool_model_from_args(FunctionCallInfo fcinfo, HnFnPool *m, HnJudgments *qr)
{
	char	   *qrels_sql = hn_fn_text_arg(fcinfo, 0, "qrels");
	char	   *runs_sql = hn_fn_text_arg(fcinfo, 1, "pooled_runs");
	int			nedges;
	int32	   *edges = edges_arg(fcinfo, 2, &nedges);
	int32		level = hn_fn_level_arg(fcinfo, 3);

	hn_judgments_read(qr, qrels_sql, false);
	hn_fn_pool_build(m, qr, runs_sql, edges, nedges, level);
}

/* pool_propensity(qrels, pooled_runs, bucket_edges, relevance_level) */
PG_FUNCTION_INFO_V1(hardneg_pool_propensity);
Datum
hardneg_pool_propensity(PG_FUNCTION_ARGS)
{
	HnJudgments	qr;
	HnFnPool	m;
	HnSrf		srf;

	pool_model_from_args(fcinfo, &m, &qr);
	hn_srf_begin(fcinfo, &srf);
	for (int r = 0; r < m.runs.nruns; r++)
		for (int b = 0; b < m.nb; b++)
		{
			int			c = r * m.nb + b;
			Datum		v[8];
			bool		nulls[8] = {0};

			v[0] = CStringGetTextDatum(m.runs.run_names[r]);
			v[1] = Int32GetDatum(b + 1);
			v[2] = Int32GetDatum(m.edges[b]);
			v[3] = bucket_hi_datum(m.edges, m.nb, b, &nulls[3]);
			v[4] = Int64GetDatum(m.n_docs[c]);
			v[5] = Int64GetDatum(m.n_judged[c]);
			v[6] = Int64GetDatum(m.n_relevant[c]);
			v[7] = Float8GetDatum(m.pi[c]);
			nulls[7] = (m.n_docs[c] == 0);
			hn_srf_put(&srf, v, nulls);
		}
	PG_RETURN_NULL();
}

/* pool_propensity_docs(qrels, pooled_runs, bucket_edges, relevance_level, id_type) */
PG_FUNCTION_INFO_V1(hardneg_pool_propensity_docs);
Datum
hardneg_pool_propensity_docs(PG_FUNCTION_ARGS)
{
	Oid			id_type = hn_fn_id_type(fcinfo, 4);
	HnJudgments	qr;
	HnFnPool	m;
	HnSrf		srf;

	pool_model_from_args(fcinfo, &m, &qr);
	hn_srf_begin(fcinfo, &srf);
	for (int64 pos = 0; pos < m.ix.n; pos++)
	{
		int64		row = m.ix.order[pos];
		int64		prev = pos > 0 ? m.ix.order[pos - 1] : -1;
		Datum		v[4];
		bool		nulls[4] = {0};
		int32		rel;
		bool		in_qrels;

		CHECK_FOR_INTERRUPTS();
		if (prev >= 0 && hn_ids_compare(m.runs.qid, prev, m.runs.qid, row) == 0 &&
			hn_ids_compare(m.runs.did, prev, m.runs.did, row) == 0)
			continue;			/* one row per distinct pair */
		hn_fn_judge(&qr, m.runs.qid, row, m.runs.did, row, m.level, &rel, &in_qrels);
		v[0] = hn_ids_datum(m.runs.qid, row, id_type);
		v[1] = hn_ids_datum(m.runs.did, row, id_type);
		v[2] = Int32GetDatum(rel);
		nulls[2] = !in_qrels;
		v[3] = Float8GetDatum(hn_fn_pool_pair_pi(&m, m.runs.qid, row, m.runs.did, row));
		hn_srf_put(&srf, v, nulls);
	}
	PG_RETURN_NULL();
}

/*
 * fn_weights(candidates, qrels, pooled_runs, bucket_edges, prior_alpha,
 *			  prior_beta, fn_threshold, relevance_level, id_type)
 */
PG_FUNCTION_INFO_V1(hardneg_fn_weights);
Datum
hardneg_fn_weights(PG_FUNCTION_ARGS)
{
	char	   *cand_sql = hn_fn_text_arg(fcinfo, 0, "candidates");
	char	   *qrels_sql = hn_fn_text_arg(fcinfo, 1, "qrels");
	char	   *runs_sql = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	int			nedges;
	int32	   *edges = edges_arg(fcinfo, 3, &nedges);
	double		alpha = hn_fn_prior_arg(fcinfo, 4, "prior_alpha");
	double		beta = hn_fn_prior_arg(fcinfo, 5, "prior_beta");
	double		tau = hn_fn_threshold_arg(fcinfo, 6, "fn_threshold");
	int32		level = hn_fn_level_arg(fcinfo, 7);
	Oid			id_type = hn_fn_id_type(fcinfo, 8);
	HnFnCandidates c;
	HnJudgments	qr;
	HnFnPool	m;
	HnSrf		srf;
	int		   *bucket;
	HnFnJudgement *judg;
	int32	   *rel;
	bool	   *in_qrels;
	double	   *pi,
			   *p,
			   *rho = palloc(sizeof(double) * nedges);

	hn_srf_begin(fcinfo, &srf);
	hn_fn_read_candidates(&c, cand_sql);
	hn_judgments_read(&qr, qrels_sql, false);
	hn_ids_check_kinds("candidates", c.qid, "qrels", qr.qid);
	if (runs_sql)
		hn_fn_pool_build(&m, &qr, runs_sql, edges, nedges, level);
	bucket = palloc(sizeof(int) * Max(c.n, 1));
	judg = palloc(sizeof(HnFnJudgement) * Max(c.n, 1));
	rel = palloc(sizeof(int32) * Max(c.n, 1));
	in_qrels = palloc(sizeof(bool) * Max(c.n, 1));
	pi = palloc(sizeof(double) * Max(c.n, 1));
	p = palloc(sizeof(double) * Max(c.n, 1));
	for (int64 i = 0; i < c.n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		bucket[i] = hn_fn_bucket(edges, nedges, c.rank[i]);
		judg[i] = hn_fn_judge(&qr, c.qid, i, c.did, i, level, &rel[i], &in_qrels[i]);
		/* without pooled runs: judged pairs were surely selected, others never */
		if (runs_sql)
			pi[i] = hn_fn_pool_pair_pi(&m, c.qid, i, c.did, i);
		else
			pi[i] = judg[i] == HN_FN_UNJUDGED ? 0.0 : 1.0;
	}
	hn_fn_propensity_score(nedges, c.n, bucket, judg, pi, alpha, beta, rho, p);
	for (int64 k = 0; k < c.n; k++)
	{
		int64		i = c.order[k];
		Datum		v[11];
		bool		nulls[11] = {0};

		v[0] = hn_ids_datum(c.qid, i, id_type);
		v[1] = hn_ids_datum(c.did, i, id_type);
		v[2] = Int32GetDatum(c.rank[i]);
		v[3] = Float8GetDatum(c.score[i]);
		v[4] = Int32GetDatum(rel[i]);
		nulls[4] = !in_qrels[i];
		v[5] = Int32GetDatum(bucket[i] + 1);
		v[6] = Float8GetDatum(pi[i]);
		v[7] = Float8GetDatum(rho[bucket[i]]);
		v[8] = Float8GetDatum(p[i]);
		v[9] = Float8GetDatum(1.0 - p[i]);
		v[10] = BoolGetDatum(judg[i] == HN_FN_POSITIVE || p[i] > tau);
		hn_srf_put(&srf, v, nulls);
	}
	PG_RETURN_NULL();
}
