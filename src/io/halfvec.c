/*
 * halfvec.c
 *		pgvector's halfvec as an input vector: recognised by its extension,
 *		decoded from IEEE 754 binary16 to float4.
 *
 * The layout is pgvector's: varlena header, int16 dim, int16 unused, then
 * dim 2-byte halves.  Every half is exactly representable as a float4, so
 * the conversion loses nothing; it is done bit by bit, not with the F16C
 * instructions, because builds must run on any x86-64 or arm64 CPU and a
 * reader pass is not where time goes.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "io/halfvec.h"
#include "utils/syscache.h"

typedef struct HalfvecHeader
{
	int32		vl_len_;
	int16		dim;
	int16		unused;
	uint16		x[FLEXIBLE_ARRAY_MEMBER];
} HalfvecHeader;

#define HALFVEC_MAX_DIM 16000

/* pgvector's halfvec: the varlena type named halfvec of extension "vector". */
bool
hn_is_halfvec_type(Oid typid)
{
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	bool		named;
	Oid			ext;
	char	   *extname;

	if (!HeapTupleIsValid(tup))
		return false;
	named = ((Form_pg_type) GETSTRUCT(tup))->typlen == -1 &&
		strcmp(NameStr(((Form_pg_type) GETSTRUCT(tup))->typname), "halfvec") == 0;
	ReleaseSysCache(tup);
	if (!named)
		return false;
	ext = getExtensionOfObject(TypeRelationId, typid);
	extname = OidIsValid(ext) ? get_extension_name(ext) : NULL;
	return extname != NULL && strcmp(extname, "vector") == 0;
}

/* IEEE 754 binary16 -> float4, exact for every input (NaN stays NaN). */
float
hn_half_to_float(uint16 h)
{
	uint32		sign = (uint32) (h & 0x8000) << 16;
	uint32		exp = (h >> 10) & 0x1f;
	uint32		mant = h & 0x3ff;
	uint32		bits;
	float		f;

	if (exp == 0x1f)			/* Inf, NaN */
		bits = sign | 0x7f800000 | (mant << 13);
	else if (exp != 0)			/* normal: rebias 15 -> 127 */
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	else if (mant == 0)			/* signed zero */
		bits = sign;
	else
	{
		/* subnormal half: normalise, it is a normal float */
		exp = 113;
		while ((mant & 0x400) == 0)
		{
			mant <<= 1;
			exp--;
		}
		bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
	}
	memcpy(&f, &bits, sizeof(f));
	return f;
}

/*
 * Decodes one halfvec into a palloc'd float array (the caller's context).
 * The size is checked against the header before a byte is read: a value
 * that is not a halfvec (or a damaged one) is an error, never a stray read.
 */
float *
hn_halfvec_to_floats(Datum value, int *dim)
{
	struct varlena *v = PG_DETOAST_DATUM(value);
	HalfvecHeader *h = (HalfvecHeader *) v;
	Size		size = VARSIZE(v);	/* detoasted: a 4-byte header */
	float	   *out;

	if (size < offsetof(HalfvecHeader, x) ||
		h->dim < 1 || h->dim > HALFVEC_MAX_DIM ||
		size != offsetof(HalfvecHeader, x) + sizeof(uint16) * (Size) h->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid halfvec value of %zu bytes", size),
				 errhint("A halfvec holds 8 header bytes and 2 bytes per dimension.")));
	*dim = h->dim;
	out = palloc(sizeof(float) * h->dim);
	for (int i = 0; i < h->dim; i++)
		out[i] = hn_half_to_float(h->x[i]);
	return out;
}
