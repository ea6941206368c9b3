// shim_internal.h — helpers shared by the PNG and JPEG halves of the shim.
#ifndef ECHO_SHIM_INTERNAL_H
#define ECHO_SHIM_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/// Formats a message into the caller's buffer, always NUL-terminated.
static inline void echo_set_error(char *buffer, size_t capacity, const char *format, ...) {
    if (buffer == NULL || capacity == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(buffer, capacity, format, arguments);
    va_end(arguments);
}

#endif
