/*
 * remote_sink.c - a destination URL as a sink (remote_sink.h): the URL read
 * by its kind of target (config_net.c), which opens the sink itself
 * (target_ops.open_sink), so 'save URL' reaches a server the way a capture
 * does.  In the build without SSH and TLS those kinds refuse, saying why.
 */
#include "config/config_net.h"
#include "targets/target.h"
#include "tools/remote_sink.h"

struct lb_sink *remote_sink_open(const char *url, const struct dump_keys *keys,
                                 struct lb_error *err)
{
    static struct target t; /* the strings the sink keeps pointing at */
    const struct target_credentials creds = {.ssh_identity = keys->ssh_identity,
                                             .known_hosts = keys->known_hosts,
                                             .host_key = keys->host_key,
                                             .ca_file = keys->ca_file,
                                             .token_file = keys->token_file};

    if (target_url_parse(url, &t, err) < 0)
        return NULL;
    return t.kind->ops->open_sink(&t, &creds, err);
}
