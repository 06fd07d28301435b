/*
 * ssh.c - connecting to a dump server over SSH (ssh.h).
 *
 * Every exchange has a deadline (libssh2's session timeout, and tcp.c's
 * connect): a server that stops answering ends in an error the capture
 * can act on, never in a process hung for ever.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <sodium.h>

#include "platform/ssh.h"
#include "platform/tcp.h"

/* Host key algorithms by key type: what the session asks for, what known_hosts calls it. */
static const struct key_kind {
    const char *name;  /* the key's type, as in known_hosts */
    const char *prefs; /* the algorithms that use such a key, best first */
    int libssh2_type;
    int known_hosts_bits;
} kinds[] = {
    {"ssh-ed25519", "ssh-ed25519", LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519},
    {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", LIBSSH2_HOSTKEY_TYPE_ECDSA_256,
     LIBSSH2_KNOWNHOST_KEY_ECDSA_256},
    {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", LIBSSH2_HOSTKEY_TYPE_ECDSA_384,
     LIBSSH2_KNOWNHOST_KEY_ECDSA_384},
    {"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", LIBSSH2_HOSTKEY_TYPE_ECDSA_521,
     LIBSSH2_KNOWNHOST_KEY_ECDSA_521},
    {"ssh-rsa", "rsa-sha2-512,rsa-sha2-256,ssh-rsa", LIBSSH2_HOSTKEY_TYPE_RSA,
     LIBSSH2_KNOWNHOST_KEY_SSHRSA},
};
enum { NKINDS = sizeof(kinds) / sizeof(kinds[0]) };

static const struct key_kind *kind_named(const char *name, size_t len)
{
    for (int i = 0; i < NKINDS; i++)
        if (strlen(kinds[i].name) == len && strncmp(kinds[i].name, name, len) == 0)
            return &kinds[i];
    return NULL;
}

static void session_error(struct ssh_conn *c, const char *what, struct lb_error *err)
{
    char *msg = NULL;

    libssh2_session_last_error(c->session, &msg, NULL, 0);
    lb_error_setk(err, LB_ERR_SYSTEM, "%s: %s", what, msg && *msg ? msg : "failed");
}

/* A handshake asking for keys of one kind only. */
static int handshake(struct ssh_conn *c, const struct ssh_endpoint *e, const struct key_kind *k,
                     struct lb_error *err)
{
    c->fd = tcp_connect(e->address, e->port, e->timeout, err);
    if (c->fd < 0)
        return -1;
    c->session = libssh2_session_init();
    if (!c->session) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for an SSH session");
        return -1;
    }
    libssh2_session_set_blocking(c->session, 1);
    libssh2_session_set_timeout(c->session, (long)e->timeout * 1000);
    if (libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY, k->prefs) < 0 ||
        libssh2_session_handshake(c->session, c->fd) < 0) {
        session_error(c, "SSH handshake", err);
        return -1;
    }
    return 0;
}

int ssh_host_key_text(const char *type, const void *key, size_t len, char *out, size_t outlen)
{
    size_t n = strlen(type);

    if (outlen <= n + 1 ||
        sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL) > outlen - n - 1) {
        if (outlen)
            out[0] = '\0';
        return -1;
    }
    memcpy(out, type, n);
    out[n] = ' ';
    sodium_bin2base64(out + n + 1, outlen - n - 1, key, len, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

/* The server's key against the pinned one: the same type and the same bytes, or nothing. */
static int check_pinned(struct ssh_conn *c, const struct ssh_endpoint *e, const struct key_kind *k,
                        struct lb_error *err)
{
    size_t len;
    int type;
    const char *key = libssh2_session_hostkey(c->session, &len, &type);
    char have[SSH_HOST_KEY_MAX];

    if (!key || type != k->libssh2_type ||
        ssh_host_key_text(k->name, key, len, have, sizeof(have)) < 0 ||
        strcmp(have, e->host_key) != 0) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the server at %s port %u offers a host key that is not the one pinned at "
                      "load: refused (a new server, or someone in between)",
                      e->address, e->port);
        return -1;
    }
    return 0;
}

/* A known_hosts line holds at most a pinnable key and its hosts; one longer is skipped whole. */
enum { KNOWN_HOSTS_LINE_MAX = SSH_HOST_KEY_MAX + 4096, KNOWN_HOSTS_LINES_MAX = 100000 };

/* The next line of f, its end dropped: 0, or -1 at the file's end. */
static int next_line(FILE *f, char *line, size_t len)
{
    while (fgets(line, (int)len, f)) {
        size_t n = strcspn(line, "\n");
        int c;
        if (line[n] == '\n' || feof(f)) {
            line[n] = '\0';
            return 0;
        }
        while ((c = fgetc(f)) != EOF && c != '\n')
            ; /* longer than any key lifeboat could pin: none of its words are used */
    }
    return -1;
}

/* The first max blank-separated words of line, cut in place: how many. */
static int split_words(char *line, char **w, int max)
{
    char *save = NULL;
    int n = 0;

    for (char *t = strtok_r(line, " \t\r", &save); t && n < max; t = strtok_r(NULL, " \t\r", &save))
        w[n++] = t;
    return n;
}

/* Is BASE64 the key blob key of len bytes? */
static int same_key(const char *base64, const char *key, size_t len)
{
    static unsigned char blob[SSH_HOST_KEY_MAX];
    size_t n;

    return sodium_base642bin(blob, sizeof(blob), base64, strlen(base64), NULL, &n, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           n == len && memcmp(blob, key, len) == 0;
}

/*
 * known_hosts, a line at a time: "HOSTS TYPE KEY" into kh, with any comment
 * after the key dropped (libssh2 1.10 takes an ed25519 line's comment for
 * part of the key, and would call the right key a mismatch).  A line
 * "@revoked HOSTS TYPE KEY" naming the server's key (key, len) ends it: 1
 * and "PATH line N" in where.  A revoked key is refused whatever hosts the
 * line names and whatever other line knows it: someone else may hold it.
 * @cert-authority lines are skipped (no certificates here).  0 when read,
 * -1 if path cannot be.
 */
static int read_known_hosts(LIBSSH2_KNOWNHOSTS *kh, const char *path, const char *key, size_t len,
                            char *where, size_t wherelen)
{
    static char line[KNOWN_HOSTS_LINE_MAX], plain[KNOWN_HOSTS_LINE_MAX];
    FILE *f = fopen(path, "re");
    int revoked = 0;

    if (!f)
        return -1;
    for (int n = 1; !revoked && n <= KNOWN_HOSTS_LINES_MAX && next_line(f, line, sizeof(line)) == 0;
         n++) {
        char *w[4];
        int words = split_words(line, w, 4);
        if (words == 4 && strcmp(w[0], "@revoked") == 0 && same_key(w[3], key, len)) {
            snprintf(where, wherelen, "%s line %d", path, n);
            revoked = 1;
        } else if (words >= 3 && w[0][0] != '#' && w[0][0] != '@') {
            snprintf(plain, sizeof(plain), "%s %s %s", w[0], w[1], w[2]);
            libssh2_knownhost_readline(kh, plain, strlen(plain), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
        }
    }
    fclose(f);
    return revoked;
}

/* known_hosts: 1 a match, 0 no entry of this kind, -1 a different key (or an error). */
static int check_known(struct ssh_conn *c, const struct ssh_endpoint *e, const struct key_kind *k,
                       char *pinned, struct lb_error *err)
{
    LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->session);
    const char *files[2] = {e->known_hosts, NULL};
    char home[300], where[400];
    size_t len;
    int type, result = 0, read = 0;
    const char *key = libssh2_session_hostkey(c->session, &len, &type);

    if (!kh || !key) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot read the server's host key");
        return -1;
    }
    if (!e->known_hosts) {
        snprintf(home, sizeof(home), "%s/.ssh/known_hosts",
                 getenv("HOME") ? getenv("HOME") : "/root");
        files[0] = home;
        files[1] = "/etc/ssh/ssh_known_hosts";
    }
    for (int f = 0; f < 2 && files[f]; f++) {
        int r = read_known_hosts(kh, files[f], key, len, where, sizeof(where));
        if (r > 0) {
            lb_error_setk(err, LB_ERR_REFUSED,
                          "the server at %s port %u offers a %s host key that %s marks @revoked: "
                          "refused",
                          e->address, e->port, k->name, where);
            libssh2_knownhost_free(kh);
            return -1;
        }
        read += r == 0;
    }
    const char *names[2] = {e->host, e->address};
    for (int n = 0; n < 2 && result == 0; n++) {
        struct libssh2_knownhost *found;
        int r = libssh2_knownhost_checkp(kh, names[n], (int)e->port, key, len,
                                         LIBSSH2_KNOWNHOST_TYPE_PLAIN |
                                             LIBSSH2_KNOWNHOST_KEYENC_RAW | k->known_hosts_bits,
                                         &found);
        if (r == LIBSSH2_KNOWNHOST_CHECK_MATCH)
            result = 1;
        else if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
            result = -1;
    }
    libssh2_knownhost_free(kh);
    if (result < 0)
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the server's %s host key is not the one known_hosts has for %s: refused",
                      k->name, e->host);
    if (result > 0 && pinned &&
        ssh_host_key_text(k->name, key, len, pinned, SSH_HOST_KEY_MAX) < 0) {
        lb_error_setk(
            err, LB_ERR_TOO_LONG,
            "the server's %s host key (%zu bytes) is longer than lifeboat can pin: refused",
            k->name, len);
        result = -1;
    }
    if (result == 0 && !read)
        lb_error_setk(err, LB_ERR_SYSTEM, "no known_hosts file could be read (%s)", files[0]);
    return result;
}

static int authenticate(struct ssh_conn *c, const struct ssh_endpoint *e, struct lb_error *err)
{
    const char *user = e->user && *e->user ? e->user : "root";

    if (access(e->identity, R_OK) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM,
                      "the capture's key %s: %s (make one with 'lifeboat ssh-key')", e->identity,
                      strerror(errno));
        return -1;
    }
    if (libssh2_userauth_publickey_fromfile_ex(c->session, user, (unsigned)strlen(user), NULL,
                                               e->identity, NULL) < 0) {
        char what[400];
        snprintf(what, sizeof(what), "the server refused the key %s for user %s", e->identity,
                 user);
        session_error(c, what, err);
        return -1;
    }
    c->sftp = libssh2_sftp_init(c->session);
    if (!c->sftp) {
        session_error(c, "starting SFTP", err);
        return -1;
    }
    return 0;
}

int ssh_open(struct ssh_conn *c, const struct ssh_endpoint *e, char *pinned, struct lb_error *err)
{
    static int initialized;

    memset(c, 0, sizeof(*c));
    c->fd = -1;
    if (!initialized && libssh2_init(0) != 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "libssh2 cannot start");
        return -1;
    }
    initialized = 1;
    if (e->host_key && *e->host_key) {
        const char *space = strchr(e->host_key, ' ');
        const struct key_kind *k =
            space ? kind_named(e->host_key, (size_t)(space - e->host_key)) : NULL;
        if (!k) {
            lb_error_setk(err, LB_ERR_REFUSED,
                          "pinned host key '%.40s...' is of no type lifeboat knows", e->host_key);
            return -1;
        }
        if (handshake(c, e, k, err) < 0 || check_pinned(c, e, k, err) < 0 ||
            authenticate(c, e, err) < 0) {
            ssh_close(c);
            return -1;
        }
        return 0;
    }
    /* No pin yet: each kind of key the server may have, until known_hosts knows one. */
    for (int i = 0; i < NKINDS; i++) {
        int known;
        if (handshake(c, e, &kinds[i], err) < 0) {
            int unreachable = c->session == NULL; /* no TCP connection: no key kind helps */
            ssh_close(c);
            if (unreachable)
                return -1;
            continue; /* the server has no key of this kind */
        }
        known = check_known(c, e, &kinds[i], pinned, err);
        if (known > 0 && authenticate(c, e, err) == 0)
            return 0;
        ssh_close(c);
        if (known != 0)
            return -1;
    }
    lb_error_setk(err, LB_ERR_REFUSED,
                  "no host key of the server at %s port %u is in known_hosts: connect once with "
                  "ssh(1) as root, or add it with ssh-keyscan",
                  e->address, e->port);
    return -1;
}

void ssh_close(struct ssh_conn *c)
{
    if (c->sftp)
        libssh2_sftp_shutdown(c->sftp);
    if (c->session) {
        libssh2_session_disconnect(c->session, "lifeboat is done");
        libssh2_session_free(c->session);
    }
    if (c->fd >= 0)
        close(c->fd);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

const char *ssh_sftp_error(struct ssh_conn *c)
{
    static const char *const names[] = {"ok",
                                        "end of file",
                                        "no such file",
                                        "permission denied",
                                        "failure",
                                        "bad message",
                                        "no connection",
                                        "connection lost",
                                        "not supported",
                                        "invalid handle",
                                        "no such path",
                                        "file already exists",
                                        "write protected",
                                        "no media",
                                        "no space left on the server",
                                        "quota exceeded"};
    char *msg = NULL;
    int e = c->session ? libssh2_session_last_error(c->session, &msg, NULL, 0) : 0;

    if (e == LIBSSH2_ERROR_SFTP_PROTOCOL && c->sftp) {
        unsigned long code = libssh2_sftp_last_error(c->sftp);
        return code < sizeof(names) / sizeof(names[0]) ? names[code] : "SFTP error";
    }
    return msg && *msg ? msg : "the connection failed";
}

int ssh_connection_lost(struct ssh_conn *c)
{
    int e = c->session ? libssh2_session_last_errno(c->session) : LIBSSH2_ERROR_SOCKET_DISCONNECT;
    return e != 0 && e != LIBSSH2_ERROR_SFTP_PROTOCOL;
}
