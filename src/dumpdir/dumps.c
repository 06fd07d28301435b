/*
 * dumps.c - reads what the capture left in a target directory.
 *
 * A dump directory is named TIMESTAMP-HOST (dumpdir.c), holds
 * metadata.json (status, host, kernel, time) and, when the triage report
 * was saved, info.json (the panic line).  Those files hold bytes from a
 * crashed machine: they are read bounded, through O_NOFOLLOW, and a missing
 * or damaged one leaves a field empty, never the listing.  An encrypted
 * dump's report (info.json.age) is read only with the keys given.  A
 * directory still named .partial-NAME is a capture that never finished (the
 * power went, the machine was reset): it is listed too, as interrupted, for
 * what it holds is readable up to where it stopped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dumpdir/dumps.h"
#include "render/json.h"

enum { JSON_MAX = 64 << 10, FILES_MAX = 64 };

/* The first JSON_MAX bytes of dir/name, NUL-terminated; "" if it cannot be read. */
static void read_small(int dir_fd, const char *name, char *buf)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    ssize_t n = fd >= 0 ? read(fd, buf, JSON_MAX) : -1;

    buf[n > 0 ? n : 0] = '\0';
    if (fd >= 0)
        close(fd);
}

/* The same for an encrypted file, decrypted with ids; "" without them or if it does not open. */
static void read_small_sealed(int dir_fd, const char *name, const struct lb_age_identities *ids,
                              char *buf)
{
    int fd = ids ? openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) : -1;
    struct lb_error err;
    size_t n = 0;

    if (fd < 0 || lb_age_read(fd, ids, buf, JSON_MAX, &n, &err) < 0)
        n = 0;
    buf[n] = '\0';
    if (fd >= 0)
        close(fd);
}

static int is_dump_name(const char *name)
{
    for (int i = 0; i < 15; i++)
        if (i == 8 ? name[i] != '-' : (name[i] < '0' || name[i] > '9'))
            return 0;
    return name[15] == '-' && name[16];
}

static time_t time_of(const char *iso, const char *name)
{
    struct tm tm = {0};
    const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm);

    if (!end || *end) {
        memset(&tm, 0, sizeof(tm));
        if (!strptime(name, "%Y%m%d-%H%M%S", &tm))
            return 0;
    }
    return timegm(&tm);
}

static uint64_t bytes_in(int fd)
{
    DIR *d = fdopendir(fd);
    struct dirent *e;
    uint64_t sum = 0;
    int files = 0;

    while (d && files < FILES_MAX && (e = readdir(d))) {
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
            sum += (uint64_t)st.st_blocks * 512;
            files++;
        }
    }
    if (d)
        closedir(d);
    else
        close(fd);
    return sum;
}

#define PARTIAL ".partial-"

/* A dump directory's name without the prefix of one still being written. */
static const char *bare_name(const char *name)
{
    return strncmp(name, PARTIAL, strlen(PARTIAL)) == 0 ? name + strlen(PARTIAL) : name;
}

/* The signature metadata.json gives (text is metadata.json). */
static int is_hash(const char *h)
{
    size_t n = 0;

    while (h[n] && ((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f')))
        n++;
    return n == 16 && h[n] == '\0';
}

/*
 * The signature metadata.json gives (text is metadata.json).  What a host
 * says is checked: a hash is 16 hex digits, and one given with its reason and
 * frames is made again from them, so that no host files its crash under
 * another group's hash (or titles that group with its own words).
 */
static void signature_from_metadata(const char *text, struct crash_signature *sig)
{
    memset(sig, 0, sizeof(*sig));
    if (json_find_string(text, "signature", sig->hash, sizeof(sig->hash)) < 0 ||
        !is_hash(sig->hash)) {
        memset(sig, 0, sizeof(*sig));
        return;
    }
    json_find_string(text, "signature_reason", sig->reason, sizeof(sig->reason));
    sig->nframes = json_find_strings(text, "signature_frames", sig->frames[0],
                                     sizeof(sig->frames[0]), SIGNATURE_FRAMES);
    if (sig->reason[0] || sig->nframes) {
        const char *names[SIGNATURE_FRAMES];
        struct crash_signature made;
        for (size_t i = 0; i < sig->nframes; i++)
            names[i] = sig->frames[i];
        signature_of(sig->reason, "", names, sig->nframes, &made);
        *sig = made;
    }
}

/*
 * The signature made from the triage report (text is info.json), where
 * metadata.json has none (a dump from before signatures) or only its hash
 * (an encrypted dump read with its key).  A hash that does not match the one
 * metadata.json claims leaves the claim alone: what a host says is kept.
 */
static void signature_from_report(const char *text, struct crash_signature *sig)
{
    static char symbols[LB_TRIAGE_FRAMES][100];
    const char *names[LB_TRIAGE_FRAMES];
    char panic[512] = "", cause[512] = "";
    struct crash_signature made;
    size_t n;

    if (sig->reason[0] || sig->nframes || !text[0])
        return;
    json_find_string(text, "panic", panic, sizeof(panic));
    json_find_string(text, "cause", cause, sizeof(cause));
    n = json_each_string(text, "symbol", symbols[0], sizeof(symbols[0]), LB_TRIAGE_FRAMES);
    for (size_t i = 0; i < n; i++)
        names[i] = symbols[i];
    signature_of(cause, panic, names, n, &made);
    if (!sig->hash[0] || strcmp(sig->hash, made.hash) == 0)
        *sig = made;
}

static void read_entry(int parent, const char *dir, const char *name, struct dump_entry *d,
                       const struct lb_age_identities *ids)
{
    static char text[JSON_MAX + 1];
    char when[40] = "";
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    memset(d, 0, sizeof(*d));
    snprintf(d->path, sizeof(d->path), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
    if (fd < 0)
        return;
    read_small(fd, "metadata.json", text);
    json_find_string(text, "status", d->status, sizeof(d->status));
    json_find_string(text, "hostname", d->host, sizeof(d->host));
    json_find_string(text, "kernel_release", d->release, sizeof(d->release));
    json_find_string(text, "crash_time", when, sizeof(when));
    char encryption[16] = "";
    json_find_string(text, "encryption", encryption, sizeof(encryption));
    d->encrypted = encryption[0] != '\0' || faccessat(fd, "info.json.age", F_OK, 0) == 0;
    signature_from_metadata(text, &d->signature);
    if (d->encrypted)
        read_small_sealed(fd, "info.json.age", ids, text);
    else
        read_small(fd, "info.json", text);
    json_find_string(text, "panic", d->panic, sizeof(d->panic));
    signature_from_report(text, &d->signature);
    d->when = time_of(when, bare_name(name));
    if (bare_name(name) != name) /* whatever it said as it began, it never finished */
        snprintf(d->status, sizeof(d->status), "interrupted");
    d->complete = strcmp(d->status, "complete") == 0 && !strstr(name, ".incomplete");
    d->bytes = bytes_in(fd); /* closes fd */
}

int dumps_scan_at(int dir_fd, const char *dir, struct dump_list *list)
{
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    size_t found = 0;

    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while ((e = readdir(d)) && found < DUMPS_PER_DIR) {
        struct stat st;
        if (!is_dump_name(bare_name(e->d_name)) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
            continue;
        if (list->n == list->cap) {
            size_t cap = list->cap ? list->cap * 2 : 16;
            struct dump_entry *grown = realloc(list->e, cap * sizeof(*grown));
            if (!grown)
                break;
            list->e = grown;
            list->cap = cap;
        }
        read_entry(dirfd(d), dir, e->d_name, &list->e[list->n++], list->ids);
        found++;
    }
    closedir(d);
    return 0;
}

int dumps_scan(const char *dir, struct dump_list *list)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r;

    if (fd < 0)
        return -1;
    r = dumps_scan_at(fd, dir, list);
    close(fd);
    return r;
}

static int newest_first(const void *a, const void *b)
{
    const struct dump_entry *x = a, *y = b;

    if (x->when != y->when)
        return x->when < y->when ? 1 : -1;
    return strcmp(y->path, x->path);
}

void dumps_sort(struct dump_list *list)
{
    if (list->n > 1)
        qsort(list->e, list->n, sizeof(list->e[0]), newest_first);
}

void dumps_free(struct dump_list *list)
{
    free(list->e);
    memset(list, 0, sizeof(*list));
}
