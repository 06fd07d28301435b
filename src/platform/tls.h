/*
 * tls.h - a TLS connection to a dump server, through OpenSSL (the library
 * libssh2 already brings into the network build: no second crypto stack).
 *
 * Like an SSH host key, the server's key is checked once on the running
 * system (the certificate chain against the CA store or a given CA, and the
 * host name) and pinned: the SHA-256 of its public key.  The crash kernel
 * accepts that key only, which needs neither a CA store nor a right clock.
 */
#ifndef LIFEBOAT_TLS_H
#define LIFEBOAT_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "lbdump.h"

enum { TLS_PIN_MAX = 64 };

struct tls_endpoint {
    const char *address; /* numeric */
    const char *host;    /* the name the certificate must carry (and SNI) */
    unsigned port;
    const char *pin;     /* base64 SHA-256 of the public key; NULL or "": verify the chain */
    const char *ca_file; /* the chain's trust anchor; NULL: the system's CA store */
    unsigned timeout;
};

struct tls_conn {
    int fd;
    void *ctx, *ssl; /* SSL_CTX, SSL */
};

/* Connects and checks the server; pin_out (TLS_PIN_MAX bytes) gets its key's pin when not NULL. */
int tls_open(struct tls_conn *c, const struct tls_endpoint *e, char *pin_out, struct lb_error *err);
int tls_write(struct tls_conn *c, const void *buf, size_t len);
/* Up to len bytes; 0 at the end of the stream, -1 on error. */
ssize_t tls_read(struct tls_conn *c, void *buf, size_t len);
void tls_close(struct tls_conn *c);

#endif
