/*
 * network.c - a network target's way there, copied at load and set up again
 * in the crash kernel (network.h).
 *
 * What is copied is what the running system uses now: the route the kernel
 * picks for the server's address, the interface it leaves by (named by MAC
 * address, the only name that survives into another kernel), that
 * interface's addresses and MTU.  A static copy needs no DHCP server to
 * answer while the machine is down; an IPv4 address that changes is for
 * 'network dhcp'.  An IPv6 address the running system got by SLAAC or from
 * a DHCPv6 server is asked for again in the crash kernel the same way
 * ('interface ... slaac|dhcp6'), since a prefix or a lease may have changed
 * between load and the crash; a SLAAC one kept as a fallback for when no
 * router answers.
 *
 * An interface that is a bond, a VLAN or a bridge is copied with what it is
 * made of (network-link lines, lowest first: config_net.c), down to the NICs
 * under it, named by their own MAC addresses; the crash kernel makes the
 * same links again with rtnetlink before it brings the interface up.  Their
 * drivers (bonding, 8021q, bridge) go into the initramfs only when used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/config_net.h"
#include "platform/dhcp.h"
#include "platform/dhcp6.h"
#include "platform/netlink.h"
#include "targets/network.h"

static void addr_from(const struct addrinfo *ai, struct net_addr *addr)
{
    memset(addr, 0, sizeof(*addr));
    addr->family = ai->ai_family;
    if (ai->ai_family == AF_INET) {
        memcpy(addr->bytes, &((const struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
        addr->prefix = 32;
    } else {
        memcpy(addr->bytes, &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
        addr->prefix = 128;
    }
}

/*
 * The host's address: as written, else resolved here (the crash kernel has
 * no name service).  A name with addresses of both families gets the first
 * this machine has a route to, in the resolver's order.
 */
static int resolve_host(struct target *t, struct net_addr *addr, struct lb_error *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    struct net_route route;
    struct lb_error no_route;
    int e;

    if (t->address[0]) {
        if (net_addr_parse(t->address, addr) == 0)
            return 0;
        lb_error_setk(err, LB_ERR_REFUSED, "%s: the address %s recorded for %s is not one",
                      t->shown, t->address, t->host);
        return -1;
    }
    if (net_addr_parse(t->host, addr) == 0) {
        net_addr_format(addr, 0, t->address, sizeof(t->address));
        return 0;
    }
    e = getaddrinfo(t->host, NULL, &hints, &res);
    if (e != 0 || !res) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s: cannot resolve %s: %s", t->shown, t->host,
                      gai_strerror(e));
        return -1;
    }
    addr_from(res, addr);
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        struct net_addr a;
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        addr_from(ai, &a);
        if (net_route_get(&a, &route, &no_route) == 0) {
            *addr = a;
            break;
        }
    }
    freeaddrinfo(res);
    net_addr_format(addr, 0, t->address, sizeof(t->address));
    return 0;
}

static struct config_interface *interface_for(struct config *cfg, const struct config_dev *dev)
{
    for (size_t i = 0; i < cfg->ninterfaces; i++)
        if (memcmp(cfg->interfaces[i].mac, dev->mac, 6) == 0 &&
            strcmp(cfg->interfaces[i].name, dev->name) == 0)
            return &cfg->interfaces[i];
    if (cfg->ninterfaces == CONFIG_MAX_INTERFACES)
        return NULL;
    struct config_interface *in = &cfg->interfaces[cfg->ninterfaces++];
    memset(in, 0, sizeof(*in));
    memcpy(in->mac, dev->mac, 6);
    strcpy(in->name, dev->name);
    return in;
}

/* A NIC's own MAC address: an enslaved one has its bond's as its address now. */
static const uint8_t *own_mac(const struct net_link *link)
{
    static const uint8_t none[6];

    return memcmp(link->perm_mac, none, 6) ? link->perm_mac : link->mac;
}

struct describe {
    const struct target *t;
    struct config *cfg;
    struct module_list *mods;
    struct lb_error *err;
};

static int describe_link(struct describe *d, const struct net_link *link, struct config_dev *dev,
                         int depth);

static int add_module(struct describe *d, const char *name)
{
    const char *names[] = {name, NULL};
    struct lb_error err;

    if (modules_named(names, d->mods, &err) < 0)
        fprintf(stderr, "lifeboat: warning: %s\n", err.msg);
    return 0;
}

/* A bond's slaves or a bridge's ports, each described (a NIC, or a link under it). */
static int describe_lower(struct describe *d, const struct net_link *link, struct config_link *cl,
                          int depth)
{
    struct net_link lower[CONFIG_MAX_LOWER + 1];
    int n = net_link_lower(link->ifindex, lower, CONFIG_MAX_LOWER + 1);

    if (n <= 0 || n > CONFIG_MAX_LOWER) {
        lb_error_setk(d->err, LB_ERR_REFUSED, "%s: %s %s has %s", d->t->shown,
                      cl->kind == LINK_BOND ? "bond" : "bridge", link->name,
                      n <= 0 ? "no device under it"
                             : "more devices under it than the capture makes");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (cl->kind == LINK_BOND && lower[i].kind[0]) {
            lb_error_setk(d->err, LB_ERR_REFUSED,
                          "%s: bond %s has %s (%s) under it: the capture bonds NICs only",
                          d->t->shown, link->name, lower[i].name, lower[i].kind);
            return -1;
        }
        if (cl->kind == LINK_BOND && cl->bond_mode == BOND_8023AD && lower[i].carrier &&
            !net_link_speed(lower[i].name))
            fprintf(stderr,
                    "lifeboat: warning: %s: 802.3ad bond %s has %s under it, which reports no "
                    "link speed: the bonding driver counts such a port as down, and the crash "
                    "kernel's bond may carry nothing (a virtual NIC can be given a speed)\n",
                    d->t->shown, link->name, lower[i].name);
        if (describe_link(d, &lower[i], &cl->lower[cl->nlower++], depth + 1) < 0)
            return -1;
    }
    return 0;
}

/* The link's network-link line (once, however many targets go through it), lower ones first. */
static int describe_virtual(struct describe *d, const struct net_link *link, int depth)
{
    struct config_link cl = {0};
    const struct config_link *have = config_link_named(d->cfg, link->name);
    if (have)
        return 0;
    snprintf(cl.name, sizeof(cl.name), "%s", link->name);
    cl.mtu = link->mtu;
    if (strcmp(link->kind, "vlan") == 0) {
        struct net_link parent;
        cl.kind = LINK_VLAN;
        cl.vlan_id = link->vlan_id;
        cl.nlower = 1;
        if (net_link_get(link->parent, &parent, d->err) < 0) {
            lb_error_prefix(d->err, "%s: VLAN %s", d->t->shown, link->name);
            return -1;
        }
        if (describe_link(d, &parent, &cl.lower[0], depth + 1) < 0)
            return -1;
        add_module(d, "8021q");
    } else if (strcmp(link->kind, "bond") == 0) {
        cl.kind = LINK_BOND;
        cl.bond_mode = link->bond_mode;
        if (cl.bond_mode != BOND_ACTIVE_BACKUP && cl.bond_mode != BOND_8023AD) {
            lb_error_setk(d->err, LB_ERR_REFUSED,
                          "%s: bond %s is in mode %u: the capture makes active-backup "
                          "and 802.3ad bonds",
                          d->t->shown, link->name, cl.bond_mode);
            return -1;
        }
        if (describe_lower(d, link, &cl, depth) < 0)
            return -1;
        add_module(d, "bonding");
    } else {
        cl.kind = LINK_BRIDGE;
        if (describe_lower(d, link, &cl, depth) < 0)
            return -1;
        add_module(d, "bridge");
    }
    if (d->cfg->nlinks == CONFIG_MAX_LINKS) {
        lb_error_setk(d->err, LB_ERR_REFUSED, "%s: more than %d bonds, VLANs and bridges",
                      d->t->shown, CONFIG_MAX_LINKS);
        return -1;
    }
    d->cfg->links[d->cfg->nlinks++] = cl;
    return 0;
}

/* link as the config names it: a NIC by its MAC (its drivers added), a link by name (described). */
static int describe_link(struct describe *d, const struct net_link *link, struct config_dev *dev,
                         int depth)
{
    struct lb_error mod_err;

    memset(dev, 0, sizeof(*dev));
    if (depth > 4) {
        lb_error_setk(d->err, LB_ERR_REFUSED,
                      "%s: interface %s is links on links deeper than the capture makes",
                      d->t->shown, link->name);
        return -1;
    }
    if (!link->kind[0]) {
        memcpy(dev->mac, own_mac(link), 6);
        if (modules_for_netdev(link->name, d->mods, &mod_err) < 0)
            fprintf(stderr, "lifeboat: warning: %s\n", mod_err.msg);
        return 0;
    }
    if (strcmp(link->kind, "vlan") && strcmp(link->kind, "bond") && strcmp(link->kind, "bridge")) {
        lb_error_setk(d->err, LB_ERR_REFUSED,
                      "%s: %s is under the way to %s and is a %s, which the capture does not make",
                      d->t->shown, link->name, d->t->address, link->kind);
        return -1;
    }
    if (strlen(link->name) >= sizeof(dev->name)) {
        lb_error_setk(d->err, LB_ERR_TOO_LONG, "%s: interface name %s is too long", d->t->shown,
                      link->name);
        return -1;
    }
    strcpy(dev->name, link->name);
    return describe_virtual(d, link, depth);
}

static int refuse_link(const struct target *t, const struct net_link *link, struct lb_error *err)
{
    const char *what = NULL;

    if (strcmp(link->name, "lo") == 0 || !memcmp(link->mac, "\0\0\0\0\0\0", 6))
        what = "the loopback (or a device with no MAC address): the server is this machine, "
               "which is the one that crashed";
    else if (link->master)
        what = "enslaved to a bond or a bridge: the address should be on that one";
    else if (link->kind[0] && strcmp(link->kind, "vlan") && strcmp(link->kind, "bond") &&
             strcmp(link->kind, "bridge"))
        what = link->kind; /* bridge, macvlan, wireguard...: said by their kind */
    if (!what)
        return 0;
    lb_error_setk(err, LB_ERR_REFUSED, "%s: the way to %s is interface %s, %s%s", t->shown,
                  t->address, link->name, what,
                  link->kind[0] && what == link->kind ? " (not supported)" : "");
    return -1;
}

/*
 * How the crash kernel gets the interface's IPv6 address: as the running
 * system got its addresses (net_addr_origin), a DHCPv6 lease before SLAAC
 * (a network that has both answers both), static when all are.
 */
static enum config_ipv6 ipv6_mode(const enum net_origin *origin, size_t n)
{
    enum config_ipv6 mode = IPV6_STATIC;

    for (size_t i = 0; i < n; i++)
        if (origin[i] == NET_ORIGIN_DHCP6)
            mode = IPV6_DHCP6;
        else if (origin[i] == NET_ORIGIN_SLAAC && mode == IPV6_STATIC)
            mode = IPV6_SLAAC;
    return mode;
}

void network_copy_addresses(struct config_interface *in, int family, const struct net_addr *have,
                            const enum net_origin *origin, size_t n)
{
    if (family == AF_INET6 && n && !in->ipv6)
        in->ipv6 = ipv6_mode(origin, n);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        if (in->ipv6 == IPV6_DHCP6 && origin[i] != NET_ORIGIN_STATIC)
            continue; /* (SLAAC beside DHCPv6: the kernel makes it again from the same RA) */
        while (k < in->naddresses && memcmp(&in->addresses[k], &have[i], sizeof(have[i])))
            k++;
        if (k == in->naddresses && in->naddresses < CONFIG_MAX_ADDRESSES) {
            in->fallback[k] = in->ipv6 == IPV6_SLAAC && origin[i] == NET_ORIGIN_SLAAC;
            in->addresses[in->naddresses++] = have[i];
        }
    }
}

/* The interface's addresses, and the route to dst when it goes through a gateway, but one a
 * router advertised, which the crash kernel, asking again, learns again (a route the admin set
 * beside SLAAC or DHCPv6 is copied). */
static int copy_static(const struct target *t, struct config *cfg, struct config_interface *in,
                       const struct config_dev *dev, const struct net_route *route,
                       const struct net_addr *dst, const struct net_addr *have,
                       const enum net_origin *origin, size_t n, struct lb_error *err)
{
    network_copy_addresses(in, dst->family, have, origin, n);
    if (!route->gateway.family ||
        (dst->family == AF_INET6 && in->ipv6 != IPV6_STATIC && route->from_router))
        return 0; /* on the link needs no route: the address's prefix makes it; the RA's */
    if (cfg->nroutes == CONFIG_MAX_ROUTES) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s: more than %d routes", t->shown, CONFIG_MAX_ROUTES);
        return -1;
    }
    struct config_route *r = &cfg->routes[cfg->nroutes++];
    r->destination = *dst; /* the server alone: nothing else is routed in the crash kernel */
    r->gateway = route->gateway;
    memcpy(r->mac, dev->mac, 6);
    strcpy(r->name, dev->name);
    return 0;
}

int network_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                    struct lb_error *err)
{
    struct net_addr dst, have[CONFIG_MAX_ADDRESSES];
    enum net_origin origin[CONFIG_MAX_ADDRESSES];
    struct net_route route;
    struct net_link link;
    struct config_interface *in;
    struct config_dev dev;
    struct describe d = {t, cfg, mods, err};
    int n;

    if (resolve_host(t, &dst, err) < 0)
        return -1;
    if (net_route_get(&dst, &route, err) < 0 || net_link_get(route.ifindex, &link, err) < 0) {
        lb_error_prefix(err, "%s", t->shown);
        return -1;
    }
    if (refuse_link(t, &link, err) < 0)
        return -1;
    n = net_link_addresses_origin(link.ifindex, dst.family, have, origin, CONFIG_MAX_ADDRESSES);
    if (n <= 0 && !cfg->network_dhcp) { /* (with DHCP the crash kernel asks for its own) */
        lb_error_setk(err, LB_ERR_REFUSED, "%s: interface %s has no address of the server's family",
                      t->shown, link.name);
        return -1;
    }
    if (describe_link(&d, &link, &dev, 0) < 0)
        return -1;
    if (!(in = interface_for(cfg, &dev))) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s: more than %d interfaces", t->shown,
                      CONFIG_MAX_INTERFACES);
        return -1;
    }
    in->mtu = link.mtu;
    in->dhcp = cfg->network_dhcp; /* then the address and the gateway come from DHCP */
    if (!in->dhcp && copy_static(t, cfg, in, &dev, &route, &dst, have, origin, (size_t)n, err) < 0)
        return -1;
    return 0;
}

/* Drivers probe in the background after their module loads: the interface comes when it comes. */
static int find_interface(const uint8_t mac[6], unsigned seconds, struct net_link *link)
{
    struct timespec pause = {0, 100 * 1000 * 1000};

    for (unsigned tries = 0; tries <= seconds * 10; tries++) {
        if (net_link_find_mac(mac, link) == 0)
            return 0;
        nanosleep(&pause, NULL);
    }
    return -1;
}

/* The address and the default route from a DHCP server. */
static int lease_up(const struct net_link *link, const char *shown_mac, const uint8_t mac[6],
                    unsigned seconds)
{
    struct dhcp_lease lease;
    struct net_addr any = {.family = AF_INET};
    char text[64], server[64];
    struct lb_error err;

    if (dhcp_acquire(link->name, mac, seconds, &lease, &err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return -1;
    }
    net_addr_format(&lease.address, 1, text, sizeof(text));
    net_addr_format(&lease.server, 0, server, sizeof(server));
    if (net_address_add(link->ifindex, &lease.address) < 0 ||
        (lease.router.family && net_route_add(link->ifindex, &any, &lease.router) < 0)) {
        fprintf(stderr, "lifeboat: cannot set %s (DHCP) on %s: %s\n", text, link->name,
                strerror(errno));
        return -1;
    }
    fprintf(stderr, "lifeboat: %s (%s) is up with %s (DHCP from %s)\n", link->name, shown_mac, text,
            server);
    return 0;
}

/* A device of the config in this kernel: a NIC by MAC (its driver may still be probing), a link by
 * name. */
static int find_dev(const struct config *cfg, const struct config_dev *dev, struct net_link *link,
                    char *shown, size_t len)
{
    config_dev_format(dev, shown, len);
    if (dev->name[0] ? net_link_find_name(dev->name, link) == 0
                     : find_interface(dev->mac, cfg->device_timeout, link) == 0)
        return 0;
    fprintf(stderr, "lifeboat: no interface %s %s%s\n", dev->name[0] ? "named" : "has MAC address",
            shown, dev->name[0] ? " (its network-link was not made)" : " (was its driver loaded?)");
    return -1;
}

/* The devices under a link, all found before any is enslaved (which changes their MAC address). */
static int find_lower(const struct config *cfg, const struct config_link *cl, int ifindex[])
{
    struct net_link link;
    char shown[20];

    for (size_t k = 0; k < cl->nlower; k++) {
        if (find_dev(cfg, &cl->lower[k], &link, shown, sizeof(shown)) < 0)
            return -1;
        ifindex[k] = link.ifindex;
    }
    return 0;
}

static const char *const kind_names[] = {"vlan", "bond", "bridge"};

/*
 * The bonding driver makes a bond0 of its own when it loads (max_bonds=1):
 * an empty link of the kind wanted, under the name wanted, is made again as
 * the config says.  Anything else under that name is left alone.
 */
static int replace_link(const struct net_link_spec *spec)
{
    struct net_link have, lower[1];

    if (net_link_find_name(spec->name, &have) < 0 || strcmp(have.kind, spec->kind) != 0 ||
        net_link_lower(have.ifindex, lower, 1) != 0) {
        errno = EEXIST;
        return -1;
    }
    if (net_link_delete(have.ifindex) < 0)
        return -1;
    /* the name is free once the kernel has let go of the old device: a moment at most */
    for (int tries = 0; tries < 20; tries++) {
        struct timespec pause = {0, 100 * 1000 * 1000};
        if (net_link_create(spec) == 0)
            return 0;
        if (errno != EEXIST)
            return -1;
        nanosleep(&pause, NULL);
    }
    return -1;
}

/*
 * Up, with mtu if it is not 0.  The kernel takes the MTU before the flag and
 * stops at a refused one, leaving the device down: then it is brought up
 * with the MTU it has, and the refusal said.  An MTU costs frames' size at
 * worst, never the way to the target.
 */
static int link_up(int ifindex, unsigned mtu, const char *name)
{
    if (net_link_set_up(ifindex, mtu) == 0)
        return 0;
    if (!mtu)
        return -1;
    fprintf(stderr, "lifeboat: cannot give %s the MTU %u: %s; up with the one it has\n", name, mtu,
            strerror(errno));
    return net_link_set_up(ifindex, 0);
}

/* What a lower device's MTU must be for an upper one of mtu: at least that; 0 to leave it. */
static unsigned lower_mtu(int ifindex, unsigned mtu)
{
    struct net_link have;
    struct lb_error err;

    if (!mtu || net_link_get(ifindex, &have, &err) < 0 || have.mtu >= mtu)
        return 0;
    return mtu;
}

/* One network-link line made: the link, its lower devices enslaved (a bond's while down) and up. */
static int make_link(const struct config *cfg, const struct config_link *cl)
{
    struct net_link_spec spec = {.kind = kind_names[cl->kind],
                                 .name = cl->name,
                                 .vlan_id = cl->vlan_id,
                                 .bond_mode = cl->bond_mode};
    struct net_link made;
    int lower[CONFIG_MAX_LOWER];

    if (find_lower(cfg, cl, lower) < 0)
        return -1;
    if (cl->kind == LINK_VLAN)
        spec.parent = lower[0];
    if (net_link_create(&spec) < 0 && (errno != EEXIST || replace_link(&spec) < 0)) {
        fprintf(stderr, "lifeboat: cannot make %s %s: %s\n", spec.kind, cl->name, strerror(errno));
        return -1;
    }
    if (net_link_find_name(cl->name, &made) < 0) {
        fprintf(stderr, "lifeboat: %s %s is not there after it was made\n", spec.kind, cl->name);
        return -1;
    }
    for (size_t k = 0; k < cl->nlower; k++) {
        if (cl->kind != LINK_VLAN && net_link_set_master(lower[k], made.ifindex) < 0) {
            fprintf(stderr, "lifeboat: cannot put interface %d under %s %s: %s\n", lower[k],
                    spec.kind, cl->name, strerror(errno));
            return -1;
        }
        if (link_up(lower[k], lower_mtu(lower[k], cl->mtu), cl->name) < 0)
            fprintf(stderr, "lifeboat: cannot bring interface %d (under %s) up: %s\n", lower[k],
                    cl->name, strerror(errno));
    }
    /* A VLAN's MTU fits its parent's, a bridge's its ports': the lower ones were raised first.
     * (A bond passes its own to its slaves.) */
    if (cl->mtu && net_link_set_mtu(made.ifindex, cl->mtu) < 0)
        fprintf(stderr, "lifeboat: cannot give %s the MTU %u: %s\n", cl->name, cl->mtu,
                strerror(errno));
    char mtu[32] = "";
    if (cl->mtu)
        snprintf(mtu, sizeof(mtu), ", MTU %u", cl->mtu);
    fprintf(stderr, "lifeboat: made %s %s over %zu device%s%s\n", spec.kind, cl->name, cl->nlower,
            cl->nlower == 1 ? "" : "s", mtu);
    return 0;
}

/* The router the link's default route goes through, once there is one (the console says it). */
static void ipv6_router(int ifindex, unsigned seconds, char *buf, size_t len)
{
    struct timespec pause = {0, 200 * 1000 * 1000};
    struct net_addr probe; /* a documentation address: only a default route leads there */
    struct net_route route;
    struct lb_error err;

    net_addr_parse("2001:db8::1", &probe);
    for (unsigned tries = 0; tries <= seconds * 5; tries++) {
        if (net_route_get(&probe, &route, &err) == 0 && route.ifindex == ifindex &&
            route.gateway.family) {
            net_addr_format(&route.gateway, 0, buf, len);
            return;
        }
        nanosleep(&pause, NULL);
    }
    snprintf(buf, len, "none advertised: servers on the link only");
}

/* The kernel's SLAAC: a router's prefix, else the address load saw (a fallback line's). */
static int slaac_up(const struct config_interface *in, const struct net_link *link, const char *mac,
                    unsigned wait)
{
    struct net_addr got;
    char text[64], router[64];
    int set = 0;

    if (net_link_wait_ipv6(link->ifindex, 0, wait, &got) == 0) {
        net_addr_format(&got, 1, text, sizeof(text));
        ipv6_router(link->ifindex, 2, router, sizeof(router));
        fprintf(stderr, "lifeboat: %s (%s) is up with %s (SLAAC; router %s)\n", link->name, mac,
                text, router);
        return 0;
    }
    for (size_t k = 0; k < in->naddresses; k++)
        if (in->fallback[k] && net_address_add(link->ifindex, &in->addresses[k]) == 0) {
            net_addr_format(&in->addresses[k], 1, text, sizeof(text));
            set++;
        }
    fprintf(stderr, "lifeboat: no router advertised a prefix on %s in %u s%s%s\n", link->name, wait,
            set ? ": set the address SLAAC gave when lifeboat was loaded, " : "", set ? text : "");
    return set ? 0 : -1;
}

/* An address leased by a DHCPv6 server, with its lifetimes; the route from the router's RA. */
static int dhcp6_up(const struct net_link *link, const char *mac, unsigned wait)
{
    struct dhcp6_lease lease;
    struct net_addr ll;
    struct lb_error err;
    char text[64], server[64], router[64];

    /* the link-local address the messages go from, once it is past duplicate detection */
    if (net_link_wait_ipv6(link->ifindex, 1, wait, &ll) < 0) {
        fprintf(stderr, "lifeboat: %s has no usable link-local address after %u s\n", link->name,
                wait);
        return -1;
    }
    if (dhcp6_acquire(link->name, link->ifindex, link->mac, wait, &lease, &err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return -1;
    }
    net_addr_format(&lease.address, 1, text, sizeof(text));
    net_addr_format(&lease.server, 0, server, sizeof(server));
    if (net_address_add(link->ifindex, &lease.address) < 0) { /* no end: see net_address_add */
        fprintf(stderr, "lifeboat: cannot set %s (DHCPv6) on %s: %s\n", text, link->name,
                strerror(errno));
        return -1;
    }
    ipv6_router(link->ifindex, 5, router, sizeof(router));
    fprintf(stderr, "lifeboat: %s (%s) is up with %s (DHCPv6 from %s, for %u s; router %s)\n",
            link->name, mac, text, server, lease.valid, router);
    return 0;
}

static int interface_up(const struct config *cfg, const struct config_interface *in)
{
    unsigned wait = cfg->network_timeout ? cfg->network_timeout : 30;
    struct config_dev dev;
    memset(&dev, 0, sizeof(dev));
    char mac[20], text[64];
    struct net_link link;

    memcpy(dev.mac, in->mac, 6);
    strcpy(dev.name, in->name);
    if (find_dev(cfg, &dev, &link, mac, sizeof(mac)) < 0)
        return -1;
    /* before it is up: the router solicitation goes when its link-local address is ready */
    if (in->ipv6 && net_ipv6_autoconf(link.name) < 0)
        fprintf(stderr, "lifeboat: cannot let %s take router advertisements: %s\n", link.name,
                strerror(errno));
    if (link_up(link.ifindex, in->mtu, link.name) < 0) {
        fprintf(stderr, "lifeboat: cannot bring %s (%s) up: %s\n", link.name, mac, strerror(errno));
        return -1;
    }
    if (net_link_wait_carrier(link.ifindex, wait) < 0) {
        fprintf(stderr, "lifeboat: %s (%s) has no carrier after %u s\n", link.name, mac, wait);
        return -1;
    }
    if (in->dhcp && lease_up(&link, mac, in->mac, wait) < 0)
        return -1;
    for (size_t k = 0; k < in->naddresses; k++) {
        if (in->fallback[k])
            continue; /* slaac_up's, if no router answers */
        net_addr_format(&in->addresses[k], 1, text, sizeof(text));
        if (net_address_add(link.ifindex, &in->addresses[k]) < 0) {
            fprintf(stderr, "lifeboat: cannot set address %s on %s: %s\n", text, link.name,
                    strerror(errno));
            return -1;
        }
        fprintf(stderr, "lifeboat: %s (%s) is up with %s\n", link.name, mac, text);
    }
    for (size_t r = 0; r < cfg->nroutes; r++) {
        const struct config_route *route = &cfg->routes[r];
        if (memcmp(route->mac, in->mac, 6) != 0 || strcmp(route->name, in->name) != 0)
            continue;
        if (net_route_add(link.ifindex, &route->destination, &route->gateway) < 0) {
            net_addr_format(&route->destination, 1, text, sizeof(text));
            fprintf(stderr, "lifeboat: cannot add the route to %s: %s\n", text, strerror(errno));
            return -1;
        }
    }
    if (in->ipv6 == IPV6_SLAAC)
        return slaac_up(in, &link, mac, wait);
    return in->ipv6 == IPV6_DHCP6 ? dhcp6_up(&link, mac, wait) : 0;
}

int network_up(const struct config *cfg)
{
    struct net_link lo;
    uint8_t none[6] = {0};
    int failed = 0;

    if (net_link_find_mac(none, &lo) == 0) /* the loopback: its MAC is all zeros */
        net_link_set_up(lo.ifindex, 0);
    for (size_t i = 0; i < cfg->nlinks; i++)
        make_link(cfg, &cfg->links[i]); /* one that fails fails its interface below, said there */
    for (size_t i = 0; i < cfg->ninterfaces; i++)
        if (interface_up(cfg, &cfg->interfaces[i]) < 0)
            failed++;
    return failed;
}
