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

#include "falseneg/falseneg.h"
#include "io/progress.h"
#include "io/runs.h"
#include "kernels/exact_knn.h"
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

static HnBatch *
read_runs_batch(const HnMineParams *p)
{
	return hn_ranked_read("runs", p->runs_sql, runs_spec, lengthof(runs_spec));
}

static void
read_runs(HnMineInputs *in, HnBatch *runs)
{
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
zero_norm_error(int64 row)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("mine_hard_negatives: corpus row " INT64_FORMAT " has a zero-norm embedding",
					row + 1),
			 errhint("Cosine similarity is undefined for zero vectors; remove the row or use metric => 'ip'.")));
}

/* Id order, tie keys and the duplicate check, from the corpus ids alone. */
static void
order_corpus(HnMineInputs *in)
{
	in->d_order = hn_ids_sort_order(in->dids, in->nd);
	in->d_key = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(in->nd, 1));
	for (int64 i = 0; i < in->nd; i++)
	{
		in->d_key[in->d_order[i]] = i;
		if (i > 0 && hn_ids_compare(in->dids, in->d_order[i - 1], in->dids, in->d_order[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("mine_hard_negatives: the corpus query returns a duplicate id"),
					 errhint("Each document must appear once; use SELECT DISTINCT ON (id) ...")));
	}
}

/* The per-row hashes of rows [from, from + n): RNG key and text hash. */
static void
hash_rows(HnMineInputs *in, int64 from, const HnColumn *th, int64 n)
{
	for (int64 r = 0; r < n; r++)
	{
		in->d_hash[from + r] = hn_ids_hash(in->dids, from + r);
		in->d_text_hash[from + r] = (th->present && !th->isnull[r]) ?
			hn_hash_bytes(th->str[r], strlen(th->str[r])) : 0;
	}
}

/* The first zero-norm row of n vectors under cosine, or -1. */
static int64
first_zero_row(const HnMineParams *p, const float *vec, int64 n, int dim)
{
	if (p->metric != HN_METRIC_COSINE)
		return -1;
	for (int64 r = 0; r < n; r++)
	{
		if ((r & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (hn_norm_sq(vec + (size_t) r * dim, dim) == 0.0f)
			return r;
	}
	return -1;
}

static void
prepare_corpus(const HnMineParams *p, HnMineInputs *in)
{
	HnBatch    *c = in->corpus;
	int64		zero;

	in->d_hash = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * Max(in->nd, 1));
	in->d_text_hash = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * Max(in->nd, 1));
	in->has_text_hash = c->cols[2].present;
	order_corpus(in);
	zero = first_zero_row(p, c->cols[1].vec, in->nd, in->dim);
	if (zero >= 0)
		zero_norm_error(zero);
	hash_rows(in, 0, &c->cols[2], in->nd);
}

static void
check_dims(HnMineInputs *in, int dd, bool have_docs)
{
	int			qd = in->queries->cols[1].dim;

	if (in->nq > 0 && have_docs && qd != dd)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("mine_hard_negatives: query embeddings have %d dimensions but corpus embeddings have %d",
						qd, dd),
				 errhint("Queries and corpus must be embedded by the same model.")));
	in->dim = dd > 0 ? dd : qd;
}

/* ---------- the streamed corpus ---------- */

/*
 * Whether the corpus can be streamed: every later stage then needs only the
 * exact pass's candidates and the vectors of rows known before mining
 * starts: positives and run documents (captured in the first pass) and, for
 * the near-duplicate filter, the kept candidates (captured by the targeted
 * pass).  The rest still reads the whole corpus (docs/mining.md, Limits):
 * method 'index' (it re-scores whatever rows the index returns while
 * mining), random draws (backfill 'random', random_negatives: each query may
 * draw 16 n + 64 rows, which for many queries covers most of a small
 * corpus; their scores, not vectors, are what a streamed version should
 * keep) and a false-negative estimator that reads corpus vectors ('knn',
 * and 'auto', which picks 'knn' without pooled_runs).
 */
static bool
can_stream(const HnMineParams *p)
{
	bool		fn_vectors = (p->false_negatives & HN_FN_KNN) ||
		((p->false_negatives & HN_FN_AUTO) && p->pooled_runs_sql == NULL);

	return !p->use_index && !fn_vectors && p->backfill != HN_BACKFILL_RANDOM &&
		p->random_negatives == 0;
}

/* An id named by some input: the documents whose vectors the pass keeps. */
typedef struct IdRef
{
	const HnIds *ids;
	int64		i;
} IdRef;

typedef struct StreamPass
{
	const HnMineParams *p;
	HnMineInputs *in;
	IdRef	   *wanted;			/* sorted by id */
	int64		nwanted;
	int64		cap_rows;		/* capacity of the per-row arrays */
	int64		cap_kept;		/* capacity of the captured vectors */
	int64	   *keys;			/* one chunk's row ordinals */
	int64		zero_row;		/* first zero-norm row under cosine, or -1 */
	int64		read;			/* rows read by the finished passes */
	HnProgress	progress;
} StreamPass;

static int
idref_cmp(const void *pa, const void *pb)
{
	const IdRef *a = pa,
			   *b = pb;

	return hn_ids_compare(a->ids, a->i, b->ids, b->i);
}

/* Kernel tie order under streaming: row ordinals stand for the ids. */
static int
row_id_cmp(int64 a, int64 b, void *arg)
{
	const HnMineInputs *in = arg;

	return hn_ids_compare(in->dids, a, in->dids, b);
}

/* The documents of the mined queries' positives and runs, sorted by id. */
static void
collect_wanted(StreamPass *sp, const HnBatch *runs)
{
	HnMineInputs *in = sp->in;
	const HnJudgments *qr = &in->qrels;
	int64		cap = qr->n + (runs ? runs->nrows : 0);

	sp->wanted = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(IdRef) * Max(cap, 1));
	for (int64 r = 0; r < qr->n; r++)
		if (qrels_positive(qr, r) &&
			hn_ids_find(in->qids, in->q_order, in->nq, qr->qid, r) >= 0)
			sp->wanted[sp->nwanted++] = (IdRef) {qr->did, r};
	for (int64 r = 0; runs && r < runs->nrows; r++)
		if (hn_ids_find(in->qids, in->q_order, in->nq, &runs->cols[0].ids, r) >= 0)
			sp->wanted[sp->nwanted++] = (IdRef) {&runs->cols[1].ids, r};
	qsort(sp->wanted, sp->nwanted, sizeof(IdRef), idref_cmp);
}

static bool
is_wanted(const StreamPass *sp, int64 row)
{
	const HnIds *ids = sp->in->dids;
	int64		lo = 0,
				hi = sp->nwanted - 1;

	while (lo <= hi)
	{
		int64		mid = lo + (hi - lo) / 2;
		int			c = hn_ids_compare(sp->wanted[mid].ids, sp->wanted[mid].i, ids, row);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

static void *
grow_huge(void *p, size_t elem, int64 oldcap, int64 newcap)
{
	if (p == NULL)
		return MemoryContextAllocHuge(CurrentMemoryContext, elem * Max(newcap, 1));
	return oldcap == newcap ? p : repalloc_huge(p, elem * Max(newcap, 1));
}

/* Room for n more rows in the id and hash arrays. */
static void
reserve_rows(StreamPass *sp, int64 n)
{
	HnMineInputs *in = sp->in;
	HnIds	   *ids = &in->corpus_ids;
	int64		cap = sp->cap_rows;

	if (in->nd + n <= cap)
		return;
	cap = Max(in->nd + n, 2 * cap);
	if (ids->is_text)
		ids->texts = grow_huge(ids->texts, sizeof(char *), sp->cap_rows, cap);
	else
		ids->ints = grow_huge(ids->ints, sizeof(int64), sp->cap_rows, cap);
	in->d_hash = grow_huge(in->d_hash, sizeof(uint64), sp->cap_rows, cap);
	in->d_text_hash = grow_huge(in->d_text_hash, sizeof(uint64), sp->cap_rows, cap);
	sp->cap_rows = cap;
	sp->keys = grow_huge(sp->keys, sizeof(int64), 0, n);
}

/* Keeps a row's vector for the later stages (rows arrive in ascending order). */
static void
capture(StreamPass *sp, int64 row, const float *vec)
{
	HnMineInputs *in = sp->in;

	if (in->ncaptured == sp->cap_kept)
	{
		int64		cap = Max(64, 2 * sp->cap_kept);

		in->captured_rows = grow_huge(in->captured_rows, sizeof(int64), sp->cap_kept, cap);
		in->captured_vecs = grow_huge(in->captured_vecs, sizeof(float) * in->dim,
									  sp->cap_kept, cap);
		sp->cap_kept = cap;
	}
	in->captured_rows[in->ncaptured] = row;
	memcpy(in->captured_vecs + (size_t) in->ncaptured * in->dim, vec, sizeof(float) * in->dim);
	in->ncaptured++;
}

/* One chunk: its ids, hashes and wanted vectors kept, its rows scored. */
static void
stream_chunk(StreamPass *sp, const HnBatch *b, HnKnn *knn)
{
	HnMineInputs *in = sp->in;
	const HnIds *cids = &b->cols[0].ids;
	const float *vec = b->cols[1].vec;
	int64		n = b->nrows,
				zero;

	if (in->nd == 0)
	{
		in->corpus_ids.is_text = cids->is_text;
		in->corpus_ids.typid = cids->typid;
	}
	reserve_rows(sp, n);
	for (int64 r = 0; r < n; r++)
	{
		/* text ids stay in the reader's context, which outlives the pass */
		if (cids->is_text)
			in->corpus_ids.texts[in->nd + r] = cids->texts[r];
		else
			in->corpus_ids.ints[in->nd + r] = cids->ints[r];
		sp->keys[r] = in->nd + r;
	}
	hash_rows(in, in->nd, &b->cols[2], n);
	in->has_text_hash |= b->cols[2].present;
	for (int64 r = 0; r < n; r++)
	{
		if ((r & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
		if (sp->nwanted > 0 && is_wanted(sp, in->nd + r))
			capture(sp, in->nd + r, vec + (size_t) r * in->dim);
	}
	/* a zero-norm row is an error once the ids are checked: stop scoring */
	zero = sp->zero_row >= 0 ? -1 : first_zero_row(sp->p, vec, n, in->dim);
	if (zero >= 0)
		sp->zero_row = in->nd + zero;
	if (knn && sp->zero_row < 0)
		hn_knn_add(knn, vec, n, sp->keys);
	in->nd += n;
}

/* Rows per corpus chunk: a quarter of work_mem, as knn_search reads. */
static int64
chunk_rows(int dim)
{
	return Max(hn_rows_for_work_mem(sizeof(float) * Max(dim, 1) + 64) / 4, 64);
}

/*
 * Queries per pass: their heaps (k entries, and up to 3k more for the tie
 * order, see exact_knn.h) in half of work_mem, as knn_search's blocks.
 */
static int64
query_block(const HnMineInputs *in, int pool)
{
	int64		n = hn_rows_for_work_mem(4 * sizeof(HnScored) * (size_t) Max(pool, 1) + 64) / 2;

	return Min(Max(n, 1), Max(in->nq, 1));
}

static void
other_rows_error(int64 first, int64 next)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("mine_hard_negatives: the corpus query returned other rows on its next run"),
			 next < 0 ? errdetail("A row's id was not returned by the first run.") :
			 errdetail("The first run returned " INT64_FORMAT " rows, the next " INT64_FORMAT ".",
					   first, next),
			 errhint("Make the corpus query deterministic: the corpus is read once per block of queries, and once more for the near-duplicate filter.")));
}

/* The first pass's row of a later pass's row r (by id). */
static int64
first_pass_row(const HnMineInputs *in, const HnBatch *b, int64 r)
{
	int64		row = hn_ids_find(in->dids, in->d_order, in->nd, &b->cols[0].ids, r);

	if (row < 0)
		other_rows_error(in->nd, -1);
	return row;
}

/*
 * A later pass's chunk: its rows are found by id among the first pass's,
 * so the corpus query may return them in another order, and scored.
 */
static void
rescan_chunk(StreamPass *sp, const HnBatch *b, HnKnn *knn)
{
	HnMineInputs *in = sp->in;

	for (int64 r = 0; r < b->nrows; r++)
	{
		if ((r & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
		sp->keys[r] = first_pass_row(in, b, r);
	}
	hn_knn_add(knn, b->cols[1].vec, b->nrows, sp->keys);
}

/*
 * One pass of the corpus for the queries [q0, q0 + nq): the first pass also
 * keeps the ids, hashes and wanted vectors (stream_chunk).  The kernel's
 * results go to the candidate store.
 */
static void
corpus_pass(StreamPass *sp, int64 q0, int64 nq, int pool, int64 chunk)
{
	const HnMineParams *p = sp->p;
	HnMineInputs *in = sp->in;
	bool		first = q0 == 0;
	HnBatch		b = {0};
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext read_cxt = first ? outer :
		AllocSetContextCreate(outer, "hardneg mining corpus pass", ALLOCSET_DEFAULT_SIZES);
	HnReader   *reader;
	bool		more;
	HnKnn	   *knn = NULL;
	int64		seen = 0;

	/* the first read's text ids stay (they are the corpus ids); later ones go */
	MemoryContextSwitchTo(read_cxt);
	reader = hn_reader_open("corpus", p->corpus_sql, corpus_spec, lengthof(corpus_spec));
	MemoryContextSwitchTo(outer);
	more = hn_reader_next(reader, &b, chunk);

	if (first)
		check_dims(in, more ? b.cols[1].dim : 0, more);
	if ((more || !first) && p->dense && pool > 0 && nq > 0)
		knn = hn_knn_begin(hn_batch_vector(in->queries, 1, q0), (int) nq, in->dim,
						   p->metric, pool, row_id_cmp, in);
	while (more)
	{
		seen += b.nrows;
		if (first)
			stream_chunk(sp, &b, knn);
		else
		{
			sp->keys = grow_huge(sp->keys, sizeof(int64), 0, b.nrows);
			rescan_chunk(sp, &b, knn);
		}
		hn_progress_tick(&sp->progress, sp->read + seen, NULL);
		more = hn_reader_next(reader, &b, chunk);
	}
	hn_reader_close(reader);
	if (read_cxt != outer)
		MemoryContextDelete(read_cxt);
	sp->read += seen;
	if (!first && seen != in->nd)
		other_rows_error(in->nd, seen);
	if (first)
	{
		order_corpus(in);
		if (sp->zero_row >= 0)
			zero_norm_error(sp->zero_row);
	}
	if (knn)
	{
		hn_knn_finish(knn);
		hn_mine_dense_keep_knn(in, knn, q0, nq);
	}
}

/*
 * The streamed corpus: read in chunks, each scored against a block of
 * queries by the exact k-NN kernel (k = the largest pool); the first pass
 * also keeps the ids, their hashes and the wanted vectors.  When the
 * queries' heaps do not fit in half of work_mem, the corpus is read once
 * more per further block, as knn_search does.  The kernel's results become
 * the candidate store (candidates.c) that every later stage reads.
 */
static void
stream_corpus(const HnMineParams *p, HnMineInputs *in, const HnBatch *runs)
{
	StreamPass	sp = {0};
	int			pool = hn_mine_pool(p);
	int64		chunk = chunk_rows(in->queries->cols[1].dim),
				block = query_block(in, pool),
				passes = in->nq > 0 ? (in->nq + block - 1) / block : 1,
				total = -1;

	sp.p = p;
	sp.in = in;
	sp.zero_row = -1;
	in->streamed = true;
	in->dids = &in->corpus_ids;
	collect_wanted(&sp, runs);
	if (hn_progress_enabled())
		total = passes * hn_reader_count("corpus", p->corpus_sql);
	hn_progress_begin(&sp.progress, p->fname, "corpus documents read", total);
	corpus_pass(&sp, 0, Min(block, in->nq), pool, chunk);
	for (int64 q0 = block; q0 < in->nq && in->nd > 0; q0 += block)
		corpus_pass(&sp, q0, Min(block, in->nq - q0), pool, chunk);
	hn_mine_dense_keep_finish(in);
	hn_progress_end(&sp.progress, sp.read, NULL);
	if (sp.keys)
		pfree(sp.keys);
	pfree(sp.wanted);
}

/* ---------- the targeted pass ---------- */

static inline void
mark_row(uint8 *mark, int64 row)
{
	mark[row >> 3] |= (uint8) (1 << (row & 7));
}

static inline void
unmark_row(uint8 *mark, int64 row)
{
	mark[row >> 3] &= (uint8) ~(1 << (row & 7));
}

static inline bool
marked(const uint8 *mark, int64 row)
{
	return (mark[row >> 3] >> (row & 7)) & 1;
}

/*
 * The rows whose vectors a later stage reads beyond the positives and run
 * documents: every kept candidate, for the near-duplicate filter.  Returns
 * how many are not captured yet.
 */
static int64
mark_targets(const HnMineInputs *in, uint8 *mark)
{
	const int64 *rows;
	int64		nrows = hn_mine_dense_kept_rows(in, &rows),
				n = 0;

	for (int64 i = 0; i < nrows; i++)
		mark_row(mark, rows[i]);
	for (int64 i = 0; i < in->ncaptured; i++)
		unmark_row(mark, in->captured_rows[i]);
	for (int64 r = 0; r < in->nd; r++)
		n += marked(mark, r);
	return n;
}

static int
row_order_cmp(const void *pa, const void *pb, void *arg)
{
	const int64 *rows = arg;
	int64		a = rows[*(const int64 *) pa],
				b = rows[*(const int64 *) pb];

	return (a > b) - (a < b);
}

/* Captured rows back in ascending order (the targeted pass appends). */
static void
sort_captured(HnMineInputs *in)
{
	int64		n = in->ncaptured;
	int64	   *perm = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
	int64	   *rows = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
	float	   *vecs = MemoryContextAllocHuge(CurrentMemoryContext,
											  sizeof(float) * in->dim * Max(n, 1));

	for (int64 i = 0; i < n; i++)
		perm[i] = i;
	qsort_arg(perm, n, sizeof(int64), row_order_cmp, in->captured_rows);
	for (int64 i = 0; i < n; i++)
	{
		rows[i] = in->captured_rows[perm[i]];
		memcpy(vecs + (size_t) i * in->dim, in->captured_vecs + (size_t) perm[i] * in->dim,
			   sizeof(float) * in->dim);
	}
	pfree(in->captured_rows);
	pfree(in->captured_vecs);
	pfree(perm);
	in->captured_rows = rows;
	in->captured_vecs = vecs;
}

/*
 * One more read of the streamed corpus, only for the near-duplicate filter,
 * which needs the vectors of the kept candidates (rows known after the exact
 * pass): those are captured (matched by id), nothing else is kept.
 */
static void
targeted_pass(const HnMineParams *p, HnMineInputs *in)
{
	uint8	   *mark;
	StreamPass	sp = {0};
	HnBatch		b = {0};
	HnReader   *reader;
	MemoryContext read_cxt,
				outer;
	int64		seen = 0;

	if (in->nd == 0 || in->nq == 0 || !p->excl_near.set)
		return;
	mark = MemoryContextAllocHuge(CurrentMemoryContext, (in->nd + 7) / 8);
	memset(mark, 0, (in->nd + 7) / 8);
	if (mark_targets(in, mark) == 0)
	{
		pfree(mark);
		return;
	}
	sp.p = p;
	sp.in = in;
	sp.cap_kept = in->ncaptured;
	hn_progress_begin(&sp.progress, p->fname, "corpus documents read for the near-duplicate filter",
					  in->nd);
	read_cxt = AllocSetContextCreate(CurrentMemoryContext, "hardneg mining targeted pass",
									 ALLOCSET_DEFAULT_SIZES);
	outer = MemoryContextSwitchTo(read_cxt);
	reader = hn_reader_open("corpus", p->corpus_sql, corpus_spec, lengthof(corpus_spec));
	MemoryContextSwitchTo(outer);
	while (hn_reader_next(reader, &b, chunk_rows(in->dim)))
	{
		for (int64 r = 0; r < b.nrows; r++)
		{
			int64		row = first_pass_row(in, &b, r);

			if ((r & 1023) == 1023)
				CHECK_FOR_INTERRUPTS();
			if (!marked(mark, row))
				continue;
			capture(&sp, row, b.cols[1].vec + (size_t) r * in->dim);
			unmark_row(mark, row);
		}
		seen += b.nrows;
		hn_progress_tick(&sp.progress, seen, NULL);
	}
	hn_reader_close(reader);
	MemoryContextDelete(read_cxt);
	if (seen != in->nd)
		other_rows_error(in->nd, seen);
	hn_progress_end(&sp.progress, seen, NULL);
	sort_captured(in);
	pfree(mark);
}

/* A corpus row's vector: from the whole corpus, or kept by the streamed pass. */
const float *
hn_mine_doc_vector(const HnMineInputs *in, int64 drow)
{
	int64		lo = 0,
				hi = in->ncaptured - 1;

	if (!in->streamed)
		return hn_batch_vector(in->corpus, 1, drow);
	while (lo <= hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (in->captured_rows[mid] == drow)
			return in->captured_vecs + (size_t) mid * in->dim;
		if (in->captured_rows[mid] < drow)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	elog(ERROR, "mine_hard_negatives: corpus row " INT64_FORMAT " was not kept by the streamed pass",
		 drow + 1);
	return NULL;				/* not reached */
}

/* The dense pool: range_max + max_positives (+ the false-negative refill). */
int
hn_mine_pool(const HnMineParams *p)
{
	int64		pool = (int64) p->range_max + p->max_positives + p->fn_refill;

	return (int) Min(pool, PG_INT32_MAX / 2);
}

/*
 * Reads everything; qrels first, so that the derived range_max is known (and
 * validated) before the large inputs are read.  The corpus is streamed when
 * every stage can work from the streamed pass (can_stream), else read whole.
 */
void
hn_mine_read_inputs(HnMineParams *p, HnMineInputs *in)
{
	HnBatch    *runs = NULL;

	memset(in, 0, sizeof(*in));
	hn_judgments_read(&in->qrels, p->qrels_sql, false);
	p->max_positives = count_max_positives(&in->qrels);
	hn_mine_derive_range(p);

	in->queries = hn_read_all("queries", p->queries_sql, query_spec, lengthof(query_spec));
	in->nq = in->queries->nrows;
	in->qids = &in->queries->cols[0].ids;
	in->q_order = hn_ids_sort_order(in->qids, in->nq);
	if (can_stream(p))
	{
		if (p->runs_sql)
			runs = read_runs_batch(p);
		stream_corpus(p, in, runs);
	}
	else
	{
		in->corpus = hn_read_all("corpus", p->corpus_sql, corpus_spec, lengthof(corpus_spec));
		in->nd = in->corpus->nrows;
		in->dids = &in->corpus->cols[0].ids;
		check_dims(in, in->corpus->cols[1].dim, in->nd > 0);
	}
	for (int64 i = 1; i < in->nq; i++)
		if (hn_ids_compare(in->qids, in->q_order[i - 1], in->qids, in->q_order[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("mine_hard_negatives: the queries query returns a duplicate id"),
					 errhint("Each query must appear once; use SELECT DISTINCT ON (id) ...")));
	if (!in->streamed)
		prepare_corpus(p, in);
	read_positives(in, &in->qrels);
	if (p->runs_sql)
		read_runs(in, runs ? runs : read_runs_batch(p));
	if (p->teacher_sql)
		read_teacher(p, in);
	if (in->streamed)
		targeted_pass(p, in);
}
