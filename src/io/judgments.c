/*
 * judgments.c
 *		Judgments and pair scores, read once, with one duplicate rule (see
 *		judgments.h).
 */
#include "postgres.h"

#include <math.h>

#include "io/judgments.h"
#include "miscadmin.h"
#include "utils/memutils.h"

/* ---------- the pair index ---------- */

typedef struct PairSortArg
{
	const HnIds *q;
	const HnIds *d;
} PairSortArg;

static int
pair_cmp(const void *pa, const void *pb, void *arg)
{
	const PairSortArg *s = arg;
	int64		a = *(const int64 *) pa,
				b = *(const int64 *) pb;
	int			c = hn_ids_compare(s->q, a, s->q, b);

	if (c != 0)
		return c;
	c = hn_ids_compare(s->d, a, s->d, b);
	if (c != 0)
		return c;
	return (a > b) - (a < b);	/* stable: duplicates are reported in row order */
}

void
hn_pair_index_build(HnPairIndex *ix, const HnIds *q, const HnIds *d, int64 n)
{
	PairSortArg arg = {q, d};

	ix->q = q;
	ix->d = d;
	ix->n = n;
	ix->order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
		ix->order[i] = i;
	/* millions of input rows sort for seconds: a cancel must not wait for it */
	qsort_interruptible(ix->order, n, sizeof(int64), pair_cmp, &arg);
}

/* Lower (or upper) bound of (q, d), or of q alone when d is NULL. */
static int64
pair_bound(const HnPairIndex *ix, const HnIds *q, int64 qi,
		   const HnIds *d, int64 di, bool upper)
{
	int64		lo = 0,
				hi = ix->n;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;
		int64		row = ix->order[mid];
		int			c = hn_ids_compare(ix->q, row, q, qi);

		if (c == 0 && d != NULL)
			c = hn_ids_compare(ix->d, row, d, di);
		if (c < 0 || (upper && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int64
hn_pair_find(const HnPairIndex *ix, const HnIds *q, int64 qi, const HnIds *d, int64 di)
{
	int64		pos = pair_bound(ix, q, qi, d, di, false);

	if (pos < ix->n &&
		hn_ids_compare(ix->q, ix->order[pos], q, qi) == 0 &&
		hn_ids_compare(ix->d, ix->order[pos], d, di) == 0)
		return pos;
	return -1;
}

void
hn_pair_query_range(const HnPairIndex *ix, const HnIds *q, int64 qi, int64 *lo, int64 *hi)
{
	*lo = pair_bound(ix, q, qi, NULL, 0, false);
	*hi = pair_bound(ix, q, qi, NULL, 0, true);
}

/*
 * The one duplicate rule: after the sort, equal neighbours are the same
 * (query, doc) pair.  The message names the pair and both rows (1-based, in
 * the input's order) so that the caller can find them.
 */
static void
check_unique_pairs(const HnPairIndex *ix, const char *what, const char *noun,
				   const int32 *rel)
{
	for (int64 i = 1; i < ix->n; i++)
	{
		int64		a = ix->order[i - 1],
					b = ix->order[i];
		char		qb[32],
					db[32];

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (hn_ids_compare(ix->q, a, ix->q, b) != 0 || hn_ids_compare(ix->d, a, ix->d, b) != 0)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("duplicate %s of document \"%s\" for query \"%s\" in the %s",
						noun, hn_ids_cstring(ix->d, a, db, sizeof(db)),
						hn_ids_cstring(ix->q, a, qb, sizeof(qb)), what),
				 rel && rel[a] != rel[b] ?
				 errdetail("Rows " INT64_FORMAT " and " INT64_FORMAT " of the %s query grade it %d and %d.",
						   a + 1, b + 1, what, rel[a], rel[b]) :
				 errdetail("Rows " INT64_FORMAT " and " INT64_FORMAT " of the %s query are the same pair.",
						   a + 1, b + 1, what),
				 errhint("Keep one row per (query_id, doc_id), e.g. SELECT DISTINCT ON (query_id, doc_id) ... "
						 "ORDER BY query_id, doc_id, %s DESC.", rel ? "relevance" : "score")));
	}
}

/* ---------- judgments ---------- */

void
hn_judgments_read(HnJudgments *j, const char *sql, bool relevance_required)
{
	const HnColumnSpec spec[] = {
		{"query_id", HN_COL_ID, true, false},
		{"doc_id", HN_COL_ID, true, false},
		{"relevance", HN_COL_INT4, relevance_required, false},
	};
	HnBatch    *b = hn_read_all("qrels", sql, spec, lengthof(spec));

	memset(j, 0, sizeof(*j));
	j->n = b->nrows;
	j->qid = &b->cols[0].ids;
	j->did = &b->cols[1].ids;
	j->has_relevance = b->cols[2].present;
	if (j->has_relevance)
		j->rel = b->cols[2].i4;
	else
	{
		j->rel = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(j->n, 1));
		for (int64 i = 0; i < j->n; i++)
			j->rel[i] = 1;
	}
	for (int64 i = 0; i < j->n; i++)
		if (j->rel[i] > HN_MAX_RELEVANCE)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("relevance %d in row " INT64_FORMAT " of the qrels query is too large",
							j->rel[i], i + 1),
					 errhint("Relevance grades must be at most %d (trec_eval uses -127..127).",
							 HN_MAX_RELEVANCE)));
	hn_pair_index_build(&j->ix, j->qid, j->did, j->n);
	check_unique_pairs(&j->ix, "qrels", "judgment", j->rel);
}

/* The input row of (q[qi], d[di]), or -1. */
static int64
pair_row(const HnPairIndex *ix, const HnIds *q, int64 qi, const HnIds *d, int64 di)
{
	int64		pos = hn_pair_find(ix, q, qi, d, di);

	return pos < 0 ? -1 : ix->order[pos];
}

bool
hn_judgments_get(const HnJudgments *j, const HnIds *q, int64 qi,
				 const HnIds *d, int64 di, int32 *rel)
{
	int64		row = pair_row(&j->ix, q, qi, d, di);

	if (row >= 0)
		*rel = j->rel[row];
	return row >= 0;
}

/* ---------- pair scores ---------- */

void
hn_pair_scores_read(HnPairScores *s, const char *what, const char *sql)
{
	static const HnColumnSpec spec[] = {
		{"query_id", HN_COL_ID, true, false},
		{"doc_id", HN_COL_ID, true, false},
		{"score", HN_COL_FLOAT8, true, false},
	};
	HnBatch    *b = hn_read_all(what, sql, spec, lengthof(spec));

	memset(s, 0, sizeof(*s));
	s->n = b->nrows;
	s->qid = &b->cols[0].ids;
	s->did = &b->cols[1].ids;
	s->score = b->cols[2].f8;
	for (int64 i = 0; i < s->n; i++)
		if (isnan(s->score[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("score in row " INT64_FORMAT " of the %s query is NaN", i + 1, what),
					 errhint("Filter or replace NaN scores.")));
	hn_pair_index_build(&s->ix, s->qid, s->did, s->n);
	check_unique_pairs(&s->ix, what, "score", NULL);
}

bool
hn_pair_scores_get(const HnPairScores *s, const HnIds *q, int64 qi,
				   const HnIds *d, int64 di, double *score)
{
	int64		row = pair_row(&s->ix, q, qi, d, di);

	if (row >= 0)
		*score = s->score[row];
	return row >= 0;
}
