/*
 * fn_knn.c
 *		SQL front end of label transfer and kNN noise flags: knn_noise_flags()
 *		(mining.md F6).
 */
#include "postgres.h"

#include "falseneg/falseneg.h"
#include "falseneg/inputs.h"
#include "falseneg/models.h"
#include "fmgr.h"
#include "io/srf.h"
#include "miscadmin.h"
#include "utils/builtins.h"

typedef struct KnnParams
{
	int			k;
	int			doc_k;
	HnMetric	metric;
	double		tau;
	int32		level;
	Oid			id_type;
} KnnParams;

typedef struct KnnInputs
{
	HnFnCandidates c;
	HnJudgments	qr;
	HnFnEmbeddings	queries;
	HnFnEmbeddings	corpus;
	int64	   *labelled;
	int64		nlabelled;
} KnnInputs;

static void
emit_row(HnSrf *srf, const KnnInputs *in, const KnnParams *kp, int64 i,
		 int32 rel, bool in_qrels, int judg, int vq, int vd, int nvoters)
{
	Datum		v[11];
	bool		nulls[11] = {0};
	double		p = judg == HN_FN_UNJUDGED ?
		hn_fn_p_knn(vq, kp->k, vd, nvoters) : hn_fn_p_judged(judg);

	v[0] = hn_ids_datum(in->c.qid, i, kp->id_type);
	v[1] = hn_ids_datum(in->c.did, i, kp->id_type);
	v[2] = Int32GetDatum(in->c.rank[i]);
	v[3] = Float8GetDatum(in->c.score[i]);
	v[4] = Int32GetDatum(rel);
	nulls[4] = !in_qrels;
	v[5] = Int32GetDatum(vq);
	v[6] = Int32GetDatum(vd);
	v[7] = Int32GetDatum(nvoters);
	nulls[5] = nulls[6] = nulls[7] = (judg != HN_FN_UNJUDGED);
	v[8] = Float8GetDatum(p);
	v[9] = Float8GetDatum(1.0 - p);
	v[10] = BoolGetDatum(judg == HN_FN_POSITIVE || p > kp->tau);
	hn_srf_put(srf, v, nulls);
}

/* Scores the candidates of one query (positions lo..hi of the candidate order). */
static void
score_query(HnSrf *srf, KnnInputs *in, const KnnParams *kp, int64 lo, int64 hi,
			int64 *neighbours)
{
	HnFnCandidates *c = &in->c;
	int64		first = c->order[lo];
	int64		qrow = hn_fn_embedding_row(&in->queries, "queries", c->qid, first);
	int			nn = hn_fn_query_neighbours(kp->metric, in->queries.b->cols[1].vec,
											in->queries.b->cols[1].dim,
											in->labelled, in->nlabelled, qrow, kp->k,
											neighbours);
	HnFnJudgedDocs	jd;

	hn_fn_judged_docs(&jd, &in->qr, &in->corpus, c->qid, first, kp->level);
	for (int64 pos = lo; pos < hi; pos++)
	{
		int64		i = c->order[pos];
		int32		rel;
		bool		in_qrels;
		int			judg = hn_fn_judge(&in->qr, c->qid, i, c->did, i, kp->level, &rel, &in_qrels);
		int			vq = 0,
					vd = 0,
					nvoters = 0;

		CHECK_FOR_INTERRUPTS();
		if (judg == HN_FN_UNJUDGED)
		{
			int64		drow = hn_fn_embedding_row(&in->corpus, "corpus", c->did, i);

			for (int j = 0; j < nn; j++)
			{
				int32		nrel;
				bool		nin;

				if (hn_fn_judge(&in->qr, in->queries.ids, neighbours[j], c->did, i,
								kp->level, &nrel, &nin) == HN_FN_POSITIVE)
					vq++;
			}
			vd = hn_fn_doc_votes(kp->metric, hn_batch_vector(in->corpus.b, 1, drow),
								 in->corpus.b->cols[1].dim,
								 jd.vecs, jd.relevant, jd.n, kp->doc_k, &nvoters);
		}
		emit_row(srf, in, kp, i, rel, in_qrels, judg, vq, vd, nvoters);
	}
	pfree(jd.vecs);
	pfree(jd.relevant);
}

/*
 * knn_noise_flags(candidates, qrels, queries, corpus, k, doc_k, metric,
 *				   fn_threshold, relevance_level, id_type)
 */
PG_FUNCTION_INFO_V1(hardneg_knn_noise_flags);
Datum
hardneg_knn_noise_flags(PG_FUNCTION_ARGS)
{
	char	   *cand_sql = hn_fn_text_arg(fcinfo, 0, "candidates");
	char	   *qrels_sql = hn_fn_text_arg(fcinfo, 1, "qrels");
	char	   *queries_sql = hn_fn_text_arg(fcinfo, 2, "queries");
	char	   *corpus_sql = hn_fn_text_arg(fcinfo, 3, "corpus");
	KnnParams	kp;
	KnnInputs	in;
	HnSrf		srf;
	int64	   *neighbours;

	kp.k = hn_fn_count_arg(fcinfo, 4, "k");
	kp.doc_k = hn_fn_count_arg(fcinfo, 5, "doc_k");
	kp.metric = hn_metric_from_name(hn_fn_text_arg(fcinfo, 6, "metric"));
	kp.tau = hn_fn_threshold_arg(fcinfo, 7, "fn_threshold");
	kp.level = hn_fn_level_arg(fcinfo, 8);
	kp.id_type = hn_fn_id_type(fcinfo, 9);

	hn_srf_begin(fcinfo, &srf);
	hn_fn_read_candidates(&in.c, cand_sql);
	hn_judgments_read(&in.qr, qrels_sql, false);
	hn_ids_check_kinds("candidates", in.c.qid, "qrels", in.qr.qid);
	hn_fn_read_embeddings(&in.queries, "queries", queries_sql);
	hn_ids_check_kinds("candidates", in.c.qid, "queries", in.queries.ids);
	hn_fn_read_embeddings(&in.corpus, "corpus", corpus_sql);
	hn_ids_check_kinds("candidates", in.c.did, "corpus", in.corpus.ids);
	in.labelled = hn_fn_labelled_queries(&in.queries, &in.qr, kp.level, &in.nlabelled);
	neighbours = palloc(sizeof(int64) * kp.k);
	for (int64 g = 0; g < in.c.ngroups; g++)
		score_query(&srf, &in, &kp, in.c.group[g], in.c.group[g + 1], neighbours);
	PG_RETURN_NULL();
}
