/*
 * test_redact_slab.c - freed slab objects (lib/kernel/redact_slab.c) on the
 * fake kernel of tests/common (fake_slab.h): the free objects of a hardened
 * SLUB cache, on CPU 0's slab (its lockless list and the slab's own), on
 * CPU 1's partial slab and on a node's partial list, are erased by any
 * redaction but for their free pointer words, counted in its class, and
 * nothing else of the memory is; hostile free lists (a loop, a pointer out
 * of its slab, a wrong key, an absurd object count, a budget that runs out)
 * end, named in the report or failing, and the walk goes on past them.
 */
#include <bpf/btf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../common/fake_kernel.h"
#include "../common/fake_slab.h"
#include "kernel/btf_util.h"
#include "kernel/redact.h"
#include "lbdump.h"

#include "fake_source.h"
#include "redact_report.h"

#define TYPE "free slab objects (SLUB)"

static void put64(uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

static void put32(uint64_t at, uint32_t v)
{
    memcpy(mem + at, &v, 4);
}

static void plant(void)
{
    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 4, 0);
    fake_kernel_mem_map(mem);
    fake_kernel_slab(mem);
}

static int free_slab(struct redact_ctx *c, struct lb_error *err)
{
    return lb_redact_free_slab(c, LB_REDACT_KEYS, err);
}

static void walk_with(struct walked *w, uint64_t steps)
{
    redact_walk_fake(w, steps, free_slab);
}

static uint64_t phys_of(uint64_t pfn, uint64_t i)
{
    return pfn * 4096 + i * SLAB_SIZE;
}

/* Object i of pfn's slab erased but for its free pointer word. */
static void assert_erased(const struct walked *w, uint64_t pfn, uint64_t i)
{
    uint64_t at = phys_of(pfn, i);
    assert_int_equal(redact_plan_erased_bytes(&w->plan, at, SLAB_OFFSET), SLAB_OFFSET);
    assert_int_equal(redact_plan_erased_bytes(&w->plan, at + SLAB_OFFSET, 8), 0);
    assert_int_equal(redact_plan_erased_bytes(&w->plan, at + SLAB_OFFSET + 8, SLAB_SIZE - 40),
                     SLAB_SIZE - 40);
}

static void assert_kept(const struct walked *w, uint64_t pfn, uint64_t i)
{
    assert_int_equal(redact_plan_erased_bytes(&w->plan, phys_of(pfn, i), SLAB_SIZE), 0);
}

/* Every free object on every list, and nothing else of the memory. */
static void free_objects_erased(void **state)
{
    struct walked w;

    (void)state;
    plant();
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    for (uint64_t i = 0; i < 64; i++) {
        int cpu = i == 1 || i == 5 || i == 9 || i == 2, node = i == 0 || i == 63 || i == 10;
        if (cpu)
            assert_erased(&w, SLAB_CPU_PFN, i);
        else
            assert_kept(&w, SLAB_CPU_PFN, i);
        if (node)
            assert_erased(&w, SLAB_NODE_PFN, i);
        else
            assert_kept(&w, SLAB_NODE_PFN, i);
        if (i == 7)
            assert_erased(&w, SLAB_PART_PFN, i);
        else
            assert_kept(&w, SLAB_PART_PFN, i);
    }
    assert_int_equal(redact_plan_erased_bytes(&w.plan, 0, FAKE_KERNEL_MEM),
                     SLAB_FREE_OBJECTS * (SLAB_SIZE - 8));
    const struct lb_redacted *it = redact_report_item(&w.rep, TYPE);
    assert_non_null(it);
    assert_string_equal(it->class_name, "keys");
    assert_int_equal(it->count, SLAB_FREE_OBJECTS);
    assert_int_equal(it->bytes, SLAB_FREE_OBJECTS * (SLAB_SIZE - 8));
    assert_int_equal(w.rep.nnot_found, 1); /* what no walk reaches, said */
    assert_true(redact_report_says(&w.rep, "objects queued for kfree_rcu"));
    free(w.plan.r);
}

/* A redaction of names alone reads zeros in a free object but its word; 'U' in the rest. */
static void reads_are_erased(void **state)
{
    struct lb_redaction_report r;
    struct lb_error err;
    uint8_t page[4096], word[8];
    char *path;

    (void)state;
    plant();
    memcpy(word, mem + phys_of(SLAB_NODE_PFN, 10) + SLAB_OFFSET, 8);
    struct lb_source *src = open_fake(&path);
    int ok = lb_source_redact(src, LB_REDACT_NAMES, &err);
    if (ok)
        print_error("%s\n", err.msg);
    assert_int_equal(ok, 0);
    assert_int_equal(lb_source_read_phys(src, SLAB_NODE_PFN * 4096, page, 4096, &err), 0);
    for (size_t b = 0; b < SLAB_SIZE; b++)
        if (b < SLAB_OFFSET || b >= SLAB_OFFSET + 8)
            assert_int_equal(page[10 * SLAB_SIZE + b], 0);
    assert_memory_equal(page + 10 * SLAB_SIZE + SLAB_OFFSET, word, 8);
    assert_int_equal(page[11 * SLAB_SIZE], 'U');
    assert_int_equal(lb_source_redaction(src, &r), 1);
    assert_int_equal(redact_report_item(&r, TYPE)->count, SLAB_FREE_OBJECTS);
    assert_string_equal(redact_report_item(&r, TYPE)->class_name, "names");
    close_fake(src, path);
}

/* The hardened pointers are decoded with kmem_cache.random: a wrong key leaves the slab. */
static void hardened_pointers_decoded(void **state)
{
    struct walked w;

    (void)state;
    plant();
    put64(SLAB_CACHE + 184, SLAB_RANDOM ^ 8); /* decodes every pointer 8 bytes off */
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    /* the heads are plain pointers, but every list's next (its end's NULL too, encoded) leaves
       the slab: no list ends as a free list does, so none is erased, each said */
    assert_kept(&w, SLAB_CPU_PFN, 1);
    assert_kept(&w, SLAB_CPU_PFN, 2);
    assert_kept(&w, SLAB_CPU_PFN, 9);
    assert_true(redact_report_says(&w.rep, "(the first: lbtest-64)"));
    assert_true(redact_report_says(&w.rep, "4 free pointers left their slab"));
    assert_int_equal(redact_report_count(&w.rep, TYPE), 0);
    free(w.plan.r);
}

/* A loop, a pointer into another slab: such a list is not erased at all (a free pointer a use
   after free overwrote may lead onto objects in use), said; the others are erased. */
static void looping_and_leaving_lists(void **state)
{
    struct walked w;

    (void)state;
    plant();
    fake_slab_link(mem, SLAB_CPU_PFN, 9, fake_slab_object(SLAB_CPU_PFN, 5));    /* 9 back to 5 */
    fake_slab_link(mem, SLAB_NODE_PFN, 63, fake_slab_object(SLAB_CPU_PFN, 20)); /* away */
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "1 free pointers left their slab, 1 free lists loop"));
    assert_kept(&w, SLAB_CPU_PFN, 9); /* the looping list: 1, 5, 9 */
    assert_kept(&w, SLAB_CPU_PFN, 1);
    assert_kept(&w, SLAB_CPU_PFN, 20);
    assert_kept(&w, SLAB_NODE_PFN, 0); /* the list that left: 0, 63 */
    assert_kept(&w, SLAB_NODE_PFN, 10);
    assert_erased(&w, SLAB_CPU_PFN, 2); /* the whole lists */
    assert_erased(&w, SLAB_PART_PFN, 7);
    assert_int_equal(redact_report_count(&w.rep, TYPE), 2);
    free(w.plan.r);

    /* a pointer inside the slab but not on an object's boundary */
    plant();
    fake_slab_link(mem, SLAB_NODE_PFN, 0, fake_slab_object(SLAB_NODE_PFN, 63) + 8);
    walk_with(&w, 1 << 20);
    assert_true(redact_report_says(&w.rep, "1 free pointers left their slab"));
    assert_kept(&w, SLAB_NODE_PFN, 63);
    free(w.plan.r);
}

/* An object count past the cache's, a slab of another cache, absurd sizes: left, said. */
static void hostile_counts(void **state)
{
    struct walked w;

    (void)state;
    plant();
    put32(fake_slab_page(SLAB_NODE_PFN) + 40, 0x7fffu << 16); /* 32767 objects of 64 bytes */
    put64(fake_slab_page(SLAB_PART_PFN) + 24, FAKE_KERNEL_VA + 0x25a00); /* not this cache's */
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "1 slabs are no slab of their cache, 1 slabs or "
                                           "sheaves have no sane object count"));
    assert_kept(&w, SLAB_NODE_PFN, 0);
    assert_kept(&w, SLAB_PART_PFN, 7);
    assert_int_equal(redact_report_count(&w.rep, TYPE), 4); /* CPU 0's slab's */
    free(w.plan.r);

    /* fewer objects than the pointers reach: 63 is past the slab's end */
    plant();
    put32(fake_slab_page(SLAB_NODE_PFN) + 40, 32u << 16);
    walk_with(&w, 1 << 20);
    assert_true(redact_report_says(&w.rep, "1 free pointers left their slab"));
    assert_kept(&w, SLAB_NODE_PFN, 0);
    assert_kept(&w, SLAB_NODE_PFN, 63);
    free(w.plan.r);

    /* a cache whose free pointer is past its objects: not walked at all */
    plant();
    put32(SLAB_CACHE + 40, SLAB_SIZE);
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "1 caches no sane sizes"));
    assert_null(redact_report_item(&w.rep, TYPE));
    free(w.plan.r);
}

/* A list of slabs or of caches that loops ends; a budget spent fails the walk, naming it. */
static void loops_of_lists_and_budget(void **state)
{
    struct walked w;

    (void)state;
    plant();
    uint64_t list = fake_slab_page(SLAB_NODE_PFN) + 8;
    put64(list, FAKE_KERNEL_VA + list); /* the node's partial slab leads to itself */
    put64(SLAB_CACHE + 104, FAKE_KERNEL_VA + SLAB_CACHE + 104); /* and the cache too */
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "1 lists of slabs break"));
    assert_true(redact_report_says(&w.rep, "list of slab caches breaks or loops after 1"));
    assert_int_equal(redact_report_count(&w.rep, TYPE), SLAB_FREE_OBJECTS);
    free(w.plan.r);

    plant();
    walk_with(&w, 4);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "budget of steps"));
    free(w.plan.r);

    /* a step a cache, CPU and slab, not an object: 7 steps walk the 8 free objects */
    plant();
    walk_with(&w, 7);
    assert_int_equal(w.r, 0);
    assert_int_equal(redact_report_count(&w.rep, TYPE), SLAB_FREE_OBJECTS);
    free(w.plan.r);
}

/* 7.x's sheaves: CPU 1's main sheaf and the node's barn's full one hold free objects, erased
   whole (no free pointer in them); one that lies in no slab of the cache is left, said. */
static void sheaves_erased(void **state)
{
    struct walked w;

    (void)state;
    plant();
    fake_kernel_slab_sheaves(mem);
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, phys_of(SLAB_CPU_PFN, 20), SLAB_SIZE),
                     SLAB_SIZE);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, phys_of(SLAB_NODE_PFN, 30), SLAB_SIZE),
                     SLAB_SIZE);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, phys_of(SLAB_PART_PFN, 40), SLAB_SIZE),
                     SLAB_SIZE);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, 0x20000, 4096), 0);
    assert_int_equal(redact_report_count(&w.rep, "free slab objects in sheaves (SLUB)"), 3);
    assert_int_equal(redact_report_count(&w.rep, TYPE), SLAB_FREE_OBJECTS);
    assert_true(redact_report_says(&w.rep, "1 sheaves' objects are in no slab of theirs"));
    free(w.plan.r);

    /* order-1 slabs, or order 0 under pressure (min): an object of the order-0 slab in frame
       0x3b is found there, though frame 0x3a, its order-1 alignment, is a slab of the cache */
    put32(SLAB_CACHE + 52, (1u << 16) | 64);
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, phys_of(SLAB_NODE_PFN, 30), SLAB_SIZE),
                     SLAB_SIZE);
    assert_int_equal(redact_report_count(&w.rep, "free slab objects in sheaves (SLUB)"), 3);
    free(w.plan.r);
}

/* 7.x's kmem_cache.per_node[]: node 0's kmem_cache_node and barn in its entry, walked. */
static void per_node_of_7x(void **state)
{
    struct walked w;

    (void)state;
    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 4, FAKE_SLAB_PER_NODE);
    fake_kernel_mem_map(mem);
    fake_kernel_slab(mem);
    put64(SLAB_CACHE + 192, FAKE_KERNEL_VA + SLAB_BARN); /* per_node[0]: barn, node */
    put64(SLAB_CACHE + 200, FAKE_KERNEL_VA + SLAB_NODE);
    fake_kernel_slab_sheaves(mem);
    put64(SLAB_CACHE + FAKE_SLAB_SHEAVES_AT, 0); /* no sheaves but the barn's */
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_erased(&w, SLAB_NODE_PFN, 63); /* the node's partial list, found through per_node */
    assert_int_equal(redact_plan_erased_bytes(&w.plan, phys_of(SLAB_PART_PFN, 40), SLAB_SIZE),
                     SLAB_SIZE);
    assert_int_equal(redact_report_count(&w.rep, TYPE), SLAB_FREE_OBJECTS);
    assert_int_equal(redact_report_count(&w.rep, "free slab objects in sheaves (SLUB)"), 1);
    free(w.plan.r);
}

/* A kernel without SLAB_FREELIST_HARDENED (no kmem_cache.random): its free pointers are plain. */
static void plain_pointers_followed(void **state)
{
    static const uint64_t lists[][4] = {{SLAB_CPU_PFN, 1, 5, 9}, {SLAB_NODE_PFN, 0, 63, 10}};
    struct walked w;

    (void)state;
    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 4, FAKE_SLAB_PLAIN);
    fake_kernel_mem_map(mem);
    fake_kernel_slab(mem);
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 1; i < 4; i++) {
            uint64_t at = phys_of(lists[l][0], lists[l][i]) + SLAB_OFFSET;
            put64(at, i < 3 ? fake_slab_object(lists[l][0], lists[l][i + 1]) : 0);
        }
    put64(phys_of(SLAB_CPU_PFN, 2) + SLAB_OFFSET, 0);
    put64(phys_of(SLAB_PART_PFN, 7) + SLAB_OFFSET, 0);
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_erased(&w, SLAB_CPU_PFN, 9);
    assert_erased(&w, SLAB_NODE_PFN, 10);
    assert_int_equal(redact_report_count(&w.rep, TYPE), SLAB_FREE_OBJECTS);
    assert_int_equal(w.rep.nnot_found, 1);
    free(w.plan.r);
}

/* A kernel without slab_caches (or SLUB's types) is said, and the walk passes. */
static void no_caches_said(void **state)
{
    struct walked w;

    (void)state;
    plant();
    put64(FAKE_PAGE_OFFSET_BASE, 0);
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "no direct map's start"));
    assert_null(redact_report_item(&w.rep, TYPE));
    free(w.plan.r);

    /* the fake's own kernel, no cache planted: nothing erased, nothing broken said */
    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 4, 0);
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_int_equal(w.rep.nnot_found, 1);
    assert_null(redact_report_item(&w.rep, TYPE));
    free(w.plan.r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(free_objects_erased),
        cmocka_unit_test(reads_are_erased),
        cmocka_unit_test(hardened_pointers_decoded),
        cmocka_unit_test(looping_and_leaving_lists),
        cmocka_unit_test(hostile_counts),
        cmocka_unit_test(loops_of_lists_and_budget),
        cmocka_unit_test(sheaves_erased),
        cmocka_unit_test(per_node_of_7x),
        cmocka_unit_test(plain_pointers_followed),
        cmocka_unit_test(no_caches_said),
    };
    (void)has_note;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
