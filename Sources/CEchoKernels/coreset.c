// coreset.c — greedy farthest-point selection (see echo_kernels.h). One pass over x per
// pick, fusing the distance to the newest pick, the running minimum and the arg-max.
#include "echo_kernels.h"
#include <stdlib.h>

int echo_greedy_coreset(const float *x, int64_t n, int d, int64_t m, int64_t first, int64_t *selected, float *coverage) {
    if (x == NULL || selected == NULL || d <= 0 || n <= 0 || m <= 0 || m > n || first < 0 || first >= n) return -1;
    float *nearest = malloc((size_t)n * sizeof(float));
    if (nearest == NULL) return -1;
    for (int64_t i = 0; i < n; i++) nearest[i] = __builtin_inff();
    int64_t pick = first;
    for (int64_t s = 0; s < m; s++) {
        selected[s] = pick;
        const float *center = x + pick * (int64_t)d;
        float farthest = -1.0f;
        int64_t next = pick;
        for (int64_t i = 0; i < n; i++) {
            const float *row = x + i * (int64_t)d;
            // Eight partial sums, so the compiler can keep them in one vector register
            // (a single running sum would force strict left-to-right float addition).
            float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int j = 0;
            for (; j + 8 <= d; j += 8) {
                for (int k = 0; k < 8; k++) {
                    float diff = row[j + k] - center[j + k];
                    partial[k] += diff * diff;
                }
            }
            float sum = 0.0f;
            for (; j < d; j++) {
                float diff = row[j] - center[j];
                sum += diff * diff;
            }
            for (int k = 0; k < 8; k++) sum += partial[k];
            float current = nearest[i] < sum ? nearest[i] : sum;
            nearest[i] = current;
            if (current > farthest) {
                farthest = current;
                next = i;
            }
        }
        if (coverage != NULL) coverage[s] = farthest;
        pick = next;
    }
    free(nearest);
    return 0;
}
