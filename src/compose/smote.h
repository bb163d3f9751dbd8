/*
 * smote.h
 *		Embedding-space oversampling (mining.md 5.6, F9).
 */
#ifndef HN_SMOTE_H
#define HN_SMOTE_H

#include "postgres.h"

/*
 * n_new[c] = synthetic items to make for class c (classes in byte order of
 * their names, count[c] members each) under an imbalanced-learn
 * sampling_strategy string; errors (22023) with a hint on bad input.
 */
extern void hn_smote_targets(const char *strategy, char **names, const int64 *count,
							 int nclass, int64 *n_new);

#endif							/* HN_SMOTE_H */
