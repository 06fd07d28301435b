/*
 * error.c - the dump engine's one way of saying what went wrong.
 *
 * Errors are returned, not printed: the engine is a library, and only the
 * command that called it knows whether the console, a metadata file or a
 * test wants the message.  Each carries a kind, for the caller's decisions,
 * and context is put in front as it travels up (libkdumpfile's way), so the
 * message reads from the outermost "where" to the innermost "what".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lbdump.h"

static void set(struct lb_error *err, enum lb_error_kind kind, const char *fmt, va_list ap)
{
    err->kind = kind;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

void lb_error_set(struct lb_error *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    set(err, LB_ERR_CORRUPT, fmt, ap);
    va_end(ap);
}

void lb_error_setk(struct lb_error *err, enum lb_error_kind kind, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    set(err, kind, fmt, ap);
    va_end(ap);
}

void lb_error_prefix(struct lb_error *err, const char *fmt, ...)
{
    char context[256], old[sizeof(err->msg)];
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(context, sizeof(context), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    if (snprintf(err->msg, sizeof(err->msg), "%s: %s", context, old) >= (int)sizeof(err->msg))
        memcpy(err->msg + sizeof(err->msg) - 4, "...", 4); /* the innermost words are cut */
}

enum lb_error_kind lb_error_kind_of_write(int errnum)
{
    return errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG ? LB_ERR_NO_SPACE
                                                                   : LB_ERR_OUTPUT_IO;
}

#ifdef LIFEBOAT_CHECK_INVARIANTS
void lb_invariant_broken(const char *file, int line, int n, const char *cond)
{
    fprintf(stderr, "%s:%d: invariant %d broken: %s\n", file, line, n, cond);
    abort();
}
#endif
