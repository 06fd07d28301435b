/*
 * savecore.c - the dumps a crash left on raw devices, saved at the next boot.
 *
 * A raw target holds one dump and nothing says where it came from until it
 * is read.  At boot, before the crash kernel is loaded again, each raw target
 * that holds a dump not yet saved is copied through the same capture policy
 * the crash kernel uses (kernel log, triage report, metadata, the dump, a
 * directory named for the crash and renamed when whole), every saved frame
 * kept.  Only then may the device be marked saved, which lets the next
 * crash write over it (rawdev.c).
 *
 * Invariants:
 *   1. A device is marked saved only when the copy was written without an
 *      error of the target (its outcome complete, or incomplete only because
 *      the dump on the device is) and, read back from the disk (its pages
 *      dropped from the cache first), holds every frame the device holds,
 *      byte for byte.  A frame the device cannot give is not proven saved:
 *      a retry may read it.  The copy takes no part in rotation, and one that
 *      fails this is removed, so that boots that retry do not fill the disk.
 *   2. The device is the one load named by its identity (recorded at load,
 *      raw_identities), never the one the config's /dev name points at now:
 *      disks are renumbered between boots.
 *   3. A dump that stays on its device is said, with why, so that the boot
 *      notice tells it; the next boot tries again.
 *   4. Reading back runs in a child with the capture's step deadline: a
 *      dying disk costs this boot's copy, never the boot (the service loads
 *      the crash kernel after savecore).
 *
 * Failures are struct lb_error, of the kind that says whose they are: the
 * raw device's dump (LB_ERR_NO_DATA: not found; LB_ERR_INPUT_IO: frames not
 * read), or the copy (LB_ERR_OUTPUT_IO: not written or not read back whole).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/savecore.h"
#include "dumpdir/dumpdir.h"
#include "lbdump.h"
#include "platform/rawdev.h"
#include "platform/supervise.h"
#include "targets/raw_record.h"
#include "targets/target.h"

enum { COMPARE_BATCH = 64 };

/* The device t names now (invariant 2). */
static int device_of(const struct target *t, const char *identities, char *device, size_t len,
                     struct lb_error *err)
{
    char recorded[256];
    const char *spec = t->device;

    if (!rawdev_is_identity(spec)) {
        if (identities &&
            rawdev_recorded_identity(identities, spec, recorded, sizeof(recorded)) == 0) {
            spec = recorded;
        } else {
            if (identities)
                fprintf(stderr,
                        "lifeboat: warning: raw target %s: load recorded no identity for it "
                        "in %s: looked for by that name\n",
                        t->device, identities);
            snprintf(device, len, "%s", t->device);
            return 0;
        }
    }
    if (rawdev_find(spec, device, len, err) < 0) {
        if (err->kind == LB_ERR_REFUSED)
            err->kind = LB_ERR_NO_DATA; /* ambiguous: as good as not found, for savecore */
        else
            lb_error_setk(err, LB_ERR_NO_DATA, "raw target %s (%s) is on no device now", t->device,
                          spec);
        return -1;
    }
    return 0;
}

struct frame_count {
    uint64_t held, unreadable, missing, differ, first_bad;
};

/* Frames [pfn, pfn + n) of raw, each compared with the copy's (invariant 1). */
static void compare_batch(struct lb_source *raw, struct lb_source *copy, uint64_t pfn, size_t n,
                          uint8_t *a, uint8_t *b, struct frame_count *fc)
{
    uint8_t sa[COMPARE_BATCH], sb[COMPARE_BATCH];

    lb_source_read_pages(raw, pfn, n, a, sa);
    lb_source_read_pages(copy, pfn, n, b, sb);
    for (size_t j = 0; j < n; j++) {
        if (sa[j] == LB_PAGE_EXCLUDED)
            continue; /* not in the device's dump either: nothing to keep */
        if (sa[j] == LB_PAGE_FAILED) {
            fc->unreadable++; /* in it, but not read this time: not proven copied */
            continue;
        }
        fc->held++;
        int bad = sb[j] != LB_PAGE_OK ? (fc->missing++, 1)
                  : memcmp(a + j * LB_PAGE_SIZE, b + j * LB_PAGE_SIZE, LB_PAGE_SIZE) != 0
                      ? (fc->differ++, 1)
                      : 0;
        if (bad && fc->missing + fc->differ == 1)
            fc->first_bad = pfn + j;
    }
}

/* What is read back of path comes from its disk, not from the pages the copy left cached. */
static void drop_cached(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
}

/* Whether the dump file copy holds every frame the dump on device holds. */
static int copy_is_whole(const char *device, const char *copy, struct lb_error *err)
{
    struct lb_source *raw = NULL, *saved = NULL;
    struct frame_count fc = {0};
    uint8_t *a = malloc(2 * (size_t)COMPARE_BATCH * LB_PAGE_SIZE);
    size_t nruns;
    int r = -1;

    if (!a) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory to read the copy back");
    } else if (lb_source_open(device, &raw, err) < 0) {
        lb_error_prefix(err, "the dump on %s cannot be read again", device);
    } else if (drop_cached(copy), lb_source_open(copy, &saved, err) < 0) {
        err->kind = LB_ERR_OUTPUT_IO; /* the copy is what failed, whatever its reader found */
        lb_error_prefix(err, "the copy %s cannot be read back", copy);
    } else {
        const struct lb_frame_run *runs = lb_source_frame_runs(raw, &nruns);
        for (size_t i = 0; i < nruns; i++)
            for (uint64_t done = 0; done < runs[i].count;) {
                uint64_t left = runs[i].count - done;
                size_t n = left < COMPARE_BATCH ? (size_t)left : COMPARE_BATCH;
                compare_batch(raw, saved, runs[i].first + done, n, a,
                              a + (size_t)COMPARE_BATCH * LB_PAGE_SIZE, &fc);
                done += n;
                supervise_progress();
            }
        if (fc.unreadable)
            lb_error_setk(err, LB_ERR_INPUT_IO,
                          "%llu frames of the dump on %s could not be read (a retry may read "
                          "them; wipefs the device to give them up)",
                          (unsigned long long)fc.unreadable, device);
        else if (fc.missing || fc.differ)
            lb_error_setk(err, LB_ERR_OUTPUT_IO,
                          "the copy %s holds %llu of the %llu frames the dump on %s holds (%llu "
                          "missing, %llu different; the first at frame 0x%llx)",
                          copy, (unsigned long long)(fc.held - fc.missing - fc.differ),
                          (unsigned long long)fc.held, device, (unsigned long long)fc.missing,
                          (unsigned long long)fc.differ, (unsigned long long)fc.first_bad);
        else
            r = 0;
    }
    if (saved)
        lb_source_close(saved);
    if (raw)
        lb_source_close(raw);
    free(a);
    return r;
}

struct readback {
    const char *device, *copy;
    struct lb_error err; /* shared with the child that reads */
};

static int readback_step(void *ctx)
{
    struct readback *rb = ctx;
    return copy_is_whole(rb->device, rb->copy, &rb->err) == 0 ? 0 : 1;
}

/* copy_is_whole in a child, with the step deadline (invariant 4). */
static int read_back(const char *device, const char *copy, unsigned deadline, struct lb_error *err)
{
    struct readback *rb =
        mmap(NULL, sizeof(*rb), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int signo, r;

    if (rb == MAP_FAILED) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "no memory to read the copy back");
        return -1;
    }
    memset(rb, 0, sizeof(*rb));
    rb->device = device;
    rb->copy = copy;
    r = supervise_run("reading the copy back", readback_step, rb, deadline, &signo);
    if (r != 0 && rb->err.msg[0])
        *err = rb->err;
    else if (r != 0) /* the child died or was stopped before it could say: the device's fault */
        lb_error_setk(err, LB_ERR_INPUT_IO, "%s",
                      r == SUPERVISE_TIMED_OUT ? "reading the copy back made no progress: stopped"
                                               : "reading the copy back failed");
    munmap(rb, sizeof(*rb));
    return r == 0 ? 0 : -1;
}

/* Whether the dump on device says it was cut short: then a copy cut short there too is whole. */
static int dump_cut_short(const char *device)
{
    struct lb_source *src;
    struct lb_error err;
    int cut;

    if (lb_source_open(device, &src, &err) < 0)
        return 0;
    cut = lb_source_incomplete(src);
    lb_source_close(src);
    return cut;
}

/* The device marked saved (rawdev_consume), or -1 and err: the mark could not be written. */
static int mark_saved(const char *device, struct lb_error *err)
{
    if (rawdev_consume(device, err) == 0)
        return 0;
    err->kind = LB_ERR_INPUT_IO; /* the raw device's, not the copy's */
    return -1;
}

static enum savecore_result save_one(const struct config *cfg, const struct target *t,
                                     const char *dir, const char *identities, struct lb_error *err)
{
    char device[300], holds[128], saved[700], copy_path[760];
    struct config copy = *cfg;
    enum capture_outcome outcome;

    if (device_of(t, identities, device, sizeof(device), err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err->msg);
        return SAVECORE_NOTHING;
    }
    if (rawdev_probe(device, holds, sizeof(holds)) != RAWDEV_DUMP)
        return SAVECORE_NOTHING;
    if (cfg->nrecipients) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, /* the copy cannot be made here */
                      "the dump on %s stays there: encrypt-to is set, so a copy would be "
                      "encrypted and could not be read back here to prove it whole (save it "
                      "with a config without encrypt-to)",
                      device);
        fprintf(stderr, "lifeboat: %s\n", err->msg);
        return SAVECORE_FAILED;
    }
    if (strlen(dir) >= sizeof(copy.targets[0].path)) { /* cut, it would name another directory */
        lb_error_setk(err, LB_ERR_OUTPUT_IO,
                      "the dump on %s stays there: the directory %.64s... is longer than %zu "
                      "bytes",
                      device, dir, sizeof(copy.targets[0].path) - 1);
        fprintf(stderr, "lifeboat: %s\n", err->msg);
        return SAVECORE_FAILED;
    }
    fprintf(stderr, "lifeboat: %s (%s) holds a dump: saving it in %s\n", device, t->device, dir);
    /* one target, the directory; every frame the dump holds is kept */
    copy.ntargets = 1;
    memset(&copy.targets[0], 0, sizeof(copy.targets[0]));
    copy.targets[0].kind = &target_kind_dir;
    snprintf(copy.targets[0].path, sizeof(copy.targets[0].path), "%s", dir);
    copy.dump_level = 0;
    copy.keep = copy.min_free_mib = 0; /* nothing is rotated out for a copy not yet proven */
    outcome = capture_run_saving(&copy, device, "/run/lifeboat", saved, sizeof(saved));
    snprintf(copy_path, sizeof(copy_path), "%s/vmcore", saved);
    if (!saved[0]) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO,
                      "the dump on %s stays there: no dump directory could be made in %s", device,
                      dir);
        fprintf(stderr, "lifeboat: %s; the next boot tries again\n", err->msg);
        return SAVECORE_FAILED;
    }
    int whole = 0; /* the copy read back whole: kept, even if the device cannot be marked */
    if (outcome == CAPTURE_FAILED || (outcome == CAPTURE_INCOMPLETE && !dump_cut_short(device)))
        lb_error_setk(err, LB_ERR_OUTPUT_IO,
                      "the copy %s could not be written whole (the lines before this "
                      "one in the journal say why)",
                      saved);
    else if ((whole = read_back(device, copy_path, cfg->step_timeout, err) == 0) &&
             mark_saved(device, err) == 0) {
        fprintf(stderr, "lifeboat: %s is marked saved: the next crash may use it\n", device);
        return SAVECORE_SAVED;
    }
    /* the device first: a long cause is what gets cut, never the name the admin needs */
    lb_error_prefix(err, "the dump stays on %s", device);
    if (!whole && dumpdir_discard(saved) == 0)
        fprintf(stderr, "lifeboat: removed the copy %s, which is not the whole dump\n", saved);
    fprintf(stderr, "lifeboat: %s; the next boot tries again\n", err->msg);
    return SAVECORE_FAILED;
}

enum savecore_result savecore(const struct config *cfg, const char *dir, const char *identities,
                              struct lb_error *err)
{
    enum savecore_result result = SAVECORE_NOTHING;
    struct lb_error one;

    memset(err, 0, sizeof(*err));
    for (size_t i = 0; i < cfg->ntargets; i++) {
        if (cfg->targets[i].kind != &target_kind_raw)
            continue;
        memset(&one, 0, sizeof(one));
        enum savecore_result r = save_one(cfg, &cfg->targets[i], dir, identities, &one);
        if (r == SAVECORE_FAILED && !err->msg[0])
            *err = one; /* the first failure is the one told */
        if (r > result)
            result = r;
    }
    return result;
}
