/*
 * page_hash_scalar.c - XXH3-64 of a page in plain 64-bit arithmetic, no
 * vector instructions: the same value as XXH3_64bits, for machines where
 * those cost more than they save (page_hash.c chooses).  A file of its own
 * because xxhash picks its vector code for a whole translation unit.
 */
#define XXH_VECTOR 0 /* XXH_SCALAR */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/kdump_format.h"
#include "write/dedup.h"

uint64_t lb_page_hash_scalar(const uint8_t *page)
{
    return XXH3_64bits(page, LB_PAGE_SIZE);
}
