/*
 * printable.h - text a crashed machine wrote (a panic line, a host name, a
 * dump directory's name), made safe for a line of the console, the journal
 * or a listing: a line end in it would start a line of its own choosing,
 * an escape sequence would drive the terminal.  JSON output escapes by its
 * own rules (json.h).
 */
#ifndef LIFEBOAT_PRINTABLE_H
#define LIFEBOAT_PRINTABLE_H

#include <stddef.h>

/* Room for any text of n bytes, escaped, with its NUL. */
#define PRINTABLE_SIZE(n) (4 * (n) + 1)

/*
 * s with every byte outside printable ASCII written as \xNN, into out (len
 * bytes, cut short before an escape that would not fit whole); returns out.
 */
const char *printable(const char *s, char *out, size_t len);

#endif
