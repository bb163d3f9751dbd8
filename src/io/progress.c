/*
 * progress.c
 *		NOTICE lines for hardneg.progress (see progress.h).
 */
#include "postgres.h"

#include "io/progress.h"
#include "utils/guc.h"

static bool hn_progress_setting = false;

bool
hn_progress_enabled(void)
{
	return hn_progress_setting;
}

void
hn_progress_init(void)
{
	DefineCustomBoolVariable("hardneg.progress",
							 "Report the progress of long hardneg calls as NOTICEs.",
							 NULL,
							 &hn_progress_setting,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}

void
hn_progress_begin(HnProgress *pr, const char *what, const char *unit, int64 total)
{
	pr->on = hn_progress_enabled();
	pr->what = what;
	pr->unit = unit;
	pr->total = total;
	INSTR_TIME_SET_CURRENT(pr->start);
	pr->last = pr->start;
}

static void
report(HnProgress *pr, int64 done, const char *detail)
{
	instr_time	now;
	char		total[32] = "";
	char		left[48] = "";
	double		secs;

	INSTR_TIME_SET_CURRENT(pr->last);
	now = pr->last;
	INSTR_TIME_SUBTRACT(now, pr->start);
	secs = INSTR_TIME_GET_DOUBLE(now);
	if (pr->total >= 0)
		snprintf(total, sizeof(total), " of " INT64_FORMAT, pr->total);
	/* at the rate so far: the work left of this phase, not of the whole call */
	if (pr->total > 0 && done > 0 && done < pr->total)
		snprintf(left, sizeof(left), ", about %.0f s left",
				 secs * (double) (pr->total - done) / (double) done);
	ereport(NOTICE,
			(errmsg("%s: " INT64_FORMAT "%s %s%s%s, %.1f s%s", pr->what, done, total, pr->unit,
					detail ? ", " : "", detail ? detail : "", secs, left)));
}

void
hn_progress_tick(HnProgress *pr, int64 done, const char *detail)
{
	instr_time	now;

	if (!pr->on)
		return;
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, pr->last);
	if (INSTR_TIME_GET_DOUBLE(now) >= 1.0)
		report(pr, done, detail);
}

void
hn_progress_end(HnProgress *pr, int64 done, const char *detail)
{
	if (pr->on)
		report(pr, done, detail);
}
