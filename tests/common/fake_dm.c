/*
 * fake_dm.c - device-mapper and a dm-crypt volume in the fake kernel: see
 * fake_dm.h.  Laid out as Linux lays them, with offsets of its own, which
 * the BTF written here describes: the walk must read them from the BTF.
 */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_dm.h"

#define VA(phys) FAKE_VA(phys)

static void put64(uint8_t *mem, uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

static void put32(uint8_t *mem, uint64_t at, uint32_t v)
{
    memcpy(mem + at, &v, 4);
}

/* The base types' ids, which a split BTF refers to as its base's. */
struct base_ids {
    int u32, u64, u8, ch, vp, lh, rb;
};

/* The kernel's own types the walk reads: lists, rb-trees, the crypto API, modules. */
static struct base_ids base_types(struct btf *b)
{
    struct base_ids t;

    t.u32 = btf__add_int(b, "unsigned int", 4, 0);
    t.u64 = btf__add_int(b, "long unsigned int", 8, 0);
    t.u8 = btf__add_int(b, "unsigned char", 1, 0);
    t.ch = btf__add_int(b, "char", 1, BTF_INT_CHAR);
    t.vp = btf__add_ptr(b, 0);
    t.lh = btf__add_struct(b, "list_head", 16);
    btf__add_field(b, "next", t.vp, 0, 0);
    btf__add_field(b, "prev", t.vp, 64, 0);
    t.rb = btf__add_struct(b, "rb_node", 24);
    btf__add_field(b, "__rb_parent_color", t.u64, 0, 0);
    btf__add_field(b, "rb_right", t.vp, 64, 0);
    btf__add_field(b, "rb_left", t.vp, 128, 0);
    int name = btf__add_array(b, t.u32, t.ch, 128);
    btf__add_struct(b, "crypto_alg", 160);
    btf__add_field(b, "cra_list", t.lh, 0, 0);
    btf__add_field(b, "cra_ctxsize", t.u32, 24 * 8, 0);
    btf__add_field(b, "cra_alignmask", t.u32, 28 * 8, 0);
    btf__add_field(b, "cra_name", name, 32 * 8, 0);
    int ctx = btf__add_array(b, t.u32, t.vp, 0);
    int tfm = btf__add_struct(b, "crypto_tfm", 32);
    btf__add_field(b, "__crt_alg", t.vp, 24 * 8, 0);
    btf__add_field(b, "__crt_ctx", ctx, 32 * 8, 0);
    btf__add_struct(b, "crypto_skcipher", 40);
    btf__add_field(b, "reqsize", t.u32, 0, 0);
    btf__add_field(b, "base", tfm, 8 * 8, 0);
    btf__add_struct(b, "crypto_cipher", 32);
    btf__add_field(b, "base", tfm, 0, 0);
    int mod_name = btf__add_array(b, t.u32, t.ch, 56);
    btf__add_struct(b, "module", 96);
    btf__add_field(b, "list", t.lh, 8 * 8, 0);
    btf__add_field(b, "name", mod_name, 24 * 8, 0);
    btf__add_field(b, "kallsyms", t.vp, 80 * 8, 0);
    btf__add_struct(b, "mod_kallsyms", 32);
    btf__add_field(b, "symtab", t.vp, 0, 0);
    btf__add_field(b, "num_symtab", t.u32, 8 * 8, 0);
    btf__add_field(b, "strtab", t.vp, 16 * 8, 0);
    btf__add_struct(b, "btf_module", 48);
    btf__add_field(b, "list", t.lh, 0, 0);
    btf__add_field(b, "module", t.vp, 16 * 8, 0);
    btf__add_field(b, "btf", t.vp, 24 * 8, 0);
    btf__add_struct(b, "btf", 96);
    btf__add_field(b, "data", t.vp, 0, 0);
    btf__add_field(b, "data_size", t.u32, 80 * 8, 0);
    return t;
}

/* dm_mod's types. */
static void dm_types(struct btf *b, const struct base_ids *t)
{
    btf__add_struct(b, "hash_cell", 72);
    btf__add_field(b, "name_node", t->rb, 0, 0);
    btf__add_field(b, "uuid_node", t->rb, 24 * 8, 0);
    btf__add_field(b, "md", t->vp, 56 * 8, 0);
    btf__add_field(b, "new_map", t->vp, 64 * 8, 0);
    btf__add_struct(b, "mapped_device", 64);
    btf__add_field(b, "map", t->vp, 16 * 8, 0);
    btf__add_struct(b, "dm_table", 32);
    btf__add_field(b, "num_targets", t->u32, 8 * 8, 0);
    btf__add_field(b, "targets", t->vp, 16 * 8, 0);
    btf__add_struct(b, "dm_target", 64);
    btf__add_field(b, "type", t->vp, 8 * 8, 0);
    btf__add_field(b, "private", t->vp, 40 * 8, 0);
    btf__add_struct(b, "target_type", 16);
    btf__add_field(b, "name", t->vp, 8 * 8, 0);
}

/* dm_crypt's. */
static void crypt_types(struct btf *b, const struct base_ids *t)
{
    int tfms = btf__add_union(b, NULL, 8);
    btf__add_field(b, "tfms", t->vp, 0, 0);
    btf__add_field(b, "tfms_aead", t->vp, 0, 0);
    int key = btf__add_array(b, t->u32, t->u8, 0);
    btf__add_struct(b, "crypt_config", 56);
    btf__add_field(b, "cipher_tfm", tfms, 32 * 8, 0);
    btf__add_field(b, "tfms_count", t->u32, 40 * 8, 0);
    btf__add_field(b, "key_size", t->u32, 48 * 8, 0);
    btf__add_field(b, "key", key, 56 * 8, 0);
}

/* b's raw data at mem + at, at most cap bytes; its size. */
static size_t put_btf(uint8_t *mem, uint64_t at, size_t cap, const struct btf *b)
{
    uint32_t size;
    const void *raw = btf__raw_data(b, &size);

    if (!raw || size > cap)
        abort();
    memcpy(mem + at, raw, size);
    return size;
}

static void alg(uint8_t *mem, uint64_t at, const char *name, uint32_t ctxsize)
{
    put32(mem, at + 24, ctxsize);
    snprintf((char *)mem + at + 32, 128, "%s", name);
}

static void target(uint8_t *mem, uint64_t at, uint64_t type, uint64_t private)
{
    put64(mem, at + 8, VA(type));
    put64(mem, at + 40, private ? VA(private) : 0);
}

/* The devices, tables, targets, the volume and its transforms. */
static void devices(uint8_t *mem)
{
    /* the tree: the crypt device at its root, the linear one to its right */
    put64(mem, NAME_TREE, VA(CELL_CRYPT));
    put64(mem, CELL_CRYPT + 8, VA(CELL_LINEAR));
    put64(mem, CELL_CRYPT + 56, VA(MD_CRYPT));
    put64(mem, CELL_LINEAR + 56, VA(MD_LINEAR));
    put64(mem, MD_CRYPT + 16, VA(TABLE_CRYPT));
    put64(mem, MD_LINEAR + 16, VA(TABLE_LINEAR));
    put32(mem, TABLE_CRYPT + 8, 2);
    put64(mem, TABLE_CRYPT + 16, VA(TARGETS_CRYPT));
    put32(mem, TABLE_LINEAR + 8, 1);
    put64(mem, TABLE_LINEAR + 16, VA(TARGETS_LINEAR));
    put64(mem, TYPE_LINEAR + 8, VA(NAME_LINEAR));
    put64(mem, TYPE_CRYPT + 8, VA(NAME_CRYPT));
    memcpy(mem + NAME_LINEAR, "linear", 7);
    memcpy(mem + NAME_CRYPT, "crypt", 6);
    target(mem, TARGETS_CRYPT, TYPE_LINEAR, 0x21700); /* a linear target's private: not a key */
    memset(mem + 0x21700, 'L', 64);
    target(mem, TARGETS_CRYPT + 64, TYPE_CRYPT, CC);
    target(mem, TARGETS_LINEAR, TYPE_LINEAR, 0x21700);
    /* the volume: a 64-byte key, one xts transform */
    put64(mem, CC + 32, VA(TFMS));
    put32(mem, CC + 40, 1);
    put32(mem, CC + 48, KEY_SIZE);
    memset(mem + CC + 56, 'K', KEY_SIZE);
    put64(mem, TFMS, VA(XTS));
    /* the algorithms, on their list */
    put64(mem, ALG_LIST, VA(ALG_XTS));
    put64(mem, ALG_XTS, VA(ALG_AES));
    put64(mem, ALG_XTS + 8, VA(ALG_LIST));
    put64(mem, ALG_AES, VA(ALG_LIST));
    put64(mem, ALG_AES + 8, VA(ALG_XTS));
    put64(mem, ALG_LIST + 8, VA(ALG_AES));
    alg(mem, ALG_XTS, "xts(aes)", XTS_CTX);
    alg(mem, ALG_AES, "aes", AES_CTX);
    /* xts: a skcipher whose context holds its two aes ciphers and a word of its own */
    put64(mem, XTS + 8 + 24, VA(ALG_XTS));
    put64(mem, XTS + 40, VA(AES_DATA));
    put64(mem, XTS + 48, VA(AES_TWEAK));
    memset(mem + XTS + 56, 'X', 8);
    /* the aes ciphers' contexts: key schedules that start with the key's bytes */
    put64(mem, AES_DATA + 24, VA(ALG_AES));
    memset(mem + AES_DATA + 32, 'K', AES_CTX);
    put64(mem, AES_TWEAK + 24, VA(ALG_AES));
    memset(mem + AES_TWEAK + 32, 'K', AES_CTX);
}

void fake_kernel_dm(uint8_t *mem)
{
    struct btf *b = btf__new_empty();
    struct base_ids t = base_types(b);

    dm_types(b, &t);
    crypt_types(b, &t);
    size_t btf_size = put_btf(mem, FAKE_BTF, FAKE_TASKS - FAKE_BTF, b);
    btf__free(b);
    const struct fake_symbol syms[] = {
        {"_stext", VA(FAKE_STEXT)},
        {"_etext", VA(FAKE_ETEXT)},
        {"name_rb_tree", VA(NAME_TREE)},
        {"__start_BTF", VA(FAKE_BTF)},
        {"__stop_BTF", VA(FAKE_BTF + btf_size)},
    };
    fake_kernel_symbols(mem, syms, sizeof(syms) / sizeof(syms[0]));
    devices(mem);
}

/* A struct module named name, with its symbol table (struct mod_kallsyms) at kallsyms. */
static void module(uint8_t *mem, uint64_t mod, const char *name, uint64_t kallsyms)
{
    snprintf((char *)mem + mod + 24, 56, "%s", name);
    put64(mem, mod + 80, VA(kallsyms));
}

/* A btf_module: the module's BTF, as the kernel's BPF keeps it. */
static void btf_module(uint8_t *mem, uint64_t at, uint64_t mod, uint64_t btf, uint64_t data,
                       size_t size)
{
    put64(mem, at + 16, VA(mod));
    put64(mem, at + 24, VA(btf));
    put64(mem, btf, VA(data));
    put32(mem, btf + 80, (uint32_t)size);
}

void fake_kernel_dm_modules(uint8_t *mem)
{
    struct btf *base = btf__new_empty();
    struct base_ids t = base_types(base);
    size_t btf_size = put_btf(mem, FAKE_BTF, FAKE_TASKS - FAKE_BTF, base);
    struct btf *dm = btf__new_empty_split(base), *crypt = btf__new_empty_split(base);

    dm_types(dm, &t);
    crypt_types(crypt, &t);
    size_t dm_size = put_btf(mem, DM_BTF, CRYPT_BTF - DM_BTF, dm);
    size_t crypt_size = put_btf(mem, CRYPT_BTF, MODULES - CRYPT_BTF, crypt);
    btf__free(crypt);
    btf__free(dm);
    btf__free(base);
    const struct fake_symbol syms[] = {
        {"_stext", VA(FAKE_STEXT)},    {"_etext", VA(FAKE_ETEXT)},
        {"modules", VA(MODULES)},      {"btf_modules", VA(BTF_MODULES)},
        {"__start_BTF", VA(FAKE_BTF)}, {"__stop_BTF", VA(FAKE_BTF + btf_size)},
    };
    fake_kernel_symbols(mem, syms, sizeof(syms) / sizeof(syms[0]));
    /* modules: head -> dm_crypt -> dm_mod -> head (the newest first, as the kernel adds them) */
    put64(mem, MODULES, VA(MOD_CRYPT + 8));
    put64(mem, MOD_CRYPT + 8, VA(MOD_DM + 8));
    put64(mem, MOD_DM + 8, VA(MODULES));
    module(mem, MOD_DM, "dm_mod", DM_KALLSYMS);
    module(mem, MOD_CRYPT, "dm_crypt", CRYPT_KALLSYMS);
    /* dm_mod's symbols: name_rb_tree among others (Elf64_Sym: st_name, st_value at 8) */
    static const char strtab[] = "\0dm_get\0name_rb_tree";
    memcpy(mem + DM_STRTAB, strtab, sizeof(strtab));
    put32(mem, DM_SYMTAB + 24, 1);
    put64(mem, DM_SYMTAB + 24 + 8, VA(0x10100));
    put32(mem, DM_SYMTAB + 48, 8);
    put64(mem, DM_SYMTAB + 48 + 8, VA(NAME_TREE));
    put64(mem, DM_KALLSYMS, VA(DM_SYMTAB));
    put32(mem, DM_KALLSYMS + 8, 3);
    put64(mem, DM_KALLSYMS + 16, VA(DM_STRTAB));
    /* btf_modules: head -> dm_mod's -> dm_crypt's -> head */
    put64(mem, BTF_MODULES, VA(BTF_MOD_DM));
    put64(mem, BTF_MOD_DM, VA(BTF_MOD_CRYPT));
    put64(mem, BTF_MOD_CRYPT, VA(BTF_MODULES));
    btf_module(mem, BTF_MOD_DM, MOD_DM, BTF_OBJ_DM, DM_BTF, dm_size);
    btf_module(mem, BTF_MOD_CRYPT, MOD_CRYPT, BTF_OBJ_CRYPT, CRYPT_BTF, crypt_size);
    devices(mem);
}
