/*
 * fake_wgfs.c - fscrypt's keys, blk-crypto-fallback's keyslots and a
 * WireGuard interface in the tests' fake kernel: see fake_wgfs.h.  The
 * offsets are the fake's own, which the types written here describe: the
 * walks must read them from the BTF.
 */
#include <string.h>

#include "fake_net.h"
#include "fake_wgfs.h"

#define VA(phys) (FAKE_KERNEL_VA + (phys))

static void put64(uint8_t *mem, uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

struct ids {
    int u8, u32, u64, vp, lh;
};

/* A struct of fields {name, type, byte offset}, ended by a NULL name. */
struct field {
    const char *name;
    int type;
    uint32_t at;
};

static int add(struct btf *b, const char *name, uint32_t size, const struct field *f)
{
    int id = btf__add_struct(b, name, size);
    for (; f->name; f++)
        btf__add_field(b, f->name, f->type, f->at * 8, 0);
    return id;
}

static void fscrypt_types(struct btf *b, const struct ids *t, int shape7)
{
    int key16 = btf__add_array(b, t->u32, t->u8, 16), key64 = btf__add_array(b, t->u32, t->u8, 64);
    int buckets = btf__add_array(b, t->u32, t->vp, 4), tfms = btf__add_array(b, t->u32, t->vp, 4);

    add(b, "super_block", 32,
        (struct field[]){{"s_list", t->lh, 0}, {"s_master_keys", t->vp, 16}, {0}});
    add(b, "fscrypt_keyring", 40,
        (struct field[]){{"lock", t->u32, 0}, {"key_hashtable", buckets, 8}, {0}});
    add(b, "blk_crypto_key", 80,
        (struct field[]){{"size", t->u32, 12}, {shape7 ? "bytes" : "raw", key64, 16}, {0}});
    int pk = add(b, "fscrypt_prepared_key", 16,
                 (struct field[]){{"tfm", t->vp, 0}, {"blk_key", t->vp, 8}, {0}});
    int pks = btf__add_array(b, t->u32, pk, 2), secret;
    if (shape7) {
        int hmac = btf__add_array(b, t->u32, t->u8, 128);
        int hkdf = add(b, "hmac_sha512_key", 128, (struct field[]){{"key", hmac, 0}, {0}});
        secret = add(
            b, "fscrypt_master_key_secret", 200,
            (struct field[]){{"hkdf", hkdf, 0}, {"size", t->u32, 132}, {"bytes", key64, 136}, {0}});
        add(b, "fscrypt_mode_key", 32, (struct field[]){{"key", pk, 0}, {"link", t->lh, 16}, {0}});
    } else {
        int hkdf = add(b, "fscrypt_hkdf", 8, (struct field[]){{"hmac_tfm", t->vp, 0}, {0}});
        secret =
            add(b, "fscrypt_master_key_secret", 80,
                (struct field[]){{"hkdf", hkdf, 0}, {"size", t->u32, 8}, {"raw", key64, 12}, {0}});
    }
    const struct field mk6[] = {{"mk_node", t->lh, 0},
                                {"mk_secret", secret, 16},
                                {"mk_decrypted_inodes", t->lh, 240},
                                {"mk_direct_keys", pks, 256},
                                {"mk_iv_ino_lblk_64_keys", pks, 288},
                                {"mk_iv_ino_lblk_32_keys", pks, 320},
                                {"mk_ino_hash_key", key16, 352},
                                {0}},
                       mk7[] = {{"mk_node", t->lh, 0},
                                {"mk_secret", secret, 16},
                                {"mk_decrypted_inodes", t->lh, 240},
                                {"mk_mode_keys", t->lh, 256},
                                {"mk_ino_hash_key", key16, 352},
                                {0}};
    add(b, "fscrypt_master_key", 368, shape7 ? mk7 : mk6);
    add(b, shape7 ? "fscrypt_inode_info" : "fscrypt_info", 56,
        (struct field[]){{"ci_enc_key", pk, 0},
                         {"ci_master_key_link", t->lh, 16},
                         {"ci_direct_key", t->vp, 32},
                         {"ci_dirhash_key", key16, 40},
                         {0}});
    add(b, "fscrypt_direct_key", 120,
        (struct field[]){{"dk_key", pk, 40}, {"dk_raw", key64, 56}, {0}});
    add(b, "blk_crypto_fallback_keyslot", 40,
        (struct field[]){{"crypto_mode", t->u32, 0}, {"tfms", tfms, 8}, {0}});
}

static void wg_types(struct btf *b, const struct ids *t, int shape7)
{
    int key = btf__add_array(b, t->u32, t->u8, 32), priv = btf__add_array(b, t->u32, t->u8, 0);
    int cookie16 = btf__add_array(b, t->u32, t->u8, 16);

    add(b, "net_device", 64,
        shape7 ? (struct field[]){{"dev_list", t->lh, 16},
                                  {"rtnl_link_ops", t->vp, 32},
                                  {"priv", priv, 64},
                                  {0}}
               : (struct field[]){{"dev_list", t->lh, 16}, {"rtnl_link_ops", t->vp, 32}, {0}});
    add(b, "rtnl_link_ops", 16, (struct field[]){{"kind", t->vp, 8}, {0}});
    int id = add(b, "noise_static_identity", 64,
                 (struct field[]){{"static_public", key, 0}, {"static_private", key, 32}, {0}});
    int checker = add(b, "cookie_checker", 32, (struct field[]){{"secret", key, 0}, {0}});
    add(b, "wg_device", 144,
        (struct field[]){{"dev", t->vp, 0},
                         {"static_identity", id, 16},
                         {"peer_list", t->lh, 96},
                         {"cookie_checker", checker, 112},
                         {0}});
    int kps = add(b, "noise_keypairs", 32,
                  (struct field[]){{"current_keypair", t->vp, 0},
                                   {"previous_keypair", t->vp, 8},
                                   {"next_keypair", t->vp, 16},
                                   {0}});
    int hs = add(b, "noise_handshake", 200,
                 (struct field[]){{"ephemeral_private", key, 8},
                                  {"precomputed_static_static", key, 40},
                                  {"preshared_key", key, 72},
                                  {"chaining_key", key, 104},
                                  {"hash", key, 136},
                                  {"remote_static", key, 168},
                                  {0}});
    int cookie = add(b, "cookie", 32, (struct field[]){{"cookie", cookie16, 16}, {0}});
    add(b, "wg_peer", 296,
        (struct field[]){{"keypairs", kps, 16},
                         {"handshake", hs, 48},
                         {"peer_list", t->lh, 248},
                         {"latest_cookie", cookie, 264},
                         {0}});
    int sk = add(b, "noise_symmetric_key", 48,
                 (struct field[]){{"key", key, 0}, {"birthdate", t->u64, 32}, {0}});
    add(b, "noise_keypair", 112, (struct field[]){{"sending", sk, 16}, {"receiving", sk, 64}, {0}});
}

void fake_wgfs_types(struct btf *b, int shape7)
{
    struct ids t = {
        .u8 = btf__find_by_name_kind(b, "u8", BTF_KIND_INT),
        .u32 = btf__find_by_name_kind(b, "unsigned int", BTF_KIND_INT),
        .u64 = btf__find_by_name_kind(b, "long unsigned int", BTF_KIND_INT),
        .vp = btf__add_ptr(b, 0),
        .lh = btf__find_by_name_kind(b, "list_head", BTF_KIND_STRUCT),
    };

    fscrypt_types(b, &t, shape7);
    wg_types(b, &t, shape7);
}

/* A crypto_cipher "aes" (fake_net's algorithm) at at, its 64-byte context of fill. */
static void cipher(uint8_t *mem, uint64_t at, int fill)
{
    put64(mem, at + 24, VA(ALG_CIPHER));
    memset(mem + at + 32, fill, 64);
}

/* A master key at mk in a bucket's chain before next (0: the chain's end), its secret fill. */
static void master(uint8_t *mem, uint64_t mk, uint64_t next, int fill, int shape7)
{
    put64(mem, mk, next ? VA(next) : 0);
    put64(mem, mk + 240, VA(mk + 240)); /* no inode */
    put64(mem, mk + 248, VA(mk + 240));
    if (shape7) {
        memset(mem + mk + 16, fill, 128); /* the HMAC key */
        memset(mem + mk + 16 + 136, fill, 64);
        put64(mem, mk + 256, VA(mk + 256)); /* no mode key */
        put64(mem, mk + 264, VA(mk + 256));
    } else {
        memset(mem + mk + 16 + 12, fill, 64);
    }
    memset(mem + mk + 352, 'I', 16);
}

static void fscrypt(uint8_t *mem, int shape7)
{
    put64(mem, FS_SUPERS, VA(FS_SB));
    put64(mem, FS_SB, VA(FS_SB2));
    put64(mem, FS_SB2, VA(FS_SUPERS));
    put64(mem, FS_SB + 16, VA(FS_RING));
    put64(mem, FS_RING + 8 + 8, VA(FS_MK)); /* bucket 1 */
    master(mem, FS_MK, FS_MK2, 'M', shape7);
    master(mem, FS_MK2, 0, 'm', shape7);
    if (shape7) { /* the HMAC key is in the secret; a mode key on the list */
        put64(mem, FS_MK + 256, VA(FS_MODE_KEY + 16));
        put64(mem, FS_MODE_KEY + 16, VA(FS_MK + 256));
        put64(mem, FS_MODE_KEY, VA(FS_TFM));
        put64(mem, FS_MODE_KEY + 8, VA(FS_BLK));
    } else {
        put64(mem, FS_MK + 16, VA(FS_HMAC_TFM));
        cipher(mem, FS_HMAC_TFM, 'Q');
        put64(mem, FS_MK + 256 + 16, VA(FS_TFM)); /* mk_direct_keys[1] */
        put64(mem, FS_MK + 256 + 24, VA(FS_BLK));
    }
    cipher(mem, FS_TFM, 'P');
    memset(mem + FS_BLK + 16, 'B', 64);
    /* an inode unlocked with FS_MK */
    put64(mem, FS_MK + 240, VA(FS_INFO + 16));
    put64(mem, FS_INFO + 16, VA(FS_MK + 240));
    put64(mem, FS_INFO, VA(FS_INODE_TFM));
    cipher(mem, FS_INODE_TFM, 'F');
    memset(mem + FS_INFO + 40, 'h', 16);
    /* blk-crypto-fallback: two keyslots, the second's second mode keyed */
    put64(mem, FS_SLOTS_VAR, VA(FS_SLOTS));
    put64(mem, FS_SLOTS_VAR + 8, 2);
    put64(mem, FS_SLOTS + 40 + 8 + 8, VA(FS_SLOT_TFM));
    cipher(mem, FS_SLOT_TFM, 'Z');
}

static void wireguard(uint8_t *mem)
{
    uint64_t head = NET_INIT + 96, hs = WG_PEER + 48;

    /* init_net's devices: head -> loopback -> wg0 -> head */
    put64(mem, head, VA(WG_LO + 16));
    put64(mem, WG_LO + 16, VA(WG_DEV + 16));
    put64(mem, WG_DEV + 16, VA(head));
    put64(mem, WG_DEV + 32, VA(WG_OPS));
    put64(mem, WG_OPS + 8, VA(WG_KIND));
    memcpy(mem + WG_KIND, "wireguard", 10);
    put64(mem, WG_PRIV, VA(WG_DEV));
    memset(mem + WG_PRIV + 16, 'u', 32);
    memset(mem + WG_PRIV + 48, 'W', 32);
    put64(mem, WG_PRIV + 96, VA(WG_PEER + 248));
    put64(mem, WG_PEER + 248, VA(WG_PRIV + 96));
    static const char fills[] = "epkchr";
    for (int i = 0; i < 6; i++)
        memset(mem + hs + 8 + 32 * i, fills[i], 32);
    put64(mem, WG_PEER + 16, VA(WG_KP));
    memset(mem + WG_PRIV + 112, 'C', 32); /* the cookie checker's secret */
    memset(mem + WG_PEER + 280, 'c', 16); /* the peer's latest cookie */
    memset(mem + WG_KP + 16, 'S', 32);
    memset(mem + WG_KP + 64, 'R', 32);
}

void fake_kernel_wgfs(uint8_t *mem)
{
    fscrypt(mem, mem[FAKE_SHAPE_AT] == FAKE_LINUX_7_3);
    wireguard(mem);
}
