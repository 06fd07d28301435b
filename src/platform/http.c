/*
 * http.c - the few HTTP requests a capture makes (http.h).
 *
 * The answer is read as far as its status line and headers, bounded (16
 * KiB); the body, if any, is not needed: the connection closes after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/http.h"

enum { HEAD_MAX = 16384 };

/*
 * The request's head, built to the size of what goes in it: a bearer token
 * alone may take HTTP_TOKEN_MAX.  It holds the token, so it is wiped.
 */
static int send_head(struct tls_conn *c, const struct http_server *h, const char *method,
                     const char *path, const char *headers, const char *length)
{
    int bearer = h->token && *h->token;
    char *head = NULL;
    int n = asprintf(&head,
                     "%s %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: lifeboat\r\n%s%s%s"
                     "Connection: close\r\n%s%s\r\n",
                     method, path, h->tls.host, h->tls.port, bearer ? "Authorization: Bearer " : "",
                     bearer ? h->token : "", bearer ? "\r\n" : "", headers ? headers : "", length);
    int r;

    if (n < 0)
        return -1;
    r = tls_write(c, head, (size_t)n);
    explicit_bzero(head, (size_t)n);
    free(head);
    return r;
}

/* "HTTP/1.1 201 Created" at the top of what the server answered. */
static int read_status(struct tls_conn *c, int *status, struct lb_error *err)
{
    char head[HEAD_MAX + 1];
    size_t have = 0;

    while (have < HEAD_MAX) {
        ssize_t n = tls_read(c, head + have, HEAD_MAX - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        head[have] = '\0';
        if (strstr(head, "\r\n\r\n"))
            break;
    }
    head[have] = '\0';
    if (sscanf(head, "HTTP/1.%*1[01] %3d", status) != 1) {
        lb_error_setk(err, LB_ERR_SYSTEM, "the server gave no HTTP answer");
        return -1;
    }
    return 0;
}

/*
 * A server may answer before the request is all sent (401, 403, 413) and
 * hang up: when a write fails, what it said is the reason.  Its status, or 0
 * if it said nothing.
 */
static int answer_before_the_end(struct tls_conn *c)
{
    struct lb_error unread;
    int status = 0;

    return read_status(c, &status, &unread) == 0 ? status : 0;
}

int http_request(const struct http_server *h, const char *method, const char *path,
                 const char *headers, const void *body, size_t len, int *status,
                 struct lb_error *err)
{
    struct tls_conn c;
    char length[64];
    int r = 0;

    if (tls_open(&c, &h->tls, NULL, err) < 0)
        return -1;
    snprintf(length, sizeof(length), "Content-Length: %zu\r\n", len);
    if (send_head(&c, h, method, path, headers, length) < 0 ||
        (len && tls_write(&c, body, len) < 0)) {
        *status = answer_before_the_end(&c);
        if (!*status) {
            lb_error_setk(err, LB_ERR_SYSTEM, "%s %s: the connection failed", method, path);
            r = -1;
        }
    } else {
        r = read_status(&c, status, err);
    }
    tls_close(&c);
    return r;
}

/* ---- the streamed PUT -------------------------------------------------- */

struct put_sink {
    struct lb_sink base;
    struct tls_conn conn;
    uint64_t pos;
    int failed;
    int status; /* what the server answered, once it has */
    char path[512];
};

static int put_write(struct lb_sink *s, const void *buf, size_t len, uint64_t offset,
                     struct lb_error *err)
{
    struct put_sink *p = (struct put_sink *)s;
    char size[24];
    int n;

    if (offset != p->pos) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "%s: a write out of order on a stream", p->path);
        return -1;
    }
    if (len == 0)
        return 0;
    n = snprintf(size, sizeof(size), "%zx\r\n", len);
    if (p->failed || tls_write(&p->conn, size, (size_t)n) < 0 ||
        tls_write(&p->conn, buf, len) < 0 || tls_write(&p->conn, "\r\n", 2) < 0) {
        if (!p->failed)
            p->status = answer_before_the_end(&p->conn);
        p->failed = 1;
        if (p->status)
            lb_error_setk(err, LB_ERR_OUTPUT_IO,
                          "PUT %s: the server answered HTTP %d at byte %llu and hung up", p->path,
                          p->status, (unsigned long long)offset);
        else
            lb_error_setk(err, LB_ERR_OUTPUT_IO,
                          "%s: the connection to the server failed at byte %llu", p->path,
                          (unsigned long long)offset);
        return -1;
    }
    p->pos += len;
    return 0;
}

static int put_finish(struct lb_sink *s, uint64_t size, int whole, struct lb_error *err)
{
    struct put_sink *p = (struct put_sink *)s;
    struct lb_error why = {.msg = "no answer"};

    (void)size, (void)whole; /* a cut stream is still stored: it reads as far as it goes */
    if (!p->failed) {
        if (tls_write(&p->conn, "0\r\n\r\n", 5) < 0)
            p->status = answer_before_the_end(&p->conn);
        else
            read_status(&p->conn, &p->status, &why);
    }
    if (http_ok(p->status))
        return 0;
    if (p->status)
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "PUT %s: the server refused it (HTTP %d)", p->path,
                      p->status);
    else
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "PUT %s: %s", p->path, why.msg);
    return -1;
}

static void put_free(struct lb_sink *s)
{
    struct put_sink *p = (struct put_sink *)s;

    tls_close(&p->conn);
    free(p);
}

static const struct lb_sink_ops put_ops = {
    .write = put_write,
    .finish = put_finish,
    .free = put_free,
};

struct lb_sink *http_put_sink(const struct http_server *h, const char *path, struct lb_error *err)
{
    struct put_sink *p = calloc(1, sizeof(*p));

    if (!p || strlen(path) >= sizeof(p->path)) {
        free(p);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    p->base.ops = &put_ops;
    p->base.caps = LB_SINK_STREAM;
    strcpy(p->path, path);
    if (tls_open(&p->conn, &h->tls, NULL, err) < 0) {
        err->kind = LB_ERR_OUTPUT_IO; /* for the engine, the sink is the output */
        free(p);
        return NULL;
    }
    /* If-None-Match: a server that keeps to RFC 9110 refuses to replace what exists */
    if (send_head(&p->conn, h, "PUT", path, "If-None-Match: *\r\n",
                  "Transfer-Encoding: chunked\r\n") < 0) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "PUT %s: the connection failed", path);
        put_free(&p->base);
        return NULL;
    }
    return &p->base;
}
