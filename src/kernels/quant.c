/*
 * quant.c
 *		8-bit code by 8-bit query dot products (see quant.h).
 *
 * The variant follows the distance kernels' choice (hardneg.simd), so forcing
 * 'portable' in a test exercises the plain C path here too.
 */
#include "postgres.h"

#include <math.h>

#include "kernels/distance.h"
#include "kernels/quant.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HN_HAVE_X86_SIMD 1
#include <immintrin.h>
#endif

static int32
dot_u8s8_portable(const uint8 *code, const int8 *q, int n)
{
	int32		acc[8] = {0};
	int32		sum = 0;
	int			i = 0;

	for (; i + 8 <= n; i += 8)
		for (int l = 0; l < 8; l++)
			acc[l] += (int32) code[i + l] * (int32) q[i + l];
	for (int l = 0; l < 8; l++)
		sum += acc[l];
	for (; i < n; i++)
		sum += (int32) code[i] * (int32) q[i];
	return sum;
}

#ifdef HN_HAVE_X86_SIMD
__attribute__((target("avx2")))
static int32
dot_u8s8_avx2(const uint8 *code, const int8 *q, int n)
{
	const __m256i ones = _mm256_set1_epi16(1);
	__m256i		acc0 = _mm256_setzero_si256();
	__m256i		acc1 = _mm256_setzero_si256();
	__m128i		s;
	int32		sum;
	int			i = 0;

	/* two independent accumulators hide the multiply-add latency */
	for (; i + 64 <= n; i += 64)
	{
		__m256i		c0 = _mm256_loadu_si256((const __m256i *) (code + i));
		__m256i		q0 = _mm256_loadu_si256((const __m256i *) (q + i));
		__m256i		c1 = _mm256_loadu_si256((const __m256i *) (code + i + 32));
		__m256i		q1 = _mm256_loadu_si256((const __m256i *) (q + i + 32));

		acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_maddubs_epi16(c0, q0), ones));
		acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_maddubs_epi16(c1, q1), ones));
	}
	for (; i + 32 <= n; i += 32)
	{
		__m256i		c0 = _mm256_loadu_si256((const __m256i *) (code + i));
		__m256i		q0 = _mm256_loadu_si256((const __m256i *) (q + i));

		acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_maddubs_epi16(c0, q0), ones));
	}
	acc0 = _mm256_add_epi32(acc0, acc1);
	s = _mm_add_epi32(_mm256_castsi256_si128(acc0), _mm256_extracti128_si256(acc0, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
	sum = _mm_cvtsi128_si32(s);
	for (; i < n; i++)
		sum += (int32) code[i] * (int32) q[i];
	return sum;
}
#endif

HnDotU8S8
hn_dot_u8s8_kernel(void)
{
#ifdef HN_HAVE_X86_SIMD
	/* avx512 machines run the avx2 path: the byte multiply-add is the same */
	if (strcmp(hn_distance->name, "portable") != 0)
		return dot_u8s8_avx2;
#endif
	return dot_u8s8_portable;
}

float
hn_quantize_query(const float *w, int n, int8 *q)
{
	float		maxabs = 0.0f;
	float		scale;

	for (int i = 0; i < n; i++)
		maxabs = Max(maxabs, fabsf(w[i]));
	if (maxabs == 0.0f)
	{
		memset(q, 0, n);
		return 0.0f;
	}
	scale = maxabs / HN_QUERY_QMAX;
	for (int i = 0; i < n; i++)
		q[i] = (int8) lrintf(w[i] / scale);
	return scale;
}
