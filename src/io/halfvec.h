/*
 * halfvec.h
 *		Reading pgvector's half-precision halfvec as an input vector.
 */
#ifndef HN_HALFVEC_H
#define HN_HALFVEC_H

#include "postgres.h"

extern bool hn_is_halfvec_type(Oid typid);
extern float *hn_halfvec_to_floats(Datum value, int *dim);
extern float hn_half_to_float(uint16 h);

#endif							/* HN_HALFVEC_H */
