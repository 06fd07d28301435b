/*
 * json.c - JSON string output for metadata.json and --json modes.
 *
 * Text read from a crashed kernel may hold any byte, so nothing is passed
 * through that could break a JSON reader: quotes, backslashes, control bytes
 * and every byte outside ASCII are escaped.
 */
#include <ctype.h>
#include <string.h>

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

/*
 * Reads back what json_string wrote, from one of lifeboat's own files (which
 * a crashed machine's bytes went into): bounded by text's end and by len;
 * an escape outside ASCII becomes '?'.
 */
int json_find_string(const char *text, const char *key, char *out, size_t len)
{
    char pattern[80];
    const char *at;
    size_t n = 0;

    if (len == 0)
        return -1;
    snprintf(pattern, sizeof(pattern), "\"%s\": \"", key);
    at = strstr(text, pattern);
    if (!at)
        return -1;
    for (at += strlen(pattern); *at && *at != '"' && n + 1 < len; at++) {
        char c = *at;
        if (c == '\\') {
            c = *++at;
            if (c == 'n') {
                c = '\n';
            } else if (c == 'u') {
                unsigned v = 0;
                for (int i = 0; i < 4 && isxdigit((unsigned char)at[1]); i++, at++)
                    v = v * 16 + (unsigned)(isdigit((unsigned char)at[1])
                                                ? at[1] - '0'
                                                : (tolower((unsigned char)at[1]) - 'a' + 10));
                c = v >= 0x20 && v < 0x7f ? (char)v : '?';
            } else if (c == '\0') {
                break;
            }
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return 0;
}
