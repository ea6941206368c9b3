// echo_blas.h — the one BLAS routine the backbone needs, behind an Echo-prefixed name so
// no CBLAS header (which differs between OpenBLAS and the reference BLAS) is required.
#ifndef ECHO_BLAS_H
#define ECHO_BLAS_H

#ifdef __cplusplus
extern "C" {
#endif

/// C[m×n] = A[m×k] · B[n×k]ᵀ + beta · C[m×n]; all row-major float32.
/// This is a 1×1 convolution in channels-last layout: A holds m pixels of k input
/// channels, B holds n filters of k weights.
void echo_sgemm_abt(int m, int n, int k, const float *a, const float *b, float beta, float *c);

#ifdef __cplusplus
}
#endif

#endif
