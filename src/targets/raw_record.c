/*
 * raw_record.c - the identities load resolved for raw targets named by a
 * /dev path, kept for savecore (raw_record.h).  The identities themselves
 * are platform/rawdev.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "platform/rawdev.h"
#include "targets/raw_record.h"
#include "targets/target.h"

/*
 * The record of identities: one "NAME<TAB>IDENTITY" line a raw target, in a
 * file root alone may change.  Read bounded: a line longer than a target's
 * name and identity together is not one load wrote, and is skipped.
 */
int rawdev_record_identities(const char *path, const struct config *typed,
                             const struct config *prepared, struct lb_error *err)
{
    char temp[PATH_MAX];
    size_t lines = 0;
    FILE *f;

    if (snprintf(temp, sizeof(temp), "%s.new", path) >= (int)sizeof(temp)) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "%s: name too long", path);
        return -1;
    }
    int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        lb_error_setk(err, lb_error_kind_of_write(errno), "cannot write %s: %s", temp,
                      strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    for (size_t i = 0; i < typed->ntargets && i < prepared->ntargets; i++) {
        const struct target *t = &typed->targets[i], *p = &prepared->targets[i];
        if (t->kind != &target_kind_raw || rawdev_is_identity(t->device) ||
            !rawdev_is_identity(p->device))
            continue;
        fprintf(f, "%s\t%s\n", t->device, p->device);
        lines++;
    }
    int r = fflush(f) == 0 && fsync(fd) == 0 ? 0 : -1;
    if (fclose(f) != 0 || r < 0 || (lines ? rename(temp, path) : unlink(temp)) < 0) {
        lb_error_setk(err, lb_error_kind_of_write(errno), "cannot write %s: %s", path,
                      strerror(errno));
        unlink(temp);
        return -1;
    }
    if (!lines && unlink(path) < 0 && errno != ENOENT) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "cannot remove %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int rawdev_recorded_identity(const char *path, const char *name, char *identity, size_t len)
{
    char line[sizeof(((struct target *)0)->device) * 2 + 4];
    FILE *f = fopen(path, "re");
    int found = -1, cut = 0;

    for (int n = 0; f && found < 0 && n < CONFIG_MAX_TARGETS * 4 && fgets(line, sizeof(line), f);
         n++) {
        char *tab = strchr(line, '\t'), *end = strchr(line, '\n');
        int whole = end && !cut;
        cut = !end; /* the rest of a line too long is no line of its own */
        if (!whole || !tab || tab > end)
            continue; /* not a line load wrote */
        *tab = *end = '\0';
        if (strcmp(line, name) == 0 && rawdev_is_identity(tab + 1) &&
            snprintf(identity, len, "%s", tab + 1) < (int)len)
            found = 0;
    }
    if (f)
        fclose(f);
    return found;
}
