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

#ifdef __cplusplus
}
#endif

#endif
