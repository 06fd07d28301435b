/*
 * test_kernels.c - the engine on the shapes of the kernels it supports, from
 * the oldest to the newest: the fake kernel of tests/common as Linux 6.1
 * (kallsyms offsets from kallsyms_relative_base, page.compound_head, PG_slab)
 * and as Linux 7.3 (no kallsyms_relative_base: offsets relative to their own
 * places; page.compound_info; page types in the top byte of page_type).
 * Each shape is read only through what its VMCOREINFO says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/fake_kernel.h"
#include "kernel/kernel.h"
#include "lbdump.h"

#include "fake_source.h"

/* The triage of either shape: symbols, the panicking CPU's stack and every task. */
static void triage_is_complete(enum fake_shape shape)
{
    struct lb_kallsyms *ks;
    struct lb_triage t;
    struct lb_kernel *k;
    struct lb_error err;
    uint64_t addr;
    char *path;

    fake_kernel_init_shape(mem, shape);
    fake_kernel_tasks(mem, 12, 0);
    struct lb_source *src = open_fake(&path);
    assert_int_equal(lb_kernel_open(src, &k, &err), 0);
    assert_int_equal(lb_kallsyms_load(k, &ks, &err), 0);
    /* _stext, four file and line discipline operations, _etext, slab_caches and
       page_offset_base, the free lists' and stacks' four, the BTF pair, init_task, panic_cpu,
       net_namespace_list, super_blocks and blk-crypto-fallback's two (fake_wgfs.h) */
    assert_int_equal(lb_kallsyms_count(ks), 20);
    assert_int_equal(lb_kallsyms_address(ks, "init_task", &addr), 0);
    assert_int_equal(addr, FAKE_KERNEL_VA + FAKE_TASKS);
    assert_int_equal(lb_kallsyms_address(ks, "panic_cpu", &addr), 0);
    assert_int_equal(addr, FAKE_KERNEL_VA + FAKE_PANIC_CPU);
    lb_kallsyms_free(ks);
    lb_kernel_close(k);

    lb_triage(src, &t);
    assert_string_equal(t.release, shape == FAKE_LINUX_7_3 ? "7.3.0-fuzz" : "6.1.0-fuzz");
    assert_false(has_note(&t, "kallsyms"));
    assert_int_equal(t.panicked, 1); /* panic_cpu read through its symbol */
    assert_true(t.nframes >= 1);
    assert_string_equal(t.frames[0].name, "_stext+0x10"); /* the saved rip, symbolized */
    assert_int_equal(t.ntasks, 12);
    assert_string_equal(t.tasks[11].comm, "task11");
    lb_triage_free(&t);
    close_fake(src, path);
}

static void triage_of_a_6_1_kernel(void **state)
{
    (void)state;
    triage_is_complete(FAKE_LINUX_6_1);
}

/* Linux 7.x: no kallsyms_relative_base in VMCOREINFO, each offset from its own place. */
static void triage_of_a_7_3_kernel(void **state)
{
    (void)state;
    triage_is_complete(FAKE_LINUX_7_3);
}

/* A 7.x table whose offsets do not lead to _stext: the error says where they led instead. */
static void damaged_7_3_offsets_are_named(void **state)
{
    (void)state;
    struct lb_kallsyms *ks = NULL;
    struct lb_kernel *k;
    struct lb_error err;
    char *path;

    fake_kernel_init_shape(mem, FAKE_LINUX_7_3);
    fake_kernel_tasks(mem, 4, 0);
    mem[FAKE_OFFSETS] ^= 0x40; /* _stext, the first symbol, moves by 64 bytes */
    struct lb_source *src = open_fake(&path);
    assert_int_equal(lb_kernel_open(src, &k, &err), 0);
    assert_int_equal(lb_kallsyms_load(k, &ks, &err), -1);
    assert_non_null(strstr(err.msg, "relative to their own place"));
    assert_non_null(strstr(err.msg, "no kallsyms_relative_base"));
    assert_non_null(strstr(err.msg, "not at VMCOREINFO's 0xffffffff80010000"));
    lb_kernel_close(k);
    close_fake(src, path);
}

static void put_page_field(uint64_t pfn, size_t off, uint64_t v, size_t len)
{
    memcpy(mem + FAKE_STRUCT_PAGES + pfn * 64 + off, &v, len);
}

/*
 * Struct pages as Linux 7.3 leaves them, classified at -d 31:
 *   40-47  a free buddy block of order 3 (type 0xf0 in page_type, the order in private)
 *   48-51  an anonymous huge page of order 2 (its head says anonymous: user data)
 *   56-63  a slab of order 3: its head typed slab, its tails marked by compound_info, as a
 *          pointer to the head (57-59) or as a mask to it (60-63, HugeTLB's vmemmap
 *          optimization); each tail's mapping word has its low bit set, as a tail's folio
 *          fields may, so a tail read as a page of its own would pass for user data
 */
static void classifier_reads_7_3_struct_pages(void **state)
{
    (void)state;
    const uint64_t head = 1ull << FAKE7_PG_HEAD;
    const uint64_t slab_head = FAKE_KERNEL_VA + FAKE_STRUCT_PAGES + 56 * 64;
    const uint64_t mask = ~((1ull << (3 + 6)) - 1); /* order 3, 64-byte struct pages */
    struct lb_classifier *c;
    struct lb_kernel *k;
    struct lb_error err;
    uint8_t cls[64];
    char *path;

    fake_kernel_init_shape(mem, FAKE_LINUX_7_3);
    fake_kernel_mem_map(mem);
    for (uint64_t pfn = 0; pfn < 64; pfn++)
        put_page_field(pfn, 48, 0xffffffffu, 4); /* _mapcount -1: no type, not mapped */
    put_page_field(40, 48, FAKE7_TYPE_BUDDY, 4);
    put_page_field(40, 40, 3, 8);
    put_page_field(48, 0, head, 8);
    put_page_field(48, 24, 0xffff888001234001ull, 8); /* an anon_vma, low bit set */
    put_page_field(48, 48, 0, 4);
    put_page_field(49, 0, 2, 8); /* folio->_flags_1: the order */
    put_page_field(56, 0, head, 8);
    put_page_field(56, 48, FAKE7_TYPE_SLAB, 4);
    put_page_field(57, 0, 3, 8);
    for (uint64_t pfn = 49; pfn < 52; pfn++)
        put_page_field(pfn, 8, (FAKE_KERNEL_VA + FAKE_STRUCT_PAGES + 48 * 64) | 1, 8);
    for (uint64_t pfn = 57; pfn < 64; pfn++) {
        put_page_field(pfn, 8, pfn < 60 ? slab_head | 1 : mask | 1, 8);
        put_page_field(pfn, 24, 0x100000001ull, 8);
    }
    struct lb_source *src = open_fake(&path);
    assert_int_equal(lb_kernel_open(src, &k, &err), 0);
    assert_int_equal(lb_classifier_open(k, 31, &c, &err), 0);
    lb_classify(c, 0, 64, cls);
    for (uint64_t pfn = 40; pfn < 48; pfn++)
        assert_int_equal(cls[pfn], LB_CLASS_FREE);
    for (uint64_t pfn = 48; pfn < 52; pfn++)
        assert_int_equal(cls[pfn], LB_CLASS_USER);
    for (uint64_t pfn = 52; pfn < 64; pfn++)
        assert_int_equal(cls[pfn], LB_CLASS_KEEP); /* the slab's tails too */
    lb_classifier_close(c);
    lb_kernel_close(k);
    close_fake(src, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(triage_of_a_6_1_kernel),
        cmocka_unit_test(triage_of_a_7_3_kernel),
        cmocka_unit_test(damaged_7_3_offsets_are_named),
        cmocka_unit_test(classifier_reads_7_3_struct_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
