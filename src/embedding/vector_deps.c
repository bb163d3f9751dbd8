/*
 * vector_deps.c
 *		hardneg_vector_cast_depend(): makes a free-standing cast between
 *		embedding and pgvector's vector go with DROP EXTENSION hardneg.
 *
 * The casts cannot be extension members (see src/sql/10_embedding.sql), so
 * without more the cast would hold on to the embedding type and DROP
 * EXTENSION hardneg would fail, its hint pointing to a CASCADE that drops
 * every embedding column.  An automatic dependency of the cast on the
 * extension lets the drop take the cast along, while DROP EXTENSION vector
 * still only takes the cast (the dependency points from the cast, not to it).
 * SQL has no statement that records one for a cast, hence this function.
 */
#include "postgres.h"

#include "catalog/dependency.h"
#include "catalog/pg_cast.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pg_compat.h"
#include "utils/acl.h"
#include "utils/syscache.h"

/* true when typid is a member of the extension extoid */
static bool
type_of_extension(Oid typid, Oid extoid)
{
	return getExtensionOfObject(TypeRelationId, typid) == extoid;
}

PG_FUNCTION_INFO_V1(hardneg_vector_cast_depend);
Datum
hardneg_vector_cast_depend(PG_FUNCTION_ARGS)
{
	Oid			source = PG_GETARG_OID(0);
	Oid			target = PG_GETARG_OID(1);
	Oid			extoid = get_extension_oid("hardneg", false);
	Oid			ours;
	Oid			castoid;
	ObjectAddress cast;
	ObjectAddress ext;

	if (type_of_extension(source, extoid))
		ours = source;
	else if (type_of_extension(target, extoid))
		ours = target;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("neither type of the cast is a type of the hardneg extension"),
				 errhint("Pass a cast from or to hardneg's embedding type.")));
	/* the cast is as much its type owner's as CREATE CAST requires */
	if (!object_ownercheck(TypeRelationId, ours, GetUserId()))
		aclcheck_error_type(ACLCHECK_NOT_OWNER, ours);
	castoid = GetSysCacheOid2(CASTSOURCETARGET, Anum_pg_cast_oid,
							  ObjectIdGetDatum(source), ObjectIdGetDatum(target));
	if (!OidIsValid(castoid))
		PG_RETURN_BOOL(false);
	ObjectAddressSet(cast, CastRelationId, castoid);
	ObjectAddressSet(ext, ExtensionRelationId, extoid);
	/* idempotent: drop an earlier record of the same dependency first */
	deleteDependencyRecordsForSpecific(CastRelationId, castoid, DEPENDENCY_AUTO,
									   ExtensionRelationId, extoid);
	recordDependencyOn(&cast, &ext, DEPENDENCY_AUTO);
	PG_RETURN_BOOL(true);
}
