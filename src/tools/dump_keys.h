/*
 * dump_keys.h - the keys commands take: --encrypt-to RECIPIENT (save,
 * convert) to write an encrypted dump, --identity FILE (info, dmesg, verify,
 * convert, save, list) to read one.
 */
#ifndef LIFEBOAT_DUMP_KEYS_H
#define LIFEBOAT_DUMP_KEYS_H

#include "lbdump.h"

struct dump_keys {
    struct lb_age_recipient to[LB_AGE_MAX_RECIPIENTS];
    size_t nto;
    const char *identity; /* a file of private keys, or NULL */
    /* an ssh:// destination: the SSH key, where its host key is known, or the key itself */
    const char *ssh_identity, *known_hosts, *host_key;
    /* an https:// destination: the CA its certificate is checked against, the token's file */
    const char *ca_file, *token_file;
    /* save only: the source is the running kernel (--live), its reads paced (--rate, MiB/s) */
    int live;
    long rate_mib;
    /* save and convert: writes to the destination paced (--write-rate, MiB/s), or 0 */
    long write_rate_mib;
};

/* Adds a recipient ("age1...", "ssh-ed25519 ..."); exits with the reason if it is not one. */
void dump_keys_add_recipient(struct dump_keys *k, const char *text);
/* Opens a dump, decrypting it with the identity file where it is encrypted (identity may be NULL).
 */
int dump_open(const char *path, const char *identity, struct lb_source **src, struct lb_error *err);
/* The running kernel, /proc/kcore, for 'save --live', 'info --live' and 'dmesg --live'. */
int dump_open_live(struct lb_source **src, struct lb_error *err);

#endif
