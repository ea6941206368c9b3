// echo_kernels.h — numeric loops over large arrays, in C so the compiler vectorises them
// and debug builds stay usable (Swift loops at -Onone are many times slower).
#ifndef ECHO_KERNELS_H
#define ECHO_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Greedy farthest-point (k-center) selection, PatchCore's coreset: starting from row
/// `first`, repeatedly picks the row of `x` (n rows × d, row-major) farthest, in squared
/// L2 distance, from every row picked so far, until `m` rows are picked. Writes the picked
/// row numbers, in order, to `selected` (m entries) and, when `coverage` is not NULL, the
/// largest remaining distance after each pick (m entries: how well the pick covers x).
/// Requires 0 < m ≤ n and 0 ≤ first < n; returns 0, or -1 for bad arguments or when
/// scratch memory cannot be allocated.
int echo_greedy_coreset(const float *x, int64_t n, int d, int64_t m, int64_t first, int64_t *selected, float *coverage);

/// Depthwise k×k convolution of a channels-last `height × width × channels` image with
/// stride `stride` and the given top/left padding (zeros outside), plus `bias`, clamped to
/// [0, 6] (ReLU6), into `out_height × out_width × channels`. `weights` are tap-major,
/// `k·k × channels`; k is at most 16 (nothing is written otherwise). The AVX-512,
/// AVX2+FMA or portable variant is chosen at the first call.
void echo_depthwise_relu6(const float *input, int height, int width, int channels, int kernel, int stride,
                          int pad_top, int pad_left, int out_height, int out_width, const float *weights,
                          const float *bias, float *output);

/// One output row of `echo_depthwise_relu6`: `rows` holds the `kernel` input rows it reads
/// (each `width × channels`; NULL for a row outside the image, read as zeros), and the
/// row is written to `output` (`out_width × channels`). Lets a caller keep only `kernel`
/// rows of a large input, filled just before they are needed.
void echo_depthwise_relu6_row(const float *const *rows, int width, int channels, int kernel, int stride, int pad_left,
                              int out_width, const float *weights, const float *bias, float *output);

/// The depthwise variant this CPU runs: "avx512f", "avx2+fma" or "portable".
const char *echo_depthwise_variant(void);

/// `echo_depthwise_relu6` through one named build (0 portable, 1 AVX2+FMA, 2 AVX-512),
/// so tests check every build the CPU can run. Returns 0, or -1 when it cannot.
int echo_depthwise_relu6_variant(int variant, const float *input, int height, int width, int channels, int kernel,
                                 int stride, int pad_top, int pad_left, int out_height, int out_width,
                                 const float *weights, const float *bias, float *output);

/// Whether `echo_pointwise` runs on this CPU (it needs AVX-512F); 1 or 0. Without it,
/// callers compute 1×1 convolutions by BLAS.
int echo_pointwise_available(void);

/// Floats `echo_pointwise_pack` writes for a layer of `inputs` → `outputs` channels:
/// ⌈outputs / 32⌉ panels of `inputs × 32`.
int64_t echo_pointwise_packed_count(int inputs, int outputs);

/// Packs 1×1 convolution weights (`outputs × inputs`, row-major) into 32-channel panels
/// (`inputs × 32` each, the last zero-padded), the layout `echo_pointwise` reads.
void echo_pointwise_pack(const float *weights, int inputs, int outputs, float *packed);

/// Floats of scratch `echo_pointwise` needs for its last few pixels.
int64_t echo_pointwise_scratch_count(int inputs, int outputs);

/// A 1×1 convolution over `pixels` channels-last pixels: `output = input · W + bias`,
/// plus `residual` (same shape as `output`) when not NULL, clamped to [0, 6] when `relu6`,
/// each output written once. `packed` from `echo_pointwise_pack`; `scratch` holds
/// `echo_pointwise_scratch_count` floats. Returns 0, or -1 when the CPU lacks AVX-512F
/// or an argument is out of range (nothing written).
int echo_pointwise(const float *input, int64_t pixels, int inputs, const float *packed, const float *bias, int outputs,
                   const float *residual, int relu6, float *output, float *scratch);

/// Floats of the panels `echo_nearest_pack` writes for `reference_count` rows of
/// `dimension` (rounded up to whole 32-row panels); the norms take the rounded-up count.
int64_t echo_nearest_panel_count(int64_t reference_count, int dimension);

/// Packs reference rows (row-major) into 32-row panels (`dimension × 32` each) and their
/// squared norms (+∞ for the padding, which so never wins), for `echo_nearest_packed`.
void echo_nearest_pack(const float *references, int64_t reference_count, int dimension, float *panels, float *norms);

/// For each query row, the squared L2 distance to its nearest packed reference row:
/// ‖q‖² + min over r of (‖r‖² − 2q·r), the dot products on the AVX-512 micro-kernel of
/// `echo_pointwise` and the minimum folded in registers as each panel is done — no
/// distance is ever stored. Clamped at 0. `scratch` holds 6 × `dimension` floats.
/// Returns 0, or -1 without AVX-512F or for bad arguments (then use
/// echo_nearest_squared_l2 of CEchoBLAS).
int echo_nearest_packed(const float *queries, int64_t query_count, const float *panels, const float *norms,
                        int64_t reference_count, int dimension, float *nearest, float *scratch);

/// `n` floats to IEEE float16 bit patterns (round to nearest, ties to even; the host's
/// byte order) at `out`, 2·n bytes with no alignment required, with the CPU's conversion
/// instructions where it has them.
void echo_float_to_half(const float *in, void *out, int64_t n);

/// `n` IEEE float16 bit patterns (the host's byte order; 2·n bytes at `in`, no alignment
/// required) to floats, exactly.
void echo_half_to_float(const void *in, float *out, int64_t n);

/// Lays out the k×k patches of a channels-last image as rows of `k·k·channels` values
/// (ky, kx, channel order), zeros outside, for a dense convolution by GEMM:
/// `out_height × out_width` rows.
void echo_im2col(const float *input, int height, int width, int channels, int kernel, int stride, int pad_top,
                 int pad_left, int out_height, int out_width, float *output);

/// The patch grid from the backbone's two taps (channels last): at each of the fine
/// tap's positions, its 3×3 zero-padded mean (÷ 9 everywhere), then the coarse tap's 3×3
/// mean bilinearly upsampled to the fine grid (half-pixel centres, edges clamped):
/// `fine_height × fine_width × (fine_channels + coarse_channels)` into `out`. Returns 0,
/// or -1 for an empty map or when scratch memory cannot be allocated.
int echo_patch_grid(const float *fine, int fine_height, int fine_width, int fine_channels, const float *coarse,
                    int coarse_height, int coarse_width, int coarse_channels, float *out);

#ifdef __cplusplus
}
#endif

#endif
