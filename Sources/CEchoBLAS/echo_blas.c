// echo_blas.c — forwards to cblas_sgemm from whichever BLAS libblas.so.3 resolves to.
#include "echo_blas.h"

// The CBLAS prototype, declared here; the enumerations are ints in every CBLAS ABI.
enum { ECHO_CBLAS_ROW_MAJOR = 101, ECHO_CBLAS_NO_TRANS = 111, ECHO_CBLAS_TRANS = 112 };
extern void cblas_sgemm(int layout, int transa, int transb, int m, int n, int k, float alpha,
                        const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

void echo_sgemm_abt(int m, int n, int k, const float *a, const float *b, float beta, float *c) {
    cblas_sgemm(ECHO_CBLAS_ROW_MAJOR, ECHO_CBLAS_NO_TRANS, ECHO_CBLAS_TRANS, m, n, k, 1.0f, a, k, b, k, beta, c, n);
}
