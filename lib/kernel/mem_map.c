/*
 * mem_map.c - classifies page frames from the crashed kernel's struct pages,
 * so that -d can leave out page cache, user data and free memory.
 *
 * The rules are makedumpfile's, so that "-d 31" keeps the same pages with
 * either tool: a frame is free if its struct page says buddy (and then its
 * whole 2^order block is), page cache if it is on an LRU list or in the swap
 * cache and not anonymous (private if PG_private), user data if anonymous or
 * hugetlbfs; hwpoisoned and offline frames are always left out.  Compound
 * pages are classified by their head for the whole compound; a tail is known
 * by bit 0 of its page.compound_head (page.compound_info since Linux 7.0).
 * Every flag bit, offset and page-type value comes from VMCOREINFO.
 *
 * One deliberate difference: a page with a type (slab, page table...) is
 * always kept.  makedumpfile 1.7.2 reads such a page's mapping field, which
 * for a slab holds list data; on 6.12 that dropped task_structs from -d 31
 * dumps (tests/e2e/test_triage.sh caught it).
 *
 * struct pages are found through mem_section (SPARSEMEM_EXTREME), which the
 * kernel fills with "coded" mem_map addresses; they are read a window at a
 * time through the kernel's page tables.  A struct page that cannot be read,
 * or a value that makes no sense (an order past MAX_ORDER), costs only that
 * frame's classification: it is kept.
 *
 * A classifier may be cloned, one for each thread that classifies windows at
 * once (write/kdump_scan.c): a clone has its own buffer and walk, and reads
 * the struct pages through its own view of the source (lb_kernel_view: a
 * mapping and a cache of its own).  A source without views (a kdump file, an
 * encrypted one, a stream) is read by one classifier of the family at a
 * time, under the family's lock; what they do with the struct pages read is
 * their own.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/classify_check.h"
#include "kernel/kernel.h"

enum {
    READ_GRAIN = 256, /* frames whose struct pages are read at a time (16 KiB; see lb_classify) */
    MAX_ORDER_SANE = 18, /* a 1 GiB huge page; anything larger is corrupt */
    SECTION_HAS_MEM_MAP = 1 << 1,
};

const char *const lb_page_class_names[LB_CLASS_COUNT] = {
    "kept", "zero", "cache", "cache_private", "user", "free", "hwpoison", "offline", "absent",
};

#define NONE UINT64_MAX

struct lb_classifier {
    struct lb_kernel *k;
    unsigned level;
    /* layout */
    uint64_t page_size, off_flags, off_mapping, off_mapcount, off_private, off_compound_head;
    uint64_t off_compound_order, off_compound_dtor;
    uint64_t pg_lru, pg_private, pg_swapcache, pg_swapbacked, pg_slab, pg_hwpoison, pg_head_mask;
    int64_t buddy_value, offline_value, slab_value, hugetlb_value, hugetlb_dtor;
    uint64_t mem_section, section_roots, section_size, section_shift, sections_per_root;
    /* state */
    uint64_t pending_end; /* frames below this take pending_class */
    uint64_t last_end;    /* where the previous call stopped */
    uint8_t pending_class;
    uint8_t *pages; /* struct pages of one window, plus one */
    /* clones: the first of the family, and their own view of the kernel, or the lock the family
     * reads the source under (the first's, made when a clone has no view) */
    struct lb_classifier *first;
    struct lb_kernel *view;
    pthread_mutex_t *read_lock;
};

static uint64_t number(const struct lb_vmcoreinfo *vi, const char *key)
{
    uint64_t v;
    return lb_vmcoreinfo_get_u64(vi, key, 10, &v) == 0 ? v : NONE;
}

static int64_t signed_number(const struct lb_vmcoreinfo *vi, const char *key, int64_t none)
{
    int64_t v;
    return lb_vmcoreinfo_get_s64(vi, key, &v) == 0 ? v : none;
}

static int required(uint64_t v, const char *key, struct lb_error *err)
{
    if (v != NONE)
        return 0;
    lb_error_setk(err, LB_ERR_NO_DATA, "VMCOREINFO lacks %s: pages cannot be filtered", key);
    return -1;
}

static int read_layout(struct lb_classifier *c, struct lb_error *err)
{
    const struct lb_vmcoreinfo *vi = lb_kernel_vmcoreinfo(c->k);
    uint64_t max_phys_bits, section_bits, roots;

    c->page_size = number(vi, "SIZE(page)");
    c->off_flags = number(vi, "OFFSET(page.flags)");
    c->off_mapping = number(vi, "OFFSET(page.mapping)");
    c->off_mapcount = number(vi, "OFFSET(page._mapcount)");
    c->off_private = number(vi, "OFFSET(page.private)");
    /* Linux 7.x renamed the tail's word compound_info: bit 0 still marks a tail (the rest is
     * the head's address or, with HugeTLB's vmemmap optimization, a mask to it). */
    c->off_compound_head = number(vi, "OFFSET(page.compound_head)");
    if (c->off_compound_head == NONE)
        c->off_compound_head = number(vi, "OFFSET(page.compound_info)");
    c->off_compound_order = number(vi, "OFFSET(page.compound_order)");
    c->off_compound_dtor = number(vi, "OFFSET(page.compound_dtor)");
    c->pg_lru = number(vi, "NUMBER(PG_lru)");
    c->pg_private = number(vi, "NUMBER(PG_private)");
    c->pg_swapcache = number(vi, "NUMBER(PG_swapcache)");
    c->pg_swapbacked = number(vi, "NUMBER(PG_swapbacked)");
    c->pg_slab = number(vi, "NUMBER(PG_slab)");
    c->pg_hwpoison = number(vi, "NUMBER(PG_hwpoison)");
    c->pg_head_mask = number(vi, "NUMBER(PG_head_mask)");
    c->buddy_value = signed_number(vi, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", 0);
    c->offline_value = signed_number(vi, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)", 0);
    c->slab_value = signed_number(vi, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)", 0);
    c->hugetlb_value = signed_number(vi, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)", 0);
    c->hugetlb_dtor = signed_number(vi, "NUMBER(HUGETLB_PAGE_DTOR)", -1);
    max_phys_bits = number(vi, "NUMBER(MAX_PHYSMEM_BITS)");
    section_bits = number(vi, "NUMBER(SECTION_SIZE_BITS)");
    roots = number(vi, "LENGTH(mem_section)");
    c->section_size = number(vi, "SIZE(mem_section)");
    if (required(c->page_size, "SIZE(page)", err) ||
        required(c->off_flags, "OFFSET(page.flags)", err) ||
        required(c->off_mapping, "OFFSET(page.mapping)", err) ||
        required(c->off_mapcount, "OFFSET(page._mapcount)", err) ||
        required(c->off_private, "OFFSET(page.private)", err) ||
        required(c->pg_lru, "NUMBER(PG_lru)", err) ||
        required(c->pg_private, "NUMBER(PG_private)", err) ||
        required(c->pg_swapcache, "NUMBER(PG_swapcache)", err) ||
        required(max_phys_bits, "NUMBER(MAX_PHYSMEM_BITS)", err) ||
        required(section_bits, "NUMBER(SECTION_SIZE_BITS)", err) ||
        required(roots, "LENGTH(mem_section)", err) ||
        required(c->section_size, "SIZE(mem_section)", err))
        return -1;
    if (lb_vmcoreinfo_get_u64(vi, "SYMBOL(mem_section)", 16, &c->mem_section) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "VMCOREINFO lacks SYMBOL(mem_section): pages cannot be filtered");
        return -1;
    }
    if (c->page_size < 32 || c->page_size > 512 || c->off_flags + 8 > c->page_size ||
        c->off_mapping + 8 > c->page_size || c->off_mapcount + 4 > c->page_size ||
        c->off_private + 8 > c->page_size || section_bits <= LB_PAGE_SHIFT ||
        section_bits >= max_phys_bits || max_phys_bits > 57 || c->section_size == 0 ||
        c->section_size > LB_PAGE_SIZE || c->pg_lru > 63 || c->pg_private > 63 ||
        c->pg_swapcache > 63) {
        lb_error_set(err,
                     "VMCOREINFO describes struct page or mem_section in a way that makes "
                     "no sense (SIZE(page)=%llu, SECTION_SIZE_BITS=%llu)",
                     (unsigned long long)c->page_size, (unsigned long long)section_bits);
        return -1;
    }
    c->section_shift = section_bits - LB_PAGE_SHIFT;
    c->sections_per_root = LB_PAGE_SIZE / c->section_size;
    c->section_roots = roots;
    /* Only SPARSEMEM_EXTREME (every x86_64 distribution kernel) has roots of this count. */
    if (roots != ((1ull << (max_phys_bits - section_bits)) + c->sections_per_root - 1) /
                     c->sections_per_root) {
        lb_error_set(err,
                     "mem_section is not SPARSEMEM_EXTREME (%llu roots): pages cannot be "
                     "filtered",
                     (unsigned long long)roots);
        return -1;
    }
    return 0;
}

int lb_classifier_open(struct lb_kernel *k, unsigned dump_level, struct lb_classifier **out,
                       struct lb_error *err)
{
    struct lb_classifier *c = calloc(1, sizeof(*c));

    if (!c) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    c->k = k;
    c->level = dump_level;
    if (read_layout(c, err) < 0 || !(c->pages = malloc((READ_GRAIN + 1) * c->page_size))) {
        if (!err->msg[0])
            lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        lb_classifier_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

/* The family's lock, made when first needed; -1 if it cannot be. */
static int family_lock(struct lb_classifier *first)
{
    if (first->read_lock)
        return 0;
    if (!(first->read_lock = malloc(sizeof(*first->read_lock))))
        return -1;
    if (pthread_mutex_init(first->read_lock, NULL) != 0) {
        free(first->read_lock);
        first->read_lock = NULL;
        return -1;
    }
    return 0;
}

struct lb_classifier *lb_classifier_clone(struct lb_classifier *c)
{
    struct lb_classifier *clone = malloc(sizeof(*clone));
    struct lb_kernel *view = lb_kernel_view(c->k);
    uint8_t *pages = malloc((READ_GRAIN + 1) * c->page_size);

    if (!clone || !pages || (!view && family_lock(c) < 0)) {
        lb_kernel_view_close(view);
        free(pages);
        free(clone);
        return NULL;
    }
    *clone = *c;
    clone->pages = pages;
    clone->first = c;
    clone->view = view;
    if (view) { /* reads of its own: no turns to take */
        clone->k = view;
        clone->read_lock = NULL;
    }
    return clone;
}

void lb_classifier_close(struct lb_classifier *c)
{
    if (!c)
        return;
    if (c->read_lock && !c->first) { /* the first closes last: its clones are gone */
        pthread_mutex_destroy(c->read_lock);
        free(c->read_lock);
    }
    lb_kernel_view_close(c->view);
    free(c->pages);
    free(c);
}

/* The address of pfn's struct page, from its section's coded mem_map; 0 if none. */
static uint64_t struct_page_addr(struct lb_classifier *c, uint64_t pfn)
{
    uint64_t nr = pfn >> c->section_shift, root = nr / c->sections_per_root, root_ptr, map;
    struct lb_error ignored;

    if (root >= c->section_roots ||
        lb_kernel_read(c->k, c->mem_section + root * 8, &root_ptr, 8, &ignored) < 0 || !root_ptr)
        return 0;
    if (lb_kernel_read(c->k, root_ptr + (nr % c->sections_per_root) * c->section_size, &map, 8,
                       &ignored) < 0 ||
        !(map & SECTION_HAS_MEM_MAP))
        return 0;
    /* The low bits are flags; the coded address is the mem_map minus the section's first pfn. */
    return (map & ~0xfffull) + pfn * c->page_size;
}

/* Reads the struct pages of frames start..start+n (one past, for compound heads). */
static void read_pages_of(struct lb_classifier *c, uint64_t start, size_t n, uint8_t *ok)
{
    struct lb_error ignored;
    size_t i = 0;

    memset(ok, 0, n + 1);
    if (c->read_lock)
        pthread_mutex_lock(c->read_lock);
    while (i <= n) {
        uint64_t pfn = start + i, addr = struct_page_addr(c, pfn);
        /* Up to the end of this section, the struct pages are contiguous. */
        uint64_t section_end = ((pfn >> c->section_shift) + 1) << c->section_shift;
        size_t run = (size_t)(section_end - pfn);
        if (run > n + 1 - i)
            run = n + 1 - i;
        if (addr && lb_kernel_read(c->k, addr, c->pages + i * c->page_size, run * c->page_size,
                                   &ignored) == 0) {
            memset(ok + i, 1, run);
        } else if (addr) {
            /* A hole in the vmemmap: try frame by frame, keeping what fails. */
            for (size_t j = 0; j < run; j++)
                ok[i + j] =
                    lb_kernel_read(c->k, addr + j * c->page_size, c->pages + (i + j) * c->page_size,
                                   c->page_size, &ignored) == 0;
        }
        i += run;
    }
    if (c->read_lock)
        pthread_mutex_unlock(c->read_lock);
}

static uint64_t field(const uint8_t *page, uint64_t off, size_t size)
{
    uint64_t v = 0;
    memcpy(&v, page + off, size);
    return v;
}

/* Page types share _mapcount: before 6.12 the whole value, since then its top byte. */
static int page_type_is(uint32_t mapcount, int64_t value)
{
    uint32_t v = (uint32_t)value;

    if (value == 0)
        return 0;
    if ((v & 0x00ffffffu) == 0)
        return (mapcount & 0xff000000u) == v;
    return mapcount == v;
}

static int flag(uint64_t flags, uint64_t bit)
{
    return bit <= 63 && (flags >> bit) & 1;
}

/*
 * Pages with a type in _mapcount (slab, page table, buddy, offline, hugetlb,
 * zsmalloc...) are kernel memory whose other fields mean something else: a
 * slab's list pointers sit where mapping is, and an odd one would pass for
 * an anonymous page.  Since 6.12 the type is the top byte (0xf0-0xfe); before,
 * it is a value below -128 with type bits cleared under 0xf0000000.
 */
static int typed(uint32_t mapcount, int64_t buddy_value)
{
    if (((uint32_t)buddy_value & 0x00ffffffu) == 0)
        return (mapcount >> 24) >= 0xf0 && (mapcount >> 24) != 0xff;
    return (int32_t)mapcount < -127 && (mapcount & 0xf0000000u) == 0xf0000000u;
}

/* The order of a compound page whose head is page: compound_order, or since 6.12 folio's. */
static uint64_t compound_order(const struct lb_classifier *c, const uint8_t *next)
{
    if (c->off_compound_order != NONE && c->off_compound_order < c->page_size)
        return next[c->off_compound_order];
    return field(next, c->off_flags, 8) & 0xff; /* folio->_flags_1 */
}

static uint8_t classify_one(struct lb_classifier *c, uint64_t pfn, const uint8_t *page,
                            const uint8_t *next, uint64_t *nr_pages)
{
    uint64_t flags = field(page, c->off_flags, 8), mapping = field(page, c->off_mapping, 8);
    uint64_t private = field(page, c->off_private, 8), order = 0;
    uint32_t mapcount = (uint32_t)field(page, c->off_mapcount, 4);
    int slab = flag(flags, c->pg_slab) || page_type_is(mapcount, c->slab_value);
    int anon = mapping & 1, hugetlb = 0;
    int cache =
        flag(flags, c->pg_lru) || (flag(flags, c->pg_swapcache) &&
                                   (c->pg_swapbacked == NONE || flag(flags, c->pg_swapbacked)));

    *nr_pages = 1;
    /* Reading a poisoned frame can machine-check the crash kernel: out, whatever else it is. */
    if (flag(flags, c->pg_hwpoison))
        return LB_CLASS_HWPOISON;
    if (c->off_compound_head != NONE && c->off_compound_head + 8 <= c->page_size &&
        (field(page, c->off_compound_head, 8) & 1))
        return LB_CLASS_KEEP; /* a tail: its head decided for it */
    if (next && c->pg_head_mask != NONE && (flags & c->pg_head_mask)) {
        order = compound_order(c, next);
        if (c->off_compound_dtor != NONE && c->off_compound_dtor < c->page_size)
            hugetlb = c->hugetlb_dtor >= 0 && next[c->off_compound_dtor] == c->hugetlb_dtor;
        hugetlb |= page_type_is(mapcount, c->hugetlb_value);
        if (order > MAX_ORDER_SANE || (pfn & ((1ull << order) - 1)))
            order = 0; /* not a real compound head: classify the frame alone */
        *nr_pages = 1ull << order;
    }
    if ((c->level & 16) && !slab && page_type_is(mapcount, c->buddy_value)) {
        if (private > MAX_ORDER_SANE || (pfn & ((1ull << private) - 1))) {
            *nr_pages = 1;
            return LB_CLASS_KEEP; /* a buddy with a corrupt order: keep it */
        }
        *nr_pages = 1ull << private;
        return LB_CLASS_FREE;
    }
    if (!slab && page_type_is(mapcount, c->offline_value))
        return LB_CLASS_OFFLINE;
    if ((c->level & 8) && hugetlb)
        return LB_CLASS_USER;
    if (slab || typed(mapcount, c->buddy_value)) {
        *nr_pages = 1;
        return LB_CLASS_KEEP;
    }
    if ((c->level & 2) && cache && !flag(flags, c->pg_private) && !anon)
        return LB_CLASS_CACHE;
    if ((c->level & 4) && cache && !anon)
        return flag(flags, c->pg_private) ? LB_CLASS_CACHE_PRIVATE : LB_CLASS_CACHE;
    if ((c->level & 8) && anon)
        return LB_CLASS_USER;
    *nr_pages = 1;
    return LB_CLASS_KEEP;
}

static void classify_window(struct lb_classifier *c, uint64_t start, size_t n, uint8_t *cls)
{
    uint8_t ok[READ_GRAIN + 1];

    read_pages_of(c, start, n, ok);
    for (size_t i = 0; i < n; i++) {
        uint64_t pfn = start + i, nr;

        if (pfn < c->pending_end) {
            cls[i] = c->pending_class;
            continue;
        }
        cls[i] = ok[i] ? classify_one(c, pfn, c->pages + i * c->page_size,
                                      ok[i + 1] ? c->pages + (i + 1) * c->page_size : NULL, &nr)
                       : LB_CLASS_KEEP;
        if (ok[i] && cls[i] != LB_CLASS_KEEP && nr > 1) {
            c->pending_end = pfn + nr;
            c->pending_class = cls[i];
        }
    }
}

/*
 * A free block of 2^order frames is decided by its first struct page: the
 * rest are not read.  Struct pages are read READ_GRAIN frames at a time, so
 * an idle machine, its memory in free blocks of 1024 frames, reads a quarter
 * of its mem_map (the copy of struct pages is what a scan of a big machine
 * spends most on).
 */
void lb_classify(struct lb_classifier *c, uint64_t start, size_t n, uint8_t *cls)
{
    if (start < c->last_end)
        c->pending_end = 0; /* going back (ELF segments overlap): start afresh */
    c->last_end = start + n;
    for (size_t done = 0; done < n;) {
        uint64_t pfn = start + done;
        size_t len = n - done < READ_GRAIN ? n - done : READ_GRAIN;
        if (pfn < c->pending_end) { /* inside a block decided already */
            len = c->pending_end - pfn < n - done ? (size_t)(c->pending_end - pfn) : n - done;
            memset(cls + done, c->pending_class, len);
        } else {
            classify_window(c, pfn, len, cls + done);
        }
        done += len;
    }
}

void lb_classifier_save(const struct lb_classifier *c, struct lb_classify_state *state)
{
    state->pending_end = c->pending_end;
    state->last_end = c->last_end;
    state->pending_class = c->pending_class;
}

void lb_classifier_restore(struct lb_classifier *c, const struct lb_classify_state *state)
{
    c->pending_end = state->pending_end;
    c->last_end = state->last_end;
    c->pending_class = state->pending_class;
}

void lb_classifier_layout(const struct lb_classifier *c, struct lb_classify_layout *out)
{
    *out = (struct lb_classify_layout){
        .page_size = c->page_size,
        .off_flags = c->off_flags,
        .off_mapping = c->off_mapping,
        .off_mapcount = c->off_mapcount,
        .off_private = c->off_private,
        .off_compound_head = c->off_compound_head,
        .pg_lru = c->pg_lru,
        .pg_private = c->pg_private,
        .pg_swapcache = c->pg_swapcache,
        .pg_swapbacked = c->pg_swapbacked,
        .pg_slab = c->pg_slab,
        .pg_hwpoison = c->pg_hwpoison,
        .pg_head_mask = c->pg_head_mask,
        .buddy_value = c->buddy_value,
        .offline_value = c->offline_value,
        .slab_value = c->slab_value,
        .hugetlb_value = c->hugetlb_value,
    };
}
