/*
 * host_arch.h - what differs on the running system between the
 * architectures lifeboat runs on, one file each (host_x86_64.c,
 * host_arm64.c; the build compiles the one it targets).  The crash kernel
 * is the running kernel's architecture, which is this binary's, so nothing
 * here is chosen at run time.  The dumps' side is the engine's (lib/arch/).
 */
#ifndef LIFEBOAT_HOST_ARCH_H
#define LIFEBOAT_HOST_ARCH_H

#include <stddef.h>

#include "lbdump.h"

/* What every crash kernel gets on its command line, after the running kernel's own words. */
extern const char capture_cmdline_extra[];

/* The words that give the crash kernel cpus CPUs ("nr_cpus=N", and what keeps it safe). */
void host_cpu_words(int cpus, char *out, size_t len);

/*
 * The fewest CPUs a crash kernel given cpus (nr_cpus=) gets on a machine of
 * online CPUs, whichever CPU panics: it starts on the panicking one, and on
 * x86 the boot CPU, stopped by the panic, cannot be started again.
 */
int host_crash_cpus_fewest(int cpus, long online);

/* Why crashkernel=,cma is not taken here, or NULL where it is. */
extern const char *const host_cma_refusal;

/*
 * When the kernel has no kexec_file_load(2): loads the crash kernel another
 * way, 0, or -1 with err; -2 where there is no other way.
 */
int host_crash_load_fallback(int kernel_fd, int initramfs_fd, const char *cmdline,
                             struct lb_error *err);

#endif
