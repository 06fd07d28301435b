/*
 * redact_fscrypt.c - fscrypt's and blk-crypto's keys, for redaction's keys
 * class.
 *
 * fscrypt: every super_block (super_blocks, linked by s_list) with keys
 * added by FS_IOC_ADD_ENCRYPTION_KEY has a keyring at s_master_keys (struct
 * fscrypt_keyring since Linux 6.1: a hash table of hlists of
 * fscrypt_master_keys, linked by mk_node).  A master key holds its secret
 * (mk_secret: the raw key and the HKDF state derived from it: an HMAC
 * transform before Linux 6.16, the HMAC key itself since), the SipHash key
 * of its inode numbers, its prepared per-mode keys (arrays mk_direct_keys,
 * mk_iv_ino_lblk_*_keys, or a list mk_mode_keys in newer kernels), and the
 * list of the inodes unlocked with it (mk_decrypted_inodes: their
 * fscrypt_info, fscrypt_inode_info since 6.7, by ci_master_key_link), each
 * with its own prepared key, its directory-hash key and, for v1 policies,
 * a direct key with its raw bytes.  A prepared key is a keyed skcipher
 * (its context erased as dm-crypt's are, redact_dm.c) and, with inline
 * encryption, a blk_crypto_key whose raw bytes are erased: that covers
 * blk-crypto for fscrypt, its only in-tree user.  blk-crypto-fallback's
 * keyslots (blk_crypto_keyslots, blk_crypto_num_keyslots of them) hold the
 * skciphers keyed with the keys programmed into them.
 *
 * Every layout comes from BTF (fields differ across 6.1, 6.12 and 7.x);
 * what this kernel lacks is named.  Everything read is hostile: lists are
 * walked with Brent's check and the shared budget of steps (a list that
 * loops or breaks fails the class), array lengths are bounded.
 */
#include <stddef.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/redact.h"

enum {
    MAX_SUPERS = 1 << 20,
    MAX_LIST = 1 << 22, /* keys in a bucket, inodes of a key, mode keys */
    MAX_BUCKETS = 4096,
    MAX_PREPARED = 64, /* prepared keys in one of a master key's arrays (FSCRYPT_MODE_MAX+1) */
    MAX_SECRET = 4096,
    MAX_SLOTS = 1 << 16,
    MAX_SLOT_TFMS = 16,
};

#define MISSING BTF_MISSING

int lb_redact_members(const struct btf *b, const struct redact_member *t, size_t n,
                      const char *dflt, uint64_t *layout)
{
    int missing = 0;

    for (; n--; t++) {
        const char *name = t->s ? t->s : dflt;
        int id = lb_btf_struct(b, name);
        uint64_t off = id < 0 ? MISSING : lb_btf_member_offset(b, id, t->m);
        layout[t->at] = off;
        if (t->size_at != REDACT_NO_SIZE)
            layout[t->size_at] = off == MISSING ? 0 : lb_btf_member_size(b, id, t->m);
        missing += off == MISSING;
    }
    return missing;
}

struct fs_layout {
    uint64_t s_list, s_keys, buckets, nbuckets, mk_node, secret, secret_size, hmac_tfm;
    uint64_t ino_hash, ino_hash_size, inodes, mode_keys, mode_key, mode_link;
    uint64_t arrays[3], array_n[3]; /* mk_direct_keys, mk_iv_ino_lblk_64_keys, _32_keys */
    uint64_t pk_size, pk_tfm, pk_blk, blk_raw, blk_raw_size, hkdf, hkdf_tfm;
    uint64_t ci_link, ci_key, ci_dirhash, ci_dirhash_size, ci_direct, dk_key, dk_raw, dk_raw_size;
    struct redact_tfm_layout tfm;
    uint64_t not_tfm, cut; /* transforms not erased, or not all of their children */
};

#define W(f) (uint8_t)(offsetof(struct fs_layout, f) / 8)
#define NS   REDACT_NO_SIZE
/* What the walk cannot go without, */
static const struct redact_member fs_needs[] = {
    {"super_block", "s_list", W(s_list), NS},
    {"super_block", "s_master_keys", W(s_keys), NS},
    {"fscrypt_keyring", "key_hashtable", W(buckets), W(nbuckets)},
    {"fscrypt_master_key", "mk_node", W(mk_node), NS},
    {"fscrypt_master_key", "mk_secret", W(secret), W(secret_size)},
    {"fscrypt_master_key", "mk_decrypted_inodes", W(inodes), NS},
    {"fscrypt_prepared_key", "tfm", W(pk_tfm), NS},
    {NULL, "ci_master_key_link", W(ci_link), NS}, /* (fscrypt_inode_info, or fscrypt_info) */
    {NULL, "ci_enc_key", W(ci_key), NS},
};
/* and what a kernel may not have (MISSING). */
static const struct redact_member fs_mays[] = {
    {"fscrypt_master_key", "mk_ino_hash_key", W(ino_hash), W(ino_hash_size)},
    {"fscrypt_master_key", "mk_direct_keys", W(arrays[0]), W(array_n[0])},
    {"fscrypt_master_key", "mk_iv_ino_lblk_64_keys", W(arrays[1]), W(array_n[1])},
    {"fscrypt_master_key", "mk_iv_ino_lblk_32_keys", W(arrays[2]), W(array_n[2])},
    {"fscrypt_master_key", "mk_mode_keys", W(mode_keys), NS},
    {"fscrypt_mode_key", "key", W(mode_key), NS},
    {"fscrypt_mode_key", "link", W(mode_link), NS},
    {"fscrypt_prepared_key", "blk_key", W(pk_blk), NS},
    {"blk_crypto_key", "raw", W(blk_raw), W(blk_raw_size)},
    {"fscrypt_master_key_secret", "hkdf", W(hkdf), NS},
    {"fscrypt_hkdf", "hmac_tfm", W(hkdf_tfm), NS},
    {NULL, "ci_dirhash_key", W(ci_dirhash), W(ci_dirhash_size)},
    {NULL, "ci_direct_key", W(ci_direct), NS},
    {"fscrypt_direct_key", "dk_key", W(dk_key), NS},
    {"fscrypt_direct_key", "dk_raw", W(dk_raw), W(dk_raw_size)},
};
static const struct redact_member blk_bytes = {"blk_crypto_key", "bytes", W(blk_raw),
                                               W(blk_raw_size)};

/* The context of the transform at ptr (if any) erased as type; what it could not do counted. */
static void fs_tfm(struct redact_ctx *c, struct fs_layout *l, uint64_t ptr, const char *type)
{
    int r = ptr ? lb_redact_tfm(c, &l->tfm, ptr, type) : 1;

    l->not_tfm += r == 0;
    l->cut += r == 2;
}

/* A prepared key: its skcipher's context, its blk_crypto_key's raw bytes. */
static void prepared(struct redact_ctx *c, struct fs_layout *l, uint64_t pk)
{
    uint64_t blk;

    fs_tfm(c, l, lb_redact_read_u64(c, pk + l->pk_tfm), "crypto tfm context (fscrypt)");
    if (l->pk_blk != MISSING && (blk = lb_redact_read_u64(c, pk + l->pk_blk)))
        lb_redact_virt(c, LB_REDACT_KEYS, "blk_crypto_key raw (fscrypt inline crypt)",
                       blk + l->blk_raw, l->blk_raw_size);
}

/* An inode unlocked with a master key (node: its ci_master_key_link). */
static int inode_info(struct redact_ctx *c, void *arg, uint64_t node, struct lb_error *err)
{
    struct fs_layout *l = arg;
    uint64_t ci = node - l->ci_link, dk;

    (void)err;
    prepared(c, l, ci + l->ci_key);
    if (l->ci_dirhash != MISSING)
        lb_redact_virt(c, LB_REDACT_KEYS, "fscrypt SipHash keys (fscrypt)", ci + l->ci_dirhash,
                       l->ci_dirhash_size);
    if (l->ci_direct != MISSING && l->dk_raw != MISSING &&
        (dk = lb_redact_read_u64(c, ci + l->ci_direct))) {
        prepared(c, l, dk + l->dk_key);
        lb_redact_virt(c, LB_REDACT_KEYS, "fscrypt_direct_key raw (fscrypt)", dk + l->dk_raw,
                       l->dk_raw_size);
    }
    return 0;
}

static int mode_key(struct redact_ctx *c, void *arg, uint64_t node, struct lb_error *err)
{
    struct fs_layout *l = arg;

    (void)err;
    prepared(c, l, node - l->mode_link + l->mode_key);
    return 0;
}

/* A master key (node: its mk_node): its secret, hash key, prepared keys, inodes' keys. */
static int master_key(struct redact_ctx *c, void *arg, uint64_t node, struct lb_error *err)
{
    struct fs_layout *l = arg;
    uint64_t mk = node - l->mk_node, s = mk + l->secret, h = l->hmac_tfm;

    if (h == MISSING) { /* the HMAC key itself (7.x), or no HKDF: all of it */
        lb_redact_virt(c, LB_REDACT_KEYS, "fscrypt_master_key secret (fscrypt)", s, l->secret_size);
    } else { /* all but the pointer to the HMAC transform, whose context goes too */
        lb_redact_virt(c, LB_REDACT_KEYS, "fscrypt_master_key secret (fscrypt)", s, h);
        lb_redact_virt(c, LB_REDACT_KEYS, "fscrypt_master_key secret (fscrypt)", s + h + 8,
                       l->secret_size - h - 8);
        fs_tfm(c, l, lb_redact_read_u64(c, s + h), "crypto tfm context (fscrypt)");
    }
    if (l->ino_hash != MISSING)
        lb_redact_virt(c, LB_REDACT_KEYS, "fscrypt SipHash keys (fscrypt)", mk + l->ino_hash,
                       l->ino_hash_size);
    for (size_t a = 0; a < 3; a++)
        for (uint64_t i = 0; l->arrays[a] != MISSING && i < l->array_n[a]; i++)
            prepared(c, l, mk + l->arrays[a] + i * l->pk_size);
    if (l->mode_keys != MISSING && lb_redact_list(c, mk + l->mode_keys, 0, MAX_LIST,
                                                  "a master key's mode keys", mode_key, l, err) < 0)
        return -1;
    return lb_redact_list(c, mk + l->inodes, 0, MAX_LIST, "a master key's inodes", inode_info, l,
                          err);
}

static int super_block(struct redact_ctx *c, void *arg, uint64_t node, struct lb_error *err)
{
    struct fs_layout *l = arg;
    uint64_t ring = lb_redact_read_u64(c, node - l->s_list + l->s_keys);

    for (uint64_t i = 0; ring && i < l->nbuckets; i++) {
        if (i % 64 == 0 && !lb_redact_step(c)) { /* a keyring's buckets, 64 to a step */
            lb_error_set(err, "the walk of fscrypt's keyrings passed its budget of steps");
            return -1;
        }
        if (lb_redact_list(c, ring + l->buckets + 8 * i, 1, MAX_LIST, "a keyring's hash bucket",
                           master_key, l, err) < 0)
            return -1;
    }
    return 0;
}

/* The layout of this kernel's fscrypt, its sizes sane; -1 if the walk does not know it. */
static int fs_layout_of(const struct btf *b, struct fs_layout *l)
{
    uint64_t *w = (uint64_t *)l;
    const char *ci =
        lb_btf_struct(b, "fscrypt_inode_info") >= 0 ? "fscrypt_inode_info" : "fscrypt_info";
    int any = 0;

    if (lb_redact_members(b, fs_needs, sizeof(fs_needs) / sizeof(fs_needs[0]), ci, w))
        return -1;
    lb_redact_members(b, fs_mays, sizeof(fs_mays) / sizeof(fs_mays[0]), ci, w);
    if (l->blk_raw == MISSING)
        lb_redact_members(b, &blk_bytes, 1, ci, w);
    l->hmac_tfm = l->hkdf == MISSING || l->hkdf_tfm == MISSING ? MISSING : l->hkdf + l->hkdf_tfm;
    l->nbuckets /= 8;
    l->pk_size = lb_btf_struct_size(b, "fscrypt_prepared_key");
    for (size_t a = 0; a < 3 && l->pk_size; a++) {
        l->array_n[a] /= l->pk_size;
        if (l->array_n[a] > MAX_PREPARED)
            l->arrays[a] = MISSING;
        any |= l->arrays[a] != MISSING;
    }
    if (l->mode_key == MISSING || l->mode_link == MISSING)
        l->mode_keys = MISSING;
    if (l->dk_key == MISSING || l->dk_raw_size > MAX_SECRET)
        l->dk_raw = MISSING;
    return !l->pk_size || (!any && l->mode_keys == MISSING) || !l->nbuckets ||
                   l->nbuckets > MAX_BUCKETS || !l->secret_size || l->secret_size > MAX_SECRET ||
                   l->ino_hash_size > MAX_SECRET || l->ci_dirhash_size > MAX_SECRET ||
                   (l->pk_blk != MISSING &&
                    (l->blk_raw == MISSING || l->blk_raw_size > MAX_SECRET)) ||
                   (l->hmac_tfm != MISSING && l->hmac_tfm + 8 > l->secret_size)
               ? -1
               : 0;
}

static int fs_layout(struct redact_ctx *c, struct fs_layout *l, struct lb_error *err)
{
    if (fs_layout_of(c->btf, l) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "the BTF lacks a layout the walk knows of super_block.s_master_keys, "
                      "fscrypt_keyring, fscrypt_master_key, its prepared keys or inodes");
        return -1;
    }
    return lb_redact_tfm_layout(c, &l->tfm, err);
}

/* blk-crypto-fallback's keyslots: every mode's skcipher of every slot. */
static void fallback(struct redact_ctx *c, struct fs_layout *l)
{
    uint64_t slots, num, tfms, size,
        slot_size = lb_btf_struct_size(c->btf, "blk_crypto_fallback_keyslot");

    static const struct redact_member slot = {"blk_crypto_fallback_keyslot", "tfms", 0, 1};
    uint64_t w[2];
    lb_redact_members(c->btf, &slot, 1, NULL, w);
    tfms = w[0];
    size = w[1];
    if (tfms == MISSING || !slot_size ||
        lb_kallsyms_address(c->ks, "blk_crypto_keyslots", &slots) < 0 ||
        lb_kallsyms_address(c->ks, "blk_crypto_num_keyslots", &num) < 0) {
        lb_redact_missing(c, "keys: blk-crypto-fallback: not built in (no keyslots): no key");
        return;
    }
    slots = lb_redact_read_u64(c, slots);
    num = lb_redact_read_u32(c, num);
    if (num > MAX_SLOTS || size / 8 > MAX_SLOT_TFMS) {
        lb_redact_missing(c, "keys: blk-crypto-fallback claims %llu keyslots: not erased",
                          (unsigned long long)num);
        return;
    }
    for (uint64_t i = 0; slots && i < num && lb_redact_step(c); i++)
        for (uint64_t t = 0; t < size / 8; t++) {
            fs_tfm(c, l, lb_redact_read_u64(c, slots + i * slot_size + tfms + 8 * t),
                   "crypto tfm context (blk-crypto-fallback)");
        }
}

int lb_redact_fscrypt(struct redact_ctx *c, struct lb_error *err)
{
    struct fs_layout l = {0};
    uint64_t supers;

    if (lb_btf_struct(c->btf, "fscrypt_master_key") < 0) {
        lb_redact_missing(c, "keys: fscrypt: no struct fscrypt_master_key in the kernel's BTF (not "
                             "built in): no fscrypt key");
        return 0;
    }
    if (lb_btf_struct(c->btf, "fscrypt_keyring") < 0) { /* keys in the keyrings: before 6.1 */
        lb_redact_missing(c, "keys: fscrypt: master keys kept in keyrings (before Linux 6.1): "
                             "not walked, NOT redacted");
        return 0;
    }
    if (fs_layout(c, &l, err) < 0 || lb_redact_need_symbol(c, "super_blocks", &supers, err) < 0 ||
        lb_redact_list(c, supers, 0, MAX_SUPERS, "the super blocks (super_blocks)", super_block, &l,
                       err) < 0) {
        lb_error_prefix(err, "fscrypt");
        return -1;
    }
    fallback(c, &l);
    if (c->steps_left == 0) {
        lb_error_set(err, "fscrypt: the walk passed its budget of steps");
        return -1;
    }
    if (l.not_tfm || l.cut)
        lb_redact_missing(c,
                          "keys: %llu fscrypt or blk-crypto-fallback keys lead to no crypto "
                          "transform (not erased), %llu to more transforms than the walk follows "
                          "(some key schedules not erased)",
                          (unsigned long long)l.not_tfm, (unsigned long long)l.cut);
    lb_redact_missing(c, "keys: fscrypt v1 keys in process keyrings: their keys erased as logon "
                         "keys, their per-file transforms not walked");
    return 0;
}
