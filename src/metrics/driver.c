/*
 * driver.c
 *		Reads run and qrels once, forms each evaluated query as trec_eval does
 *		(docs/metrics.md section 1) and walks the measure table.  The SQL entry
 *		trec_eval() prints the rows of `trec_eval -q`.
 *
 * Ids of any type are compared as their text form in C byte order (strcmp),
 * like trec_eval: "01" and "1" differ, "doc9" > "doc10".
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "io/judgments.h"
#include "io/reader.h"
#include "io/runs.h"
#include "io/srf.h"
#include "kernels/rng.h"
#include "metrics/metrics.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

typedef struct QrelsQuery
{
	const char *qid;
	int64		n;
	char	  **docs;			/* sorted by strcmp */
	int32	   *grades;
	int			num_levels;
	int64	   *levels;
} QrelsQuery;

struct HnQrels
{
	bool		text_q;			/* the ids' kinds in the qrels query */
	bool		text_d;
	int			nq;
	QrelsQuery *queries;		/* sorted by qid */
	int64		positive_rows;	/* rows with grade > 0: -c's num_rel recount */
};

/* The doc trec_eval -c ranks alone for a qrels query missing from the run. */
#define BOGUS_DOCNO "ceci_nest_pas_un_docno"

/* One retrieved doc while ranking a query. */
typedef struct RankedDoc
{
	double		score;
	const char *doc;
	int32		rel;
} RankedDoc;

/* ---------- reading ---------- */

/* Text forms of an id column (bigint ids are printed once, into one block). */
static char **
ids_as_text(const HnIds *ids, int64 n)
{
	char	  **out;
	char		buf[32];

	if (ids->is_text)
		return ids->texts;
	out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		out[i] = pstrdup(hn_ids_cstring(ids, i, buf, sizeof(buf)));
	}
	return out;
}

typedef struct QrelRow
{
	const char *qid;
	const char *doc;
	int32		grade;
} QrelRow;

static int
cmp_qrel_row(const void *a, const void *b, void *arg)
{
	const QrelRow *x = a,
			   *y = b;
	int			c = strcmp(x->qid, y->qid);

	return c != 0 ? c : strcmp(x->doc, y->doc);
}

/* Per-grade judgment counts of one query (negative grades not counted). */
static void
count_levels(QrelsQuery *q)
{
	int32		max = -1;

	for (int64 i = 0; i < q->n; i++)
		max = Max(max, q->grades[i]);
	q->levels = palloc0(sizeof(int64) * (max + 1 > 0 ? max + 1 : 1));
	q->num_levels = 0;
	for (int64 i = 0; i < q->n; i++)
		if (q->grades[i] >= 0)
			q->levels[q->grades[i]]++;
	for (int g = 0; g <= max; g++)
		if (q->levels[g] > 0)
			q->num_levels = g + 1;
}

/*
 * The judgments (read, with the duplicate rule, by io/judgments.h) grouped
 * per query in byte order, as trec_eval holds them.
 */
HnQrels *
hn_qrels_read(const char *sql)
{
	HnJudgments j;
	char	  **qid;
	char	  **doc;
	QrelRow    *rows;
	HnQrels    *qrels = palloc0(sizeof(HnQrels));
	int64		start = 0;
	int64		cap = 16;

	hn_judgments_read(&j, sql, true);
	if (j.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the qrels query returned no rows"),
				 errhint("Queries are evaluated against their judgments: pass a non-empty qrels query.")));
	qrels->text_q = j.qid->is_text;
	qrels->text_d = j.did->is_text;
	qid = ids_as_text(j.qid, j.n);
	doc = ids_as_text(j.did, j.n);
	rows = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(QrelRow) * j.n);
	for (int64 i = 0; i < j.n; i++)
	{
		rows[i].qid = qid[i];
		rows[i].doc = doc[i];
		rows[i].grade = j.rel[i];
		if (rows[i].grade > 0)
			qrels->positive_rows++;
	}
	qsort_interruptible(rows, j.n, sizeof(QrelRow), cmp_qrel_row, NULL);

	/*
	 * Grown by doubling, not by one per query: that copied the array once per
	 * query (quadratic, 20,000 queries held a cancel for 10 s under ASan).
	 */
	qrels->queries = palloc0(sizeof(QrelsQuery) * cap);
	for (int64 i = 1; i <= j.n; i++)
	{
		QrelsQuery *q;
		int64		n = i - start;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i < j.n && strcmp(rows[i].qid, rows[start].qid) == 0)
			continue;
		if (qrels->nq == cap)
		{
			cap *= 2;
			qrels->queries = repalloc_huge(qrels->queries, sizeof(QrelsQuery) * cap);
		}
		q = &qrels->queries[qrels->nq++];
		q->qid = rows[start].qid;
		q->n = n;
		q->docs = palloc(sizeof(char *) * n);
		q->grades = palloc(sizeof(int32) * n);
		for (int64 k = 0; k < n; k++)
		{
			q->docs[k] = (char *) rows[start + k].doc;
			q->grades[k] = rows[start + k].grade;
		}
		count_levels(q);
		start = i;
	}
	return qrels;
}

void
hn_metrics_check_kinds(const HnQrels *qrels, const HnRunRows *run, const char *what)
{
	bool		q_differs = qrels->text_q != run->text_q;

	if (run->n == 0 || (!q_differs && qrels->text_d == run->text_d))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("the %s query has %s ids but the qrels query has %s ids", what,
					(q_differs ? run->text_q : run->text_d) ? "text" : "integer",
					(q_differs ? qrels->text_q : qrels->text_d) ? "text" : "integer"),
			 errhint("Cast the id columns of both queries to one type, e.g. ::text (ids compare as text in byte order either way).")));
}

/*
 * Run rows: query_id, doc_id, score and run_id, returned in *run_ids.  The
 * run_id column is required when with_run_id (compare_runs, fuse_runs) and
 * optional otherwise (trec_eval): *run_ids is NULL when the query has none.
 * The ranked-list rule of io/runs.h applies: NaN scores are rejected, a
 * duplicate (run, query, doc) keeps its highest score, with a WARNING.
 */
HnRunRows *
hn_run_rows_read(const char *sql, bool with_run_id, char ***run_ids)
{
	static const HnColumnSpec required[] = {
		{"query_id", HN_COL_ID, true, false},
		{"doc_id", HN_COL_ID, true, false},
		{"score", HN_COL_FLOAT8, true, false},
		{"run_id", HN_COL_ID, true, false},
	};
	static const HnColumnSpec optional[] = {
		{"query_id", HN_COL_ID, true, false},
		{"doc_id", HN_COL_ID, true, false},
		{"score", HN_COL_FLOAT8, true, false},
		{"run_id", HN_COL_ID, false, false},
	};
	HnBatch    *b = hn_ranked_read(with_run_id ? "runs" : "run", sql,
								   with_run_id ? required : optional, 4);
	HnRunRows  *run = palloc0(sizeof(HnRunRows));

	run->n = b->nrows;
	run->text_q = b->cols[0].ids.is_text;
	run->text_d = b->cols[1].ids.is_text;
	run->qid = ids_as_text(&b->cols[0].ids, b->nrows);
	run->doc = ids_as_text(&b->cols[1].ids, b->nrows);
	run->score = b->cols[2].f8;
	*run_ids = b->cols[3].present ? ids_as_text(&b->cols[3].ids, b->nrows) : NULL;
	return run;
}

/* ---------- ranking ---------- */

/* Rows of one query by (doc, score descending): duplicates keep the best. */
static int
cmp_doc_score(const void *a, const void *b, void *arg)
{
	const HnRunRows *r = arg;
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;
	int			c = strcmp(r->doc[x], r->doc[y]);

	if (c == 0)
		c = (r->score[x] < r->score[y]) - (r->score[x] > r->score[y]);
	return c;
}

static int
cmp_group_qid(const void *a, const void *b, void *arg)
{
	char	  **qid = arg;

	return strcmp(qid[*(const int32 *) a], qid[*(const int32 *) b]);
}

/*
 * Group of every id of ids[0..n), by hashing (a full sort of the rows by
 * id costs most of the evaluation on large runs).  Rows of one group usually
 * come together: a row equal to the previous skips the hash.  Returns the
 * group of each row; *group_name names each group.
 */
static int32 *
group_ids(char **ids, int64 n, int32 *ngroups, char ***group_name)
{
	uint64		size = 16;
	int32	   *slots;
	int32	   *group = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(n, 1));
	char	  **names = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * Max(n, 1));
	int32		k = 0;

	while (size < (uint64) n * 2)
		size <<= 1;
	slots = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * size);
	memset(slots, -1, sizeof(int32) * size);
	for (int64 i = 0; i < n; i++)
	{
		const char *q = ids[i];
		uint64		h;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i > 0 && strcmp(q, ids[i - 1]) == 0)
		{
			group[i] = group[i - 1];
			continue;
		}
		h = hn_hash_bytes(q, strlen(q)) & (size - 1);
		while (slots[h] >= 0 && strcmp(names[slots[h]], q) != 0)
			h = (h + 1) & (size - 1);
		if (slots[h] < 0)
		{
			slots[h] = k;
			names[k++] = (char *) q;
		}
		group[i] = slots[h];
	}
	pfree(slots);
	*ngroups = k;
	*group_name = names;
	return group;
}

/*
 * Rank of every group in byte order of its name, and the rows counted into
 * that order: rows of group rank r are order[start[r] .. start[r + 1]).
 */
static int64 *
rows_in_group_order(const int32 *group, int64 n, char **group_name, int32 ngroups,
					int64 **start_out)
{
	int32	   *by_name = palloc(sizeof(int32) * Max(ngroups, 1));
	int32	   *rank = palloc(sizeof(int32) * Max(ngroups, 1));
	int64	   *start = palloc0(sizeof(int64) * (ngroups + 1));
	int64	   *next = palloc(sizeof(int64) * (ngroups + 1));
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));

	for (int32 g = 0; g < ngroups; g++)
		by_name[g] = g;
	qsort_arg(by_name, ngroups, sizeof(int32), cmp_group_qid, group_name);
	for (int32 r = 0; r < ngroups; r++)
		rank[by_name[r]] = r;
	for (int64 i = 0; i < n; i++)
		start[rank[group[i]] + 1]++;
	for (int32 r = 0; r < ngroups; r++)
		start[r + 1] += start[r];
	memcpy(next, start, sizeof(int64) * (ngroups + 1));
	for (int64 i = 0; i < n; i++)
		order[next[rank[group[i]]]++] = i;
	pfree(by_name);
	pfree(rank);
	pfree(next);
	*start_out = start;
	return order;
}

/*
 * Splits the rows of several runs into one HnRunRows per run_id, in byte
 * order of run_id, in one pass over the rows (hashing, then counting).
 */
HnRunSlice *
hn_split_runs(HnRunRows *all, char **run_ids, int *nruns)
{
	int32		ngroups;
	char	  **names;
	int32	   *group = group_ids(run_ids, all->n, &ngroups, &names);
	int64	   *start;
	int64	   *order = rows_in_group_order(group, all->n, names, ngroups, &start);
	HnRunSlice *slices = palloc0(sizeof(HnRunSlice) * Max(ngroups, 1));

	for (int32 r = 0; r < ngroups; r++)
	{
		HnRunRows  *s = &slices[r].rows;
		int64		n = start[r + 1] - start[r];

		CHECK_FOR_INTERRUPTS();
		slices[r].run_id = run_ids[order[start[r]]];
		s->n = n;
		s->qid = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * Max(n, 1));
		s->doc = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * Max(n, 1));
		s->score = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1));
		for (int64 i = 0; i < n; i++)
		{
			int64		row = order[start[r] + i];

			s->qid[i] = all->qid[row];
			s->doc[i] = all->doc[row];
			s->score[i] = all->score[row];
		}
	}
	pfree(group);
	pfree(order);
	pfree(start);
	*nruns = ngroups;
	return slices;
}

/*
 * Run row positions ordered by (qid, doc, score descending): one row per
 * (qid, doc), since the reader dropped duplicates (io/runs.h).
 */
static int64 *
sorted_run(HnRunRows *run, int64 *nkept)
{
	int32		ngroups;
	char	  **group_qid;
	int32	   *group = group_ids(run->qid, run->n, &ngroups, &group_qid);
	int64	   *start;
	int64	   *order = rows_in_group_order(group, run->n, group_qid, ngroups, &start);

	for (int32 r = 0; r < ngroups; r++)
	{
		CHECK_FOR_INTERRUPTS();
		qsort_arg(order + start[r], start[r + 1] - start[r], sizeof(int64), cmp_doc_score, run);
	}
	*nkept = run->n;
	return order;
}

/* trec_eval's order: score descending, ties by docno descending (strcmp). */
static int
cmp_ranked(const void *a, const void *b)
{
	const RankedDoc *x = a,
			   *y = b;

	if (x->score > y->score)
		return -1;
	if (x->score < y->score)
		return 1;
	return strcmp(y->doc, x->doc);
}

/*
 * One run's rankings without judgments (fuse_runs): queries in byte order,
 * each query's docs in trec_eval's order, duplicates dropped as trec_eval()
 * drops them.
 */
HnRanking *
hn_rank_run(HnRunRows *run)
{
	int64		nkept;
	int64	   *order = sorted_run(run, &nkept);
	HnRanking  *rk = palloc0(sizeof(HnRanking));
	RankedDoc  *docs = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(RankedDoc) * Max(nkept, 1));

	rk->qids = palloc(sizeof(char *) * Max(nkept, 1));
	rk->start = palloc(sizeof(int64) * (nkept + 1));
	rk->docs = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * Max(nkept, 1));
	rk->scores = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(nkept, 1));
	for (int64 i = 0; i < nkept; i++)
	{
		docs[i].doc = run->doc[order[i]];
		docs[i].score = run->score[order[i]];
	}
	for (int64 i = 0, s = 0; i <= nkept; i++)
	{
		if (i < nkept && strcmp(run->qid[order[i]], run->qid[order[s]]) == 0)
			continue;
		if (i > s)
		{
			CHECK_FOR_INTERRUPTS();
			qsort(docs + s, i - s, sizeof(RankedDoc), cmp_ranked);
			rk->qids[rk->nq] = run->qid[order[s]];
			rk->start[rk->nq++] = s;
		}
		s = i;
	}
	rk->start[rk->nq] = nkept;
	for (int64 i = 0; i < nkept; i++)
	{
		rk->docs[i] = docs[i].doc;
		rk->scores[i] = docs[i].score;
	}
	pfree(docs);
	pfree(order);
	return rk;
}

/*
 * Ranks docs[0..n) of one query (score and doc set, in doc order) against
 * its judgments, applies -M and -J and fills q.
 */
static void
form_query(const QrelsQuery *jq, RankedDoc *docs, int64 n,
		   const HnEvalFlags *flags, int32 *rel, HnQueryEval *q)
{
	int64		j = 0,
				kept = 0;

	for (int64 i = 0; i < n; i++)
	{
		int			c = 1;

		while (j < jq->n && (c = strcmp(jq->docs[j], docs[i].doc)) < 0)
			j++;
		if (j < jq->n && c == 0)
			docs[i].rel = jq->grades[j] < 0 ? HN_REL_UNJUDGED : jq->grades[j];
		else
			docs[i].rel = HN_REL_NONPOOL;
	}
	qsort(docs, n, sizeof(RankedDoc), cmp_ranked);
	if (flags->max_rank > 0 && n > flags->max_rank)
		n = flags->max_rank;

	memset(q, 0, sizeof(HnQueryEval));
	q->qid = jq->qid;
	q->num_levels = jq->num_levels;
	q->levels = jq->levels;
	for (int g = flags->relevance_level < 0 ? 0 : flags->relevance_level; g < jq->num_levels; g++)
		q->num_rel += jq->levels[g];
	for (int64 i = 0; i < n; i++)
	{
		int32		v = docs[i].rel;

		if (flags->judged_only && v < 0)
			continue;
		rel[kept++] = v;
		if (v == HN_REL_NONPOOL)
			q->num_nonpool++;
		else if (v == HN_REL_UNJUDGED)
			q->num_unjudged++;
		else if (v >= flags->relevance_level)
			q->num_rel_ret++;
	}
	if (flags->judged_only)
		q->num_nonpool = q->num_unjudged = 0;
	q->n = kept;
	q->rel = rel;
}

void
hn_eval_flags_init(HnEvalFlags *flags, bool complete, int relevance_level,
				   bool judged_only, bool max_rank_null, int64 max_rank)
{
	if (!max_rank_null && max_rank <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_rank must be positive, got " INT64_FORMAT, max_rank),
				 errhint("max_rank keeps the first N ranks of each query (trec_eval -M N); NULL keeps all.")));
	flags->complete = complete;
	flags->relevance_level = relevance_level;
	flags->judged_only = judged_only;
	flags->max_rank = max_rank_null ? 0 : max_rank;
	flags->relstring_len = 0;
}

/*
 * trec_eval's relstring.N: one character per rank of the first N, the grade
 * 0..9, '>' above 9, '-' not in the pool, '.' in the pool with a negative
 * grade (trec_eval's "unjudged").
 */
static char *
relstring(const HnQueryEval *q, int64 len)
{
	int64		n = Min(len, q->n);
	char	   *s = palloc(n + 1);

	for (int64 i = 0; i < n; i++)
	{
		int32		r = q->rel[i];

		if (r > 9)
			s[i] = '>';
		else if (r >= 0)
			s[i] = '0' + r;
		else if (r == HN_REL_NONPOOL)
			s[i] = '-';
		else
			s[i] = '.';
	}
	s[n] = '\0';
	return s;
}

/*
 * trec_eval then zeroes the values named exactly num_ret, utility and
 * rbp_resid, and those starting with unj (not the parameterised ones).
 */
static void
clear_bogus(const HnMeasureSet *set, double *out)
{
	for (int m = 0; m < set->nmeasures; m++)
	{
		const HnMeasure *mm = &set->measures[m];

		for (int v = 0; v < mm->nvalues; v++)
		{
			const char *name = mm->names[v];

			if (strcmp(name, "num_ret") == 0 || strcmp(name, "utility") == 0 ||
				strcmp(name, "rbp_resid") == 0 || strncmp(name, "unj", 3) == 0 ||
				strcmp(name, "NumRet") == 0)
				out[mm->offset + v] = 0.0;
		}
	}
}

static void
evaluate_query(const HnMeasureSet *set, const HnQueryEval *q, const HnEvalFlags *flags,
			   double *out)
{
	for (int m = 0; m < set->nmeasures; m++)
	{
		const HnMeasure *mm = &set->measures[m];

		mm->def->calc(mm, q, flags, out + mm->offset);
	}
}

/*
 * Evaluates one run: the qrels queries present in the run (all of them with
 * -c, missing ones as empty rankings), in qrels qid order.
 */
HnRunEval *
hn_evaluate_run(const HnQrels *qrels, HnRunRows *run, const HnMeasureSet *set,
				const HnEvalFlags *flags)
{
	HnRunEval  *ev = palloc0(sizeof(HnRunEval));
	int64		nkept,
				pos = 0,
				maxgroup = 1;
	int64	   *order = sorted_run(run, &nkept);
	RankedDoc  *docs;
	int32	   *rel;

	for (int64 i = 0, s = 0; i <= nkept; i++)
		if (i == nkept || strcmp(run->qid[order[i]], run->qid[order[s]]) != 0)
		{
			maxgroup = Max(maxgroup, i - s);
			s = i;
		}
	docs = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(RankedDoc) * maxgroup);
	rel = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * maxgroup);
	ev->qids = palloc(sizeof(char *) * qrels->nq);
	if (flags->relstring_len > 0)
		ev->relstrings = palloc(sizeof(char *) * qrels->nq);
	ev->values = MemoryContextAllocHuge(CurrentMemoryContext,
										sizeof(double) * Max(set->nvalues, 1) * qrels->nq);
	for (int qi = 0; qi < qrels->nq; qi++)
	{
		const QrelsQuery *jq = &qrels->queries[qi];
		int			c = 1;
		int64		end;
		HnQueryEval q;
		double	   *out;

		CHECK_FOR_INTERRUPTS();
		while (pos < nkept && (c = strcmp(run->qid[order[pos]], jq->qid)) < 0)
			pos++;
		end = pos;
		if (pos < nkept && c == 0)
			while (end < nkept && strcmp(run->qid[order[end]], jq->qid) == 0)
				end++;
		else if (!flags->complete)
			continue;
		if (end > pos)
			for (int64 i = pos; i < end; i++)
			{
				docs[i - pos].score = run->score[order[i]];
				docs[i - pos].doc = run->doc[order[i]];
			}
		else
		{
			/* trec_eval -c ranks one fictitious doc for a missing query */
			docs[0].score = 1.0;
			docs[0].doc = BOGUS_DOCNO;
		}
		form_query(jq, docs, Max(end - pos, 1), flags, rel, &q);
		out = ev->values + (int64) ev->nq * set->nvalues;
		memset(out, 0, sizeof(double) * set->nvalues);
		evaluate_query(set, &q, flags, out);
		if (end == pos)
			clear_bogus(set, out);
		if (flags->relstring_len > 0)
			ev->relstrings[ev->nq] = relstring(&q, flags->relstring_len);
		pos = end;
		ev->qids[ev->nq++] = jq->qid;
	}
	ev->all_num_rel = flags->complete ? (double) qrels->positive_rows : -1;
	return ev;
}

double
hn_summary_value(const HnMeasure *m, int v, const HnRunEval *ev, const HnMeasureSet *set)
{
	double		sum = 0.0;

	if (m->def->summary == HN_SUMMARY_NUM_Q)
		return ev->nq;
	/* trec_eval's -c recount of num_rel ignores -l and the query set */
	if (m->def->calc == hn_m_num_rel && ev->all_num_rel >= 0)
		return ev->all_num_rel;
	for (int q = 0; q < ev->nq; q++)
		sum += ev->values[(int64) q * set->nvalues + m->offset + v];
	switch (m->def->summary)
	{
		case HN_SUMMARY_SUM:
			return sum;
		case HN_SUMMARY_GEOMETRIC:
			return exp(sum / ev->nq);
		default:
			return sum / ev->nq;
	}
}

/* ---------- SQL entry ---------- */

static char **
text_array_items(ArrayType *arr, const char *what, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	out = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s contains a NULL", what),
					 errhint("Remove the NULL from the array.")));
		out[i] = TextDatumGetCString(elems[i]);
	}
	return out;
}

/* Every argument but the last (max_rank) must be given. */
static void
require_args(FunctionCallInfo fcinfo)
{
	static const char *const names[] = {
		"run", "qrels", "measures", "per_query", "complete", "relevance_level", "judged_only"
	};

	for (int a = 0; a < lengthof(names); a++)
		if (PG_ARGISNULL(a))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL", names[a]),
					 errhint("Only max_rank may be NULL (no cut-off).")));
}

/* One output row; value or text is NULL (relstring and runid are text). */
typedef struct OutRow
{
	Datum		measure;
	Datum		qid;
	double		value;
	bool		is_text;
	Datum		text;
} OutRow;

/* Text datums are made once per name and per query: rows copy them. */
static void
put_row(HnSrf *srf, const OutRow *row, Datum run_id, bool no_run_id)
{
	Datum		values[5];
	bool		nulls[5] = {false, false, row->is_text, no_run_id, !row->is_text};

	values[0] = row->measure;
	values[1] = row->qid;
	values[2] = Float8GetDatum(row->is_text ? 0.0 : row->value);
	values[3] = run_id;
	values[4] = row->is_text ? row->text : (Datum) 0;
	hn_srf_put(srf, values, nulls);
}

/* The text measures trec_eval prints, which the measure table leaves out. */
typedef struct TextMeasures
{
	bool		runid;
	int64		relstring_len;	/* 0: not requested */
	char	   *relstring_name;
} TextMeasures;

/*
 * Takes runid and relstring[.N] out of names (N positive, default 10,
 * printed as relstring_N like trec_eval does for an explicit parameter).
 */
static int
take_text_measures(char **names, int n, TextMeasures *tm)
{
	int			kept = 0;

	memset(tm, 0, sizeof(TextMeasures));
	for (int i = 0; i < n; i++)
	{
		char	   *end;
		long		len;

		if (strcmp(names[i], "runid") == 0)
			tm->runid = true;
		else if (strcmp(names[i], "relstring") == 0)
		{
			tm->relstring_len = 10;
			tm->relstring_name = "relstring";
		}
		else if (strncmp(names[i], "relstring.", 10) == 0)
		{
			errno = 0;
			len = strtol(names[i] + 10, &end, 10);
			if (errno != 0 || *end != '\0' || end == names[i] + 10 || len <= 0 || len > 1000000)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid parameter of measure \"%s\"", names[i]),
						 errhint("relstring.N takes one positive integer N (the ranks printed), e.g. relstring.5.")));
			tm->relstring_len = len;
			tm->relstring_name = psprintf("relstring_%ld", len);
		}
		else
			names[kept++] = names[i];
	}
	return kept;
}

static Datum *
value_name_datums(const HnMeasureSet *set)
{
	Datum	   *names = palloc(sizeof(Datum) * Max(set->nvalues, 1));

	for (int m = 0; m < set->nmeasures; m++)
		for (int v = 0; v < set->measures[m].nvalues; v++)
			names[set->measures[m].offset + v] = CStringGetTextDatum(set->measures[m].names[v]);
	return names;
}

static void
no_common_queries(const char *run_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 run_id ? errmsg("no query has both rows of run \"%s\" and judgments", run_id)
			 : errmsg("no query has both run rows and judgments"),
			 errhint("Check that query_id values match in run and qrels (compared as text), "
					 "or pass complete => true to score missing queries as 0.")));
}

/* The rows of trec_eval -q for one run: per query, then "all". */
static void
emit_run(HnSrf *srf, const HnRunSlice *slice, const HnRunEval *ev, const HnMeasureSet *set,
		 const TextMeasures *tm, bool per_query, Datum *names_d)
{
	bool		no_run = slice->run_id == NULL;
	Datum		run_id = no_run ? (Datum) 0 : CStringGetTextDatum(slice->run_id);
	Datum		relname = tm->relstring_len > 0 ? CStringGetTextDatum(tm->relstring_name) : (Datum) 0;
	OutRow		row = {0};

	for (int q = 0; per_query && q < ev->nq; q++)
	{
		CHECK_FOR_INTERRUPTS();
		row.qid = CStringGetTextDatum(ev->qids[q]);
		row.is_text = false;
		for (int m = 0; m < set->nmeasures; m++)
		{
			const HnMeasure *mm = &set->measures[m];

			if (!mm->def->per_query)
				continue;
			for (int v = 0; v < mm->nvalues; v++)
			{
				row.measure = names_d[mm->offset + v];
				row.value = ev->values[(int64) q * set->nvalues + mm->offset + v];
				put_row(srf, &row, run_id, no_run);
			}
		}
		if (tm->relstring_len > 0)
		{
			row.measure = relname;
			row.is_text = true;
			row.text = CStringGetTextDatum(ev->relstrings[q]);
			put_row(srf, &row, run_id, no_run);
			pfree(DatumGetPointer(row.text));
		}
		pfree(DatumGetPointer(row.qid));
	}
	row.qid = CStringGetTextDatum("all");
	if (tm->runid)
	{
		/* trec_eval prints the run file's tag; a run query without run_id has none */
		row.measure = CStringGetTextDatum("runid");
		row.is_text = true;
		row.text = run_id;
		if (no_run)
		{
			Datum		values[5] = {row.measure, row.qid, 0, 0, 0};
			bool		nulls[5] = {false, false, true, true, true};

			hn_srf_put(srf, values, nulls);
		}
		else
			put_row(srf, &row, run_id, no_run);
	}
	row.is_text = false;
	for (int m = 0; m < set->nmeasures; m++)
		for (int v = 0; v < set->measures[m].nvalues; v++)
		{
			row.measure = names_d[set->measures[m].offset + v];
			row.value = hn_summary_value(&set->measures[m], v, ev, set);
			put_row(srf, &row, run_id, no_run);
		}
}

PG_FUNCTION_INFO_V1(hn_trec_eval);
Datum
hn_trec_eval(PG_FUNCTION_ARGS)
{
	HnSrf		srf;
	HnEvalFlags flags;
	HnMeasureSet *set;
	TextMeasures tm;
	HnQrels    *qrels;
	HnRunRows  *run;
	HnRunSlice *slices;
	char	  **names,
			  **run_ids;
	int			nnames,
				nruns;
	bool		per_query;
	Datum	   *names_d;
	MemoryContext per_run,
				old;

	require_args(fcinfo);
	names = text_array_items(PG_GETARG_ARRAYTYPE_P(2), "measures", &nnames);
	if (nnames == 0)
		set = hn_measures_parse(names, 0);	/* its error: no measure */
	nnames = take_text_measures(names, nnames, &tm);
	set = nnames > 0 ? hn_measures_parse(names, nnames) : palloc0(sizeof(HnMeasureSet));
	per_query = PG_GETARG_BOOL(3);
	hn_eval_flags_init(&flags, PG_GETARG_BOOL(4), PG_GETARG_INT32(5), PG_GETARG_BOOL(6),
					   PG_ARGISNULL(7), PG_ARGISNULL(7) ? 0 : PG_GETARG_INT32(7));
	flags.relstring_len = tm.relstring_len;
	hn_srf_begin(fcinfo, &srf);

	qrels = hn_qrels_read(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	run = hn_run_rows_read(text_to_cstring(PG_GETARG_TEXT_PP(0)), false, &run_ids);
	hn_metrics_check_kinds(qrels, run, "run");
	if (run_ids != NULL)
		slices = hn_split_runs(run, run_ids, &nruns);
	else
	{
		slices = palloc0(sizeof(HnRunSlice));
		slices[0].rows = *run;
		nruns = 1;
	}
	if (nruns == 0)
		no_common_queries(NULL);
	names_d = value_name_datums(set);
	/* each run's evaluation is freed once its rows are out */
	per_run = AllocSetContextCreate(CurrentMemoryContext, "trec_eval run",
									ALLOCSET_DEFAULT_SIZES);
	for (int r = 0; r < nruns; r++)
	{
		HnRunEval  *ev;

		old = MemoryContextSwitchTo(per_run);
		ev = hn_evaluate_run(qrels, &slices[r].rows, set, &flags);
		if (ev->nq == 0)
			no_common_queries(slices[r].run_id);
		emit_run(&srf, &slices[r], ev, set, &tm, per_query, names_d);
		MemoryContextSwitchTo(old);
		MemoryContextReset(per_run);
	}
	PG_RETURN_NULL();
}
