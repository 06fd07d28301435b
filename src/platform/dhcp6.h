/*
 * dhcp6.h - a DHCPv6 client for the crash kernel (RFC 8415), for machines
 * whose IPv6 address a DHCPv6 server leases ('interface ... dhcp6', which
 * load writes when the running system's address is one): one address (IA_NA)
 * asked for once, never renewed (a capture lasts minutes; a lease, hours).
 */
#ifndef LIFEBOAT_DHCP6_H
#define LIFEBOAT_DHCP6_H

#include <stddef.h>
#include <stdint.h>

#include "platform/netlink.h"

enum { DHCP6_SERVER_ID_MAX = 130 }; /* a DUID: 2 bytes of type and up to 128 (RFC 8415 11.1) */

struct dhcp6_lease {
    struct net_addr address;   /* a /128: IA_NA carries no prefix length, the RA's route does */
    uint32_t preferred, valid; /* seconds, as the server gave them */
    struct net_addr server;    /* where the Reply came from (the server's link-local address) */
};

/*
 * Solicit (with Rapid Commit), Advertise, Request, Reply on interface
 * ifname (up, its link-local address usable), each message sent again at 1,
 * 2, 4, 4... s until seconds run out; each reply checked against what was
 * asked (the transaction, this client's DUID, the IA) and bounded as it is
 * read; the Reply taken only from the server whose Advertise was chosen, and
 * a server that does not lease then is left for the others (up to four).
 * On failure: -1, the reason in err (LB_ERR_SYSTEM).
 */
int dhcp6_acquire(const char *ifname, int ifindex, const uint8_t mac[6], unsigned seconds,
                  struct dhcp6_lease *lease, struct lb_error *err);

/* What a client acts on in a server's message, from dhcp6_parse. */
struct dhcp6_reply {
    int type;   /* ADVERTISE 2, REPLY 7 */
    int status; /* the message's Status Code, else the IA's: 0 success */
    int rapid;  /* a Reply with Rapid Commit: the answer to a Solicit */
    uint8_t server_id[DHCP6_SERVER_ID_MAX];
    size_t server_id_len;
    uint8_t address[16]; /* the first usable IA Address of our IA_NA; */
    uint32_t preferred, valid;
    int has_address; /* ... 0: none offered */
};

/* Parses a server's message for transaction xid, to the client of mac; -1 if it is not one. */
int dhcp6_parse(const uint8_t *msg, size_t len, const uint8_t xid[3], const uint8_t mac[6],
                struct dhcp6_reply *r);
/*
 * The client's message of type (SOLICIT 1 or REQUEST 3; a Request names
 * chosen's server and address) into buf: its length, 0 if buf is short.
 */
size_t dhcp6_build(uint8_t *buf, size_t len, int type, const uint8_t xid[3], const uint8_t mac[6],
                   unsigned elapsed_cs, const struct dhcp6_reply *chosen);

#endif
