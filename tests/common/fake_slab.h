/*
 * fake_slab.h - a SLUB cache in the tests' fake kernel (fake_slab.c): one
 * hardened cache of 64-byte objects with free objects on CPU 0's slab (its
 * lockless list and the slab's own), on a node's partial slab and on CPU 1's
 * partial slab; for the unit tests of redaction's walk of freed slab objects
 * (lib/kernel/redact_slab.c) and the fuzzers' seeds.
 */
#ifndef LIFEBOAT_TEST_FAKE_SLAB_H
#define LIFEBOAT_TEST_FAKE_SLAB_H

#include <stdint.h>

#include "fake_kernel.h"

/* Physical addresses (offsets in mem), from FAKE_SLAB_CACHES on; the slabs' frames. */
enum {
    SLAB_CACHE = 0x25100,  /* kmem_cache: cpu_slab +0, size +24, offset +40, oo +52, list +104 */
    SLAB_NAME = 0x25200,   /* "lbtest-64" */
    SLAB_CPU = 0x25300,    /* kmem_cache_cpu of CPU 0 (CPU 1's FAKE_PCP_CPU on) */
    SLAB_NODE = 0x25800,   /* kmem_cache_node: partial at +16 */
    SLAB_CPU_PFN = 0x3a,   /* CPU 0's slab: free 1, 5, 9 (lockless list), 2 (the slab's) */
    SLAB_NODE_PFN = 0x3b,  /* on the node's partial list: free 0, 63, 10 */
    SLAB_PART_PFN = 0x3f,  /* on CPU 1's partial list: free 7 */
    SLAB_SIZE = 64,        /* kmem_cache.size: 64 objects a slab */
    SLAB_OFFSET = 32,      /* the free pointer's word, mid-object as 6.1's kmalloc caches */
    SLAB_FREE_OBJECTS = 8, /* on all lists */
    /* 7.x's sheaves (fake_kernel_slab_sheaves): CPU 1's main sheaf holds object 20 of CPU 0's
       slab, 30 of the node's and one in no slab; the node's barn's full sheaf 40 of CPU 1's */
    SLAB_SHEAVES = 0x25900, /* slub_percpu_sheaves of CPU 0 (CPU 1's FAKE_PCP_CPU on) */
    SLAB_MAIN = 0x25a00,    /* slab_sheaf: size at +24, objects[] at +32 */
    SLAB_BARN = 0x25b00,    /* node_barn: sheaves_full at +8 */
    SLAB_FULL = 0x25c00,
    FAKE_SLAB_SHEAVES_AT = 16, /* kmem_cache.cpu_sheaves */
};
#define SLAB_RANDOM 0x5a17c0de2b4d6e8full /* kmem_cache.random */

/* The virtual address of object i of the slab in frame pfn. */
uint64_t fake_slab_object(uint64_t pfn, uint64_t i);
/* Writes the free pointer of object i of pfn's slab: next (a virtual address or 0), hardened. */
void fake_slab_link(uint8_t *mem, uint64_t pfn, uint64_t i, uint64_t next);
/* The struct slab (struct page) of frame pfn, as an offset in mem. */
uint64_t fake_slab_page(uint64_t pfn);
/* Plants the cache, after fake_kernel_tasks (and fake_kernel_mem_map, whose struct pages it
   overwrites for the slabs' frames): free objects hold 'F', allocated ones 'U'. */
void fake_kernel_slab(uint8_t *mem);
/* Adds 7.x's sheaves to it: the free objects they hold hold 'F' too. */
void fake_kernel_slab_sheaves(uint8_t *mem);

#endif
