/*
 * remote_sink.c - an ssh:// destination as a sink (remote_sink.h), in the
 * network build.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config_net.h"
#include "platform/first_line.h"
#include "platform/http.h"
#include "platform/netlink.h"
#include "platform/sftp.h"
#include "tools/remote_sink.h"

/* The caller's key: the capture's if there is one, else the user's own. */
static const char *default_identity(char *buf, size_t len)
{
    const char *home = getenv("HOME");

    if (access(DEFAULT_SSH_IDENTITY, R_OK) == 0 || !home)
        return DEFAULT_SSH_IDENTITY;
    snprintf(buf, len, "%s/.ssh/id_ed25519", home);
    return buf;
}

static int resolve(const char *host, char *address, size_t len, struct lb_error *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    struct net_addr a = {0};
    int e = getaddrinfo(host, NULL, &hints, &res);

    if (e != 0 || !res) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "cannot resolve %s: %s", host, gai_strerror(e));
        return -1;
    }
    a.family = res->ai_family;
    if (a.family == AF_INET)
        memcpy(a.bytes, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
    else
        memcpy(a.bytes, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
    freeaddrinfo(res);
    net_addr_format(&a, 0, address, len);
    return 0;
}

/* PUT to an https:// URL: the certificate checked against --ca (or the system's CAs). */
static struct lb_sink *https_sink(const struct target *t, const struct dump_keys *keys,
                                  struct lb_error *err)
{
    static char token[HTTP_TOKEN_MAX];
    static struct http_server h;

    char why[600];

    token[0] = '\0';
    if (keys->token_file &&
        first_line(keys->token_file, token, sizeof(token), why, sizeof(why)) < 0) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "the token: %s", why);
        return NULL;
    }
    h = (struct http_server){.tls = {.address = t->address,
                                     .host = t->host,
                                     .port = target_port(t),
                                     .ca_file = keys->ca_file,
                                     .timeout = 30},
                             .token = token};
    return http_put_sink(&h, t->path, err);
}

struct lb_sink *remote_sink_open(const char *url, const struct dump_keys *keys,
                                 struct lb_error *err)
{
    static struct sftp_link link; /* lives as long as the sink: one per command */
    static struct target t;       /* the strings the sink keeps pointing at */
    static char identity[600];
    char why[600];
    struct lb_sink *sink;

    if (target_url_parse(url, &t, why, sizeof(why)) < 0 || t.kind == TARGET_NFS) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "%s",
                      t.kind == TARGET_NFS ? "nfs:// is not a destination: mount it" : why);
        return NULL;
    }
    if (resolve(t.host, t.address, sizeof(t.address), err) < 0)
        return NULL;
    if (t.kind == TARGET_HTTPS)
        return https_sink(&t, keys, err);
    link.endpoint = (struct ssh_endpoint){
        .address = t.address,
        .host = t.host,
        .port = target_port(&t),
        .user = t.user,
        .identity =
            keys->ssh_identity ? keys->ssh_identity : default_identity(identity, sizeof(identity)),
        .host_key = keys->host_key,
        .known_hosts = keys->known_hosts,
        .timeout = 30};
    link.retries = 3;
    if (sftp_link_up(&link, why, sizeof(why)) < 0) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "%s: %s", url, why);
        return NULL;
    }
    if (!(sink = sftp_sink_create(&link, t.path, err)))
        return NULL;
    return sink;
}
