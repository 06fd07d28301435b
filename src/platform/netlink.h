/*
 * netlink.h - the network through rtnetlink, with no tool and no daemon.
 *
 * On the running system, load asks the kernel the way to a dump server: the
 * route, the interface on it, its MAC address, addresses and MTU.  In the
 * crash kernel the capture finds that interface again by its MAC address
 * (names are not stable across boots), brings it up, waits for carrier, and
 * sets the addresses and routes load copied.
 */
#ifndef LIFEBOAT_NETLINK_H
#define LIFEBOAT_NETLINK_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "lbdump.h"

/* An address, with a prefix length where it names a network. */
struct net_addr {
    int family; /* AF_INET or AF_INET6; 0: none */
    uint8_t bytes[16];
    unsigned prefix;
};

/* Parses "10.0.2.15", "10.0.2.0/24", "fd00::1/64"; a bare address has the whole length. */
int net_addr_parse(const char *text, struct net_addr *a);
/* Writes the address, with "/prefix" when with_prefix. */
void net_addr_format(const struct net_addr *a, int with_prefix, char *buf, size_t len);

/* The way to a destination, as the kernel would route a packet to it now. */
struct net_route {
    int ifindex;
    struct net_addr gateway; /* family 0: on the link */
    struct net_addr source;  /* the address the kernel would send from */
    int from_router;         /* learned from a router advertisement (RTPROT_RA) */
};

struct net_link {
    int ifindex;
    char name[IF_NAMESIZE];
    uint8_t mac[6];
    uint8_t perm_mac[6]; /* the NIC's own (an enslaved one's mac may be its bond's); 0s: unknown */
    unsigned mtu;
    char kind[16];      /* "vlan", "bond", "bridge"...; "" for a plain device */
    int parent;         /* a VLAN's lower device; 0: none */
    int master;         /* the bond or bridge it is enslaved to; 0: none */
    unsigned vlan_id;   /* kind "vlan" */
    unsigned bond_mode; /* kind "bond": IFLA_BOND_MODE (1 active-backup, 4 802.3ad) */
    int up, carrier;
};

int net_route_get(const struct net_addr *dst, struct net_route *route, struct lb_error *err);
int net_link_get(int ifindex, struct net_link *link, struct lb_error *err);
/* The interface's global addresses of family that are the machine's to keep: not a privacy
 * address, one past its preferred lifetime or one that failed duplicate detection. */
int net_link_addresses(int ifindex, int family, struct net_addr *out, size_t max);

/* Where an address came from, as load reads it (net_addr_origin). */
enum net_origin { NET_ORIGIN_STATIC, NET_ORIGIN_SLAAC, NET_ORIGIN_DHCP6 };
/*
 * An IPv6 address's origin from what the kernel says of it: its flags
 * (IFA_F_*), its valid lifetime (s, 0xffffffff forever), its IFA_PROTO (0
 * unknown) and its prefix length.  Static: permanent, or valid forever (an
 * admin's, or a configuration's); SLAAC: the kernel's from a router
 * advertisement (IFA_PROTO_KERNEL_RA), or any other with a lifetime and a
 * prefix shorter than 128 (a userspace RA client's, such as NetworkManager's);
 * DHCPv6: one with a lifetime and a /128, as DHCPv6 clients set an IA_NA
 * address (the IA carries no prefix length: RFC 5942).  IPv4: always static.
 */
enum net_origin net_addr_origin(int family, unsigned prefix, uint32_t flags, uint32_t valid,
                                unsigned proto);
/* net_link_addresses, each address's origin in origin[] too. */
int net_link_addresses_origin(int ifindex, int family, struct net_addr *out,
                              enum net_origin *origin, size_t max);
/* Waits up to seconds for an IPv6 address of the link's that is usable (not tentative, not failed):
 * a global one with a lifetime (SLAAC's, not a static one beside it), or with link_local its
 * fe80:: one.  0 with it in out. */
int net_link_wait_ipv6(int ifindex, int link_local, unsigned seconds, struct net_addr *out);
/* Lets the kernel take router advertisements and make addresses from them on ifname (its
 * accept_ra and autoconf sysctls on), before it comes up and solicits a router. */
int net_ipv6_autoconf(const char *ifname);

/* The interface with this MAC address (a physical one: not a VLAN or bond on it). */
int net_link_find_mac(const uint8_t mac[6], struct net_link *link);
int net_link_find_name(const char *name, struct net_link *link);
/* The link's speed in Mb/s as its driver reports it (ethtool), 0 when it reports none. */
unsigned net_link_speed(const char *name);
/* The links enslaved to master (a bond's slaves, a bridge's ports), up to max; -1 on error. */
int net_link_lower(int master, struct net_link *out, size_t max);

/* A link to make: a VLAN on parent, a bond (miimon 100 ms), a bridge. */
struct net_link_spec {
    const char *kind; /* "vlan", "bond", "bridge" */
    const char *name;
    int parent;         /* vlan: its lower device's ifindex */
    unsigned vlan_id;   /* vlan */
    unsigned bond_mode; /* bond: IFLA_BOND_MODE */
};
/* RTM_NEWLINK with IFLA_LINKINFO; -1 with errno (EEXIST: the name is taken). */
int net_link_create(const struct net_link_spec *spec);
/* The request net_link_create sends, into buf: its length, 0 if spec is bad or buf small. */
size_t net_link_new_message(const struct net_link_spec *spec, void *buf, size_t len);
int net_link_delete(int ifindex);
/* ifindex enslaved to master (a bond's slave must be down first). */
int net_link_set_master(int ifindex, int master);
int net_link_set_up(int ifindex, unsigned mtu);
/* The link's MTU alone, up or down as it is. */
int net_link_set_mtu(int ifindex, unsigned mtu);
/* Waits up to seconds for carrier; 0 when the link has it. */
int net_link_wait_carrier(int ifindex, unsigned seconds);
int net_address_add(int ifindex, const struct net_addr *a);
/* A route to dst (prefix 0: the default route), through gateway (family 0: on the link). */
int net_route_add(int ifindex, const struct net_addr *dst, const struct net_addr *gateway);

/* "52:54:00:12:34:56" both ways. */
int net_mac_parse(const char *text, uint8_t mac[6]);
void net_mac_format(const uint8_t mac[6], char *buf, size_t len);

#endif
