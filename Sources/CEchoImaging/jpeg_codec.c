// jpeg_codec.c — JPEG decode and encode through libjpeg(-turbo), with an error manager
// whose longjmp lands in this file and never reaches the caller.
#include "echo_imaging.h"
#include "shim_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

/// A progressive JPEG may carry thousands of tiny scans that cost quadratic time;
/// no real camera writes more than a few dozen.
enum { ECHO_JPEG_MAX_SCANS = 1000 };

typedef struct {
    struct jpeg_error_mgr manager; // must be first: libjpeg hands us a pointer to it
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int strict;
    int status;
    char *error;
    size_t capacity;
} JpegFailure;

static void echo_jpeg_fail(j_common_ptr cinfo, int status) {
    JpegFailure *failure = (JpegFailure *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    failure->status = status;
    echo_set_error(failure->error, failure->capacity, "JPEG: %s", message);
    longjmp(failure->jump, 1);
}

static void echo_jpeg_error_exit(j_common_ptr cinfo) { echo_jpeg_fail(cinfo, ECHO_IMAGE_CORRUPT); }

static void echo_jpeg_emit_message(j_common_ptr cinfo, int level) {
    JpegFailure *failure = (JpegFailure *)cinfo->err;
    if (level < 0) {
        // A warning: corrupt data that libjpeg would paper over (e.g. a truncated file
        // padded with gray). In strict mode that is an error.
        cinfo->err->num_warnings++;
        if (failure->strict) echo_jpeg_fail(cinfo, ECHO_IMAGE_CORRUPT);
    }
}

static void echo_jpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr decompress = (j_decompress_ptr)cinfo;
    if (decompress->input_scan_number > ECHO_JPEG_MAX_SCANS) {
        JpegFailure *failure = (JpegFailure *)cinfo->err;
        failure->status = ECHO_IMAGE_CORRUPT;
        echo_set_error(failure->error, failure->capacity, "JPEG: more than %d progressive scans; refusing",
                       ECHO_JPEG_MAX_SCANS);
        longjmp(failure->jump, 1);
    }
}

static void echo_jpeg_install(JpegFailure *failure, j_common_ptr cinfo, int strict, char *error, size_t capacity) {
    cinfo->err = jpeg_std_error(&failure->manager);
    failure->manager.error_exit = echo_jpeg_error_exit;
    failure->manager.emit_message = echo_jpeg_emit_message;
    failure->strict = strict;
    failure->status = ECHO_IMAGE_CORRUPT;
    failure->error = error;
    failure->capacity = capacity;
}

/// Converts CMYK rows in place into RGB. Adobe writes inverted CMYK (255 = no ink).
static void echo_cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, size_t pixel_count, int inverted) {
    for (size_t i = 0; i < pixel_count; i++) {
        unsigned c = cmyk[4 * i], m = cmyk[4 * i + 1], y = cmyk[4 * i + 2], k = cmyk[4 * i + 3];
        if (!inverted) {
            c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
        }
        rgb[3 * i] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * i + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * i + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

int echo_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int32_t strict,
                     EchoDecodedImage *out, char *error, size_t error_capacity) {
    if (data == NULL || out == NULL) {
        echo_set_error(error, error_capacity, "null argument");
        return ECHO_IMAGE_INVALID_ARGUMENT;
    }
    memset(out, 0, sizeof(*out));
    struct jpeg_decompress_struct cinfo;
    JpegFailure failure;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile cmyk_row = NULL;
    echo_jpeg_install(&failure, (j_common_ptr)&cinfo, strict, error, error_capacity);
    if (setjmp(failure.jump) != 0) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(cmyk_row);
        return failure.status;
    }
    jpeg_create_decompress(&cinfo);
    failure.progress.progress_monitor = echo_jpeg_progress;
    cinfo.progress = &failure.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        failure.status = ECHO_IMAGE_UNSUPPORTED;
        echo_set_error(error, error_capacity, "JPEG: the file holds tables only, no image");
        longjmp(failure.jump, 1);
    }
    if ((uint64_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        failure.status = ECHO_IMAGE_TOO_LARGE;
        echo_set_error(error, error_capacity, "JPEG is %ux%u = %llu pixels, over the limit of %llu",
                       cinfo.image_width, cinfo.image_height,
                       (unsigned long long)cinfo.image_width * cinfo.image_height, (unsigned long long)max_pixels);
        longjmp(failure.jump, 1);
    }
    int is_cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    int channels;
    if (cinfo.jpeg_color_space == JCS_GRAYSCALE) {
        cinfo.out_color_space = JCS_GRAYSCALE;
        channels = 1;
    } else if (is_cmyk) {
        cinfo.out_color_space = JCS_CMYK;
        channels = 3;
    } else {
        cinfo.out_color_space = JCS_RGB;
        channels = 3;
    }
    jpeg_start_decompress(&cinfo);
    size_t row_bytes = (size_t)cinfo.output_width * channels;
    pixels = (uint8_t *)malloc(row_bytes * cinfo.output_height);
    if (is_cmyk) cmyk_row = (uint8_t *)malloc((size_t)cinfo.output_width * 4);
    if (pixels == NULL || (is_cmyk && cmyk_row == NULL)) {
        failure.status = ECHO_IMAGE_OUT_OF_MEMORY;
        echo_set_error(error, error_capacity, "JPEG: out of memory for %ux%u pixels", cinfo.output_width,
                       cinfo.output_height);
        longjmp(failure.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = pixels + (size_t)cinfo.output_scanline * row_bytes;
        JSAMPROW target = is_cmyk ? cmyk_row : row;
        jpeg_read_scanlines(&cinfo, &target, 1);
        if (is_cmyk) echo_cmyk_to_rgb(cmyk_row, row, cinfo.output_width, cinfo.saw_Adobe_marker);
    }
    jpeg_finish_decompress(&cinfo);
    out->pixels = pixels;
    out->width = cinfo.output_width;
    out->height = cinfo.output_height;
    out->channels = (uint32_t)channels;
    free(cmyk_row);
    jpeg_destroy_decompress(&cinfo);
    return ECHO_IMAGE_OK;
}

int echo_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                     int32_t quality, int32_t progressive, uint8_t **out, size_t *out_size,
                     char *error, size_t error_capacity) {
    if (pixels == NULL || out == NULL || out_size == NULL || width == 0 || height == 0 ||
        (channels != 1 && channels != 3 && channels != 4) || quality < 1 || quality > 100) {
        echo_set_error(error, error_capacity, "JPEG encode: bad arguments (%ux%u, %u channels, quality %d)",
                       width, height, channels, quality);
        return ECHO_IMAGE_INVALID_ARGUMENT;
    }
    *out = NULL;
    *out_size = 0;
    struct jpeg_compress_struct cinfo;
    JpegFailure failure;
    unsigned long buffer_size = 0;
    echo_jpeg_install(&failure, (j_common_ptr)&cinfo, 1, error, error_capacity);
    if (setjmp(failure.jump) != 0) {
        // libjpeg's memory destination may have replaced its buffer; freeing our copy of
        // the pointer could double-free, so an encode that fails (only on bad
        // arguments, checked above, or out of memory) leaks that one buffer.
        jpeg_destroy_compress(&cinfo);
        return failure.status;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *destination = NULL;
    jpeg_mem_dest(&cinfo, &destination, &buffer_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = (int)channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_bytes);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = destination;
    *out_size = buffer_size;
    return ECHO_IMAGE_OK;
}

const char *echo_imaging_versions(void) {
#define ECHO_STR2(x) #x
#define ECHO_STR(x) ECHO_STR2(x)
#ifdef LIBJPEG_TURBO_VERSION
    return "libpng " PNG_LIBPNG_VER_STRING ", libjpeg-turbo " ECHO_STR(LIBJPEG_TURBO_VERSION);
#else
    return "libpng " PNG_LIBPNG_VER_STRING ", libjpeg " ECHO_STR(JPEG_LIB_VERSION);
#endif
}
