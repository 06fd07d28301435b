/*
 * fleet.c - a collector's view: every dump under some directories, grouped
 * by what crashed.
 *
 * The directories are what a fleet's hosts wrote (a local or NFS-mounted
 * target, the tree an SFTP or WebDAV server keeps): any host may have put
 * anything there, so the walk follows no symbolic link, goes FLEET_DEPTH
 * levels deep at most and stops at FLEET_DIRS directories and FLEET_DUMPS
 * dumps, and each dump is read as dumps.c reads it (bounded, O_NOFOLLOW).
 * A group is the dumps of one signature (signature.c); the dumps without one
 * (no triage report, or an encrypted one never signed) form a group of their
 * own with an empty signature.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/fleet.h"

struct walk {
    struct fleet *fleet;
    size_t dirs;
    size_t per_box;   /* dumps one box (a directory right under a DIR named) may add */
    size_t box_start; /* the list's length when the current box was entered */
    const char *box;  /* the current box, as shown */
};

static int is_dump_dir_name(const char *name)
{
    const char *bare = strncmp(name, ".partial-", 9) == 0 ? name + 9 : name;

    for (int i = 0; i < 15; i++)
        if (i == 8 ? bare[i] != '-' : (bare[i] < '0' || bare[i] > '9'))
            return 0;
    return bare[15] == '-';
}

/* dir_fd is the directory shown as dir; it is closed here. */
static void walk(struct walk *w, int dir_fd, const char *dir, int depth)
{
    DIR *d;
    struct dirent *e;

    if (depth == 1) { /* a box of its own: a host that fills its box hides no other host */
        w->box_start = w->fleet->list.n;
        w->box = dir;
    }
    if (w->dirs >= FLEET_DIRS || w->fleet->list.n >= FLEET_DUMPS ||
        (depth >= 1 && w->fleet->list.n - w->box_start >= w->per_box)) {
        w->fleet->dirs_skipped++;
        if (depth >= 1 && !w->fleet->overfull[0])
            snprintf(w->fleet->overfull, sizeof(w->fleet->overfull), "%s", w->box);
        close(dir_fd);
        return;
    }
    w->dirs++;
    if (dumps_scan_at(dir_fd, dir, &w->fleet->list) < 0 || depth >= FLEET_DEPTH ||
        !(d = fdopendir(dir_fd))) {
        close(dir_fd);
        return;
    }
    while ((e = readdir(d))) {
        char sub[4096];
        int fd;
        if (e->d_name[0] == '.' || is_dump_dir_name(e->d_name))
            continue;
        /* a directory, never through a link: a host may have planted one anywhere */
        fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (snprintf(sub, sizeof(sub), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", e->d_name) >=
            (int)sizeof(sub)) {
            w->fleet->dirs_skipped++;
            close(fd);
            continue;
        }
        walk(w, fd, sub, depth + 1);
    }
    closedir(d);
}

/* By signature, then oldest first. */
static int by_signature(const void *a, const void *b)
{
    const struct dump_entry *x = a, *y = b;
    int c = strcmp(x->signature.hash, y->signature.hash);

    if (c)
        return c;
    if (x->when != y->when)
        return x->when < y->when ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* Most crashes first, then the most recent, then by signature: the same order every run. */
static int by_weight(const void *a, const void *b)
{
    const struct fleet_group *x = a, *y = b;

    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    if (x->last_seen != y->last_seen)
        return x->last_seen < y->last_seen ? 1 : -1;
    return strcmp(x->first_dump->signature.hash, y->first_dump->signature.hash);
}

static const char *value_of(const struct dump_entry *e, int which)
{
    return which == 'h' ? e->host : e->release;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct hosts or kernels of n dumps, in order of name: how many, the first max into out. */
static size_t distinct(const struct dump_entry *e, size_t n, int which, const char **out,
                       size_t max)
{
    const char **v = malloc((n ? n : 1) * sizeof(*v));
    size_t count = 0;

    if (!v)
        return 0;
    for (size_t i = 0; i < n; i++)
        v[i] = value_of(&e[i], which);
    qsort(v, n, sizeof(*v), by_text);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
            continue;
        if (out && count < max)
            out[count] = v[i];
        count++;
    }
    free(v);
    return out && count > max ? max : count;
}

size_t fleet_group_values(const struct fleet *fleet, const struct fleet_group *g, int which,
                          const char **out, size_t max)
{
    return distinct(fleet->list.e + g->start, g->count, which, out, max);
}

static int group(struct fleet *fleet)
{
    struct dump_list *l = &fleet->list;

    if (l->n > 1) /* none: no array to sort (qsort's pointer may not be NULL) */
        qsort(l->e, l->n, sizeof(l->e[0]), by_signature);
    for (size_t i = 0; i < l->n;) {
        size_t j = i + 1;
        while (j < l->n && strcmp(l->e[j].signature.hash, l->e[i].signature.hash) == 0)
            j++;
        struct fleet_group *grown =
            realloc(fleet->groups, (fleet->ngroups + 1) * sizeof(*fleet->groups));
        if (!grown)
            return -1;
        fleet->groups = grown;
        struct fleet_group *g = &fleet->groups[fleet->ngroups++];
        *g = (struct fleet_group){.start = i, .count = j - i};
        /* the group's title: its oldest dump that says what it is (a hash alone says nothing) */
        g->first_dump = &l->e[i];
        for (size_t k = i; k < j; k++)
            if (l->e[k].signature.reason[0] || l->e[k].signature.nframes) {
                g->first_dump = &l->e[k];
                break;
            }
        g->first_seen = l->e[i].when;
        g->last_seen = l->e[j - 1].when;
        i = j;
    }
    for (size_t k = 0; k < fleet->ngroups; k++) {
        struct fleet_group *g = &fleet->groups[k];
        g->hosts = distinct(l->e + g->start, g->count, 'h', NULL, 0);
        g->kernels = distinct(l->e + g->start, g->count, 'k', NULL, 0);
    }
    if (fleet->ngroups > 1)
        qsort(fleet->groups, fleet->ngroups, sizeof(fleet->groups[0]), by_weight);
    return 0;
}

static void totals(struct fleet *fleet)
{
    const struct dump_list *l = &fleet->list;

    for (size_t i = 0; i < l->n; i++) {
        if (l->e[i].when && (!fleet->first_seen || l->e[i].when < fleet->first_seen))
            fleet->first_seen = l->e[i].when;
        if (l->e[i].when > fleet->last_seen)
            fleet->last_seen = l->e[i].when;
    }
    fleet->hosts = distinct(l->e, l->n, 'h', NULL, 0);
}

int fleet_read(struct fleet *fleet, char *const *dirs, size_t ndirs,
               const struct lb_age_identities *ids)
{
    return fleet_read_bounded(fleet, dirs, ndirs, ids, FLEET_DUMPS_PER_BOX);
}

int fleet_read_bounded(struct fleet *fleet, char *const *dirs, size_t ndirs,
                       const struct lb_age_identities *ids, size_t per_box)
{
    struct walk w = {.fleet = fleet, .per_box = per_box};

    memset(fleet, 0, sizeof(*fleet));
    fleet->list.ids = ids;
    for (size_t i = 0; i < ndirs; i++) {
        /* the directories named are followed, links or not: the user chose them */
        int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            fleet->dirs_skipped++;
            continue;
        }
        walk(&w, fd, dirs[i], 0);
    }
    if (group(fleet) < 0) {
        errno = ENOMEM;
        return -1;
    }
    totals(fleet);
    return 0;
}

void fleet_free(struct fleet *fleet)
{
    dumps_free(&fleet->list);
    free(fleet->groups);
    memset(fleet, 0, sizeof(*fleet));
}
