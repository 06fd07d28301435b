/*
 * kernel.h - inside the dump engine: the crashed kernel read through its own
 * structures, for the engine's files and its tests (lbdump.h has what
 * programs use: lb_kernel_open, the triage, the log).  Its virtual memory,
 * its symbols, and the classes of its pages from struct page.
 */
#ifndef LBDUMP_KERNEL_H
#define LBDUMP_KERNEL_H

#include "arch/arch.h"
#include "lbdump.h"

/* ---- the crashed kernel's virtual memory ------------------------------ */

const struct lb_vmcoreinfo *lb_kernel_vmcoreinfo(const struct lb_kernel *k);
struct lb_source *lb_kernel_source(const struct lb_kernel *k);
/* The same kernel read through a view of its source (lb_source_view), for another thread;
 * NULL where the source has none.  Closed with lb_kernel_view_close, before k. */
struct lb_kernel *lb_kernel_view(const struct lb_kernel *k);
void lb_kernel_view_close(struct lb_kernel *view);
/* Translates a kernel virtual address by walking the crashed kernel's page tables. */
int lb_kernel_vtop(struct lb_kernel *k, uint64_t vaddr, uint64_t *phys, struct lb_error *err);
/* The kernel image's virtual and physical start and its size, from the page tables. */
int lb_kernel_image(struct lb_kernel *k, uint64_t *virt, uint64_t *phys, uint64_t *size);
/*
 * The direct (linear) map's virtual address of physical address 0: KASLR's
 * page_offset_base on x86_64, PAGE_OFFSET - PHYS_OFFSET on arm64.
 */
int lb_kernel_page_offset(struct lb_kernel *k, uint64_t *page_offset);
/*
 * Where the printk ring's descriptors, infos and text are in physical memory
 * (each is one allocation): what a reader of a cut-short dump needs most.
 * Returns how many ranges (up to max).
 */
size_t lb_log_ring_phys(struct lb_kernel *k, uint64_t *phys, uint64_t *size, size_t max);
/* Reads kernel virtual memory, page by page: lb_kernel_read, arch/arch.h (the architectures
 * read with it too). */

/* ---- the kernel's symbols (kallsyms, read from the dump) ------------- */

struct lb_kallsyms;

int lb_kallsyms_load(struct lb_kernel *k, struct lb_kallsyms **out, struct lb_error *err);
/* Only the symbols named (a few kilobytes where the whole table takes megabytes). */
int lb_kallsyms_load_only(struct lb_kernel *k, const char *const *names, size_t n,
                          struct lb_kallsyms **out, struct lb_error *err);
void lb_kallsyms_free(struct lb_kallsyms *ks);
uint32_t lb_kallsyms_count(const struct lb_kallsyms *ks);
int lb_kallsyms_address(const struct lb_kallsyms *ks, const char *name, uint64_t *addr);
/* The symbol holding addr, and addr's offset in it; type may be NULL. */
int lb_kallsyms_lookup(const struct lb_kallsyms *ks, uint64_t addr, const char **name,
                       uint64_t *offset, char *type);

/* ---- the classes of its pages, from struct page ---------------------- */

struct lb_classifier;

/*
 * Prepares to classify pages by walking the crashed kernel's struct pages
 * (mem_section and vmemmap, as VMCOREINFO describes them).  dump_level is
 * makedumpfile's -d mask.
 */
int lb_classifier_open(struct lb_kernel *k, unsigned dump_level, struct lb_classifier **out,
                       struct lb_error *err);
void lb_classifier_close(struct lb_classifier *c);
/*
 * Another classifier of c's kernel and level, for another thread: its own
 * buffer and walk (lb_classifier_restore before use), and its own view of
 * the source where it has views; where not, the family's reads of the source
 * take turns.  Closed before c; NULL if out of memory.
 */
struct lb_classifier *lb_classifier_clone(struct lb_classifier *c);
/*
 * Writes the class of frames start..start+n-1 to cls.  Calls going up the
 * frame space carry a free block or huge page found in one window into the
 * next; a call going back starts afresh.  A frame whose struct page cannot
 * be read is kept.
 */
void lb_classify(struct lb_classifier *c, uint64_t start, size_t n, uint8_t *cls);

/* Where a walk up the frame space stands, so a window can be classified again alone. */
struct lb_classify_state {
    uint64_t pending_end;
    uint64_t last_end;
    uint8_t pending_class;
};

void lb_classifier_save(const struct lb_classifier *c, struct lb_classify_state *state);
void lb_classifier_restore(struct lb_classifier *c, const struct lb_classify_state *state);

#endif
