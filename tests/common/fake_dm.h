/*
 * fake_dm.h - device-mapper built into the tests' fake kernel, with one
 * dm-crypt volume: for the unit tests of redaction's dm-crypt walk
 * (lib/kernel/redact_dm.c) and the fuzzers' seeds.
 */
#ifndef LIFEBOAT_TEST_FAKE_DM_H
#define LIFEBOAT_TEST_FAKE_DM_H

#include <stdint.h>

#include "fake_kernel.h"

#define FAKE_VA(phys) (FAKE_KERNEL_VA + (phys))

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
    /* with device-mapper as modules (fake_kernel_dm_modules) */
    DM_BTF = 0x23000, /* the modules' split BTF */
    CRYPT_BTF = 0x23800,
    MODULES = 0x24000, /* the list's head */
    MOD_DM = 0x24100,  /* struct modules: list at +8, name at +24, kallsyms at +80 */
    MOD_CRYPT = 0x24300,
    DM_KALLSYMS = 0x24500,
    DM_SYMTAB = 0x24600,
    DM_STRTAB = 0x24700,
    BTF_MODULES = 0x24800, /* the list's head */
    BTF_MOD_DM = 0x24900,
    BTF_MOD_CRYPT = 0x24980,
    BTF_OBJ_DM = 0x24a00, /* struct btf: data at +0, data_size at +80 */
    BTF_OBJ_CRYPT = 0x24b00,
    CRYPT_KALLSYMS = 0x24c00,
    KEY_SIZE = 64,
    XTS_CTX = 24, /* child, tweak, and a word of its own */
    AES_CTX = 484,
};

/*
 * On a fake_kernel_init'ed mem: its own symbols and BTF (the types the walk
 * reads), a crypt device (its table's second target is crypt, keyed with 64
 * bytes of 'K', its transform xts over two aes ciphers whose contexts start
 * with the key) and a linear device, as device-mapper built into the kernel
 * keeps them in name_rb_tree.
 */
void fake_kernel_dm(uint8_t *mem);
/*
 * The same devices with device-mapper and dm-crypt as modules: on the
 * kernel's module list, name_rb_tree in dm_mod's own symbol table, their
 * types in BTF split on the kernel's, on the kernel's btf_modules list.
 */
void fake_kernel_dm_modules(uint8_t *mem);

#endif
