// depthwise.c — the backbone's depthwise k×k convolution (bias and ReLU6 fused), one
// output row at a time from k input-row pointers (so a caller can feed rows from a small
// ring buffer that its expansion fills just in time), register blocked: a vector of
// channels keeps its k·k tap weights in registers while every pixel of the row
// accumulates its taps in registers and is written once. Written once with the
// compiler's vector extensions and compiled three times — AVX-512, AVX2 + FMA, and
// portable — the best the CPU supports chosen at the first call.
#include "echo_kernels.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

// The general-size build cannot unroll its tap loops fully; that is expected.
#pragma clang diagnostic ignored "-Wpass-failed"

typedef float v16f __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));

// Unaligned loads and stores (channel offsets need not be vector-aligned).
#define LOAD(VEC, p) ({ VEC v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define STORE(p, v) do { __typeof__(v) s_ = (v); __builtin_memcpy((p), &s_, sizeof s_); } while (0)
#define RELU6(v, zero, six) __builtin_elementwise_min(__builtin_elementwise_max((v), (zero)), (six))

#define ECHO_DEPTHWISE_ROW_PARAMETERS                                                                  \
    const float *const *rows, int width, int channels, int kernel, int stride, int pad_left,           \
    int out_width, const float *restrict weights, const float *restrict bias, float *restrict output

// One output row. For each vector of LANES channels: its k·k weights into registers, then
// the pixels whose taps are all inside (every row present, every column inside) take the
// unrolled path two at a time; the others a clipped loop reading the weights from memory.
// Channels past the last whole vector go one at a time.
#define ECHO_DEPTHWISE_ROW_BODY(VEC, LANES, KERNEL)                                                    \
    const int c = channels, k = (KERNEL), s = stride, out_w = out_width;                                \
    (void)kernel;                                                                                       \
    int full = 1;                                                                                       \
    for (int ky = 0; ky < k; ky++) full &= rows[ky] != NULL;                                            \
    int x_first = (pad_left + s - 1) / s, x_last = (width - k + pad_left) / s + 1;                     \
    if (x_first > out_w) x_first = out_w;                                                               \
    if (x_last < x_first) x_last = x_first;                                                             \
    if (x_last > out_w) x_last = out_w;                                                                 \
    if (!full) x_last = x_first;                                                                        \
    const int vector_channels = c - c % (LANES);                                                        \
    for (int ch = 0; ch < vector_channels; ch += (LANES)) {                                             \
        VEC w[(KERNEL) * (KERNEL)];                                                                     \
        _Pragma("clang loop unroll(full)")                                                              \
        for (int t = 0; t < (KERNEL) * (KERNEL); t++) w[t] = LOAD(VEC, weights + (size_t)t * c + ch);   \
        const VEC b = LOAD(VEC, bias + ch), zero = (VEC){0}, six = zero + 6.0f;                         \
        float *out = output + ch;                                                                       \
        int ox = 0;                                                                                     \
        for (;;) {                                                                                      \
            const int border_end = ox < x_first ? x_first : (ox >= x_last ? out_w : ox);                \
            for (; ox < border_end; ox++) {                                                             \
                const int x0 = ox * s - pad_left;                                                       \
                const int kx0 = x0 < 0 ? -x0 : 0, kx1 = width - x0 < k ? width - x0 : k;                \
                VEC a = b;                                                                              \
                for (int ky = 0; ky < k; ky++) {                                                        \
                    if (!rows[ky]) continue;                                                            \
                    for (int kx = kx0; kx < kx1; kx++)                                                  \
                        a += LOAD(VEC, rows[ky] + (size_t)(x0 + kx) * c + ch)                           \
                             * LOAD(VEC, weights + (size_t)(ky * k + kx) * c + ch);                     \
                }                                                                                       \
                STORE(out + (size_t)ox * c, RELU6(a, zero, six));                                       \
            }                                                                                           \
            if (ox >= out_w) break;                                                                     \
            for (; ox + 2 <= x_last; ox += 2) {                                                         \
                const size_t at0 = (size_t)(ox * s - pad_left) * c + ch, at1 = at0 + (size_t)s * c;     \
                VEC a0 = b, a1 = b;                                                                     \
                _Pragma("clang loop unroll(full)")                                                      \
                for (int ky = 0; ky < (KERNEL); ky++) {                                                 \
                    const float *row = rows[ky];                                                        \
                    _Pragma("clang loop unroll(full)")                                                  \
                    for (int kx = 0; kx < (KERNEL); kx++) {                                             \
                        a0 += LOAD(VEC, row + at0 + (size_t)kx * c) * w[ky * (KERNEL) + kx];            \
                        a1 += LOAD(VEC, row + at1 + (size_t)kx * c) * w[ky * (KERNEL) + kx];            \
                    }                                                                                   \
                }                                                                                       \
                STORE(out + (size_t)ox * c, RELU6(a0, zero, six));                                      \
                STORE(out + (size_t)(ox + 1) * c, RELU6(a1, zero, six));                                \
            }                                                                                           \
            for (; ox < x_last; ox++) {                                                                 \
                const size_t at0 = (size_t)(ox * s - pad_left) * c + ch;                                \
                VEC a0 = b;                                                                             \
                _Pragma("clang loop unroll(full)")                                                      \
                for (int ky = 0; ky < (KERNEL); ky++) {                                                 \
                    _Pragma("clang loop unroll(full)")                                                  \
                    for (int kx = 0; kx < (KERNEL); kx++)                                               \
                        a0 += LOAD(VEC, rows[ky] + at0 + (size_t)kx * c) * w[ky * (KERNEL) + kx];       \
                }                                                                                       \
                STORE(out + (size_t)ox * c, RELU6(a0, zero, six));                                      \
            }                                                                                           \
        }                                                                                               \
    }                                                                                                   \
    for (int ch = vector_channels; ch < c; ch++) {                                                      \
        for (int ox = 0; ox < out_w; ox++) {                                                            \
            const int x0 = ox * s - pad_left;                                                           \
            const int kx0 = x0 < 0 ? -x0 : 0, kx1 = width - x0 < k ? width - x0 : k;                    \
            float a = bias[ch];                                                                         \
            for (int ky = 0; ky < k; ky++) {                                                            \
                if (!rows[ky]) continue;                                                                \
                for (int kx = kx0; kx < kx1; kx++)                                                      \
                    a += rows[ky][(size_t)(x0 + kx) * c + ch] * weights[(size_t)(ky * k + kx) * c + ch]; \
            }                                                                                           \
            output[(size_t)ox * c + ch] = a < 0 ? 0 : (a > 6 ? 6 : a);                                  \
        }                                                                                               \
    }

// Each build specialised for the kernel sizes Lite0 uses (3 and 5, the tap loops
// unrolled), with a general version for any other.
#define ECHO_DEPTHWISE_VARIANT(NAME, ATTRIBUTES, VEC, LANES)                                            \
    ATTRIBUTES static void NAME##_k3(ECHO_DEPTHWISE_ROW_PARAMETERS) { ECHO_DEPTHWISE_ROW_BODY(VEC, LANES, 3) } \
    ATTRIBUTES static void NAME##_k5(ECHO_DEPTHWISE_ROW_PARAMETERS) { ECHO_DEPTHWISE_ROW_BODY(VEC, LANES, 5) } \
    ATTRIBUTES static void NAME##_any(ECHO_DEPTHWISE_ROW_PARAMETERS) { ECHO_DEPTHWISE_ROW_BODY(VEC, LANES, kernel) } \
    static void NAME(ECHO_DEPTHWISE_ROW_PARAMETERS) {                                                    \
        if (kernel == 3) NAME##_k3(rows, width, channels, kernel, stride, pad_left, out_width, weights, bias, output); \
        else if (kernel == 5) NAME##_k5(rows, width, channels, kernel, stride, pad_left, out_width, weights, bias, output); \
        else NAME##_any(rows, width, channels, kernel, stride, pad_left, out_width, weights, bias, output); \
    }

#if defined(__x86_64__)
ECHO_DEPTHWISE_VARIANT(depthwise_avx512, __attribute__((target("avx512f"))), v16f, 16)
ECHO_DEPTHWISE_VARIANT(depthwise_avx2, __attribute__((target("avx2,fma"))), v8f, 8)
#endif
ECHO_DEPTHWISE_VARIANT(depthwise_portable, , v8f, 8)

typedef void (*depthwise_row_function)(ECHO_DEPTHWISE_ROW_PARAMETERS);

static depthwise_row_function chosen_depthwise(void) {
    // Chosen once; racing first callers store the same pointer.
    static depthwise_row_function chosen = NULL;
    depthwise_row_function f = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (f) return f;
    f = depthwise_portable;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) f = depthwise_avx512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f = depthwise_avx2;
#endif
    __atomic_store_n(&chosen, f, __ATOMIC_RELEASE);
    return f;
}

const char *echo_depthwise_variant(void) {
    depthwise_row_function f = chosen_depthwise();
#if defined(__x86_64__)
    if (f == depthwise_avx512) return "avx512f";
    if (f == depthwise_avx2) return "avx2+fma";
#endif
    (void)f;
    return "portable";
}

void echo_depthwise_relu6_row(const float *const *rows, int width, int channels, int kernel, int stride, int pad_left,
                              int out_width, const float *weights, const float *bias, float *output) {
    chosen_depthwise()(rows, width, channels, kernel, stride, pad_left, out_width, weights, bias, output);
}

// The whole image through a row function. Input rows are copied into a ring of `kernel`
// zero-padded rows (the SAME padding written out), and rows above or below the image are
// a row of zeros, so every output pixel takes the row function's unrolled interior path.
// Falls back to clipped rows straight from the input if the ring cannot be allocated.
static void depthwise_image(depthwise_row_function f, const float *input, int height, int width, int channels, int kernel,
                            int stride, int pad_top, int pad_left, int out_height, int out_width, const float *weights,
                            const float *bias, float *output) {
    const float *rows[16];
    int total = (out_width - 1) * stride + kernel - width;
    if (total < 0) total = 0;
    const int padded = width + total;
    const size_t row_floats = (size_t)padded * channels;
    float *ring = calloc((size_t)(kernel + 1) * row_floats, sizeof(float));
    if (!ring) {
        for (int oy = 0; oy < out_height; oy++) {
            for (int ky = 0; ky < kernel; ky++) {
                const int y = oy * stride - pad_top + ky;
                rows[ky] = y >= 0 && y < height ? input + (size_t)y * width * channels : NULL;
            }
            f(rows, width, channels, kernel, stride, pad_left, out_width, weights, bias, output + (size_t)oy * out_width * channels);
        }
        return;
    }
    const float *zeros = ring + (size_t)kernel * row_floats;  // the last row stays zero
    int copied = -1;
    for (int oy = 0; oy < out_height; oy++) {
        const int first = oy * stride - pad_top;
        const int last = first + kernel - 1 < height - 1 ? first + kernel - 1 : height - 1;
        while (copied < last) {
            copied++;
            float *slot = ring + (size_t)(copied % kernel) * row_floats;
            memcpy(slot + (size_t)pad_left * channels, input + (size_t)copied * width * channels, sizeof(float) * (size_t)width * channels);
        }
        for (int ky = 0; ky < kernel; ky++) {
            const int y = first + ky;
            rows[ky] = y >= 0 && y < height ? ring + (size_t)(y % kernel) * row_floats : zeros;
        }
        f(rows, padded, channels, kernel, stride, 0, out_width, weights, bias, output + (size_t)oy * out_width * channels);
    }
    free(ring);
}

void echo_depthwise_relu6(const float *input, int height, int width, int channels, int kernel, int stride, int pad_top,
                          int pad_left, int out_height, int out_width, const float *weights, const float *bias, float *output) {
    if (kernel < 1 || kernel > 16) return;
    depthwise_image(chosen_depthwise(), input, height, width, channels, kernel, stride, pad_top, pad_left, out_height,
                    out_width, weights, bias, output);
}

int echo_depthwise_relu6_variant(int variant, const float *input, int height, int width, int channels, int kernel, int stride,
                                 int pad_top, int pad_left, int out_height, int out_width, const float *weights,
                                 const float *bias, float *output) {
    depthwise_row_function f = NULL;
    switch (variant) {
    case 0: f = depthwise_portable; break;
#if defined(__x86_64__)
    case 1:
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f = depthwise_avx2;
        break;
    case 2:
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f")) f = depthwise_avx512;
        break;
#endif
    default: break;
    }
    if (!f || kernel < 1 || kernel > 16) return -1;
    depthwise_image(f, input, height, width, channels, kernel, stride, pad_top, pad_left, out_height, out_width, weights, bias, output);
    return 0;
}
