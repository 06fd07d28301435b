/*
 * network.h - the network a network target needs: found on the running
 * system at load (DESIGN.md, "Network capture"), brought up in the crash
 * kernel with netlink.
 */
#ifndef LIFEBOAT_NETWORK_H
#define LIFEBOAT_NETWORK_H

#include "config/config.h"
#include "platform/modules.h"
#include "platform/netlink.h"

/*
 * On the running system: t's host resolved to an address (kept in
 * t->address), the route to it and the interface on that route copied into
 * cfg's interfaces and routes, and the interface's drivers added to mods.
 * An interface the crash kernel could not bring up as it is now (a VLAN, a
 * bond, a bridge, the loopback) is refused by name.
 */
int network_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                    struct lb_error *err);

/*
 * What load copies of an interface's addresses of family (have, n, each's
 * origin): static ones to set; under SLAAC (in->ipv6, decided here by the
 * first IPv6 target's addresses: a DHCPv6 lease before SLAAC before static)
 * the SLAAC ones as fallbacks for when no router answers; under DHCPv6 no
 * leased or SLAAC one, which the crash kernel asks for again.
 */
void network_copy_addresses(struct config_interface *in, int family, const struct net_addr *have,
                            const enum net_origin *origin, size_t n);

/*
 * In the crash kernel: the loopback and each configured interface up (found
 * by its MAC address), carrier waited for, addresses and routes set.  Says
 * each step on stderr.  Returns how many interfaces could not be brought up.
 */
int network_up(const struct config *cfg);

#endif
