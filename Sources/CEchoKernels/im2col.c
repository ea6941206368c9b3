// im2col.c — the stem's patches as GEMM rows, copied value by value (the 3-channel
// pixels are too short for a memmove call each).
#include "echo_kernels.h"

#include <stddef.h>

void echo_im2col(const float *input, int height, int width, int channels, int kernel, int stride, int pad_top,
                 int pad_left, int out_height, int out_width, float *output) {
    const size_t row_length = (size_t)kernel * kernel * channels;
    for (int oy = 0; oy < out_height; oy++) {
        for (int ox = 0; ox < out_width; ox++) {
            float *row = output + ((size_t)oy * out_width + ox) * row_length;
            const int x0 = ox * stride - pad_left;
            const int inside = x0 >= 0 && x0 + kernel <= width;
            for (int ky = 0; ky < kernel; ky++) {
                const int y = oy * stride - pad_top + ky;
                if (inside && y >= 0 && y < height) {
                    // The k pixels of this tap row are adjacent in the input: one run.
                    const float *source = input + ((size_t)y * width + x0) * channels;
                    float *destination = row + (size_t)ky * kernel * channels;
                    for (int i = 0; i < kernel * channels; i++) destination[i] = source[i];
                    continue;
                }
                for (int kx = 0; kx < kernel; kx++) {
                    const int x = ox * stride - pad_left + kx;
                    float *destination = row + ((size_t)ky * kernel + kx) * channels;
                    if (y >= 0 && y < height && x >= 0 && x < width) {
                        const float *source = input + ((size_t)y * width + x) * channels;
                        for (int c = 0; c < channels; c++) destination[c] = source[c];
                    } else {
                        for (int c = 0; c < channels; c++) destination[c] = 0;
                    }
                }
            }
        }
    }
}
