/*
 * json.h - writing JSON strings from bytes that may come from a crashed kernel.
 */
#ifndef LIFEBOAT_JSON_H
#define LIFEBOAT_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes len bytes as a JSON string; control bytes and bytes >= 0x7f become \u00XX. */
void json_string(FILE *f, const char *s, size_t len);
/* The same for a NUL-terminated string; NULL is written as null. */
void json_cstring(FILE *f, const char *s);

/*
 * The string value of "key" in JSON lifeboat wrote (metadata.json,
 * info.json): 0 and at most len-1 bytes in out, -1 if there is none.
 */
int json_find_string(const char *text, const char *key, char *out, size_t len);
/*
 * The strings of the array "key": ["...", ...]: at most max of them, each cut
 * to each-1 bytes, into out[i * each]; how many.  The array ends at the first
 * element that is not a string.
 */
size_t json_find_strings(const char *text, const char *key, char *out, size_t each, size_t max);
/* The values of every "key": "..." in text, in order (e.g. each frame's symbol); as above. */
size_t json_each_string(const char *text, const char *key, char *out, size_t each, size_t max);

#endif
