/*
 * dedup.c - stores each distinct page of a dump once.
 *
 * A crashed kernel's memory repeats itself: slab pages full of poison,
 * page tables and per-cpu copies built from one template, the same file page
 * mapped twice.  On the benchmark guest a third of the frames kept at -d 31
 * were copies of another kept frame.  The kdump-compressed format lets any
 * number of page descriptors point at one stored page (the zero page has
 * always been kept once), so a repeat costs a 24-byte descriptor instead of
 * a compression and its output.
 *
 * The table is direct-mapped by hash and holds no page content, so it stays
 * small and fixed however large the machine: an entry says which frame was
 * stored where.  A hit is confirmed by reading that frame again from the
 * source (the old kernel's memory does not change under the crash kernel)
 * and comparing it byte for byte; a colliding hash can cost a read, never
 * a wrong page in the dump.
 */
#include <stdlib.h>
#include <string.h>
/* Inlined: the one function used is compiled in, with no library to link. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/kdump_format.h"
#include "write/dedup.h"

struct entry {
    uint64_t hash;
    uint64_t pfn_plus_one; /* 0: empty */
    struct lb_stored where;
};

struct lb_dedup {
    uint64_t mask;
    uint8_t page[LB_PAGE_SIZE]; /* the candidate, read again */
    struct entry entries[];
};

struct lb_dedup *lb_dedup_new(unsigned order)
{
    size_t n = (size_t)1 << order;
    struct lb_dedup *d = calloc(1, sizeof(*d) + n * sizeof(d->entries[0]));

    if (d)
        d->mask = n - 1;
    return d;
}

void lb_dedup_free(struct lb_dedup *d)
{
    free(d);
}

uint64_t lb_page_hash(const uint8_t *page)
{
    return XXH3_64bits(page, LB_PAGE_SIZE);
}

/*
 * A repeat is confirmed by comparing whole pages, and musl's memcmp (the
 * capture binary's libc) compares a byte at a time: 4 KiB cost it ~4 us, most
 * of the thread that stores, which confirms every repeat in order.  Eight
 * words at a time instead, as lb_page_is_zero reads; the loads through memcpy
 * make no assumption of alignment.
 */
int lb_page_equal(const uint8_t *a, const uint8_t *b)
{
    for (size_t i = 0; i < LB_PAGE_SIZE; i += 64) {
        uint64_t x[8], y[8], diff = 0;
        memcpy(x, a + i, sizeof(x));
        memcpy(y, b + i, sizeof(y));
        for (size_t j = 0; j < 8; j++)
            diff |= x[j] ^ y[j];
        if (diff)
            return 0;
    }
    return 1;
}

int lb_dedup_find(struct lb_dedup *d, struct lb_source *src, const uint8_t *page, uint64_t hash,
                  struct lb_stored *where)
{
    struct entry *e = &d->entries[hash & d->mask];
    uint8_t status;

    if (!e->pfn_plus_one || e->hash != hash)
        return 0;
    lb_source_read_pages(src, e->pfn_plus_one - 1, 1, d->page, &status);
    if (status != LB_PAGE_OK || !lb_page_equal(d->page, page))
        return 0;
    *where = e->where;
    return 1;
}

void lb_dedup_remember(struct lb_dedup *d, uint64_t pfn, uint64_t hash,
                       const struct lb_stored *where)
{
    struct entry *e = &d->entries[hash & d->mask];

    e->hash = hash;
    e->pfn_plus_one = pfn + 1;
    e->where = *where;
}
