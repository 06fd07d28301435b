/*
 * config_net.h - the network lines of lifeboat.conf: network targets (URLs),
 * and the interfaces and routes load copies for the crash kernel.
 */
#ifndef LIFEBOAT_CONFIG_NET_H
#define LIFEBOAT_CONFIG_NET_H

#include "config/config.h"

/*
 * "scheme://[user@]host[:port]/dir" into t (kind, user, host, port, path,
 * shown), the scheme one of a URL kind's (target_kind.h).  A host in
 * brackets is an IPv6 address.  On error writes what is wrong to err.
 */
int target_url_parse(const char *url, struct target *t, struct lb_error *err);
/* The port a target's scheme uses when its URL names none. */
unsigned target_port(const struct target *t);

/* What URL kinds share: "target URL [address A] [the kind's options]", w[1] the URL. */
int target_url_line_parse(struct target *t, char **w, int n, struct lb_error *err);
/* The line target_url_line_parse reads back, with its newline; -1 if it does not fit. */
int target_url_line_format(const struct target *t, char *buf, size_t len);
/* "interface MAC|LINK [mtu N] [address A/P]..." */
int config_net_interface(struct config *cfg, char **w, int n, struct lb_error *err);
/* "network-link vlan|bond|bridge NAME ...": config.h, struct config_link. */
int config_net_link(struct config *cfg, char **w, int n, struct lb_error *err);
/* The network-link line of this name; NULL if none. */
const struct config_link *config_link_named(const struct config *cfg, const char *name);
/* "route DEST/P|default [via GW] dev MAC|LINK" */
int config_net_route(struct config *cfg, char **w, int n, struct lb_error *err);

/* A device as the config names it: its link's name, or its MAC address. */
void config_dev_format(const struct config_dev *dev, char *buf, size_t len);
/* The network-link line of link, with its newline. */
void config_net_format_link(const struct config_link *link, char *line, size_t len);
/* The network lines load wrote, appended to buf at *used (-1 if they do not fit): the
 * links (before the interfaces that may name them), the interfaces, the routes. */
int config_net_format_links(const struct config *cfg, char *buf, size_t len, size_t *used);
int config_net_format_interfaces(const struct config *cfg, char *buf, size_t len, size_t *used);
int config_net_format_routes(const struct config *cfg, char *buf, size_t len, size_t *used);

#endif
