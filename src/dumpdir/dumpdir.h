/*
 * dumpdir.h - the dump directory: created under a temporary name, renamed
 * when done, never reusing or overwriting anything that exists.
 */
#ifndef LIFEBOAT_DUMPDIR_H
#define LIFEBOAT_DUMPDIR_H

#include <stdint.h>
#include <time.h>

struct dumpdir {
    int parent_fd;  /* the target directory */
    int fd;         /* the dump directory itself */
    char name[128]; /* final name: <timestamp>-<hostname>[-N][.incomplete] */
    char temp[144]; /* name while writing: .partial-<name>, or .rehearsal-<name> */
    int rehearsal;  /* set before naming: a rehearsal's directory, removed when done */
};

enum { DUMPDIR_MAX_SUFFIX = 1000 };

/* The names of try n (1, 2, ...): <timestamp>-<host>[-n], and .partial-<that>. */
void dumpdir_name(struct dumpdir *d, time_t when, const char *host, int n);
/* Creates <parent>/.partial-<timestamp>-<host>, mode 0700, with a name nothing uses yet. */
int dumpdir_create(struct dumpdir *d, const char *parent, time_t when, const char *host);
/* The same as .rehearsal-<timestamp>-<host>: no listing, report or rotation counts it. */
int dumpdir_create_rehearsal(struct dumpdir *d, const char *parent, time_t when, const char *host);
/* Removes the .rehearsal-* directories in parent that rehearsals cut short left behind (the
 * files a capture writes, then the directory; links and anything else left alone). */
void dumpdir_remove_stale_rehearsals(const char *parent);
/* Removes a rehearsal's directory: the files a capture writes, then the directory. */
int dumpdir_remove_rehearsal(struct dumpdir *d);
/*
 * What dumpdir_rotate would remove if a complete dump of bytes were added
 * to parent now: said on stderr as "would remove", nothing removed.
 */
void dumpdir_rotate_dry(const char *parent, unsigned keep, uint64_t min_free, uint64_t bytes);
/* Renames it to its final name, or to <name>.incomplete; syncs both directories. */
int dumpdir_finish(struct dumpdir *d, int complete);
void dumpdir_close(struct dumpdir *d);
/*
 * After the complete dump newest (a name in parent): removes the oldest
 * complete dumps lifeboat made until at most keep remain, newest included (0:
 * no limit), and at least min_free bytes are free.  newest itself, incomplete
 * and partial dumps, dumps dated after newest and anything lifeboat did not
 * make are never removed.
 */
void dumpdir_rotate(const char *parent, const char *newest, unsigned keep, uint64_t min_free);

/*
 * Removes the dump directory at path that this process made and found no
 * use for (savecore's copy that did not read back whole): the files a
 * capture writes, then the directory, which stays if anything else is in it.
 */
int dumpdir_discard(const char *path);

#endif
