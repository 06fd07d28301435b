/*
 * ssh_keyfile.h - a new ed25519 key pair in OpenSSH's own formats: the
 * private key as ssh-keygen writes it (unencrypted: the crash kernel has no
 * one to type a passphrase), the public key as an authorized_keys line.
 */
#ifndef LIFEBOAT_SSH_KEYFILE_H
#define LIFEBOAT_SSH_KEYFILE_H

#include <stddef.h>

#include "lbdump.h"

/*
 * Makes a key pair: private (mode 0600) at path, public at path.pub (0644).
 * Neither may exist: a key is never replaced.  The public key's line goes
 * to pub_line.  On failure: -1, the reason in err.
 */
int ssh_keyfile_create(const char *path, const char *comment, char *pub_line, size_t pub_len,
                       struct lb_error *err);
/* The first line of path.pub, for a key that exists. */
int ssh_keyfile_public(const char *path, char *pub_line, size_t pub_len, struct lb_error *err);

#endif
