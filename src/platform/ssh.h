/*
 * ssh.h - an SFTP session to a dump server through libssh2 (the network
 * build only: lifeboat-net).
 *
 * The server is authenticated by its host key: on the running system it is
 * looked up in known_hosts (where a key marked @revoked is refused) and
 * pinned; in the crash kernel only the pinned
 * key is accepted, never one first seen there.  The client authenticates
 * with the capture's own key (lifeboat ssh-key).
 */
#ifndef LIFEBOAT_SSH_H
#define LIFEBOAT_SSH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lbdump.h"

/*
 * A host key as text, "TYPE BASE64", with its NUL: RSA of 16384 bits, the
 * largest OpenSSH takes, is 2.8 KB of it (config.h's CONFIG_HOST_KEY_MAX).
 */
enum { SSH_HOST_KEY_MAX = 4096 };

struct ssh_endpoint {
    const char *address; /* numeric: resolved on the running system */
    const char *host;    /* as the admin wrote it: the name known_hosts has */
    unsigned port;
    const char *user;        /* "" or NULL: root */
    const char *identity;    /* the private key file */
    const char *host_key;    /* pinned, "TYPE BASE64"; NULL or "": look in known_hosts */
    const char *known_hosts; /* NULL: ~root/.ssh/known_hosts and /etc/ssh/ssh_known_hosts */
    unsigned timeout;        /* seconds any one exchange may take */
};

struct ssh_conn {
    int fd;
    void *session; /* LIBSSH2_SESSION */
    void *sftp;    /* LIBSSH2_SFTP */
};

/*
 * Connects, checks the host key, authenticates and starts SFTP.  When the
 * key was looked up in known_hosts, pinned gets it ("TYPE BASE64", at least
 * SSH_HOST_KEY_MAX bytes) when not NULL.  On failure: -1, the reason in err.
 */
int ssh_open(struct ssh_conn *c, const struct ssh_endpoint *e, char *pinned, struct lb_error *err);
void ssh_close(struct ssh_conn *c);
/*
 * A key blob as known_hosts writes it, "TYPE BASE64", into out: -1 if that
 * does not fit in outlen, never a pin cut short or left empty.
 */
int ssh_host_key_text(const char *type, const void *key, size_t len, char *out, size_t outlen);
/* What the last SFTP request failed with, in words. */
const char *ssh_sftp_error(struct ssh_conn *c);
/* Is the last failure one of the connection (worth a new one), not of the request? */
int ssh_connection_lost(struct ssh_conn *c);

#endif
