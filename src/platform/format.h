/*
 * format.h - snprintf that fails rather than cut (format.c).  A path cut
 * short names another file: one built from the environment, a
 * configuration or the running system goes through this.
 */
#ifndef LIFEBOAT_FORMAT_H
#define LIFEBOAT_FORMAT_H

#include <stddef.h>

/* 0 and out written whole, or -1 (errno ENAMETOOLONG) and out empty. */
int format_whole(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
