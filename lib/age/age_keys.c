/*
 * age_keys.c - the keys age files are encrypted to and decrypted with, read
 * from the text people have: "age1..." and "AGE-SECRET-KEY-1..." (Bech32, as
 * age-keygen prints them), "ssh-ed25519 AAAA..." public keys and unencrypted
 * OpenSSH ed25519 private keys (what ssh-keygen writes).  An SSH key is used
 * as age uses it: its Ed25519 point in Montgomery form is an X25519 key.
 *
 * Everything here is parsed from text a user gave; lengths are checked before
 * every read, and a key that does not parse is refused naming what is wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "age/age.h"

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t bech32_polymod(const uint8_t *v, size_t n)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t chk = 1;

    for (size_t i = 0; i < n; i++) {
        uint32_t top = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v[i];
        for (int j = 0; j < 5; j++)
            if ((top >> j) & 1)
                chk ^= gen[j];
    }
    return chk;
}

/*
 * Decodes Bech32 text whose human-readable part is hrp (compared without
 * case) into exactly 32 bytes.  age's Bech32 has no 90-character limit.
 */
static int bech32_decode32(const char *text, size_t len, const char *hrp, uint8_t out[32],
                           struct lb_error *err)
{
    size_t hlen = strlen(hrp), sep, ndata;
    uint8_t v[256];
    int upper = 0, lower = 0;

    if (len < hlen + 8 || len > 200 || text[hlen] != '1' || strncasecmp(text, hrp, hlen) != 0) {
        lb_error_set(err, "not a %s1... key", hrp);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        upper |= text[i] >= 'A' && text[i] <= 'Z';
        lower |= text[i] >= 'a' && text[i] <= 'z';
    }
    if (upper && lower) {
        lb_error_set(err, "a Bech32 key is all upper or all lower case");
        return -1;
    }
    sep = hlen;
    ndata = len - sep - 1;
    size_t nv = 0;
    for (size_t i = 0; i < hlen; i++)
        v[nv++] = (uint8_t)((text[i] | 0x20) >> 5);
    v[nv++] = 0;
    for (size_t i = 0; i < hlen; i++)
        v[nv++] = (uint8_t)((text[i] | 0x20) & 31);
    for (size_t i = 0; i < ndata; i++) {
        const char *c = strchr(bech32_charset, text[sep + 1 + i] | 0x20);
        if (!c || !*c) {
            lb_error_set(err, "character %zu of the key is not Bech32", sep + 2 + i);
            return -1;
        }
        v[nv++] = (uint8_t)(c - bech32_charset);
    }
    if (bech32_polymod(v, nv) != 1) {
        lb_error_set(err, "the key's checksum is wrong (a typing error?)");
        return -1;
    }
    /* 5-bit groups to bytes; the 6 checksum groups are not data. */
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = nv - ndata; i < nv - 6; i++) {
        acc = (acc << 5) | v[i];
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (n == 32) {
                lb_error_set(err, "the key is longer than 32 bytes");
                return -1;
            }
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    if (n != 32 || bits >= 5 || (acc & ((1u << bits) - 1))) {
        lb_error_set(err, "the key is not 32 bytes");
        return -1;
    }
    return 0;
}

/* ---- SSH wire format -------------------------------------------------- */

struct reader {
    const uint8_t *p;
    size_t left;
};

static int take_u32(struct reader *r, uint32_t *v)
{
    if (r->left < 4)
        return -1;
    *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    r->left -= 4;
    return 0;
}

static int take_string(struct reader *r, const uint8_t **s, uint32_t *len)
{
    if (take_u32(r, len) < 0 || *len > r->left)
        return -1;
    *s = r->p;
    r->p += *len;
    r->left -= *len;
    return 0;
}

static int is_string(const uint8_t *s, uint32_t len, const char *want)
{
    return len == strlen(want) && memcmp(s, want, len) == 0;
}

/* The 51 bytes SSH writes for an ed25519 public key: string "ssh-ed25519", string pk. */
static void ssh_wire(const uint8_t pk[32], uint8_t out[51])
{
    static const uint8_t head[] = {0,   0,   0,   11,  's', 's', 'h', '-', 'e', 'd',
                                   '2', '5', '5', '1', '9', 0,   0,   0,   32};

    memcpy(out, head, sizeof(head));
    memcpy(out + sizeof(head), pk, 32);
}

static int base64_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *n,
                         int variant)
{
    return sodium_base642bin(out, cap, text, len, "\n\r", n, NULL, variant);
}

static int parse_ssh_recipient(const char *text, struct lb_age_recipient *out, struct lb_error *err)
{
    const char *b64 = text + strlen("ssh-ed25519 ");
    size_t len = strcspn(b64, " \t\r\n"), n;
    uint8_t blob[64];
    struct reader r = {blob, 0};
    const uint8_t *type, *pk;
    uint32_t tlen, pklen;

    if (len == 0 || len > 100 ||
        base64_decode(b64, len, blob, sizeof(blob), &n, sodium_base64_VARIANT_ORIGINAL) < 0) {
        lb_error_set(err, "the ssh-ed25519 key is not base64");
        return -1;
    }
    r.left = n;
    if (take_string(&r, &type, &tlen) < 0 || !is_string(type, tlen, "ssh-ed25519") ||
        take_string(&r, &pk, &pklen) < 0 || pklen != 32 || r.left) {
        lb_error_set(err, "the ssh-ed25519 key's data is not an Ed25519 public key");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->ssh = 1;
    ssh_wire(pk, out->ssh_wire);
    if (crypto_sign_ed25519_pk_to_curve25519(out->x25519, pk) < 0) {
        lb_error_set(err, "the ssh-ed25519 key is not a point on the curve");
        return -1;
    }
    return 0;
}

int lb_age_recipient_parse(const char *text, struct lb_age_recipient *out, struct lb_error *err)
{
    if (sodium_init() < 0) {
        lb_error_set(err, "libsodium cannot start");
        return -1;
    }
    if (strncmp(text, "ssh-ed25519 ", 12) == 0)
        return parse_ssh_recipient(text, out, err);
    if (strncmp(text, "ssh-", 4) == 0 || strncmp(text, "ecdsa-", 6) == 0) {
        lb_error_set(err, "only ssh-ed25519 SSH keys can be recipients (age's rule; RSA is "
                          "not supported here): make one with ssh-keygen -t ed25519, or use "
                          "age-keygen");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    size_t len = strcspn(text, " \t\r\n");
    if (bech32_decode32(text, len, "age", out->x25519, err) < 0) {
        lb_error_prefix(err, "recipient '%.*s'", (int)(len > 80 ? 80 : len), text);
        return -1;
    }
    return 0;
}

/* ---- identities ------------------------------------------------------- */

static int add_identity(struct lb_age_identities *ids, const struct lb_age_identity *id,
                        const char *path, struct lb_error *err)
{
    if (ids->n == LB_AGE_MAX_IDENTITIES) {
        lb_error_set(err, "%s: more than %d identities", path, LB_AGE_MAX_IDENTITIES);
        return -1;
    }
    ids->id[ids->n++] = *id;
    return 0;
}

/* An unencrypted "openssh-key-v1" ed25519 key, between its armor lines. */
static int parse_openssh(const char *text, struct lb_age_identities *ids, const char *path,
                         struct lb_error *err)
{
    static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
    static const char magic[] = "openssh-key-v1";
    const char *from = strstr(text, begin), *to;
    size_t n;
    uint8_t *blob = NULL;
    int r = -1;

    /* The end is looked for after the whole begin line: the two may share dashes. */
    if (!from || !(to = strstr(from + sizeof(begin) - 1, "-----END OPENSSH PRIVATE KEY-----"))) {
        lb_error_set(err, "%s: no OPENSSH PRIVATE KEY block", path);
        return -1;
    }
    from += sizeof(begin) - 1;
    if (to == from) {
        lb_error_set(err, "%s: an empty OPENSSH PRIVATE KEY block", path);
        return -1;
    }
    if (!(blob = malloc((size_t)(to - from)))) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    if (sodium_base642bin(blob, (size_t)(to - from), from, (size_t)(to - from), " \t\r\n", &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) < 0 ||
        n < sizeof(magic) || memcmp(blob, magic, sizeof(magic)) != 0) {
        lb_error_set(err, "%s: not an OpenSSH private key (bad base64 or no %s)", path, magic);
        goto out;
    }
    struct reader rd = {blob + sizeof(magic), n - sizeof(magic)}, priv;
    const uint8_t *cipher, *kdf, *kdfopts, *pub, *section, *type, *pk, *sk;
    uint32_t clen, klen, olen, nkeys, plen, slen, tlen, pklen, sklen, check1, check2;
    if (take_string(&rd, &cipher, &clen) < 0 || take_string(&rd, &kdf, &klen) < 0 ||
        take_string(&rd, &kdfopts, &olen) < 0 || take_u32(&rd, &nkeys) < 0) {
        lb_error_set(err, "%s: the OpenSSH key is cut short", path);
        goto out;
    }
    if (!is_string(cipher, clen, "none")) {
        lb_error_set(err,
                     "%s: the SSH key is protected by a passphrase; lifeboat reads "
                     "unencrypted keys only (decrypt a copy with ssh-keygen -p -N '' -f COPY)",
                     path);
        goto out;
    }
    if (nkeys != 1 || take_string(&rd, &pub, &plen) < 0 || take_string(&rd, &section, &slen) < 0) {
        lb_error_set(err, "%s: an OpenSSH key file with %u keys: one is read", path, nkeys);
        goto out;
    }
    priv.p = section;
    priv.left = slen;
    if (take_u32(&priv, &check1) < 0 || take_u32(&priv, &check2) < 0 || check1 != check2 ||
        take_string(&priv, &type, &tlen) < 0) {
        lb_error_set(err, "%s: the OpenSSH key's private part is damaged", path);
        goto out;
    }
    if (!is_string(type, tlen, "ssh-ed25519")) {
        lb_error_set(err, "%s: a %.*s key: only ssh-ed25519 keys decrypt age files here", path,
                     (int)(tlen > 40 ? 40 : tlen), (const char *)type);
        goto out;
    }
    if (take_string(&priv, &pk, &pklen) < 0 || pklen != 32 || take_string(&priv, &sk, &sklen) < 0 ||
        sklen != 64 || memcmp(sk + 32, pk, 32) != 0) {
        lb_error_set(err, "%s: the ed25519 key's parts do not match", path);
        goto out;
    }
    struct lb_age_identity id = {.ssh = 1};
    ssh_wire(pk, id.ssh_wire);
    if (crypto_sign_ed25519_sk_to_curve25519(id.secret, sk) < 0 ||
        crypto_sign_ed25519_pk_to_curve25519(id.x25519, pk) < 0) {
        lb_error_set(err, "%s: the ed25519 key is not on the curve", path);
        goto out;
    }
    r = add_identity(ids, &id, path, err);
    sodium_memzero(&id, sizeof(id));
out:
    sodium_memzero(blob, (size_t)(to - from));
    free(blob);
    return r;
}

static int parse_age_lines(char *text, struct lb_age_identities *ids, const char *path,
                           struct lb_error *err)
{
    unsigned line = 0;

    for (char *s = text, *next; *s; s = next) {
        size_t len = strcspn(s, "\n");
        next = s[len] ? s + len + 1 : s + len;
        line++;
        while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
            len--;
        if (len == 0 || s[0] == '#')
            continue;
        struct lb_age_identity id = {0};
        if (bech32_decode32(s, len, "AGE-SECRET-KEY-", id.secret, err) < 0) {
            lb_error_prefix(err, "%s, line %u", path, line);
            return -1;
        }
        crypto_scalarmult_base(id.x25519, id.secret);
        int r = add_identity(ids, &id, path, err);
        sodium_memzero(&id, sizeof(id));
        if (r < 0)
            return -1;
    }
    if (!ids->n) {
        lb_error_set(err, "%s: no AGE-SECRET-KEY-1 line and no OpenSSH private key", path);
        return -1;
    }
    return 0;
}

int lb_age_identities_load(const char *path, struct lb_age_identities **out, struct lb_error *err)
{
    enum { MAX_FILE = 64 << 10 };
    struct lb_age_identities *ids = NULL;
    char *text = malloc(MAX_FILE + 1);
    ssize_t got = 0, n;
    int fd = -1, r = -1;

    if (sodium_init() < 0 || !text || !(ids = sodium_malloc(sizeof(*ids)))) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "cannot set up memory for keys");
        goto out;
    }
    memset(ids, 0, sizeof(*ids));
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
        lb_error_set(err, "%s: %s", path, strerror(errno));
        goto out;
    }
    while (got < MAX_FILE && (n = read(fd, text + got, (size_t)(MAX_FILE - got))) > 0)
        got += n;
    if (n < 0 || got == MAX_FILE) {
        lb_error_set(err, "%s: %s", path, n < 0 ? strerror(errno) : "larger than 64 KiB");
        goto out;
    }
    text[got] = '\0';
    if (memchr(text, '\0', (size_t)got)) {
        lb_error_set(err, "%s: not a text file of keys", path);
        goto out;
    }
    r = strstr(text, "-----BEGIN OPENSSH PRIVATE KEY-----") ? parse_openssh(text, ids, path, err)
                                                            : parse_age_lines(text, ids, path, err);
out:
    if (fd >= 0)
        close(fd);
    if (text) {
        sodium_memzero(text, MAX_FILE + 1);
        free(text);
    }
    if (r < 0 && ids) {
        sodium_free(ids);
        ids = NULL;
    }
    *out = ids;
    return r;
}

void lb_age_identities_free(struct lb_age_identities *ids)
{
    if (ids)
        sodium_free(ids); /* zeroes it */
}
