/*
 * mining.h
 *		Hard-negative mining (SPEC 4.2, mining.md F1-F3, F8): shared types of
 *		the stages.
 *
 * One file per stage, called by the driver in the documented order:
 *
 *	params.c		parse and validate every parameter before any work
 *	inputs.c		read queries, corpus, qrels, runs, teacher scores (reader.h)
 *	candidates.c	1. candidate pool per query: dense top-K and/or runs
 *	filters.c		2. duplicate-aware exclusion, 3. teacher and pseudo-positives,
 *					4. score band, 5. positive-anchored margins (fixed or adaptive)
 *	calibrate.c		auto_calibrate: the margin chosen on a sample before mining
 *	falseneg.c		6. false-negative hook (p_false_negative, weight)
 *	sampling.c		7. rank window, 8. seeded sampling, 9. backfill, STAR mix
 *	statistics.c	per-filter counters and the statistics table
 *	driver.c		the SQL entry points and the per-query loop
 *
 * Everything below the driver works on plain arrays: no SPI, no tuples.
 */
#ifndef HN_MINING_H
#define HN_MINING_H

#include "postgres.h"

#include "fmgr.h"
#include "io/judgments.h"
#include "io/reader.h"
#include "kernels/distance.h"
#include "kernels/topk.h"

/* ---------- parameters ---------- */

typedef enum HnSampling
{
	HN_SAMPLE_TOP,
	HN_SAMPLE_UNIFORM,			/* also sentence-transformers' 'random' */
	HN_SAMPLE_TOP1_PLUS_UNIFORM,
	HN_SAMPLE_SOFTMAX,
	HN_SAMPLE_SIMANS,
	HN_SAMPLE_BINS
} HnSampling;

typedef enum HnPosRef
{
	HN_POSREF_MIN,
	HN_POSREF_MAX,
	HN_POSREF_MEAN,
	HN_POSREF_EACH
} HnPosRef;

typedef enum HnBackfill
{
	HN_BACKFILL_NONE,
	HN_BACKFILL_RANDOM,
	HN_BACKFILL_DEEPER
} HnBackfill;

/* margin_mode: a fixed absolute margin, or one per query (mining.md F2) */
typedef enum HnMarginMode
{
	HN_MARGIN_FIXED,
	HN_MARGIN_ADAPTIVE,			/* m_q = max(m_min, lambda sd_q) */
	HN_MARGIN_ADAPTIVE_MEDIAN	/* m_q = max(m_min, lambda (P - median_q)) */
} HnMarginMode;

/* The parameter that auto_calibrate searches (none: not calibrating). */
typedef enum HnCalibKnob
{
	HN_KNOB_NONE,
	HN_KNOB_ABSOLUTE,			/* absolute_margin */
	HN_KNOB_RELATIVE,			/* relative_margin */
	HN_KNOB_LAMBDA				/* margin_lambda of the adaptive modes */
} HnCalibKnob;

typedef enum HnTeacherMissing
{
	HN_TEACHER_DROP,
	HN_TEACHER_KEEP,
	HN_TEACHER_ERROR
} HnTeacherMissing;

/* An optional double parameter (NULL = not set). */
typedef struct HnOptDouble
{
	bool		set;
	double		value;
} HnOptDouble;

typedef struct HnMineParams
{
	const char *fname;			/* the SQL function, for progress lines */
	const char *queries_sql;
	const char *corpus_sql;
	const char *qrels_sql;
	const char *runs_sql;		/* NULL: no external runs */
	const char *teacher_sql;	/* NULL: no teacher scores */

	int			num_negatives;
	int			range_min;
	int			range_max;		/* after derivation */
	bool		range_max_given;
	HnOptDouble max_score;
	HnOptDouble min_score;
	HnOptDouble absolute_margin;
	HnOptDouble relative_margin;
	HnOptDouble percpos;
	bool		margin_strict;	/* keep s < P - m instead of s <= P - m */
	HnPosRef	pos_ref;
	HnMarginMode margin_mode;
	double		margin_lambda;	/* adaptive modes */
	int			margin_top_k;	/* candidates whose spread sets the margin */
	HnOptDouble auto_calibrate; /* target mean of kept candidates per query */
	HnCalibKnob calib_knob;
	double		calib_value;	/* the value auto_calibrate chose */
	double		calib_kept;		/* mean kept per query in the sample at it */
	int64		calib_queries;	/* (query, reference) pairs in the sample */
	bool		rank_raw;		/* rank_basis = 'raw' */
	bool		include_positives;
	bool		exempt_positives;	/* included positives skip score filters */

	HnSampling	sampling;
	uint64		seed;
	double		temperature;
	double		simans_a;
	double		simans_b;
	bool		simans_code_sign;	/* SimXNS release: peak at P - b */
	int			n_bins;
	HnBackfill	backfill;
	int			random_negatives;	/* STAR mix (F8) */

	HnMetric	metric;
	bool		dense;			/* method 'exact' or 'index' (false: 'none') */
	bool		use_index;		/* method 'index': dense candidates via the planner */
	bool		pool_per_query; /* pool 'per_query': K = range_max + own count */

	bool		teacher_space;	/* score_space = 'teacher' */
	HnOptDouble teacher_max;	/* RocketQA: drop teacher score >= this */
	HnTeacherMissing teacher_missing;
	HnOptDouble teacher_pos_min;	/* RocketQA: teacher score >= this is a positive */
	bool		allow_unlabeled;	/* mine queries whose positives are all pseudo */

	bool		excl_doc_id;
	bool		excl_text_hash;
	HnOptDouble excl_near;		/* cosine >= this to a positive */

	int			false_negatives;	/* HN_FN_* mask (falseneg/falseneg.h) */
	double		fn_threshold;
	int			fn_refill;		/* extra search depth to replace dropped candidates */
	const char *pooled_runs_sql;	/* NULL: no pooled runs */

	Oid			id_type;		/* output id type (id_type argument) */
	int			max_positives;	/* from the qrels input */
} HnMineParams;

/*
 * Positions of the SQL arguments, from src/mining/params.def (the one list of
 * them).  Each function has two overloads: without id_type (bigint ids), and
 * with id_type anyelement right after the required query strings (the fourth
 * argument), where PostgreSQL can resolve it at parse time even when later
 * arguments are named or defaulted.  In that overload the positions from
 * ARG_ID_TYPE_POS on shift by one.
 */
enum
{
#define HN_MINE_PARAM(e, name, sqltype, sqldefault) ARG_##e,
#include "mining/params.def"
#undef HN_MINE_PARAM
	ARG_COUNT					/* without id_type */
};
#define ARG_ID_TYPE_POS (ARG_QRELS + 1)

extern void hn_mine_parse_params(FunctionCallInfo fcinfo, HnMineParams *p);
extern void hn_mine_derive_range(HnMineParams *p);

/* ---------- inputs ---------- */

typedef struct HnMineInputs
{
	HnBatch    *queries;
	HnBatch    *corpus;			/* whole corpus; NULL when streamed */
	int			dim;

	/*
	 * Streamed corpus (inputs.c): the corpus is read once in chunks; only its
	 * ids, their hashes and the vectors of the rows later stages score
	 * outside the dense pass (positives, run documents) stay, in row order.
	 */
	bool		streamed;
	HnIds		corpus_ids;		/* in->dids points here when streamed */
	int64		ncaptured;
	int64	   *captured_rows;	/* ascending corpus rows */
	float	   *captured_vecs;	/* ncaptured x dim */
	int64		nq;
	int64		nd;
	HnIds	   *qids;
	HnIds	   *dids;
	int64	   *q_order;		/* query rows sorted by id */
	int64	   *d_order;		/* corpus rows sorted by id */
	int64	   *d_key;			/* corpus row -> position in id order (tie key) */
	uint64	   *d_hash;			/* hn_ids_hash of each corpus row (RNG key) */
	uint64	   *d_text_hash;	/* text_hash column hashed; 0 = none */
	bool		has_text_hash;

	/* positives: per query row, a range into pos_rows (sorted by doc key) */
	int64	   *pos_start;		/* nq + 1 */
	int64	   *pos_rows;
	int64		positives_missing;	/* qrels positives absent from the corpus */

	/* external runs: per query row, a range of corpus rows (+ run label) */
	int64	   *run_start;		/* nq + 1, NULL without runs */
	int64	   *run_rows;
	int		   *run_src;		/* label index of each entry */
	char	  **run_labels;		/* distinct run_id values ("run" if none) */
	int			nrun_labels;
	int64		run_rows_missing;	/* run rows whose doc is not in the corpus */

	/* the judgments and teacher scores as read (io/judgments.h) */
	HnJudgments qrels;
	HnPairScores teacher;
	bool		has_teacher;

	/* teacher scores: sorted (query row, doc row, score) triples */
	int64		nteacher;
	int64	   *teacher_q;
	int64	   *teacher_d;
	float	   *teacher_s;

	/* dense candidates kept by the propensity pass for mining (candidates.c) */
	struct HnDenseKeep *dense_keep;

	/* false-negative scorer (falseneg/scorer.h), NULL with 'none' */
	struct HnFnScorer *fn_scorer;

	/* method 'index': the prepared per-query search (knn/index_search.h) */
	struct HnIndexSearch *index_search;
} HnMineInputs;

extern void hn_mine_read_inputs(HnMineParams *p, HnMineInputs *in);
extern int	hn_mine_pool(const HnMineParams *p);
extern const float *hn_mine_doc_vector(const HnMineInputs *in, int64 drow);

/*
 * The false-negative pass that must see every query's raw candidates before
 * mining (propensity, calibrated) keeps each query's dense candidates (row
 * and score, 12 bytes per candidate) so that mining reuses them instead of
 * running the k-NN search (or the index searches) a second time.
 */
extern void hn_mine_dense_keep_begin(HnMineInputs *in);
struct HnKnn;
extern void hn_mine_dense_keep_knn(HnMineInputs *in, struct HnKnn *knn, int64 q0,
								   int64 nq);
extern void hn_mine_dense_keep_finish(HnMineInputs *in);
extern bool hn_mine_dense_kept(const HnMineInputs *in);
extern int64 hn_mine_dense_kept_rows(const HnMineInputs *in, const int64 **rows);
extern bool hn_mine_teacher_score(const HnMineInputs *in, int64 qrow, int64 drow,
								  float *score);

/* ---------- candidates ---------- */

/* Filter-trace bits: set when a candidate failed (or is marked by) a stage. */
#define HN_TRACE_POSITIVE		0x0001	/* is a positive (doc id) */
#define HN_TRACE_TEXT_HASH		0x0002	/* same text hash as a positive */
#define HN_TRACE_NEAR_DUP		0x0004	/* cosine to a positive >= threshold */
#define HN_TRACE_TEACHER_MISSING 0x0008
#define HN_TRACE_TEACHER_MAX	0x0010
#define HN_TRACE_MAX_SCORE		0x0020
#define HN_TRACE_MIN_SCORE		0x0040
#define HN_TRACE_ABS_MARGIN		0x0080
#define HN_TRACE_REL_MARGIN		0x0100
#define HN_TRACE_PERCPOS		0x0200
#define HN_TRACE_FALSE_NEG		0x0400
#define HN_TRACE_WINDOW			0x0800	/* outside the rank window */
#define HN_TRACE_BACKFILL		0x1000	/* row added by backfill */
#define HN_TRACE_RANDOM			0x2000	/* row added by the STAR random mix */
#define HN_TRACE_PERCPOS_FALLBACK 0x4000	/* percpos with P <= 0 */
#define HN_TRACE_PSEUDO_POSITIVE 0x8000 /* candidate made a positive by the
										 * teacher; on a row: its positive
										 * is such a pseudo-positive */
#define HN_TRACE_NTRACE			16

/* Bits that remove a candidate (everything but the informational ones). */
#define HN_TRACE_REMOVING (0x07FF | HN_TRACE_PSEUDO_POSITIVE)

typedef struct HnCand
{
	int64		row;			/* corpus row */
	float		score;			/* in the active score space */
	float		student;		/* the dense similarity */
	int			raw_rank;		/* 1-based rank in the raw candidate list */
	int			kept_rank;		/* 1-based among survivors; 0 if removed */
	uint32		trace;
	uint32		sources;		/* bit 0 dense, bit 1+r: run label index */
	bool		is_positive;
	float		p_fn;			/* false-negative hook outputs */
	float		weight;
	bool		has_fn;
} HnCand;

typedef struct HnQueryWork
{
	int64		qrow;
	const float *qvec;
	uint64		q_hash;
	int			npos;			/* qrels positives: pos_rows[0 .. npos) */
	const int64 *pos_rows;		/* sorted by doc key, then the pseudo ones */
	int			npseudo;		/* pseudo-positives: pos_rows[npos ..) */
	float	   *pos_scores;		/* in the active score space */
	float	   *pos_student;
	double		cand_sd;		/* adaptive margins: spread of the top-K */
	double		cand_median;
	double		abs_margin;		/* the absolute margin of the reference */
	HnCand	   *cands;
	int			ncand;
} HnQueryWork;

extern float hn_mine_similarity(const HnMineParams *p, const HnMineInputs *in,
								const float *qvec, int64 drow);
extern struct HnKnn *hn_mine_dense_search(const HnMineParams *p, const HnMineInputs *in,
										  int pool, int64 q0, int64 nq);
extern void hn_mine_candidates(const HnMineParams *p, const HnMineInputs *in,
							   HnQueryWork *w, struct HnKnn *knn, int64 knn_base, int pool);
extern void hn_mine_index_begin(const HnMineParams *p, HnMineInputs *in, int pool);
extern void hn_mine_index_end(HnMineInputs *in);
extern void hn_mine_sort_cands(const HnMineInputs *in, HnCand *c, int n);

/* ---------- statistics ---------- */

typedef struct HnMineStats
{
	int64		queries_in;
	int64		queries_mined;
	int64		queries_no_positive;
	int64		positives_missing;
	int64		positives;
	int64		pseudo_positives;
	int64		candidates;
	int64		removed_first[HN_TRACE_NTRACE];	/* first removing stage */
	int64		failed[HN_TRACE_NTRACE];	/* every failing candidate */
	int64		percpos_fallback;
	int64		survivors;
	int64		in_window;
	int64		sampled;
	int64		backfilled;
	int64		random_mixed;
	int64		missing;		/* queries x num_negatives not found */
	int64		rows;
	/* score samples for the summary (ST verbose), allocated in cxt */
	MemoryContext cxt;
	int64		nscores;
	int64		cap_scores;
	double	   *pos_s;
	double	   *neg_s;
} HnMineStats;

extern void hn_stats_trace(HnMineStats *st, uint32 trace);
extern void hn_stats_add_pair(HnMineStats *st, double pos, double neg);

struct HnSrf;
extern void hn_stats_emit(struct HnSrf *srf, const HnMineParams *p, HnMineStats *st);

/* ---------- filters ---------- */

extern void hn_filter_exclusion(const HnMineParams *p, const HnMineInputs *in,
								HnQueryWork *w);
extern void hn_filter_teacher(const HnMineParams *p, const HnMineInputs *in,
							  HnQueryWork *w);
extern bool hn_mine_is_positive(const HnMineInputs *in, const HnQueryWork *w, int64 row);
extern bool hn_mine_same_text(const HnMineInputs *in, const HnQueryWork *w, int64 row);
extern double hn_positive_reference(const HnMineParams *p, const float *scores, int n);
extern uint32 hn_score_bits(const HnMineParams *p, double s, double pref, double abs_m,
							double rel_r);
extern void hn_filter_pseudo_positives(const HnMineParams *p, const HnMineInputs *in,
									   HnQueryWork *w);
extern void hn_margin_spread(const HnMineParams *p, HnQueryWork *w);
extern double hn_margin_for(const HnMineParams *p, const HnQueryWork *w, double pref,
							double knob);
extern void hn_filter_scores(const HnMineParams *p, HnQueryWork *w, double pref,
							 HnMineStats *st);

/* ---------- the per-query front half (driver.c) and auto_calibrate ---------- */

extern bool hn_mine_prepare_query(const HnMineParams *p, const HnMineInputs *in,
								  HnQueryWork *w, int64 qrow, struct HnKnn *knn,
								  int64 knn_base, int pool);
extern void hn_mine_auto_calibrate(HnMineParams *p, HnMineInputs *in, int pool);

/* ---------- false negatives (hook) ---------- */

#define HN_FN_NONE 0

extern int	hn_false_negative_mode(const char *name);

/*
 * The false-negative hook (stage 6).  Called once per query (per reference
 * positive with pos_ref 'each') with the candidates that survived stages 2-5,
 * as plain arrays in rank order.  A scorer fills p_fn[i] and weight[i] and
 * sets has_value[i]; setting drop[i] removes candidate i (filter-trace bit
 * HN_TRACE_FALSE_NEG).  'none' leaves everything unset (NULL columns).
 */
typedef struct HnFnQuery
{
	int			mode;			/* HN_FN_* */
	double		threshold;		/* fn_threshold */
	const HnIds *query_ids;
	int64		query_row;
	const HnIds *doc_ids;
	const int64 *doc_rows;		/* n corpus rows */
	const float *scores;		/* n scores, active space */
	const int  *raw_ranks;		/* n 1-based raw ranks */
	double		positive_ref;	/* reference positive score */
	int			n;
	const HnMineInputs *inputs; /* everything read: embeddings, positives, runs */
} HnFnQuery;

extern void hn_false_negative_score(const HnFnQuery *q, float *p_fn, float *weight,
									bool *has_value, bool *drop);
extern void hn_mine_false_negatives(const HnMineParams *p, const HnMineInputs *in,
									HnQueryWork *w, double pref);
extern void hn_mine_fn_begin(const HnMineParams *p, HnMineInputs *in, int pool);

/* ---------- sampling ---------- */

typedef struct HnPick
{
	int			cand;			/* index into cands, or -1 for outside rows */
	int64		row;			/* corpus row */
	float		score;
	uint32		trace;
	const char *source;			/* NULL: from the candidate's sources */
} HnPick;

extern int	hn_sample_window(const HnMineParams *p, const HnMineInputs *in,
							 HnQueryWork *w, double pref, int *window, int *nwin_out,
							 HnPick *out);
extern int	hn_backfill(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w,
						HnPick *picks, int npicks);
extern int	hn_random_mix(const HnMineParams *p, const HnMineInputs *in, HnQueryWork *w,
						  HnPick *picks, int npicks);

#endif							/* HN_MINING_H */
