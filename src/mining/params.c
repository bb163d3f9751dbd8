/*
 * params.c
 *		Parses and validates every mine_hard_negatives parameter before any
 *		input is read (sentence-transformers #3903/#3904: a bad window must
 *		fail with a clear message, not deep inside the search).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "nodes/execnodes.h"
#include "falseneg/falseneg.h"
#include "mining/mining.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

/* The call's arguments, with the id_type overload's shift applied. */
typedef struct Args
{
	FunctionCallInfo fcinfo;
	int			shift;
} Args;

static inline int
argpos(const Args *a, int arg)
{
	return arg >= ARG_ID_TYPE_POS ? arg + a->shift : arg;
}

static inline bool
argnull(const Args *a, int arg)
{
	return a->fcinfo->args[argpos(a, arg)].isnull;
}

static void
bad_param(const char *name, const char *msg, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("mine_hard_negatives: %s %s", name, msg),
			 errhint("%s", hint)));
}

static Datum
argval(const Args *a, int arg)
{
	return a->fcinfo->args[argpos(a, arg)].value;
}

/* The names and SQL defaults of the arguments, from the one list of them. */
static const char *const param_names[] = {
#define HN_MINE_PARAM(e, name, sqltype, sqldefault) #name,
#include "mining/params.def"
#undef HN_MINE_PARAM
};
static const char *const param_defaults[] = {
#define HN_MINE_PARAM(e, name, sqltype, sqldefault) sqldefault,
#include "mining/params.def"
#undef HN_MINE_PARAM
};

/*
 * An explicit NULL falls back to the SQL default of the argument, so that
 * NULL and an omitted argument mean the same: the default's SQL text as C
 * text, a quoted literal unquoted; NULL when the default is NULL or none.
 */
static const char *
default_text(int arg)
{
	const char *d = param_defaults[arg];
	size_t		len = strlen(d);

	if (len == 0 || pg_strcasecmp(d, "NULL") == 0)
		return NULL;
	if (len >= 2 && d[0] == '\'' && d[len - 1] == '\'')
		return pnstrdup(d + 1, len - 2);
	return d;
}

/* The default of an argument that must have a value (a number or boolean). */
static const char *
default_value(int arg)
{
	const char *d = default_text(arg);

	if (d == NULL)
		elog(ERROR, "mine_hard_negatives: %s has no non-NULL default in params.def",
			 param_names[arg]);
	return d;
}

static const char *
arg_text(const Args *a, int arg)
{
	if (argnull(a, arg))
		return default_text(arg);
	return TextDatumGetCString(argval(a, arg));
}

static double
arg_double(const Args *a, int arg)
{
	return argnull(a, arg) ? strtod(default_value(arg), NULL) : DatumGetFloat8(argval(a, arg));
}

/* A filter threshold: NULL (its default) disables it. */
static HnOptDouble
arg_opt_double(const Args *a, int arg)
{
	HnOptDouble v = {false, 0.0};

	if (argnull(a, arg))
		return v;
	v.set = true;
	v.value = DatumGetFloat8(argval(a, arg));
	if (!isfinite(v.value))
		bad_param(param_names[arg], "must be a finite number", "Pass NULL to disable the filter.");
	return v;
}

static int
arg_int(const Args *a, int arg)
{
	return argnull(a, arg) ? pg_strtoint32(default_value(arg)) : DatumGetInt32(argval(a, arg));
}

static int64
arg_int64(const Args *a, int arg)
{
	return argnull(a, arg) ? strtoi64(default_value(arg), NULL, 10) : DatumGetInt64(argval(a, arg));
}

static bool
arg_bool(const Args *a, int arg)
{
	bool		b = false;

	if (!argnull(a, arg))
		return DatumGetBool(argval(a, arg));
	if (!parse_bool(default_value(arg), &b))
		elog(ERROR, "mine_hard_negatives: the default of %s is not a boolean", param_names[arg]);
	return b;
}

/* Looks the argument up in a NULL-terminated list; the error lists the choices. */
static int
choose(const Args *a, int arg, const char *const *choices)
{
	const char *param = param_names[arg];
	const char *value = arg_text(a, arg);
	StringInfoData list;

	for (int i = 0; choices[i] != NULL; i++)
		if (pg_strcasecmp(value, choices[i]) == 0)
			return i;
	initStringInfo(&list);
	for (int i = 0; choices[i] != NULL; i++)
		appendStringInfo(&list, "%s'%s'", i ? ", " : "", choices[i]);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("mine_hard_negatives: unknown %s \"%s\"", param, value),
			 errhint("Valid values are %s.", list.data)));
	return -1;					/* not reached */
}

static void
parse_sampling(const Args *a, HnMineParams *p)
{
	static const char *const names[] = {"top", "random", "uniform", "top1_plus_uniform",
	"softmax", "simans", "bins", NULL};
	static const HnSampling values[] = {HN_SAMPLE_TOP, HN_SAMPLE_UNIFORM, HN_SAMPLE_UNIFORM,
		HN_SAMPLE_TOP1_PLUS_UNIFORM, HN_SAMPLE_SOFTMAX, HN_SAMPLE_SIMANS, HN_SAMPLE_BINS};
	static const char *const signs[] = {"paper", "code", NULL};

	p->sampling = values[choose(a, ARG_SAMPLING, names)];
	p->seed = (uint64) arg_int64(a, ARG_SEED);
	p->temperature = arg_double(a, ARG_TEMPERATURE);
	if (!(p->temperature > 0) || !isfinite(p->temperature))
		bad_param("temperature", "must be a positive number",
				  "Softmax sampling weighs candidates by exp(score / temperature); try 0.05.");
	p->simans_a = arg_double(a, ARG_SIMANS_A);
	p->simans_b = arg_double(a, ARG_SIMANS_B);
	if (!(p->simans_a >= 0) || !isfinite(p->simans_a) || !isfinite(p->simans_b))
		bad_param("simans_a", "must be a finite number >= 0 (and simans_b finite)",
				  "SimANS weighs candidates by exp(-a (s - P - b)^2); the release uses a = 0.5, b = 0.");
	p->simans_code_sign = choose(a, ARG_SIMANS_SIGN, signs) == 1;
	p->n_bins = arg_int(a, ARG_N_BINS);
	if (p->n_bins < 1 || p->n_bins > 10000)
		bad_param("n_bins", "must be between 1 and 10000", "TAS-B uses 10 equal-width margin bins.");
}

static void
parse_window(const Args *a, HnMineParams *p)
{
	static const char *const bases[] = {"kept", "raw", NULL};

	p->num_negatives = arg_int(a, ARG_NUM_NEGATIVES);
	if (p->num_negatives < 1)
		bad_param("num_negatives", "must be at least 1",
				  "Ask for one or more negatives per query (sentence-transformers' default is 3).");
	p->range_min = arg_int(a, ARG_RANGE_MIN);
	if (p->range_min < 0)
		bad_param("range_min", "must be >= 0", "range_min is the number of top candidates skipped.");
	p->range_max_given = !argnull(a, ARG_RANGE_MAX);
	if (p->range_max_given)
	{
		p->range_max = arg_int(a, ARG_RANGE_MAX);
		if (p->range_max <= p->range_min)
			bad_param("range_max", "must be greater than range_min",
					  "The rank window is (range_min, range_max]; leave range_max NULL to derive it.");
		if (p->num_negatives > p->range_max - p->range_min)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("mine_hard_negatives: num_negatives (%d) is larger than the rank window range_max - range_min (%d)",
							p->num_negatives, p->range_max - p->range_min),
					 errhint("Lower num_negatives or widen the window (raise range_max or lower range_min).")));
		if (p->range_max > 1000000)
			bad_param("range_max", "must be at most 1000000",
					  "Candidate pools are held per query; mine deeper windows in several passes.");
	}
	p->rank_raw = choose(a, ARG_RANK_BASIS, bases) == 1;
}

static void
parse_filters(const Args *a, HnMineParams *p)
{
	static const char *const refs[] = {"min", "max", "mean", "each", NULL};

	p->max_score = arg_opt_double(a, ARG_MAX_SCORE);
	p->min_score = arg_opt_double(a, ARG_MIN_SCORE);
	if (p->max_score.set && p->min_score.set && p->min_score.value > p->max_score.value)
		bad_param("min_score", "is greater than max_score",
				  "The score band keeps min_score <= score <= max_score.");
	p->absolute_margin = arg_opt_double(a, ARG_ABSOLUTE_MARGIN);
	p->relative_margin = arg_opt_double(a, ARG_RELATIVE_MARGIN);
	if (p->relative_margin.set && (p->relative_margin.value < 0 || p->relative_margin.value > 1))
		bad_param("relative_margin", "must be between 0 and 1",
				  "relative_margin r keeps candidates with score <= P - |P| r; NV-Retriever's 95% is r = 0.05.");
	p->percpos = arg_opt_double(a, ARG_PERCPOS);
	if (p->percpos.set && (p->percpos.value <= 0 || p->percpos.value > 1))
		bad_param("percpos", "must be in (0, 1]",
				  "percpos alpha keeps candidates with score < alpha P; NV-Retriever uses 0.95.");
	p->margin_strict = arg_bool(a, ARG_MARGIN_STRICT);
	p->pos_ref = (HnPosRef) choose(a, ARG_POS_REF, refs);
	p->include_positives = arg_bool(a, ARG_INCLUDE_POSITIVES);
	p->exempt_positives = arg_bool(a, ARG_EXEMPT_POSITIVES);
}

/*
 * margin_mode, margin_lambda, margin_top_k and auto_calibrate (mining.md
 * F2).  In the adaptive modes absolute_margin is the floor m_min of the
 * per-query margin.  auto_calibrate searches one parameter: margin_lambda in
 * the adaptive modes, else relative_margin when it is given, else
 * absolute_margin; the value passed for it is only replaced.
 */
static void
parse_margin_mode(const Args *a, HnMineParams *p)
{
	static const char *const modes[] = {"fixed", "adaptive", "adaptive_median", NULL};

	p->margin_mode = (HnMarginMode) choose(a, ARG_MARGIN_MODE, modes);
	p->margin_lambda = arg_double(a, ARG_MARGIN_LAMBDA);
	if (!(p->margin_lambda >= 0) || !isfinite(p->margin_lambda))
		bad_param("margin_lambda", "must be a finite number >= 0",
				  "The adaptive margin is max(absolute_margin, margin_lambda * spread); try 1.");
	p->margin_top_k = arg_int(a, ARG_MARGIN_TOP_K);
	if (p->margin_top_k < 2 || p->margin_top_k > 100000)
		bad_param("margin_top_k", "must be between 2 and 100000",
				  "The spread of a query's scores is taken over its top margin_top_k candidates.");
	if (p->absolute_margin.set && p->absolute_margin.value < 0 &&
		p->margin_mode != HN_MARGIN_FIXED)
		bad_param("absolute_margin", "must be >= 0 with an adaptive margin_mode",
				  "In the adaptive modes absolute_margin is the smallest margin any query gets.");
	p->auto_calibrate = arg_opt_double(a, ARG_AUTO_CALIBRATE);
	if (!p->auto_calibrate.set)
		return;
	if (!(p->auto_calibrate.value > 0))
		bad_param("auto_calibrate", "must be a positive number",
				  "auto_calibrate is the mean number of candidates per query that should survive the margin, e.g. 10.");
	if (p->margin_mode != HN_MARGIN_FIXED)
		p->calib_knob = HN_KNOB_LAMBDA;
	else if (p->relative_margin.set)
		p->calib_knob = HN_KNOB_RELATIVE;
	else
	{
		p->calib_knob = HN_KNOB_ABSOLUTE;
		p->absolute_margin.set = true;	/* the value comes from the search */
		p->absolute_margin.value = 0;
	}
}

/* exclude => 'doc_id,text_hash,near:0.98' */
static void
parse_exclude(const Args *a, HnMineParams *p)
{
	char	   *list = pstrdup(arg_text(a, ARG_EXCLUDE));
	char	   *save = NULL;

	p->excl_doc_id = p->excl_text_hash = false;
	p->excl_near.set = false;
	for (char *tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
	{
		char	   *end;

		if (pg_strcasecmp(tok, "doc_id") == 0)
			p->excl_doc_id = true;
		else if (pg_strcasecmp(tok, "text_hash") == 0)
			p->excl_text_hash = true;
		else if (pg_strncasecmp(tok, "near:", 5) == 0)
		{
			p->excl_near.set = true;
			p->excl_near.value = strtod(tok + 5, &end);
			if (end == tok + 5 || *end != '\0' || !(p->excl_near.value > -1.0) ||
				p->excl_near.value > 1.0)
				bad_param("exclude", "has a bad near-duplicate threshold",
						  "Write near:<cosine>, e.g. near:0.98, with a cosine in (-1, 1].");
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("mine_hard_negatives: unknown exclusion \"%s\"", tok),
					 errhint("exclude is a comma-separated list of 'doc_id', 'text_hash' and 'near:<cosine>'.")));
	}
	if (!p->excl_doc_id && !p->include_positives)
		bad_param("exclude", "must contain doc_id unless include_positives is true",
				  "Positives are always excluded by id; add 'doc_id' to the list.");
}

/* teacher_pos_min and allow_unlabeled: RocketQA pseudo-positives (F1, F4). */
static void
parse_pseudo_positives(const Args *a, HnMineParams *p)
{
	p->teacher_pos_min = arg_opt_double(a, ARG_TEACHER_POS_MIN);
	p->allow_unlabeled = arg_bool(a, ARG_ALLOW_UNLABELED);
	if (p->teacher_pos_min.set && p->teacher_sql == NULL)
		bad_param("teacher_pos_min", "needs teacher scores",
				  "Give teacher_scores => 'SELECT query_id, doc_id, score FROM ...'.");
	if (p->allow_unlabeled && !p->teacher_pos_min.set)
		bad_param("allow_unlabeled", "needs teacher_pos_min",
				  "A query without positives can only be mined with pseudo-positives; RocketQA uses teacher_pos_min => 0.9.");
	if (p->teacher_pos_min.set && p->teacher_max.set &&
		p->teacher_pos_min.value < p->teacher_max.value)
		bad_param("teacher_pos_min", "must be >= teacher_max",
				  "A candidate cannot be both a negative and a pseudo-positive (RocketQA: 0.1 and 0.9).");
}

static void
parse_sources(const Args *a, HnMineParams *p)
{
	static const char *const methods[] = {"exact", "none", "index", NULL};
	static const char *const pools[] = {"global", "per_query", NULL};
	static const char *const spaces[] = {"student", "teacher", NULL};
	static const char *const missing[] = {"drop", "keep", "error", NULL};
	int			method;

	p->queries_sql = arg_text(a, ARG_QUERIES);
	p->corpus_sql = arg_text(a, ARG_CORPUS);
	p->qrels_sql = arg_text(a, ARG_QRELS);
	if (p->queries_sql == NULL || p->corpus_sql == NULL || p->qrels_sql == NULL)
		bad_param("queries, corpus and qrels", "must not be NULL",
				  "Pass three query strings, e.g. 'SELECT id, embedding FROM queries'.");
	p->runs_sql = arg_text(a, ARG_RUNS);
	p->teacher_sql = arg_text(a, ARG_TEACHER_SCORES);
	p->metric = hn_metric_from_name(arg_text(a, ARG_METRIC));
	method = choose(a, ARG_METHOD, methods);
	p->dense = method != 1;
	p->use_index = method == 2;
	if (!p->dense && p->runs_sql == NULL)
		bad_param("method", "'none' needs runs",
				  "Give runs => 'SELECT query_id, doc_id, score FROM ...' as the candidate source.");
	p->pool_per_query = choose(a, ARG_POOL, pools) == 1;
	p->teacher_space = choose(a, ARG_SCORE_SPACE, spaces) == 1;
	p->teacher_max = arg_opt_double(a, ARG_TEACHER_MAX);
	p->teacher_missing = (HnTeacherMissing)
		choose(a, ARG_TEACHER_MISSING, missing);
	if ((p->teacher_space || p->teacher_max.set) && p->teacher_sql == NULL)
		bad_param("score_space / teacher_max", "need teacher scores",
				  "Give teacher_scores => 'SELECT query_id, doc_id, score FROM ...'.");
	parse_pseudo_positives(a, p);
}

static void
parse_extras(const Args *a, HnMineParams *p)
{
	static const char *const backfills[] = {"none", "random", "deeper", NULL};

	p->backfill = (HnBackfill) choose(a, ARG_BACKFILL, backfills);
	p->random_negatives = arg_int(a, ARG_RANDOM_NEGATIVES);
	if (p->random_negatives < 0 || p->random_negatives > 100000)
		bad_param("random_negatives", "must be between 0 and 100000",
				  "STAR mixes a few random corpus negatives per query (e.g. 1 to 10).");
	p->false_negatives = hn_false_negative_mode(arg_text(a, ARG_FALSE_NEGATIVES));
	/*
	 * 'auto' and 'calibrated' refill what they drop: the search goes ten
	 * candidates deeper per negative wanted, and survivors past the window
	 * fill the quota (backfill 'deeper' unless another backfill was asked).
	 */
	if (p->false_negatives & (HN_FN_AUTO | HN_FN_CALIBRATED))
	{
		p->fn_refill = 10 * p->num_negatives;
		if (p->backfill == HN_BACKFILL_NONE)
			p->backfill = HN_BACKFILL_DEEPER;
	}
	p->pooled_runs_sql = arg_text(a, ARG_POOLED_RUNS);
	p->fn_threshold = arg_double(a, ARG_FN_THRESHOLD);
	if (!(p->fn_threshold >= 0 && p->fn_threshold <= 1))
		bad_param("fn_threshold", "must be between 0 and 1",
				  "fn_threshold is a probability: candidates above it are dropped.");
}

/*
 * The output id type: bigint without id_type; with it, id_type's type, which
 * must be the one the parser resolved for the result (it is not when id_type
 * is named after other named arguments: PostgreSQL resolves polymorphic
 * results from the arguments in the order written).
 */
static void
parse_id_type(const Args *a, HnMineParams *p)
{
	FunctionCallInfo fcinfo = a->fcinfo;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			given;
	Form_pg_attribute att;

	p->id_type = INT8OID;
	if (a->shift == 0)
		return;
	given = get_fn_expr_argtype(fcinfo->flinfo, ARG_ID_TYPE_POS);
	if (!OidIsValid(given))
		bad_param("id_type", "has no resolvable type", "Pass a typed NULL, e.g. NULL::text.");
	p->id_type = given;
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) || rsinfo->expectedDesc == NULL)
		return;
	att = TupleDescAttr(rsinfo->expectedDesc, 0);
	if (att->atttypid != given && strcmp(NameStr(att->attname), "query_id") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("mine_hard_negatives: id_type %s does not match the resolved output type %s",
						format_type_be(given), format_type_be(att->atttypid)),
				 errhint("Pass id_type as the fourth argument, right after qrels, e.g. mine_hard_negatives(q, c, r, NULL::text, num_negatives => 5).")));
}

void
hn_mine_parse_params(FunctionCallInfo fcinfo, HnMineParams *p)
{
	Args		a;

	memset(p, 0, sizeof(*p));
	a.fcinfo = fcinfo;
	a.shift = PG_NARGS() == ARG_COUNT + 1 ? 1 : 0;
	if (PG_NARGS() != ARG_COUNT + a.shift)
		elog(ERROR, "mine_hard_negatives: unexpected number of arguments %d", PG_NARGS());
	parse_sources(&a, p);
	parse_window(&a, p);
	parse_filters(&a, p);
	parse_margin_mode(&a, p);
	parse_exclude(&a, p);
	parse_sampling(&a, p);
	parse_extras(&a, p);
	parse_id_type(&a, p);
}

/*
 * range_max derived as sentence-transformers v6 does, once max_positives is
 * known: range_min + num_negatives (x10 when a margin or max_score may thin
 * the pool) + max_positives.  min_score does not widen it.
 */
void
hn_mine_derive_range(HnMineParams *p)
{
	bool		thinning = p->absolute_margin.set || p->relative_margin.set ||
		p->max_score.set || p->percpos.set || p->margin_mode != HN_MARGIN_FIXED;
	int64		r;

	if (p->range_max_given)
		return;
	r = (int64) p->range_min + (thinning ? 10 : 1) * (int64) p->num_negatives +
		p->max_positives;
	if (r > 1000000)
		bad_param("range_max", "derived from the parameters exceeds 1000000",
				  "Give range_max explicitly.");
	p->range_max = (int) r;
}
