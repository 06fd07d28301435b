/*
 * age_format.c - the age v1 header and payload chunks (see age.h).
 *
 * The header is text: "age-encryption.org/v1", one stanza per recipient
 * ("-> X25519 SHARE" or "-> ssh-ed25519 TAG SHARE", then the wrapped file key
 * in unpadded base64, 64 columns a line, the last line shorter), and "---"
 * with the HMAC of everything before it.  A header read from a file is
 * bounded (AGE_HEADER_MAX, 64 stanzas); stanzas of kinds we have no key for
 * (scrypt, plugins) are passed over, as age does.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "age/age.h"

static const char intro[] = "age-encryption.org/v1\n";
static const char x25519_label[] = "age-encryption.org/v1/X25519";
static const char ssh_label[] = "age-encryption.org/v1/ssh-ed25519";

void lb_age_hkdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
                 const char *info, uint8_t out[AGE_KEY])
{
    static const uint8_t no_salt[crypto_auth_hmacsha256_BYTES];
    uint8_t prk[crypto_auth_hmacsha256_BYTES], one = 1;
    crypto_auth_hmacsha256_state st;

    if (!salt_len) { /* RFC 5869: no salt is HashLen zero bytes */
        salt = no_salt;
        salt_len = sizeof(no_salt);
    }
    crypto_auth_hmacsha256_init(&st, salt, salt_len);
    crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
    crypto_auth_hmacsha256_final(&st, prk);
    crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, strlen(info));
    crypto_auth_hmacsha256_update(&st, &one, 1);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(prk, sizeof(prk));
    sodium_memzero(&st, sizeof(st));
}

static void chunk_nonce(uint64_t index, int last, uint8_t nonce[12])
{
    memset(nonce, 0, 12);
    for (int i = 10; i >= 3; i--, index >>= 8)
        nonce[i] = (uint8_t)index;
    nonce[11] = last ? 1 : 0;
}

void lb_age_seal_chunk(const uint8_t key[AGE_KEY], uint64_t index, int last, const uint8_t *plain,
                       size_t len, uint8_t *sealed)
{
    uint8_t nonce[12];

    chunk_nonce(index, last, nonce);
    crypto_aead_chacha20poly1305_ietf_encrypt(sealed, NULL, plain, len, NULL, 0, NULL, nonce, key);
}

int lb_age_open_chunk(const uint8_t key[AGE_KEY], uint64_t index, int last, const uint8_t *sealed,
                      size_t sealed_len, uint8_t *plain)
{
    uint8_t nonce[12];

    if (sealed_len < AGE_TAG || sealed_len > AGE_SEALED)
        return -1;
    chunk_nonce(index, last, nonce);
    return crypto_aead_chacha20poly1305_ietf_decrypt(plain, NULL, NULL, sealed, sealed_len, NULL, 0,
                                                     nonce, key);
}

/* ---- writing ---------------------------------------------------------- */

struct text {
    uint8_t *p;
    size_t len, cap;
    int full;
};

static void put(struct text *t, const void *s, size_t n)
{
    if (t->len + n > t->cap) {
        t->full = 1;
        return;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
}

static void put_b64(struct text *t, const uint8_t *bin, size_t n)
{
    char b64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];

    sodium_bin2base64(b64, sizeof(b64), bin, n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    put(t, b64, strlen(b64));
}

/* A 32-byte body (file key and tag) is 43 base64 characters: one short line. */
static void put_stanza(struct text *t, const char *type, const uint8_t *tag, const uint8_t *share,
                       const uint8_t *body)
{
    put(t, "-> ", 3);
    put(t, type, strlen(type));
    if (tag) {
        put(t, " ", 1);
        put_b64(t, tag, 4);
    }
    put(t, " ", 1);
    put_b64(t, share, 32);
    put(t, "\n", 1);
    put_b64(t, body, AGE_FILE_KEY + AGE_TAG);
    put(t, "\n", 1);
}

static void wrap(const uint8_t key[AGE_KEY], const uint8_t file_key[AGE_FILE_KEY],
                 uint8_t body[AGE_FILE_KEY + AGE_TAG])
{
    static const uint8_t zero_nonce[12];

    crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, file_key, AGE_FILE_KEY, NULL, 0, NULL,
                                              zero_nonce, key);
}

static int add_recipient(struct text *t, const struct lb_age_recipient *r,
                         const uint8_t file_key[AGE_FILE_KEY], struct lb_error *err)
{
    uint8_t eph[32], share[32], shared[32], salt[64], key[AGE_KEY], body[AGE_FILE_KEY + AGE_TAG];
    const char *label = r->ssh ? ssh_label : x25519_label;
    int rc = -1;

    randombytes_buf(eph, sizeof(eph));
    crypto_scalarmult_base(share, eph);
    if (crypto_scalarmult(shared, eph, r->x25519) < 0) {
        lb_error_set(err, "a recipient's key is a low-order point (not a real key)");
        goto out;
    }
    if (r->ssh) { /* age's tweak binds the shared secret to the SSH key */
        uint8_t tweak[32], untweaked[32];
        memcpy(untweaked, shared, sizeof(shared)); /* the output must not alias the input */
        lb_age_hkdf(NULL, 0, r->ssh_wire, sizeof(r->ssh_wire), ssh_label, tweak);
        if (crypto_scalarmult(shared, tweak, untweaked) < 0) {
            lb_error_set(err, "an ssh-ed25519 recipient gives no shared secret");
            goto out;
        }
    }
    memcpy(salt, share, 32);
    memcpy(salt + 32, r->x25519, 32);
    lb_age_hkdf(shared, sizeof(shared), salt, sizeof(salt), label, key);
    wrap(key, file_key, body);
    if (r->ssh) {
        uint8_t hash[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(hash, r->ssh_wire, sizeof(r->ssh_wire));
        put_stanza(t, "ssh-ed25519", hash, share, body);
    } else {
        put_stanza(t, "X25519", NULL, share, body);
    }
    rc = 0;
out:
    sodium_memzero(eph, sizeof(eph));
    sodium_memzero(shared, sizeof(shared));
    sodium_memzero(key, sizeof(key));
    return rc;
}

static void header_mac(const uint8_t file_key[AGE_FILE_KEY], const uint8_t *hdr, size_t len,
                       uint8_t mac[32])
{
    uint8_t key[AGE_KEY];

    lb_age_hkdf(file_key, AGE_FILE_KEY, NULL, 0, "header", key);
    crypto_auth_hmacsha256(mac, hdr, len, key);
    sodium_memzero(key, sizeof(key));
}

int lb_age_make_header(const struct lb_age_recipient *r, size_t n, uint8_t *out, size_t cap,
                       size_t *len, uint8_t payload_key[AGE_KEY], struct lb_error *err)
{
    uint8_t file_key[AGE_FILE_KEY], mac[32], nonce[AGE_NONCE];
    struct text t = {out, 0, cap, 0};
    int rc = -1;

    if (sodium_init() < 0) {
        lb_error_set(err, "libsodium cannot start");
        return -1;
    }
    if (n == 0 || n > LB_AGE_MAX_RECIPIENTS) {
        lb_error_set(err, "%zu recipients: 1 to %d", n, LB_AGE_MAX_RECIPIENTS);
        return -1;
    }
    randombytes_buf(file_key, sizeof(file_key));
    put(&t, intro, sizeof(intro) - 1);
    for (size_t i = 0; i < n; i++)
        if (add_recipient(&t, &r[i], file_key, err) < 0)
            goto out;
    put(&t, "---", 3);
    if (t.full) {
        lb_error_set(err, "the age header does not fit in %zu bytes", cap);
        goto out;
    }
    header_mac(file_key, out, t.len, mac);
    put(&t, " ", 1);
    put_b64(&t, mac, sizeof(mac));
    put(&t, "\n", 1);
    randombytes_buf(nonce, sizeof(nonce));
    put(&t, nonce, sizeof(nonce));
    if (t.full) {
        lb_error_set(err, "the age header does not fit in %zu bytes", cap);
        goto out;
    }
    lb_age_hkdf(file_key, sizeof(file_key), nonce, sizeof(nonce), "payload", payload_key);
    *len = t.len;
    rc = 0;
out:
    sodium_memzero(file_key, sizeof(file_key));
    return rc;
}

/* ---- reading ---------------------------------------------------------- */

enum { MAX_STANZAS = 64, MAX_ARGS = 8 };

struct stanza {
    const char *arg[MAX_ARGS];
    size_t arg_len[MAX_ARGS];
    int nargs;
    uint8_t body[AGE_FILE_KEY + AGE_TAG];
    size_t body_len;
    int body_fits; /* the body is the length a wrapped file key has */
};

/* The next line of buf from *pos (without its newline); -1 if there is no newline. */
static int next_line(const uint8_t *buf, size_t len, size_t *pos, const char **line,
                     size_t *line_len)
{
    const uint8_t *nl = memchr(buf + *pos, '\n', len - *pos);

    if (!nl)
        return -1;
    *line = (const char *)buf + *pos;
    *line_len = (size_t)(nl - (buf + *pos));
    *pos += *line_len + 1;
    return 0;
}

static int split_args(const char *s, size_t len, struct stanza *st)
{
    st->nargs = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && s[j] != ' ')
            j++;
        if (j == i || st->nargs == MAX_ARGS)
            return -1; /* empty argument, or too many */
        st->arg[st->nargs] = s + i;
        st->arg_len[st->nargs++] = j - i;
        i = j + 1;
        if (j < len && i == len)
            return -1; /* a trailing space */
    }
    return st->nargs ? 0 : -1;
}

/* Body lines: full 64-column lines, then one shorter (maybe empty). */
static int read_body(const uint8_t *buf, size_t len, size_t *pos, struct stanza *st)
{
    uint8_t bin[48];
    size_t total = 0;

    st->body_fits = 1;
    for (int lines = 0; lines < 1024; lines++) {
        const char *line;
        size_t n, got;
        if (next_line(buf, len, pos, &line, &n) < 0 || n > 64)
            return -1;
        if (n && sodium_base642bin(bin, sizeof(bin), line, n, NULL, &got, NULL,
                                   sodium_base64_VARIANT_ORIGINAL_NO_PADDING) < 0)
            return -1;
        if (!n)
            got = 0;
        if (total + got <= sizeof(st->body))
            memcpy(st->body + total, bin, got);
        total += got;
        if (n < 64)
            break;
    }
    st->body_len = total;
    st->body_fits = total == sizeof(st->body);
    return 0;
}

static int decode32(const char *s, size_t len, uint8_t out[32])
{
    size_t got;

    return len == 43 &&
                   sodium_base642bin(out, 32, s, len, NULL, &got, NULL,
                                     sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0 &&
                   got == 32
               ? 0
               : -1;
}

/* The file key, if this stanza was made for this identity. */
static int try_unwrap(const struct stanza *st, const struct lb_age_identity *id,
                      uint8_t file_key[AGE_FILE_KEY])
{
    static const uint8_t zero_nonce[12];
    uint8_t share[32], shared[32], salt[64], key[AGE_KEY];
    int is_ssh = st->arg_len[0] == 11 && memcmp(st->arg[0], "ssh-ed25519", 11) == 0;
    int is_x25519 = st->arg_len[0] == 6 && memcmp(st->arg[0], "X25519", 6) == 0;
    int rc = -1;

    if (!st->body_fits || (is_ssh != id->ssh) || (!is_ssh && !is_x25519))
        return -1;
    if (is_ssh) {
        uint8_t hash[crypto_hash_sha256_BYTES], tag[4];
        size_t got;
        crypto_hash_sha256(hash, id->ssh_wire, sizeof(id->ssh_wire));
        if (st->nargs != 3 ||
            sodium_base642bin(tag, sizeof(tag), st->arg[1], st->arg_len[1], NULL, &got, NULL,
                              sodium_base64_VARIANT_ORIGINAL_NO_PADDING) < 0 ||
            got != 4 || memcmp(tag, hash, 4) != 0 || decode32(st->arg[2], st->arg_len[2], share))
            return -1;
    } else if (st->nargs != 2 || decode32(st->arg[1], st->arg_len[1], share) < 0) {
        return -1;
    }
    if (crypto_scalarmult(shared, id->secret, share) < 0)
        goto out;
    if (is_ssh) {
        uint8_t tweak[32], untweaked[32];
        memcpy(untweaked, shared, sizeof(shared)); /* the output must not alias the input */
        lb_age_hkdf(NULL, 0, id->ssh_wire, sizeof(id->ssh_wire), ssh_label, tweak);
        if (crypto_scalarmult(shared, tweak, untweaked) < 0)
            goto out;
    }
    memcpy(salt, share, 32);
    memcpy(salt + 32, id->x25519, 32);
    lb_age_hkdf(shared, sizeof(shared), salt, sizeof(salt), is_ssh ? ssh_label : x25519_label, key);
    rc = crypto_aead_chacha20poly1305_ietf_decrypt(file_key, NULL, NULL, st->body, sizeof(st->body),
                                                   NULL, 0, zero_nonce, key);
out:
    sodium_memzero(shared, sizeof(shared));
    sodium_memzero(key, sizeof(key));
    return rc;
}

int lb_age_read_header(const uint8_t *buf, size_t len, const struct lb_age_identities *ids,
                       uint8_t payload_key[AGE_KEY], size_t *payload_at, struct lb_error *err)
{
    uint8_t file_key[AGE_FILE_KEY], mac[32], want[32];
    size_t pos = 0, n, got;
    const char *line;
    int have_key = 0, nstanzas = 0;

    if (sodium_init() < 0) {
        lb_error_set(err, "libsodium cannot start");
        return -1;
    }
    if (len < sizeof(intro) - 1 || memcmp(buf, intro, sizeof(intro) - 1) != 0) {
        lb_error_set(err, "not an age file: no 'age-encryption.org/v1' line at byte 0");
        return -1;
    }
    pos = sizeof(intro) - 1;
    for (;;) {
        size_t at = pos;
        if (next_line(buf, len, &pos, &line, &n) < 0) {
            lb_error_set(err, "the age header has no end ('---' line) in its first %zu bytes", len);
            return -1;
        }
        if (n >= 3 && memcmp(line, "---", 3) == 0) {
            if (n != 3 + 1 + 43 || line[3] != ' ' ||
                sodium_base642bin(mac, sizeof(mac), line + 4, 43, NULL, &got, NULL,
                                  sodium_base64_VARIANT_ORIGINAL_NO_PADDING) < 0 ||
                got != 32) {
                lb_error_set(err, "the age header's MAC line at byte %zu is malformed", at);
                return -1;
            }
            if (!have_key) {
                lb_error_set(err,
                             "none of the %zu identities given opens this file (it was "
                             "encrypted to %d other recipient%s)",
                             ids->n, nstanzas, nstanzas == 1 ? "" : "s");
                return -1;
            }
            header_mac(file_key, buf, at + 3, want);
            if (sodium_memcmp(mac, want, sizeof(mac)) != 0) {
                sodium_memzero(file_key, sizeof(file_key));
                lb_error_set(err, "the age header's MAC does not match: the header was changed");
                return -1;
            }
            break;
        }
        struct stanza st;
        if (n < 4 || memcmp(line, "-> ", 3) != 0 || split_args(line + 3, n - 3, &st) < 0 ||
            read_body(buf, len, &pos, &st) < 0) {
            lb_error_set(err, "the age header's stanza at byte %zu is malformed", at);
            return -1;
        }
        if (++nstanzas > MAX_STANZAS) {
            lb_error_set(err, "the age header has more than %d stanzas", MAX_STANZAS);
            return -1;
        }
        for (size_t i = 0; i < ids->n && !have_key; i++)
            have_key = try_unwrap(&st, &ids->id[i], file_key) == 0;
    }
    if (len - pos < AGE_NONCE) {
        sodium_memzero(file_key, sizeof(file_key));
        lb_error_set(err, "the age file ends in its payload nonce (byte %zu)", pos);
        return -1;
    }
    lb_age_hkdf(file_key, sizeof(file_key), buf + pos, AGE_NONCE, "payload", payload_key);
    sodium_memzero(file_key, sizeof(file_key));
    *payload_at = pos + AGE_NONCE;
    return 0;
}
