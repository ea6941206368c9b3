// resample.c — separable resampling of 8-bit images by precomputed taps: every source row
// to the target width in floats, then the rows combined, rounded (half away from zero)
// and clamped. The arithmetic follows the definition's order without fused
// multiply-adds, so the pixels do not depend on the build.
#include "echo_imaging.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

int echo_resample(const uint8_t *source, int width, int height, int channels, int target_width, int target_height,
                  const int64_t *column_starts, const int64_t *column_indices, const float *column_weights,
                  const int64_t *row_starts, const int64_t *row_indices, const float *row_weights, uint8_t *out) {
    if (width <= 0 || height <= 0 || channels <= 0 || target_width <= 0 || target_height <= 0) return -1;
    const size_t row_length = (size_t)target_width * channels;
    float *horizontal = calloc((size_t)height * row_length, sizeof(float));
    float *accumulator = malloc(sizeof(float) * row_length);
    if (!horizontal || !accumulator) {
        free(horizontal);
        free(accumulator);
        return -1;
    }
    for (int y = 0; y < height; y++) {
        const uint8_t *source_row = source + (size_t)y * width * channels;
        float *out_row = horizontal + (size_t)y * row_length;
        for (int x = 0; x < target_width; x++) {
            float *pixel = out_row + (size_t)x * channels;
            for (int64_t tap = column_starts[x]; tap < column_starts[x + 1]; tap++) {
                const float weight = column_weights[tap];
                const uint8_t *from = source_row + (size_t)column_indices[tap] * channels;
                for (int k = 0; k < channels; k++) pixel[k] += weight * (float)from[k];
            }
        }
    }
    for (int y = 0; y < target_height; y++) {
        memset(accumulator, 0, sizeof(float) * row_length);
        for (int64_t tap = row_starts[y]; tap < row_starts[y + 1]; tap++) {
            const float weight = row_weights[tap];
            const float *from = horizontal + (size_t)row_indices[tap] * row_length;
            for (size_t i = 0; i < row_length; i++) accumulator[i] += weight * from[i];
        }
        uint8_t *out_row = out + (size_t)y * row_length;
        for (size_t i = 0; i < row_length; i++) {
            const float value = roundf(accumulator[i]);
            out_row[i] = (uint8_t)(value < 0 ? 0 : (value > 255 ? 255 : value));
        }
    }
    free(horizontal);
    free(accumulator);
    return 0;
}
