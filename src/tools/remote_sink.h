/*
 * remote_sink.h - a dump file on a server, named by URL, as a sink: what
 * 'save' and 'convert' write to an ssh:// destination.  The capture's own
 * code does it (sftp.c), so a dump saved by hand is what a capture saves.
 */
#ifndef LIFEBOAT_REMOTE_SINK_H
#define LIFEBOAT_REMOTE_SINK_H

#include "lbdump.h"
#include "tools/dump_keys.h"

/*
 * Connects (the server's key checked against known_hosts or keys->host_key:
 * a wrong one writes nothing) and creates the file (never over an existing
 * one).  In the build without SSH, runs lifeboat-net instead, or fails
 * saying so.
 */
struct lb_sink *remote_sink_open(const char *url, const struct dump_keys *keys,
                                 struct lb_error *err);

#endif
