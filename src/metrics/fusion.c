/*
 * fusion.c
 *		fuse_runs(): rank fusion of several runs (docs/metrics.md, "Fusing
 *		runs"), and fuse_runs_tune(): a seeded random search for the fusion
 *		weights that maximise a measure on training queries.
 *
 * Definitions are ranx's (AmenRa/ranx, ranx/fusion and ranx/normalization),
 * except CombMNZ and CombANZ, which count the runs that give a document a
 * non-zero score as Fox and Shaw (TREC-2, 1993) define them; ranx counts the
 * runs that retrieved it, so a document at a run's minimum (0 after min-max)
 * counts for ranx and not for the paper.
 *
 * Every input run is read once (the run reader of driver.c), split by run_id
 * and ranked as trec_eval ranks it (score descending, ties by doc id
 * descending, duplicates dropped).  The fused list of a query is ordered by
 * fused score descending, ties to the smaller doc id (byte order).
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "io/srf.h"
#include "kernels/rng.h"
#include "metrics/metrics.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

typedef enum FuseMethod
{
	FUSE_RRF,
	FUSE_COMBSUM,
	FUSE_COMBMNZ,
	FUSE_COMBMAX,
	FUSE_COMBMIN,
	FUSE_COMBANZ,
	FUSE_ISR,
	FUSE_LOG_ISR,
	FUSE_BORDA
} FuseMethod;

typedef enum FuseNorm
{
	NORM_NONE,
	NORM_MINMAX,
	NORM_ZSCORE,
	NORM_SUM
} FuseNorm;

typedef struct FuseSpec
{
	FuseMethod	method;
	FuseNorm	norm;
	int			k;				/* RRF's k */
	const double *weights;		/* one per run, NULL: all 1 */
} FuseSpec;

typedef struct FuseInput
{
	int			nruns;
	const char **run_ids;		/* byte order */
	HnRanking **rankings;
	int64		total;			/* ranked rows over all runs */
	int64		widest;			/* sum over runs of their longest query */
} FuseInput;

/* A document's contribution from one run. */
typedef struct Entry
{
	const char *doc;
	int			run;
	int64		rank;			/* 1-based, trec_eval order */
	double		value;			/* normalised score */
} Entry;

typedef struct Fused
{
	const char *doc;
	double		score;
} Fused;

/* ranx guards every normalising denominator with this floor */
#define RANX_EPS 1e-9

static const struct
{
	const char *name;
	FuseMethod	method;
	bool		needs_weights;
}			method_names[] = {
	{"rrf", FUSE_RRF, false},
	{"combsum", FUSE_COMBSUM, false},
	{"comb_sum", FUSE_COMBSUM, false},
	{"wsum", FUSE_COMBSUM, true},
	{"combmnz", FUSE_COMBMNZ, false},
	{"comb_mnz", FUSE_COMBMNZ, false},
	{"combmax", FUSE_COMBMAX, false},
	{"comb_max", FUSE_COMBMAX, false},
	{"combmin", FUSE_COMBMIN, false},
	{"comb_min", FUSE_COMBMIN, false},
	{"combanz", FUSE_COMBANZ, false},
	{"comb_anz", FUSE_COMBANZ, false},
	{"isr", FUSE_ISR, false},
	{"log_isr", FUSE_LOG_ISR, false},
	{"borda", FUSE_BORDA, false},
	{"bordafuse", FUSE_BORDA, false},
};

static FuseMethod
parse_method(const char *name, bool *needs_weights)
{
	for (int i = 0; i < lengthof(method_names); i++)
		if (pg_strcasecmp(name, method_names[i].name) == 0)
		{
			*needs_weights = method_names[i].needs_weights;
			return method_names[i].method;
		}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown fusion method \"%s\"", name),
			 errhint("Valid methods: rrf, combsum, wsum, combmnz, combmax, combmin, combanz, isr, log_isr, borda.")));
	return FUSE_RRF;			/* keep compiler quiet */
}

static FuseNorm
parse_norm(const char *name)
{
	if (pg_strcasecmp(name, "min-max") == 0 || pg_strcasecmp(name, "minmax") == 0)
		return NORM_MINMAX;
	if (pg_strcasecmp(name, "z-score") == 0 || pg_strcasecmp(name, "zmuv") == 0)
		return NORM_ZSCORE;
	if (pg_strcasecmp(name, "sum") == 0)
		return NORM_SUM;
	if (pg_strcasecmp(name, "none") == 0)
		return NORM_NONE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown normalization \"%s\"", name),
			 errhint("Valid normalizations: min-max, z-score, sum, none.")));
	return NORM_NONE;			/* keep compiler quiet */
}

/* Per-query normalisation of one run's scores (ranx's definitions). */
static void
normalise(FuseNorm norm, const double *s, int64 n, double *out)
{
	double		lo = INFINITY,
				hi = -INFINITY,
				sum = 0.0,
				mean,
				var = 0.0,
				den;

	for (int64 i = 0; i < n; i++)
	{
		lo = Min(lo, s[i]);
		hi = Max(hi, s[i]);
		sum += s[i];
	}
	mean = n > 0 ? sum / n : 0.0;
	for (int64 i = 0; i < n; i++)
		var += (s[i] - mean) * (s[i] - mean);
	for (int64 i = 0; i < n; i++)
		switch (norm)
		{
			case NORM_NONE:
				out[i] = s[i];
				break;
			case NORM_MINMAX:
				out[i] = (s[i] - lo) / Max(hi - lo, RANX_EPS);
				break;
			case NORM_ZSCORE:
				/* population standard deviation, as numpy's std */
				den = Max(sqrt(var / n), RANX_EPS);
				out[i] = (s[i] - mean) / den;
				break;
			case NORM_SUM:
				/* shift the minimum to 0, scale the sum to 1 */
				out[i] = (s[i] - lo) / Max(sum - lo * n, RANX_EPS);
				break;
		}
}

static int
cmp_entry(const void *a, const void *b)
{
	const Entry *x = a,
			   *y = b;
	int			c = strcmp(x->doc, y->doc);

	return c != 0 ? c : x->run - y->run;
}

static int
cmp_fused(const void *a, const void *b)
{
	const Fused *x = a,
			   *y = b;

	if (x->score > y->score)
		return -1;
	if (x->score < y->score)
		return 1;
	return strcmp(x->doc, y->doc);
}

static inline double
weight_of(const FuseSpec *spec, int run)
{
	return spec->weights ? spec->weights[run] : 1.0;
}

/*
 * Fused score of one document from its entries e[0..n) (one per run that
 * ranked it).  ndocs: distinct documents of the query (Borda's points);
 * unranked_sum: Borda points of the runs that did not rank it, summed over
 * all runs (corrected here for the runs that did).
 */
static double
fused_score(const FuseSpec *spec, const Entry *e, int n, int64 ndocs,
			const double *unranked, double unranked_sum)
{
	double		sum = 0.0,
				best = -INFINITY,
				worst = INFINITY;
	int			nonzero = 0;

	for (int i = 0; i < n; i++)
	{
		double		w = weight_of(spec, e[i].run);

		switch (spec->method)
		{
			case FUSE_RRF:
				sum += w / (spec->k + (double) e[i].rank);
				break;
			case FUSE_ISR:
			case FUSE_LOG_ISR:
				sum += w / ((double) e[i].rank * (double) e[i].rank);
				break;
			case FUSE_BORDA:
				sum += w * (double) (ndocs - e[i].rank + 1) - unranked[e[i].run];
				break;
			default:
				sum += w * e[i].value;
				nonzero += e[i].value != 0.0;
				best = Max(best, e[i].value);
				worst = Min(worst, e[i].value);
				break;
		}
	}
	switch (spec->method)
	{
		case FUSE_ISR:
			return sum * n;
		case FUSE_LOG_ISR:
			return sum * log((double) n);
		case FUSE_BORDA:
			return sum + unranked_sum;
		case FUSE_COMBMNZ:
			return sum * nonzero;
		case FUSE_COMBANZ:
			return nonzero > 0 ? sum / nonzero : 0.0;
		case FUSE_COMBMAX:
			return best;
		case FUSE_COMBMIN:
			return worst;
		default:
			return sum;
	}
}

/* Scratch space for one query, sized once for the widest. */
typedef struct FuseScratch
{
	Entry	   *entries;
	Fused	   *fused;
	double	   *norm;
	double	   *unranked;		/* per run: weighted Borda points of an unranked doc */
	int64	   *len;			/* per run: docs ranked for this query */
} FuseScratch;

/* The entries of query qid from every run that has it; advances pos[]. */
static int64
gather(const FuseInput *in, const FuseSpec *spec, const char *qid, int64 *pos,
	   FuseScratch *sc)
{
	int64		n = 0;

	for (int r = 0; r < in->nruns; r++)
	{
		const HnRanking *rk = in->rankings[r];
		int64		from,
					to;

		sc->len[r] = 0;
		if (pos[r] >= rk->nq || strcmp(rk->qids[pos[r]], qid) != 0)
			continue;
		from = rk->start[pos[r]];
		to = rk->start[pos[r] + 1];
		pos[r]++;
		sc->len[r] = to - from;
		normalise(spec->norm, rk->scores + from, to - from, sc->norm);
		for (int64 i = from; i < to; i++)
		{
			sc->entries[n].doc = rk->docs[i];
			sc->entries[n].run = r;
			sc->entries[n].rank = i - from + 1;
			sc->entries[n].value = sc->norm[i - from];
			n++;
		}
	}
	return n;
}

/* Fuses one query's entries into sc->fused; returns the documents. */
static int64
fuse_query(const FuseInput *in, const FuseSpec *spec, int64 n, FuseScratch *sc)
{
	int64		ndocs = 0;
	double		unranked_sum = 0.0;

	qsort(sc->entries, n, sizeof(Entry), cmp_entry);
	for (int64 i = 0; i < n; i++)
		ndocs += i == 0 || strcmp(sc->entries[i].doc, sc->entries[i - 1].doc) != 0;
	/* Borda: docs a run did not rank share its remaining points equally */
	for (int r = 0; r < in->nruns; r++)
	{
		sc->unranked[r] = weight_of(spec, r) * (double) (ndocs - sc->len[r] + 1) / 2.0;
		unranked_sum += sc->unranked[r];
	}
	for (int64 i = 0, s = 0, d = 0; i <= n; i++)
	{
		if (i < n && i > s && strcmp(sc->entries[i].doc, sc->entries[s].doc) == 0)
			continue;
		if (i > s)
		{
			sc->fused[d].doc = sc->entries[s].doc;
			sc->fused[d].score = fused_score(spec, sc->entries + s, (int) (i - s), ndocs,
											 sc->unranked, unranked_sum);
			d++;
		}
		s = i;
	}
	qsort(sc->fused, ndocs, sizeof(Fused), cmp_fused);
	return ndocs;
}

/* Smallest current query id over the runs, NULL when all are done. */
static const char *
next_qid(const FuseInput *in, const int64 *pos)
{
	const char *best = NULL;

	for (int r = 0; r < in->nruns; r++)
	{
		const HnRanking *rk = in->rankings[r];

		if (pos[r] < rk->nq && (best == NULL || strcmp(rk->qids[pos[r]], best) < 0))
			best = rk->qids[pos[r]];
	}
	return best;
}

/* The fused ranking of every query of any run (queries in byte order). */
static HnRanking *
fuse(const FuseInput *in, const FuseSpec *spec)
{
	HnRanking  *out = palloc0(sizeof(HnRanking));
	int64	   *pos = palloc0(sizeof(int64) * in->nruns);
	int64		nq_max = 1,
				k = 0;
	FuseScratch sc;
	const char *qid;

	for (int r = 0; r < in->nruns; r++)
		nq_max += in->rankings[r]->nq;
	out->qids = palloc(sizeof(char *) * nq_max);
	out->start = palloc(sizeof(int64) * (nq_max + 1));
	out->docs = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * Max(in->total, 1));
	out->scores = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(in->total, 1));
	sc.entries = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Entry) * Max(in->widest, 1));
	sc.fused = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Fused) * Max(in->widest, 1));
	sc.norm = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(in->widest, 1));
	sc.unranked = palloc(sizeof(double) * in->nruns);
	sc.len = palloc(sizeof(int64) * in->nruns);
	while ((qid = next_qid(in, pos)) != NULL)
	{
		int64		n,
					ndocs;

		CHECK_FOR_INTERRUPTS();
		n = gather(in, spec, qid, pos, &sc);
		ndocs = fuse_query(in, spec, n, &sc);
		out->qids[out->nq] = qid;
		out->start[out->nq++] = k;
		for (int64 i = 0; i < ndocs; i++, k++)
		{
			out->docs[k] = sc.fused[i].doc;
			out->scores[k] = sc.fused[i].score;
		}
	}
	out->start[out->nq] = k;
	pfree(sc.entries);
	pfree(sc.fused);
	pfree(sc.norm);
	return out;
}

/*
 * Reads the runs query once and ranks every run; with qrels (the tuner) the
 * ids must be of the qrels' kinds.
 */
static FuseInput *
read_runs(const char *sql, const HnQrels *qrels)
{
	FuseInput  *in = palloc0(sizeof(FuseInput));
	char	  **run_ids;
	HnRunRows  *all = hn_run_rows_read(sql, true, &run_ids);
	HnRunSlice *slices = hn_split_runs(all, run_ids, &in->nruns);

	if (qrels)
		hn_metrics_check_kinds(qrels, all, "runs");
	if (in->nruns == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the runs query returned no rows"),
				 errhint("The runs query returns run_id, query_id, doc_id, score for every run to fuse.")));
	in->run_ids = palloc(sizeof(char *) * in->nruns);
	in->rankings = palloc(sizeof(HnRanking *) * in->nruns);
	for (int r = 0; r < in->nruns; r++)
	{
		HnRanking  *rk = hn_rank_run(&slices[r].rows);
		int64		longest = 0;

		in->run_ids[r] = slices[r].run_id;
		in->rankings[r] = rk;
		in->total += rk->start[rk->nq];
		for (int q = 0; q < rk->nq; q++)
			longest = Max(longest, rk->start[q + 1] - rk->start[q]);
		in->widest += longest;
	}
	return in;
}

static void
check_spec(const FuseSpec *spec, bool has_weights, bool needs_weights)
{
	if (spec->k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must not be negative, got %d", spec->k),
				 errhint("RRF scores 1 / (k + rank); k = 60 is the paper's and ranx's default.")));
	if (needs_weights && !has_weights)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method wsum needs weights"),
				 errhint("Pass weights => ARRAY[...], one per run in run_id byte order, or use fuse_runs_tune() to find them.")));
	if (has_weights && (spec->method == FUSE_COMBMAX || spec->method == FUSE_COMBMIN))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("CombMAX and CombMIN take no weights"),
				 errhint("Weights scale sums: use them with rrf, combsum, wsum, combmnz, combanz, isr, log_isr or borda.")));
}

/* weights: a float8[] of one finite value per run, or NULL. */
static double *
weights_arg(FunctionCallInfo fcinfo, int argno, int nruns)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	double	   *w;

	if (PG_ARGISNULL(argno))
		return NULL;
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	if (n != nruns)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("weights has %d elements, the runs query has %d runs", n, nruns),
				 errhint("Give one weight per run, in byte order of run_id.")));
	w = palloc(sizeof(double) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i] || !isfinite(DatumGetFloat8(elems[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weight %d is NULL or not finite", i + 1),
					 errhint("Weights are finite numbers, one per run in byte order of run_id.")));
		w[i] = DatumGetFloat8(elems[i]);
	}
	return w;
}

/* An id's text in the output type: bigint (plain form) or id_type's. */
static Datum
id_datum(const char *id, Oid type, Oid infn, Oid ioparam)
{
	if (type == TEXTOID)
		return CStringGetTextDatum(id);
	if (type == INT8OID)
	{
		char	   *end;
		long long	v;

		errno = 0;
		v = strtoll(id, &end, 10);
		if (errno != 0 || end == id || *end != '\0')
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("id \"%s\" of the runs query is not a bigint", id),
					 errhint("Pass id_type (the last argument), e.g. NULL::text, to get ids of another type.")));
		return Int64GetDatum((int64) v);
	}
	return OidInputFunctionCall(infn, (char *) id, ioparam, -1);
}

static void
required(FunctionCallInfo fcinfo, int n)
{
	for (int a = 0; a < n; a++)
		if (PG_ARGISNULL(a) && a != 4)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument %d of fuse_runs must not be NULL", a + 1),
					 errhint("Only weights may be NULL (all runs weigh 1).")));
}

PG_FUNCTION_INFO_V1(hn_fuse_runs);
Datum
hn_fuse_runs(PG_FUNCTION_ARGS)
{
	HnSrf		srf;
	FuseSpec	spec;
	FuseInput  *in;
	HnRanking  *out;
	bool		needs_weights;
	Oid			id_type = INT8OID,
				infn = InvalidOid,
				ioparam = InvalidOid;

	required(fcinfo, 4);
	if (PG_NARGS() > 5)
	{
		id_type = get_fn_expr_argtype(fcinfo->flinfo, 5);
		if (!OidIsValid(id_type))
			id_type = INT8OID;
		if (id_type != INT8OID && id_type != TEXTOID)
			getTypeInputInfo(id_type, &infn, &ioparam);
	}
	spec.method = parse_method(text_to_cstring(PG_GETARG_TEXT_PP(1)), &needs_weights);
	spec.k = PG_GETARG_INT32(2);
	spec.norm = parse_norm(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	check_spec(&spec, !PG_ARGISNULL(4), needs_weights);
	hn_srf_begin(fcinfo, &srf);

	in = read_runs(text_to_cstring(PG_GETARG_TEXT_PP(0)), NULL);
	spec.weights = weights_arg(fcinfo, 4, in->nruns);
	out = fuse(in, &spec);
	for (int q = 0; q < out->nq; q++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		CHECK_FOR_INTERRUPTS();
		values[0] = id_datum(out->qids[q], id_type, infn, ioparam);
		for (int64 i = out->start[q]; i < out->start[q + 1]; i++)
		{
			values[1] = id_datum(out->docs[i], id_type, infn, ioparam);
			values[2] = Int32GetDatum((int32) (i - out->start[q] + 1));
			values[3] = Float8GetDatum(out->scores[i]);
			hn_srf_put(&srf, values, nulls);
			if (id_type != INT8OID)
				pfree(DatumGetPointer(values[1]));
		}
	}
	PG_RETURN_NULL();
}

/* ---------- weight search ---------- */

/* A fused ranking as run rows, to evaluate with the trec_eval driver. */
static HnRunRows *
as_run_rows(const HnRanking *rk)
{
	HnRunRows  *rows = palloc0(sizeof(HnRunRows));
	int64		n = rk->start[rk->nq];

	rows->n = n;
	rows->qid = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(char *) * Max(n, 1));
	rows->doc = (char **) rk->docs;
	rows->score = rk->scores;
	for (int q = 0; q < rk->nq; q++)
		for (int64 i = rk->start[q]; i < rk->start[q + 1]; i++)
			rows->qid[i] = (char *) rk->qids[q];
	return rows;
}

/*
 * Trial t's weights: trial 0 all equal, then draws from the flat Dirichlet
 * (normalised exponentials), so every point of the simplex can be reached.
 */
static void
trial_weights(uint64 seed, int t, int nruns, double *w)
{
	double		sum = 0.0;

	for (int r = 0; r < nruns; r++)
	{
		w[r] = t == 0 ? 1.0 : -log(hn_uniform_open(seed, HN_STREAM_FUSION, (uint64) t, (uint64) r, 0));
		sum += w[r];
	}
	for (int r = 0; r < nruns; r++)
		w[r] /= sum;
}

/* The measure's mean over the judged queries of a fused run. */
static double
evaluate_fused(const HnQrels *qrels, const HnRanking *rk, const HnMeasureSet *set,
			   const HnEvalFlags *flags)
{
	HnRunEval  *ev = hn_evaluate_run(qrels, as_run_rows(rk), set, flags);

	if (ev->nq == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no query has both run rows and judgments"),
				 errhint("The qrels query names the training queries: check that their query_id values occur in the runs.")));
	return hn_summary_value(&set->measures[0], 0, ev, set);
}

PG_FUNCTION_INFO_V1(hn_fuse_runs_tune);
Datum
hn_fuse_runs_tune(PG_FUNCTION_ARGS)
{
	HnSrf		srf;
	FuseSpec	spec;
	HnMeasureSet *set;
	HnEvalFlags flags;
	HnQrels    *qrels;
	FuseInput  *in;
	bool		needs_weights;
	int			trials;
	uint64		seed;
	double	   *w,
			   *best_w,
				best = -INFINITY;
	MemoryContext trial_cxt,
				old;

	for (int a = 0; a < 8; a++)
		if (PG_ARGISNULL(a))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument %d of fuse_runs_tune must not be NULL", a + 1),
					 errhint("Every argument has a default; leave it out instead of passing NULL.")));
	spec.method = parse_method(text_to_cstring(PG_GETARG_TEXT_PP(2)), &needs_weights);
	set = hn_measure_single(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	spec.norm = parse_norm(text_to_cstring(PG_GETARG_TEXT_PP(4)));
	spec.k = PG_GETARG_INT32(5);
	trials = PG_GETARG_INT32(6);
	seed = (uint64) PG_GETARG_INT64(7);
	check_spec(&spec, true, false);	/* the search always weighs */
	if (trials < 1 || trials > 100000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trials must be between 1 and 100000, got %d", trials),
				 errhint("Each trial fuses and evaluates every training query once; 200 is usually plenty for a few runs.")));
	hn_eval_flags_init(&flags, false, 1, false, true, 0);
	hn_srf_begin(fcinfo, &srf);

	qrels = hn_qrels_read(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	in = read_runs(text_to_cstring(PG_GETARG_TEXT_PP(0)), qrels);
	w = palloc(sizeof(double) * in->nruns);
	best_w = palloc(sizeof(double) * in->nruns);
	trial_cxt = AllocSetContextCreate(CurrentMemoryContext, "fuse_runs_tune trial",
									  ALLOCSET_DEFAULT_SIZES);
	for (int t = 0; t < trials; t++)
	{
		double		v;

		CHECK_FOR_INTERRUPTS();
		trial_weights(seed, t, in->nruns, w);
		spec.weights = w;
		old = MemoryContextSwitchTo(trial_cxt);
		v = evaluate_fused(qrels, fuse(in, &spec), set, &flags);
		MemoryContextSwitchTo(old);
		MemoryContextReset(trial_cxt);
		/* strictly better only: the earliest trial wins a tie, so results are stable */
		if (v > best)
		{
			best = v;
			memcpy(best_w, w, sizeof(double) * in->nruns);
		}
	}
	for (int r = 0; r < in->nruns; r++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(in->run_ids[r]);
		values[1] = Float8GetDatum(best_w[r]);
		values[2] = Float8GetDatum(best);
		hn_srf_put(&srf, values, nulls);
	}
	PG_RETURN_NULL();
}
