// depthwise.c — the backbone's depthwise k×k convolution (bias and ReLU6 fused), register
// blocked: four output pixels × one vector of channels accumulate every tap in registers
// and are written once. Written once with the compiler's vector extensions and compiled
// three times — AVX-512, AVX2 + FMA, and portable — the best the CPU supports chosen at
// the first call.
#include "echo_kernels.h"

#include <stddef.h>

typedef float v16f __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));

// Unaligned loads and stores (channel offsets need not be vector-aligned).
#define LOAD(VEC, p) ({ VEC v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define STORE(p, v) do { __typeof__(v) s_ = (v); __builtin_memcpy((p), &s_, sizeof s_); } while (0)
#define RELU6(v, zero, six) __builtin_elementwise_min(__builtin_elementwise_max((v), (zero)), (six))

// One output row's pixels in [x0, x1): every tap of each pixel falls inside the row,
// so the four-pixel blocks need no checks. `rows` points at the first input row in use
// (ky0), `taps` at that row's first tap weight; `kys` rows are used.
#define ECHO_DEPTHWISE_BODY(VEC, LANES)                                                                \
    const int c = channels, k = kernel, s = stride;                                                     \
    const int out_w = out_width;                                                                        \
    /* The output columns whose k taps are all inside the input row. */                                 \
    int x_first = (pad_left + s - 1) / s;                                                               \
    int x_last = (width - k + pad_left) / s + 1; /* exclusive */                                        \
    if (x_first > out_w) x_first = out_w;                                                               \
    if (x_last > out_w) x_last = out_w;                                                                 \
    if (x_last < x_first) x_last = x_first;                                                             \
    const int vector_channels = c - c % (LANES);                                                        \
    for (int oy = 0; oy < out_height; oy++) {                                                           \
        const int y0 = oy * s - pad_top;                                                                \
        const int ky0 = y0 < 0 ? -y0 : 0;                                                               \
        const int ky1 = (height - y0) < k ? (height - y0) : k;                                          \
        float *out_row = output + (size_t)oy * out_w * c;                                               \
        for (int ox = 0; ox < out_w;) {                                                                 \
            const int block = (ox >= x_first && ox + 4 <= x_last) ? 4 : 1;                              \
            const int in_x = ox * s - pad_left;                                                         \
            const int kx0 = (ox >= x_first && ox < x_last) ? 0 : (in_x < 0 ? -in_x : 0);                \
            const int kx1 = (ox >= x_first && ox < x_last) ? k : ((width - in_x) < k ? (width - in_x) : k); \
            for (int ch = 0; ch < vector_channels; ch += (LANES)) {                                     \
                VEC b = LOAD(VEC, bias + ch);                                                      \
                if (block == 4) {                                                                       \
                    VEC a0 = b, a1 = b, a2 = b, a3 = b;                                                 \
                    for (int ky = ky0; ky < ky1; ky++) {                                                \
                        const float *row = input + ((size_t)(y0 + ky) * width + in_x) * c + ch;         \
                        const float *tap = weights + (size_t)(ky * k) * c + ch;                         \
                        for (int kx = 0; kx < k; kx++) {                                                \
                            const VEC w = LOAD(VEC, tap + (size_t)kx * c);                         \
                            const float *p = row + (size_t)kx * c;                                      \
                            a0 += LOAD(VEC, p) * w;                                                \
                            a1 += LOAD(VEC, p + (size_t)s * c) * w;                                \
                            a2 += LOAD(VEC, p + (size_t)2 * s * c) * w;                            \
                            a3 += LOAD(VEC, p + (size_t)3 * s * c) * w;                            \
                        }                                                                               \
                    }                                                                                   \
                    const VEC zero = (VEC){0}, six = zero + 6.0f;                                       \
                    float *o = out_row + (size_t)ox * c + ch;                                           \
                    a0 = RELU6(a0, zero, six);                               \
                    a1 = RELU6(a1, zero, six);                               \
                    a2 = RELU6(a2, zero, six);                               \
                    a3 = RELU6(a3, zero, six);                               \
                    STORE(o, a0);                                                                   \
                    STORE(o + c, a1);                                                               \
                    STORE(o + 2 * (size_t)c, a2);                                                   \
                    STORE(o + 3 * (size_t)c, a3);                                                   \
                } else {                                                                                \
                    VEC a = b;                                                                          \
                    for (int ky = ky0; ky < ky1; ky++) {                                                \
                        const float *row = input + ((size_t)(y0 + ky) * width + in_x) * c + ch;         \
                        const float *tap = weights + (size_t)(ky * k) * c + ch;                         \
                        for (int kx = kx0; kx < kx1; kx++)                                              \
                            a += LOAD(VEC, row + (size_t)kx * c) * LOAD(VEC, tap + (size_t)kx * c); \
                    }                                                                                   \
                    const VEC zero = (VEC){0}, six = zero + 6.0f;                                       \
                    a = RELU6(a, zero, six);                                     \
                    STORE(out_row + (size_t)ox * c + ch, a);                                        \
                }                                                                                       \
            }                                                                                           \
            /* Channels past the last whole vector, one at a time. */                                   \
            for (int px = ox; px < ox + block; px++) {                                                  \
                const int px_in = px * s - pad_left;                                                    \
                const int px0 = px_in < 0 ? -px_in : 0;                                                 \
                const int px1 = (width - px_in) < k ? (width - px_in) : k;                              \
                for (int ch = vector_channels; ch < c; ch++) {                                          \
                    float a = bias[ch];                                                                 \
                    for (int ky = ky0; ky < ky1; ky++)                                                  \
                        for (int kx = px0; kx < px1; kx++)                                              \
                            a += input[((size_t)(y0 + ky) * width + px_in + kx) * c + ch]               \
                                 * weights[(size_t)(ky * k + kx) * c + ch];                             \
                    out_row[(size_t)px * c + ch] = a < 0 ? 0 : (a > 6 ? 6 : a);                         \
                }                                                                                       \
            }                                                                                           \
            ox += block;                                                                                \
        }                                                                                               \
    }

#define ECHO_DEPTHWISE_PARAMETERS                                                                      \
    const float *restrict input, int height, int width, int channels, int kernel, int stride,          \
    int pad_top, int pad_left, int out_height, int out_width, const float *restrict weights,           \
    const float *restrict bias, float *restrict output

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static void depthwise_avx512(ECHO_DEPTHWISE_PARAMETERS) {
    ECHO_DEPTHWISE_BODY(v16f, 16)
}
__attribute__((target("avx2,fma"))) static void depthwise_avx2(ECHO_DEPTHWISE_PARAMETERS) {
    ECHO_DEPTHWISE_BODY(v8f, 8)
}
#endif

static void depthwise_portable(ECHO_DEPTHWISE_PARAMETERS) {
    ECHO_DEPTHWISE_BODY(v8f, 8)
}

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
