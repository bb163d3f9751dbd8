/*
 * quant.h
 *		Scalar-quantised (8-bit code x 8-bit query) dot products with run-time
 *		SIMD dispatch, for scanning compressed vectors (the ANN index).
 *
 * Codes are unsigned bytes 0..255; the query is quantised to signed bytes in
 * [-HN_QUERY_QMAX, HN_QUERY_QMAX].  The bound keeps every pairwise sum of two
 * products inside int16 (2 * 255 * 63 < 32767), which is what the AVX2
 * multiply-add of unsigned by signed bytes needs to stay exact.  Results are
 * exact integers, so every variant returns the same value.
 */
#ifndef HN_QUANT_H
#define HN_QUANT_H

#include "postgres.h"

#define HN_QUERY_QMAX 63

/* sum_i code[i] * q[i], exact. */
typedef int32 (*HnDotU8S8) (const uint8 *code, const int8 *q, int n);

/*
 * The variant matching the active distance kernels.  Hot loops fetch it once
 * and call through the pointer.
 */
extern HnDotU8S8 hn_dot_u8s8_kernel(void);

/*
 * Quantises w[0..n-1] to q[0..n-1] with q[i] = round(w[i] / scale) and
 * returns scale (0 when w is all zero).
 */
extern float hn_quantize_query(const float *w, int n, int8 *q);

/* Encodes value into 0..255 given the lower bound and step (clamped). */
static inline uint8
hn_encode_u8(float value, float lo, float step)
{
	float		c;

	if (step <= 0.0f)
		return 0;
	c = (value - lo) / step + 0.5f;
	if (!(c > 0.0f))
		return 0;
	if (c >= 255.0f)
		return 255;
	return (uint8) c;
}

#endif							/* HN_QUANT_H */
