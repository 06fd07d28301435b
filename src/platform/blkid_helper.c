/*
 * blkid_helper.c - asks libblkid, through lifeboat-blkid, what a device holds.
 *
 * libblkid probes every superblock, RAID member and partition table
 * util-linux knows (over a hundred); it is the judgement every distribution
 * trusts.  Linked statically into lifeboat it would cost 280 KB, a fifth of
 * the capture binary, for a question only asked on the running system (load,
 * config check, test --rehearse), where libblkid.so is always installed.  So
 * a small program linked against it, lifeboat-blkid (src/helper/), answers,
 * as lifeboat-net answers for the network: run with a fixed argument vector,
 * never through a shell, its answer one bounded line, within a deadline.
 *
 * Found as $LIFEBOAT_BLKID, else LIFEBOAT_LIBEXEC/lifeboat-blkid, else beside
 * this binary.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform/blkid_helper.h"
#include "platform/format.h"

#ifndef LIFEBOAT_LIBEXEC
#define LIFEBOAT_LIBEXEC "/usr/libexec/lifeboat"
#endif

enum { DEADLINE_MS = 20000, ANSWER = 256 };

static int find_helper(char *path, size_t len)
{
    const char *env = getenv("LIFEBOAT_BLKID");
    char self[PATH_MAX];
    ssize_t n;

    if (env && *env)
        return format_whole(path, len, "%s", env) < 0 ? -1 : access(path, X_OK);
    if (format_whole(path, len, "%s/lifeboat-blkid", LIFEBOAT_LIBEXEC) == 0 &&
        access(path, X_OK) == 0)
        return 0;
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    return format_whole(path, len, "%s/lifeboat-blkid", self) < 0 ? -1 : access(path, X_OK);
}

static long long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Reads the helper's answer: up to cap - 1 bytes, until it closes its end or the deadline. */
static int read_answer(int fd, char *buf, size_t cap)
{
    long long end = now_ms() + DEADLINE_MS;
    size_t got = 0;

    for (;;) {
        long long left = end - now_ms();
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0)
            return -1;
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0 || (got += (size_t)n) == cap - 1)
            break;
    }
    buf[got] = '\0';
    return 0;
}

int blkid_helper_probe(const char *device, char *found, size_t len, struct lb_error *err)
{
    char path[PATH_MAX + 32], answer[ANSWER];
    int out[2], status, timed_out;
    pid_t pid;

    if (find_helper(path, sizeof(path)) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "libblkid's probe (%s) is not installed", path);
        return -1;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "pipe: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "fork: %s", strerror(errno));
        close(out[0]), close(out[1]);
        return -1;
    }
    if (pid == 0) {
        char *argv[] = {path, (char *)device, NULL};
        dup2(out[1], STDOUT_FILENO);
        execv(path, argv);
        _exit(127);
    }
    close(out[1]);
    timed_out = read_answer(out[0], answer, sizeof(answer)) < 0;
    close(out[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s did not answer within %d s", path,
                      DEADLINE_MS / 1000);
        return -1;
    }
    /* exit 0: one line, what it found; 1: nothing; anything else: it could not probe */
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s failed (%s %d)", path,
                      WIFEXITED(status) ? "exit" : "signal",
                      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return -1;
    }
    if (WEXITSTATUS(status) == 1)
        return 0;
    answer[strcspn(answer, "\n")] = '\0';
    for (char *c = answer; *c; c++) /* from a device's bytes: printable only */
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            *c = '?';
    snprintf(found, len, "%s", answer[0] ? answer : "a signature");
    return 1;
}
