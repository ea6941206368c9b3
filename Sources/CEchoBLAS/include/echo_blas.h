// echo_blas.h — the BLAS routines the backbone and the patch scorer need, behind Echo-prefixed names so
// no CBLAS header (which differs between OpenBLAS and the reference BLAS) is required.
#ifndef ECHO_BLAS_H
#define ECHO_BLAS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// C[m×n] = A[m×k] · B[n×k]ᵀ + beta · C[m×n]; all row-major float32.
/// This is a 1×1 convolution in channels-last layout: A holds m pixels of k input
/// channels, B holds n filters of k weights.
void echo_sgemm_abt(int m, int n, int k, const float *a, const float *b, float beta, float *c);

/// For each of `query_count` rows of `queries` (row-major, `dimension` wide), the squared
/// L2 distance to its nearest row of `references` (`reference_count` rows), into
/// `nearest`: ‖q‖² − 2q·r + ‖r‖² with the dot products by GEMM over cache-sized tiles
/// and the minimum kept per row, never the whole distance matrix; clamped at 0.
/// Returns 0, or -1 for bad arguments (no references) or when scratch memory cannot be
/// allocated.
int echo_nearest_squared_l2(const float *queries, int64_t query_count, const float *references, int64_t reference_count,
                            int dimension, float *nearest);

#ifdef __cplusplus
}
#endif

#endif
