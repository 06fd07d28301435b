/*
 * redact_slab.c - freed slab objects, erased: every free object of every
 * SLUB cache, whatever the classes asked.
 *
 * At -d 31 slab pages are kept whole, and an object freed back to SLUB
 * keeps what its last user wrote: the netlink request that set an IPsec
 * key (a copy of the key), names_cache's copies of paths, a freed
 * task_struct's comm.  Nothing in the dump's live structures points at a
 * free object but the free lists, so the objects are erased whole but for
 * their free pointer word (at kmem_cache.offset), which crash's kmem -s and
 * drgn's slab helpers follow; red zones and debug metadata go with the
 * object.  Objects in 7.x's per-CPU sheaves (struct slab_sheaf.objects[])
 * are on no free list: erased whole.
 *
 * Found through BTF (kmem_cache, kmem_cache_cpu, kmem_cache_node, slab, and
 * where the kernel has them slub_percpu_sheaves, slab_sheaf, node_barn) and
 * kallsyms (slab_caches, __per_cpu_offset, vmemmap_base, nr_cpu_ids,
 * nr_node_ids, page_offset_base where the page tables do not say it).  The
 * free lists are those of each CPU's slab (kmem_cache_cpu.freelist and the
 * slab's own), of the slabs on each CPU's partial list and on each node's
 * (kmem_cache.node[], or 7.x's per_node[] beside each node's barn of full
 * sheaves).  A sheaf's object is erased only once the slab it lies in is
 * found: the frame that starts its slab (a buddy block, aligned to the
 * cache's order) must be a slab of the same cache, holding the object on an
 * object boundary.
 * A free pointer is stored as ptr ^ kmem_cache.random ^ swab(its address)
 * when the kernel is built with SLAB_FREELIST_HARDENED (BTF then has
 * random).  Every pointer followed must land on an object boundary inside
 * its slab before it is read; a slab's free list visits each object once
 * (a bitmap: a loop ends it); every list of slabs is walked with Brent's
 * check and a cap; each cache, CPU, slab and sheaf is a step of the shared
 * budget (the objects of one are bounded by its count).
 * What could not be walked is counted and said, and the walk goes on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/kernel.h"
#include "kernel/redact.h"

enum {
    MAX_CACHES = 1 << 16,        /* on slab_caches: a few hundred */
    MAX_SLABS_ON_LIST = 1 << 20, /* one node's partial list */
    MAX_CPU_PARTIAL = 1 << 12,   /* one CPU's partial slabs: cpu_partial_slabs is a few dozen */
    MAX_CPUS = 8192,
    MAX_NODES = 1024,      /* MAX_NUMNODES at NODES_SHIFT 10 */
    MAX_OBJECTS = 1 << 15, /* slab.objects is 15 bits */
    MAX_ORDER_SANE = 10,   /* a slab is one buddy block */
    MAX_SHEAF = 1 << 12,   /* objects in one sheaf: capacity is tens */
    MAX_SHEAVES = 1 << 16, /* full sheaves in one node's barn */
    CACHE_NAME = 32,       /* of a cache named in the report */
    /* Each free object erased is a range or two of the plan (its free pointer kept): past
       this many the rest are said, not erased, so the plan stays within a crash kernel's
       memory (16-32 MiB) and its time; and objects visited, erased or not (a slab named by
       every CPU is walked again each time), are bounded so a crafted dump ends in seconds. */
    MAX_ERASED_OBJECTS = 1 << 19,
    MAX_VISITS = 1 << 24,
};

#define TYPE       "free slab objects (SLUB)"
#define SHEAF_TYPE "free slab objects in sheaves (SLUB)"

/* Where the walk finds what, by BTF; BTF_MISSING where this kernel has no such member. */
struct slab_layout {
    uint64_t list, cpu_slab, size, offset, oo, min, red_left_pad, random, cpu_sheaves;
    /* kmem_cache.node[] (pointers), or 7.x's per_node[] (structs with node and barn) */
    uint64_t node, node_stride, node_at, barn_at, nnodes;
    uint64_t cpu_freelist, cpu_slab_slab, cpu_partial;                      /* kmem_cache_cpu's */
    uint64_t node_partial, node_barn, barn_embedded;                        /* kmem_cache_node's */
    uint64_t slab_list, slab_next, slab_cache, slab_freelist, slab_objects; /* slab's */
    uint64_t pcs[2], sheaf_size, sheaf_objects, sheaf_list, barn_full;      /* sheaves' */
    uint64_t vmemmap, page_size, page_offset, offsets, ncpus;
    unsigned cls;
};

/* One cache as read, checked. */
struct cache {
    uint64_t addr, size, offset, red_left_pad, random, max_objects;
    unsigned orders[2]; /* oo's and min's: a slab is one or the other */
    int hardened;
    char name[CACHE_NAME];
};

/* What could not be walked, counted, said once at the end. */
struct slab_damage {
    uint64_t left_slab, loops, bad_slabs, bad_counts, bad_caches, list_breaks, bad_sheaf_objects;
    uint64_t caches_hurt;
    char first_hurt[CACHE_NAME];
    uint64_t erased, visits; /* objects: MAX_ERASED_OBJECTS, MAX_VISITS */
};

/* Room for one more object (and a visit of it): the walk stops where there is none. */
static int room(struct slab_damage *d)
{
    return d->erased < MAX_ERASED_OBJECTS && d->visits < MAX_VISITS;
}

static uint64_t member(struct redact_ctx *c, const char *s, const char *m)
{
    int id = lb_btf_struct(c->btf, s);
    return id < 0 ? BTF_MISSING : lb_btf_member_offset(c->btf, id, m);
}

/* The sheaves of 7.x, where BTF has them: per CPU main and spare, per node a barn.  (A CPU's
   rcu_free sheaf holds objects whose grace period has not begun: readers may still use them.) */
static void sheaf_layout(struct redact_ctx *c, struct slab_layout *l)
{
    static const char *const pcs[] = {"main", "spare"};
    int node = lb_btf_struct(c->btf, "kmem_cache_node");

    l->cpu_sheaves = member(c, "kmem_cache", "cpu_sheaves");
    if (l->cpu_sheaves == BTF_MISSING)
        return;
    for (int i = 0; i < 2; i++)
        l->pcs[i] = member(c, "slub_percpu_sheaves", pcs[i]);
    l->sheaf_size = member(c, "slab_sheaf", "size");
    l->sheaf_objects = member(c, "slab_sheaf", "objects");
    l->sheaf_list = member(c, "slab_sheaf", "barn_list");
    l->node_barn = member(c, "kmem_cache_node", "barn"); /* (7.x's is in per_node[]) */
    l->barn_full = member(c, "node_barn", "sheaves_full");
    /* a pointer to the barn, or the barn itself in the node */
    l->barn_embedded = node >= 0 && lb_btf_member_size(c->btf, node, "barn") > 8;
    if (l->node_barn == BTF_MISSING && l->barn_at == BTF_MISSING)
        lb_redact_missing(c, "free slab objects: kmem_cache has cpu_sheaves but no node barn is "
                             "known: the nodes' full sheaves NOT erased");
    if (l->pcs[0] == BTF_MISSING || l->sheaf_size == BTF_MISSING ||
        l->sheaf_objects == BTF_MISSING) {
        lb_redact_missing(c, "free slab objects: kmem_cache has cpu_sheaves but slab_sheaf or "
                             "slub_percpu_sheaves is not as known (main, size, objects): the "
                             "objects in sheaves NOT erased");
        l->cpu_sheaves = BTF_MISSING;
    }
}

/* The nodes' array: kmem_cache.node[] of pointers, or 7.x's per_node[] of {barn, node}. */
static int node_layout(struct redact_ctx *c, struct slab_layout *l, struct lb_error *err)
{
    int cache = lb_btf_struct(c->btf, "kmem_cache");
    uint64_t size;

    l->barn_at = BTF_MISSING;
    l->node = member(c, "kmem_cache", "node");
    if (l->node != BTF_MISSING) {
        l->node_stride = 8;
        l->node_at = 0;
        size = lb_btf_member_size(c->btf, cache, "node");
    } else {
        if (lb_redact_need_member(c, "kmem_cache", "per_node", &l->node, err) ||
            lb_redact_need_member(c, "kmem_cache_per_node_ptrs", "node", &l->node_at, err))
            return -1;
        l->barn_at = member(c, "kmem_cache_per_node_ptrs", "barn");
        l->node_stride = lb_btf_struct_size(c->btf, "kmem_cache_per_node_ptrs");
        size = lb_btf_member_size(c->btf, cache, "per_node");
    }
    l->nnodes = l->node_stride >= l->node_at + 8 ? size / l->node_stride : 0;
    return 0;
}

/* The kernel's members the walk needs, or -1 naming what is missing. */
static int btf_layout(struct redact_ctx *c, struct slab_layout *l, struct lb_error *err)
{
    if (lb_redact_need_member(c, "kmem_cache", "list", &l->list, err) ||
        lb_redact_need_member(c, "kmem_cache", "size", &l->size, err) ||
        lb_redact_need_member(c, "kmem_cache", "offset", &l->offset, err) ||
        lb_redact_need_member(c, "kmem_cache", "oo", &l->oo, err) ||
        lb_redact_need_member(c, "kmem_cache_node", "partial", &l->node_partial, err) ||
        lb_redact_need_member(c, "slab", "slab_list", &l->slab_list, err) ||
        lb_redact_need_member(c, "slab", "slab_cache", &l->slab_cache, err) ||
        lb_redact_need_member(c, "slab", "freelist", &l->slab_freelist, err) ||
        lb_redact_need_member(c, "slab", "objects", &l->slab_objects, err) ||
        node_layout(c, l, err))
        return -1;
    l->min = member(c, "kmem_cache", "min");
    l->red_left_pad = member(c, "kmem_cache", "red_left_pad");
    l->random = member(c, "kmem_cache", "random"); /* SLAB_FREELIST_HARDENED */
    l->cpu_slab = member(c, "kmem_cache", "cpu_slab");
    l->cpu_freelist = member(c, "kmem_cache_cpu", "freelist");
    l->cpu_slab_slab = member(c, "kmem_cache_cpu", "slab");
    l->cpu_partial = member(c, "kmem_cache_cpu", "partial"); /* SLUB_CPU_PARTIAL */
    l->slab_next = member(c, "slab", "next");
    if (l->cpu_slab != BTF_MISSING &&
        (l->cpu_freelist == BTF_MISSING || l->cpu_slab_slab == BTF_MISSING)) {
        lb_error_set(err, "kmem_cache_cpu has no freelist or slab");
        return -1;
    }
    sheaf_layout(c, l);
    if (l->cpu_slab == BTF_MISSING && l->cpu_sheaves == BTF_MISSING)
        lb_redact_missing(c, "free slab objects: kmem_cache has neither cpu_slab nor cpu_sheaves: "
                             "the objects each CPU holds NOT erased");
    if (l->cpu_partial != BTF_MISSING && l->slab_next == BTF_MISSING)
        lb_redact_missing(c, "free slab objects: slab has no next: the CPUs' partial slabs "
                             "NOT erased");
    return 0;
}

/* Where the direct map starts: the page tables say it, or page_offset_base (x86_64). */
static int page_offset(struct redact_ctx *c, struct slab_layout *l)
{
    uint64_t sym;

    if (lb_kernel_page_offset(c->k, &l->page_offset) == 0)
        return 0;
    if (lb_kallsyms_address(c->ks, "page_offset_base", &sym) == 0 &&
        (l->page_offset = lb_redact_read_u64(c, sym)) != 0)
        return 0;
    return -1;
}

/* 0 when the caches can be walked, 1 when not (said), -1 failing. */
static int layout(struct redact_ctx *c, struct slab_layout *l, uint64_t *head, struct lb_error *err)
{
    const char *size = lb_vmcoreinfo_get(lb_kernel_vmcoreinfo(c->k), "SIZE(page)");
    uint64_t vm, cpus, nodes;

    if (lb_kallsyms_address(c->ks, "slab_caches", head) < 0 ||
        lb_btf_struct(c->btf, "kmem_cache") < 0) {
        lb_redact_missing(c, "free slab objects: no slab_caches symbol or no struct kmem_cache in "
                             "the kernel's BTF (not SLUB?): NOT erased");
        return 1;
    }
    if (btf_layout(c, l, err) || lb_redact_need_symbol(c, "__per_cpu_offset", &l->offsets, err))
        return -1;
    if (lb_kallsyms_address(c->ks, "vmemmap_base", &vm) < 0 || page_offset(c, l) < 0) {
        lb_redact_missing(c, "free slab objects: no vmemmap_base or no direct map's start (a "
                             "kernel not of x86_64): NOT erased");
        return 1;
    }
    l->vmemmap = lb_redact_read_u64(c, vm);
    l->page_size = size ? strtoull(size, NULL, 10) : 0;
    if (lb_kallsyms_address(c->ks, "nr_cpu_ids", &cpus) < 0 ||
        (l->ncpus = lb_redact_read_u32(c, cpus)) == 0 || l->ncpus > MAX_CPUS)
        l->ncpus = (uint64_t)c->ncpus;
    if (lb_kallsyms_address(c->ks, "nr_node_ids", &nodes) == 0) {
        uint32_t n = lb_redact_read_u32(c, nodes);
        if (n && n < l->nnodes)
            l->nnodes = n;
    }
    if (!l->vmemmap || l->page_size < 32 || l->page_size > 256 || !l->nnodes ||
        l->nnodes > MAX_NODES || l->slab_objects + 2 > l->page_size ||
        l->slab_cache + 8 > l->page_size || l->slab_freelist + 8 > l->page_size) {
        lb_error_set(err,
                     "vmemmap_base (0x%llx), SIZE(page) (%llu), kmem_cache.node (%llu nodes) or "
                     "struct slab is not sane",
                     (unsigned long long)l->vmemmap, (unsigned long long)l->page_size,
                     (unsigned long long)l->nnodes);
        return -1;
    }
    return 0;
}

static uint64_t swab64(uint64_t v)
{
    return __builtin_bswap64(v);
}

static void cache_name(struct redact_ctx *c, uint64_t addr, char *out)
{
    uint64_t name_at = BTF_MISSING;
    struct lb_error ignored;
    int cache = lb_btf_struct(c->btf, "kmem_cache");

    snprintf(out, CACHE_NAME, "at 0x%llx", (unsigned long long)addr);
    if (cache >= 0)
        name_at = lb_btf_member_offset(c->btf, cache, "name");
    uint64_t p = name_at == BTF_MISSING ? 0 : lb_redact_read_u64(c, addr + name_at);
    char buf[CACHE_NAME] = {0};
    if (!p || lb_kernel_read(c->k, p, buf, CACHE_NAME - 1, &ignored) < 0)
        return;
    for (size_t i = 0; i < CACHE_NAME - 1 && buf[i]; i++)
        if (buf[i] < 0x21 || buf[i] > 0x7e)
            buf[i] = '?';
    if (buf[0])
        snprintf(out, CACHE_NAME, "%s", buf);
}

/* The cache at addr read and checked: 0, or -1 if its sizes are not a slab cache's. */
static int read_cache(struct redact_ctx *c, const struct slab_layout *l, uint64_t addr,
                      struct cache *k)
{
    uint32_t oo = lb_redact_read_u32(c, addr + l->oo);
    uint32_t min = l->min == BTF_MISSING ? oo : lb_redact_read_u32(c, addr + l->min);

    memset(k, 0, sizeof(*k));
    k->addr = addr;
    k->size = lb_redact_read_u32(c, addr + l->size);
    k->offset = lb_redact_read_u32(c, addr + l->offset);
    k->red_left_pad =
        l->red_left_pad == BTF_MISSING ? 0 : lb_redact_read_u32(c, addr + l->red_left_pad);
    k->hardened = l->random != BTF_MISSING;
    k->random = k->hardened ? lb_redact_read_u64(c, addr + l->random) : 0;
    k->max_objects = oo & 0xffff; /* OO_SHIFT 16: order above, objects below */
    k->orders[0] = oo >> 16;
    k->orders[1] = min >> 16;
    if (k->size < 8 || k->red_left_pad + k->offset + 8 > k->size || !k->max_objects ||
        k->max_objects > MAX_OBJECTS || k->orders[0] > MAX_ORDER_SANE ||
        k->orders[1] > k->orders[0] || k->max_objects * k->size > (LB_PAGE_SIZE << k->orders[0]))
        return -1;
    return 0;
}

static void hurt(struct redact_ctx *c, const struct cache *k, struct slab_damage *d, int *hurt_once)
{
    if (*hurt_once)
        return;
    *hurt_once = 1;
    if (d->caches_hurt++ == 0)
        cache_name(c, k->addr, d->first_hurt);
}

/* One slab being walked: where its memory is, which of its objects were seen free. */
struct slab_walk {
    uint64_t base, phys, objects;
    uint8_t seen[MAX_OBJECTS / 8];
};

/* The slab's memory and object count from its struct slab: 0, or -1 if it is no slab of k. */
static int slab_of(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                   uint64_t slab, struct slab_walk *w)
{
    uint64_t pfn;

    if (slab < l->vmemmap || (slab - l->vmemmap) % l->page_size ||
        lb_redact_read_u64(c, slab + l->slab_cache) != k->addr)
        return -1;
    pfn = (slab - l->vmemmap) / l->page_size;
    if (pfn >= (UINT64_MAX >> LB_PAGE_SHIFT) >> MAX_ORDER_SANE)
        return -1;
    w->phys = pfn << LB_PAGE_SHIFT;
    w->base = l->page_offset + w->phys;
    w->objects = lb_redact_read_u32(c, slab + l->slab_objects) & 0x7fff; /* objects:15 */
    memset(w->seen, 0, (w->objects + 7) / 8);
    return 0;
}

/* The object's slot erased, but for the free pointer word when keep is set. */
static void erase_object(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                         const struct slab_walk *w, uint64_t index, int keep, const char *type)
{
    uint64_t slot = w->phys + index * k->size;

    if (keep)
        lb_redact_phys_but(c, l->cls, type, slot, k->size, k->red_left_pad + k->offset, 8);
    else
        lb_redact_phys(c, l->cls, type, slot, k->size);
}

/* The index of the object at p in the slab, or -1 if p is no object boundary inside it. */
static int64_t object_index(const struct cache *k, const struct slab_walk *w, uint64_t p)
{
    uint64_t at;

    if (p < w->base + k->red_left_pad)
        return -1;
    at = p - w->base - k->red_left_pad;
    if (at % k->size || at / k->size >= w->objects)
        return -1;
    return (int64_t)(at / k->size);
}

/*
 * One free list of the slab from p (a plain pointer), each object checked: the bitmap bounds
 * it to the slab's objects (at most 32767), so the slab, not each object, is the budget's
 * step (a large host's millions of free objects must not spend it).  The chain is followed
 * whole before anything is erased, and erased only if it ends as a free list does (NULL):
 * a free pointer overwritten by a use after free (this crash's evidence, maybe) can lead
 * onto an object in use, and what follows it is no free object.
 */
static void free_list(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                      struct slab_walk *w, uint64_t p, struct slab_damage *d, int *hurt_once)
{
    static uint16_t chain[MAX_OBJECTS];
    size_t n = 0;

    while (p && room(d)) {
        int64_t i = object_index(k, w, p);
        if (i < 0 || (w->seen[i / 8] & (1u << (i % 8)))) {
            *(i < 0 ? &d->left_slab : &d->loops) += 1;
            hurt(c, k, d, hurt_once);
            return;
        }
        w->seen[i / 8] |= (uint8_t)(1u << (i % 8));
        chain[n++] = (uint16_t)i;
        d->visits++;
        uint64_t word_at = p + k->offset, word = lb_redact_read_u64(c, word_at);
        p = k->hardened ? word ^ k->random ^ swab64(word_at) : word;
    }
    for (size_t j = 0; !p && j < n; j++, d->erased++)
        erase_object(c, l, k, w, chain[j], 1, TYPE);
}

/* A slab's own free list, and the CPU's lockless one when it is that CPU's slab. */
static void one_slab(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                     uint64_t slab, uint64_t cpu_freelist, struct slab_damage *d, int *hurt_once)
{
    static struct slab_walk w; /* 4 KiB of bitmap: not on the stack */

    if (!room(d) || !lb_redact_step(c))
        return;
    if (slab_of(c, l, k, slab, &w) < 0) {
        d->bad_slabs++;
        hurt(c, k, d, hurt_once);
        return;
    }
    if (!w.objects || w.objects > k->max_objects) {
        d->bad_counts++;
        hurt(c, k, d, hurt_once);
        return;
    }
    free_list(c, l, k, &w, lb_redact_read_u64(c, slab + l->slab_freelist), d, hurt_once);
    free_list(c, l, k, &w, cpu_freelist, d, hurt_once);
}

typedef void each_fn(struct redact_ctx *, const struct slab_layout *, const struct cache *,
                     uint64_t, struct slab_damage *, int *);

/*
 * A ring of list_heads (at offset off in their structs) from head round to it, Brent's check
 * and a cap: fn with each struct; a ring that breaks or loops is counted, the walk goes on.
 */
static void ring(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                 uint64_t head, uint64_t off, size_t max, each_fn *fn, struct slab_damage *d,
                 int *hurt_once)
{
    uint64_t p = lb_redact_read_u64(c, head), mark = head;
    size_t power = 1, since = 0, n = 0;

    while (p != head && p && p != mark && n++ < max && c->steps_left) {
        fn(c, l, k, p - off, d, hurt_once);
        if (++since == power) {
            mark = p;
            power *= 2;
            since = 0;
        }
        p = lb_redact_read_u64(c, p);
    }
    if (p != head && c->steps_left) {
        d->list_breaks++;
        hurt(c, k, d, hurt_once);
    }
}

/* A slab on a node's partial list: no CPU's lockless list. */
static void partial_slab(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                         uint64_t slab, struct slab_damage *d, int *hurt_once)
{
    one_slab(c, l, k, slab, 0, d, hurt_once);
}

/* A node's list of slabs (list_heads at slab_list). */
static void slab_list(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                      uint64_t head, struct slab_damage *d, int *hurt_once)
{
    ring(c, l, k, head, l->slab_list, MAX_SLABS_ON_LIST, partial_slab, d, hurt_once);
}

/* A CPU's partial slabs: linked by slab.next, ended by NULL; Brent's check and a cap. */
static void cpu_partial(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                        uint64_t p, struct slab_damage *d, int *hurt_once)
{
    uint64_t mark = 0;
    size_t power = 1, since = 0, n = 0;

    while (p && p != mark && n++ < MAX_CPU_PARTIAL && c->steps_left) {
        one_slab(c, l, k, p, 0, d, hurt_once);
        if (++since == power) {
            mark = p;
            power *= 2;
            since = 0;
        }
        p = lb_redact_read_u64(c, p + l->slab_next);
    }
    if (p && c->steps_left) {
        d->list_breaks++;
        hurt(c, k, d, hurt_once);
    }
}

/* The slab an object of a sheaf lies in: its head frame is aligned to the slab's order. */
static int sheaf_object(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                        uint64_t p)
{
    static struct slab_walk w;

    if (p < l->page_offset)
        return -1;
    uint64_t pfn = (p - l->page_offset) >> LB_PAGE_SHIFT;
    for (int o = 0; o < 2; o++) {
        uint64_t head = pfn & ~((1ull << k->orders[o]) - 1);
        if (head > (UINT64_MAX - l->vmemmap) / l->page_size ||
            slab_of(c, l, k, l->vmemmap + head * l->page_size, &w) < 0)
            continue;
        int64_t i = w.objects <= k->max_objects ? object_index(k, &w, p) : -1;
        if (i < 0) /* (a slab of the larger order's alignment, but not this object's) */
            continue;
        erase_object(c, l, k, &w, (uint64_t)i, 0, SHEAF_TYPE);
        return 0;
    }
    return -1;
}

/* A sheaf's objects[0..size): free objects, each checked to be one of k's. */
static void one_sheaf(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                      uint64_t sheaf, struct slab_damage *d, int *hurt_once)
{
    uint32_t n = lb_redact_read_u32(c, sheaf + l->sheaf_size);

    if (n > MAX_SHEAF) {
        d->bad_counts++;
        hurt(c, k, d, hurt_once);
        return;
    }
    if (!lb_redact_step(c)) /* the sheaf is the step: its objects are at most MAX_SHEAF */
        return;
    for (uint32_t i = 0; i < n && room(d); i++, d->visits++, d->erased++) {
        uint64_t p = lb_redact_read_u64(c, sheaf + l->sheaf_objects + 8ull * i);
        if (sheaf_object(c, l, k, p) < 0) {
            d->bad_sheaf_objects++;
            hurt(c, k, d, hurt_once);
        }
    }
}

/* A node's barn's full sheaves (list_heads at barn_list). */
static void barn(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                 uint64_t b, struct slab_damage *d, int *hurt_once)
{
    if (b && l->barn_full != BTF_MISSING && l->sheaf_list != BTF_MISSING)
        ring(c, l, k, b + l->barn_full, l->sheaf_list, MAX_SHEAVES, one_sheaf, d, hurt_once);
}

/* The barn of node n: in its per_node[] entry (7.x), or in (or pointed to by) the node. */
static uint64_t barn_of(struct redact_ctx *c, const struct slab_layout *l, uint64_t entry,
                        uint64_t node)
{
    if (l->cpu_sheaves == BTF_MISSING)
        return 0;
    if (l->barn_at != BTF_MISSING)
        return lb_redact_read_u64(c, entry + l->barn_at);
    if (l->node_barn == BTF_MISSING || !node)
        return 0;
    return l->barn_embedded ? node + l->node_barn : lb_redact_read_u64(c, node + l->node_barn);
}

/* Each CPU's slab, its lockless free list, its partial slabs and its sheaves. */
static void cpus(struct redact_ctx *c, const struct slab_layout *l, const struct cache *k,
                 struct slab_damage *d, int *hurt_once)
{
    uint64_t cpu_slab =
        l->cpu_slab == BTF_MISSING ? 0 : lb_redact_read_u64(c, k->addr + l->cpu_slab);
    uint64_t sheaves =
        l->cpu_sheaves == BTF_MISSING ? 0 : lb_redact_read_u64(c, k->addr + l->cpu_sheaves);

    for (uint64_t cpu = 0; cpu < l->ncpus && lb_redact_step(c); cpu++) {
        uint64_t off = lb_redact_read_u64(c, l->offsets + 8 * cpu);
        if (cpu_slab) {
            uint64_t kc = cpu_slab + off, slab = lb_redact_read_u64(c, kc + l->cpu_slab_slab);
            if (slab)
                one_slab(c, l, k, slab, lb_redact_read_u64(c, kc + l->cpu_freelist), d, hurt_once);
            if (l->cpu_partial != BTF_MISSING && l->slab_next != BTF_MISSING)
                cpu_partial(c, l, k, lb_redact_read_u64(c, kc + l->cpu_partial), d, hurt_once);
        }
        for (int i = 0; sheaves && i < 2; i++) {
            uint64_t sheaf =
                l->pcs[i] == BTF_MISSING ? 0 : lb_redact_read_u64(c, sheaves + off + l->pcs[i]);
            if (sheaf)
                one_sheaf(c, l, k, sheaf, d, hurt_once);
        }
    }
}

static void one_cache(struct redact_ctx *c, const struct slab_layout *l, uint64_t addr,
                      struct slab_damage *d)
{
    struct cache k;
    int hurt_once = 0;

    if (read_cache(c, l, addr, &k) < 0) {
        d->bad_caches++;
        hurt(c, &k, d, &hurt_once);
        return;
    }
    cpus(c, l, &k, d, &hurt_once);
    for (uint64_t n = 0; n < l->nnodes && c->steps_left; n++) {
        uint64_t entry = addr + l->node + l->node_stride * n;
        uint64_t node = lb_redact_read_u64(c, entry + l->node_at);
        if (node)
            slab_list(c, l, &k, node + l->node_partial, d, &hurt_once);
        barn(c, l, &k, barn_of(c, l, entry, node), d, &hurt_once);
    }
}

/* Only what happened, in the report's 200 characters a line. */
static void say_damage(struct redact_ctx *c, const struct slab_damage *d)
{
    const struct {
        uint64_t n;
        const char *what;
    } said[] = {
        {d->left_slab, "free pointers left their slab"},
        {d->loops, "free lists loop"},
        {d->bad_slabs, "slabs are no slab of their cache"},
        {d->bad_counts, "slabs or sheaves have no sane object count"},
        {d->bad_caches, "caches no sane sizes"},
        {d->list_breaks, "lists of slabs break"},
        {d->bad_sheaf_objects, "sheaves' objects are in no slab of theirs"},
    };
    char what[160];
    size_t at = 0;

    if (!d->caches_hurt)
        return;
    what[0] = '\0';
    for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++) {
        int n = said[i].n ? snprintf(what + at, sizeof(what) - at, "%s%llu %s", at ? ", " : "",
                                     (unsigned long long)said[i].n, said[i].what)
                          : 0;
        if (n > 0)
            at = at + (size_t)n < sizeof(what) ? at + (size_t)n : sizeof(what) - 1;
    }
    lb_redact_missing(c,
                      "free slab objects of %llu caches (the first: %s): %s: the rest NOT erased",
                      (unsigned long long)d->caches_hurt, d->first_hurt, what);
}

/* A kernel whose slab structures are not as known is said, not failed: the rest of the
   redaction stands; only a spent budget (a hostile structure) fails it, as every walk's does. */
int lb_redact_free_slab(struct redact_ctx *c, unsigned cls, struct lb_error *err)
{
    struct slab_layout l = {.cls = cls};
    struct slab_damage d = {0};
    uint64_t head, p, mark;
    size_t power = 1, since = 0, n = 0;
    int laid = layout(c, &l, &head, err);

    if (laid < 0)
        lb_redact_missing(c, "free slab objects: %s: NOT erased", err->msg);
    if (laid)
        return 0;
    p = lb_redact_read_u64(c, head);
    mark = head;
    while (p != head && p && p != mark && n++ < MAX_CACHES && room(&d) && lb_redact_step(c)) {
        one_cache(c, &l, p - l.list, &d);
        if (++since == power) {
            mark = p;
            power *= 2;
            since = 0;
        }
        p = lb_redact_read_u64(c, p);
    }
    if (c->steps_left == 0) {
        lb_error_set(err, "freed slab objects: the walk of the slab caches passed its budget of "
                          "steps (a looping or absurd structure)");
        return -1;
    }
    if (p != head)
        lb_redact_missing(c,
                          "free slab objects: the list of slab caches breaks or loops after "
                          "%zu caches: the caches past there NOT erased",
                          n);
    say_damage(c, &d);
    if (!room(&d))
        lb_redact_missing(c,
                          "free slab objects past %llu erased (%llu visited): the plan's room "
                          "is spent, the rest NOT erased",
                          (unsigned long long)d.erased, (unsigned long long)d.visits);
    lb_redact_missing(c, "freed slab objects: slabs and sheaves waiting for RCU, objects queued "
                         "for kfree_rcu, KFENCE's freed objects, the unused tails of allocated "
                         "kmalloc objects: not erased");
    return 0;
}
