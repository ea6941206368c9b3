// half.c — float32 ↔ IEEE float16 for the stored patch grids and memory banks, 16 (or 8)
// values per instruction with the CPU's F16C / AVX-512 conversions, one at a time with
// the compiler's _Float16 elsewhere. Both round to nearest, ties to even.
#include "echo_kernels.h"

#include <stddef.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static void to_half_avx512(const float *in, uint8_t *out, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(out + 2 * i), _mm512_cvtps_ph(_mm512_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        const __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        uint16_t rest[16];
        _mm256_storeu_si256((__m256i *)rest, h);
        memcpy(out + 2 * i, rest, sizeof(uint16_t) * (size_t)(n - i));
    }
}

__attribute__((target("avx512f"))) static void to_float_avx512(const uint8_t *in, float *out, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(in + 2 * i))));
    if (i < n) {
        uint16_t rest[16] = {0};
        memcpy(rest, in + 2 * i, sizeof(uint16_t) * (size_t)(n - i));
        _mm512_mask_storeu_ps(out + i, (__mmask16)((1u << (n - i)) - 1), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)rest)));
    }
}

__attribute__((target("avx,f16c"))) static void to_half_f16c(const float *in, uint8_t *out, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(out + 2 * i), _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; i++) {
        const uint16_t h = (uint16_t)_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(in[i]), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), 0);
        memcpy(out + 2 * i, &h, sizeof h);
    }
}

__attribute__((target("avx,f16c"))) static void to_float_f16c(const uint8_t *in, float *out, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(in + 2 * i))));
    for (; i < n; i++) {
        uint16_t h;
        memcpy(&h, in + 2 * i, sizeof h);
        out[i] = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
    }
}
#endif

static void to_half_portable(const float *in, uint8_t *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        _Float16 h = (_Float16)in[i];
        memcpy(out + 2 * i, &h, sizeof h);
    }
}

static void to_float_portable(const uint8_t *in, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        _Float16 h;
        memcpy(&h, in + 2 * i, sizeof h);
        out[i] = (float)h;
    }
}

// 2 AVX-512, 1 F16C, 0 portable; asked once.
static int half_level(void) {
    static int level = -1;
    int known = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (known >= 0) return known;
    known = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) known = 2;
    else if (__builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c")) known = 1;
#endif
    __atomic_store_n(&level, known, __ATOMIC_RELAXED);
    return known;
}

void echo_float_to_half(const float *in, void *out_bytes, int64_t n) {
    uint8_t *out = out_bytes;
#if defined(__x86_64__)
    switch (half_level()) {
    case 2: to_half_avx512(in, out, n); return;
    case 1: to_half_f16c(in, out, n); return;
    default: break;
    }
#endif
    to_half_portable(in, out, n);
}

void echo_half_to_float(const void *in_bytes, float *out, int64_t n) {
    const uint8_t *in = in_bytes;
#if defined(__x86_64__)
    switch (half_level()) {
    case 2: to_float_avx512(in, out, n); return;
    case 1: to_float_f16c(in, out, n); return;
    default: break;
    }
#endif
    to_float_portable(in, out, n);
}
