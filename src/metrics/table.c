/*
 * table.c
 *		The table of measures, in trec_eval's output order, and the parsing of
 *		requested names: trec_eval's ("P.5,10", "ndcg.1=1,2=3", "all_trec")
 *		and ir_measures' ("nDCG@10", "AP", "RR@10", "Judged@10" ...).
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "kernels/order_stats.h"
#include "metrics/metrics.h"

#define CUTS_DEFAULT "5,10,15,20,30,100,200,500,1000"
#define RECALL_LEVELS "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1"

/*
 * trec_eval's table order (measures.c in 10.0) decides the output order.
 * runid and relstring are text, not numbers: they are not offered.
 */
static const HnMeasureDef measure_table[] = {
	{"num_q", HN_PARAM_NONE, NULL, hn_m_none, HN_SUMMARY_NUM_Q, false, true},
	{"num_ret", HN_PARAM_NONE, NULL, hn_m_num_ret, HN_SUMMARY_SUM, true, true},
	{"num_rel", HN_PARAM_NONE, NULL, hn_m_num_rel, HN_SUMMARY_SUM, true, true},
	{"num_rel_ret", HN_PARAM_NONE, NULL, hn_m_num_rel_ret, HN_SUMMARY_SUM, true, true},
	{"map", HN_PARAM_NONE, NULL, hn_m_map, HN_SUMMARY_MEAN, true, true},
	{"gm_map", HN_PARAM_NONE, NULL, hn_m_gm_map, HN_SUMMARY_GEOMETRIC, false, true},
	{"Rprec", HN_PARAM_NONE, NULL, hn_m_Rprec, HN_SUMMARY_MEAN, true, true},
	{"bpref", HN_PARAM_NONE, NULL, hn_m_bpref, HN_SUMMARY_MEAN, true, true},
	{"recip_rank", HN_PARAM_NONE, NULL, hn_m_recip_rank, HN_SUMMARY_MEAN, true, true},
	{"iprec_at_recall", HN_PARAM_FRACTIONS, RECALL_LEVELS, hn_m_iprec_at_recall, HN_SUMMARY_MEAN, true, true},
	{"P", HN_PARAM_CUTS, CUTS_DEFAULT, hn_m_P, HN_SUMMARY_MEAN, true, true},
	{"recall", HN_PARAM_CUTS, CUTS_DEFAULT, hn_m_recall, HN_SUMMARY_MEAN, true, true},
	{"infAP", HN_PARAM_NONE, NULL, hn_m_infAP, HN_SUMMARY_MEAN, true, true},
	{"gm_bpref", HN_PARAM_NONE, NULL, hn_m_gm_bpref, HN_SUMMARY_GEOMETRIC, false, true},
	{"Rprec_mult", HN_PARAM_FRACTIONS, "0.2,0.4,0.6,0.8,1.0,1.2,1.4,1.6,1.8,2.0", hn_m_Rprec_mult, HN_SUMMARY_MEAN, true, true},
	{"utility", HN_PARAM_NUMBERS, "1,-1,0,0", hn_m_utility, HN_SUMMARY_MEAN, true, true},
	{"11pt_avg", HN_PARAM_NUMBERS, RECALL_LEVELS, hn_m_11pt_avg, HN_SUMMARY_MEAN, true, true},
	{"binG", HN_PARAM_NONE, NULL, hn_m_binG, HN_SUMMARY_MEAN, true, true},
	{"G", HN_PARAM_PAIRS, NULL, hn_m_G, HN_SUMMARY_MEAN, true, true},
	{"dcg", HN_PARAM_PAIRS, NULL, hn_m_dcg, HN_SUMMARY_MEAN, true, false},
	{"ideal_dcg", HN_PARAM_PAIRS, NULL, hn_m_ideal_dcg, HN_SUMMARY_MEAN, true, false},
	{"ndcg", HN_PARAM_PAIRS, NULL, hn_m_ndcg, HN_SUMMARY_MEAN, true, true},
	{"ndcg_rel", HN_PARAM_PAIRS, NULL, hn_m_ndcg_rel, HN_SUMMARY_MEAN, true, true},
	{"Rndcg", HN_PARAM_PAIRS, NULL, hn_m_Rndcg, HN_SUMMARY_MEAN, true, true},
	{"ndcg_cut", HN_PARAM_CUTS, CUTS_DEFAULT, hn_m_ndcg_cut, HN_SUMMARY_MEAN, true, true},
	{"map_cut", HN_PARAM_CUTS, CUTS_DEFAULT, hn_m_map_cut, HN_SUMMARY_MEAN, true, true},
	{"relative_P", HN_PARAM_CUTS, CUTS_DEFAULT, hn_m_relative_P, HN_SUMMARY_MEAN, true, true},
	{"success", HN_PARAM_CUTS, "1,5,10", hn_m_success, HN_SUMMARY_MEAN, true, true},
	{"set_P", HN_PARAM_NONE, NULL, hn_m_set_P, HN_SUMMARY_MEAN, true, true},
	{"set_relative_P", HN_PARAM_NONE, NULL, hn_m_set_relative_P, HN_SUMMARY_MEAN, true, true},
	{"set_recall", HN_PARAM_NONE, NULL, hn_m_set_recall, HN_SUMMARY_MEAN, true, true},
	{"set_map", HN_PARAM_NONE, NULL, hn_m_set_map, HN_SUMMARY_MEAN, true, true},
	{"set_F", HN_PARAM_NUMBERS, "1", hn_m_set_F, HN_SUMMARY_MEAN, true, true},
	{"num_nonrel_judged_ret", HN_PARAM_NONE, NULL, hn_m_num_nonrel_judged_ret, HN_SUMMARY_SUM, true, true},
	{"rbp", HN_PARAM_PAIRS, NULL, hn_m_rbp, HN_SUMMARY_MEAN, true, true},
	{"rbp_resid", HN_PARAM_PAIRS, NULL, hn_m_rbp_resid, HN_SUMMARY_MEAN, true, true},
	{"unj", HN_PARAM_CUTS, "5,10,20", hn_m_unj, HN_SUMMARY_MEAN, true, true},
	/* hardneg additions for ir_measures names without a trec_eval twin */
	{"recip_rank_cut", HN_PARAM_CUTS, "10", hn_m_recip_rank_cut, HN_SUMMARY_MEAN, true, false},
	{"judged", HN_PARAM_CUTS, "10", hn_m_judged, HN_SUMMARY_MEAN, true, false},
};

/* ir_measures names: "X" or "X@k" -> a table measure. */
typedef struct Alias
{
	const char *name;
	const char *measure;
	bool		at;				/* takes @k (or @r for IPrec) */
} Alias;

static const Alias aliases[] = {
	{"AP", "map", false}, {"AP", "map_cut", true}, {"GMAP", "gm_map", false},
	{"nDCG", "ndcg", false}, {"nDCG", "ndcg_cut", true}, {"P", "P", true},
	{"R", "recall", true}, {"RR", "recip_rank", false}, {"RR", "recip_rank_cut", true},
	{"Judged", "judged", true}, {"Rprec", "Rprec", false}, {"Bpref", "bpref", false},
	{"infAP", "infAP", false}, {"Success", "success", true}, {"NumRet", "num_ret", false},
	{"NumRel", "num_rel", false}, {"NumRelRet", "num_rel_ret", false}, {"NumQ", "num_q", false},
	{"SetP", "set_P", false}, {"SetR", "set_recall", false}, {"SetF", "set_F", false},
	{"SetAP", "set_map", false}, {"IPrec", "iprec_at_recall", true}, {"RBP", "rbp", false},
};

static const char *const official_set[] = {
	"num_q", "num_ret", "num_rel", "num_rel_ret", "map", "gm_map", "Rprec", "bpref",
	"recip_rank", "iprec_at_recall", "P", NULL
};
static const char *const set_set[] = {
	"num_q", "num_ret", "num_rel", "num_rel_ret", "utility", "set_P", "set_recall",
	"set_relative_P", "set_map", "set_F", NULL
};

const HnMeasureDef *
hn_measure_table(int *n)
{
	*n = lengthof(measure_table);
	return measure_table;
}

static int
find_def(const char *name)
{
	for (int i = 0; i < lengthof(measure_table); i++)
		if (strcmp(measure_table[i].name, name) == 0)
			return i;
	return -1;
}

static void
unknown_measure(const char *name)
{
	StringInfoData valid;

	initStringInfo(&valid);
	appendStringInfoString(&valid, "official, all_trec, set");
	for (int i = 0; i < lengthof(measure_table); i++)
		appendStringInfo(&valid, ", %s", measure_table[i].name);
	for (int i = 0; i < lengthof(aliases); i++)
		appendStringInfo(&valid, ", %s%s", aliases[i].name, aliases[i].at ? "@k" : "");
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown measure \"%s\"", name),
			 errhint("Valid measures: %s.  Parameters follow a dot (P.5,10) or an @ (P@5).",
					 valid.data)));
}

static void
bad_param(const char *measure, const char *param, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid parameter \"%s\" of measure \"%s\": %s", param, measure, why),
			 errhint("Cut-offs are positive integers without duplicates (P.5,10); "
					 "recall levels are numbers (iprec_at_recall.0.5); "
					 "gains are grade=gain pairs (ndcg.1=1,2=3).")));
}

static double
parse_number(const char *measure, const char *s)
{
	char	   *end;
	double		v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v))
		bad_param(measure, s, "not a number");
	return v;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Splits a comma-separated list in place. */
static int
split_list(char *s, char ***items)
{
	int			n = 1;
	int			i = 0;

	for (char *p = s; *p; p++)
		if (*p == ',')
			n++;
	*items = palloc(sizeof(char *) * n);
	(*items)[i++] = s;
	for (char *p = s; *p; p++)
		if (*p == ',')
		{
			*p = '\0';
			(*items)[i++] = p + 1;
		}
	return n;
}

static void
parse_cuts(HnMeasure *m, const char *mname, char *params)
{
	char	  **items;
	int			n = split_list(params, &items);

	m->cuts = palloc(sizeof(int64) * n);
	for (int i = 0; i < n; i++)
	{
		char	   *end;

		errno = 0;
		m->cuts[i] = strtoll(items[i], &end, 10);
		if (end == items[i] || *end != '\0' || errno != 0)
			bad_param(mname, items[i], "not an integer cut-off");
		if (m->cuts[i] <= 0)
			bad_param(mname, items[i], "cut-offs must be positive");
	}
	qsort(m->cuts, n, sizeof(int64), cmp_int64);
	for (int i = 1; i < n; i++)
		if (m->cuts[i] == m->cuts[i - 1])
			bad_param(mname, items[i], "duplicate cut-off");
	m->ncuts = n;
}

static void
parse_numbers(HnMeasure *m, const char *mname, char *params, bool sorted)
{
	char	  **items;
	int			n = split_list(params, &items);

	m->numbers = palloc(sizeof(double) * n);
	for (int i = 0; i < n; i++)
		m->numbers[i] = parse_number(mname, items[i]);
	if (sorted)
	{
		hn_sort_doubles(m->numbers, n);
		for (int i = 1; i < n; i++)
			if (m->numbers[i] == m->numbers[i - 1])
				bad_param(mname, items[i], "duplicate cut-off");
	}
	m->nnumbers = n;
}

static void
parse_pairs(HnMeasure *m, const char *mname, char *params)
{
	char	  **items;
	int			n = split_list(params, &items);

	m->pairs = palloc(sizeof(HnPair) * n);
	for (int i = 0; i < n; i++)
	{
		char	   *eq = strchr(items[i], '=');

		if (eq == NULL || eq == items[i])
			bad_param(mname, items[i], "expected name=value");
		*eq = '\0';
		m->pairs[i].name = items[i];
		m->pairs[i].value = parse_number(mname, eq + 1);
	}
	m->npairs = n;
}

/* Fills params (given or default) and the output names of m. */
static void
build_measure(HnMeasure *m, int def, const char *given, const char *alias_name)
{
	const HnMeasureDef *d = &measure_table[def];
	const char *src = given ? given : d->defaults;
	char	   *params = src ? pstrdup(src) : NULL;

	m->def = d;
	m->order = def;
	if (d->params == HN_PARAM_NONE && given != NULL)
		bad_param(d->name, given, "this measure takes no parameters");
	switch (d->params)
	{
		case HN_PARAM_NONE:
			break;
		case HN_PARAM_CUTS:
			parse_cuts(m, d->name, params);
			break;
		case HN_PARAM_FRACTIONS:
			parse_numbers(m, d->name, params, true);
			break;
		case HN_PARAM_NUMBERS:
			parse_numbers(m, d->name, params, false);
			break;
		case HN_PARAM_PAIRS:
			if (params)
				parse_pairs(m, d->name, params);
			break;
	}
	if (strcmp(d->name, "utility") == 0 && m->nnumbers != 4)
		bad_param(d->name, given, "utility takes four coefficients");
	if (strcmp(d->name, "set_F") == 0 && m->nnumbers != 1)
		bad_param(d->name, given, "set_F takes one beta");

	m->nvalues = d->params == HN_PARAM_CUTS ? m->ncuts :
		d->params == HN_PARAM_FRACTIONS ? m->nnumbers : 1;
	m->names = palloc(sizeof(char *) * m->nvalues);
	for (int v = 0; v < m->nvalues; v++)
	{
		if (alias_name)
			m->names[v] = pstrdup(alias_name);
		else if (d->params == HN_PARAM_CUTS)
			m->names[v] = psprintf("%s_" INT64_FORMAT, d->name, m->cuts[v]);
		else if (d->params == HN_PARAM_FRACTIONS)
			m->names[v] = psprintf("%s_%.2f", d->name, m->numbers[v]);
		else if (given)
			m->names[v] = psprintf("%s_%s", d->name, given);
		else
			m->names[v] = pstrdup(d->name);
	}
}

typedef struct Requests
{
	int			n;
	int			cap;
	HnMeasure  *items;
} Requests;

static HnMeasure *
new_request(Requests *r)
{
	if (r->n == r->cap)
	{
		r->cap = r->cap ? r->cap * 2 : 16;
		r->items = r->items ? repalloc(r->items, sizeof(HnMeasure) * r->cap)
			: palloc(sizeof(HnMeasure) * r->cap);
	}
	memset(&r->items[r->n], 0, sizeof(HnMeasure));
	return &r->items[r->n++];
}

/*
 * name is an ir_measures name "X" or "X@k"; its rows are called display.
 * given, when not NULL, replaces the parameters (RBP's "p=0.8").
 */
static bool
add_alias_as(Requests *r, const char *name, const char *display, const char *given)
{
	const char *at = strchr(name, '@');
	size_t		base_len = at ? (size_t) (at - name) : strlen(name);

	for (int i = 0; i < lengthof(aliases); i++)
	{
		if (strlen(aliases[i].name) != base_len ||
			strncmp(aliases[i].name, name, base_len) != 0 ||
			aliases[i].at != (at != NULL))
			continue;
		if (at && at[1] == '\0')
			bad_param(name, "", "missing value after @");
		build_measure(new_request(r), find_def(aliases[i].measure), at ? at + 1 : given, display);
		return true;
	}
	return false;
}

static bool
add_alias(Requests *r, const char *name)
{
	return add_alias_as(r, name, name, NULL);
}

/* An ir_measures parameter value: surrounding blanks and quotes ('log2', "log2") dropped. */
static char *
irm_value(char *v)
{
	size_t		n;

	while (*v == ' ')
		v++;
	n = strlen(v);
	while (n > 0 && v[n - 1] == ' ')
		v[--n] = '\0';
	if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0])
	{
		v[n - 1] = '\0';
		v++;
	}
	return v;
}

static void
irm_unsupported(const char *name, const char *param, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("ir_measures parameter \"%s\" of measure \"%s\" is not supported", param, name),
			 errhint("%s", hint)));
}

/*
 * ir_measures' parameter form "X(param=value, ...)" or "X(...)@k": cutoff
 * (the same as @k), p (RBP's persistence), dcg='log2' (nDCG; trec_eval's
 * only discount).  rel and judged_only hold for the whole call here, so
 * they are refused with the trec_eval() argument that does it.  The rows
 * keep the name as written.
 */
static bool
add_irm_params(Requests *r, const char *name)
{
	char	   *base = pstrdup(name);
	char	   *open = strchr(base, '(');
	char	   *close = open ? strrchr(open, ')') : NULL;
	char	  **items;
	int			n;
	char	   *cut = NULL;
	char	   *pairs = NULL;
	StringInfoData canon;

	if (open == NULL)
		return false;
	if (close == NULL || (close[1] != '\0' && (close[1] != '@' || close[2] == '\0')))
		bad_param(name, open, "expected X(param=value, ...) or X(param=value, ...)@k");
	*open = '\0';
	*close = '\0';
	if (close[1] == '@')
		cut = close + 2;
	n = strspn(open + 1, " ") == strlen(open + 1) ? 0 : split_list(open + 1, &items);
	for (int i = 0; i < n; i++)
	{
		char	   *eq = strchr(items[i], '=');
		char	   *key,
				   *val;

		if (eq == NULL)
			bad_param(name, items[i], "expected param=value");
		*eq = '\0';
		key = irm_value(items[i]);
		val = irm_value(eq + 1);
		if (strcmp(key, "cutoff") == 0)
		{
			if (cut && strcmp(cut, val) != 0)
				bad_param(name, val, "the cutoff differs from the one after @");
			cut = val;
		}
		else if (strcmp(key, "p") == 0 && strcmp(base, "RBP") == 0)
			pairs = psprintf("p=%s", val);
		else if (strcmp(key, "dcg") == 0 && strcmp(base, "nDCG") == 0)
		{
			if (strcmp(val, "log2") != 0)
				irm_unsupported(name, key, "trec_eval's nDCG discounts by log2 with linear gains: "
								"dcg='log2' is the only form; give other gains as ndcg.1=1,2=3.");
		}
		else if (strcmp(key, "rel") == 0)
			irm_unsupported(name, key, "The relevance level holds for every measure of a call: "
							"pass relevance_level => N to trec_eval().");
		else if (strcmp(key, "judged_only") == 0)
			irm_unsupported(name, key, "Pass judged_only => true to trec_eval(); it holds for every measure of the call.");
		else
			irm_unsupported(name, key, "Supported here: cutoff (as @k), p for RBP, dcg='log2' for nDCG.");
	}
	initStringInfo(&canon);
	appendStringInfoString(&canon, base);
	if (cut)
		appendStringInfo(&canon, "@%s", cut);
	return add_alias_as(r, canon.data, name, pairs);
}

static void
add_named_set(Requests *r, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		build_measure(new_request(r), find_def(names[i]), NULL, NULL);
}

static void
add_request(Requests *r, const char *name)
{
	char	   *base = pstrdup(name);
	char	   *dot = strchr(base, '.');
	int			def;

	if (strcmp(name, "official") == 0)
		add_named_set(r, official_set);
	else if (strcmp(name, "set") == 0)
		add_named_set(r, set_set);
	else if (strcmp(name, "all_trec") == 0)
	{
		for (int i = 0; i < lengthof(measure_table); i++)
			if (measure_table[i].in_all_trec)
				build_measure(new_request(r), i, NULL, NULL);
	}
	else
	{
		if (dot)
			*dot = '\0';
		def = find_def(base);
		if (def >= 0 && !(dot && dot[1] == '\0'))
			build_measure(new_request(r), def, dot ? dot + 1 : NULL, NULL);
		else if (!add_irm_params(r, name) && !add_alias(r, name))
			unknown_measure(name);
	}
}

static int
cmp_measure_order(const void *a, const void *b)
{
	const HnMeasure *x = a,
			   *y = b;

	return x->order - y->order;
}

/*
 * Parses the requested names into measures in output order.  A value name
 * requested twice (all_trec and P.5) is computed once.
 */
HnMeasureSet *
hn_measures_parse(char **names, int nnames)
{
	Requests	r = {0};
	HnMeasureSet *set = palloc0(sizeof(HnMeasureSet));

	if (nnames == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no measure requested"),
				 errhint("Pass e.g. '{official}', '{all_trec}' or '{map,ndcg_cut.10}'.")));
	for (int i = 0; i < nnames; i++)
		add_request(&r, names[i]);
	/* stable: requests of one measure keep their order */
	for (int i = 0; i < r.n; i++)
		r.items[i].offset = i;
	qsort(r.items, r.n, sizeof(HnMeasure), cmp_measure_order);
	for (int i = 1; i < r.n; i++)
		for (int j = i; j > 0 && r.items[j].order == r.items[j - 1].order &&
			 r.items[j].offset < r.items[j - 1].offset; j--)
		{
			HnMeasure	t = r.items[j];

			r.items[j] = r.items[j - 1];
			r.items[j - 1] = t;
		}
	set->measures = palloc(sizeof(HnMeasure) * r.n);
	for (int i = 0; i < r.n; i++)
	{
		bool		dup = false;

		for (int j = 0; j < set->nmeasures && !dup; j++)
			dup = set->measures[j].nvalues == r.items[i].nvalues &&
				strcmp(set->measures[j].names[0], r.items[i].names[0]) == 0 &&
				strcmp(set->measures[j].names[r.items[i].nvalues - 1],
					   r.items[i].names[r.items[i].nvalues - 1]) == 0;
		if (dup)
			continue;
		set->measures[set->nmeasures] = r.items[i];
		set->measures[set->nmeasures].offset = set->nvalues;
		set->nvalues += r.items[i].nvalues;
		set->nmeasures++;
	}
	return set;
}
