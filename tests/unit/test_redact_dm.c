/*
 * test_redact_dm.c - dm-crypt's keys (lib/kernel/redact_dm.c) on the fake
 * kernel of tests/common, with device-mapper built in: a device with a
 * crypt target whose transform is xts over two aes ciphers, beside a
 * device with a linear target.  The key and every transform's context are
 * erased but the words that lead to the children; the linear device is left
 * alone.  Hostile variants end, bounded: a looping tree of devices, an
 * absurd key size or target count (named in the report), transforms that
 * point at each other.  And a module's split BTF, joined to its base, reads
 * as one; the modules' area is read through the page tables.
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

#include "../common/fake_dm.h"
#include "../common/fake_kernel.h"
#include "kernel/btf_util.h"
#include "kernel/redact.h"
#include "lbdump.h"

#include "fake_source.h"
#include "redact_report.h"

#define VA(phys) FAKE_VA(phys)

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
    fake_kernel_dm(mem);
}

/* lb_redact_dm_crypt on the fake as it is planted, as lb_source_redact would run it. */
static void walk(struct walked *w)
{
    redact_walk_fake(w, 1 << 20, lb_redact_dm_crypt);
}

/* The key and the schedules are erased; the children's pointers, the linear device, stay. */
static void crypt_keys_erased(void **state)
{
    struct walked w;

    (void)state;
    plant();
    walk(&w);
    if (w.r)
        print_error("%s\n", w.err.msg);
    assert_int_equal(w.r, 0);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, CC + 56, KEY_SIZE), KEY_SIZE);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, CC, 56),
                     0); /* the rest of crypt_config stays */
    assert_int_equal(redact_plan_erased_bytes(&w.plan, AES_DATA + 32, AES_CTX), AES_CTX);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, AES_TWEAK + 32, AES_CTX), AES_CTX);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, XTS + 56, 8), 8); /* xts's own word */
    assert_int_equal(redact_plan_erased_bytes(&w.plan, XTS + 40, 16),
                     0); /* its children's pointers */
    assert_int_equal(redact_plan_erased_bytes(&w.plan, AES_DATA, 32),
                     0); /* the transforms themselves */
    assert_int_equal(redact_plan_erased_bytes(&w.plan, 0x21700, 64), 0);  /* a linear target's */
    assert_int_equal(redact_plan_erased_bytes(&w.plan, ALG_AES, 160), 0); /* the algorithms */
    assert_int_equal(redact_report_count(&w.rep, "crypt_config.key (dm-crypt)"), 1);
    assert_int_equal(redact_report_count(&w.rep, "crypto tfm context (dm-crypt)") >= 3, 1);
    assert_int_equal(w.rep.nnot_found, 0);
    free(w.plan.r);

    /* a table loaded and not resumed (hash_cell.new_map) holds a key too */
    plant();
    put64(MD_CRYPT + 16, 0);
    put64(CELL_CRYPT + 64, VA(TABLE_CRYPT));
    walk(&w);
    assert_int_equal(w.r, 0);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, CC + 56, KEY_SIZE), KEY_SIZE);
    free(w.plan.r);
}

/* Hostile structures end within their bounds; what is absurd is named, never passed over. */
static void hostile_structures(void **state)
{
    struct walked w;

    (void)state;
    plant(); /* a tree that loops on itself */
    put64(CELL_LINEAR + 16, VA(CELL_CRYPT));
    walk(&w);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "dm-crypt: dm's name_rb_tree is deeper than"));
    free(w.plan.r);

    plant(); /* an absurd key size */
    put32(CC + 48, 0xffffffffu);
    walk(&w);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "claims a key of 4294967295 bytes"));
    assert_int_equal(redact_plan_erased_bytes(&w.plan, CC + 56, KEY_SIZE), 0);
    free(w.plan.r);

    plant(); /* a table of a billion targets */
    put32(TABLE_CRYPT + 8, 1u << 30);
    walk(&w);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "claims 1073741824 targets"));
    free(w.plan.r);

    plant(); /* transforms that lead to each other, and an algorithm off its list */
    put64(XTS + 56, VA(AES_DATA));
    put64(AES_DATA + 32, VA(XTS));
    put64(AES_TWEAK + 32, VA(AES_TWEAK));
    put64(ALG_XTS + 8, 0);
    walk(&w);
    assert_int_equal(w.r, 0);
    /* xts's algorithm is off its list: not a transform, its context left (and named nowhere:
     * a pointer that is no transform is no key) */
    assert_int_equal(redact_report_count(&w.rep, "crypt_config.key (dm-crypt)"), 1);
    free(w.plan.r);

    plant();                                 /* a budget that runs out fails the class */
    put64(CELL_LINEAR + 8, VA(CELL_LINEAR)); /* the right link loops: the walk never ends */
    walk(&w);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "budget of steps"));
    free(w.plan.r);
}

/* The same with device-mapper and dm-crypt as modules: found by their own symbols and BTF. */
static void crypt_keys_erased_in_modules(void **state)
{
    struct walked w;

    (void)state;
    fake_kernel_init(mem);
    fake_kernel_dm_modules(mem);
    walk(&w);
    if (w.r)
        print_error("%s\n", w.err.msg);
    assert_int_equal(w.r, 0);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, CC + 56, KEY_SIZE), KEY_SIZE);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, AES_DATA + 32, AES_CTX), AES_CTX);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, AES_TWEAK + 32, AES_CTX), AES_CTX);
    assert_int_equal(redact_plan_erased_bytes(&w.plan, XTS + 40, 16), 0);
    free(w.plan.r);

    /* dm_crypt not loaded: no volume can exist, nothing to do, nothing to name */
    fake_kernel_init(mem);
    fake_kernel_dm_modules(mem);
    put64(MODULES, VA(MOD_DM + 8));
    walk(&w);
    assert_int_equal(w.r, 0);
    assert_int_equal(w.plan.n, 0);
    assert_int_equal(w.rep.nnot_found, 0);
    free(w.plan.r);
}

/* A module list that loops, a symbol table or a BTF of absurd size: the class fails, naming it. */
static void hostile_modules(void **state)
{
    static const struct {
        uint64_t at;
        uint64_t value;
        int width;
        const char *says;
    } cases[] = {
        {MOD_DM + 8, VA(MOD_CRYPT + 8), 8, "dm-crypt: the kernel's module list loops"},
        {MOD_DM + 8, 0, 8, "the kernel's module list breaks after 2 modules"},
        {DM_KALLSYMS + 8, 1u << 30, 4, "dm_mod: the module's symbol table is not there"},
        {DM_STRTAB + 8, 'N', 1, "dm_mod: the module has no symbol name_rb_tree"},
        {BTF_OBJ_CRYPT + 80, 1u << 30, 4, "dm_crypt: the module's BTF is absurd"},
        {BTF_OBJ_DM + 80, 40, 4, "dm_mod: a module's BTF has no sane header"},
        {BTF_MOD_DM, VA(BTF_MOD_DM), 8, "dm_crypt: the kernel's btf_modules list loops"},
        {BTF_MOD_DM, 0, 8, "dm_crypt: the kernel's btf_modules list breaks"},
        {BTF_MOD_CRYPT + 16, 0, 8, "dm_crypt: the module's BTF is not in the kernel's btf_modules"},
    };
    struct walked w;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_kernel_init(mem);
        fake_kernel_dm_modules(mem);
        memcpy(mem + cases[i].at, &cases[i].value, (size_t)cases[i].width);
        walk(&w);
        if (w.r == 0 || !strstr(w.err.msg, cases[i].says))
            print_error("case %zu: %d %s\n", i, w.r, w.r ? w.err.msg : "");
        assert_int_equal(w.r, -1);
        assert_non_null(strstr(w.err.msg, cases[i].says));
        free(w.plan.r);
    }
}

/*
 * Modules live above the kernel image's mapping (MODULES_VADDR, KERNEL_IMAGE_SIZE past
 * __START_KERNEL_map), mapped page by page: read through the page tables, not as the image.
 */
static void module_area_read_by_page_tables(void **state)
{
    struct lb_kernel *k;
    struct lb_error err;
    char *path, got[16];

    (void)state;
    plant();
    put64(0x5000 + 511 * 8, 0x3f000 | 3); /* the PUD's last entry: a PMD table */
    put64(0x3f000, 0x83);                 /* its first 2 MiB: the memory from frame 0 */
    struct lb_source *src = open_fake(&path);
    assert_int_equal(lb_kernel_open(src, &k, &err), 0);
    assert_int_equal(lb_kernel_read(k, 0xffffffffc0000000ull + NAME_CRYPT, got, 6, &err), 0);
    assert_memory_equal(got, "crypt", 6);
    lb_kernel_close(k);
    close_fake(src, path);
}

/* A module's BTF, split on the kernel's, joined to it: its types and their references read. */
static void split_btf_joined(void **state)
{
    struct btf *base = btf__new_empty(), *joined;
    struct lb_error err;
    uint32_t size;

    (void)state;
    int u32 = btf__add_int(base, "unsigned int", 4, 0);
    btf__add_struct(base, "list_head", 16);
    struct btf *split = btf__new_empty_split(base);
    btf__add_struct(split, "crypt_config", 16);
    btf__add_field(split, "key_size", u32, 64, 0);
    const void *raw = btf__raw_data(split, &size);
    assert_non_null(raw);
    joined = lb_btf_join_split(base, raw, size, &err);
    assert_non_null(joined);
    int id = lb_btf_struct(joined, "crypt_config");
    assert_true(id > 0);
    assert_int_equal(lb_btf_member_offset(joined, id, "key_size"), 8);
    assert_int_equal(lb_btf_member_size(joined, id, "key_size"), 4);
    assert_true(lb_btf_struct(joined, "list_head") > 0);
    btf__free(joined);
    /* a header that claims more than the data holds */
    uint8_t *bad = malloc(size);
    memcpy(bad, raw, size);
    uint32_t huge = 1u << 30;
    memcpy(bad + 12, &huge, 4); /* type_len */
    assert_null(lb_btf_join_split(base, bad, size, &err));
    assert_non_null(strstr(err.msg, "no sane header"));
    free(bad);
    btf__free(split);
    btf__free(base);
}

int main(void)
{
    (void)has_note;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crypt_keys_erased),
        cmocka_unit_test(hostile_structures),
        cmocka_unit_test(crypt_keys_erased_in_modules),
        cmocka_unit_test(hostile_modules),
        cmocka_unit_test(split_btf_joined),
        cmocka_unit_test(module_area_read_by_page_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
