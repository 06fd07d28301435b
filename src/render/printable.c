/*
 * printable.c - escaping what a crashed machine wrote for a line of text
 * (printable.h).
 */
#include <stdio.h>

#include "render/printable.h"

const char *printable(const char *s, char *out, size_t len)
{
    size_t n = 0;

    if (len == 0)
        return out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        size_t need = c >= 0x20 && c < 0x7f ? 1 : 4;
        if (n + need >= len)
            break;
        if (need == 1)
            out[n] = (char)c;
        else
            snprintf(out + n, 5, "\\x%02x", c);
        n += need;
    }
    out[n] = '\0';
    return out;
}
