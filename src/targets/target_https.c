/*
 * target_https.c - https://host[:port]/dir: a dump directory on a server
 * that takes HTTP PUT (WebDAV: PUT, MKCOL, MOVE, DELETE; nginx's dav module
 * does), in the network build.
 *
 * At load the server's certificate is checked against the CA store (or
 * https-ca) and its host name, and its key is pinned; the bearer token
 * (https-token) goes into the initramfs, never into a dump directory; a
 * file is put in the directory and deleted.  In the crash kernel the pinned
 * key only.  The dump goes up as one chunked PUT of makedumpfile's
 * flattened format, vmcore.flat ('lifeboat convert vmcore.flat vmcore' or
 * makedumpfile -R makes the file crash and lifeboat info open).
 * The directory is made as .partial-NAME and moved to NAME without
 * overwriting (Overwrite: F).  A dropped connection cannot resume a
 * stream: the dump fails there, and the next target is tried.
 *
 * The kind's line (pin-sha256) is read in both builds; what it does, only in
 * the network build: in the other, target_network_build_ops refuses it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config_net.h"
#include "dumpdir/dumpdir.h"
#include "dumpdir/place.h"
#include "platform/first_line.h"
#include "platform/http.h"
#include "platform/supervise.h"
#include "targets/network.h"
#include "targets/target.h"

enum { TIMEOUT = 30 };

/* What an https target has of its own (in struct target's kind_data). */
struct https_data {
    char pin[TLS_PIN_MAX]; /* base64 SHA-256 of the server's public key, pinned at load */
};
_Static_assert(sizeof(struct https_data) <= sizeof(((struct target *)0)->kind_data),
               "an https target's data fits in kind_data");

static struct https_data *https_data(struct target *t)
{
    return (struct https_data *)t->kind_data;
}

static const char *pinned_key(const struct target *t)
{
    return ((const struct https_data *)t->kind_data)->pin;
}

#ifdef LIFEBOAT_NETWORK

/* The token file's first line: it is a secret, read where it is used and nowhere else. */
static int read_token(const char *path, char *token, size_t len, struct lb_error *err)
{
    token[0] = '\0';
    return path[0] ? first_line(path, token, len, err) : 0;
}

static void server_of(const struct target *t, const struct config *cfg, const char *token,
                      struct http_server *h)
{
    *h = (struct http_server){.tls = {.address = t->address,
                                      .host = t->host,
                                      .port = target_port(t),
                                      .pin = pinned_key(t),
                                      .ca_file = cfg->https_ca[0] ? cfg->https_ca : NULL,
                                      .timeout = TIMEOUT},
                              .token = token};
}

/* "/dir/name", no double slash whatever the URL ended with. */
static void join(char *out, size_t len, const char *dir, const char *name)
{
    size_t n = strlen(dir);
    snprintf(out, len, "%.*s/%s", (int)(n && dir[n - 1] == '/' ? n - 1 : n), dir, name);
}

static int https_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                         struct lb_error *err)
{
    static char token[HTTP_TOKEN_MAX];
    char pin[TLS_PIN_MAX], probe[600];
    struct lb_error failed;
    struct http_server h;
    struct tls_conn c;
    int status = 0;

    if (network_prepare(t, cfg, mods, err) < 0 ||
        read_token(cfg->https_token, token, sizeof(token), err) < 0)
        return -1;
    server_of(t, cfg, token, &h);
    if (tls_open(&c, &h.tls, pin, err) < 0) {
        lb_error_prefix(err, "%s", t->shown); /* a key not the pinned one stays REFUSED */
        return -1;
    }
    tls_close(&c);
    if (!pinned_key(t)[0])
        snprintf(https_data(t)->pin, sizeof(https_data(t)->pin), "%s", pin);
    /* what the capture will do, done once now: a file put in the directory, and deleted where
     * the token may delete (a write-only one keeps this one file, the same name every load) */
    join(probe, sizeof(probe), t->path, ".lifeboat-check");
    if (http_request(&h, "PUT", probe, NULL, "lifeboat\n", 9, &status, &failed) < 0 ||
        !http_ok(status)) {
        if (status)
            lb_error_setk(err, LB_ERR_REFUSED, "%s: cannot write there: HTTP %d%s", t->shown,
                          status, status == 401 || status == 403 ? " (the token?)" : "");
        else
            lb_error_setk(err, LB_ERR_SYSTEM, "%s: %s", t->shown, failed.msg);
        return -1;
    }
    http_request(&h, "DELETE", probe, NULL, NULL, 0, &status, &failed);
    return 0;
}

/* ---- the place ---------------------------------------------------------- */

struct https_place {
    struct place base;
    struct http_server server;
    char dir[600];
};

static struct lb_sink *place_create(struct place *base, const char *name, int positioned,
                                    struct lb_error *err)
{
    struct https_place *p = (struct https_place *)base;
    char path[700];

    (void)positioned; /* a stream either way: the steps put the flattened format over it */
    join(path, sizeof(path), p->dir, name);
    return http_put_sink(&p->server, path, err);
}

static int place_put(struct place *base, const char *name, const void *data, size_t len)
{
    struct https_place *p = (struct https_place *)base;
    char path[700];
    struct lb_error failed;
    int status = 0;

    join(path, sizeof(path), p->dir, name);
    if (http_request(&p->server, "PUT", path, NULL, data, len, &status, &failed) < 0 ||
        !http_ok(status)) {
        fprintf(stderr, "lifeboat: PUT %s: %s\n", path, status ? "refused" : failed.msg);
        return -1;
    }
    return 0;
}

static int place_remove(struct place *base, const char *name)
{
    struct https_place *p = (struct https_place *)base;
    char path[700];
    struct lb_error failed;
    int status = 0;

    join(path, sizeof(path), p->dir, name);
    return http_request(&p->server, "DELETE", path, NULL, NULL, 0, &status, &failed) == 0 &&
                   http_ok(status)
               ? 0
               : -1;
}

static const struct place_ops https_place_ops = {
    .create = place_create,
    .put = place_put,
    .remove = place_remove,
};

/* ---- the capture -------------------------------------------------------- */

struct dir_job {
    struct https_place *place;
    const struct target *t;
    const struct capture *c;
    struct dumpdir *names; /* shared with the parent */
    int complete;
};

/* 1 if path (a collection, with its '/') is there, 0 if not, -1 if the server did not say. */
static int exists(const struct http_server *h, const char *path, struct lb_error *err)
{
    int status = 0;

    if (http_request(h, "HEAD", path, NULL, NULL, 0, &status, err) < 0)
        return -1;
    return status == 404 ? 0 : 1;
}

static int make_directory(void *ctx)
{
    struct dir_job *j = ctx;
    const struct http_server *h = &j->place->server;
    char path[700];
    struct lb_error failed = {.msg = "the server refuses MKCOL"};
    int status = 0;

    for (int n = 1; n < DUMPDIR_MAX_SUFFIX; n++) {
        char name[200];
        dumpdir_name(j->names, j->c->facts.crash_time, j->c->facts.hostname, n);
        snprintf(name, sizeof(name), "%s/", j->names->name);
        join(path, sizeof(path), j->t->path, name);
        int taken = exists(h, path, &failed);
        if (taken == 0) {
            snprintf(name, sizeof(name), "%s.incomplete/", j->names->name);
            join(path, sizeof(path), j->t->path, name);
            taken = exists(h, path, &failed);
        }
        if (taken < 0)
            break;
        if (taken)
            continue;
        snprintf(name, sizeof(name), "%s/", j->names->temp);
        join(path, sizeof(path), j->t->path, name);
        if (http_request(h, "MKCOL", path, NULL, NULL, 0, &status, &failed) < 0)
            break;
        if (http_ok(status)) {
            fprintf(stderr, "lifeboat: connected to %s\n", j->t->shown);
            return 0;
        }
        if (status != 405) /* 405: it exists; anything else: the server will not */
            break;
    }
    fprintf(stderr, "lifeboat: %s: no dump directory: %s%s\n", j->t->shown,
            status ? "HTTP status " : failed.msg, status ? "" : "");
    if (status)
        fprintf(stderr, "lifeboat: %s: MKCOL answered %d\n", j->t->shown, status);
    return 1;
}

/* A rehearsal's directory, deleted; a write-only token is refused that, and it is said. */
static int remove_rehearsal(struct dir_job *j)
{
    char path[700], name[200];
    struct lb_error failed = {.msg = ""};
    int status = 0;

    snprintf(name, sizeof(name), "%s/", j->names->temp);
    join(path, sizeof(path), j->t->path, name);
    if (http_request(&j->place->server, "DELETE", path, NULL, NULL, 0, &status, &failed) < 0 ||
        !http_ok(status)) {
        fprintf(stderr,
                "lifeboat: rehearsal: %s stays on the server, which refuses to delete it "
                "(%s%d): a write-only token is\n",
                path, status ? "HTTP " : failed.msg, status);
        return 1;
    }
    fprintf(stderr, "lifeboat: rehearsal: the dump written in %s was removed\n", path);
    return 0;
}

static int finish_directory(void *ctx)
{
    struct dir_job *j = ctx;
    char from[700], to[700], headers[1200], name[200];
    struct lb_error failed;
    int status = 0;

    if (j->c->rehearsal)
        return remove_rehearsal(j);
    snprintf(name, sizeof(name), "%s/", j->names->temp);
    join(from, sizeof(from), j->t->path, name);
    snprintf(name, sizeof(name), "%s%s/", j->names->name, j->complete ? "" : ".incomplete");
    join(to, sizeof(to), j->t->path, name);
    /* never over what is there: Overwrite: F */
    snprintf(headers, sizeof(headers), "Destination: https://%s:%u%s\r\nOverwrite: F\r\n",
             j->t->host, target_port(j->t), to);
    if (http_request(&j->place->server, "MOVE", from, headers, NULL, 0, &status, &failed) < 0 ||
        !http_ok(status)) {
        fprintf(stderr, "lifeboat: cannot move %s to %s: %s\n", from, to,
                status ? "refused by the server" : failed.msg);
        return 1;
    }
    return 0;
}

static enum capture_outcome https_save(struct capture *c, const struct target *t, size_t index,
                                       const char *mount_base)
{
    static char token[HTTP_TOKEN_MAX];
    struct https_place place = {.base = {&https_place_ops, t->shown, 1}};
    struct dumpdir *names =
        mmap(NULL, sizeof(*names), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct dir_job job = {&place, t, c, names, 0};
    enum capture_outcome outcome;
    struct lb_error err;
    int signo;

    (void)index, (void)mount_base;
    if (names == MAP_FAILED) {
        fprintf(stderr, "lifeboat: no memory for %s\n", t->shown);
        return CAPTURE_FAILED;
    }
    if (read_token(c->cfg->https_token, token, sizeof(token), &err) < 0) {
        fprintf(stderr, "lifeboat: %s: %s\n", t->shown, err.msg);
        munmap(names, sizeof(*names));
        return CAPTURE_FAILED;
    }
    server_of(t, c->cfg, token, &place.server);
    names->rehearsal = c->rehearsal;
    if (supervise_run("connecting to the server", make_directory, &job, c->cfg->step_timeout,
                      &signo) != 0) {
        munmap(names, sizeof(*names));
        return CAPTURE_FAILED;
    }
    join(place.dir, sizeof(place.dir), t->path, names->temp);
    outcome = steps_into_place(c, &place.base);
    job.complete = outcome == CAPTURE_COMPLETE;
    if (supervise_run(c->rehearsal ? "removing the rehearsal's directory"
                                   : "moving the dump directory",
                      finish_directory, &job, c->cfg->step_timeout, &signo) == 0 &&
        !c->rehearsal)
        fprintf(stderr, "lifeboat: %s dump saved in %s%s%s%s\n",
                outcome == CAPTURE_COMPLETE ? "complete" : "incomplete", t->shown,
                t->shown[strlen(t->shown) - 1] == '/' ? "" : "/", names->name,
                outcome == CAPTURE_COMPLETE ? "" : ".incomplete");
    munmap(names, sizeof(*names));
    return outcome;
}

/* 'save https://...': PUT, the certificate checked against --ca (or the system's CAs). */
static struct lb_sink *https_open_sink(struct target *t, const struct target_credentials *creds,
                                       struct lb_error *err)
{
    static char token[HTTP_TOKEN_MAX];
    static struct http_server h;

    if (target_resolve(t, err) < 0)
        return NULL;
    token[0] = '\0';
    if (creds->token_file && first_line(creds->token_file, token, sizeof(token), err) < 0) {
        lb_error_prefix(err, "the token");
        return NULL;
    }
    h = (struct http_server){.tls = {.address = t->address,
                                     .host = t->host,
                                     .port = target_port(t),
                                     .ca_file = creds->ca_file,
                                     .timeout = 30},
                             .token = token};
    return http_put_sink(&h, t->path, err);
}

static const struct target_ops https_ops = {
    .prepare = https_prepare,
    .save = https_save,
    .open_sink = https_open_sink,
    .directory_here = target_on_a_server,
};
#define HTTPS_OPS (&https_ops)
#else
#define HTTPS_OPS (&target_network_build_ops)
#endif

/* "pin-sha256 BASE64": the server's public key, pinned at load. */
static int https_parse_option(struct target *t, char **w, int n, int *i, struct lb_error *err)
{
    if (strcmp(w[*i], "pin-sha256") != 0 || *i + 1 >= n)
        return 1;
    if (strlen(w[*i + 1]) != 44 || w[*i + 1][43] != '=') {
        lb_error_setk(err, LB_ERR_REFUSED, "pin-sha256 '%s' is not a base64 SHA-256", w[*i + 1]);
        return -1;
    }
    strcpy(https_data(t)->pin, w[*i + 1]);
    (*i)++;
    return 0;
}

static int https_format_options(const struct target *t, char *buf, size_t len, size_t *used)
{
    int n = 0;

    if (pinned_key(t)[0])
        n = snprintf(buf + *used, len - *used, " pin-sha256 %s", pinned_key(t));
    if (n < 0 || (size_t)n >= len - *used)
        return -1;
    *used += (size_t)n;
    return 0;
}

static void https_describe(const struct target *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s", t->shown);
}

/* The bearer token, when there is one, goes into the initramfs; the config then names it
 * there.  The CA was for load: the crash kernel checks the pinned key. */
static int https_secret(struct config *cfg, struct target_secret *s)
{
    if (!cfg->https_token[0])
        return 0;
    *s = (struct target_secret){.archive_path = CAPTURE_HTTPS_TOKEN,
                                .config_field = cfg->https_token,
                                .field_len = sizeof(cfg->https_token)};
    return 1;
}

const struct target_kind target_kind_https = {
    .name = "https",
    .url = 1,
    .port = 443,
    .network = 1,
    .network_build = 1,
    .usage = "https://HOST[:PORT]/DIR",
    .options_usage = " [pin-sha256 BASE64]",
    .parse = target_url_line_parse,
    .parse_option = https_parse_option,
    .format = target_url_line_format,
    .format_options = https_format_options,
    .describe = https_describe,
    .secret = https_secret,
    .ops = HTTPS_OPS,
};
