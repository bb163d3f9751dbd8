/*
 * metrics.h
 *		trec_eval-identical ranking measures (docs/metrics.md).
 *
 * Structure follows trec_eval's: one table of measures (table.c), each a
 * small unit that parses its parameters, evaluates one query and says how
 * its per-query values are summarised.  The driver (driver.c) reads the run
 * and the qrels once, forms one HnQueryEval per evaluated query (ranking
 * sorted with trec_eval's tie rule, relevance value of every rank) and walks
 * the table.  Measure families live in m_*.c.
 */
#ifndef HN_METRICS_H
#define HN_METRICS_H

#include "postgres.h"

/* Relevance value of a retrieved doc that is not in the query's qrels. */
#define HN_REL_NONPOOL	(-1)
/* ... that is in the qrels with a negative grade ("in pool, unjudged"). */
#define HN_REL_UNJUDGED (-2)
/* trec_eval's floor for geometric means (MIN_GEO_MEAN) and infAP's epsilon. */
#define HN_MIN_GEO_MEAN 0.00001
#define HN_INFAP_EPSILON 0.00001

/* One evaluated query, after -M and -J. */
typedef struct HnQueryEval
{
	const char *qid;
	int64		n;				/* retrieved docs (num_ret) */
	const int32 *rel;			/* relevance value of rank i+1 */
	int			num_levels;		/* 1 + highest grade with a judgment; 0 none */
	const int64 *levels;		/* judgments per grade 0..num_levels-1 */
	int64		num_rel;		/* R: judgments with grade >= relevance_level */
	int64		num_rel_ret;
	int64		num_nonpool;	/* retrieved, not in qrels (0 under -J) */
	int64		num_unjudged;	/* retrieved, negative grade (0 under -J) */
} HnQueryEval;

typedef struct HnEvalFlags
{
	int			relevance_level;	/* -l */
	bool		complete;		/* -c */
	bool		judged_only;	/* -J */
	int64		max_rank;		/* -M; 0 = no limit */
	int64		relstring_len;	/* relstring.N requested: N; 0 = not */
} HnEvalFlags;

typedef enum HnParamKind
{
	HN_PARAM_NONE,
	HN_PARAM_CUTS,				/* positive integers, sorted, no duplicates */
	HN_PARAM_FRACTIONS,			/* doubles, sorted, named with %.2f */
	HN_PARAM_NUMBERS,			/* doubles in the order given */
	HN_PARAM_PAIRS				/* name=value pairs */
} HnParamKind;

typedef enum HnSummary
{
	HN_SUMMARY_MEAN,
	HN_SUMMARY_SUM,				/* counts: the all row is the sum */
	HN_SUMMARY_GEOMETRIC,		/* per-query value is a log; all = exp(mean) */
	HN_SUMMARY_NUM_Q			/* number of evaluated queries */
} HnSummary;

typedef struct HnPair
{
	char	   *name;
	double		value;
} HnPair;

struct HnMeasure;
typedef void (*HnCalcFn) (const struct HnMeasure *m, const HnQueryEval *q,
						  const HnEvalFlags *flags, double *out);

typedef struct HnMeasureDef
{
	const char *name;
	HnParamKind params;
	const char *defaults;		/* default parameter string, NULL none */
	HnCalcFn	calc;
	HnSummary	summary;
	bool		per_query;		/* printed per query (not num_q, gm_*) */
	bool		in_all_trec;
} HnMeasureDef;

/* A requested measure: a definition with its parameters. */
typedef struct HnMeasure
{
	const HnMeasureDef *def;
	int			order;			/* position of def in the table */
	int			nvalues;
	char	  **names;			/* output name of each value */
	int			offset;			/* first value in a query's value vector */
	int			ncuts;
	int64	   *cuts;			/* HN_PARAM_CUTS */
	double	   *numbers;		/* HN_PARAM_FRACTIONS / NUMBERS */
	int			nnumbers;
	HnPair	   *pairs;			/* HN_PARAM_PAIRS */
	int			npairs;
} HnMeasure;

typedef struct HnMeasureSet
{
	int			nmeasures;
	HnMeasure  *measures;		/* in trec_eval's output order */
	int			nvalues;		/* values per query, all measures */
} HnMeasureSet;

/* table.c */
extern HnMeasureSet *hn_measures_parse(char **names, int nnames);
extern const HnMeasureDef *hn_measure_table(int *n);

/* compare.c: one mean-summarised value per query (compare_runs, fuse_runs_tune). */
extern HnMeasureSet *hn_measure_single(const char *name);

/* Grade counts beyond the judged grades are zero. */
static inline int64
hn_level_count(const HnQueryEval *q, int grade)
{
	return (grade >= 0 && grade < q->num_levels) ? q->levels[grade] : 0;
}

/* Measure families. */
extern void hn_m_num_ret(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_num_rel(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_num_rel_ret(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_num_nonrel_judged_ret(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_utility(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_none(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);

extern void hn_m_P(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_recall(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_relative_P(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_success(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_unj(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_judged(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_Rprec(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_Rprec_mult(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);

extern void hn_m_set_P(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_set_relative_P(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_set_recall(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_set_map(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_set_F(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);

extern void hn_m_map(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_gm_map(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_map_cut(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_recip_rank(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_recip_rank_cut(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_binG(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);

extern void hn_m_bpref(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_gm_bpref(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_infAP(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);

extern void hn_m_iprec_at_recall(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_11pt_avg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);

extern void hn_m_ndcg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_dcg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_ideal_dcg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_ndcg_rel(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_Rndcg(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_G(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_ndcg_cut(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_rbp(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);
extern void hn_m_rbp_resid(const HnMeasure *m, const HnQueryEval *q, const HnEvalFlags *f, double *out);

/* driver.c: evaluation of one run, shared by trec_eval() and compare_runs(). */
typedef struct HnQrels HnQrels;
typedef struct HnRunRows
{
	int64		n;
	bool		text_q;			/* the ids' kinds in the run query */
	bool		text_d;
	char	  **qid;
	char	  **doc;
	double	   *score;
} HnRunRows;

typedef struct HnRunEval
{
	int			nq;				/* evaluated queries, qrels qid order */
	const char **qids;
	double	   *values;			/* nq x set->nvalues */
	double		all_num_rel;	/* -c: trec_eval's recount; < 0 otherwise */
	char	  **relstrings;		/* per query when flags->relstring_len > 0 */
} HnRunEval;

/* The rows of one run of a runs query (run_id NULL: the query had none). */
typedef struct HnRunSlice
{
	const char *run_id;
	HnRunRows	rows;
} HnRunSlice;

extern HnQrels *hn_qrels_read(const char *sql);
extern HnRunRows *hn_run_rows_read(const char *sql, bool with_run_id, char ***run_ids);

/* Errors (42804) unless the run's ids are of the qrels' kinds (judgments.h). */
extern void hn_metrics_check_kinds(const HnQrels *qrels, const HnRunRows *run, const char *what);
/* One run's rankings without judgments: queries in byte order, trec_eval order. */
typedef struct HnRanking
{
	int32		nq;
	const char **qids;
	int64	   *start;			/* docs of query i: [start[i], start[i + 1]) */
	const char **docs;
	double	   *scores;
} HnRanking;

extern HnRanking *hn_rank_run(HnRunRows *run);
extern HnRunSlice *hn_split_runs(HnRunRows *all, char **run_ids, int *nruns);
extern HnRunEval *hn_evaluate_run(const HnQrels *qrels, HnRunRows *run,
								  const HnMeasureSet *set, const HnEvalFlags *flags);
extern double hn_summary_value(const HnMeasure *m, int v, const HnRunEval *ev,
							   const HnMeasureSet *set);
extern void hn_eval_flags_init(HnEvalFlags *flags, bool complete, int relevance_level,
							   bool judged_only, bool max_rank_null, int64 max_rank);

#endif							/* HN_METRICS_H */
