/*
 * kernel_log.h - the crashed kernel's log as text, for 'lifeboat dmesg' and for
 * the dmesg.txt the capture writes before the dump.
 */
#ifndef LIFEBOAT_KERNEL_LOG_H
#define LIFEBOAT_KERNEL_LOG_H

#include <stdio.h>

#include "lbdump.h"

/* Walks the log of the kernel in src. */
int kernel_log_walk(struct lb_source *src, lb_log_fn fn, void *ctx, struct lb_log_stats *stats,
                    struct lb_error *err);
/* Writes the log to out in vmcore-dmesg's format. */
int kernel_log_write(struct lb_source *src, FILE *out, struct lb_log_stats *stats,
                     struct lb_error *err);

#endif
