/*
 * dedup.h - inside the dump engine: remembers where pages were stored, so a
 * page whose content is already in the dump is pointed at, not stored again.
 */
#ifndef LBDUMP_DEDUP_H
#define LBDUMP_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "source/source.h"

/* Where one stored page's data is in a kdump-compressed file. */
struct lb_stored {
    uint64_t offset;
    uint32_t size;
    uint32_t flags;
};

struct lb_dedup;

/* A table of 2^order entries (32 bytes each); NULL if out of memory. */
struct lb_dedup *lb_dedup_new(unsigned order);
void lb_dedup_free(struct lb_dedup *d);

/* The XXH3-64 of a page (page_hash.c: computed the faster of two ways, the value one). */
uint64_t lb_page_hash(const uint8_t *page);
uint64_t lb_page_hash_scalar(const uint8_t *page);
/* Do two pages hold the same bytes?  (musl's memcmp goes a byte at a time: see dedup.c.) */
int lb_page_equal(const uint8_t *a, const uint8_t *b);

/*
 * A comparison made ahead, on a worker (kdump_batch.c): page was compared
 * with frame pfn_plus_one - 1 (0: with none) and found the same or not.
 */
struct lb_dedup_guess {
    uint64_t pfn_plus_one;
    int same;
};

/*
 * Finds a stored page with the same content as page (whose hash is given):
 * the candidate's frame is read again from src and compared byte for byte, so
 * a hash collision costs a read, never a wrong page; unless guess compared
 * page with that very frame already.  Returns 1 and *where.
 */
int lb_dedup_find(struct lb_dedup *d, struct lb_source *src, const uint8_t *page, uint64_t hash,
                  const struct lb_dedup_guess *guess, struct lb_stored *where);
/*
 * On a worker, while the thread that stores changes the table: compares page
 * with the frame the table names for hash now, if any, read through src (the
 * worker's own view) into buf.  What it names may be gone by the time the
 * page is stored; the guess then goes unused (lb_dedup_find).
 */
void lb_dedup_guess(const struct lb_dedup *d, struct lb_source *src, const uint8_t *page,
                    uint64_t hash, uint8_t *buf, struct lb_dedup_guess *guess);
/* Remembers that frame pfn, whose content hashes to hash, is stored at where. */
void lb_dedup_remember(struct lb_dedup *d, uint64_t pfn, uint64_t hash,
                       const struct lb_stored *where);

#endif
