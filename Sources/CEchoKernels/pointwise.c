// pointwise.c — the backbone's 1×1 convolutions as a GEMM of Echo's own on AVX-512: the
// weights packed once into panels of 32 output channels (k × 32, zero-padded), a 6-pixel ×
// 32-channel micro-kernel with its 12 accumulators in registers, and the bias, the ReLU6
// and the residual applied as the tile is stored, so every output is written once.
// Without AVX-512 the caller uses BLAS instead (echo_pointwise_available says which).
#include "echo_kernels.h"

#include <stddef.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define PANEL 32
#define ROWS 6

int64_t echo_pointwise_packed_count(int inputs, int outputs) {
    return (int64_t)((outputs + PANEL - 1) / PANEL) * PANEL * inputs;
}

void echo_pointwise_pack(const float *weights, int inputs, int outputs, float *packed) {
    const int panels = (outputs + PANEL - 1) / PANEL;
    for (int panel = 0; panel < panels; panel++) {
        float *destination = packed + (size_t)panel * inputs * PANEL;
        for (int k = 0; k < inputs; k++) {
            for (int lane = 0; lane < PANEL; lane++) {
                const int n = panel * PANEL + lane;
                destination[(size_t)k * PANEL + lane] = n < outputs ? weights[(size_t)n * inputs + k] : 0.0f;
            }
        }
    }
}

#if defined(__x86_64__)

// The micro-kernel's products: rows[r][h] += input row r · panel lanes 16h…16h+15, over
// every input channel (six rows `inputs` apart, a 32-wide panel). Inlined into each
// caller, whose accumulators stay in registers.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void accumulate_6x32(
    const float *input, int inputs, const float *panel, __m512 rows[ROWS][2]) {
    __m512 c00 = rows[0][0], c01 = rows[0][1], c10 = rows[1][0], c11 = rows[1][1], c20 = rows[2][0], c21 = rows[2][1];
    __m512 c30 = rows[3][0], c31 = rows[3][1], c40 = rows[4][0], c41 = rows[4][1], c50 = rows[5][0], c51 = rows[5][1];
    const float *r0 = input, *r1 = input + inputs, *r2 = input + 2 * (size_t)inputs;
    const float *r3 = input + 3 * (size_t)inputs, *r4 = input + 4 * (size_t)inputs, *r5 = input + 5 * (size_t)inputs;
    for (int k = 0; k < inputs; k++) {
        const __m512 w0 = _mm512_loadu_ps(panel + (size_t)k * PANEL), w1 = _mm512_loadu_ps(panel + (size_t)k * PANEL + 16);
        __m512 a = _mm512_set1_ps(r0[k]);
        c00 = _mm512_fmadd_ps(a, w0, c00); c01 = _mm512_fmadd_ps(a, w1, c01);
        a = _mm512_set1_ps(r1[k]);
        c10 = _mm512_fmadd_ps(a, w0, c10); c11 = _mm512_fmadd_ps(a, w1, c11);
        a = _mm512_set1_ps(r2[k]);
        c20 = _mm512_fmadd_ps(a, w0, c20); c21 = _mm512_fmadd_ps(a, w1, c21);
        a = _mm512_set1_ps(r3[k]);
        c30 = _mm512_fmadd_ps(a, w0, c30); c31 = _mm512_fmadd_ps(a, w1, c31);
        a = _mm512_set1_ps(r4[k]);
        c40 = _mm512_fmadd_ps(a, w0, c40); c41 = _mm512_fmadd_ps(a, w1, c41);
        a = _mm512_set1_ps(r5[k]);
        c50 = _mm512_fmadd_ps(a, w0, c50); c51 = _mm512_fmadd_ps(a, w1, c51);
    }
    rows[0][0] = c00; rows[0][1] = c01; rows[1][0] = c10; rows[1][1] = c11; rows[2][0] = c20; rows[2][1] = c21;
    rows[3][0] = c30; rows[3][1] = c31; rows[4][0] = c40; rows[4][1] = c41; rows[5][0] = c50; rows[5][1] = c51;
}

// Six pixels (rows of `input`, `inputs` apart) × one panel: out = in · panel + bias
// (+ residual) (clamped to [0, 6] when relu6), the first `columns` of 32 channels stored.
__attribute__((target("avx512f"))) static inline void micro_kernel(
    const float *input, int inputs, const float *panel, const float *bias, int columns, const float *residual,
    int relu6, float *output, int stride) {
    const __mmask16 low = columns >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << columns) - 1);
    const __mmask16 high = columns >= 32 ? (__mmask16)0xFFFF : columns <= 16 ? 0 : (__mmask16)((1u << (columns - 16)) - 1);
    const __m512 b0 = _mm512_maskz_loadu_ps(low, bias), b1 = _mm512_maskz_loadu_ps(high, bias + 16);
    __m512 rows[ROWS][2] = {{b0, b1}, {b0, b1}, {b0, b1}, {b0, b1}, {b0, b1}, {b0, b1}};
    accumulate_6x32(input, inputs, panel, rows);
    const __m512 zero = _mm512_setzero_ps(), six = _mm512_set1_ps(6.0f);
    for (int r = 0; r < ROWS; r++) {
        __m512 v0 = rows[r][0], v1 = rows[r][1];
        if (residual) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(low, residual + (size_t)r * stride));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(high, residual + (size_t)r * stride + 16));
        }
        if (relu6) {
            v0 = _mm512_min_ps(_mm512_max_ps(v0, zero), six);
            v1 = _mm512_min_ps(_mm512_max_ps(v1, zero), six);
        }
        _mm512_mask_storeu_ps(output + (size_t)r * stride, low, v0);
        _mm512_mask_storeu_ps(output + (size_t)r * stride + 16, high, v1);
    }
}

// The same for a panel whose channels fit one vector (the last panel of 16, 40, 80 or 112
// outputs): half the multiply-adds of the 32-wide kernel, none of them on padding.
__attribute__((target("avx512f"))) static inline void micro_kernel_16(
    const float *input, int inputs, const float *panel, const float *bias, int columns, const float *residual,
    int relu6, float *output, int stride) {
    const __mmask16 low = columns >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << columns) - 1);
    const __m512 b0 = _mm512_maskz_loadu_ps(low, bias);
    __m512 c0 = b0, c1 = b0, c2 = b0, c3 = b0, c4 = b0, c5 = b0;
    const float *r0 = input, *r1 = input + inputs, *r2 = input + 2 * (size_t)inputs;
    const float *r3 = input + 3 * (size_t)inputs, *r4 = input + 4 * (size_t)inputs, *r5 = input + 5 * (size_t)inputs;
    for (int k = 0; k < inputs; k++) {
        const __m512 w0 = _mm512_loadu_ps(panel + (size_t)k * PANEL);
        c0 = _mm512_fmadd_ps(_mm512_set1_ps(r0[k]), w0, c0);
        c1 = _mm512_fmadd_ps(_mm512_set1_ps(r1[k]), w0, c1);
        c2 = _mm512_fmadd_ps(_mm512_set1_ps(r2[k]), w0, c2);
        c3 = _mm512_fmadd_ps(_mm512_set1_ps(r3[k]), w0, c3);
        c4 = _mm512_fmadd_ps(_mm512_set1_ps(r4[k]), w0, c4);
        c5 = _mm512_fmadd_ps(_mm512_set1_ps(r5[k]), w0, c5);
    }
    __m512 rows[ROWS] = {c0, c1, c2, c3, c4, c5};
    const __m512 zero = _mm512_setzero_ps(), six = _mm512_set1_ps(6.0f);
    for (int r = 0; r < ROWS; r++) {
        __m512 v = rows[r];
        if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(low, residual + (size_t)r * stride));
        if (relu6) v = _mm512_min_ps(_mm512_max_ps(v, zero), six);
        _mm512_mask_storeu_ps(output + (size_t)r * stride, low, v);
    }
}

// One six-pixel block against one panel, on the kernel its width needs.
__attribute__((target("avx512f"))) static inline void panel_kernel(
    const float *input, int inputs, const float *panel, const float *bias, int columns, const float *residual,
    int relu6, float *output, int stride) {
    if (columns <= 16) micro_kernel_16(input, inputs, panel, bias, columns, residual, relu6, output, stride);
    else micro_kernel(input, inputs, panel, bias, columns, residual, relu6, output, stride);
}

__attribute__((target("avx512f"))) static void pointwise_avx512(
    const float *input, int64_t pixels, int inputs, const float *packed, const float *bias, int outputs,
    const float *residual, int relu6, float *output, float *scratch) {
    const int panels = (outputs + PANEL - 1) / PANEL;
    int64_t p = 0;
    for (; p + ROWS <= pixels; p += ROWS) {
        for (int panel = 0; panel < panels; panel++) {
            const int first = panel * PANEL;
            const int columns = outputs - first < PANEL ? outputs - first : PANEL;
            panel_kernel(input + p * inputs, inputs, packed + (size_t)panel * inputs * PANEL, bias + first, columns,
                         residual ? residual + p * outputs + first : NULL, relu6, output + p * outputs + first, outputs);
        }
    }
    if (p == pixels) return;
    // The last pixels (fewer than six): through zero-padded copies in `scratch`, which
    // holds ROWS × inputs + 2 × ROWS × outputs floats.
    const int64_t left = pixels - p;
    float *rows_in = scratch, *rows_residual = scratch + (size_t)ROWS * inputs;
    float *rows_out = rows_residual + (size_t)ROWS * outputs;
    memset(rows_in, 0, sizeof(float) * (size_t)ROWS * inputs);
    memcpy(rows_in, input + p * inputs, sizeof(float) * (size_t)left * inputs);
    if (residual) {
        memset(rows_residual, 0, sizeof(float) * (size_t)ROWS * outputs);
        memcpy(rows_residual, residual + p * outputs, sizeof(float) * (size_t)left * outputs);
    }
    for (int panel = 0; panel < panels; panel++) {
        const int first = panel * PANEL;
        const int columns = outputs - first < PANEL ? outputs - first : PANEL;
        panel_kernel(rows_in, inputs, packed + (size_t)panel * inputs * PANEL, bias + first, columns,
                     residual ? rows_residual + first : NULL, relu6, rows_out + first, outputs);
    }
    memcpy(output + p * outputs, rows_out, sizeof(float) * (size_t)left * outputs);
}

#endif

int echo_pointwise_available(void) {
#if defined(__x86_64__)
    // Asked once; racing first callers compute the same answer.
    static int known = -1;
    int answer = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (answer < 0) {
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&known, answer, __ATOMIC_RELAXED);
    }
    return answer;
#else
    return 0;
#endif
}

int64_t echo_pointwise_scratch_count(int inputs, int outputs) {
    return (int64_t)ROWS * inputs + 2 * (int64_t)ROWS * outputs;
}

int echo_pointwise(const float *input, int64_t pixels, int inputs, const float *packed, const float *bias, int outputs,
                   const float *residual, int relu6, float *output, float *scratch) {
#if defined(__x86_64__)
    if (!echo_pointwise_available() || pixels < 0 || inputs <= 0 || outputs <= 0) return -1;
    pointwise_avx512(input, pixels, inputs, packed, bias, outputs, residual, relu6, output, scratch);
    return 0;
#else
    (void)input; (void)pixels; (void)inputs; (void)packed; (void)bias; (void)outputs;
    (void)residual; (void)relu6; (void)output; (void)scratch;
    return -1;
#endif
}

// ---- nearest-neighbour distances on the same micro-kernel ----------------------------

#if defined(__x86_64__)

// For six query rows: the running minimum over one 32-reference panel of ‖r‖² − 2q·r,
// folded into `best` (two vectors per row reduced to one, lane-wise).
__attribute__((target("avx512f"))) static inline void nearest_micro_kernel(
    const float *queries, int dimension, const float *panel, const float *norms, __m512 best[ROWS]) {
    __m512 dots[ROWS][2];
    for (int r = 0; r < ROWS; r++) dots[r][0] = dots[r][1] = _mm512_setzero_ps();
    accumulate_6x32(queries, dimension, panel, dots);
    const __m512 n0 = _mm512_loadu_ps(norms), n1 = _mm512_loadu_ps(norms + 16), minus_two = _mm512_set1_ps(-2.0f);
    for (int r = 0; r < ROWS; r++)
        best[r] = _mm512_min_ps(best[r], _mm512_min_ps(_mm512_fmadd_ps(dots[r][0], minus_two, n0),
                                                       _mm512_fmadd_ps(dots[r][1], minus_two, n1)));
}

__attribute__((target("avx512f"))) static void nearest_avx512(
    const float *queries, int64_t query_count, const float *panels, const float *norms, int64_t reference_count,
    int dimension, float *nearest, float *scratch) {
    const int64_t panel_count = (reference_count + PANEL - 1) / PANEL;
    for (int64_t q = 0; q < query_count; q += ROWS) {
        const int64_t rows = query_count - q < ROWS ? query_count - q : ROWS;
        const float *block = queries + q * dimension;
        if (rows < ROWS) {  // the last few queries, through a zero-padded copy
            memset(scratch, 0, sizeof(float) * (size_t)ROWS * dimension);
            memcpy(scratch, block, sizeof(float) * (size_t)rows * dimension);
            block = scratch;
        }
        __m512 best[ROWS];
        for (int r = 0; r < ROWS; r++) best[r] = _mm512_set1_ps(__builtin_inff());
        for (int64_t p = 0; p < panel_count; p++)
            nearest_micro_kernel(block, dimension, panels + p * (int64_t)dimension * PANEL, norms + p * PANEL, best);
        for (int64_t r = 0; r < rows; r++) {
            float squared = 0;
            const float *row = queries + (q + r) * dimension;
            for (int k = 0; k < dimension; k++) squared += row[k] * row[k];
            const float distance = _mm512_reduce_min_ps(best[r]) + squared;
            nearest[q + r] = distance > 0 ? distance : 0;
        }
    }
}

#endif

int64_t echo_nearest_panel_count(int64_t reference_count, int dimension) {
    return (reference_count + PANEL - 1) / PANEL * PANEL * (int64_t)dimension;
}

void echo_nearest_pack(const float *references, int64_t reference_count, int dimension, float *panels, float *norms) {
    const int64_t panel_count = (reference_count + PANEL - 1) / PANEL;
    for (int64_t p = 0; p < panel_count; p++) {
        // 32 rows at a time (a few KiB, in L1), written out contiguously.
        float *destination = panels + p * (int64_t)dimension * PANEL;
        const int64_t first = p * PANEL;
        const int lanes = reference_count - first < PANEL ? (int)(reference_count - first) : PANEL;
        for (int k = 0; k < dimension; k++) {
            float *out = destination + (size_t)k * PANEL;
            int lane = 0;
            for (; lane < lanes; lane++) out[lane] = references[(first + lane) * dimension + k];
            for (; lane < PANEL; lane++) out[lane] = 0;
        }
        for (int lane = 0; lane < PANEL; lane++) {
            if (lane < lanes) {
                const float *row = references + (first + lane) * dimension;
                float squared = 0;
                for (int k = 0; k < dimension; k++) squared += row[k] * row[k];
                norms[first + lane] = squared;
            } else {
                norms[first + lane] = __builtin_inff();  // padding: never the nearest
            }
        }
    }
}

int echo_nearest_packed(const float *queries, int64_t query_count, const float *panels, const float *norms,
                        int64_t reference_count, int dimension, float *nearest, float *scratch) {
#if defined(__x86_64__)
    if (!echo_pointwise_available() || query_count < 0 || reference_count <= 0 || dimension <= 0) return -1;
    nearest_avx512(queries, query_count, panels, norms, reference_count, dimension, nearest, scratch);
    return 0;
#else
    (void)queries; (void)query_count; (void)panels; (void)norms; (void)reference_count; (void)dimension;
    (void)nearest; (void)scratch;
    return -1;
#endif
}
