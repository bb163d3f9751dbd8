/*
 * embedding.h
 *		The embedding type: a float4 vector with pgvector's on-disk layout.
 *
 * The layout (varlena header, int16 dim, int16 unused, float4[]) is byte-for-
 * byte pgvector's "vector", which is what makes the casts between the two
 * binary-coercible.
 */
#ifndef HN_EMBEDDING_H
#define HN_EMBEDDING_H

#include "postgres.h"
#include "fmgr.h"
#include "pg_compat.h"

#define EMBEDDING_MAX_DIM 16000

typedef struct Embedding
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved, always zero */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} Embedding;

#define EMBEDDING_SIZE(dim)		(offsetof(Embedding, x) + sizeof(float) * (dim))
#define PG_GETARG_EMBEDDING_P(n) DatumGetEmbedding(PG_GETARG_DATUM(n))
#define PG_RETURN_EMBEDDING_P(e) PG_RETURN_POINTER(e)

/*
 * Detoasts only when needed: a plain in-line value (the common case in a
 * scan, for every embedding over 126 bytes) is used in place without the
 * out-of-line call PG_DETOAST_DATUM makes for every row.
 */
pg_noreturn extern void embedding_bad_header(const struct varlena *v);

/*
 * Trust no bytes: the dimension in a value's first bytes is believed only
 * when the varlena holds exactly that many floats.  Every reader of an
 * embedding (operators, casts, the reader, the index) comes through here, so
 * a forged or truncated value (a binary-coerced impostor, a 0.1.0 value with a
 * wrapped int16 dimension) raises data_corrupted instead of reading past its
 * end.  Two compares: cheap enough for every row of a scan.
 */
static inline Embedding *
embedding_checked(struct varlena *v)
{
	Embedding  *e = (Embedding *) v;

	if (unlikely(VARSIZE(v) < offsetof(Embedding, x) ||
				 e->dim < 1 || e->dim > EMBEDDING_MAX_DIM ||
				 VARSIZE(v) != EMBEDDING_SIZE(e->dim)))
		embedding_bad_header(v);
	return e;
}

static inline Embedding *
DatumGetEmbedding(Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (likely(!VARATT_IS_EXTENDED(v)))
		return embedding_checked(v);
	return embedding_checked(pg_detoast_datum(v));
}

extern Embedding *embedding_new(int dim);
extern void embedding_check_dim(int dim);
extern void embedding_check_element(float value);
pg_noreturn extern void embedding_dims_mismatch(const Embedding *a, const Embedding *b);
extern void embedding_check_typmod(int dim, int32 typmod);
extern void embedding_check_result(float value);
extern void embedding_check_value(const Embedding *e);

/* Inline: every distance call on every row of a scan goes through it. */
static inline void
embedding_check_same_dims(const Embedding *a, const Embedding *b)
{
	if (unlikely(a->dim != b->dim))
		embedding_dims_mismatch(a, b);
}

#endif							/* HN_EMBEDDING_H */
