/*
 * validate.c
 *		ivfsq operator class validator (amvalidate).
 *
 * An ivfsq operator class has exactly one ORDER BY operator (strategy 1,
 * embedding x embedding -> float8) and support function 1, which names the
 * metric.  Problems are reported as INFO and make the result false, the way
 * PostgreSQL's own validators do.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "index/ivfsq.h"
#include "utils/catcache.h"
#include "utils/syscache.h"

static bool
check_operators(Oid opfamily, const char *name)
{
	CatCList   *list = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamily));
	bool		ok = true;

	for (int i = 0; i < list->n_members; i++)
	{
		Form_pg_amop op = (Form_pg_amop) GETSTRUCT(&list->members[i]->tuple);

		if (op->amopstrategy != 1 || op->amoppurpose != AMOP_ORDER)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("ivfsq operator family \"%s\" has operator %u with strategy %d; only ORDER BY strategy 1 is supported",
							name, op->amopopr, op->amopstrategy)));
			ok = false;
		}
	}
	ReleaseCatCacheList(list);
	return ok;
}

static bool
check_support(Oid opfamily, const char *name)
{
	CatCList   *list = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamily));
	bool		found = false;
	bool		ok = true;

	for (int i = 0; i < list->n_members; i++)
	{
		Form_pg_amproc proc = (Form_pg_amproc) GETSTRUCT(&list->members[i]->tuple);

		if (proc->amprocnum == IVF_DISTANCE_PROC)
			found = true;
		else
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("ivfsq operator family \"%s\" has unknown support function number %d",
							name, proc->amprocnum)));
			ok = false;
		}
	}
	ReleaseCatCacheList(list);
	if (!found)
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("ivfsq operator family \"%s\" lacks support function 1 (the metric)", name)));
	return ok && found;
}

bool
ivfvalidate(Oid opclassoid)
{
	HeapTuple	tup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	Form_pg_opclass form;
	Oid			opfamily;
	char	   *name;
	bool		ok;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	form = (Form_pg_opclass) GETSTRUCT(tup);
	opfamily = form->opcfamily;
	name = pstrdup(NameStr(form->opcname));
	ReleaseSysCache(tup);
	ok = check_operators(opfamily, name);
	ok = check_support(opfamily, name) && ok;
	return ok;
}
