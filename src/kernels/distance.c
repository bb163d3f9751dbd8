/*
 * distance.c
 *		Distance kernels: portable C, AVX2+FMA and AVX-512F, dispatched at run
 *		time.
 *
 * The SIMD variants are compiled with function-level target attributes, so
 * the shared object runs on any x86-64 (and arm64, where only the portable
 * variant exists and the compiler vectorises it for NEON).  The portable
 * code keeps eight independent accumulators so that it, too, vectorises and
 * does not serialise on one addition chain.
 */
#include "postgres.h"

#include <math.h>

#include "kernels/distance.h"
#include "utils/builtins.h"
#include "utils/float.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HN_HAVE_X86_SIMD 1
#include <immintrin.h>
#endif

/* ---------- portable ---------- */

#define PORTABLE_LANES 8

static float
dot_portable(const float *a, const float *b, int n)
{
	float		acc[PORTABLE_LANES] = {0};
	float		sum = 0.0f;
	int			i = 0;

	for (; i + PORTABLE_LANES <= n; i += PORTABLE_LANES)
		for (int l = 0; l < PORTABLE_LANES; l++)
			acc[l] += a[i + l] * b[i + l];
	for (int l = 0; l < PORTABLE_LANES; l++)
		sum += acc[l];
	for (; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

static float
l2sq_portable(const float *a, const float *b, int n)
{
	float		acc[PORTABLE_LANES] = {0};
	float		sum = 0.0f;
	int			i = 0;

	for (; i + PORTABLE_LANES <= n; i += PORTABLE_LANES)
		for (int l = 0; l < PORTABLE_LANES; l++)
		{
			float		d = a[i + l] - b[i + l];

			acc[l] += d * d;
		}
	for (int l = 0; l < PORTABLE_LANES; l++)
		sum += acc[l];
	for (; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

static float
l1_portable(const float *a, const float *b, int n)
{
	float		acc[PORTABLE_LANES] = {0};
	float		sum = 0.0f;
	int			i = 0;

	for (; i + PORTABLE_LANES <= n; i += PORTABLE_LANES)
		for (int l = 0; l < PORTABLE_LANES; l++)
			acc[l] += fabsf(a[i + l] - b[i + l]);
	for (int l = 0; l < PORTABLE_LANES; l++)
		sum += acc[l];
	for (; i < n; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

static void
cosine_parts_portable(const float *a, const float *b, int n,
					  float *dot, float *aa, float *bb)
{
	float		d[PORTABLE_LANES] = {0};
	float		x[PORTABLE_LANES] = {0};
	float		y[PORTABLE_LANES] = {0};
	float		sd = 0.0f,
				sx = 0.0f,
				sy = 0.0f;
	int			i = 0;

	for (; i + PORTABLE_LANES <= n; i += PORTABLE_LANES)
		for (int l = 0; l < PORTABLE_LANES; l++)
		{
			d[l] += a[i + l] * b[i + l];
			x[l] += a[i + l] * a[i + l];
			y[l] += b[i + l] * b[i + l];
		}
	for (int l = 0; l < PORTABLE_LANES; l++)
	{
		sd += d[l];
		sx += x[l];
		sy += y[l];
	}
	for (; i < n; i++)
	{
		sd += a[i] * b[i];
		sx += a[i] * a[i];
		sy += b[i] * b[i];
	}
	*dot = sd;
	*aa = sx;
	*bb = sy;
}

static const HnDistanceKernels kernels_portable = {
	"portable", dot_portable, l2sq_portable, l1_portable, cosine_parts_portable
};

#ifdef HN_HAVE_X86_SIMD

/* ---------- AVX2 + FMA ---------- */

#define AVX2_TARGET __attribute__((target("avx2,fma")))

AVX2_TARGET static inline float
hsum256(__m256 v)
{
	__m128		lo = _mm256_castps256_ps128(v);
	__m128		hi = _mm256_extractf128_ps(v, 1);

	lo = _mm_add_ps(lo, hi);
	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
	return _mm_cvtss_f32(lo);
}

AVX2_TARGET static float
dot_avx2(const float *a, const float *b, int n)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps();
	float		sum;
	int			i = 0;

	for (; i + 16 <= n; i += 16)
	{
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
	}
	if (i + 8 <= n)
	{
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		i += 8;
	}
	sum = hsum256(_mm256_add_ps(s0, s1));
	for (; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

AVX2_TARGET static float
l2sq_avx2(const float *a, const float *b, int n)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps();
	float		sum;
	int			i = 0;

	for (; i + 16 <= n; i += 16)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		__m256		d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
	}
	if (i + 8 <= n)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		i += 8;
	}
	sum = hsum256(_mm256_add_ps(s0, s1));
	for (; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

AVX2_TARGET static float
l1_avx2(const float *a, const float *b, int n)
{
	const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
	__m256		s0 = _mm256_setzero_ps();
	float		sum;
	int			i = 0;

	for (; i + 8 <= n; i += 8)
	{
		__m256		d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));

		s0 = _mm256_add_ps(s0, _mm256_and_ps(d, absmask));
	}
	sum = hsum256(s0);
	for (; i < n; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

AVX2_TARGET static void
cosine_parts_avx2(const float *a, const float *b, int n,
				  float *dot, float *aa, float *bb)
{
	__m256		sd = _mm256_setzero_ps(),
				sx = _mm256_setzero_ps(),
				sy = _mm256_setzero_ps();
	float		d,
				x,
				y;
	int			i = 0;

	for (; i + 8 <= n; i += 8)
	{
		__m256		va = _mm256_loadu_ps(a + i);
		__m256		vb = _mm256_loadu_ps(b + i);

		sd = _mm256_fmadd_ps(va, vb, sd);
		sx = _mm256_fmadd_ps(va, va, sx);
		sy = _mm256_fmadd_ps(vb, vb, sy);
	}
	d = hsum256(sd);
	x = hsum256(sx);
	y = hsum256(sy);
	for (; i < n; i++)
	{
		d += a[i] * b[i];
		x += a[i] * a[i];
		y += b[i] * b[i];
	}
	*dot = d;
	*aa = x;
	*bb = y;
}

static const HnDistanceKernels kernels_avx2 = {
	"avx2", dot_avx2, l2sq_avx2, l1_avx2, cosine_parts_avx2
};

/* ---------- AVX-512F ---------- */

#define AVX512_TARGET __attribute__((target("avx512f")))

AVX512_TARGET static float
dot_avx512(const float *a, const float *b, int n)
{
	__m512		s0 = _mm512_setzero_ps(),
				s1 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 32 <= n; i += 32)
	{
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
		s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
	}
	s0 = _mm512_add_ps(s0, s1);
	if (i < n)
	{
		/* masked loads read only the tail: no scalar loop, no over-read */
		for (; i < n; i += 16)
		{
			__mmask16	m = (n - i >= 16) ? 0xFFFF : (__mmask16) ((1u << (n - i)) - 1);

			s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i),
								 _mm512_maskz_loadu_ps(m, b + i), s0);
		}
	}
	return _mm512_reduce_add_ps(s0);
}

AVX512_TARGET static float
l2sq_avx512(const float *a, const float *b, int n)
{
	__m512		s0 = _mm512_setzero_ps();

	for (int i = 0; i < n; i += 16)
	{
		__mmask16	m = (n - i >= 16) ? 0xFFFF : (__mmask16) ((1u << (n - i)) - 1);
		__m512		d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
									  _mm512_maskz_loadu_ps(m, b + i));

		s0 = _mm512_fmadd_ps(d, d, s0);
	}
	return _mm512_reduce_add_ps(s0);
}

AVX512_TARGET static float
l1_avx512(const float *a, const float *b, int n)
{
	__m512		s0 = _mm512_setzero_ps();

	for (int i = 0; i < n; i += 16)
	{
		__mmask16	m = (n - i >= 16) ? 0xFFFF : (__mmask16) ((1u << (n - i)) - 1);
		__m512		d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
									  _mm512_maskz_loadu_ps(m, b + i));

		s0 = _mm512_add_ps(s0, _mm512_abs_ps(d));
	}
	return _mm512_reduce_add_ps(s0);
}

AVX512_TARGET static void
cosine_parts_avx512(const float *a, const float *b, int n,
					float *dot, float *aa, float *bb)
{
	__m512		sd = _mm512_setzero_ps(),
				sx = _mm512_setzero_ps(),
				sy = _mm512_setzero_ps();

	for (int i = 0; i < n; i += 16)
	{
		__mmask16	m = (n - i >= 16) ? 0xFFFF : (__mmask16) ((1u << (n - i)) - 1);
		__m512		va = _mm512_maskz_loadu_ps(m, a + i);
		__m512		vb = _mm512_maskz_loadu_ps(m, b + i);

		sd = _mm512_fmadd_ps(va, vb, sd);
		sx = _mm512_fmadd_ps(va, va, sx);
		sy = _mm512_fmadd_ps(vb, vb, sy);
	}
	*dot = _mm512_reduce_add_ps(sd);
	*aa = _mm512_reduce_add_ps(sx);
	*bb = _mm512_reduce_add_ps(sy);
}

static const HnDistanceKernels kernels_avx512 = {
	"avx512", dot_avx512, l2sq_avx512, l1_avx512, cosine_parts_avx512
};
#endif							/* HN_HAVE_X86_SIMD */

const HnDistanceKernels *hn_distance = &kernels_portable;

bool
hn_cpu_supports(const char *variant)
{
	if (strcmp(variant, "portable") == 0)
		return true;
#ifdef HN_HAVE_X86_SIMD
	__builtin_cpu_init();
	if (strcmp(variant, "avx2") == 0)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	if (strcmp(variant, "avx512") == 0)
		return __builtin_cpu_supports("avx512f");
#endif
	return false;
}

/* The kernels of a variant, or NULL if unknown or unsupported here. */
const HnDistanceKernels *
hn_kernels_for(const char *variant)
{
	if (strcmp(variant, "auto") == 0)
	{
		if (hn_cpu_supports("avx512"))
			variant = "avx512";
		else if (hn_cpu_supports("avx2"))
			variant = "avx2";
		else
			variant = "portable";
	}
	if (!hn_cpu_supports(variant))
		return NULL;
	if (strcmp(variant, "portable") == 0)
		return &kernels_portable;
#ifdef HN_HAVE_X86_SIMD
	if (strcmp(variant, "avx2") == 0)
		return &kernels_avx2;
	if (strcmp(variant, "avx512") == 0)
		return &kernels_avx512;
#endif
	return NULL;
}

double
hn_cosine_distance(const float *a, const float *b, int n)
{
	float		dot,
				aa,
				bb;
	double		sim;

	hn_distance->cosine_parts(a, b, n, &dot, &aa, &bb);
	if (aa == 0.0f || bb == 0.0f)
		return get_float8_nan();
	sim = (double) dot / sqrt((double) aa * (double) bb);
	/* rounding can push |sim| past 1 */
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;
	return 1.0 - sim;
}

float
hn_similarity(HnMetric metric, const float *a, const float *b, int n)
{
	switch (metric)
	{
		case HN_METRIC_L2:
			return -sqrtf(hn_l2sq(a, b, n));
		case HN_METRIC_IP:
			return hn_dot(a, b, n);
		case HN_METRIC_COSINE:
			return (float) (1.0 - hn_cosine_distance(a, b, n));
	}
	return 0.0f;				/* keep compiler quiet */
}

HnMetric
hn_metric_from_name(const char *name)
{
	if (pg_strcasecmp(name, "cosine") == 0 || pg_strcasecmp(name, "cos") == 0)
		return HN_METRIC_COSINE;
	if (pg_strcasecmp(name, "ip") == 0 || pg_strcasecmp(name, "inner_product") == 0 ||
		pg_strcasecmp(name, "dot") == 0)
		return HN_METRIC_IP;
	if (pg_strcasecmp(name, "l2") == 0 || pg_strcasecmp(name, "euclidean") == 0)
		return HN_METRIC_L2;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown metric \"%s\"", name),
			 errhint("Valid metrics are 'cosine', 'ip' (inner product) and 'l2'.")));
	return HN_METRIC_COSINE;	/* not reached */
}

const char *
hn_metric_name(HnMetric metric)
{
	switch (metric)
	{
		case HN_METRIC_L2:
			return "l2";
		case HN_METRIC_IP:
			return "ip";
		case HN_METRIC_COSINE:
			return "cosine";
	}
	return "?";
}

/* ---------- hardneg.simd ---------- */

#include "utils/guc.h"

static char *hn_simd_setting = NULL;

static bool
check_simd(char **newval, void **extra, GucSource source)
{
	if (hn_kernels_for(*newval) == NULL)
	{
		GUC_check_errdetail("Variant \"%s\" is unknown or not supported by this CPU.", *newval);
		GUC_check_errhint("Use 'auto', 'portable', 'avx2' or 'avx512'; hardneg_simd_variants() lists what this CPU supports.");
		return false;
	}
	return true;
}

static void
assign_simd(const char *newval, void *extra)
{
	const HnDistanceKernels *k = hn_kernels_for(newval);

	if (k != NULL)
		hn_distance = k;
}

void
hn_kernels_init(void)
{
	DefineCustomStringVariable("hardneg.simd",
							   "Distance kernel variant: auto, portable, avx2 or avx512.",
							   "'auto' picks the widest variant this CPU supports.",
							   &hn_simd_setting,
							   "auto",
							   PGC_USERSET, 0,
							   check_simd, assign_simd, NULL);
}
