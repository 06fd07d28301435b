/*
 * test_redact_pcp.c - free pages on the per-CPU free lists (lib/kernel/
 * redact_pcp.c) on the fake kernel of tests/common: pages put on CPU 0's
 * and CPU 1's lists, of orders 0, 1 and the huge pages', are erased whole
 * by any redaction, counted in its class, and nothing else of the memory
 * is; hostile lists (a loop, a break, an entry that is no struct page, a
 * budget that runs out) end, named in the report or failing.  And exited
 * tasks' kernel stacks in a CPU's cached_stacks are erased through the
 * page tables, one of an absurd size named and left.
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
#include "kernel/btf_util.h"
#include "kernel/redact.h"
#include "lbdump.h"

#include "fake_source.h"
#include "redact_report.h"

#define VA(phys) (FAKE_KERNEL_VA + (phys))
#define TYPE     "free pages on per-CPU lists (per_cpu_pages)"
#define STACKS   "kernel stacks of exited tasks (cached_stacks)"

enum {
    PAGE_LRU = 8,      /* VMCOREINFO's OFFSET(page.lru) */
    VMEMMAP = 0x34000, /* the struct pages of this test, 64 bytes a frame: past the 4 tasks */
    FREE0 = 39,        /* an order-0 page on CPU 0's first list */
    FREE1 = 36,        /* an order-1 block (36, 37) on CPU 1's fourth list */
    HUGE = 512,        /* a huge page (512 frames, past the memory) on CPU 0's list 12 */
    KEPT = 38,         /* the node and the lists themselves: on no list */
    VM = 0x26a00,      /* a cached stack's vm_struct: addr at +8, size at +16 */
    STACK = 0x21000,   /* its three pages: frames 33 to 35 */
};

static void put64(uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

static uint64_t head_of(int cpu, int list)
{
    return FAKE_PCP + (uint64_t)cpu * FAKE_PCP_CPU + 32 + 16 * (uint64_t)list;
}

static uint64_t node_of(uint64_t pfn)
{
    return VMEMMAP + 64 * pfn + PAGE_LRU;
}

/* The list's pages, in order, linked from its head back to it. */
static void link_list(int cpu, int list, const uint64_t *pfns, size_t n)
{
    uint64_t head = head_of(cpu, list), prev = head;

    for (size_t i = 0; i < n; i++) {
        put64(prev, VA(node_of(pfns[i])));
        prev = node_of(pfns[i]);
    }
    put64(prev, VA(head));
}

static void plant(void)
{
    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 4, 0);
    put64(FAKE_VMEMMAP_BASE, VA(VMEMMAP)); /* room for the huge page's struct page */
    memset(mem + FREE0 * 4096, 'A', 4096);
    memset(mem + FREE1 * 4096, 'B', 8192);
    link_list(0, 0, (uint64_t[]){FREE0}, 1);
    link_list(1, 3, (uint64_t[]){FREE1}, 1);
    link_list(0, 12, (uint64_t[]){HUGE}, 1);
}

static int free_lists(struct redact_ctx *c, struct lb_error *err)
{
    return lb_redact_freed(c, LB_REDACT_USER_DATA, err);
}

static void walk_with(struct walked *w, uint64_t steps)
{
    redact_walk_fake(w, steps, free_lists);
}

/* A redaction of names alone erases the free pages too, whole, and reads give zeros there. */
static void free_pages_erased(void **state)
{
    struct lb_redaction_report r;
    struct lb_error err;
    uint8_t page[4096], zeros[4096] = {0};
    char *path;

    (void)state;
    plant();
    struct lb_source *src = open_fake(&path);
    int ok = lb_source_redact(src, LB_REDACT_NAMES, &err);
    if (ok)
        print_error("%s\n", err.msg);
    assert_int_equal(ok, 0);
    for (uint64_t pfn = FREE1; pfn <= FREE0; pfn++) {
        assert_int_equal(lb_source_read_phys(src, pfn * 4096, page, 4096, &err), 0);
        if (pfn == KEPT) /* the lists' own frame stays as it was */
            assert_memory_equal(page, mem + KEPT * 4096, 4096);
        else
            assert_memory_equal(page, zeros, 4096);
    }
    assert_int_equal(lb_source_redaction(src, &r), 1);
    const struct lb_redacted *it = redact_report_item(&r, TYPE);
    assert_non_null(it);
    assert_string_equal(it->class_name, "names");
    assert_int_equal(it->count, 3);
    assert_int_equal(it->bytes, 4096 + 8192 + 512 * 4096);
    assert_false(redact_report_says(&r, "per-CPU lists"));
    close_fake(src, path);
}

/* The plan: the three blocks, at their orders, and nothing of the lists or the node. */
static void blocks_at_their_orders(void **state)
{
    struct walked w;

    (void)state;
    plant();
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, FREE0 * 4096, 4096), 4096);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, FREE1 * 4096, 8192), 8192);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, HUGE * 4096ull, 512 * 4096), 512 * 4096);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, 0, FAKE_KERNEL_MEM), 4096 + 8192);
    assert_string_equal(redact_report_item(&w.rep, TYPE)->class_name, "user-data");
    free(w.plan.r);
}

/* A looping list, a broken one, and an entry that is no struct page: each ends, and is said. */
static void hostile_lists(void **state)
{
    struct walked w;

    (void)state;
    plant();
    link_list(0, 1, (uint64_t[]){10, 11, 12}, 3);
    put64(node_of(12), VA(node_of(11))); /* 12 leads back to 11: never to the head */
    link_list(1, 2, (uint64_t[]){13, 14}, 2);
    put64(node_of(13), 0);                           /* a link cleared mid-unlink */
    put64(head_of(1, 5), VA(VMEMMAP + 64 * 15 + 3)); /* inside a struct page */
    put64(VMEMMAP + 64 * 15 + 3, VA(head_of(1, 5)));
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "1 lists loop, 1 break"));
    assert_true(redact_report_says(&w.rep, "1 entries that are no struct page"));
    assert_int_equal(redact_plan_erased_bytes(&w.plan, 10 * 4096, 3 * 4096),
                     3 * 4096); /* loop's pages */
    assert_int_equal(redact_plan_erased_bytes(&w.plan, 13 * 4096, 4096),
                     4096); /* before the break */
    assert_int_equal(redact_plan_erased_bytes(&w.plan, 15 * 4096, 4096), 0);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, FREE0 * 4096, 4096),
                     4096); /* the others still */
    free(w.plan.r);

    /* a page whose list node leads to itself: erased once, the loop said */
    plant();
    put64(head_of(0, 0), VA(node_of(20)));
    put64(node_of(20), VA(node_of(20)));
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "1 lists loop"));
    assert_int_equal(redact_report_item(&w.rep, TYPE)->count, 3); /* 20, 36, the huge page */
    free(w.plan.r);
}

/* A budget spent fails the walk, naming it; absurd layouts fail, naming what. */
static void budget_and_absurd_layouts(void **state)
{
    struct walked w;

    (void)state;
    plant();
    walk_with(&w, 3);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "budget of steps"));
    free(w.plan.r);

    plant();
    put64(FAKE_VMEMMAP_BASE, 0);
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "vmemmap_base (0x0) is not sane"));
    free(w.plan.r);

    /* a pageset that points nowhere readable: its lists break, said; nothing erased */
    plant();
    put64(FAKE_NODE + 16, 0xdead000000000000ull);
    put64(FAKE_NODE + 64 + 16, 0);
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "26 break"));
    assert_null(redact_report_item(&w.rep, TYPE));
    free(w.plan.r);
}

/* CPU 1's second cached stack is erased whole; one of an absurd size is named and left. */
static void cached_stacks_erased(void **state)
{
    struct walked w;

    (void)state;
    plant();
    put64(VM + 8, VA(STACK));
    put64(VM + 16, 3 * 4096);
    put64(FAKE_CACHED_STACKS + FAKE_PCP_CPU + 8, VA(VM));
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, STACK, 3 * 4096), 3 * 4096);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, 0, FAKE_KERNEL_MEM), 3 * 4096 + 4096 + 8192);
    assert_int_equal(redact_report_item(&w.rep, STACKS)->count, 1);
    assert_int_equal(redact_report_item(&w.rep, STACKS)->bytes, 3 * 4096);
    free(w.plan.r);

    put64(VM + 16, 1ull << 40);
    put64(FAKE_CACHED_STACKS, VA(VM)); /* CPU 0's first too: the same vm_struct */
    walk_with(&w, 1 << 20);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "2 cached stacks of no sane address or size"));
    assert_int_equal(redact_plan_erased_bytes(&w.plan, STACK, 3 * 4096), 0);
    assert_null(redact_report_item(&w.rep, STACKS));
    free(w.plan.r);
}

/* A report out of room says how many more things were not redacted: none is dropped unsaid. */
static void report_counts_what_did_not_fit(void **state)
{
    static struct lb_redaction_report rep;
    struct redact_ctx c = {.rep = &rep};
    char want[64];

    (void)state;
    for (int i = 0; i < LB_REDACT_MAX_MISSING + 5; i++)
        lb_redact_missing(&c, "thing %d", i);
    assert_int_equal(rep.nnot_found, LB_REDACT_MAX_MISSING);
    snprintf(want, sizeof(want), "thing %d", LB_REDACT_MAX_MISSING - 2);
    assert_string_equal(rep.not_found[LB_REDACT_MAX_MISSING - 2], want);
    assert_non_null(strstr(rep.not_found[LB_REDACT_MAX_MISSING - 1], "6 more things not redacted"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(free_pages_erased),    cmocka_unit_test(blocks_at_their_orders),
        cmocka_unit_test(hostile_lists),        cmocka_unit_test(budget_and_absurd_layouts),
        cmocka_unit_test(cached_stacks_erased), cmocka_unit_test(report_counts_what_did_not_fit),
    };
    (void)has_note;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
