/*
 * json.c - JSON string output for metadata.json and --json modes.
 *
 * Text read from a crashed kernel may hold any byte, so nothing is passed
 * through that could break a JSON reader: quotes, backslashes, control bytes
 * and every byte outside ASCII are escaped.
 */
#include <ctype.h>
#include <string.h>

#include "render/json.h"

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
/* Decodes the string whose opening quote is at (at[-1] == '"'); NULL if it does not end. */
static const char *read_string(const char *at, char *out, size_t len)
{
    size_t n = 0;

    for (; *at && *at != '"'; at++) {
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
        if (n + 1 < len)
            out[n++] = c;
    }
    out[n] = '\0';
    return *at == '"' ? at + 1 : NULL;
}

/* Just past `"key": ` followed by open, or NULL. */
static const char *value_of(const char *text, const char *key, char open)
{
    char pattern[80];
    const char *at;

    if (snprintf(pattern, sizeof(pattern), "\"%s\": %c", key, open) >= (int)sizeof(pattern))
        return NULL;
    at = strstr(text, pattern);
    return at ? at + strlen(pattern) : NULL;
}

int json_find_string(const char *text, const char *key, char *out, size_t len)
{
    const char *at = value_of(text, key, '"');

    if (len == 0 || !at)
        return -1;
    read_string(at, out, len);
    return 0;
}

size_t json_find_strings(const char *text, const char *key, char *out, size_t each, size_t max)
{
    const char *at = value_of(text, key, '[');
    size_t n = 0;

    while (at && n < max) {
        while (*at == ' ' || *at == '\n')
            at++;
        if (*at != '"')
            break;
        at = read_string(at + 1, out + n * each, each);
        if (!at)
            break;
        n++;
        while (*at == ' ' || *at == '\n')
            at++;
        if (*at != ',')
            break;
        at++;
    }
    return n;
}

size_t json_each_string(const char *text, const char *key, char *out, size_t each, size_t max)
{
    const char *at = text;
    size_t n = 0;

    while (n < max && (at = value_of(at, key, '"')) != NULL) {
        at = read_string(at, out + n * each, each);
        n++;
        if (!at)
            break;
    }
    return n;
}
