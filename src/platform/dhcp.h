/*
 * dhcp.h - a DHCPv4 client for the crash kernel, for machines whose address
 * is not fixed ('network dhcp'): one lease, asked for once, never renewed
 * (a capture lasts minutes; a lease, hours).
 */
#ifndef LIFEBOAT_DHCP_H
#define LIFEBOAT_DHCP_H

#include <stddef.h>
#include <stdint.h>

#include "platform/netlink.h"

struct dhcp_lease {
    struct net_addr address; /* with the prefix from the subnet mask */
    struct net_addr router;  /* family 0: none offered */
    struct net_addr server;
};

/*
 * DISCOVER, OFFER, REQUEST, ACK on interface ifname (up, no address yet),
 * each reply checked against what was asked and bounded as it is read; the
 * ACK taken only from the server that made the offer, for the address offered.
 * Gives up after seconds.  On failure: -1, the reason in err.
 */
int dhcp_acquire(const char *ifname, const uint8_t mac[6], unsigned seconds,
                 struct dhcp_lease *lease, struct lb_error *err);

/* The parts of a DHCP reply a client acts on; -1 if it is not one for xid and mac. */
struct dhcp_reply {
    int type; /* DHCPOFFER 2, DHCPACK 5, DHCPNAK 6 */
    uint8_t yiaddr[4], mask[4], router[4], server[4];
    int has_mask, has_router, has_server;
};
int dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const uint8_t mac[6],
               struct dhcp_reply *r);

#endif
