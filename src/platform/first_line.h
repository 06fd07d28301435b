/*
 * first_line.h - the first line of a small file (a token, a public key),
 * without its line end.
 */
#ifndef LIFEBOAT_FIRST_LINE_H
#define LIFEBOAT_FIRST_LINE_H

#include <stddef.h>

#include "lbdump.h"

/*
 * 0, or -1 with "cannot read PATH: why" in err: an empty file is an error
 * too, and so is a line longer than len - 1 bytes (never cut short: a token
 * cut short is a wrong token).
 */
int first_line(const char *path, char *line, size_t len, struct lb_error *err);

#endif
