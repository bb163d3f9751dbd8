/*
 * judgments.h
 *		The one reader of (query_id, doc_id)-keyed inputs: judgments (qrels)
 *		and pair scores (teacher scores), with the one rule every function
 *		that reads them follows (docs/inputs.md):
 *
 *	- a (query_id, doc_id) pair appears at most once: a second row for it is
 *	  an error (21000, cardinality_violation, as SQL's own "more than one
 *	  row"), whether the grades agree or conflict, naming the pair, with a
 *	  hint how to deduplicate; trec_eval stops on it the same way;
 *	- relevance is a whole number up to HN_MAX_RELEVANCE (22003 above);
 *	  relevance <= 0 is not relevant (trec_eval: a negative grade is pooled
 *	  but unjudged, 0 judged non-relevant); a qrels query without a
 *	  relevance column judges every row relevance 1 where the function
 *	  allows that;
 *	- NULL ids, grades or scores are errors (22004), NaN scores too (22000);
 *	- ids are integer (smallint, integer, bigint) or text (any other type);
 *	  the inputs of one call must agree (42804 otherwise, hint: cast both
 *	  to text).
 *
 * Rows come back in the caller's memory context, with an index that finds a
 * pair, or all rows of one query, by binary search over the shared id
 * helpers of reader.h (bigint and text ids alike).
 */
#ifndef HN_JUDGMENTS_H
#define HN_JUDGMENTS_H

#include "postgres.h"

#include "io/reader.h"

/* The largest relevance grade any function accepts. */
#define HN_MAX_RELEVANCE 65535

/* Rows of a (query, doc) input sorted by (query, doc), for lookups. */
typedef struct HnPairIndex
{
	const HnIds *q;
	const HnIds *d;
	int64		n;
	int64	   *order;
} HnPairIndex;

extern void hn_pair_index_build(HnPairIndex *ix, const HnIds *q, const HnIds *d, int64 n);

/* Position in ix->order of the row equal to (q[qi], d[di]), or -1. */
extern int64 hn_pair_find(const HnPairIndex *ix, const HnIds *q, int64 qi,
						  const HnIds *d, int64 di);

/* Range [*lo, *hi) of positions in ix->order whose query is q[qi]. */
extern void hn_pair_query_range(const HnPairIndex *ix, const HnIds *q, int64 qi,
								int64 *lo, int64 *hi);

/* Judgments: query_id, doc_id, relevance (1 when the column is absent). */
typedef struct HnJudgments
{
	int64		n;
	HnIds	   *qid;
	HnIds	   *did;
	int32	   *rel;
	bool		has_relevance;	/* the query returned a relevance column */
	HnPairIndex ix;
} HnJudgments;

/*
 * Reads a qrels query (errors as above).  relevance_required: the query
 * must return a relevance column (trec_eval and the other metrics).
 */
extern void hn_judgments_read(HnJudgments *j, const char *sql, bool relevance_required);

/* Relevance of (q[qi], d[di]) into *rel; false when the pair is not judged. */
extern bool hn_judgments_get(const HnJudgments *j, const HnIds *q, int64 qi,
							 const HnIds *d, int64 di, int32 *rel);

/* Scores of pairs: query_id, doc_id, score (teacher scores). */
typedef struct HnPairScores
{
	int64		n;
	HnIds	   *qid;
	HnIds	   *did;
	double	   *score;
	HnPairIndex ix;
} HnPairScores;

/* Reads a pair-score query named what ("teacher_scores"); rules as above. */
extern void hn_pair_scores_read(HnPairScores *s, const char *what, const char *sql);

/* Score of (q[qi], d[di]) into *score; false when the pair has none. */
extern bool hn_pair_scores_get(const HnPairScores *s, const HnIds *q, int64 qi,
							   const HnIds *d, int64 di, double *score);

#endif							/* HN_JUDGMENTS_H */
