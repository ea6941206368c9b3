// echo_imaging.h — Echo's C shim over libpng and libjpeg.
//
// Both libraries report fatal errors by longjmp. Every longjmp in this shim lands
// inside the same C function that called the library; callers only ever see a status
// code and a NUL-terminated message in their own buffer.
//
// Decoded pixels are 8-bit, interleaved, row-major, with 1 (gray), 3 (RGB) or 4 (RGBA)
// channels, allocated with malloc and freed by echo_image_free.
#ifndef ECHO_IMAGING_H
#define ECHO_IMAGING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ECHO_IMAGE_OK = 0,
    ECHO_IMAGE_CORRUPT = 1,       ///< the codec rejected the data (message says why)
    ECHO_IMAGE_TOO_LARGE = 2,     ///< width × height exceeds the caller's pixel limit
    ECHO_IMAGE_UNSUPPORTED = 3,   ///< a valid file of a kind Echo does not decode
    ECHO_IMAGE_OUT_OF_MEMORY = 4,
    ECHO_IMAGE_INVALID_ARGUMENT = 5
} EchoImageStatus;

typedef struct {
    uint8_t *pixels;    ///< width × height × channels bytes, malloc'd
    uint32_t width;
    uint32_t height;
    uint32_t channels;  ///< 1, 3 or 4
} EchoDecodedImage;

/// Decodes a PNG held in memory: gray, gray+alpha (as RGBA), RGB, RGBA, palette (as
/// RGB or RGBA), 1–16 bit (16-bit is scaled to 8 with rounding), interlaced or not.
/// Pixel values are the file's own; no gamma conversion is applied.
int echo_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                    EchoDecodedImage *out, char *error, size_t error_capacity);

/// Decodes a JPEG held in memory: baseline or progressive, gray or YCbCr (as RGB),
/// Adobe CMYK/YCCK (converted to RGB). With `strict` set, libjpeg warnings — such as
/// a truncated stream that libjpeg would pad with gray — are errors.
int echo_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int32_t strict,
                     EchoDecodedImage *out, char *error, size_t error_capacity);

/// Encodes 8-bit pixels with 1, 2, 3 or 4 channels as PNG. *out is malloc'd.
int echo_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                    uint8_t **out, size_t *out_size, char *error, size_t error_capacity);

/// Encodes 8-bit pixels as JPEG: 1 channel gray, 3 RGB, 4 CMYK (written with an Adobe
/// marker, values stored as given). `quality` 1–100; `progressive` non-zero for a
/// progressive file. *out is malloc'd.
int echo_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                     int32_t quality, int32_t progressive, uint8_t **out, size_t *out_size,
                     char *error, size_t error_capacity);

/// Frees pixels or an encoded buffer returned by this shim. NULL is ignored.
void echo_image_free(void *buffer);

/// Resamples an 8-bit `width × height × channels` image to `target_width × target_height`
/// by separable taps: output column x reads source columns `column_indices[t]` with
/// weights `column_weights[t]` for t in [column_starts[x], column_starts[x + 1]), rows
/// likewise; values are rounded half away from zero and clamped to [0, 255]. Returns 0,
/// or -1 for an empty size or when scratch memory cannot be allocated.
int echo_resample(const uint8_t *source, int width, int height, int channels, int target_width, int target_height,
                  const int64_t *column_starts, const int64_t *column_indices, const float *column_weights,
                  const int64_t *row_starts, const int64_t *row_indices, const float *row_weights, uint8_t *out);

/// Versions of the linked libpng and libjpeg, e.g. "libpng 1.6.39, libjpeg-turbo 2.1.5".
const char *echo_imaging_versions(void);

#ifdef __cplusplus
}
#endif

#endif
