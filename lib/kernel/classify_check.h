/*
 * classify_check.h - inside the dump engine: the page classifier's check of
 * itself, run once per dump before it may drop a page (DESIGN.md, "Kernels
 * it has never seen").  See classify_check.c.
 */
#ifndef LBDUMP_CLASSIFY_CHECK_H
#define LBDUMP_CLASSIFY_CHECK_H

#include "kernel/kernel.h"
#include "lbdump.h"

/* What the classifier decoded from VMCOREINFO and relies on: UINT64_MAX or 0 where absent. */
struct lb_classify_layout {
    uint64_t page_size; /* SIZE(page) */
    uint64_t off_flags, off_mapping, off_mapcount, off_private, off_compound_head;
    uint64_t pg_lru, pg_private, pg_swapcache, pg_swapbacked, pg_slab, pg_hwpoison, pg_head_mask;
    int64_t buddy_value, offline_value, slab_value, hugetlb_value; /* 0: absent */
};

/* mem_map.c: the layout c classifies with. */
void lb_classifier_layout(const struct lb_classifier *c, struct lb_classify_layout *out);

struct lb_classify_check {
    uint64_t frames;   /* frames of known kernel memory classified */
    char summary[160]; /* how many of each kind: "image 4113, log 129, ..." */
};

/*
 * Checks the classifier against the kernel it reads: the encodings it relies
 * on present and consistent, and the frames the kernel certainly owns (its
 * image, the log ring, swapper's page tables, the per-CPU areas, the stacks
 * the saved registers point into) classified as kept.  ks: kallsyms with
 * lb_classify_check_symbols, or NULL to load them.  0: it may filter;
 * -1: err names what failed, and the dump must keep every page.  Bounded:
 * at most about 135,000 frames classified, and 48 KiB of memory, whatever
 * the machine's size.
 */
int lb_classify_check(struct lb_kernel *k, const struct lb_kallsyms *ks,
                      struct lb_classify_check *out, struct lb_error *err);

/* The symbols the check looks up, for a caller that loads kallsyms once for several readers. */
extern const char *const lb_classify_check_symbols[];
extern const size_t lb_classify_check_nsymbols;

#endif
