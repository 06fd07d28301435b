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

/* The types the walk reads, laid out as fake_dm.h says. */
static size_t write_btf(uint8_t *mem)
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
    if (!raw || FAKE_BTF + size > FAKE_TASKS)
        abort();
    memcpy(mem + FAKE_BTF, raw, size);
    btf__free(b);
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

void fake_kernel_dm(uint8_t *mem)
{
    size_t btf_size;

    btf_size = write_btf(mem);
    const struct fake_symbol syms[] = {
        {"_stext", VA(FAKE_STEXT)},
        {"_etext", VA(FAKE_ETEXT)},
        {"name_rb_tree", VA(NAME_TREE)},
        {"__start_BTF", VA(FAKE_BTF)},
        {"__stop_BTF", VA(FAKE_BTF + btf_size)},
    };
    fake_kernel_symbols(mem, syms, sizeof(syms) / sizeof(syms[0]));
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
