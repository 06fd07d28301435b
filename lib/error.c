/*
 * error.c - the dump engine's one way of saying what went wrong.
 *
 * Errors are returned, not printed: the engine is a library, and only the
 * command that called it knows whether the console, a metadata file or a
 * test wants the message.
 */
#include <stdarg.h>
#include <stdio.h>

#include "lbdump.h"

void lb_error_set(struct lb_error *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}
