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
 *
 * That read and comparison are most of a repeat's cost, and the thread that
 * stores pages in order would do them all.  So the workers, examining the
 * next batch, compare each page with the frame the table names for its hash
 * at that moment (lb_dedup_guess); the thread that stores then decides from
 * the table as it stands in order, as before, and reads nothing when the
 * entry names the frame a worker compared.  Invariants:
 *   1. The decision is made from the table alone, in order: which frame a
 *      guess names, read while the table changes, never decides anything,
 *      so the file is the same on any number of threads.
 *   2. A guess is used only for the frame it compared (its pfn), so it is
 *      a fact about two pages' bytes, true whenever it was found.
 *   3. Workers read only hash and pfn_plus_one, atomically; where is the
 *      storing thread's alone.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/kdump_format.h"
#include "write/dedup.h"

struct entry {
    _Atomic uint64_t hash;         /* invariant 3 */
    _Atomic uint64_t pfn_plus_one; /* 0: empty */
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

/* The frame e names for hash, plus one; 0 if none. */
static uint64_t named(const struct entry *e, uint64_t hash)
{
    uint64_t pfn_plus_one = atomic_load_explicit(&e->pfn_plus_one, memory_order_relaxed);

    return atomic_load_explicit(&e->hash, memory_order_relaxed) == hash ? pfn_plus_one : 0;
}

/* Does frame pfn, read from src into buf, hold page's bytes? */
static int frame_holds(struct lb_source *src, uint64_t pfn, const uint8_t *page, uint8_t *buf)
{
    uint8_t status;

    lb_source_read_pages(src, pfn, 1, buf, &status);
    return status == LB_PAGE_OK && lb_page_equal(buf, page);
}

int lb_dedup_find(struct lb_dedup *d, struct lb_source *src, const uint8_t *page, uint64_t hash,
                  const struct lb_dedup_guess *guess, struct lb_stored *where)
{
    struct entry *e = &d->entries[hash & d->mask];
    uint64_t pfn_plus_one = named(e, hash);
    int same;

    if (!pfn_plus_one)
        return 0;
    if (guess && guess->pfn_plus_one == pfn_plus_one) /* invariants 1, 2 */
        same = guess->same;
    else
        same = frame_holds(src, pfn_plus_one - 1, page, d->page);
    if (same)
        *where = e->where;
    return same;
}

void lb_dedup_guess(const struct lb_dedup *d, struct lb_source *src, const uint8_t *page,
                    uint64_t hash, uint8_t *buf, struct lb_dedup_guess *guess)
{
    guess->pfn_plus_one = named(&d->entries[hash & d->mask], hash);
    guess->same = guess->pfn_plus_one && frame_holds(src, guess->pfn_plus_one - 1, page, buf);
}

void lb_dedup_remember(struct lb_dedup *d, uint64_t pfn, uint64_t hash,
                       const struct lb_stored *where)
{
    struct entry *e = &d->entries[hash & d->mask];

    atomic_store_explicit(&e->hash, hash, memory_order_relaxed);
    atomic_store_explicit(&e->pfn_plus_one, pfn + 1, memory_order_relaxed);
    e->where = *where;
}
