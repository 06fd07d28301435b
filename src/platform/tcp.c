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
#include <unistd.h>

#include "platform/tcp.h"

int tcp_connect(const char *address, unsigned port, unsigned timeout, char *why, size_t whylen)
{
    struct sockaddr_storage sa = {0};
    socklen_t salen;
    struct pollfd p;
    int fd, err = 0;
    socklen_t errlen = sizeof(err);

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
    fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sa, salen) < 0 && errno != EINPROGRESS) {
        err = errno;
    } else {
        p = (struct pollfd){.fd = fd, .events = POLLOUT};
        int n = poll(&p, 1, (int)timeout * 1000);
        if (n == 0)
            err = ETIMEDOUT;
        else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
            err = errno;
    }
    if (err) {
        snprintf(why, whylen, "cannot connect to %s port %u: %s", address, port, strerror(err));
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
bad:
    snprintf(why, whylen, "'%s' is not an address", address);
    return -1;
}
