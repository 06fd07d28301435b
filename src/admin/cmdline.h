/*
 * cmdline.h - the crash kernel's command line, derived from the running one.
 */
#ifndef LIFEBOAT_CMDLINE_H
#define LIFEBOAT_CMDLINE_H

#include <stddef.h>

/* What every capture kernel gets, after the running kernel's own parameters: host_arch.h */
#include "admin/host_arch.h"

/*
 * Writes to out the running command line without the parameters that make no
 * sense or do harm in a crash kernel, then capture_cmdline_extra, then
 * cpu_words ("nr_cpus=N ..."), then append (the admin's, which wins).
 * Returns -1 if out is too small.
 */
int capture_cmdline(const char *running, const char *cpu_words, const char *append, char *out,
                    size_t outlen);

#endif
