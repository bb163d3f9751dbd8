/*
 * methods.c
 *		Estimator sets ('propensity,knn') and how their probabilities combine.
 */
#include "postgres.h"

#include <math.h>

#include "falseneg/falseneg.h"

static const struct
{
	const char *name;
	int			bit;
}			fn_methods[] = {
	{"propensity", HN_FN_PROPENSITY},
	{"knn", HN_FN_KNN},
	{"teacher", HN_FN_TEACHER},
	{"calibrated", HN_FN_CALIBRATED},
};

static int
method_bit(const char *name, int len, const char *param)
{
	for (int i = 0; i < lengthof(fn_methods); i++)
		if ((int) strlen(fn_methods[i].name) == len &&
			pg_strncasecmp(fn_methods[i].name, name, len) == 0)
			return fn_methods[i].bit;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown false-negative estimator \"%.*s\" in %s", len, name, param),
			 errhint("Use 'none', 'auto' or a comma-separated list of 'propensity', 'knn', 'teacher' and 'calibrated'.")));
	return 0;					/* not reached */
}

int
hn_fn_parse_methods(const char *spec, const char *param)
{
	int			mask = HN_FN_NONE;
	const char *p = spec;

	if (pg_strcasecmp(spec, "none") == 0)
		return HN_FN_NONE;
	if (pg_strcasecmp(spec, "auto") == 0)
		return HN_FN_AUTO;
	while (*p)
	{
		const char *start;
		int			len,
					bit;

		while (*p == ' ' || *p == ',')
			p++;
		start = p;
		while (*p && *p != ',' && *p != ' ')
			p++;
		len = (int) (p - start);
		if (len == 0)
			break;
		bit = method_bit(start, len, param);
		if (mask & bit)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("false-negative estimator \"%.*s\" is listed twice in %s",
							len, start, param),
					 errhint("List each estimator once.")));
		mask |= bit;
	}
	if (mask == HN_FN_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s names no estimator", param),
				 errhint("Use 'none' or a list such as 'propensity,knn'.")));
	return mask;
}

/*
 * The maximum, not a product of odds: the estimators look at overlapping
 * evidence (the same judgments), so treating them as independent would
 * overcount; a negative is as suspicious as its most confident estimator.
 */
double
hn_fn_combine(const double *p, const bool *defined, int n)
{
	double		best = 0.0;

	for (int i = 0; i < n; i++)
		if (defined[i] && p[i] > best)
			best = p[i];
	return best;
}

void
hn_fn_check_threshold(double tau, const char *param)
{
	if (isnan(tau) || tau < 0.0 || tau > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 0 and 1, not %g", param, tau),
				 errhint("It is a probability: negatives with a larger p_false_negative are dropped.")));
}
