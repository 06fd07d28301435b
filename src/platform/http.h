/*
 * http.h - HTTP/1.1 over TLS to a dump server that takes PUT (nginx's
 * WebDAV module, an object-store gateway): small files whole, the dump as
 * a chunked stream (makedumpfile's flattened format: a stream has no
 * seeking back), directories with MKCOL and MOVE.
 *
 * One request a connection (Connection: close): a capture makes a handful,
 * and a request never waits behind another's broken connection.
 */
#ifndef LIFEBOAT_HTTP_H
#define LIFEBOAT_HTTP_H

#include <stddef.h>

#include "lbdump.h"
#include "platform/tls.h"

/*
 * A bearer token's bytes, with its NUL: JWTs run to several KiB, and 8 KiB
 * is the longest header line nginx takes by default.
 */
enum { HTTP_TOKEN_MAX = 8192 };

struct http_server {
    struct tls_endpoint tls;
    const char *token; /* "Authorization: Bearer TOKEN"; NULL or "": none */
};

/*
 * One request: method path, extra header lines ("Name: value\r\n"...),
 * body of len bytes (a Content-Length).  The status goes to *status, also
 * one a server answered before the request was all sent (and hung up); -1
 * if no answer came, the reason in err.
 */
int http_request(const struct http_server *h, const char *method, const char *path,
                 const char *headers, const void *body, size_t len, int *status,
                 struct lb_error *err);

/* PUT path, its body the bytes written to the sink, in order (a stream sink). */
struct lb_sink *http_put_sink(const struct http_server *h, const char *path, struct lb_error *err);

/* "201 Created" and friends: did the request do what it asked? */
static inline int http_ok(int status)
{
    return status >= 200 && status < 300;
}

#endif
