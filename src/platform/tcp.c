/*
 * tcp.c - a TCP connection to a numeric address, with a deadline (tcp.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "platform/tcp.h"

/* One attempt, waiting ms at most: the connected socket, or -1 and the error in *err. */
static int connect_once(const struct sockaddr_storage *sa, socklen_t salen, int ms, int *err)
{
    struct pollfd p;
    socklen_t optlen = sizeof(*err);
    int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    *err = 0;
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (connect(fd, (const struct sockaddr *)sa, salen) < 0 && errno != EINPROGRESS) {
        *err = errno;
    } else {
        p = (struct pollfd){.fd = fd, .events = POLLOUT};
        int n = poll(&p, 1, ms);
        if (n == 0)
            *err = ETIMEDOUT;
        else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &optlen) < 0)
            *err = errno;
    }
    if (*err) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

static long long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * A link that has just come up may not carry traffic yet: a bond still
 * negotiating LACP with its switch, a switch port still learning.  The
 * kernel says so as "no route to host" (no neighbour answered) or "network
 * unreachable", and the connection is tried again, once a second, until the
 * deadline.  A server that refuses, or one that never answers, is not.
 */
static int transient(int err)
{
    return err == EHOSTUNREACH || err == ENETUNREACH;
}

int tcp_connect(const char *address, unsigned port, unsigned timeout, struct lb_error *err)
{
    struct sockaddr_storage sa = {0};
    socklen_t salen;
    long long deadline = now_ms() + (long long)timeout * 1000;
    int fd, e, seen = 0, tries = 0;

    if (strchr(address, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        salen = sizeof(*s6);
        if (inet_pton(AF_INET6, address, &s6->sin6_addr) != 1)
            goto bad;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        salen = sizeof(*s4);
        if (inet_pton(AF_INET, address, &s4->sin_addr) != 1)
            goto bad;
    }
    signal(SIGPIPE, SIG_IGN); /* tcp.h: a closed connection is an error, not a death */
    for (;;) {
        long long left = deadline - now_ms();
        fd = connect_once(&sa, salen, left > 0 ? (int)left : 0, &e);
        tries++;
        if (fd >= 0)
            return fd;
        if (transient(e))
            seen = e;
        left = deadline - now_ms();
        if (!transient(e) || left < 200)
            break;
        /* a second between tries, and the last try its share of what is left */
        long long ms = left >= 2000 ? 1000 : left / 2;
        struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (e == ETIMEDOUT && seen) /* the last try's time ran out: say what the link said */
        e = seen;
    lb_error_setk(err, LB_ERR_SYSTEM, "cannot connect to %s port %u: %s%s", address, port,
                  strerror(e),
                  tries > 1 ? " (tried until the deadline: the link carried nothing there)" : "");
    return -1;
bad:
    lb_error_setk(err, LB_ERR_REFUSED, "'%s' is not an address", address);
    return -1;
}
