/*
 * pooling_report.c
 *		pooling_report(): how much of each run's top ranks was judged.
 *
 * False negatives hide where a run retrieves documents that nobody judged;
 * judged@k of the mining retriever says how much of the ground it mines was
 * ever looked at (mining.md F12, trec_eval unj.k / ir_measures Judged@k).
 */
#include "postgres.h"

#include "falseneg/falseneg.h"
#include "falseneg/inputs.h"
#include "fmgr.h"
#include "io/srf.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/* Counters of one output row. */
typedef struct Tally
{
	int64		n_queries;
	int64		n_docs;
	int64		n_judged;
	int64		n_relevant;
	double		judged_sum;		/* sum over queries of judged share (cutoff rows) */
} Tally;

typedef struct ReportArgs
{
	int32	   *ks;
	int			nks;
	int32	   *edges;
	int			nedges;
	int32		level;
} ReportArgs;

static void
put_row(HnSrf *srf, const char *run, const char *scope, int32 lo, int32 hi, bool hi_null,
		const Tally *t, double judged, bool judged_null)
{
	Datum		v[10];
	bool		nulls[10] = {0};

	v[0] = CStringGetTextDatum(run);
	v[1] = CStringGetTextDatum(scope);
	v[2] = Int32GetDatum(lo);
	v[3] = Int32GetDatum(hi);
	nulls[3] = hi_null;
	v[4] = Int64GetDatum(t->n_queries);
	v[5] = Int64GetDatum(t->n_docs);
	v[6] = Int64GetDatum(t->n_judged);
	v[7] = Int64GetDatum(t->n_relevant);
	v[8] = Float8GetDatum(judged);
	nulls[8] = judged_null;
	v[9] = Float8GetDatum(t->n_judged > 0 ? (double) t->n_relevant / t->n_judged : 0.0);
	nulls[9] = (t->n_judged == 0);
	hn_srf_put(srf, v, nulls);
}

/* Adds one query's ranked list (positions lo..hi of the run order). */
static void
tally_query(const HnFnRuns *runs, const HnJudgments *qr, const ReportArgs *a,
			int64 lo, int64 hi, Tally *cut, Tally *buck, bool *seen)
{
	int64		n = hi - lo;

	for (int b = 0; b < a->nedges; b++)
		seen[b] = false;
	for (int j = 0; j < a->nks; j++)
	{
		int64		depth = Min(n, (int64) a->ks[j]);
		int64		judged = 0,
					relevant = 0;

		for (int64 pos = lo; pos < lo + depth; pos++)
		{
			int64		row = runs->order[pos];
			int32		rel;
			bool		in_qrels;
			int			jd = hn_fn_judge(qr, runs->qid, row, runs->did, row, a->level, &rel, &in_qrels);

			judged += (jd != HN_FN_UNJUDGED);
			relevant += (jd == HN_FN_POSITIVE);
		}
		cut[j].n_queries++;
		cut[j].n_docs += depth;
		cut[j].n_judged += judged;
		cut[j].n_relevant += relevant;
		cut[j].judged_sum += depth > 0 ? (double) judged / depth : 0.0;
	}
	for (int64 pos = lo; pos < hi; pos++)
	{
		int64		row = runs->order[pos];
		int			b = hn_fn_bucket(a->edges, a->nedges, runs->rank[row]);
		int32		rel;
		bool		in_qrels;
		int			jd = hn_fn_judge(qr, runs->qid, row, runs->did, row, a->level, &rel, &in_qrels);

		if (!seen[b])
			buck[b].n_queries++;
		seen[b] = true;
		buck[b].n_docs++;
		buck[b].n_judged += (jd != HN_FN_UNJUDGED);
		buck[b].n_relevant += (jd == HN_FN_POSITIVE);
	}
}

static void
report_run(HnSrf *srf, const HnFnRuns *runs, const HnJudgments *qr, const ReportArgs *a,
		   int r, int64 lo, int64 hi)
{
	Tally	   *cut = palloc0(sizeof(Tally) * a->nks);
	Tally	   *buck = palloc0(sizeof(Tally) * a->nedges);
	bool	   *seen = palloc(sizeof(bool) * a->nedges);
	int64		start = lo;

	for (int64 pos = lo; pos <= hi; pos++)
	{
		CHECK_FOR_INTERRUPTS();
		if (pos < hi && (pos == start ||
						 hn_ids_compare(runs->qid, runs->order[pos], runs->qid, runs->order[start]) == 0))
			continue;
		if (pos > start)
			tally_query(runs, qr, a, start, pos, cut, buck, seen);
		start = pos;
	}
	for (int j = 0; j < a->nks; j++)
		put_row(srf, runs->run_names[r], "top", 1, a->ks[j], false, &cut[j],
				cut[j].n_queries > 0 ? cut[j].judged_sum / cut[j].n_queries : 0.0,
				cut[j].n_queries == 0);
	for (int b = 0; b < a->nedges; b++)
		put_row(srf, runs->run_names[r], "bucket", a->edges[b],
				b + 1 < a->nedges ? a->edges[b + 1] - 1 : 0, b + 1 == a->nedges, &buck[b],
				buck[b].n_docs > 0 ? (double) buck[b].n_judged / buck[b].n_docs : 0.0,
				buck[b].n_docs == 0);
	pfree(cut);
	pfree(buck);
	pfree(seen);
}

/* pooling_report(run, qrels, k, bucket_edges, relevance_level) */
PG_FUNCTION_INFO_V1(hardneg_pooling_report);
Datum
hardneg_pooling_report(PG_FUNCTION_ARGS)
{
	char	   *run_sql = hn_fn_text_arg(fcinfo, 0, "run");
	char	   *qrels_sql = hn_fn_text_arg(fcinfo, 1, "qrels");
	ReportArgs	a;
	HnFnRuns	runs;
	HnJudgments	qr;
	HnSrf		srf;
	int64		lo = 0;

	a.ks = hn_fn_int_array_arg(fcinfo, 2, "k", &a.nks);
	if (a.nks == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must not be empty"),
				 errhint("Pass cutoffs such as '{5,10,20,100}'.")));
	for (int j = 0; j < a.nks; j++)
		if (a.ks[j] < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cutoff %d in k is not positive", a.ks[j]),
					 errhint("Cutoffs are depths of the ranking, 1 or more.")));
	a.edges = hn_fn_int_array_arg(fcinfo, 3, "bucket_edges", &a.nedges);
	hn_fn_check_edges(a.edges, a.nedges, "bucket_edges");
	a.level = hn_fn_level_arg(fcinfo, 4);

	hn_srf_begin(fcinfo, &srf);
	hn_fn_read_runs(&runs, "run", run_sql);
	hn_judgments_read(&qr, qrels_sql, false);
	hn_ids_check_kinds("run", runs.qid, "qrels", qr.qid);
	for (int r = 0; r < runs.nruns; r++)
	{
		int64		hi = lo;

		while (hi < runs.n && runs.run[runs.order[hi]] == r)
			hi++;
		report_run(&srf, &runs, &qr, &a, r, lo, hi);
		lo = hi;
	}
	PG_RETURN_NULL();
}
