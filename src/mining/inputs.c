/*
 * inputs.c
 *		Reads the caller's inputs for mining (through reader.h only) and turns
 *		them into row-indexed arrays: positives per query, run candidates per
 *		query, teacher scores sorted for lookup.
 *
 * Ids are matched by sorting and binary search on the shared id helpers, so
 * bigint and text ids work the same way and nothing depends on input order.
 */
#include "postgres.h"

#include <math.h>

#include "io/runs.h"
#include "miscadmin.h"
#include "mining/mining.h"
#include "kernels/rng.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

static const HnColumnSpec query_spec[] = {
	{"id", HN_COL_ID, true, false},
	{"embedding", HN_COL_VECTOR, true, false},
};
static const HnColumnSpec corpus_spec[] = {
	{"id", HN_COL_ID, true, false},
	{"embedding", HN_COL_VECTOR, true, false},
	{"text_hash", HN_COL_TEXT, false, true},
};
static const HnColumnSpec runs_spec[] = {
	{"query_id", HN_COL_ID, true, false},
	{"doc_id", HN_COL_ID, true, false},
	{"score", HN_COL_FLOAT8, false, false},
	{"run_id", HN_COL_TEXT, false, true},
};

/* ---------- qrels: positives and max_positives ---------- */

typedef struct PairRow
{
	int64		a;				/* query row (or qrels row) */
	int64		b;				/* doc key (or qrels row) */
	int64		row;			/* corpus row */
	int			tag;
	float		score;
} PairRow;

static int
pair_cmp(const void *pa, const void *pb)
{
	const PairRow *x = pa,
			   *y = pb;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return 0;
}

/* Relevance <= 0 is not relevant (trec_eval); no relevance column: 1. */
static bool
qrels_positive(const HnJudgments *qrels, int64 r)
{
	return qrels->rel[r] > 0;
}

/*
 * max_positives as sentence-transformers counts it: the largest number of
 * positives of any query in the qrels input, whether or not that query is
 * mined.  Pairs are unique (judgments.h), so counting rows counts documents.
 */
static int
count_max_positives(const HnJudgments *qrels)
{
	const int64 *order = qrels->ix.order;
	int			best = 0,
				run = 0;

	for (int64 i = 0; i < qrels->n; i++)
	{
		if (i > 0 && hn_ids_compare(qrels->qid, order[i - 1], qrels->qid, order[i]) != 0)
			run = 0;
		if (qrels_positive(qrels, order[i]))
		{
			run++;
			best = Max(best, run);
		}
	}
	return best;
}

/* Groups sorted (query row, doc key) pairs into per-query ranges. */
static void
group_pairs(PairRow *pairs, int64 n, int64 nq, int64 **start, int64 **rows, int **tags,
			bool unique)
{
	int64		m = 0;

	qsort(pairs, n, sizeof(PairRow), pair_cmp);
	*start = palloc0(sizeof(int64) * (nq + 1));
	*rows = palloc(sizeof(int64) * Max(n, 1));
	if (tags)
		*tags = palloc(sizeof(int) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
	{
		if (unique && i > 0 && pair_cmp(&pairs[i - 1], &pairs[i]) == 0)
			continue;
		(*rows)[m] = pairs[i].row;
		if (tags)
			(*tags)[m] = pairs[i].tag;
		(*start)[pairs[i].a + 1]++;
		m++;
	}
	for (int64 q = 0; q < nq; q++)
		(*start)[q + 1] += (*start)[q];
}

static void
read_positives(HnMineInputs *in, const HnJudgments *qrels)
{
	PairRow    *pairs = palloc(sizeof(PairRow) * Max(qrels->n, 1));
	int64		n = 0;

	hn_ids_check_kinds("queries", in->qids, "qrels", qrels->qid);
	hn_ids_check_kinds("corpus", in->dids, "qrels", qrels->did);
	for (int64 r = 0; r < qrels->n; r++)
	{
		int64		qrow,
					drow;

		if ((r & 65535) == 65535)
			CHECK_FOR_INTERRUPTS();
		if (!qrels_positive(qrels, r))
			continue;
		qrow = hn_ids_find(in->qids, in->q_order, in->nq, qrels->qid, r);
		if (qrow < 0)
			continue;
		drow = hn_ids_find(in->dids, in->d_order, in->nd, qrels->did, r);
		if (drow < 0)
		{
			in->positives_missing++;
			continue;
		}
		pairs[n].a = qrow;
		pairs[n].b = in->d_key[drow];
		pairs[n].row = drow;
		n++;
	}
	group_pairs(pairs, n, in->nq, &in->pos_start, &in->pos_rows, NULL, true);
	pfree(pairs);
}

/* ---------- runs and teacher scores ---------- */

static int
run_label_index(HnMineInputs *in, const char *label)
{
	for (int i = 0; i < in->nrun_labels; i++)
		if (strcmp(in->run_labels[i], label) == 0)
			return i;
	if (in->nrun_labels >= 30)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("mine_hard_negatives: the runs input has more than 30 distinct run_id values"),
				 errhint("Union at most 30 runs per call, or map run_id to fewer labels.")));
	in->run_labels[in->nrun_labels] = pstrdup(label);
	return in->nrun_labels++;
}

static void
read_runs(const HnMineParams *p, HnMineInputs *in)
{
	HnBatch    *runs = hn_ranked_read("runs", p->runs_sql, runs_spec, lengthof(runs_spec));
	PairRow    *pairs = palloc(sizeof(PairRow) * Max(runs->nrows, 1));
	int64		n = 0;

	hn_ids_check_kinds("queries", in->qids, "runs", &runs->cols[0].ids);
	hn_ids_check_kinds("corpus", in->dids, "runs", &runs->cols[1].ids);
	in->run_labels = palloc(sizeof(char *) * 30);
	for (int64 r = 0; r < runs->nrows; r++)
	{
		int64		qrow = hn_ids_find(in->qids, in->q_order, in->nq, &runs->cols[0].ids, r);
		int64		drow;
		const char *label = "run";

		if ((r & 65535) == 65535)
			CHECK_FOR_INTERRUPTS();
		if (qrow < 0)
			continue;
		drow = hn_ids_find(in->dids, in->d_order, in->nd, &runs->cols[1].ids, r);
		if (drow < 0)
		{
			in->run_rows_missing++;
			continue;
		}
		if (runs->cols[3].present && !runs->cols[3].isnull[r])
			label = runs->cols[3].str[r];
		pairs[n].a = qrow;
		pairs[n].b = in->d_key[drow];
		pairs[n].row = drow;
		pairs[n].tag = run_label_index(in, label);
		n++;
	}
	group_pairs(pairs, n, in->nq, &in->run_start, &in->run_rows, &in->run_src, false);
	pfree(pairs);
}

/*
 * Teacher scores, read once (judgments.h: one score per pair); the
 * false-negative teacher reuses in->teacher.
 */
static void
read_teacher(const HnMineParams *p, HnMineInputs *in)
{
	HnPairScores *t = &in->teacher;
	PairRow    *pairs;
	int64		n = 0;

	hn_pair_scores_read(t, "teacher_scores", p->teacher_sql);
	in->has_teacher = true;
	pairs = palloc(sizeof(PairRow) * Max(t->n, 1));
	hn_ids_check_kinds("queries", in->qids, "teacher_scores", t->qid);
	hn_ids_check_kinds("corpus", in->dids, "teacher_scores", t->did);
	for (int64 r = 0; r < t->n; r++)
	{
		int64		qrow = hn_ids_find(in->qids, in->q_order, in->nq, t->qid, r);
		int64		drow = qrow < 0 ? -1 :
			hn_ids_find(in->dids, in->d_order, in->nd, t->did, r);

		if ((r & 65535) == 65535)
			CHECK_FOR_INTERRUPTS();
		if (drow < 0)
			continue;
		pairs[n].a = qrow;
		pairs[n].b = drow;
		pairs[n].score = (float) t->score[r];
		n++;
	}
	qsort(pairs, n, sizeof(PairRow), pair_cmp);
	in->nteacher = n;
	in->teacher_q = palloc(sizeof(int64) * Max(n, 1));
	in->teacher_d = palloc(sizeof(int64) * Max(n, 1));
	in->teacher_s = palloc(sizeof(float) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
	{
		in->teacher_q[i] = pairs[i].a;
		in->teacher_d[i] = pairs[i].b;
		in->teacher_s[i] = pairs[i].score;
	}
	pfree(pairs);
}

bool
hn_mine_teacher_score(const HnMineInputs *in, int64 qrow, int64 drow, float *score)
{
	int64		lo = 0,
				hi = in->nteacher - 1;

	while (lo <= hi)
	{
		int64		mid = lo + (hi - lo) / 2;
		int			c = in->teacher_q[mid] != qrow ? (in->teacher_q[mid] < qrow ? -1 : 1) :
			in->teacher_d[mid] != drow ? (in->teacher_d[mid] < drow ? -1 : 1) : 0;

		if (c == 0)
		{
			*score = in->teacher_s[mid];
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/* ---------- corpus preparation ---------- */

static void
prepare_corpus(const HnMineParams *p, HnMineInputs *in)
{
	HnBatch    *c = in->corpus;
	HnColumn   *th = &c->cols[2];

	in->d_order = hn_ids_sort_order(in->dids, in->nd);
	in->d_key = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(in->nd, 1));
	in->d_hash = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * Max(in->nd, 1));
	in->d_text_hash = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * Max(in->nd, 1));
	in->has_text_hash = th->present;
	for (int64 i = 0; i < in->nd; i++)
	{
		in->d_key[in->d_order[i]] = i;
		if (i > 0 && hn_ids_compare(in->dids, in->d_order[i - 1], in->dids, in->d_order[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("mine_hard_negatives: the corpus query returns a duplicate id"),
					 errhint("Each document must appear once; use SELECT DISTINCT ON (id) ...")));
	}
	for (int64 r = 0; r < in->nd; r++)
	{
		if ((r & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (p->metric == HN_METRIC_COSINE && hn_norm_sq(hn_batch_vector(c, 1, r), in->dim) == 0.0f)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("mine_hard_negatives: corpus row " INT64_FORMAT " has a zero-norm embedding",
							r + 1),
					 errhint("Cosine similarity is undefined for zero vectors; remove the row or use metric => 'ip'.")));
		in->d_hash[r] = hn_ids_hash(in->dids, r);
		in->d_text_hash[r] = (th->present && !th->isnull[r]) ?
			hn_hash_bytes(th->str[r], strlen(th->str[r])) : 0;
	}
}

static void
check_dims(HnMineInputs *in)
{
	int			qd = in->queries->cols[1].dim;
	int			dd = in->corpus->cols[1].dim;

	if (in->nq > 0 && in->nd > 0 && qd != dd)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("mine_hard_negatives: query embeddings have %d dimensions but corpus embeddings have %d",
						qd, dd),
				 errhint("Queries and corpus must be embedded by the same model.")));
	in->dim = dd > 0 ? dd : qd;
}

/*
 * Reads everything; qrels first, so that the derived range_max is known (and
 * validated) before the large inputs are read.
 */
void
hn_mine_read_inputs(HnMineParams *p, HnMineInputs *in)
{
	memset(in, 0, sizeof(*in));
	hn_judgments_read(&in->qrels, p->qrels_sql, false);
	p->max_positives = count_max_positives(&in->qrels);
	hn_mine_derive_range(p);

	in->queries = hn_read_all("queries", p->queries_sql, query_spec, lengthof(query_spec));
	in->corpus = hn_read_all("corpus", p->corpus_sql, corpus_spec, lengthof(corpus_spec));
	in->nq = in->queries->nrows;
	in->nd = in->corpus->nrows;
	in->qids = &in->queries->cols[0].ids;
	in->dids = &in->corpus->cols[0].ids;
	check_dims(in);
	in->q_order = hn_ids_sort_order(in->qids, in->nq);
	for (int64 i = 1; i < in->nq; i++)
		if (hn_ids_compare(in->qids, in->q_order[i - 1], in->qids, in->q_order[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("mine_hard_negatives: the queries query returns a duplicate id"),
					 errhint("Each query must appear once; use SELECT DISTINCT ON (id) ...")));
	prepare_corpus(p, in);
	read_positives(in, &in->qrels);
	if (p->runs_sql)
		read_runs(p, in);
	if (p->teacher_sql)
		read_teacher(p, in);
}
