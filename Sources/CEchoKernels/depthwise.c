// depthwise.c — the backbone's depthwise k×k convolution (bias and ReLU6 fused), register
// blocked: a vector of channels keeps its k·k tap weights in registers while every output
// pixel accumulates its taps in registers and is written once. Written once with the compiler's vector extensions and compiled
// three times — AVX-512, AVX2 + FMA, and portable — the best the CPU supports chosen at
// the first call.
#include "echo_kernels.h"

#include <stddef.h>

// The general-size build cannot unroll its tap loops fully; that is expected.
#pragma clang diagnostic ignored "-Wpass-failed"

typedef float v16f __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));

// Unaligned loads and stores (channel offsets need not be vector-aligned).
#define LOAD(VEC, p) ({ VEC v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define STORE(p, v) do { __typeof__(v) s_ = (v); __builtin_memcpy((p), &s_, sizeof s_); } while (0)
#define RELU6(v, zero, six) __builtin_elementwise_min(__builtin_elementwise_max((v), (zero)), (six))

// One channel chunk (a vector of LANES channels) at a time: its k·k tap weights are
// loaded into registers once, then every output pixel of the image accumulates its taps
// against them — one input load per multiply-add. Pixels whose taps all fall inside the
// image take the unrolled path, two at a time; border pixels a clipped loop that reads
// the weights from memory. Channels past the last whole vector go one at a time.
#define ECHO_DEPTHWISE_BODY(VEC, LANES, KERNEL)                                                        \
    const int c = channels, k = (KERNEL), s = stride, out_w = out_width;                                \
    (void)kernel;                                                                                       \
    /* The output columns and rows whose k taps are all inside the input. */                            \
    int x_first = (pad_left + s - 1) / s, x_last = (width - k + pad_left) / s + 1;                     \
    int y_first = (pad_top + s - 1) / s, y_last = (height - k + pad_top) / s + 1;                      \
    if (x_first > out_w) x_first = out_w;                                                               \
    if (x_last < x_first) x_last = x_first;                                                             \
    if (x_last > out_w) x_last = out_w;                                                                 \
    if (y_first > out_height) y_first = out_height;                                                     \
    if (y_last < y_first) y_last = y_first;                                                             \
    if (y_last > out_height) y_last = out_height;                                                       \
    const size_t row_pitch = (size_t)width * c;                                                         \
    const int vector_channels = c - c % (LANES);                                                        \
    for (int ch = 0; ch < vector_channels; ch += (LANES)) {                                             \
        VEC w[(KERNEL) * (KERNEL)];                                                                     \
        _Pragma("clang loop unroll(full)")                                                              \
        for (int t = 0; t < (KERNEL) * (KERNEL); t++) w[t] = LOAD(VEC, weights + (size_t)t * c + ch);   \
        const VEC b = LOAD(VEC, bias + ch), zero = (VEC){0}, six = zero + 6.0f;                         \
        for (int oy = 0; oy < out_height; oy++) {                                                       \
            const int y0 = oy * s - pad_top;                                                            \
            float *out_row = output + (size_t)oy * out_w * c + ch;                                      \
            const int inner = oy >= y_first && oy < y_last;                                             \
            int ox = 0;                                                                                 \
            for (;;) {                                                                                  \
                /* Border pixels (all of them on a border row): clipped taps. */                        \
                const int border_end = inner ? (ox < x_first ? x_first : (ox >= x_last ? out_w : ox)) : out_w; \
                for (; ox < border_end; ox++) {                                                         \
                    const int x0 = ox * s - pad_left;                                                   \
                    const int ky0 = y0 < 0 ? -y0 : 0, ky1 = height - y0 < k ? height - y0 : k;          \
                    const int kx0 = x0 < 0 ? -x0 : 0, kx1 = width - x0 < k ? width - x0 : k;            \
                    VEC a = b;                                                                          \
                    for (int ky = ky0; ky < ky1; ky++)                                                  \
                        for (int kx = kx0; kx < kx1; kx++)                                              \
                            a += LOAD(VEC, input + (size_t)(y0 + ky) * row_pitch + (size_t)(x0 + kx) * c + ch) \
                                 * LOAD(VEC, weights + (size_t)(ky * k + kx) * c + ch);                 \
                    STORE(out_row + (size_t)ox * c, RELU6(a, zero, six));                               \
                }                                                                                       \
                if (ox >= out_w) break;                                                                 \
                /* Interior pixels, two at a time, then one. */                                         \
                const float *origin = input + (size_t)y0 * row_pitch + ch;                              \
                for (; ox + 2 <= x_last; ox += 2) {                                                     \
                    const float *p0 = origin + (size_t)(ox * s - pad_left) * c, *p1 = p0 + (size_t)s * c; \
                    VEC a0 = b, a1 = b;                                                                 \
                    _Pragma("clang loop unroll(full)")                                                  \
                    for (int ky = 0; ky < (KERNEL); ky++) {                                             \
                        _Pragma("clang loop unroll(full)")                                              \
                        for (int kx = 0; kx < (KERNEL); kx++) {                                         \
                            const size_t at = (size_t)ky * row_pitch + (size_t)kx * c;                  \
                            a0 += LOAD(VEC, p0 + at) * w[ky * (KERNEL) + kx];                           \
                            a1 += LOAD(VEC, p1 + at) * w[ky * (KERNEL) + kx];                           \
                        }                                                                               \
                    }                                                                                   \
                    STORE(out_row + (size_t)ox * c, RELU6(a0, zero, six));                              \
                    STORE(out_row + (size_t)(ox + 1) * c, RELU6(a1, zero, six));                        \
                }                                                                                       \
                for (; ox < x_last; ox++) {                                                             \
                    const float *p0 = origin + (size_t)(ox * s - pad_left) * c;                         \
                    VEC a0 = b;                                                                         \
                    _Pragma("clang loop unroll(full)")                                                  \
                    for (int ky = 0; ky < (KERNEL); ky++) {                                             \
                        _Pragma("clang loop unroll(full)")                                              \
                        for (int kx = 0; kx < (KERNEL); kx++)                                           \
                            a0 += LOAD(VEC, p0 + (size_t)ky * row_pitch + (size_t)kx * c) * w[ky * (KERNEL) + kx]; \
                    }                                                                                   \
                    STORE(out_row + (size_t)ox * c, RELU6(a0, zero, six));                              \
                }                                                                                       \
            }                                                                                           \
        }                                                                                               \
    }                                                                                                   \
    /* Channels past the last whole vector, one at a time. */                                           \
    for (int ch = vector_channels; ch < c; ch++) {                                                      \
        for (int oy = 0; oy < out_height; oy++) {                                                       \
            const int y0 = oy * s - pad_top;                                                            \
            const int ky0 = y0 < 0 ? -y0 : 0, ky1 = height - y0 < k ? height - y0 : k;                  \
            for (int ox = 0; ox < out_w; ox++) {                                                        \
                const int x0 = ox * s - pad_left;                                                       \
                const int kx0 = x0 < 0 ? -x0 : 0, kx1 = width - x0 < k ? width - x0 : k;                \
                float a = bias[ch];                                                                     \
                for (int ky = ky0; ky < ky1; ky++)                                                      \
                    for (int kx = kx0; kx < kx1; kx++)                                                  \
                        a += input[(size_t)(y0 + ky) * row_pitch + (size_t)(x0 + kx) * c + ch]          \
                             * weights[(size_t)(ky * k + kx) * c + ch];                                 \
                output[((size_t)oy * out_w + ox) * c + ch] = a < 0 ? 0 : (a > 6 ? 6 : a);               \
            }                                                                                           \
        }                                                                                               \
    }

#define ECHO_DEPTHWISE_PARAMETERS                                                                      \
    const float *restrict input, int height, int width, int channels, int kernel, int stride,          \
    int pad_top, int pad_left, int out_height, int out_width, const float *restrict weights,           \
    const float *restrict bias, float *restrict output

// Each build specialised for the kernel sizes Lite0 uses (3 and 5, the tap loops
// unrolled), with a general version for any other.
#define ECHO_DEPTHWISE_VARIANT(NAME, ATTRIBUTES, VEC, LANES)                                            \
    ATTRIBUTES static void NAME##_k3(ECHO_DEPTHWISE_PARAMETERS) { ECHO_DEPTHWISE_BODY(VEC, LANES, 3) }  \
    ATTRIBUTES static void NAME##_k5(ECHO_DEPTHWISE_PARAMETERS) { ECHO_DEPTHWISE_BODY(VEC, LANES, 5) }  \
    ATTRIBUTES static void NAME##_any(ECHO_DEPTHWISE_PARAMETERS) { ECHO_DEPTHWISE_BODY(VEC, LANES, kernel) } \
    static void NAME(ECHO_DEPTHWISE_PARAMETERS) {                                                        \
        if (kernel == 3) NAME##_k3(input, height, width, channels, kernel, stride, pad_top, pad_left, out_height, out_width, weights, bias, output); \
        else if (kernel == 5) NAME##_k5(input, height, width, channels, kernel, stride, pad_top, pad_left, out_height, out_width, weights, bias, output); \
        else NAME##_any(input, height, width, channels, kernel, stride, pad_top, pad_left, out_height, out_width, weights, bias, output); \
    }

#if defined(__x86_64__)
ECHO_DEPTHWISE_VARIANT(depthwise_avx512, __attribute__((target("avx512f"))), v16f, 16)
ECHO_DEPTHWISE_VARIANT(depthwise_avx2, __attribute__((target("avx2,fma"))), v8f, 8)
#endif
ECHO_DEPTHWISE_VARIANT(depthwise_portable, , v8f, 8)

typedef void (*depthwise_function)(ECHO_DEPTHWISE_PARAMETERS);

static depthwise_function chosen_depthwise(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return depthwise_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return depthwise_avx2;
#endif
    return depthwise_portable;
}

const char *echo_depthwise_variant(void) {
    depthwise_function f = chosen_depthwise();
#if defined(__x86_64__)
    if (f == depthwise_avx512) return "avx512f";
    if (f == depthwise_avx2) return "avx2+fma";
#endif
    (void)f;
    return "portable";
}

void echo_depthwise_relu6(ECHO_DEPTHWISE_PARAMETERS) {
    // Chosen once; a race between first callers stores the same pointer.
    static depthwise_function f = NULL;
    depthwise_function local = __atomic_load_n(&f, __ATOMIC_ACQUIRE);
    if (!local) {
        local = chosen_depthwise();
        __atomic_store_n(&f, local, __ATOMIC_RELEASE);
    }
    local(input, height, width, channels, kernel, stride, pad_top, pad_left, out_height, out_width, weights, bias, output);
}

int echo_depthwise_relu6_variant(int variant, ECHO_DEPTHWISE_PARAMETERS) {
    depthwise_function f = NULL;
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
    if (!f) return -1;
    f(input, height, width, channels, kernel, stride, pad_top, pad_left, out_height, out_width, weights, bias, output);
    return 0;
}
