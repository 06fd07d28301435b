/*
 * redact_pcp.c - freed memory that -d keeps, erased: the pages waiting on
 * the per-CPU free lists, and the kernel stacks of exited tasks cached for
 * the next fork.
 *
 * A page freed by the kernel first goes to its CPU's list
 * (zone->per_cpu_pageset, a struct per_cpu_pages per CPU, whose lists[]
 * hold pages by order and migrate type) and reaches the buddy allocator
 * only when the list is drained.  Such a page is not PageBuddy, so the
 * -d 31 filter keeps it (as makedumpfile's does), and it holds whatever
 * its last user left: a stack that held uname()'s answer, a pipe's page,
 * a key on its way.  An exited task's kernel stack (VMAP_STACK) is not
 * freed at all if its CPU's cached_stacks has room: it stays mapped and
 * allocated, with everything the task's syscalls copied onto it
 * (sethostname's and uname's copies of the host's name).  Whatever the
 * classes, both are erased whole: nothing in the dump's structures points
 * into them.
 *
 * Found through BTF (pglist_data.node_zones, zone.per_cpu_pageset,
 * per_cpu_pages.lists, page.pcp_list or page.lru, or VMCOREINFO's
 * OFFSET(page.lru); vm_struct.addr and size) and kallsyms (node_data and
 * nr_node_ids, or contig_page_data; __per_cpu_offset; vmemmap_base;
 * cached_stacks).  A list's order is its index's: MIGRATE_PCPTYPES lists an
 * order up to PAGE_ALLOC_COSTLY_ORDER, then the lists of huge pages
 * (pageblock order).  Every list is walked with Brent's check, at most
 * MAX_LIST pages, each a step of the budget.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernel/btf_util.h"
#include "kernel/kernel.h"
#include "kernel/redact.h"

enum {
    MAX_NODES = 1024,         /* MAX_NUMNODES at NODES_SHIFT 10 */
    MAX_ZONES = 8,            /* MAX_NR_ZONES is 5 at most */
    MAX_LISTS = 64,           /* NR_PCP_LISTS is 12 to 15 */
    MAX_LIST = 1 << 16,       /* pages on one list: pcp->high is a few thousand */
    MAX_CPUS = 8192,          /* as redact_walk.c's per-CPU variables */
    PCPTYPES = 3,             /* MIGRATE_PCPTYPES: unmovable, movable, reclaimable */
    LOW_ORDERS = 4,           /* orders 0 to PAGE_ALLOC_COSTLY_ORDER */
    HUGE_ORDER = 9,           /* pageblock_order, the order of the lists past the low ones */
    NR_CACHED_STACKS = 2,     /* kernel/fork.c's, since Linux 4.9 */
    MAX_STACK_AREA = 1 << 20, /* a cached stack's vm_struct.size: THREAD_SIZE, a guard page */
};

#define TYPE        "free pages on per-CPU lists (per_cpu_pages)"
#define STACKS_TYPE "kernel stacks of exited tasks (cached_stacks)"

struct pcp_layout {
    uint64_t node_zones, nzones, zone_size, pageset, lists, nlists, page_list;
    uint64_t vmemmap, page_size, offsets;
    uint64_t ncpus;
    unsigned cls; /* the class the pages are counted in */
};

/* What could not be walked, counted, said once at the end. */
struct pcp_damage {
    uint64_t loops, breaks, long_lists, not_pages;
};

/* The list node in struct page: BTF's pcp_list (Linux 5.19 on) or lru, or VMCOREINFO's lru. */
static int page_list(struct redact_ctx *c, struct pcp_layout *l, struct lb_error *err)
{
    const struct lb_vmcoreinfo *vi = lb_kernel_vmcoreinfo(c->k);
    int page = lb_btf_struct(c->btf, "page");
    const char *size = lb_vmcoreinfo_get(vi, "SIZE(page)");

    l->page_list = page < 0 ? BTF_MISSING : lb_btf_member_offset(c->btf, page, "pcp_list");
    if (l->page_list == BTF_MISSING && page >= 0)
        l->page_list = lb_btf_member_offset(c->btf, page, "lru");
    if (l->page_list == BTF_MISSING &&
        lb_vmcoreinfo_get_u64(vi, "OFFSET(page.lru)", 10, &l->page_list) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "neither the kernel's BTF nor VMCOREINFO has page.pcp_list or page.lru");
        return -1;
    }
    l->page_size = size ? strtoull(size, NULL, 10) : 0;
    if (l->page_size < 32 || l->page_size > 256 || l->page_list > l->page_size - 16) {
        lb_error_set(err, "struct page has no sane size (SIZE(page) %llu, its list at %llu)",
                     (unsigned long long)l->page_size, (unsigned long long)l->page_list);
        return -1;
    }
    return 0;
}

/* 0 when the lists can be walked, 1 when this kernel's are not known (said), -1 failing. */
static int layout(struct redact_ctx *c, struct pcp_layout *l, struct lb_error *err)
{
    uint64_t vm, cpus;
    int node = lb_btf_struct(c->btf, "pglist_data"), pcp = lb_btf_struct(c->btf, "per_cpu_pages");

    int zone = lb_btf_struct(c->btf, "zone");

    if (zone >= 0 && lb_btf_member_offset(c->btf, zone, "per_cpu_pageset") == BTF_MISSING &&
        lb_btf_member_offset(c->btf, zone, "pageset") != BTF_MISSING) {
        /* before Linux 5.14 the lists hang off zone.pageset's per_cpu_pageset.pcp */
        lb_redact_missing(c, "free pages on per-CPU lists: zone has no per_cpu_pageset (a kernel "
                             "before 5.14): not walked");
        return 1;
    }
    if (lb_redact_need_member(c, "pglist_data", "node_zones", &l->node_zones, err) ||
        lb_redact_need_member(c, "zone", "per_cpu_pageset", &l->pageset, err) ||
        lb_redact_need_member(c, "per_cpu_pages", "lists", &l->lists, err) ||
        page_list(c, l, err) || lb_redact_need_symbol(c, "__per_cpu_offset", &l->offsets, err))
        return -1;
    if (lb_kallsyms_address(c->ks, "nr_cpu_ids", &cpus) < 0 ||
        (l->ncpus = lb_redact_read_u32(c, cpus)) == 0 || l->ncpus > MAX_CPUS)
        l->ncpus = (uint64_t)c->ncpus;
    /* x86_64's: struct page's address to its frame (arm64's vmemmap is no variable) */
    if (lb_kallsyms_address(c->ks, "vmemmap_base", &vm) < 0) {
        lb_redact_missing(c, "free pages on per-CPU lists: no vmemmap_base (a kernel not of "
                             "x86_64): not walked");
        return 1;
    }
    l->zone_size = lb_btf_struct_size(c->btf, "zone");
    l->nzones = l->zone_size ? lb_btf_member_size(c->btf, node, "node_zones") / l->zone_size : 0;
    l->nlists = lb_btf_member_size(c->btf, pcp, "lists") / 16;
    l->vmemmap = lb_redact_read_u64(c, vm);
    if (!l->nzones || l->nzones > MAX_ZONES || !l->nlists || l->nlists > MAX_LISTS || !l->vmemmap) {
        lb_error_set(err,
                     "pglist_data.node_zones (%llu zones), per_cpu_pages.lists (%llu lists) or "
                     "vmemmap_base (0x%llx) is not sane",
                     (unsigned long long)l->nzones, (unsigned long long)l->nlists,
                     (unsigned long long)l->vmemmap);
        return -1;
    }
    return 0;
}

/* A list's order: PCPTYPES lists an order up to the costly one, then the huge pages' lists. */
static unsigned list_order(uint64_t index)
{
    return index < PCPTYPES * LOW_ORDERS ? (unsigned)(index / PCPTYPES) : HUGE_ORDER;
}

static void erase_block(struct redact_ctx *c, const struct pcp_layout *l, uint64_t page,
                        unsigned order, struct pcp_damage *d)
{
    uint64_t pfn;

    if (page < l->vmemmap || (page - l->vmemmap) % l->page_size) {
        d->not_pages++;
        return;
    }
    pfn = (page - l->vmemmap) / l->page_size;
    if (pfn >= (UINT64_MAX >> LB_PAGE_SHIFT) >> order) {
        d->not_pages++;
        return;
    }
    lb_redact_phys(c, l->cls, TYPE, pfn << LB_PAGE_SHIFT, LB_PAGE_SIZE << order);
}

/* One list of one CPU's per_cpu_pages: from its head round to it, Brent's check against loops. */
static void one_list(struct redact_ctx *c, const struct pcp_layout *l, uint64_t head,
                     unsigned order, struct pcp_damage *d)
{
    uint64_t p = lb_redact_read_u64(c, head), mark = head;
    size_t power = 1, since = 0, n = 0;

    while (p != head && p && p != mark && n < MAX_LIST && lb_redact_step(c)) {
        erase_block(c, l, p - l->page_list, order, d);
        n++;
        if (++since == power) {
            mark = p;
            power *= 2;
            since = 0;
        }
        p = lb_redact_read_u64(c, p);
    }
    if (p == head || c->steps_left == 0)
        return;
    if (n == MAX_LIST)
        d->long_lists++;
    else if (p)
        d->loops++;
    else
        d->breaks++;
}

/* Every list, whatever pcp->count says: a CPU stopped between a list and the count. */
static void one_pageset(struct redact_ctx *c, const struct pcp_layout *l, uint64_t pcp,
                        struct pcp_damage *d)
{
    for (uint64_t i = 0; i < l->nlists; i++)
        one_list(c, l, pcp + l->lists + 16 * i, list_order(i), d);
}

/* A zone's pagesets, each CPU's once (zones never populated share boot_pageset). */
static void one_zone(struct redact_ctx *c, const struct pcp_layout *l, uint64_t zone,
                     uint64_t *done, size_t *ndone, struct pcp_damage *d)
{
    uint64_t pageset = lb_redact_read_u64(c, zone + l->pageset);

    if (!pageset)
        return;
    for (size_t i = 0; i < *ndone; i++)
        if (done[i] == pageset)
            return;
    if (*ndone < MAX_NODES * MAX_ZONES)
        done[(*ndone)++] = pageset;
    for (uint64_t cpu = 0; cpu < l->ncpus && lb_redact_step(c); cpu++)
        one_pageset(c, l, pageset + lb_redact_read_u64(c, l->offsets + 8 * cpu), d);
}

/* The nodes' pglist_data: node_data[0..nr_node_ids) (NUMA), or contig_page_data. */
static int nodes(struct redact_ctx *c, uint64_t *node, size_t max, size_t *n, struct lb_error *err)
{
    uint64_t data, ids;
    uint32_t count;

    *n = 0;
    if (lb_kallsyms_address(c->ks, "contig_page_data", &data) == 0) {
        node[(*n)++] = data;
        return 0;
    }
    if (lb_redact_need_symbol(c, "node_data", &data, err) ||
        lb_redact_need_symbol(c, "nr_node_ids", &ids, err))
        return -1;
    count = lb_redact_read_u32(c, ids);
    if (count == 0 || count > max) {
        lb_error_set(err, "nr_node_ids is %u: not a count of nodes", count);
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint64_t p = lb_redact_read_u64(c, data + 8ull * i);
        if (p)
            node[(*n)++] = p;
    }
    return 0;
}

static void say_damage(struct redact_ctx *c, const struct pcp_damage *d)
{
    if (d->loops || d->breaks || d->long_lists)
        lb_redact_missing(c,
                          "free pages on per-CPU lists: %llu lists loop, %llu break, %llu are "
                          "longer than %d pages: the pages past there left",
                          (unsigned long long)d->loops, (unsigned long long)d->breaks,
                          (unsigned long long)d->long_lists, MAX_LIST);
    if (d->not_pages)
        lb_redact_missing(c,
                          "free pages on per-CPU lists: %llu entries that are no struct page: "
                          "left",
                          (unsigned long long)d->not_pages);
}

/*
 * Each CPU's cached_stacks: the vm_structs of exited tasks' stacks, erased
 * through the page tables (the guard page is mapped to nothing).  A kernel
 * without the symbol has no such cache (no VMAP_STACK) or does not say it.
 */
static int cached_stacks(struct redact_ctx *c, const struct pcp_layout *l, struct lb_error *err)
{
    uint64_t sym, addr, size, absurd = 0;

    if (lb_kallsyms_address(c->ks, "cached_stacks", &sym) < 0) {
        lb_redact_missing(c, "kernel stacks of exited tasks: no cached_stacks symbol (no "
                             "VMAP_STACK, or kallsyms without it): not walked");
        return 0;
    }
    if (lb_redact_need_member(c, "vm_struct", "addr", &addr, err) ||
        lb_redact_need_member(c, "vm_struct", "size", &size, err))
        return -1;
    for (uint64_t cpu = 0; cpu < l->ncpus; cpu++) {
        uint64_t base = sym + lb_redact_read_u64(c, l->offsets + 8 * cpu);
        for (uint64_t i = 0; i < NR_CACHED_STACKS && lb_redact_step(c); i++) {
            uint64_t vm = lb_redact_read_u64(c, base + 8 * i), start, len;
            if (!vm)
                continue;
            start = lb_redact_read_u64(c, vm + addr);
            len = lb_redact_read_u64(c, vm + size);
            if (!start || !len || len > MAX_STACK_AREA || start + len < start) {
                absurd++;
                continue;
            }
            lb_redact_virt(c, l->cls, STACKS_TYPE, start, len);
        }
    }
    if (absurd)
        lb_redact_missing(c,
                          "kernel stacks of exited tasks: %llu cached stacks of no sane address "
                          "or size: left",
                          (unsigned long long)absurd);
    return 0;
}

int lb_redact_freed(struct redact_ctx *c, unsigned cls, struct lb_error *err)
{
    struct pcp_layout l = {.cls = cls};
    struct pcp_damage d = {0};
    uint64_t *node = calloc(MAX_NODES, 8), *done = calloc(MAX_NODES * MAX_ZONES, 8);
    size_t nnodes = 0, ndone = 0;
    int r = -1, laid = -1;

    if (!node || !done) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        goto out;
    }
    laid = layout(c, &l, err);
    if (laid < 0 || cached_stacks(c, &l, err) < 0 ||
        (laid == 0 && nodes(c, node, MAX_NODES, &nnodes, err) < 0))
        goto out;
    for (size_t i = 0; i < nnodes && c->steps_left; i++)
        for (uint64_t z = 0; z < l.nzones; z++)
            one_zone(c, &l, node[i] + l.node_zones + z * l.zone_size, done, &ndone, &d);
    if (c->steps_left == 0) {
        lb_error_set(err,
                     "the walk of the per-CPU free lists and stacks passed its budget of steps (a "
                     "looping or absurd structure)");
        goto out;
    }
    say_damage(c, &d);
    lb_redact_missing(c, "freed memory: the buddy allocator's free pages (in the dump only at a "
                         "dump level without 16's bit; -d 31 leaves them out): not erased");
    r = 0;
out:
    if (r < 0)
        lb_error_prefix(err, "freed memory (per-CPU free lists, cached stacks)");
    free(node);
    free(done);
    return r;
}
