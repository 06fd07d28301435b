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

#endif
