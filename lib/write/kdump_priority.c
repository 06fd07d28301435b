/*
 * kdump_priority.c - what a reader of a cut-short dump needs most, as ranges
 * of physical memory in tiers: the printk ring, the per-cpu areas, the
 * kernel image, then the rest.  The windows and batches holding a tier are
 * saved before those of the next (kdump_windows.c).
 */
#include "write/kdump_writer.h"

static void add_priority(struct kdump *k, uint64_t phys, uint64_t size, enum tier tier)
{
    if (k->nprio < MAX_PRIORITY && size) {
        k->prio_lo[k->nprio] = phys;
        k->prio_hi[k->nprio] = phys + size;
        k->prio_tier[k->nprio++] = tier;
    }
}

/*
 * Each CPU's per-cpu area (its runqueue, current task, stacks' bookkeeping):
 * crash will not start without them.  Found through kallsyms' __per_cpu_offset.
 */
static void per_cpu_priority(struct kdump *k)
{
    static const char *const names[] = {"__per_cpu_offset", "__per_cpu_start", "__per_cpu_end"};
    struct lb_kallsyms *loaded = NULL;
    const struct lb_kallsyms *ks = k->p->kallsyms; /* the pipeline's, when it has them */
    uint64_t offsets, start, end, off, phys;
    struct lb_error ignored;

    if (!ks && lb_kallsyms_load_only(k->p->kernel, names, 3, &loaded, &ignored) < 0)
        return;
    if (!ks)
        ks = loaded;
    if (lb_kallsyms_address(ks, "__per_cpu_offset", &offsets) == 0 &&
        lb_kallsyms_address(ks, "__per_cpu_start", &start) == 0 &&
        lb_kallsyms_address(ks, "__per_cpu_end", &end) == 0 && end > start &&
        end - start < (64u << 20))
        for (int cpu = 0; cpu < 64; cpu++) {
            if (lb_kernel_read(k->p->kernel, offsets + 8 * (uint64_t)cpu, &off, 8, &ignored) < 0 ||
                !off)
                break;
            if (lb_kernel_vtop(k->p->kernel, start + off, &phys, &ignored) == 0)
                add_priority(k, phys, end - start, TIER_PER_CPU);
        }
    lb_kallsyms_free(loaded);
}

/*
 * What a reader of a cut-short dump needs most goes first: the printk ring, then
 * the per-cpu areas (small), then the kernel image (page tables, symbols, the
 * data every tool starts from), then the rest.  The file's layout does not care about the order; a
 * target that fills up then still leaves a dump whose log and kernel
 * structures can be read.
 */
void lb_kdump_find_priorities(struct kdump *k)
{
    struct lb_pipe *p = k->p;
    uint64_t virt, phys, size, ring[3], ring_size[3];

    if (!p->kernel)
        return;
    size_t n = lb_log_ring_phys(p->kernel, ring, ring_size, 3);
    for (size_t i = 0; i < n; i++)
        add_priority(k, ring[i], ring_size[i], TIER_LOG);
    if (lb_kernel_image(p->kernel, &virt, &phys, &size) == 0)
        add_priority(k, phys, size, TIER_KERNEL);
    per_cpu_priority(k);
}

/* Does frames pfn..pfn+n-1 hold a range of this tier (TIER_REST: anything)? */
int lb_kdump_in_tier(const struct kdump *k, uint64_t pfn, size_t n, int tier)
{
    uint64_t lo = pfn << LB_PAGE_SHIFT, hi = (pfn + n) << LB_PAGE_SHIFT;

    if (tier == TIER_REST)
        return 1;
    for (size_t i = 0; i < k->nprio; i++)
        if (k->prio_tier[i] == tier && k->prio_lo[i] < hi && k->prio_hi[i] > lo)
            return 1;
    return 0;
}
