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

#include "../common/fake_kernel.h"
#include "kernel/btf_util.h"
#include "kernel/redact.h"
#include "lbdump.h"

#include "fake_source.h"

#define VA(phys) (FAKE_KERNEL_VA + (phys))

/* Where the fake's device-mapper and crypto structures are (physical = offset in mem). */
enum {
    NAME_TREE = 0x21000,
    CELL_CRYPT = 0x21100,
    CELL_LINEAR = 0x21200,
    MD_CRYPT = 0x21300,
    MD_LINEAR = 0x21380,
    TABLE_CRYPT = 0x21400,
    TABLE_LINEAR = 0x21480,
    TARGETS_CRYPT = 0x21500, /* two dm_targets: linear, crypt */
    TARGETS_LINEAR = 0x21580,
    TYPE_LINEAR = 0x21600,
    TYPE_CRYPT = 0x21640,
    NAME_LINEAR = 0x21680,
    NAME_CRYPT = 0x216a0,
    CC = 0x21800, /* crypt_config: tfms at +32, tfms_count +40, key_size +48, key +56 */
    TFMS = 0x21900,
    XTS = 0x21a00, /* a crypto_skcipher: its crypto_tfm at +8, its context at +40 */
    ALG_XTS = 0x22000,
    ALG_AES = 0x22100,
    ALG_LIST = 0x22200,
    AES_DATA = 0x22400, /* crypto_ciphers: their crypto_tfm at +0, their contexts at +32 */
    AES_TWEAK = 0x22800,
    KEY_SIZE = 64,
    XTS_CTX = 24, /* child, tweak, and a word of its own */
    AES_CTX = 484,
};

static void put64(uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

static void put32(uint64_t at, uint32_t v)
{
    memcpy(mem + at, &v, 4);
}

/* The types the walk reads, laid out as above. */
static size_t write_btf(void)
{
    struct btf *b = btf__new_empty();
    uint32_t size;

    int u32 = btf__add_int(b, "unsigned int", 4, 0);
    int u64 = btf__add_int(b, "long unsigned int", 8, 0);
    int u8 = btf__add_int(b, "unsigned char", 1, 0);
    int ch = btf__add_int(b, "char", 1, BTF_INT_CHAR);
    int vp = btf__add_ptr(b, 0);
    int lh = btf__add_struct(b, "list_head", 16);
    btf__add_field(b, "next", vp, 0, 0);
    btf__add_field(b, "prev", vp, 64, 0);
    int rb = btf__add_struct(b, "rb_node", 24);
    btf__add_field(b, "__rb_parent_color", u64, 0, 0);
    btf__add_field(b, "rb_right", vp, 64, 0);
    btf__add_field(b, "rb_left", vp, 128, 0);
    btf__add_struct(b, "hash_cell", 72);
    btf__add_field(b, "name_node", rb, 0, 0);
    btf__add_field(b, "uuid_node", rb, 24 * 8, 0);
    btf__add_field(b, "md", vp, 56 * 8, 0);
    btf__add_field(b, "new_map", vp, 64 * 8, 0);
    btf__add_struct(b, "mapped_device", 64);
    btf__add_field(b, "map", vp, 16 * 8, 0);
    btf__add_struct(b, "dm_table", 32);
    btf__add_field(b, "num_targets", u32, 8 * 8, 0);
    btf__add_field(b, "targets", vp, 16 * 8, 0);
    btf__add_struct(b, "dm_target", 64);
    btf__add_field(b, "type", vp, 8 * 8, 0);
    btf__add_field(b, "private", vp, 40 * 8, 0);
    btf__add_struct(b, "target_type", 16);
    btf__add_field(b, "name", vp, 8 * 8, 0);
    int tfms = btf__add_union(b, NULL, 8);
    btf__add_field(b, "tfms", vp, 0, 0);
    btf__add_field(b, "tfms_aead", vp, 0, 0);
    int key = btf__add_array(b, u32, u8, 0);
    btf__add_struct(b, "crypt_config", 56);
    btf__add_field(b, "cipher_tfm", tfms, 32 * 8, 0);
    btf__add_field(b, "tfms_count", u32, 40 * 8, 0);
    btf__add_field(b, "key_size", u32, 48 * 8, 0);
    btf__add_field(b, "key", key, 56 * 8, 0);
    int name = btf__add_array(b, u32, ch, 128);
    btf__add_struct(b, "crypto_alg", 160);
    btf__add_field(b, "cra_list", lh, 0, 0);
    btf__add_field(b, "cra_ctxsize", u32, 24 * 8, 0);
    btf__add_field(b, "cra_alignmask", u32, 28 * 8, 0);
    btf__add_field(b, "cra_name", name, 32 * 8, 0);
    int ctx = btf__add_array(b, u32, vp, 0);
    int tfm = btf__add_struct(b, "crypto_tfm", 32);
    btf__add_field(b, "__crt_alg", vp, 24 * 8, 0);
    btf__add_field(b, "__crt_ctx", ctx, 32 * 8, 0);
    btf__add_struct(b, "crypto_skcipher", 40);
    btf__add_field(b, "reqsize", u32, 0, 0);
    btf__add_field(b, "base", tfm, 8 * 8, 0);
    btf__add_struct(b, "crypto_cipher", 32);
    btf__add_field(b, "base", tfm, 0, 0);
    const void *raw = btf__raw_data(b, &size);
    assert_non_null(raw);
    assert_true(FAKE_BTF + size <= FAKE_TASKS);
    memcpy(mem + FAKE_BTF, raw, size);
    btf__free(b);
    return size;
}

static void alg(uint64_t at, const char *name, uint32_t ctxsize)
{
    put32(at + 24, ctxsize);
    snprintf((char *)mem + at + 32, 128, "%s", name);
}

static void target(uint64_t at, uint64_t type, uint64_t private)
{
    put64(at + 8, VA(type));
    put64(at + 40, private ? VA(private) : 0);
}

/* A crypt device and a linear device, as device-mapper built into the kernel keeps them. */
static void plant(void)
{
    size_t btf_size;

    fake_kernel_init(mem);
    btf_size = write_btf();
    const struct fake_symbol syms[] = {
        {"_stext", VA(FAKE_STEXT)},
        {"_etext", VA(FAKE_ETEXT)},
        {"name_rb_tree", VA(NAME_TREE)},
        {"__start_BTF", VA(FAKE_BTF)},
        {"__stop_BTF", VA(FAKE_BTF + btf_size)},
    };
    fake_kernel_symbols(mem, syms, sizeof(syms) / sizeof(syms[0]));
    /* the tree: the crypt device at its root, the linear one to its right */
    put64(NAME_TREE, VA(CELL_CRYPT));
    put64(CELL_CRYPT + 8, VA(CELL_LINEAR));
    put64(CELL_CRYPT + 56, VA(MD_CRYPT));
    put64(CELL_LINEAR + 56, VA(MD_LINEAR));
    put64(MD_CRYPT + 16, VA(TABLE_CRYPT));
    put64(MD_LINEAR + 16, VA(TABLE_LINEAR));
    put32(TABLE_CRYPT + 8, 2);
    put64(TABLE_CRYPT + 16, VA(TARGETS_CRYPT));
    put32(TABLE_LINEAR + 8, 1);
    put64(TABLE_LINEAR + 16, VA(TARGETS_LINEAR));
    put64(TYPE_LINEAR + 8, VA(NAME_LINEAR));
    put64(TYPE_CRYPT + 8, VA(NAME_CRYPT));
    memcpy(mem + NAME_LINEAR, "linear", 7);
    memcpy(mem + NAME_CRYPT, "crypt", 6);
    target(TARGETS_CRYPT, TYPE_LINEAR, 0x21700); /* a linear target's private: not a key */
    memset(mem + 0x21700, 'L', 64);
    target(TARGETS_CRYPT + 64, TYPE_CRYPT, CC);
    target(TARGETS_LINEAR, TYPE_LINEAR, 0x21700);
    /* the volume: a 64-byte key, one xts transform */
    put64(CC + 32, VA(TFMS));
    put32(CC + 40, 1);
    put32(CC + 48, KEY_SIZE);
    memset(mem + CC + 56, 'K', KEY_SIZE);
    put64(TFMS, VA(XTS));
    /* the algorithms, on their list */
    put64(ALG_LIST, VA(ALG_XTS));
    put64(ALG_XTS, VA(ALG_AES));
    put64(ALG_XTS + 8, VA(ALG_LIST));
    put64(ALG_AES, VA(ALG_LIST));
    put64(ALG_AES + 8, VA(ALG_XTS));
    put64(ALG_LIST + 8, VA(ALG_AES));
    alg(ALG_XTS, "xts(aes)", XTS_CTX);
    alg(ALG_AES, "aes", AES_CTX);
    /* xts: a skcipher whose context holds its two aes ciphers and a word of its own */
    put64(XTS + 8 + 24, VA(ALG_XTS));
    put64(XTS + 40, VA(AES_DATA));
    put64(XTS + 48, VA(AES_TWEAK));
    memset(mem + XTS + 56, 'X', 8);
    /* the aes ciphers' contexts: key schedules that start with the key's bytes */
    put64(AES_DATA + 24, VA(ALG_AES));
    memset(mem + AES_DATA + 32, 'K', AES_CTX);
    put64(AES_TWEAK + 24, VA(ALG_AES));
    memset(mem + AES_TWEAK + 32, 'K', AES_CTX);
}

struct walked {
    struct redaction plan;
    struct lb_redaction_report rep;
    int r;
    struct lb_error err;
};

/* lb_redact_dm_crypt on the fake as it is planted, as lb_source_redact would run it. */
static void walk(struct walked *w)
{
    struct redact_ctx c = {.plan = &w->plan, .rep = &w->rep, .steps_left = 1 << 20, .ncpus = 2};
    char *path;
    struct lb_source *src = open_fake(&path);

    memset(w, 0, sizeof(*w));
    c.src = src;
    assert_int_equal(lb_kernel_open(src, &c.k, &w->err), 0);
    assert_int_equal(
        lb_kallsyms_load_only(c.k, lb_redact_symbols, lb_redact_nsymbols, &c.ks, &w->err), 0);
    c.btf = lb_btf_from_kernel(c.k, c.ks, &w->err);
    assert_non_null(c.btf);
    w->r = lb_redact_dm_crypt(&c, &w->err);
    btf__free(c.btf);
    lb_kallsyms_free(c.ks);
    lb_kernel_close(c.k);
    close_fake(src, path);
}

/* How many bytes of phys..phys+len the plan erases. */
static uint64_t erased_bytes(const struct redaction *p, uint64_t phys, uint64_t len)
{
    uint64_t n = 0;

    for (uint64_t at = phys; at < phys + len; at++)
        for (size_t i = 0; i < p->n; i++)
            if (p->r[i].start <= at && at < p->r[i].start + p->r[i].len) {
                n++;
                break;
            }
    return n;
}

static uint64_t count_of(const struct lb_redaction_report *r, const char *type)
{
    for (size_t i = 0; i < r->nerased; i++)
        if (strcmp(r->erased[i].type, type) == 0)
            return r->erased[i].count;
    return 0;
}

static int names(const struct lb_redaction_report *r, const char *words)
{
    for (size_t i = 0; i < r->nnot_found; i++)
        if (strstr(r->not_found[i], words))
            return 1;
    return 0;
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
    assert_int_equal(erased_bytes(&w.plan, CC + 56, KEY_SIZE), KEY_SIZE);
    assert_int_equal(erased_bytes(&w.plan, CC, 56), 0); /* the rest of crypt_config stays */
    assert_int_equal(erased_bytes(&w.plan, AES_DATA + 32, AES_CTX), AES_CTX);
    assert_int_equal(erased_bytes(&w.plan, AES_TWEAK + 32, AES_CTX), AES_CTX);
    assert_int_equal(erased_bytes(&w.plan, XTS + 56, 8), 8);  /* xts's own word */
    assert_int_equal(erased_bytes(&w.plan, XTS + 40, 16), 0); /* its children's pointers */
    assert_int_equal(erased_bytes(&w.plan, AES_DATA, 32), 0); /* the transforms themselves */
    assert_int_equal(erased_bytes(&w.plan, 0x21700, 64), 0);  /* a linear target's */
    assert_int_equal(erased_bytes(&w.plan, ALG_AES, 160), 0); /* the algorithms */
    assert_int_equal(count_of(&w.rep, "crypt_config.key (dm-crypt)"), 1);
    assert_int_equal(count_of(&w.rep, "crypto tfm context (dm-crypt)") >= 3, 1);
    assert_int_equal(w.rep.nnot_found, 0);
    free(w.plan.r);

    /* a table loaded and not resumed (hash_cell.new_map) holds a key too */
    plant();
    put64(MD_CRYPT + 16, 0);
    put64(CELL_CRYPT + 64, VA(TABLE_CRYPT));
    walk(&w);
    assert_int_equal(w.r, 0);
    assert_int_equal(erased_bytes(&w.plan, CC + 56, KEY_SIZE), KEY_SIZE);
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
    assert_true(names(&w.rep, "claims a key of 4294967295 bytes"));
    assert_int_equal(erased_bytes(&w.plan, CC + 56, KEY_SIZE), 0);
    free(w.plan.r);

    plant(); /* a table of a billion targets */
    put32(TABLE_CRYPT + 8, 1u << 30);
    walk(&w);
    assert_int_equal(w.r, 0);
    assert_true(names(&w.rep, "claims 1073741824 targets"));
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
    assert_int_equal(count_of(&w.rep, "crypt_config.key (dm-crypt)"), 1);
    free(w.plan.r);

    plant();                                 /* a budget that runs out fails the class */
    put64(CELL_LINEAR + 8, VA(CELL_LINEAR)); /* the right link loops: the walk never ends */
    walk(&w);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "budget of steps"));
    free(w.plan.r);
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
        cmocka_unit_test(split_btf_joined),
        cmocka_unit_test(module_area_read_by_page_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
