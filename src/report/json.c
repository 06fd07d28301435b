/*
 * json.c - JSON string output for metadata.json and --json modes.
 *
 * Text read from a crashed kernel may hold any byte, so nothing is passed
 * through that could break a JSON reader: quotes, backslashes, control bytes
 * and every byte outside ASCII are escaped.
 */
#include "json.h"

void json_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void json_cstring(FILE *f, const char *s)
{
    size_t len = 0;

    if (!s) {
        fputs("null", f);
        return;
    }
    while (s[len])
        len++;
    json_string(f, s, len);
}
