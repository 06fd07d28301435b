/*
 * redact.h - inside the dump engine: the redaction plan the walks of
 * redact_walk.c fill, and what they report.
 */
#ifndef LBDUMP_REDACT_H
#define LBDUMP_REDACT_H

#include <bpf/btf.h>

#include "lbdump.h"

struct redact_range {
    uint64_t start, len; /* physical */
};

/* The ranges every read of the source overwrites: sorted, disjoint once built. */
struct redaction {
    struct redact_range *r;
    size_t n, cap;
    unsigned classes; /* walked for, this one and those before it */
};

/* What the walks share: the kernel, its types, the plan, the report, the budget. */
struct redact_ctx {
    struct lb_source *src;
    struct lb_kernel *k;
    struct lb_kallsyms *ks;
    struct btf *btf;
    int ncpus; /* CPUs that saved registers */
    struct redaction *plan;
    struct lb_redaction_report *rep;
    uint64_t steps_left; /* pointers followed, all walks together */
    int out_of_memory;
    unsigned missing_cut; /* "not redacted" lines past the report's room */
};

/* The symbols the walks look up (kallsyms loads only these). */
extern const char *const lb_redact_symbols[];
extern const size_t lb_redact_nsymbols;

/*
 * Overwrites len bytes of kernel virtual memory at vaddr (page by page
 * through the page tables), counted as one object of type in class; bytes
 * not in the dump need no erasing.  The phys variant: physical memory.
 */
void lb_redact_virt(struct redact_ctx *c, unsigned cls, const char *type, uint64_t vaddr,
                    uint64_t len);
void lb_redact_phys(struct redact_ctx *c, unsigned cls, const char *type, uint64_t phys,
                    uint64_t len);
/* The offset of s.m (BTF), or the address of a symbol (kallsyms); -1 naming what is missing. */
int lb_redact_need_member(struct redact_ctx *c, const char *s, const char *m, uint64_t *off,
                          struct lb_error *err);
int lb_redact_need_symbol(struct redact_ctx *c, const char *name, uint64_t *addr,
                          struct lb_error *err);
/* Says what was not redacted, and why, in the report. */
void lb_redact_missing(struct redact_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* One step of a walk spent; 0 when the budget is gone (the walk must stop, and fail). */
int lb_redact_step(struct redact_ctx *c);
/* A word of the crashed kernel's memory at addr, 0 where it cannot be read. */
uint64_t lb_redact_read_u64(struct redact_ctx *c, uint64_t addr);
uint32_t lb_redact_read_u32(struct redact_ctx *c, uint64_t addr);

/* The walks: -1 with err naming what this kernel lacks for the class. */
int lb_redact_names(struct redact_ctx *c, struct lb_error *err);
/* For names: every open file's path names, every UNIX socket's name (redact_walk.c). */
int lb_redact_open_file_names(struct redact_ctx *c, struct lb_error *err);
int lb_redact_keys(struct redact_ctx *c, struct lb_error *err);
/* dm-crypt volumes' keys and their transforms' key schedules (redact_dm.c), for keys. */
int lb_redact_dm_crypt(struct redact_ctx *c, struct lb_error *err);
int lb_redact_user_data(struct redact_ctx *c, struct lb_error *err);
/* Whatever the classes: freed memory -d keeps (per-CPU free lists' pages, exited tasks' cached
   stacks), counted in cls (redact_pcp.c). */
int lb_redact_freed(struct redact_ctx *c, unsigned cls, struct lb_error *err);
/* Whatever the classes: what sleeping tasks' syscalls left below their stacks' saved sp. */
int lb_redact_dead_stacks(struct redact_ctx *c, unsigned cls, struct lb_error *err);

#endif
