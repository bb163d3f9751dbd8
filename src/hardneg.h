/*
 * hardneg.h
 *		Module-wide declarations: initialisation hooks of each concern.
 *
 * _PG_init (src/hardneg.c) calls one init function per concern, so each part
 * registers its own GUCs in the "hardneg." namespace next to its code.
 */
#ifndef HARDNEG_H
#define HARDNEG_H

#include "postgres.h"

#define HARDNEG_VERSION "0.2.0"

extern void hn_kernels_init(void);
extern void hn_index_init(void);	/* src/index/ivfsq.c */

#endif							/* HARDNEG_H */
