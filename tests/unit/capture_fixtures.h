/*
 * capture_fixtures.h - the fixtures the program's tests share (test_config,
 * test_admin, test_dumpdir, test_platform, test_capture): files and temporary
 * directories, dump directories, a crashed kernel's core, a small file system
 * to fill.  Each fails the running cmocka test when it cannot do its part.
 */
#ifndef LIFEBOAT_TEST_CAPTURE_FIXTURES_H
#define LIFEBOAT_TEST_CAPTURE_FIXTURES_H

#include <stdint.h>

/* config_parse of text fails, and its error says msg. */
void expect_config_error(const char *text, const char *msg);

/* root/rel holds "an image", its directories made on the way. */
void make_file(const char *root, const char *rel);

/* A new directory under /tmp, for remove_tree. */
char *make_tempdir(void);

/* A dump directory as a capture leaves it: metadata saying status, a vmcore. */
void make_dump(const char *dir, const char *name, const char *status);

/* Whether dir/name is there (a link is, whatever it points at). */
int exists(const char *dir, const char *name);

/* Removes dir and all under it, and frees dir. */
void remove_tree(char *dir);

/* A directory holding one dump whose panic line and host name a crafted dump forged. */
char *make_forged_dump(void);

/* A crashed kernel's core for the capture: size bytes of memory at 1 MiB, crashed 2023-11-14. */
char *crash_core(uint64_t size);

/* fn(arg) in a child with a tmpfs of size on dir; what fn returned, or -1 unless root. */
int with_small_fs(const char *dir, const char *size, int (*fn)(void *), void *arg);

#endif
