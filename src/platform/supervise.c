/*
 * supervise.c - a step of the capture in a child, with a deadline.
 *
 * PID 1 of the crash kernel must never die or wait forever: its death is a
 * panic in the crash kernel, and a wait for a hung disk is a machine that
 * never comes back.  So the work that trusts the crashed kernel's memory or
 * talks to a device (the log, the report, the dump, a mount, a sync) runs
 * in a child.  A child that crashes costs its step; one that stops advancing
 * for idle_seconds is killed and costs its step; either way the caller goes
 * on to the next step, the next target, the final action.
 *
 * Progress travels up a pipe, one byte per report: each supervisor that
 * reads a byte pushes its deadline back and writes a byte to its own
 * supervisor, so the outermost one (PID 1) sees progress made anywhere below
 * it, and feeds the hardware watchdog only then: a capture that is stuck is
 * not kept alive.
 *
 * The child's end is seen when it comes (a pidfd, Linux 5.3): a supervisor
 * that looked every 100 ms spent half of that on average after each step, a
 * capture's eight or so steps nearly half a second between panic and reboot.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/watchdog.h>

#include "platform/supervise.h"

#if !defined(SYS_pidfd_open) && (defined(__x86_64__) || defined(__aarch64__))
#define SYS_pidfd_open 434 /* x86_64's and arm64's, where the headers are older than it */
#endif

static int progress_fd = -1; /* to this process's supervisor */
static int watchdog_fd = -1;

void supervise_progress(void)
{
    if (progress_fd >= 0 && write(progress_fd, "", 1) < 0) {
        /* a full pipe already says "advancing"; a closed one has no reader to tell */
    }
}

void supervise_watchdog(int fd)
{
    watchdog_fd = fd;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void seen_progress(void)
{
    supervise_progress();
    if (watchdog_fd >= 0)
        ioctl(watchdog_fd, WDIOC_KEEPALIVE, 0);
}

/* Kills the child and gives it a few seconds to go; one stuck in the kernel is left behind. */
static void stop_child(pid_t child)
{
    kill(child, SIGKILL);
    for (int i = 0; i < 50; i++) {
        if (waitpid(child, NULL, WNOHANG) != 0)
            return;
        poll(NULL, 0, 100);
    }
}

/* An fd readable once the child has ended (close-on-exec), or -1 where the kernel has none. */
static int exit_fd(pid_t child)
{
#ifdef SYS_pidfd_open
    long fd = syscall(SYS_pidfd_open, child, 0);

    return fd < 0 ? -1 : (int)fd;
#else
    (void)child;
    return -1;
#endif
}

int supervise_run(const char *what, int (*fn)(void *ctx), void *ctx, unsigned idle_seconds,
                  int *signo)
{
    int pipe_fds[2], status = 0, ended;
    struct pollfd pfd[2];
    double deadline;
    char drain[256];
    pid_t child;

    *signo = 0;
    seen_progress(); /* a step begins: the one before it ended */
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
        return SUPERVISE_NO_PROCESS;
    child = fork();
    if (child < 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return SUPERVISE_NO_PROCESS;
    }
    if (child == 0) {
        /* a fault kills the child plainly, whatever handler the parent had */
        signal(SIGBUS, SIG_DFL);
        signal(SIGSEGV, SIG_DFL);
        close(pipe_fds[0]);
        progress_fd = pipe_fds[1];
        watchdog_fd = -1; /* only the outermost supervisor feeds it */
        _exit(fn(ctx) & 0xff);
    }
    close(pipe_fds[1]);
    ended = exit_fd(child);
    pfd[0] = (struct pollfd){.fd = pipe_fds[0], .events = POLLIN};
    pfd[1] = (struct pollfd){.fd = ended, .events = POLLIN};
    deadline = now() + idle_seconds;
    for (;;) {
        pid_t done = waitpid(child, &status, WNOHANG);
        if (done == child)
            break;
        if (done < 0 && errno != EINTR) {
            close(pipe_fds[0]);
            if (ended >= 0)
                close(ended);
            return SUPERVISE_NO_PROCESS;
        }
        if (pfd[1].revents) /* it said ended and waitpid disagreed: only the 100 ms now */
            pfd[1].fd = -1;
        double left = deadline - now();
        if (left <= 0) {
            fprintf(stderr, "lifeboat: %s made no progress for %u s: stopped\n", what,
                    idle_seconds);
            stop_child(child);
            close(pipe_fds[0]);
            if (ended >= 0)
                close(ended);
            return SUPERVISE_TIMED_OUT;
        }
        /* wake when it ends, and at least every 100 ms to see whether it did */
        pfd[0].revents = pfd[1].revents = 0;
        if (poll(pfd, 2, left < 0.1 ? (int)(left * 1000) + 1 : 100) > 0 && pfd[0].revents) {
            ssize_t n = read(pipe_fds[0], drain, sizeof(drain));
            if (n > 0) {
                deadline = now() + idle_seconds;
                seen_progress();
            } else if (n == 0) {
                pfd[0].fd = -1; /* every writer is gone: poll only waits now */
            }
        }
    }
    close(pipe_fds[0]);
    if (ended >= 0)
        close(ended);
    if (WIFSIGNALED(status)) {
        *signo = WTERMSIG(status);
        fprintf(stderr, "lifeboat: %s died of signal %d (%s)\n", what, *signo, strsignal(*signo));
        return SUPERVISE_SIGNALED;
    }
    return WEXITSTATUS(status);
}

static int sync_step(void *ctx)
{
    (void)ctx;
    sync();
    return 0;
}

void supervise_sync(unsigned seconds)
{
    int signo;

    if (supervise_run("sync", sync_step, NULL, seconds, &signo) != 0)
        fprintf(stderr, "lifeboat: sync did not finish: the target may not have all of it\n");
}
