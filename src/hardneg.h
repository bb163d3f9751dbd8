/*
 * hardneg.h
 *		Module-wide declarations.
 *
 * _PG_init (src/hardneg.c) calls one init function per concern, so each part
 * registers its own GUCs in the "hardneg." namespace next to its code; each
 * concern's header declares its own init (kernels/distance.h,
 * kernels/exact_knn.h, io/progress.h, index/ivfsq.h).
 */
#ifndef HARDNEG_H
#define HARDNEG_H

#include "postgres.h"

#define HARDNEG_VERSION "0.2.0"


#endif							/* HARDNEG_H */
