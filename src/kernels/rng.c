/*
 * rng.c
 *		Counter-based randomness (see rng.h).  Stateless by design.
 */
#include "postgres.h"

#include "kernels/rng.h"

static inline uint64
splitmix64(uint64 x)
{
	x += UINT64CONST(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

uint64
hn_hash64(uint64 seed, uint32 stream, uint64 a, uint64 b, uint64 draw)
{
	uint64		h = splitmix64(seed ^ ((uint64) stream << 56));

	h = splitmix64(h ^ a);
	h = splitmix64(h ^ b);
	return splitmix64(h ^ draw);
}

double
hn_uniform(uint64 seed, uint32 stream, uint64 a, uint64 b, uint64 draw)
{
	return (hn_hash64(seed, stream, a, b, draw) >> 11) * (1.0 / 9007199254740992.0);
}

double
hn_uniform_open(uint64 seed, uint32 stream, uint64 a, uint64 b, uint64 draw)
{
	return ((hn_hash64(seed, stream, a, b, draw) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* FNV-1a, then a final mix: stable, portable, byte-order independent. */
uint64
hn_hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64		h = UINT64CONST(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++)
	{
		h ^= p[i];
		h *= UINT64CONST(0x100000001b3);
	}
	return splitmix64(h);
}
