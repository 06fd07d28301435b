/*
 * format.c - formatting that fails on truncation (format.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "platform/format.h"

int format_whole(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (len == 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    va_start(ap, fmt);
    n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len) {
        out[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}
