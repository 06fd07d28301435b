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
/* The same, but for keep_len bytes at keep_off in it, left as they are: one object counted. */
void lb_redact_phys_but(struct redact_ctx *c, unsigned cls, const char *type, uint64_t phys,
                        uint64_t len, uint64_t keep_off, uint64_t keep_len);
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
/* IPsec's states' keys and kTLS sockets' keys, with their transforms' key schedules
   (redact_net.c), for keys. */
int lb_redact_ipsec(struct redact_ctx *c, struct lb_error *err);
int lb_redact_ktls(struct redact_ctx *c, struct lb_error *err);
/* fscrypt's master keys, their inodes' keys, blk-crypto-fallback's keyslots (redact_fscrypt.c);
   WireGuard interfaces' and peers' keys (redact_wg.c); for keys. */
int lb_redact_fscrypt(struct redact_ctx *c, struct lb_error *err);
int lb_redact_wireguard(struct redact_ctx *c, struct lb_error *err);
/* Members to look up: s.m's offset (BTF_MISSING if none) into the layout's word at, its size
   (0 if none) into word size_at unless REDACT_NO_SIZE; s NULL: the struct named dflt.  Returns
   how many are missing. */
struct redact_member {
    const char *s, *m;
    uint8_t at, size_at;
};
enum { REDACT_NO_SIZE = 0xff };
int lb_redact_members(const struct btf *b, const struct redact_member *t, size_t n,
                      const char *dflt, uint64_t *layout);
/* Calls fn with every node of the list at head (its nodes' first word the next), to head again
   or, if hlist, 0; -1 naming what if it loops, breaks, passes max nodes or the budget of steps. */
int lb_redact_list(struct redact_ctx *c, uint64_t head, int hlist, size_t max, const char *what,
                   int (*fn)(struct redact_ctx *, void *, uint64_t, struct lb_error *), void *arg,
                   struct lb_error *err);
/* Calls fn once for every socket's struct sock an open file of a task holds (redact_walk.c). */
int lb_redact_open_sockets(struct redact_ctx *c, void (*fn)(struct redact_ctx *, void *, uint64_t),
                           void *arg, struct lb_error *err);

/* What redact_dm.c shares: a module of the kernel's list and its BTF, and crypto transforms. */
/* The offset of s.m in btf: the first struct of that name that has it (a module's BTF joined to
   the kernel's may hold two of one name); -1 naming it. */
int lb_redact_btf_member(const struct btf *btf, const char *s, const char *m, uint64_t *off,
                         struct lb_error *err);
/* The struct module named name on the kernel's list in *mod, 0 if not loaded (or no list);
   -1 if the list is broken. */
int lb_redact_find_module(struct redact_ctx *c, const char *name, uint64_t *mod,
                          struct lb_error *err);
/* The module's BTF joined to the kernel's (btf__free it), or NULL saying why. */
struct btf *lb_redact_module_btf(struct redact_ctx *c, uint64_t mod, struct lb_error *err);
struct redact_tfm_layout {
    uint64_t alg, ctx;                                       /* crypto_tfm.__crt_alg, __crt_ctx */
    uint64_t alg_list, alg_name, alg_ctxsize, alg_alignmask; /* crypto_alg's */
    uint64_t base[8]; /* where crypto_tfm sits in its wrappers */
    size_t nbase;
};
int lb_redact_tfm_layout(struct redact_ctx *c, struct redact_tfm_layout *l, struct lb_error *err);
/* Erases the context of the transform ptr points to (crypto_aead, _skcipher...: a crypto_alg
   on the kernel's list checked first) and its children's, keeping the words that lead to them,
   as type; 1 if ptr was a transform, 0 if not (nothing erased), 2 if it was but the walk of
   its children stopped at a bound (some of their contexts not erased: the caller says so). */
int lb_redact_tfm(struct redact_ctx *c, const struct redact_tfm_layout *l, uint64_t ptr,
                  const char *type);
int lb_redact_user_data(struct redact_ctx *c, struct lb_error *err);
/* Whatever the classes: freed memory -d keeps (per-CPU free lists' pages, exited tasks' cached
   stacks), counted in cls (redact_pcp.c). */
int lb_redact_freed(struct redact_ctx *c, unsigned cls, struct lb_error *err);
/* Whatever the classes: every free object of every SLUB cache, but for its free pointer word
   (redact_slab.c), counted in cls. */
int lb_redact_free_slab(struct redact_ctx *c, unsigned cls, struct lb_error *err);
/* Whatever the classes: what sleeping tasks' syscalls left below their stacks' saved sp. */
int lb_redact_dead_stacks(struct redact_ctx *c, unsigned cls, struct lb_error *err);

#endif
