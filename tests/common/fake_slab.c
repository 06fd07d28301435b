/*
 * fake_slab.c - a SLUB cache in the tests' fake kernel: see fake_slab.h.
 * Laid out as fake_kernel.c's BTF says (slab_types), its free pointers
 * stored as SLAB_FREELIST_HARDENED stores them.
 */
#include <string.h>

#include "fake_slab.h"

static void put64(uint8_t *mem, uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

static void put32(uint8_t *mem, uint64_t at, uint32_t v)
{
    memcpy(mem + at, &v, 4);
}

uint64_t fake_slab_object(uint64_t pfn, uint64_t i)
{
    return FAKE_KERNEL_VA + pfn * 4096 + i * SLAB_SIZE;
}

uint64_t fake_slab_page(uint64_t pfn)
{
    return FAKE_STRUCT_PAGES + 64 * pfn;
}

void fake_slab_link(uint8_t *mem, uint64_t pfn, uint64_t i, uint64_t next)
{
    uint64_t at = fake_slab_object(pfn, i) + SLAB_OFFSET;
    put64(mem, at - FAKE_KERNEL_VA, next ^ SLAB_RANDOM ^ __builtin_bswap64(at));
}

/* A slab of the cache in frame pfn: every object allocated ('U'), its free ones 'F', linked. */
static void slab(uint8_t *mem, uint64_t pfn, const uint64_t *free, size_t n, int own_list)
{
    uint64_t page = fake_slab_page(pfn);

    memset(mem + pfn * 4096, 'U', 4096);
    memset(mem + page, 0, 64);
    put64(mem, page + 24, FAKE_KERNEL_VA + SLAB_CACHE);
    put32(mem, page + 40, (64u << 16) | (64u - (uint32_t)n)); /* objects, inuse */
    for (size_t i = 0; i < n; i++) {
        memset(mem + pfn * 4096 + free[i] * SLAB_SIZE, 'F', SLAB_SIZE);
        fake_slab_link(mem, pfn, free[i], i + 1 < n ? fake_slab_object(pfn, free[i + 1]) : 0);
    }
    if (own_list)
        put64(mem, page + 32, fake_slab_object(pfn, free[0]));
}

void fake_kernel_slab(uint8_t *mem)
{
    uint64_t cpu1 = SLAB_CPU + FAKE_PCP_CPU;

    memset(mem + SLAB_CACHE, 0, 0x800);
    put64(mem, SLAB_CACHE, FAKE_KERNEL_VA + SLAB_CPU);
    put32(mem, SLAB_CACHE + 24, SLAB_SIZE);
    put32(mem, SLAB_CACHE + 28, SLAB_SIZE);
    put32(mem, SLAB_CACHE + 40, SLAB_OFFSET);
    put32(mem, SLAB_CACHE + 52, 4096 / SLAB_SIZE); /* order 0, 64 objects */
    put32(mem, SLAB_CACHE + 56, 4096 / SLAB_SIZE);
    put64(mem, SLAB_CACHE + 96, FAKE_KERNEL_VA + SLAB_NAME);
    memcpy(mem + SLAB_NAME, "lbtest-64", 10);
    put64(mem, SLAB_CACHE + 184, SLAB_RANDOM);
    put64(mem, SLAB_CACHE + 192, FAKE_KERNEL_VA + SLAB_NODE);
    /* the only cache on slab_caches */
    put64(mem, FAKE_SLAB_CACHES, FAKE_KERNEL_VA + SLAB_CACHE + 104);
    put64(mem, FAKE_SLAB_CACHES + 8, FAKE_KERNEL_VA + SLAB_CACHE + 104);
    put64(mem, SLAB_CACHE + 104, FAKE_KERNEL_VA + FAKE_SLAB_CACHES);
    put64(mem, SLAB_CACHE + 112, FAKE_KERNEL_VA + FAKE_SLAB_CACHES);
    /* CPU 0's slab: its lockless list 1, 5, 9, and 2 freed to the slab's own by another CPU */
    slab(mem, SLAB_CPU_PFN, (const uint64_t[]){1, 5, 9}, 3, 0);
    memset(mem + SLAB_CPU_PFN * 4096 + 2 * SLAB_SIZE, 'F', SLAB_SIZE);
    fake_slab_link(mem, SLAB_CPU_PFN, 2, 0);
    put64(mem, fake_slab_page(SLAB_CPU_PFN) + 32, fake_slab_object(SLAB_CPU_PFN, 2));
    put64(mem, SLAB_CPU, fake_slab_object(SLAB_CPU_PFN, 1));
    put64(mem, SLAB_CPU + 16, FAKE_KERNEL_VA + fake_slab_page(SLAB_CPU_PFN));
    /* CPU 1's partial slab: 7 */
    slab(mem, SLAB_PART_PFN, (const uint64_t[]){7}, 1, 1);
    put64(mem, cpu1 + 24, FAKE_KERNEL_VA + fake_slab_page(SLAB_PART_PFN));
    /* the node's partial list: one slab, free 0, 63, 10 */
    slab(mem, SLAB_NODE_PFN, (const uint64_t[]){0, 63, 10}, 3, 1);
    uint64_t list = fake_slab_page(SLAB_NODE_PFN) + 8;
    put64(mem, SLAB_NODE + 8, 1);
    put64(mem, SLAB_NODE + 16, FAKE_KERNEL_VA + list);
    put64(mem, SLAB_NODE + 24, FAKE_KERNEL_VA + list);
    put64(mem, list, FAKE_KERNEL_VA + SLAB_NODE + 16);
    put64(mem, list + 8, FAKE_KERNEL_VA + SLAB_NODE + 16);
}

void fake_kernel_slab_sheaves(uint8_t *mem)
{
    const uint64_t in_sheaves[][2] = {{SLAB_CPU_PFN, 20}, {SLAB_NODE_PFN, 30}, {SLAB_PART_PFN, 40}};

    for (size_t i = 0; i < 3; i++)
        memset(mem + in_sheaves[i][0] * 4096 + in_sheaves[i][1] * SLAB_SIZE, 'F', SLAB_SIZE);
    put64(mem, SLAB_CACHE + FAKE_SLAB_SHEAVES_AT, FAKE_KERNEL_VA + SLAB_SHEAVES);
    put64(mem, SLAB_SHEAVES + FAKE_PCP_CPU + 8, FAKE_KERNEL_VA + SLAB_MAIN); /* CPU 1's main */
    put32(mem, SLAB_MAIN + 24, 3);
    put64(mem, SLAB_MAIN + 32, fake_slab_object(SLAB_CPU_PFN, 20));
    put64(mem, SLAB_MAIN + 40, fake_slab_object(SLAB_NODE_PFN, 30));
    put64(mem, SLAB_MAIN + 48, FAKE_KERNEL_VA + 0x20000 + 64); /* in no slab */
    put64(mem, SLAB_NODE + 40, FAKE_KERNEL_VA + SLAB_BARN);
    put64(mem, SLAB_BARN + 8, FAKE_KERNEL_VA + SLAB_FULL); /* one full sheaf on the list */
    put64(mem, SLAB_BARN + 16, FAKE_KERNEL_VA + SLAB_FULL);
    put64(mem, SLAB_FULL, FAKE_KERNEL_VA + SLAB_BARN + 8);
    put64(mem, SLAB_FULL + 8, FAKE_KERNEL_VA + SLAB_BARN + 8);
    put32(mem, SLAB_FULL + 24, 1);
    put64(mem, SLAB_FULL + 32, fake_slab_object(SLAB_PART_PFN, 40));
}
