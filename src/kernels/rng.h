/*
 * rng.h
 *		Counter-based seeded randomness.
 *
 * Every random decision in hardneg is a pure function of
 * (seed, stream, a, b, draw): no generator state, so results do not depend on
 * scan order, plan shape or parallel workers (mining.md section 0).
 * Sampling without replacement uses priority keys: uniform key = u, weighted
 * key = -ln(u) / w (Efraimidis-Spirakis), keeping the k smallest keys.
 */
#ifndef HN_RNG_H
#define HN_RNG_H

#include "postgres.h"

#include <math.h>

/* Streams keep unrelated decisions independent under the same seed. */
typedef enum HnRngStream
{
	HN_STREAM_SAMPLE = 1,
	HN_STREAM_BACKFILL,
	HN_STREAM_MIX,
	HN_STREAM_KMEANS,
	HN_STREAM_BATCHES,
	HN_STREAM_SMOTE,
	HN_STREAM_RANDOMIZATION,
	HN_STREAM_BOOTSTRAP,
	HN_STREAM_INDEX,
	HN_STREAM_FUSION,
	HN_STREAM_CALIBRATE
} HnRngStream;

/* 64-bit mix of the key; SplitMix64 finaliser chained over the words. */
extern uint64 hn_hash64(uint64 seed, uint32 stream, uint64 a, uint64 b, uint64 draw);

/* Uniform double in [0, 1) with 53 random bits. */
extern double hn_uniform(uint64 seed, uint32 stream, uint64 a, uint64 b, uint64 draw);

/* Uniform in (0, 1): never 0, safe for logarithms. */
extern double hn_uniform_open(uint64 seed, uint32 stream, uint64 a, uint64 b, uint64 draw);

/* 64-bit hash of a byte string (for text ids), stable across platforms. */
extern uint64 hn_hash_bytes(const void *data, size_t len);

/* Efraimidis-Spirakis priority key: smaller = drawn first. */
static inline double
hn_priority_key(double u_open, double weight)
{
	return -log(u_open) / weight;
}

#endif							/* HN_RNG_H */
