/*
 * kernel.c - the crashed kernel's virtual memory, for reading its structures.
 *
 * Kernel structures (the printk ring, mem_map, task lists) are reached
 * through kernel virtual addresses.  On x86_64 two mappings matter: the
 * kernel image, at __START_KERNEL_map + (physical - phys_base), which gives
 * the page tables themselves; and everything else, found by walking those
 * page tables (4 or 5 levels, as VMCOREINFO says) from init_top_pgt.  Walking
 * the tables rather than trusting ELF p_vaddr works for every dump format,
 * including those that carry no virtual addresses.  Every entry read is from
 * the crashed machine: a bad one ends that translation with an error naming
 * the level and the entry, never the dump.
 */
#include <stdlib.h>
#include <string.h>

#include "lbdump.h"

#define START_KERNEL_MAP 0xffffffff80000000ull
#define PTE_PRESENT      0x1ull
#define PTE_HUGE         0x80ull
#define PTE_ADDR_MASK    0x000ffffffffff000ull

struct lb_kernel {
    struct lb_source *src;
    struct lb_vmcoreinfo *info;
    uint64_t phys_base;
    uint64_t pgd_phys; /* physical address of init_top_pgt */
    int levels;
};

static int need_u64(const struct lb_vmcoreinfo *info, const char *key, int base, uint64_t *v,
                    struct lb_error *err)
{
    if (lb_vmcoreinfo_get_u64(info, key, base, v) == 0)
        return 0;
    lb_error_setk(err, LB_ERR_NO_DATA, "VMCOREINFO lacks %s (or it is not a number)", key);
    return -1;
}

int lb_kernel_open(struct lb_source *src, struct lb_kernel **out, struct lb_error *err)
{
    struct lb_kernel *k = calloc(1, sizeof(*k));
    uint64_t pgd_virt, l5 = 0;
    int64_t phys_base;
    const uint8_t *notes;
    size_t len;

    if (!k) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    k->src = src;
    notes = lb_source_notes(src, &len);
    if (lb_vmcoreinfo_from_notes(notes, len, &k->info, err) < 0)
        goto fail;
    if (lb_vmcoreinfo_get_s64(k->info, "NUMBER(phys_base)", &phys_base) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "VMCOREINFO lacks NUMBER(phys_base) (or it is not a number)");
        goto fail;
    }
    /* Addresses wrap modulo 2^64, so a negative base works as its two's complement. */
    k->phys_base = (uint64_t)phys_base;
    if (need_u64(k->info, "SYMBOL(init_top_pgt)", 16, &pgd_virt, err) < 0)
        goto fail;
    lb_vmcoreinfo_get_u64(k->info, "NUMBER(pgtable_l5_enabled)", 10, &l5);
    k->levels = l5 ? 5 : 4;
    if (pgd_virt < START_KERNEL_MAP) {
        lb_error_set(err, "VMCOREINFO: init_top_pgt 0x%llx is not in the kernel image",
                     (unsigned long long)pgd_virt);
        goto fail;
    }
    k->pgd_phys = pgd_virt - START_KERNEL_MAP + k->phys_base;
    *out = k;
    return 0;
fail:
    lb_kernel_close(k);
    return -1;
}

void lb_kernel_close(struct lb_kernel *k)
{
    if (!k)
        return;
    lb_vmcoreinfo_free(k->info);
    free(k);
}

const struct lb_vmcoreinfo *lb_kernel_vmcoreinfo(const struct lb_kernel *k)
{
    return k->info;
}

struct lb_source *lb_kernel_source(const struct lb_kernel *k)
{
    return k->src;
}

int lb_kernel_vtop(struct lb_kernel *k, uint64_t vaddr, uint64_t *phys, struct lb_error *err)
{
    static const char *const level_names[] = {"PTE", "PMD", "PUD", "P4D", "PGD"};
    uint64_t table = k->pgd_phys;

    for (int level = k->levels - 1; level >= 0; level--) {
        int shift = 12 + 9 * level;
        uint64_t index = (vaddr >> shift) & 511, entry;
        struct lb_error why;

        if (lb_source_read_phys(k->src, table + index * 8, &entry, 8, &why) < 0) {
            lb_error_set(err, "translating 0x%llx: %s table at 0x%llx is not in the dump",
                         (unsigned long long)vaddr, level_names[level], (unsigned long long)table);
            return -1;
        }
        if (!(entry & PTE_PRESENT)) {
            lb_error_set(err, "translating 0x%llx: %s entry %llu is not present (0x%llx)",
                         (unsigned long long)vaddr, level_names[level], (unsigned long long)index,
                         (unsigned long long)entry);
            return -1;
        }
        /* A huge page ends the walk at the PUD (1 GiB) or PMD (2 MiB) level. */
        if (level == 0 || ((level == 1 || level == 2) && (entry & PTE_HUGE))) {
            uint64_t page_mask = (1ull << shift) - 1;
            *phys = ((entry & PTE_ADDR_MASK) & ~page_mask) | (vaddr & page_mask);
            return 0;
        }
        table = entry & PTE_ADDR_MASK;
    }
    return -1; /* not reached: level 0 always returns */
}

int lb_kernel_read(struct lb_kernel *k, uint64_t vaddr, void *buf, size_t len, struct lb_error *err)
{
    uint8_t *p = buf;

    while (len > 0) {
        uint64_t phys, in_page = 4096 - (vaddr & 4095);
        size_t chunk = len < in_page ? len : (size_t)in_page;

        if (vaddr >= START_KERNEL_MAP)
            phys = vaddr - START_KERNEL_MAP + k->phys_base;
        else if (lb_kernel_vtop(k, vaddr, &phys, err) < 0)
            return -1;
        if (lb_source_read_phys(k->src, phys, p, chunk, err) < 0)
            return -1;
        p += chunk;
        vaddr += chunk;
        len -= chunk;
    }
    return 0;
}

/*
 * The kernel image's mapping (__START_KERNEL_map + ...): the run of 2 MiB
 * steps around _stext that the page tables map to contiguous physical memory.
 * An ELF dump needs it as a PT_LOAD with virtual addresses for gdb and
 * vmcore-dmesg, which look kernel symbols up by virtual address.
 */
int lb_kernel_image(struct lb_kernel *k, uint64_t *virt, uint64_t *phys, uint64_t *size)
{
    const uint64_t step = 2ull << 20, limit = 1ull << 30;
    uint64_t stext, lo, hi, p_lo, p;
    struct lb_error ignored;

    if (lb_vmcoreinfo_get_u64(k->info, "SYMBOL(_stext)", 16, &stext) < 0 ||
        stext < START_KERNEL_MAP)
        return -1;
    lo = stext & ~(step - 1);
    if (lb_kernel_vtop(k, lo, &p_lo, &ignored) < 0)
        return -1;
    while (lo - step >= START_KERNEL_MAP && lb_kernel_vtop(k, lo - step, &p, &ignored) == 0 &&
           p == p_lo - step) {
        lo -= step;
        p_lo = p;
    }
    for (hi = lo + step; hi - lo < limit; hi += step)
        if (lb_kernel_vtop(k, hi, &p, &ignored) < 0 || p != p_lo + (hi - lo))
            break;
    *virt = lo;
    *phys = p_lo;
    *size = hi - lo;
    return 0;
}

/*
 * Where the direct map starts (page_offset_base, randomized by KASLR): found
 * from a pointer VMCOREINFO gives that is known to be in the direct map
 * (mem_section), minus the physical address the page tables give for it.
 */
int lb_kernel_page_offset(struct lb_kernel *k, uint64_t *page_offset)
{
    uint64_t v, phys;
    struct lb_error ignored;

    if (lb_vmcoreinfo_get_u64(k->info, "SYMBOL(mem_section)", 16, &v) < 0 ||
        v >= START_KERNEL_MAP || lb_kernel_vtop(k, v, &phys, &ignored) < 0 ||
        ((v - phys) & ((1ull << 30) - 1)))
        return -1;
    *page_offset = v - phys;
    return 0;
}
