/*
 * runs.c
 *		Ranked lists (runs, pooled runs, candidate lists), read once, with
 *		one duplicate rule (see runs.h).
 */
#include "postgres.h"

#include <math.h>

#include "io/runs.h"
#include "miscadmin.h"
#include "utils/memutils.h"

/* Where the key columns of a ranked-list batch are. */
typedef struct RankedKey
{
	const HnBatch *b;
	int			score;			/* column index, -1 when absent */
	int			run;			/* column index, -1 when absent */
} RankedKey;

static int
spec_column(const HnBatch *b, const char *name)
{
	for (int c = 0; c < b->ncols; c++)
		if (strcmp(b->spec[c].name, name) == 0 && b->cols[c].present)
			return c;
	return -1;
}

/* run_id of a row as text ("" for NULL: rows without a run are one run). */
static const char *
run_text(const RankedKey *k, int64 row, char *buf, size_t len)
{
	const HnColumn *col = &k->b->cols[k->run];

	if (col->isnull && col->isnull[row])
		return "";
	if (k->b->spec[k->run].type == HN_COL_ID)
		return hn_ids_cstring(&col->ids, row, buf, len);
	return col->str[row];
}

/* (run, query, doc, score descending, row): a group's first row is kept. */
static int
ranked_cmp(const void *pa, const void *pb, void *arg)
{
	const RankedKey *k = arg;
	int64		a = *(const int64 *) pa,
				b = *(const int64 *) pb;
	int			c;

	if (k->run >= 0)
	{
		char		ba[32],
					bb[32];

		c = strcmp(run_text(k, a, ba, sizeof(ba)), run_text(k, b, bb, sizeof(bb)));
		if (c != 0)
			return c;
	}
	c = hn_ids_compare(&k->b->cols[0].ids, a, &k->b->cols[0].ids, b);
	if (c != 0)
		return c;
	c = hn_ids_compare(&k->b->cols[1].ids, a, &k->b->cols[1].ids, b);
	if (c != 0)
		return c;
	if (k->score >= 0)
	{
		double		x = k->b->cols[k->score].f8[a],
					y = k->b->cols[k->score].f8[b];

		if (x != y)
			return x > y ? -1 : 1;
	}
	return (a > b) - (a < b);
}

static bool
same_key(const RankedKey *k, int64 a, int64 b)
{
	char		ba[32],
				bb[32];

	if (k->run >= 0 && strcmp(run_text(k, a, ba, sizeof(ba)), run_text(k, b, bb, sizeof(bb))) != 0)
		return false;
	return hn_ids_compare(&k->b->cols[0].ids, a, &k->b->cols[0].ids, b) == 0 &&
		hn_ids_compare(&k->b->cols[1].ids, a, &k->b->cols[1].ids, b) == 0;
}

static void
check_scores(const char *what, const RankedKey *k)
{
	const HnBatch *b = k->b;
	char		qb[32],
				db[32];

	if (k->score < 0)
		return;
	for (int64 i = 0; i < b->nrows; i++)
		if (isnan(b->cols[k->score].f8[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("score of document \"%s\" for query \"%s\" in the %s query is NaN",
							hn_ids_cstring(&b->cols[1].ids, i, db, sizeof(db)),
							hn_ids_cstring(&b->cols[0].ids, i, qb, sizeof(qb)), what),
					 errhint("Rank with real numbers: filter or replace NaN scores.")));
}

/* Moves row "from" of every present column to row "to". */
static void
move_row(HnBatch *b, int64 to, int64 from)
{
	for (int c = 0; c < b->ncols; c++)
	{
		HnColumn   *col = &b->cols[c];

		if (!col->present)
			continue;
		switch (b->spec[c].type)
		{
			case HN_COL_ID:
				if (col->ids.is_text)
					col->ids.texts[to] = col->ids.texts[from];
				else
					col->ids.ints[to] = col->ids.ints[from];
				break;
			case HN_COL_FLOAT8:
				col->f8[to] = col->f8[from];
				break;
			case HN_COL_INT4:
				col->i4[to] = col->i4[from];
				break;
			case HN_COL_TEXT:
				col->str[to] = col->str[from];
				break;
			case HN_COL_VECTOR:
				memmove(hn_batch_vector(b, c, to), hn_batch_vector(b, c, from),
						sizeof(float) * col->dim);
				break;
		}
		if (col->isnull)
			col->isnull[to] = col->isnull[from];
	}
}

/*
 * Drops every row but the first of its (run, query, doc) group in
 * ranked_cmp's order, keeping input order among the rest; warns once.
 */
static void
drop_duplicates(const char *what, HnBatch *b, const RankedKey *k)
{
	int64		n = b->nrows;
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
	bool	   *drop = palloc0(sizeof(bool) * Max(n, 1));
	int64		ndup = 0,
				first = -1,
				kept = 0;

	for (int64 i = 0; i < n; i++)
		order[i] = i;
	qsort_interruptible(order, n, sizeof(int64), ranked_cmp, (void *) k);
	for (int64 i = 1; i < n; i++)
		if (same_key(k, order[i - 1], order[i]))
		{
			drop[order[i]] = true;
			if (ndup++ == 0 || order[i] < first)
				first = order[i];
		}
	if (ndup > 0)
	{
		char		qb[32],
					db[32];

		ereport(WARNING,
				(errmsg(INT64_FORMAT " duplicate (query_id, doc_id) rows in the %s query: kept the highest score of each",
						ndup, what),
				 errdetail("The first is document \"%s\" for query \"%s\" (row " INT64_FORMAT ").",
						   hn_ids_cstring(&b->cols[1].ids, first, db, sizeof(db)),
						   hn_ids_cstring(&b->cols[0].ids, first, qb, sizeof(qb)), first + 1),
				 errhint("A document is one candidate per query and run (trec_eval itself rejects such runs); deduplicate the %s query to silence this warning.",
						 what)));
		for (int64 i = 0; i < n; i++)
		{
			if ((i & 65535) == 65535)
				CHECK_FOR_INTERRUPTS();
			if (drop[i])
				continue;
			if (kept != i)
				move_row(b, kept, i);
			kept++;
		}
		b->nrows = kept;
	}
	pfree(order);
	pfree(drop);
}

HnBatch *
hn_ranked_read(const char *what, const char *sql, const HnColumnSpec *spec, int ncols)
{
	HnBatch    *b = hn_read_all(what, sql, spec, ncols);
	RankedKey	k;

	Assert(ncols >= 2 && spec[0].type == HN_COL_ID && spec[1].type == HN_COL_ID);
	k.b = b;
	k.score = spec_column(b, "score");
	k.run = spec_column(b, "run_id");
	check_scores(what, &k);
	drop_duplicates(what, b, &k);
	return b;
}
