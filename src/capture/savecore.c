/*
 * savecore.c - the dumps a crash left on raw devices, saved at the next boot.
 *
 * A raw target holds one dump and nothing says where it came from until it
 * is read.  At boot, before the crash kernel is loaded again, each raw target
 * that holds a dump not yet saved is copied through the same capture policy
 * the crash kernel uses (kernel log, triage report, metadata, the dump, a
 * directory named for the crash and renamed when whole), every saved frame
 * kept.  Only once the copy is whole (or as whole as the dump on the device)
 * is the device marked saved, which lets the next crash write over it
 * (rawdev.c): a boot that fails half-way loses nothing.
 */
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "lbdump.h"
#include "rawdev.h"
#include "savecore.h"

/* Whether the dump on device says it was cut short: then a copy of all of it is all there is. */
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

static enum savecore_result save_one(const struct config *cfg, const struct target *t,
                                     const char *dir)
{
    char device[300], why[512], holds[128];
    struct config copy = *cfg;
    enum capture_outcome outcome;

    if (rawdev_is_identity(t->device)) {
        if (rawdev_find(t->device, device, sizeof(device), why, sizeof(why)) < 0) {
            fprintf(stderr, "lifeboat: raw target %s: %s\n", t->device,
                    why[0] ? why : "on no device now");
            return SAVECORE_NOTHING;
        }
    } else {
        snprintf(device, sizeof(device), "%s", t->device);
    }
    if (rawdev_probe(device, holds, sizeof(holds)) != RAWDEV_DUMP)
        return SAVECORE_NOTHING;
    fprintf(stderr, "lifeboat: %s (%s) holds a dump: saving it in %s\n", device, t->device, dir);
    /* one target, the directory; every frame the dump holds is kept */
    copy.ntargets = 1;
    memset(&copy.targets[0], 0, sizeof(copy.targets[0]));
    copy.targets[0].kind = TARGET_DIR;
    snprintf(copy.targets[0].path, sizeof(copy.targets[0].path), "%s", dir);
    copy.dump_level = 0;
    outcome = capture_run(&copy, device, "/run/lifeboat");
    if (outcome == CAPTURE_FAILED || (outcome == CAPTURE_INCOMPLETE && !dump_cut_short(device))) {
        fprintf(stderr, "lifeboat: the dump on %s was not saved whole: %s keeps it\n", device,
                device);
        return SAVECORE_FAILED;
    }
    if (rawdev_consume(device, why, sizeof(why)) < 0) {
        fprintf(stderr, "lifeboat: %s\n", why);
        return SAVECORE_FAILED;
    }
    fprintf(stderr, "lifeboat: %s is marked saved: the next crash may use it\n", device);
    return SAVECORE_SAVED;
}

enum savecore_result savecore(const struct config *cfg, const char *dir)
{
    enum savecore_result result = SAVECORE_NOTHING;

    for (size_t i = 0; i < cfg->ntargets; i++) {
        if (cfg->targets[i].kind != TARGET_RAW)
            continue;
        enum savecore_result r = save_one(cfg, &cfg->targets[i], dir);
        if (r > result)
            result = r;
    }
    return result;
}
