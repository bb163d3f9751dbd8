/*
 * distance.h
 *		Vector distance kernels with run-time SIMD dispatch.
 *
 * Every distance in hardneg (the type's operators, the index, exact k-NN
 * re-ranking, mining, composition) goes through this table, so a speed-up or
 * a fix lands everywhere at once.  The implementation is chosen at load time
 * by CPU detection and can be forced with the GUC hardneg.simd
 * ('auto', 'portable', 'avx2', 'avx512') so tests can exercise each variant.
 *
 * All kernels accumulate in float with a fixed lane order, so a result does
 * not depend on the caller, only on the variant.
 */
#ifndef HN_DISTANCE_H
#define HN_DISTANCE_H

typedef struct HnDistanceKernels
{
	const char *name;
	float		(*dot) (const float *a, const float *b, int n);
	float		(*l2sq) (const float *a, const float *b, int n);
	float		(*l1) (const float *a, const float *b, int n);
	/* dot(a,b), |a|^2 and |b|^2 in one pass, for cosine */
	void		(*cosine_parts) (const float *a, const float *b, int n,
								 float *dot, float *aa, float *bb);
} HnDistanceKernels;

/* Registers hardneg.simd and picks the kernels for this CPU (_PG_init). */
extern void hn_kernels_init(void);

/* The active kernels; never NULL after hn_kernels_init(). */
extern const HnDistanceKernels *hn_distance;

static inline float
hn_dot(const float *a, const float *b, int n)
{
	return hn_distance->dot(a, b, n);
}

static inline float
hn_l2sq(const float *a, const float *b, int n)
{
	return hn_distance->l2sq(a, b, n);
}

static inline float
hn_l1(const float *a, const float *b, int n)
{
	return hn_distance->l1(a, b, n);
}

static inline float
hn_norm_sq(const float *a, int n)
{
	return hn_distance->dot(a, a, n);
}

/*
 * Cosine distance 1 - cos(a, b) in double, clamped to [0, 2]; NaN when either
 * vector has zero norm (the caller decides whether that is an error).
 */
extern double hn_cosine_distance(const float *a, const float *b, int n);

/* Distance metrics, shared by operators, k-NN, mining and the index. */
typedef enum HnMetric
{
	HN_METRIC_L2,				/* Euclidean distance; similarity = -distance */
	HN_METRIC_IP,				/* inner product; similarity = dot */
	HN_METRIC_COSINE			/* cosine; similarity = 1 - distance */
} HnMetric;

/* Parses 'l2' / 'ip' / 'inner_product' / 'cosine' or raises ERROR. */
extern HnMetric hn_metric_from_name(const char *name);
extern const char *hn_metric_name(HnMetric metric);

/* Similarity (higher = closer) of two vectors under a metric. */
extern float hn_similarity(HnMetric metric, const float *a, const float *b, int n);

/* Variant table lookups, for the GUC and tests. */
extern const HnDistanceKernels *hn_kernels_for(const char *variant);
extern bool hn_cpu_supports(const char *variant);

#endif							/* HN_DISTANCE_H */
