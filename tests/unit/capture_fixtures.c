/*
 * capture_fixtures.c - what the program's tests share (capture_fixtures.h),
 * taken from test_capture.c with the tests that split from it: files and
 * temporary directories, dump directories as a capture leaves them (and one
 * a crafted dump left), a crashed kernel's core, a small file system to fill,
 * and a configuration error expected.  A helper that one file's tests use
 * alone stays in that file.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/synth.h"
#include "config/config.h"

#include "capture_fixtures.h"

void expect_config_error(const char *text, const char *msg)
{
    struct config cfg;
    struct lb_error err;

    assert_int_equal(config_parse(text, "t.conf", &cfg, &err), -1);
    if (!strstr(err.msg, msg))
        fail_msg("error '%s' does not mention '%s'", err.msg, msg);
}

void make_file(const char *root, const char *rel)
{
    char path[512], *slash;

    snprintf(path, sizeof(path), "%s%s", root, rel);
    for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0755);
        *slash = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("an image", f);
    fclose(f);
}

char *make_tempdir(void)
{
    char *dir = strdup("/tmp/lifeboat-dir-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

/* A dump directory as a capture leaves it: metadata saying complete, a vmcore. */
void make_dump(const char *dir, const char *name, const char *status)
{
    char path[600];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/%s/metadata.json", dir, name);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "{\n  \"status\": \"%s\",\n  \"hostname\": \"h\"\n}\n", status);
    fclose(f);
    snprintf(path, sizeof(path), "%s/%s/vmcore", dir, name);
    fclose(fopen(path, "w"));
}

int exists(const char *dir, const char *name)
{
    char path[600];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

void remove_tree(char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/*
 * A dump directory a crafted dump left: its panic line holds a line end (as
 * JSON's \n) and a fake lifeboat line after it, its host name a raw escape
 * byte.  Issue 21, item 9.
 */
char *make_forged_dump(void)
{
    char *dir = make_tempdir(), path[600];
    FILE *f;

    make_dump(dir, "20260102-030405-web1", "complete");
    snprintf(path, sizeof(path), "%s/20260102-030405-web1/metadata.json", dir);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "{\n  \"status\": \"complete\",\n  \"hostname\": \"web\x1b[2J1\"\n}\n");
    fclose(f);
    snprintf(path, sizeof(path), "%s/20260102-030405-web1/info.json", dir);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "{\n  \"panic\": \"Kernel panic - not syncing: x\\nlifeboat: forged\"\n}\n");
    fclose(f);
    return dir;
}

/* A crashed kernel's core for the capture: size bytes of memory at 1 MiB, crashed 2023-11-14. */
char *crash_core(uint64_t size)
{
    static uint8_t notes[4096];
    struct synth_segment segs[] = {{0x100000, size, 0}};
    size_t len =
        synth_kernel_notes(notes, sizeof(notes), "OSRELEASE=6.1.0-test\nCRASHTIME=1700000000\n", 1);

    return synth_core(segs, 1, notes, len);
}

/*
 * Runs fn(arg) in a child with a file system of size bytes (tmpfs, in a mount
 * namespace of its own, so the host sees nothing) mounted on dir: a full
 * target.  Returns what fn returned, or -1 where namespaces need root.
 */
int with_small_fs(const char *dir, const char *size, int (*fn)(void *), void *arg)
{
    char opts[64];
    int status;
    pid_t pid;

    if (geteuid() != 0)
        return -1;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        snprintf(opts, sizeof(opts), "size=%s,mode=0700", size);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", dir, "tmpfs", 0, opts) < 0)
            _exit(99);
        _exit(fn(arg));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_not_equal(WEXITSTATUS(status), 99);
    return WEXITSTATUS(status);
}
