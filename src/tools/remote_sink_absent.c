/*
 * remote_sink_absent.c - ssh:// destinations in the build without SSH: the
 * command runs again in lifeboat-net, or fails saying why.
 */
#include "platform/network_build.h"
#include "tools/remote_sink.h"

struct lb_sink *remote_sink_open(const char *url, const struct dump_keys *keys,
                                 struct lb_error *err)
{
    (void)keys;
    network_build_exec();
    lb_error_setk(err, LB_ERR_OUTPUT_IO,
                  "%s: this lifeboat is built without SSH, and the network build (lifeboat-net) "
                  "is not installed beside it",
                  url);
    return NULL;
}
