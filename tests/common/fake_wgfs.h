/*
 * fake_wgfs.h - fscrypt's, blk-crypto-fallback's and WireGuard's keys in
 * the tests' fake kernel (fake_wgfs.c): for the unit tests of redaction's
 * walks of them (lib/kernel/redact_fscrypt.c, redact_wg.c) and the fuzzers'
 * seeds.  Their types join the fake's BTF (fake_kernel.c calls
 * fake_wgfs_types), so a fake without fake_kernel_wgfs has them and nothing
 * of them planted.
 */
#ifndef LIFEBOAT_TEST_FAKE_WGFS_H
#define LIFEBOAT_TEST_FAKE_WGFS_H

#include <bpf/btf.h>
#include <stdint.h>

#include "fake_kernel.h"

/* Physical addresses (offsets in mem). */
enum {
    FS_SUPERS = 0x24800, /* super_blocks: a list_head (empty unless fake_kernel_wgfs) */
    FS_SB = 0x24840,     /* a super_block: s_list +0, s_master_keys +16 */
    FS_SB2 = 0x24880,    /* one without keys */
    FS_RING = 0x24900,   /* fscrypt_keyring: key_hashtable[4] at +8, bucket 1 -> FS_MK -> FS_MK2 */
    FS_MK = 0x24a00,     /* fscrypt_master_key: mk_secret +16 (6.1: hkdf.hmac_tfm +0, raw[64] 'M'
                            at +12; 7.3: 128 bytes of HMAC key 'M', then raw[64] 'M'),
                            mk_decrypted_inodes +240, 6.1: prepared-key arrays at +256, +288,
                            +320 (two of 16 bytes each: tfm, blk_key); 7.3: mk_mode_keys +256;
                            mk_ino_hash_key +352 ('I' * 16) */
    FS_MK2 = 0x24b80,    /* the second key of the bucket: secret 'm' */
    FS_INFO = 0x24d00,   /* fscrypt_info (fscrypt_inode_info in 7.3): ci_enc_key +0,
                            ci_master_key_link +16, ci_direct_key +32, ci_dirhash_key +40 ('h') */
    FS_BLK = 0x24d80,    /* blk_crypto_key: raw (7.3: bytes) at +16, 64 bytes of 'B' */
    FS_MODE_KEY = 0x24e00,  /* 7.3: fscrypt_mode_key: key +0, link +16 */
    FS_TFM = 0x24f00,       /* the direct key's transform (a crypto_cipher "aes"): context 'P' */
    FS_HMAC_TFM = 0x25000,  /* 6.1: the HKDF's HMAC transform: context 'Q' */
    FS_INODE_TFM = 0x25100, /* the inode's own key's transform: context 'F' */
    FS_SLOTS = 0x25200,     /* blk-crypto-fallback's keyslots: 2 of 40 bytes, tfms[4] at +8 */
    FS_SLOTS_VAR = 0x25300, /* blk_crypto_keyslots (a pointer), blk_crypto_num_keyslots at +8 */
    FS_SLOT_TFM = 0x25400,  /* slot 1's tfms[1]: context 'Z' */
    WG_LO = 0x26a00,        /* net_devices: dev_list +16, rtnl_link_ops +32, 64 bytes; a loopback */
    WG_OPS = 0x26a80,       /* rtnl_link_ops: kind +8 -> WG_KIND "wireguard" */
    WG_KIND = 0x26ac0,
    WG_DEV = 0x26b00,  /* the wireguard interface; its wg_device at +64 (WG_PRIV) */
    WG_PRIV = 0x26b40, /* wg_device: dev +0, static_identity +16 (static_public 'u' * 32,
                          static_private 'W' * 32 at +48), peer_list +96, cookie_checker +112
                          (secret 'C' * 32) */
    WG_PEER = 0x26c00, /* wg_peer: keypairs +16 (current, previous, next), handshake +48:
                          ephemeral_private +8 'e', precomputed_static_static +40 'p',
                          preshared_key +72 'k', chaining_key +104 'c', hash +136 'h',
                          remote_static +168 'r'; peer_list +248, latest_cookie +264
                          (cookie +16: 'c' * 16) */
    WG_KP = 0x26e00,   /* noise_keypair: sending +16, receiving +64: keys 'S', 'R' * 32 */
};

/* The types of fscrypt, blk-crypto-fallback and WireGuard, 7.3's shape if shape7. */
void fake_wgfs_types(struct btf *b, int shape7);
/*
 * On a fake_kernel_net'ed mem: a super_block with a keyring of two master
 * keys, the first with prepared keys (a transform, a blk_crypto_key) and an
 * unlocked inode; blk-crypto-fallback's keyslots with a keyed transform; a
 * WireGuard interface in init_net beside a loopback, with a peer whose
 * handshake and current keypair are keyed.
 */
void fake_kernel_wgfs(uint8_t *mem);

#endif
