/*
 * page_hash.c - the hash that finds repeated pages (dedup.c), XXH3-64 of
 * the page, computed whichever of two ways is faster on this machine.
 *
 * Both give the same value (one algorithm): XXH3 with SSE2 is the faster
 * natively (0.24 against 0.41 us a page here), but under emulation (QEMU
 * TCG, where crash kernels of test VMs and of machines without KVM run) each
 * vector instruction is a call into the emulator, and plain 64-bit
 * arithmetic is 4x faster (1.9 against 8 us a page).  So the first use times
 * both on one page and keeps the faster.  The choice changes no byte of a
 * dump: the file is the same either way.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/kdump_format.h"
#include "write/dedup.h"

static uint64_t hash_vector(const uint8_t *page)
{
    return XXH3_64bits(page, LB_PAGE_SIZE);
}

static uint64_t (*page_hash)(const uint8_t *page) = hash_vector;
static pthread_once_t page_hash_chosen = PTHREAD_ONCE_INIT;

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The least time of three rounds of eight hashes of page: a round the scheduler cut is no guide. */
static uint64_t time_hash(uint64_t (*hash)(const uint8_t *), const uint8_t *page)
{
    uint64_t best = UINT64_MAX;
    volatile uint64_t sink = 0;

    for (int round = 0; round < 3; round++) {
        uint64_t began = now_ns();
        for (int i = 0; i < 8; i++)
            sink += hash(page);
        uint64_t took = now_ns() - began;
        best = took < best ? took : best;
    }
    (void)sink;
    return best;
}

static void choose_page_hash(void)
{
    static uint8_t page[LB_PAGE_SIZE];

    for (size_t i = 0; i < sizeof(page); i++)
        page[i] = (uint8_t)(i * 131 + (i >> 7));
    if (time_hash(lb_page_hash_scalar, page) < time_hash(hash_vector, page))
        page_hash = lb_page_hash_scalar;
}

uint64_t lb_page_hash(const uint8_t *page)
{
    pthread_once(&page_hash_chosen, choose_page_hash);
    return page_hash(page);
}
