// png_codec.c — PNG decode (classic libpng API, longjmp contained here) and encode
// (simplified png_image API, which needs no setjmp).
#include "echo_imaging.h"
#include "shim_internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} MemoryReader;

typedef struct {
    jmp_buf jump;
    char *error;
    size_t capacity;
} PngFailure;

static void echo_png_error(png_structp png, png_const_charp message) {
    PngFailure *failure = (PngFailure *)png_get_error_ptr(png);
    echo_set_error(failure->error, failure->capacity, "PNG: %s", message);
    longjmp(failure->jump, 1);
}

static void echo_png_warning(png_structp png, png_const_charp message) {
    // Warnings (an unusual ICC profile, a bad ancillary CRC) do not make pixels wrong.
    (void)png;
    (void)message;
}

static void echo_png_read(png_structp png, png_bytep out, size_t length) {
    MemoryReader *reader = (MemoryReader *)png_get_io_ptr(png);
    if (length > reader->size - reader->offset) {
        png_error(png, "unexpected end of data: the file is truncated");
    }
    memcpy(out, reader->data + reader->offset, length);
    reader->offset += length;
}

int echo_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, EchoDecodedImage *out,
                    char *error, size_t error_capacity) {
    if (data == NULL || out == NULL) {
        echo_set_error(error, error_capacity, "null argument");
        return ECHO_IMAGE_INVALID_ARGUMENT;
    }
    memset(out, 0, sizeof(*out));
    PngFailure failure = {.error = error, .capacity = error_capacity};
    MemoryReader reader = {.data = data, .size = size, .offset = 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, echo_png_error, echo_png_warning);
    if (png == NULL) {
        echo_set_error(error, error_capacity, "PNG: could not create a decoder (out of memory)");
        return ECHO_IMAGE_OUT_OF_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = ECHO_IMAGE_CORRUPT;

    if (setjmp(failure.jump) != 0) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return status;
    }
    if (info == NULL) png_error(png, "could not create the info structure (out of memory)");
    png_set_read_fn(png, &reader, echo_png_read);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    int color_type = png_get_color_type(png, info);
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        status = ECHO_IMAGE_TOO_LARGE;
        echo_set_error(error, error_capacity, "PNG is %ux%u = %llu pixels, over the limit of %llu",
                       width, height, (unsigned long long)width * height, (unsigned long long)max_pixels);
        longjmp(failure.jump, 1);
    }

    int has_transparency = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (has_transparency) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_scale_16(png);
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0 && ((color_type & PNG_COLOR_MASK_ALPHA) != 0 || has_transparency)) {
        png_set_gray_to_rgb(png); // gray + alpha becomes RGBA: Echo images have 1, 3 or 4 channels
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    png_byte channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if ((channels != 1 && channels != 3 && channels != 4) || row_bytes != (size_t)width * channels) {
        status = ECHO_IMAGE_UNSUPPORTED;
        echo_set_error(error, error_capacity, "PNG: unexpected layout after conversion (%u channels)", channels);
        longjmp(failure.jump, 1);
    }
    pixels = (uint8_t *)malloc(row_bytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        status = ECHO_IMAGE_OUT_OF_MEMORY;
        echo_set_error(error, error_capacity, "PNG: out of memory for %ux%u pixels", width, height);
        longjmp(failure.jump, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    out->pixels = pixels;
    out->width = width;
    out->height = height;
    out->channels = channels;
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return ECHO_IMAGE_OK;
}

int echo_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                    uint8_t **out, size_t *out_size, char *error, size_t error_capacity) {
    static const png_uint_32 formats[] = {0, PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB, PNG_FORMAT_RGBA};
    if (pixels == NULL || out == NULL || out_size == NULL || channels < 1 || channels > 4 || width == 0 || height == 0) {
        echo_set_error(error, error_capacity, "PNG encode: bad arguments (%ux%u, %u channels)", width, height, channels);
        return ECHO_IMAGE_INVALID_ARGUMENT;
    }
    *out = NULL;
    *out_size = 0;
    png_image image;
    memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    image.format = formats[channels];
    size_t size = 0;
    if (!png_image_write_to_memory(&image, NULL, &size, 0, pixels, 0, NULL)) {
        echo_set_error(error, error_capacity, "PNG encode: %s", image.message);
        png_image_free(&image);
        return ECHO_IMAGE_INVALID_ARGUMENT;
    }
    uint8_t *buffer = (uint8_t *)malloc(size);
    if (buffer == NULL) {
        echo_set_error(error, error_capacity, "PNG encode: out of memory");
        return ECHO_IMAGE_OUT_OF_MEMORY;
    }
    if (!png_image_write_to_memory(&image, buffer, &size, 0, pixels, 0, NULL)) {
        echo_set_error(error, error_capacity, "PNG encode: %s", image.message);
        png_image_free(&image);
        free(buffer);
        return ECHO_IMAGE_INVALID_ARGUMENT;
    }
    *out = buffer;
    *out_size = size;
    return ECHO_IMAGE_OK;
}

void echo_image_free(void *buffer) { free(buffer); }
