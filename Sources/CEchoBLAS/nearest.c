// nearest.c — squared L2 distance from every query row to its nearest reference row, as
// ‖q‖² − 2q·r + ‖r‖²: the dot products one GEMM per tile, the row minimum taken while the
// tile is still in cache, so the full distance matrix never exists.
#include "echo_blas.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>

enum { ECHO_CBLAS_ROW_MAJOR = 101, ECHO_CBLAS_NO_TRANS = 111, ECHO_CBLAS_TRANS = 112 };
extern void cblas_sgemm(int layout, int transa, int transb, int m, int n, int k, float alpha,
                        const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

// A query tile × reference tile of dot products: 128 × 512 floats = 256 KiB, inside L2.
#define QUERY_TILE 128
#define REFERENCE_TILE 512

static float squared_norm(const float *x, int d) {
    float sum = 0;
    for (int i = 0; i < d; i++) sum += x[i] * x[i];
    return sum;
}

int echo_nearest_squared_l2(const float *queries, int64_t query_count, const float *references, int64_t reference_count,
                            int dimension, float *nearest) {
    if (query_count < 0 || reference_count <= 0 || dimension <= 0 || !queries || !references || !nearest) return -1;
    float *reference_norms = malloc(sizeof(float) * (size_t)reference_count);
    float *tile = malloc(sizeof(float) * QUERY_TILE * REFERENCE_TILE);
    if (!reference_norms || !tile) {
        free(reference_norms);
        free(tile);
        return -1;
    }
    for (int64_t j = 0; j < reference_count; j++) reference_norms[j] = squared_norm(references + j * dimension, dimension);
    for (int64_t i = 0; i < query_count; i++) nearest[i] = FLT_MAX;
    for (int64_t q0 = 0; q0 < query_count; q0 += QUERY_TILE) {
        const int rows = (int)(query_count - q0 < QUERY_TILE ? query_count - q0 : QUERY_TILE);
        for (int64_t r0 = 0; r0 < reference_count; r0 += REFERENCE_TILE) {
            const int columns = (int)(reference_count - r0 < REFERENCE_TILE ? reference_count - r0 : REFERENCE_TILE);
            // tile = −2 · Q · Rᵀ
            cblas_sgemm(ECHO_CBLAS_ROW_MAJOR, ECHO_CBLAS_NO_TRANS, ECHO_CBLAS_TRANS, rows, columns, dimension, -2.0f,
                        queries + q0 * dimension, dimension, references + r0 * dimension, dimension, 0.0f, tile, columns);
            const float *norms = reference_norms + r0;
            for (int i = 0; i < rows; i++) {
                const float *row = tile + (size_t)i * columns;
                float best = nearest[q0 + i];
                for (int j = 0; j < columns; j++) {
                    const float candidate = row[j] + norms[j];
                    best = candidate < best ? candidate : best;
                }
                nearest[q0 + i] = best;
            }
        }
    }
    for (int64_t i = 0; i < query_count; i++) {
        const float distance = nearest[i] + squared_norm(queries + i * dimension, dimension);
        nearest[i] = distance > 0 ? distance : 0;
    }
    free(reference_norms);
    free(tile);
    return 0;
}
