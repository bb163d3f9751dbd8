/*
 * sampling_strategy.c
 *		How many synthetic items smote() makes per class: imbalanced-learn
 *		0.10's sampling_strategy rules ('auto', 'minority', 'not minority',
 *		'not majority', 'all', a float ratio for two classes, or a JSON
 *		object of target counts per class).
 */
#include "postgres.h"

#include <math.h>

#include "compose/smote.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

/* imblearn: max()/min() over a dict in sorted class order keep the first. */
static int
extreme_class(const int64 *count, int nclass, bool largest)
{
	int			best = 0;

	for (int c = 1; c < nclass; c++)
		if (largest ? count[c] > count[best] : count[c] < count[best])
			best = c;
	return best;
}

static int
class_index(char **names, int nclass, const char *name)
{
	for (int c = 0; c < nclass; c++)
		if (strcmp(names[c], name) == 0)
			return c;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("sampling_strategy names the class \"%s\", which no item has", name),
			 errhint("Keys of the JSON object must be values of the class column.")));
	return -1;					/* keep the compiler quiet */
}

static void
targets_from_json(const char *s, char **names, const int64 *count, int nclass, int64 *n_new)
{
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s)));
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			cls = -1;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sampling_strategy JSON must be an object"),
				 errhint("Write {\"class\": target_count, ...}.")));
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			cls = class_index(names, nclass, pnstrdup(v.val.string.val, v.val.string.len));
		else if (tok == WJB_VALUE)
		{
			int64		target;

			if (v.type != jbvNumeric)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("sampling_strategy target of class \"%s\" is not a number", names[cls]),
						 errhint("Give each class the number of items it should have after oversampling.")));
			target = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(v.val.numeric)));
			if (target < count[cls])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("sampling_strategy asks class \"%s\" for " INT64_FORMAT " items, fewer than its " INT64_FORMAT,
								names[cls], target, count[cls]),
						 errhint("Oversampling only adds items: the target must be at least the class size.")));
			n_new[cls] = target - count[cls];
		}
	}
}

static void
targets_from_ratio(double ratio, const int64 *count, int nclass, int64 *n_new)
{
	int			maj = extreme_class(count, nclass, true);

	if (nclass != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a ratio sampling_strategy needs exactly two classes, not %d", nclass),
				 errhint("Use a JSON object of target counts per class.")));
	if (!(ratio > 0 && ratio <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sampling_strategy ratio must be in (0, 1], not %g", ratio),
				 errhint("The ratio is the minority count wanted over the majority count.")));
	for (int c = 0; c < nclass; c++)
	{
		if (c == maj)
			continue;
		n_new[c] = (int64) (count[maj] * ratio - count[c]);
		if (n_new[c] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sampling_strategy ratio %g would remove items from the minority class", ratio),
					 errhint("Pass a ratio of at least the current minority/majority ratio.")));
	}
}

void
hn_smote_targets(const char *strategy, char **names, const int64 *count, int nclass,
				 int64 *n_new)
{
	int			maj = extreme_class(count, nclass, true);
	int			min = extreme_class(count, nclass, false);
	char	   *end;
	double		ratio;

	memset(n_new, 0, sizeof(int64) * nclass);
	if (strchr(strategy, '{'))
		return targets_from_json(strategy, names, count, nclass, n_new);
	ratio = strtod(strategy, &end);
	if (end != strategy && *end == '\0')
		return targets_from_ratio(ratio, count, nclass, n_new);
	for (int c = 0; c < nclass; c++)
	{
		bool		take;

		if (strcmp(strategy, "auto") == 0 || strcmp(strategy, "not majority") == 0)
			take = c != maj;
		else if (strcmp(strategy, "minority") == 0)
			take = c == min;
		else if (strcmp(strategy, "not minority") == 0)
			take = c != min;
		else if (strcmp(strategy, "all") == 0)
			take = true;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown sampling_strategy \"%s\"", strategy),
					 errhint("Use 'auto', 'minority', 'not minority', 'not majority', 'all', a ratio such as '0.5', or a JSON object of target counts.")));
		if (take)
			n_new[c] = count[maj] - count[c];
	}
}
