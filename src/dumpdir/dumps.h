/*
 * dumps.h - the dumps in a dump directory's parent, as 'list' and the boot
 * notice show them (dumps.c).
 */
#ifndef LIFEBOAT_DUMPS_H
#define LIFEBOAT_DUMPS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dumpdir/signature.h"
#include "lbdump.h"

struct dump_entry {
    char path[600];
    time_t when; /* the crash, from metadata.json, else from the name */
    char host[65], release[65], panic[200], status[16];
    uint64_t bytes; /* on disk */
    int complete;
    int encrypted; /* its report and dump are age files: the panic line needs the key */
    /* From metadata.json, else made from info.json (older dumps); an encrypted dump's
     * reason and frames are known only with its key. */
    struct crash_signature signature;
};

struct dump_list {
    struct dump_entry *e;
    size_t n, cap;
    const struct lb_age_identities *ids; /* keys to read encrypted reports with, or NULL */
};

/* Adds the dumps in dir (at most DUMPS_PER_DIR); -1 with errno if dir cannot be read. */
int dumps_scan(const char *dir, struct dump_list *list);
/* The same for the directory open as dir_fd, shown (and its dumps' paths made) as dir. */
int dumps_scan_at(int dir_fd, const char *dir, struct dump_list *list);
/* Newest first. */
void dumps_sort(struct dump_list *list);
void dumps_free(struct dump_list *list);

enum { DUMPS_PER_DIR = 10000 };

#endif
