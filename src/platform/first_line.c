/*
 * first_line.c - see first_line.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "platform/first_line.h"

/* After a buffer's worth: is this the line's end (a line end, or the file's)? */
static int line_ends_here(FILE *f)
{
    int c = fgetc(f);

    return c == EOF || c == '\n' || c == '\r';
}

int first_line(const char *path, char *line, size_t len, struct lb_error *err)
{
    FILE *f = fopen(path, "re");

    line[0] = '\0';
    if (!f || !fgets(line, (int)len, f)) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot read %s: %s", path,
                      f ? "empty" : strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    if (!strchr(line, '\n') && !line_ends_here(f)) {
        lb_error_setk(err, LB_ERR_TOO_LONG,
                      "cannot read %s: its first line is longer than %zu bytes", path, len - 1);
        fclose(f);
        line[0] = '\0';
        return -1;
    }
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return 0;
}
