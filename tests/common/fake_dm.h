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

#endif
