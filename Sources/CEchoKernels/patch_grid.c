// patch_grid.c — the patch features from the two taps in one pass: the fine tap 3×3
// average-pooled with zero padding (divided by 9 everywhere), the coarse tap pooled the
// same way then bilinearly upsampled to the fine grid (half-pixel centres, edges
// clamped), the two concatenated per position. The arithmetic is done in the order of
// the definition, without fused multiply-adds, so the numbers do not depend on the build.
#include "echo_kernels.h"

#include <stddef.h>
#include <stdlib.h>

#pragma STDC FP_CONTRACT OFF

// 3×3 mean with zero padding of position (y, x), channel c, written for all channels.
static void pool_position(const float *map, int height, int width, int channels, int y, int x, float *out) {
    for (int c = 0; c < channels; c++) out[c] = 0;
    for (int ny = y > 0 ? y - 1 : 0; ny <= (y + 1 < height ? y + 1 : height - 1); ny++)
        for (int nx = x > 0 ? x - 1 : 0; nx <= (x + 1 < width ? x + 1 : width - 1); nx++) {
            const float *from = map + ((size_t)ny * width + nx) * channels;
            for (int c = 0; c < channels; c++) out[c] += from[c];
        }
    const float ninth = 1.0f / 9.0f;
    for (int c = 0; c < channels; c++) out[c] *= ninth;
}

// Bilinear source taps along one axis: low, high and the weight of high.
static void taps(int source, int target, int i, int *low, int *high, float *fraction) {
    float position = ((float)i + 0.5f) * (float)source / (float)target - 0.5f;
    if (position < 0) position = 0;
    if (position > (float)(source - 1)) position = (float)(source - 1);
    *low = (int)position;
    *high = *low + 1 < source ? *low + 1 : source - 1;
    *fraction = position - (float)*low;
}

int echo_patch_grid(const float *fine, int fine_height, int fine_width, int fine_channels, const float *coarse,
                    int coarse_height, int coarse_width, int coarse_channels, float *out) {
    if (fine_height <= 0 || fine_width <= 0 || coarse_height <= 0 || coarse_width <= 0) return -1;
    float *pooled = malloc(sizeof(float) * (size_t)coarse_height * coarse_width * coarse_channels);
    if (!pooled) return -1;
    for (int y = 0; y < coarse_height; y++)
        for (int x = 0; x < coarse_width; x++)
            pool_position(coarse, coarse_height, coarse_width, coarse_channels, y, x,
                          pooled + ((size_t)y * coarse_width + x) * coarse_channels);
    const int dimension = fine_channels + coarse_channels;
    for (int y = 0; y < fine_height; y++) {
        int y0, y1;
        float fy;
        taps(coarse_height, fine_height, y, &y0, &y1, &fy);
        for (int x = 0; x < fine_width; x++) {
            int x0, x1;
            float fx;
            taps(coarse_width, fine_width, x, &x0, &x1, &fx);
            float *row = out + ((size_t)y * fine_width + x) * dimension;
            pool_position(fine, fine_height, fine_width, fine_channels, y, x, row);
            const float *p00 = pooled + ((size_t)y0 * coarse_width + x0) * coarse_channels;
            const float *p01 = pooled + ((size_t)y0 * coarse_width + x1) * coarse_channels;
            const float *p10 = pooled + ((size_t)y1 * coarse_width + x0) * coarse_channels;
            const float *p11 = pooled + ((size_t)y1 * coarse_width + x1) * coarse_channels;
            float *upsampled = row + fine_channels;
            for (int c = 0; c < coarse_channels; c++) {
                const float top = p00[c] * (1 - fx) + p01[c] * fx;
                const float bottom = p10[c] * (1 - fx) + p11[c] * fx;
                upsampled[c] = top * (1 - fy) + bottom * fy;
            }
        }
    }
    free(pooled);
    return 0;
}
