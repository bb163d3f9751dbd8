/*
 * pg_compat.h
 *		What differs between the PostgreSQL major versions hardneg builds on.
 *
 * The suite passes on 15, 16 and 18 (README.md's version table, from
 * test/pgversions.sh; 17 not run yet); 15 is the oldest, the minimum that
 * META.json states (test/cluster.d/meta checks both against the guard below).
 * Calls are written once, against the newest API; this header gives older
 * servers the newer spellings, so each version test lives here and not at
 * every call site.  Struct fields that exist only in some versions (the
 * IndexAmRoutine flags) are set under their own guard where the struct is
 * filled, as PostgreSQL's own access methods do.
 */
#ifndef HN_PG_COMPAT_H
#define HN_PG_COMPAT_H

#include "postgres.h"

/* Nothing older is built or tested: refuse it here rather than half-build. */
#if PG_VERSION_NUM < 150000
#error "hardneg needs PostgreSQL 15 or later"
#endif

/* 16 moved the varlena macros (VARSIZE, SET_VARSIZE, ...) out of postgres.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * 18 replaced the postfix pg_attribute_noreturn() by the prefix pg_noreturn
 * (C11 _Noreturn).  Tested by name, not version: a minor release may carry it.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * 16 renamed RelFileNode to RelFileLocator: the physical identity of a
 * relation's storage, as log_newpage() takes it.
 */
#if PG_VERSION_NUM >= 160000
#define HN_SMGR_LOCATOR(smgr)	(&(smgr)->smgr_rlocator.locator)
#else
#define HN_SMGR_LOCATOR(smgr)	(&(smgr)->smgr_rnode.node)
#endif

/* 18: vacuum_delay_point() takes whether ANALYZE is the caller. */
#if PG_VERSION_NUM >= 180000
#define hn_vacuum_delay_point()	vacuum_delay_point(false)
#else
#define hn_vacuum_delay_point()	vacuum_delay_point()
#endif

/*
 * 16 replaced the per-catalog owner checks (pg_class_ownercheck,
 * pg_type_ownercheck, ...) by object_ownercheck(classid, ...).  Before 16,
 * the catalogs hardneg checks ownership in are mapped to their old functions.
 */
#if PG_VERSION_NUM < 160000
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"

static inline bool
object_ownercheck(Oid classid, Oid objectid, Oid roleid)
{
	if (classid == TypeRelationId)
		return pg_type_ownercheck(objectid, roleid);
	if (classid == RelationRelationId)
		return pg_class_ownercheck(objectid, roleid);
	elog(ERROR, "object_ownercheck: catalog %u is not mapped for this server version", classid);
	return false;				/* keep the compiler quiet */
}
#endif

#endif							/* HN_PG_COMPAT_H */
