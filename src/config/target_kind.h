/*
 * target_kind.h - what a kind of target is to lifeboat.conf and to the
 * commands that name it: the words of its line, its URL's scheme and port,
 * its own options, how it is described, the secret it carries into the
 * capture, and whether it needs the network.  Each kind says all of it in
 * its own file (src/targets/target_KIND.c), with what it does on the running
 * system and in the crash kernel (struct target_ops, targets/target.h).
 *
 * The table of kinds is targets/target.c's: the configuration reads a
 * target line through target_kind_for(), which that file defines.  This is
 * the one name config/ takes from a folder above it, at link time and through
 * this header only, so that a new kind is its own file and one table entry
 * (docs/ARCHITECTURE.md, "The include rules").
 */
#ifndef LIFEBOAT_TARGET_KIND_H
#define LIFEBOAT_TARGET_KIND_H

#include <stddef.h>

struct config;
struct target;
struct target_ops; /* targets/target.h */

/*
 * A file of the running system the capture needs for a kind (a key, a
 * token), named by a field of the configuration: the initramfs carries it to
 * archive_path and points the field there.
 */
struct target_secret {
    const char *archive_path;
    char *config_field;
    size_t field_len;
};

struct target_kind {
    const char *name;  /* the word after "target" ("fs"), or the URL's scheme ("ssh") */
    int url;           /* the line names a URL, name://...; else its words follow the name */
    unsigned port;     /* a URL's port when it names none */
    int url_user;      /* a URL may name a user (user@host) */
    int network;       /* the crash kernel brings the network up for it */
    int network_build; /* it takes the network build (lifeboat-net: SSH, TLS) */
    const char *usage; /* its line, for the message when none reads: "fs UUID=...|DEVICE [DIR]" */
    const char *options_usage; /* URL kinds: their own options, " [options vers=3,...]" */
    /* The line's words (w[0] "target", w[1] its name or URL) into t; -1 and err if they are
     * not the kind's. */
    int (*parse)(struct target *t, char **w, int n, struct lb_error *err);
    /* URL kinds: the kind's own option at w[*i], *i moved past its words; 0 taken, 1 not the
     * kind's, -1 wrong (err says why). */
    int (*parse_option)(struct target *t, char **w, int n, int *i, struct lb_error *err);
    /* The line parse reads back, with its newline; -1 if it does not fit in len. */
    int (*format)(const struct target *t, char *buf, size_t len);
    /* URL kinds: the kind's own options, " word value...", appended to buf at *used. */
    int (*format_options)(const struct target *t, char *buf, size_t len, size_t *used);
    /* What a user calls the target: its URL, its file system's path, its device. */
    void (*describe)(const struct target *t, char *buf, size_t len);
    /* The secret the capture needs for the kind under cfg; 0: none. */
    int (*secret)(struct config *cfg, struct target_secret *s);
    const struct target_ops *ops;
};

/* The kind whose line starts with word (its name, or a URL of its scheme); NULL if none. */
const struct target_kind *target_kind_for(const char *word);
/* The kinds, in the table's order: for messages that list them. */
const struct target_kind *target_kind_at(size_t i);

#endif
