/*
 * crashkernel.h - the reservation's two forms (crashkernel.c): the plain
 * crashkernel=SIZE, and crashkernel=SIZE crashkernel=SIZE,cma, where the
 * crash kernel's working memory is taken from CMA and stays the running
 * system's until a crash.  Shared by estimate, load and status.
 */
#ifndef LIFEBOAT_CRASHKERNEL_H
#define LIFEBOAT_CRASHKERNEL_H

#include <stddef.h>
#include <stdint.h>

/* What a command line asks for: the sizes of its crashkernel= words (0: none). */
struct crashkernel_args {
    uint64_t plain; /* crashkernel=SIZE (0 also when given as ranges or ,high: see other) */
    uint64_t cma;   /* crashkernel=SIZE,cma */
    int other;      /* a form not read here: ranges (x-y:SIZE), @offset, ,high, ,low */
};
/* Parses every crashkernel= word of cmdline; -1 if one is malformed. */
int crashkernel_parse(const char *cmdline, struct crashkernel_args *a);

/*
 * Whether kernel release takes crashkernel=SIZE,cma: decided from the kernel
 * itself, never from its version.  Its config (/boot/config-RELEASE, or
 * config beside its modules) must have CONFIG_CMA=y, and its symbols must
 * have crashk_cma_cnt, the count of crashkernel CMA ranges that only a
 * kernel which reserves them keeps: for the running kernel /proc/kallsyms,
 * for another one a System.map that is not Debian's stub.  root is "" (or a
 * test's directory); running: release is the running kernel.  1 yes, 0 no,
 * with how it was decided (or why not) in how.
 */
int crashkernel_cma_supported(const char *root, const char *release, int running, char *how,
                              size_t howlen);

/* The CMA part the running kernel holds, in bytes: /sys/kernel/mm/cma/crashkernel*. */
struct crashkernel_cma {
    uint64_t requested; /* crashkernel=SIZE,cma on /proc/cmdline */
    uint64_t reserved;  /* what the kernel got (total_pages); else requested, if it takes ,cma */
    int said;           /* reserved is the kernel's own count */
};
void crashkernel_cma_read(const char *root, struct crashkernel_cma *c);

#endif
