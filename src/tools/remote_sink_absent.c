/*
 * remote_sink_absent.c - ssh:// and https:// destinations in the build
 * without SSH and TLS: lifeboat-net ran the command from the start when it
 * is installed (src/cmd/needs_network.c); here it fails saying why.
 */
#include "tools/remote_sink.h"

struct lb_sink *remote_sink_open(const char *url, const struct dump_keys *keys,
                                 struct lb_error *err)
{
    (void)keys;
    lb_error_setk(err, LB_ERR_OUTPUT_IO,
                  "%s: this lifeboat is built without SSH, and the network build (lifeboat-net) "
                  "did not run it (not installed beside this lifeboat, or not executable)",
                  url);
    return NULL;
}
