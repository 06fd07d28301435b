/*
 * tls.c - TLS to a dump server with OpenSSL (tls.h).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "platform/tcp.h"
#include "platform/tls.h"

/* base64(SHA-256(SubjectPublicKeyInfo)): what HPKP and curl's --pinnedpubkey call a pin. */
static int key_pin(SSL *ssl, char *out, size_t len)
{
    X509 *cert = SSL_get1_peer_certificate(ssl);
    unsigned char *der = NULL, digest[32];
    int n = cert ? i2d_PUBKEY(X509_get0_pubkey(cert), &der) : -1;

    X509_free(cert);
    if (n <= 0 || len < 45)
        return -1;
    SHA256(der, (size_t)n, digest);
    OPENSSL_free(der);
    EVP_EncodeBlock((unsigned char *)out, digest, sizeof(digest));
    return 0;
}

static void ssl_why(const char *what, struct lb_error *err)
{
    unsigned long e = ERR_get_error();
    char text[256] = "";

    if (e)
        ERR_error_string_n(e, text, sizeof(text));
    lb_error_setk(err, LB_ERR_SYSTEM, "%s%s%s", what, text[0] ? ": " : "", text);
}

int tls_open(struct tls_conn *c, const struct tls_endpoint *e, char *pin_out, struct lb_error *err)
{
    struct timeval tv = {.tv_sec = e->timeout};
    int pinned = e->pin && *e->pin;
    char pin[TLS_PIN_MAX];
    SSL_CTX *ctx;
    SSL *ssl;

    memset(c, 0, sizeof(*c));
    c->fd = tcp_connect(e->address, e->port, e->timeout, err);
    if (c->fd < 0)
        return -1;
    /* every read and write has the deadline too */
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    c->ctx = ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        ssl_why("TLS", err);
        goto fail;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (!pinned) {
        if (e->ca_file ? SSL_CTX_load_verify_locations(ctx, e->ca_file, NULL) != 1
                       : SSL_CTX_set_default_verify_paths(ctx) != 1) {
            ssl_why("cannot read the CA certificates", err);
            goto fail;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    c->ssl = ssl = SSL_new(ctx);
    /* a host named by its address: the certificate must carry that address (an IP SAN) */
    int numeric = strspn(e->host, "0123456789.") == strlen(e->host) || strchr(e->host, ':');
    if (!ssl || SSL_set_fd(ssl, c->fd) != 1 ||
        (!numeric && SSL_set_tlsext_host_name(ssl, e->host) != 1) ||
        (!pinned && !numeric && SSL_set1_host(ssl, e->host) != 1) ||
        (!pinned && numeric && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), e->host) != 1)) {
        ssl_why("TLS", err);
        goto fail;
    }
    if (SSL_connect(ssl) != 1) {
        long v = SSL_get_verify_result(ssl);
        if (!pinned && v != X509_V_OK)
            lb_error_setk(err, LB_ERR_REFUSED,
                          "the server's certificate does not verify for %s: %s", e->host,
                          X509_verify_cert_error_string(v));
        else
            ssl_why("TLS handshake", err);
        goto fail;
    }
    if (key_pin(ssl, pin, sizeof(pin)) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "the server sent no certificate");
        goto fail;
    }
    if (pinned && strcmp(pin, e->pin) != 0) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the server at %s port %u has a key that is not the one pinned at load: "
                      "refused (a new certificate, or someone in between)",
                      e->address, e->port);
        goto fail;
    }
    if (pin_out)
        snprintf(pin_out, TLS_PIN_MAX, "%s", pin);
    return 0;
fail:
    tls_close(c);
    return -1;
}

int tls_write(struct tls_conn *c, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        int n = SSL_write(c->ssl, p, len > (1u << 30) ? 1 << 30 : (int)len);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

ssize_t tls_read(struct tls_conn *c, void *buf, size_t len)
{
    int n = SSL_read(c->ssl, buf, len > (1u << 30) ? 1 << 30 : (int)len);

    if (n > 0)
        return n;
    return SSL_get_error(c->ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

void tls_close(struct tls_conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}
