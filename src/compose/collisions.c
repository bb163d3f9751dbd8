/*
 * collisions.c
 *		inbatch_collisions(): the in-batch false negatives a trainer must
 *		mask (STAR's rel_pair_mask, NGAME's label matrix; mining.md F7):
 *		documents that another query's training rows bring into a batch and
 *		that are positives of this query.
 */
#include "postgres.h"

#include "compose/compose.h"
#include "falseneg/inputs.h"
#include "io/srf.h"
#include "miscadmin.h"

static const HnColumnSpec batches_spec[] = {
	{"epoch", HN_COL_INT4, true, false},
	{"batch_id", HN_COL_INT4, true, false},
	{"query_id", HN_COL_ID, true, false},
};

static const HnColumnSpec training_spec[] = {
	{"query_id", HN_COL_ID, true, false},
	{"doc_id", HN_COL_ID, true, false},
};

typedef struct Collide
{
	HnBatch    *bt;
	int64	   *order;			/* batch rows by (epoch, batch_id, query_id) */
	HnBatch    *tr;
	HnPairIndex tix;
	HnJudgments	qr;
	HnSrf		srf;
	Oid			id_type;
} Collide;

/* Rows lo..hi of order form one batch. */
static void
one_batch(Collide *c, int64 lo, int64 hi)
{
	const HnIds *bq = &c->bt->cols[2].ids;
	const HnIds *tq = &c->tr->cols[0].ids;
	const HnIds *td = &c->tr->cols[1].ids;

	for (int64 a = lo; a < hi; a++)
	{
		int64		from = c->order[a];
		int64		tlo,
					thi;

		CHECK_FOR_INTERRUPTS();
		hn_pair_query_range(&c->tix, bq, from, &tlo, &thi);
		for (int64 t = tlo; t < thi; t++)
		{
			int64		trow = c->tix.order[t];

			/* one row per document even if the training table repeats it */
			if (t > tlo && hn_ids_compare(td, c->tix.order[t - 1], td, trow) == 0)
				continue;
			for (int64 b = lo; b < hi; b++)
			{
				int64		q = c->order[b];
				int32		rel;
				Datum		v[5];
				bool		nulls[5] = {0};

				if (b == a || hn_ids_compare(bq, q, bq, from) == 0)
					continue;
				if (!hn_judgments_get(&c->qr, bq, q, td, trow, &rel) || rel < 1)
					continue;
				v[0] = Int32GetDatum(c->bt->cols[0].i4[q]);
				v[1] = Int32GetDatum(c->bt->cols[1].i4[q]);
				v[2] = hn_ids_datum(bq, q, c->id_type);
				v[3] = hn_ids_datum(td, trow, c->id_type);
				v[4] = hn_ids_datum(tq, trow, c->id_type);
				hn_srf_put(&c->srf, v, nulls);
			}
		}
	}
}

/* inbatch_collisions(batches, training, qrels[, id_type]) */
PG_FUNCTION_INFO_V1(hardneg_inbatch_collisions);
Datum
hardneg_inbatch_collisions(PG_FUNCTION_ARGS)
{
	char	   *bsql = hn_fn_text_arg(fcinfo, 0, "batches");
	char	   *tsql = hn_fn_text_arg(fcinfo, 1, "training");
	char	   *qsql = hn_fn_text_arg(fcinfo, 2, "qrels");
	Collide		c;
	int64		n;

	c.id_type = hn_fn_id_type(fcinfo, 3);
	hn_srf_begin(fcinfo, &c.srf);
	c.bt = hn_read_all("batches", bsql, batches_spec, lengthof(batches_spec));
	c.tr = hn_read_all("training", tsql, training_spec, lengthof(training_spec));
	hn_judgments_read(&c.qr, qsql, false);
	hn_ids_check_kinds("batches", &c.bt->cols[2].ids, "training", &c.tr->cols[0].ids);
	hn_ids_check_kinds("batches", &c.bt->cols[2].ids, "qrels", c.qr.qid);
	hn_ids_check_kinds("training", &c.tr->cols[1].ids, "qrels", c.qr.did);
	hn_pair_index_build(&c.tix, &c.tr->cols[0].ids, &c.tr->cols[1].ids, c.tr->nrows);
	n = c.bt->nrows;
	c.order = hn_compose_sort_rows(c.bt, (const int[]) {0, 1, 2}, 3);
	for (int64 lo = 0, hi; lo < n; lo = hi)
	{
		int64		r = c.order[lo];

		for (hi = lo + 1; hi < n &&
			 c.bt->cols[0].i4[c.order[hi]] == c.bt->cols[0].i4[r] &&
			 c.bt->cols[1].i4[c.order[hi]] == c.bt->cols[1].i4[r]; hi++)
			;
		one_batch(&c, lo, hi);
	}
	PG_RETURN_NULL();
}
