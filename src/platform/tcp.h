/*
 * tcp.h - a TCP connection to a dump server: a numeric address (resolved on
 * the running system; the crash kernel has no name service), and a connect
 * that gives up after timeout seconds instead of the kernel's minutes.
 */
#ifndef LIFEBOAT_TCP_H
#define LIFEBOAT_TCP_H

#include <stddef.h>

#include "lbdump.h"

/*
 * A blocking socket connected to address:port, or -1 and the reason in err.
 * From the first connection on, the process ignores SIGPIPE: a server that
 * closes while lifeboat writes (one that refuses a request and hangs up)
 * makes the write fail with EPIPE, which the caller says, instead of
 * killing the process without a word.
 */
int tcp_connect(const char *address, unsigned port, unsigned timeout, struct lb_error *err);

#endif
