/*
 * mix.c
 *		STAR's static mix and ADORE's re-mining diff (mining.md 5.1, F8):
 *		mix_negatives() keeps each query's first n_hard mined negatives and
 *		adds n_random uniform corpus draws, never a positive and never a
 *		document twice; mining_diff() compares two mining runs per query
 *		(Jaccard and churn), for the incremental re-mining loop.
 */
#include "postgres.h"

#include "compose/compose.h"
#include "falseneg/inputs.h"
#include "io/srf.h"
#include "kernels/rng.h"
#include "miscadmin.h"
#include "utils/builtins.h"

static const HnColumnSpec mined_spec[] = {
	{"query_id", HN_COL_ID, true, false},
	{"doc_id", HN_COL_ID, true, false},
	{"rank", HN_COL_INT4, true, false},
};

typedef struct Mix
{
	HnBatch    *mined;
	int64	   *order;			/* mined rows by (query, rank, doc) */
	HnItems		corpus;
	HnJudgments	qr;
	int			n_hard;
	int			n_random;
	uint64		seed;
	Oid			id_type;
	HnSrf		srf;
	int64	   *taken;			/* corpus rows chosen for the current query */
	int			ntaken;
} Mix;

static bool
is_positive(const Mix *m, int64 qrow, const HnIds *d, int64 di)
{
	int32		rel;

	return hn_judgments_get(&m->qr, &m->mined->cols[0].ids, qrow, d, di, &rel) && rel >= 1;
}

static bool
already_taken(const Mix *m, int64 crow)
{
	for (int i = 0; i < m->ntaken; i++)
		if (m->taken[i] == crow)
			return true;
	return false;
}

static void
put(Mix *m, int64 qrow, const HnIds *d, int64 di, const char *source, int32 rank, bool has_rank)
{
	Datum		v[4];
	bool		nulls[4] = {false, false, false, !has_rank};

	v[0] = hn_ids_datum(&m->mined->cols[0].ids, qrow, m->id_type);
	v[1] = hn_ids_datum(d, di, m->id_type);
	v[2] = CStringGetTextDatum(source);
	v[3] = Int32GetDatum(rank);
	hn_srf_put(&m->srf, v, nulls);
}

/*
 * Uniform draws without replacement by rejection (corpus row drawn by a key
 * of (seed, query, draw)); after many rejections the rest of the corpus is
 * scanned from a random start, so a query whose eligible documents are few
 * still gets all of them.
 */
static void
random_draws(Mix *m, int64 qrow, uint64 qhash)
{
	int64		n = m->corpus.n;
	int			want = m->ntaken + m->n_random;
	int64		draw = 0;
	int64		limit = 8 * (int64) m->n_random + 64;
	int64		start;

	while (m->ntaken < want && draw < limit)
	{
		int64		c = (int64) (hn_uniform(m->seed, HN_STREAM_MIX, qhash, draw++, 0) * n);

		if (already_taken(m, c) || is_positive(m, qrow, &m->corpus.ids, c))
			continue;
		m->taken[m->ntaken++] = c;
		put(m, qrow, &m->corpus.ids, c, "random", 0, false);
	}
	start = (int64) (hn_uniform(m->seed, HN_STREAM_MIX, qhash, draw, 1) * n);
	for (int64 s = 0; s < n && m->ntaken < want; s++)
	{
		int64		c = (start + s) % n;

		if ((s & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (already_taken(m, c) || is_positive(m, qrow, &m->corpus.ids, c))
			continue;
		m->taken[m->ntaken++] = c;
		put(m, qrow, &m->corpus.ids, c, "random", 0, false);
	}
}

/* One query's rows lo..hi of order. */
static void
mix_query(Mix *m, int64 lo, int64 hi)
{
	const HnIds *md = &m->mined->cols[1].ids;
	int64		qrow = m->order[lo];
	int			nhard = 0;

	CHECK_FOR_INTERRUPTS();
	m->ntaken = 0;
	for (int64 p = lo; p < hi && nhard < m->n_hard; p++)
	{
		int64		r = m->order[p];
		int64		c = hn_items_find(&m->corpus, md, r);

		if (c < 0)
		{
			char		buf[32];

			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("mined document %s is not in the corpus", hn_ids_cstring(md, r, buf, sizeof(buf))),
					 errhint("Pass the corpus the negatives were mined from.")));
		}
		if (already_taken(m, c) || is_positive(m, qrow, md, r))
			continue;
		m->taken[m->ntaken++] = c;
		nhard++;
		put(m, qrow, md, r, "hard", m->mined->cols[2].i4[r], true);
	}
	random_draws(m, qrow, hn_ids_hash(&m->mined->cols[0].ids, qrow));
}

/* mix_negatives(mined, corpus, qrels, n_hard, n_random, seed[, id_type]) */
PG_FUNCTION_INFO_V1(hardneg_mix_negatives);
Datum
hardneg_mix_negatives(PG_FUNCTION_ARGS)
{
	char	   *msql = hn_fn_text_arg(fcinfo, 0, "mined");
	char	   *csql = hn_fn_text_arg(fcinfo, 1, "corpus");
	char	   *qsql = hn_fn_text_arg(fcinfo, 2, "qrels");
	Mix			m;
	int64		n;
	const HnIds *mq;

	m.n_hard = hn_compose_int_arg(fcinfo, 3, "n_hard", 0, 100000);
	m.n_random = hn_compose_int_arg(fcinfo, 4, "n_random", 0, 100000);
	m.seed = hn_compose_seed_arg(fcinfo, 5);
	m.id_type = hn_fn_id_type(fcinfo, 6);
	hn_srf_begin(fcinfo, &m.srf);
	m.mined = hn_read_all("mined", msql, mined_spec, lengthof(mined_spec));
	hn_items_read(&m.corpus, "corpus", csql, 0);
	hn_judgments_read(&m.qr, qsql, false);
	mq = &m.mined->cols[0].ids;
	hn_ids_check_kinds("mined", &m.mined->cols[1].ids, "corpus", &m.corpus.ids);
	hn_ids_check_kinds("mined", mq, "qrels", m.qr.qid);
	n = m.mined->nrows;
	m.order = hn_compose_sort_rows(m.mined, (const int[]) {0, 2, 1}, 3);
	m.taken = palloc(sizeof(int64) * ((int64) m.n_hard + m.n_random + 1));
	for (int64 lo = 0, hi; lo < n; lo = hi)
	{
		for (hi = lo + 1; hi < n && hn_ids_compare(mq, m.order[lo], mq, m.order[hi]) == 0; hi++)
			;
		mix_query(&m, lo, hi);
	}
	PG_RETURN_NULL();
}

/* ---------- mining_diff ---------- */

static const HnColumnSpec pairs_spec[] = {
	{"query_id", HN_COL_ID, true, false},
	{"doc_id", HN_COL_ID, true, false},
};

/* Distinct documents in positions lo..hi of a (query, doc)-sorted index. */
static int64
distinct_docs(const HnPairIndex *ix, int64 lo, int64 hi)
{
	int64		n = 0;

	for (int64 p = lo; p < hi; p++)
		if (p == lo || hn_ids_compare(ix->d, ix->order[p - 1], ix->d, ix->order[p]) != 0)
			n++;
	return n;
}

/* Documents in both sorted ranges (each counted once). */
static int64
common_docs(const HnPairIndex *a, int64 alo, int64 ahi,
			const HnPairIndex *b, int64 blo, int64 bhi)
{
	int64		n = 0;

	while (alo < ahi && blo < bhi)
	{
		int			c = hn_ids_compare(a->d, a->order[alo], b->d, b->order[blo]);

		if (c == 0)
		{
			n++;
			/* skip repeats of this document on both sides */
			for (alo++; alo < ahi && hn_ids_compare(a->d, a->order[alo - 1], a->d, a->order[alo]) == 0; alo++)
				;
			for (blo++; blo < bhi && hn_ids_compare(b->d, b->order[blo - 1], b->d, b->order[blo]) == 0; blo++)
				;
		}
		else if (c < 0)
			alo++;
		else
			blo++;
	}
	return n;
}

/* End of the group of rows of the query at ix->order[lo] (interrupts checked). */
static int64
query_end(const HnPairIndex *ix, int64 lo, int64 n)
{
	int64		hi = lo + 1;

	CHECK_FOR_INTERRUPTS();
	while (hi < n && hn_ids_compare(ix->q, ix->order[lo], ix->q, ix->order[hi]) == 0)
		hi++;
	return hi;
}

static void
diff_row(HnSrf *srf, const HnIds *q, int64 qi, Oid id_type, int64 na, int64 nb, int64 nc)
{
	Datum		v[6];
	bool		nulls[6] = {0};
	int64		uni = na + nb - nc;

	v[0] = hn_ids_datum(q, qi, id_type);
	v[1] = Int64GetDatum(na);
	v[2] = Int64GetDatum(nb);
	v[3] = Int64GetDatum(nc);
	v[4] = Float8GetDatum(uni > 0 ? (double) nc / uni : 1.0);
	v[5] = Float8GetDatum(nb > 0 ? (double) (nb - nc) / nb : 0.0);
	hn_srf_put(srf, v, nulls);
}

/*
 * One row per query of x with its counts against y.  x is the previous run,
 * or, in the second pass, the current one, whose queries that previous also
 * has were already reported.
 */
static void
diff_pass(HnSrf *srf, Oid id_type, const HnPairIndex *x, int64 nx,
		  const HnPairIndex *y, bool x_previous)
{
	for (int64 lo = 0, hi; lo < nx; lo = hi)
	{
		int64		q = x->order[lo],
					ylo,
					yhi,
					nxd,
					nyd;

		hi = query_end(x, lo, nx);
		hn_pair_query_range(y, x->q, q, &ylo, &yhi);
		if (!x_previous && yhi > ylo)
			continue;
		nxd = distinct_docs(x, lo, hi);
		nyd = distinct_docs(y, ylo, yhi);
		diff_row(srf, x->q, q, id_type, x_previous ? nxd : nyd, x_previous ? nyd : nxd,
				 common_docs(x, lo, hi, y, ylo, yhi));
	}
}

/* mining_diff(previous, current[, id_type]) */
PG_FUNCTION_INFO_V1(hardneg_mining_diff);
Datum
hardneg_mining_diff(PG_FUNCTION_ARGS)
{
	char	   *asql = hn_fn_text_arg(fcinfo, 0, "previous");
	char	   *bsql = hn_fn_text_arg(fcinfo, 1, "current");
	Oid			id_type = hn_fn_id_type(fcinfo, 2);
	HnBatch    *a,
			   *b;
	HnPairIndex ia,
				ib;
	HnSrf		srf;

	hn_srf_begin(fcinfo, &srf);
	a = hn_read_all("previous", asql, pairs_spec, lengthof(pairs_spec));
	b = hn_read_all("current", bsql, pairs_spec, lengthof(pairs_spec));
	hn_ids_check_kinds("previous", &a->cols[0].ids, "current", &b->cols[0].ids);
	hn_ids_check_kinds("previous", &a->cols[1].ids, "current", &b->cols[1].ids);
	hn_pair_index_build(&ia, &a->cols[0].ids, &a->cols[1].ids, a->nrows);
	hn_pair_index_build(&ib, &b->cols[0].ids, &b->cols[1].ids, b->nrows);
	/* queries of previous (with or without current rows), then those only in current */
	diff_pass(&srf, id_type, &ia, a->nrows, &ib, true);
	diff_pass(&srf, id_type, &ib, b->nrows, &ia, false);
	PG_RETURN_NULL();
}
