/*
 * settings_alias.c
 *		ivfsq.* settings, named the way pgvector names its index settings
 *		(ivfflat.probes, hnsw.iterative_scan), beside hardneg.ivfsq_*.
 *
 * PostgreSQL has no aliases for custom settings, and two settings sharing
 * one variable go wrong on RESET and transaction rollback (each restores its
 * own prior value into it).  So each ivfsq.<knob> has its own variable whose
 * default, 0, means "not set": the scan and the cost model read the
 * effective value (ivfsq.h: ivf_eff_*), the ivfsq name when it is set, else
 * the hardneg.ivfsq_* one.  SHOW ivfsq.<knob> shows the effective value.
 *
 * ivfsq.iterative_scan has no older name: relaxed_order (the default, and
 * what ivfsq always did) visits further lists when the first probes do not
 * yield enough rows (a WHERE filter); off stops after the first probes,
 * like pgvector with iterative scans off.
 */
#include "postgres.h"

#include <limits.h>

#include "index/ivfsq.h"
#include "utils/guc.h"

int			ivf_alias_probes = 0;
int			ivf_alias_rerank = 0;
int			ivf_alias_max_scan_tuples = 0;
int			ivf_iterative_scan = IVF_ITERATIVE_RELAXED;

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", IVF_ITERATIVE_OFF, false},
	{"relaxed_order", IVF_ITERATIVE_RELAXED, false},
	{NULL, 0, false}
};

/* SHOW and pg_settings print what a scan would use, not the 0 of "unset". */
static const char *
show_effective(int value)
{
	static char buf[16];		/* PostgreSQL copies a show hook's result */

	snprintf(buf, sizeof(buf), "%d", value);
	return buf;
}

static const char *
show_probes(void)
{
	return show_effective(ivf_eff_probes());
}

static const char *
show_rerank(void)
{
	return show_effective(ivf_eff_rerank());
}

static const char *
show_max_scan_tuples(void)
{
	return show_effective(ivf_eff_max_scan_tuples());
}

void
hn_index_alias_init(void)
{
	DefineCustomIntVariable("ivfsq.probes",
							"Lists an ivfsq scan visits first (pgvector-style name of hardneg.ivfsq_probes).",
							"0: use hardneg.ivfsq_probes; otherwise this value wins.",
							&ivf_alias_probes, 0, 0, IVF_MAX_LISTS,
							PGC_USERSET, 0, NULL, NULL, show_probes);
	DefineCustomIntVariable("ivfsq.rerank",
							"Candidates an ivfsq scan re-ranks exactly per batch (pgvector-style name of hardneg.ivfsq_rerank).",
							"0: use hardneg.ivfsq_rerank; otherwise this value wins.",
							&ivf_alias_rerank, 0, 0, 100000,
							PGC_USERSET, 0, NULL, NULL, show_rerank);
	DefineCustomIntVariable("ivfsq.max_scan_tuples",
							"Most rows one ivfsq scan returns (pgvector-style name of hardneg.ivfsq_max_scan_tuples).",
							"0: use hardneg.ivfsq_max_scan_tuples; otherwise this value wins.",
							&ivf_alias_max_scan_tuples, 0, 0, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, show_max_scan_tuples);
	DefineCustomEnumVariable("ivfsq.iterative_scan",
							 "Whether an ivfsq scan visits further lists when the first probes yield too few rows.",
							 "relaxed_order: keep visiting (rows stay in exact order within a batch); off: only the first probes.",
							 &ivf_iterative_scan, IVF_ITERATIVE_RELAXED, iterative_scan_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ivfsq");
}
