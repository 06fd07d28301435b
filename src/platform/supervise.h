/*
 * supervise.h - runs a step of the capture in a child process, with a
 * deadline that progress pushes back.
 */
#ifndef LIFEBOAT_SUPERVISE_H
#define LIFEBOAT_SUPERVISE_H

enum {
    SUPERVISE_SIGNALED = -1,  /* the child died of a signal */
    SUPERVISE_TIMED_OUT = -2, /* no progress within the deadline: killed */
    SUPERVISE_NO_PROCESS = -3,
};

/*
 * Runs fn(ctx) in a child and waits for it: returns its exit status (fn's
 * return value, 0-255), or one of the SUPERVISE_ values (*signo then says
 * which signal, where there was one).  The child, and its own children, call
 * supervise_progress() as they advance; each call pushes the deadline
 * idle_seconds further and is passed up to whoever supervises this process.
 */
int supervise_run(const char *what, int (*fn)(void *ctx), void *ctx, unsigned idle_seconds,
                  int *signo);

/* Says "still advancing" to the supervisor, if there is one.  Never blocks. */
void supervise_progress(void);

/* sync(2) with a deadline: a dead disk must not hold the capture forever. */
void supervise_sync(unsigned seconds);

/* Feeds this watchdog on every progress seen; -1: none. */
void supervise_watchdog(int fd);

#endif
