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

/* The token file's first line: it is a secret, read where it is used and nowhere else. */
static int read_token(const char *path, char *token, size_t len, char *why, size_t whylen)
{
    token[0] = '\0';
    return path[0] ? first_line(path, token, len, why, whylen) : 0;
}

static void server_of(const struct target *t, const struct config *cfg, const char *token,
                      struct http_server *h)
{
    *h = (struct http_server){.tls = {.address = t->address,
                                      .host = t->host,
                                      .port = target_port(t),
                                      .pin = t->host_key,
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

static int https_prepare(struct target *t, struct config *cfg, struct module_list *mods, char *why,
                         size_t whylen)
{
    static char token[HTTP_TOKEN_MAX];
    char pin[TLS_PIN_MAX], what[600], probe[600];
    struct http_server h;
    struct tls_conn c;
    int status = 0;

    if (network_prepare(t, cfg, mods, why, whylen) < 0 ||
        read_token(cfg->https_token, token, sizeof(token), why, whylen) < 0)
        return -1;
    server_of(t, cfg, token, &h);
    if (tls_open(&c, &h.tls, pin, what, sizeof(what)) < 0) {
        snprintf(why, whylen, "%s: %s", t->shown, what);
        return -1;
    }
    tls_close(&c);
    if (!t->host_key[0])
        snprintf(t->host_key, sizeof(t->host_key), "%s", pin);
    /* what the capture will do, done once now: a file put in the directory, and deleted where
     * the token may delete (a write-only one keeps this one file, the same name every load) */
    join(probe, sizeof(probe), t->path, ".lifeboat-check");
    if (http_request(&h, "PUT", probe, NULL, "lifeboat\n", 9, &status, what, sizeof(what)) < 0 ||
        !http_ok(status)) {
        if (status)
            snprintf(why, whylen, "%s: cannot write there: HTTP %d%s", t->shown, status,
                     status == 401 || status == 403 ? " (the token?)" : "");
        else
            snprintf(why, whylen, "%s: %s", t->shown, what);
        return -1;
    }
    http_request(&h, "DELETE", probe, NULL, NULL, 0, &status, what, sizeof(what));
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
    char path[700], why[400];
    int status = 0;

    join(path, sizeof(path), p->dir, name);
    if (http_request(&p->server, "PUT", path, NULL, data, len, &status, why, sizeof(why)) < 0 ||
        !http_ok(status)) {
        fprintf(stderr, "lifeboat: PUT %s: %s\n", path, status ? "refused" : why);
        return -1;
    }
    return 0;
}

static int place_remove(struct place *base, const char *name)
{
    struct https_place *p = (struct https_place *)base;
    char path[700], why[400];
    int status = 0;

    join(path, sizeof(path), p->dir, name);
    return http_request(&p->server, "DELETE", path, NULL, NULL, 0, &status, why, sizeof(why)) ==
                       0 &&
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
static int exists(const struct http_server *h, const char *path, char *why, size_t whylen)
{
    int status = 0;

    if (http_request(h, "HEAD", path, NULL, NULL, 0, &status, why, whylen) < 0)
        return -1;
    return status == 404 ? 0 : 1;
}

static int make_directory(void *ctx)
{
    struct dir_job *j = ctx;
    const struct http_server *h = &j->place->server;
    char path[700], why[400] = "the server refuses MKCOL";
    int status = 0;

    for (int n = 1; n < DUMPDIR_MAX_SUFFIX; n++) {
        char name[200];
        dumpdir_name(j->names, j->c->facts.crash_time, j->c->facts.hostname, n);
        snprintf(name, sizeof(name), "%s/", j->names->name);
        join(path, sizeof(path), j->t->path, name);
        int taken = exists(h, path, why, sizeof(why));
        if (taken == 0) {
            snprintf(name, sizeof(name), "%s.incomplete/", j->names->name);
            join(path, sizeof(path), j->t->path, name);
            taken = exists(h, path, why, sizeof(why));
        }
        if (taken < 0)
            break;
        if (taken)
            continue;
        snprintf(name, sizeof(name), "%s/", j->names->temp);
        join(path, sizeof(path), j->t->path, name);
        if (http_request(h, "MKCOL", path, NULL, NULL, 0, &status, why, sizeof(why)) < 0)
            break;
        if (http_ok(status)) {
            fprintf(stderr, "lifeboat: connected to %s\n", j->t->shown);
            return 0;
        }
        if (status != 405) /* 405: it exists; anything else: the server will not */
            break;
    }
    fprintf(stderr, "lifeboat: %s: no dump directory: %s%s\n", j->t->shown,
            status ? "HTTP status " : why, status ? "" : "");
    if (status)
        fprintf(stderr, "lifeboat: %s: MKCOL answered %d\n", j->t->shown, status);
    return 1;
}

/* A rehearsal's directory, deleted; a write-only token is refused that, and it is said. */
static int remove_rehearsal(struct dir_job *j)
{
    char path[700], name[200], why[400] = "";
    int status = 0;

    snprintf(name, sizeof(name), "%s/", j->names->temp);
    join(path, sizeof(path), j->t->path, name);
    if (http_request(&j->place->server, "DELETE", path, NULL, NULL, 0, &status, why, sizeof(why)) <
            0 ||
        !http_ok(status)) {
        fprintf(stderr,
                "lifeboat: rehearsal: %s stays on the server, which refuses to delete it "
                "(%s%d): a write-only token is\n",
                path, status ? "HTTP " : why, status);
        return 1;
    }
    fprintf(stderr, "lifeboat: rehearsal: the dump written in %s was removed\n", path);
    return 0;
}

static int finish_directory(void *ctx)
{
    struct dir_job *j = ctx;
    char from[700], to[700], headers[1200], name[200], why[400];
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
    if (http_request(&j->place->server, "MOVE", from, headers, NULL, 0, &status, why, sizeof(why)) <
            0 ||
        !http_ok(status)) {
        fprintf(stderr, "lifeboat: cannot move %s to %s: %s\n", from, to,
                status ? "refused by the server" : why);
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
    char why[400];
    int signo;

    (void)index, (void)mount_base;
    if (names == MAP_FAILED) {
        fprintf(stderr, "lifeboat: no memory for %s\n", t->shown);
        return CAPTURE_FAILED;
    }
    if (read_token(c->cfg->https_token, token, sizeof(token), why, sizeof(why)) < 0) {
        fprintf(stderr, "lifeboat: %s: %s\n", t->shown, why);
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

const struct target_ops target_https_ops = {
    .kind = TARGET_HTTPS,
    .name = "https",
    .prepare = https_prepare,
    .save = https_save,
};
