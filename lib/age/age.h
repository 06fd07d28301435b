/*
 * age.h - inside the dump engine: the age v1 file format
 * (age-encryption.org/v1), which the encrypting sink writes and the
 * decrypting reader reads, so that Debian's `age -d` opens what lifeboat
 * encrypts and lifeboat reads what it wrote without a clear copy on disk.
 *
 * A file is a text header (one stanza per recipient, each wrapping the
 * 16-byte file key; an HMAC over the header), a 16-byte nonce, then the
 * payload in 64 KiB chunks, each sealed alone with ChaCha20-Poly1305 under a
 * key derived from the file key and the nonce, the chunk's number and a
 * "last chunk" flag as its nonce.  Chunks being independent is what lets a
 * dump written at random offsets be encrypted chunk by chunk, and read back
 * at random.  Every primitive is libsodium's; HKDF is RFC 5869 over its HMAC.
 */
#ifndef LBDUMP_AGE_H
#define LBDUMP_AGE_H

#include "lbdump.h"

enum {
    AGE_CHUNK = 64 << 10,             /* plaintext bytes per chunk */
    AGE_TAG = 16,                     /* Poly1305 tag after each chunk */
    AGE_SEALED = AGE_CHUNK + AGE_TAG, /* ciphertext bytes per full chunk */
    AGE_FILE_KEY = 16,
    AGE_NONCE = 16,
    AGE_KEY = 32,
    AGE_HEADER_MAX = 16 << 10, /* a header we write or read: stanzas of a few recipients */
};

struct lb_age_identity {
    int ssh;
    uint8_t secret[32]; /* X25519 scalar (ssh: from the Ed25519 seed) */
    uint8_t x25519[32]; /* its public key */
    uint8_t ssh_wire[51];
};

struct lb_age_identities {
    struct lb_age_identity id[LB_AGE_MAX_IDENTITIES];
    size_t n;
};

/* HKDF-SHA256 with a 32-byte output. */
void lb_age_hkdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
                 const char *info, uint8_t out[AGE_KEY]);
/* Seals or opens chunk index of the payload (last: the final chunk). */
void lb_age_seal_chunk(const uint8_t key[AGE_KEY], uint64_t index, int last, const uint8_t *plain,
                       size_t len, uint8_t *sealed);
int lb_age_open_chunk(const uint8_t key[AGE_KEY], uint64_t index, int last, const uint8_t *sealed,
                      size_t sealed_len, uint8_t *plain);
/*
 * Makes a header (with the payload nonce after it) for a fresh file key,
 * wrapped for each recipient; returns its length, and the payload key.
 */
int lb_age_make_header(const struct lb_age_recipient *r, size_t n, uint8_t *out, size_t cap,
                       size_t *len, uint8_t payload_key[AGE_KEY], struct lb_error *err);
/*
 * Reads the header at the start of buf (len bytes of the file), unwraps the
 * file key with one of the identities, checks the header's MAC; gives the
 * payload key and where the payload (its first chunk) starts.
 */
int lb_age_read_header(const uint8_t *buf, size_t len, const struct lb_age_identities *ids,
                       uint8_t payload_key[AGE_KEY], size_t *payload_at, struct lb_error *err);

#endif
