/*
 * capture.h - the capture policy: which target, which directory, what is
 * written there and in what order.
 */
#ifndef LIFEBOAT_CAPTURE_H
#define LIFEBOAT_CAPTURE_H

#include "config/config.h"
#include "dumpdir/steps.h"

/*
 * Saves the dump in vmcore_path to the first configured target that works,
 * trying the next on failure.  Filesystems are mounted under mount_base.
 * Progress and every failure go to stderr.
 */
enum capture_outcome capture_run(const struct config *cfg, const char *vmcore_path,
                                 const char *mount_base);
/* The same; saved_dir gets the dump directory written last, "" if none was. */
enum capture_outcome capture_run_saving(const struct config *cfg, const char *vmcore_path,
                                        const char *mount_base, char *saved_dir, size_t len);

/* The crash's time and kernel from the dump's VMCOREINFO, the host's name. */
void capture_read_facts(struct lb_source *src, const struct config *cfg, struct crash_facts *f);

#endif
