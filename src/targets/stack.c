/*
 * stack.c - LVM (device-mapper) under a target, without lvm2 in the capture.
 *
 * Debian's installer puts /var/crash on a logical volume more often than
 * not.  The crash kernel has no udev and no lvm2, and should not: what it
 * needs is the mapping itself, which load reads from the kernel
 * (devmapper.c) and writes into the capture's configuration as "dm" lines.
 * Two rules keep that safe:
 *
 *   1. Only what can be made again exactly, from the table alone, is taken:
 *      linear and striped lines (what LVM makes of plain and striped
 *      volumes).  A layer that needs a secret (dm-crypt), metadata that
 *      changes (thin pools, snapshots, caches) or a resync (RAID, MD) is
 *      refused at load, named, with what to do instead: never found out
 *      after a panic.
 *   2. The devices under a mapping are named by stable identity (rawdev.c),
 *      as a raw target is: a device number means another disk in another
 *      kernel.  An identity two devices share is refused there too.  An LVM
 *      physical volume is named by its PV UUID, so a disk with no serial
 *      (most virtual machines') serves as well as any.
 *   3. A table taken at load is only as good as the LVM metadata it came
 *      from: lvextend, lvcreate -s, pvmove or lvconvert after load make it
 *      write where LVM no longer keeps that volume (past a snapshot's
 *      copy-on-write, into extents given to another volume, short of a grown
 *      file system).  So load records each PV's volume group and metadata
 *      seqno (lvm-pv lines), and the crash kernel reads the metadata on the
 *      PVs again (lvm_pv.c) and maps nothing of a group whose seqno moved:
 *      the target on it is skipped, said, and the next one tried.  The
 *      lifeboat.path unit reloads when /etc/lvm/backup changes, so that a
 *      crash after an LVM change is still captured there.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "platform/lvm_pv.h"
#include "platform/rawdev.h"
#include "targets/stack.h"

enum { MAX_DEPTH = 8 };

/* Why a table line of this type cannot be made again in the crash kernel. */
static const char *refusal(const char *type)
{
    if (strcmp(type, "crypt") == 0)
        return "dm-crypt (LUKS): its key is not in the crash kernel. Put the dumps on a "
               "target outside the encrypted volume (another file system, a raw partition), "
               "or use a kernel that hands the key over (crash_dm_crypt_keys, Linux 6.13+)";
    if (strncmp(type, "thin", 4) == 0)
        return "an LVM thin volume: its pool's metadata changes as it is written, and the "
               "crash kernel must not change it. Use a plain (linear) logical volume";
    if (strcmp(type, "raid") == 0 || strcmp(type, "mirror") == 0)
        return "an LVM RAID or mirror volume: writing one leg would leave the legs out of "
               "sync. Use a linear or striped logical volume, or another target";
    if (strcmp(type, "snapshot-origin") == 0)
        return "an LVM volume with snapshots: its writes must go through copy-on-write into "
               "each snapshot, which a table taken at load cannot do. Remove the snapshots "
               "(lvremove) or use another target";
    if (strcmp(type, "snapshot") == 0 || strcmp(type, "cache") == 0 ||
        strcmp(type, "writecache") == 0)
        return "a snapshot or cache volume, whose metadata the crash kernel must not change. "
               "Use a linear logical volume";
    return "a device-mapper layer lifeboat cannot set up in the crash kernel (only linear and "
           "striped, what plain LVM volumes are). Use another target";
}

/* /sys/dev/block/MAJ:MIN, resolved, and the kernel's name for the device. */
static int sys_dir(dev_t dev, char *dir, size_t len, char *name, size_t namelen)
{
    char link[64];

    snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev), minor(dev));
    if (!realpath(link, dir) || strlen(dir) >= len)
        return -1;
    snprintf(name, namelen, "%s", strrchr(dir, '/') + 1);
    return 0;
}

static int has(const char *dir, const char *entry)
{
    char path[PATH_MAX + 16];

    snprintf(path, sizeof(path), "%s/%s", dir, entry);
    return access(path, F_OK) == 0;
}

static int listed(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ndm; i++)
        if (strcmp(cfg->dm[i].name, name) == 0)
            return 1;
    return 0;
}

/* Adds word to the blank-separated out; -1 when it would not fit. */
static int append_word(char *out, size_t len, size_t *used, const char *word)
{
    int n = snprintf(out + *used, len - *used, "%s%s", *used ? " " : "", word);

    if (n < 0 || (size_t)n >= len - *used)
        return -1;
    *used += (size_t)n;
    return 0;
}

static int describe(dev_t dev, struct config *cfg, char *token, size_t toklen, int depth,
                    struct lb_error *err);

/* Each MAJ:MIN word of params becomes the identity of that device. */
static int name_lower_devices(const char *params, char *out, size_t len, struct config *cfg,
                              int depth, struct lb_error *err)
{
    char copy[DMT_PARAMS_MAX], *save = NULL;
    size_t used = 0;

    snprintf(copy, sizeof(copy), "%s", params);
    out[0] = '\0';
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char token[300];
        unsigned maj, min;
        int end = 0;

        if (sscanf(w, "%u:%u%n", &maj, &min, &end) == 2 && w[end] == '\0') {
            if (describe(makedev(maj, min), cfg, token, sizeof(token), depth + 1, err) < 0)
                return -1;
        } else {
            snprintf(token, sizeof(token), "%s", w);
        }
        if (append_word(out, len, &used, token) < 0) {
            lb_error_setk(err, LB_ERR_TOO_LONG,
                          "a device-mapper table line is too long for the capture");
            return -1;
        }
    }
    return 0;
}

/* The mapped device dev: its lines into cfg (below it first); token is DM=NAME. */
static int describe_mapped(dev_t dev, struct config *cfg, char *token, size_t toklen, int depth,
                           struct lb_error *err)
{
    static struct dm_table t; /* 8 KiB: one at a time, the recursion holds only names */
    struct config_dm lines[DMT_MAX_SEGMENTS];
    char name[DMT_NAME_MAX];
    size_t n;

    if (dm_table_read(dev, &t, err) < 0)
        return -1;
    snprintf(name, sizeof(name), "%s", t.name);
    snprintf(token, toklen, "DM=%s", name);
    if (listed(cfg, name))
        return 0; /* two targets, or two stripes, on one volume group */
    if (strchr(name, ' ') || strchr(name, '#') || strchr(name, '=')) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "device-mapper name '%s' has a blank, '#' or '=': rename it", name);
        return -1;
    }
    n = t.n;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t.seg[i].type, "linear") != 0 && strcmp(t.seg[i].type, "striped") != 0) {
            lb_error_setk(err, LB_ERR_REFUSED, "the target is on %s, which is %s", name,
                          refusal(t.seg[i].type));
            return -1;
        }
        memset(&lines[i], 0, sizeof(lines[i]));
        snprintf(lines[i].name, sizeof(lines[i].name), "%s", name);
        lines[i].seg = t.seg[i];
    }
    /* t is reused below: every line's own copy is taken first */
    for (size_t i = 0; i < n; i++) {
        char params[DMT_PARAMS_MAX];
        if (name_lower_devices(lines[i].seg.params, params, sizeof(params), cfg, depth, err) < 0)
            return -1;
        snprintf(lines[i].seg.params, sizeof(lines[i].seg.params), "%s", params);
        if (strchr(params, '#')) { /* the capture's config would read the rest as a comment */
            lb_error_setk(err, LB_ERR_REFUSED,
                          "%s: a device under it is named with a '#' (%s): not copied", name,
                          params);
            return -1;
        }
    }
    if (cfg->ndm + n > CONFIG_MAX_DM) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the storage under the target has more than %d mapped lines", CONFIG_MAX_DM);
        return -1;
    }
    memcpy(&cfg->dm[cfg->ndm], lines, n * sizeof(lines[0]));
    cfg->ndm += n;
    return 0;
}

/* The PV node (named identity) with its volume group and seqno, once (invariant 3). */
static int record_pv(const char *node, const char *identity, struct config *cfg,
                     struct lb_error *err)
{
    struct config_lvm_pv *rec;
    struct lvm_pv pv;

    for (size_t i = 0; i < cfg->nlvm_pv; i++)
        if (strcmp(cfg->lvm_pv[i].identity, identity) == 0)
            return 0;
    if (lvm_pv_read_path(node, &pv, err) != 0) {
        lb_error_prefix(err, "the LVM physical volume %s", node);
        return -1;
    }
    if (!pv.vg[0])
        return 0; /* no metadata on this PV: its group is checked on the others */
    if (cfg->nlvm_pv == CONFIG_MAX_LVM_PV) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the storage under the target has more than %d LVM physical volumes",
                      CONFIG_MAX_LVM_PV);
        return -1;
    }
    rec = &cfg->lvm_pv[cfg->nlvm_pv++];
    snprintf(rec->identity, sizeof(rec->identity), "%s", identity);
    snprintf(rec->vg, sizeof(rec->vg), "%s", pv.vg);
    rec->seqno = pv.seqno;
    return 0;
}

static int describe(dev_t dev, struct config *cfg, char *token, size_t toklen, int depth,
                    struct lb_error *err)
{
    char dir[PATH_MAX], name[64], parent[PATH_MAX + 4];

    if (depth > MAX_DEPTH) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the storage under the target is more than %d layers deep", MAX_DEPTH);
        return -1;
    }
    if (sys_dir(dev, dir, sizeof(dir), name, sizeof(name)) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "block device %u:%u is not in /sys/dev/block", major(dev),
                      minor(dev));
        return -1;
    }
    snprintf(parent, sizeof(parent), "%s/..", dir);
    if (has(dir, "md") || (has(dir, "partition") && has(parent, "md"))) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the target is on the MD RAID array %s, which the crash kernel does not "
                      "assemble (writing one member would leave the array out of sync): use a "
                      "target outside the array, a raw partition, or a network target",
                      name);
        return -1;
    }
    if (has(dir, "dm"))
        return describe_mapped(dev, cfg, token, toklen, depth, err);
    if (depth == 0) {
        token[0] = '\0'; /* a plain disk or partition: nothing to set up */
        return 0;
    }
    char node[80];
    snprintf(node, sizeof(node), "/dev/%s", name);
    if (rawdev_identity(node, token, toklen, err) < 0) {
        lb_error_prefix(err, "a disk under a logical volume");
        return -1;
    }
    char found[300];
    if (rawdev_find(token, found, sizeof(found), err) < 0)
        return -1;
    return strncmp(token, "PVUUID=", 7) == 0 ? record_pv(node, token, cfg, err) : 0;
}

/*
 * Invariant 3 for every table: one on PVs that hold no metadata (pvcreate
 * --metadatacopies 0, every area ignored) has no seqno the crash kernel could
 * check, unless another of its PVs has one.
 */
static int every_table_checkable(const struct config *cfg, struct lb_error *err)
{
    for (size_t i = 0; i < cfg->ndm; i++) {
        char copy[DMT_PARAMS_MAX], *save = NULL, *first_pv = NULL;
        int checked = 0;
        snprintf(copy, sizeof(copy), "%s", cfg->dm[i].seg.params);
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            if (strncmp(w, "PVUUID=", 7) != 0)
                continue;
            first_pv = first_pv ? first_pv : w;
            for (size_t k = 0; k < cfg->nlvm_pv; k++)
                checked |= strcmp(cfg->lvm_pv[k].identity, w) == 0;
        }
        if (first_pv && !checked) {
            lb_error_setk(err, LB_ERR_REFUSED,
                          "the target is on %s, whose LVM physical volumes hold no metadata (%s: "
                          "pvcreate --metadatacopies 0 or metadataignore): the crash kernel could "
                          "not check that LVM still keeps the volume there. Use a volume with a PV "
                          "that has metadata",
                          cfg->dm[i].name, first_pv);
            return -1;
        }
    }
    return 0;
}

int stack_describe(const char *device, struct config *cfg, struct lb_error *err)
{
    struct stat st;
    char token[300];

    if (stat(device, &st) < 0 || !S_ISBLK(st.st_mode))
        return 0; /* not a block device: nothing under it to set up */
    if (describe(st.st_rdev, cfg, token, sizeof(token), 0, err) < 0)
        return -1;
    return every_table_checkable(cfg, err);
}

/* The mapped device called name, if it exists: its MAJ:MIN. */
static int mapped_device(const char *name, char *devnum, size_t len)
{
    DIR *d = opendir("/sys/block");
    struct dirent *e;
    int r = -1;

    while (d && r < 0 && (e = readdir(d))) {
        char path[300], text[DMT_NAME_MAX + 2];
        FILE *f;
        if (strncmp(e->d_name, "dm-", 3) != 0)
            continue;
        snprintf(path, sizeof(path), "/sys/block/%s/dm/name", e->d_name);
        if (!(f = fopen(path, "re")))
            continue;
        if (fgets(text, sizeof(text), f) && (text[strcspn(text, "\n")] = '\0', 1) &&
            strcmp(text, name) == 0) {
            FILE *g;
            snprintf(path, sizeof(path), "/sys/block/%s/dev", e->d_name);
            if ((g = fopen(path, "re"))) {
                if (fgets(devnum, (int)len, g)) {
                    devnum[strcspn(devnum, "\n")] = '\0';
                    r = 0;
                }
                fclose(g);
            }
        }
        fclose(f);
    }
    if (d)
        closedir(d);
    return r;
}

/* The device whose identity is spec, waited for until deadline. */
static int wait_for_identity(const char *spec, time_t deadline, char *node, size_t len,
                             struct lb_error *err)
{
    struct timespec tick = {0, 250 * 1000 * 1000};
    int r;

    /* by the kind: a device not there yet may come; an ambiguous one stays ambiguous */
    while ((r = rawdev_find(spec, node, len, err)) < 0 && err->kind != LB_ERR_REFUSED &&
           time(NULL) < deadline)
        nanosleep(&tick, NULL);
    if (r < 0 && err->kind != LB_ERR_REFUSED)
        lb_error_setk(err, LB_ERR_SYSTEM, "%s did not appear", spec);
    return r;
}

/* Each identity or DM=NAME word of params becomes the MAJ:MIN the crash kernel gave it. */
static int resolve_words(const char *params, char *out, size_t len, time_t deadline,
                         struct lb_error *err)
{
    char copy[DMT_PARAMS_MAX], *save = NULL;
    size_t used = 0;

    snprintf(copy, sizeof(copy), "%s", params);
    out[0] = '\0';
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char word[300], node[300];
        struct stat st;

        if (strncmp(w, "DM=", 3) == 0) {
            if (mapped_device(w + 3, word, sizeof(word)) < 0) {
                lb_error_setk(err, LB_ERR_SYSTEM, "mapped device %s is not there", w + 3);
                return -1;
            }
        } else if (rawdev_is_identity(w)) {
            if (wait_for_identity(w, deadline, node, sizeof(node), err) < 0)
                return -1;
            if (stat(node, &st) < 0) {
                lb_error_setk(err, LB_ERR_SYSTEM, "%s: %s", node, strerror(errno));
                return -1;
            }
            snprintf(word, sizeof(word), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
        } else {
            snprintf(word, sizeof(word), "%s", w);
        }
        if (append_word(out, len, &used, word) < 0) {
            lb_error_setk(err, LB_ERR_TOO_LONG, "a table line is too long");
            return -1;
        }
    }
    return 0;
}

/*
 * Whether the PV load recorded still has the metadata load saw (invariant 3):
 * 0; -1 with err when it cannot be shown (LB_ERR_REFUSED: it changed).
 */
static int pv_unchanged(const struct config_lvm_pv *rec, time_t deadline, struct lb_error *err)
{
    char node[300];
    struct lb_error read_err;
    struct lvm_pv pv;

    if (wait_for_identity(rec->identity, deadline, node, sizeof(node), err) < 0)
        return -1;
    if (lvm_pv_read_path(node, &pv, &read_err) != 0) {
        lb_error_setk(err, read_err.kind, "its LVM metadata cannot be read on %s (%s)", node,
                      read_err.msg);
        return -1;
    }
    if (strcmp(pv.vg, rec->vg) != 0 || pv.seqno != rec->seqno) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the LVM metadata of volume group %s changed after load (seqno %llu then, "
                      "%s %s %llu now on %s: a volume extended, snapshotted, moved or converted?)",
                      rec->vg, (unsigned long long)rec->seqno, pv.vg[0] ? "group" : "no group",
                      pv.vg, (unsigned long long)pv.seqno, node);
        return -1;
    }
    return 0;
}

/* Whether a table line's parameters name a word of the blank-separated list bad. */
static int names_any(const char *params, const char *bad)
{
    char copy[DMT_PARAMS_MAX], *save = NULL;

    snprintf(copy, sizeof(copy), "%s", params);
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        size_t n = strlen(w);
        for (const char *at = strstr(bad, w); at; at = strstr(at + 1, w))
            if ((at == bad || at[-1] == ' ') && (at[n] == ' ' || at[n] == '\0'))
                return 1;
    }
    return 0;
}

/*
 * The identities of the PVs whose volume groups changed after load, into
 * stale (blank-separated); each said on the console.  0 if none did.
 */
static int find_stale_pvs(const struct config *cfg, time_t deadline, char *stale, size_t len)
{
    size_t used = 0;
    int found = 0;

    stale[0] = '\0';
    for (size_t i = 0; i < cfg->nlvm_pv; i++) {
        struct lb_error err;
        if (pv_unchanged(&cfg->lvm_pv[i], deadline, &err) == 0)
            continue;
        fprintf(stderr, "lifeboat: LVM physical volume %s: %s\n", cfg->lvm_pv[i].identity, err.msg);
        append_word(stale, len, &used, cfg->lvm_pv[i].identity);
        found = 1;
    }
    return found;
}

/* Whether the live table of the mapped device devnum ("MAJ:MIN") is want, line for line. */
static int same_table(const char *devnum, const struct dm_table *want, struct lb_error *err)
{
    static struct dm_table live;
    unsigned maj, min;

    if (sscanf(devnum, "%u:%u", &maj, &min) != 2 ||
        dm_table_read(makedev(maj, min), &live, err) < 0)
        return -1;
    if (live.n != want->n) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s has %zu table lines here, %zu when loaded",
                      want->name, live.n, want->n);
        return -1;
    }
    for (size_t i = 0; i < live.n; i++) {
        const struct dm_segment *a = &live.seg[i], *b = &want->seg[i];
        if (a->start != b->start || a->length != b->length || strcmp(a->type, b->type) != 0 ||
            strcmp(a->params, b->params) != 0) {
            lb_error_setk(err, LB_ERR_REFUSED,
                          "%s maps line %zu as '%s %s' here, but load took '%s %s' (reload: "
                          "'lifeboat load')",
                          want->name, i + 1, a->type, a->params, b->type, b->params);
            return -1;
        }
    }
    return 0;
}

static int assemble(const struct config *cfg, unsigned timeout, int check_only,
                    struct lb_error *err);

int stack_assemble(const struct config *cfg, unsigned timeout, struct lb_error *err)
{
    return assemble(cfg, timeout, 0, err);
}

int stack_check(const struct config *cfg, unsigned timeout, struct lb_error *err)
{
    return assemble(cfg, timeout, 1, err);
}

static int assemble(const struct config *cfg, unsigned timeout, int check_only,
                    struct lb_error *err)
{
    static struct dm_table t;
    static char stale[CONFIG_MAX_LVM_PV * 48 + CONFIG_MAX_DM * (DMT_NAME_MAX + 4)];
    time_t deadline = time(NULL) + timeout;
    char devnum[32];
    size_t used;
    int skipped = 0;

    find_stale_pvs(cfg, deadline, stale, sizeof(stale));
    used = strlen(stale);
    for (size_t i = 0; i < cfg->ndm;) {
        size_t j = i;
        memset(&t, 0, sizeof(t));
        snprintf(t.name, sizeof(t.name), "%s", cfg->dm[i].name);
        /* a table over a changed group, or over a device skipped for that, is not made */
        int over_stale = 0;
        for (size_t k = i; k < cfg->ndm && strcmp(cfg->dm[k].name, t.name) == 0; k++)
            over_stale |= names_any(cfg->dm[k].seg.params, stale);
        if (over_stale) {
            char dm_word[DMT_NAME_MAX + 4];
            snprintf(dm_word, sizeof(dm_word), "DM=%s", t.name);
            append_word(stale, sizeof(stale), &used, dm_word);
            if (!skipped++)
                lb_error_setk(err, LB_ERR_REFUSED,
                              "%s is not set up: LVM changed it after load, and the table load "
                              "took would write where LVM no longer keeps it ('lifeboat load' "
                              "after LVM changes; lifeboat.path does it)",
                              t.name);
            fprintf(stderr,
                    "lifeboat: %s is not set up: the LVM metadata under it changed "
                    "after load; a target on it is skipped\n",
                    t.name);
            while (i < cfg->ndm && strcmp(cfg->dm[i].name, t.name) == 0)
                i++;
            continue;
        }
        for (; j < cfg->ndm && strcmp(cfg->dm[j].name, t.name) == 0; j++) {
            if (t.n == DMT_MAX_SEGMENTS) {
                lb_error_setk(err, LB_ERR_REFUSED, "%s has more than %d lines", t.name,
                              DMT_MAX_SEGMENTS);
                return -1;
            }
            t.seg[t.n] = cfg->dm[j].seg;
            if (resolve_words(cfg->dm[j].seg.params, t.seg[t.n].params, sizeof(t.seg[t.n].params),
                              deadline, err) < 0) {
                lb_error_prefix(err, "cannot set up %s", t.name);
                return -1;
            }
            t.n++;
        }
        i = j;
        if (check_only) {
            /* on the running system the volume is mapped already: never a second mapping of
             * it, which would be a second writer of the same blocks */
            if (mapped_device(t.name, devnum, sizeof(devnum)) < 0) {
                lb_error_setk(err, LB_ERR_REFUSED,
                              "%s is not mapped on this system: the crash kernel would map it from "
                              "load's table, a rehearsal does not",
                              t.name);
                return -1;
            }
            if (same_table(devnum, &t, err) < 0)
                return -1;
            fprintf(stderr, "lifeboat: rehearsal: %s is mapped as load recorded it\n", t.name);
            continue;
        }
        if (mapped_device(t.name, devnum, sizeof(devnum)) == 0)
            continue; /* made by an earlier try */
        dev_t dev;
        if (dm_table_create(&t, &dev, err) < 0)
            return -1;
        fprintf(stderr, "lifeboat: set up %s (%u:%u) from %zu table line%s\n", t.name, major(dev),
                minor(dev), t.n, t.n == 1 ? "" : "s");
    }
    return skipped ? -1 : 0;
}
