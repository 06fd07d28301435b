/*
 * ssh_keyfile.c - writes OpenSSH ed25519 keys (ssh_keyfile.h).
 *
 * The private key file is "openssh-key-v1": cipher and KDF "none", one key,
 * its public blob, then the private section (two equal check words, the key
 * type, public key, the 64-byte secret, a comment, padding 1, 2, 3... to 8
 * bytes), base64 in lines of 70 between the armor lines.  libsodium makes
 * the key (the same library that reads such keys for age, lib/age/age_keys.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "platform/first_line.h"
#include "platform/format.h"
#include "platform/ssh_keyfile.h"

struct buf {
    uint8_t data[1024];
    size_t len;
};

static void put_u32(struct buf *b, uint32_t v)
{
    for (int i = 3; i >= 0; i--)
        b->data[b->len++] = (uint8_t)(v >> (8 * i));
}

static void put_string(struct buf *b, const void *s, size_t n)
{
    put_u32(b, (uint32_t)n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static void public_blob(struct buf *b, const uint8_t pk[32])
{
    put_string(b, "ssh-ed25519", 11);
    put_string(b, pk, 32);
}

static int write_file(const char *path, mode_t mode, const char *text, struct lb_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    size_t len = strlen(text);

    if (fd < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    return close(fd);
}

int ssh_keyfile_create(const char *path, const char *comment, char *pub_line, size_t pub_len,
                       struct lb_error *err)
{
    uint8_t pk[32], sk[64];
    static struct buf file, priv, pub;
    static char b64[2048], text[4096], line[600];
    char pub_path[600];
    uint32_t check;
    size_t clen = strlen(comment);

    if (sodium_init() < 0 || clen > 200 || strlen(path) > 500) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot make a key (libsodium, or a name too long)");
        return -1;
    }
    snprintf(pub_path, sizeof(pub_path), "%s.pub", path);
    if (access(path, F_OK) == 0 || access(pub_path, F_OK) == 0) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s exists: a key is never replaced", path);
        return -1;
    }
    crypto_sign_ed25519_keypair(pk, sk);
    randombytes_buf(&check, sizeof(check));
    file.len = priv.len = pub.len = 0;
    public_blob(&pub, pk);

    put_u32(&priv, check);
    put_u32(&priv, check);
    put_string(&priv, "ssh-ed25519", 11);
    put_string(&priv, pk, 32);
    put_string(&priv, sk, 64);
    put_string(&priv, comment, clen);
    for (uint8_t pad = 1; priv.len % 8; pad++)
        priv.data[priv.len++] = pad;

    memcpy(file.data, "openssh-key-v1", 15); /* with its NUL */
    file.len = 15;
    put_string(&file, "none", 4);
    put_string(&file, "none", 4);
    put_string(&file, "", 0);
    put_u32(&file, 1);
    put_string(&file, pub.data, pub.len);
    put_string(&file, priv.data, priv.len);
    sodium_memzero(sk, sizeof(sk));
    sodium_memzero(&priv, sizeof(priv));

    sodium_bin2base64(b64, sizeof(b64), file.data, file.len, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(&file, sizeof(file));
    size_t at = (size_t)snprintf(text, sizeof(text), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for (size_t i = 0, n = strlen(b64); i < n; i += 70)
        at += (size_t)snprintf(text + at, sizeof(text) - at, "%.70s\n", b64 + i);
    snprintf(text + at, sizeof(text) - at, "-----END OPENSSH PRIVATE KEY-----\n");
    sodium_memzero(b64, sizeof(b64));

    sodium_bin2base64(b64, sizeof(b64), pub.data, pub.len, sodium_base64_VARIANT_ORIGINAL);
    snprintf(line, sizeof(line), "ssh-ed25519 %.100s %.200s\n", b64, comment);
    int r = write_file(path, 0600, text, err);
    sodium_memzero(text, sizeof(text));
    if (r < 0)
        return -1;
    if (write_file(pub_path, 0644, line, err) < 0) {
        unlink(path);
        return -1;
    }
    line[strcspn(line, "\n")] = '\0';
    snprintf(pub_line, pub_len, "%s", line);
    return 0;
}

int ssh_keyfile_public(const char *path, char *pub_line, size_t pub_len, struct lb_error *err)
{
    char pub_path[600];

    if (format_whole(pub_path, sizeof(pub_path), "%s.pub", path) < 0) {
        lb_error_setk(err, LB_ERR_TOO_LONG, "%s: name too long", path);
        return -1;
    }
    return first_line(pub_path, pub_line, pub_len, err);
}
