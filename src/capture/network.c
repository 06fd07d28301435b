/*
 * network.c - a network target's way there, copied at load and set up again
 * in the crash kernel (network.h).
 *
 * What is copied is what the running system uses now: the route the kernel
 * picks for the server's address, the interface it leaves by (named by MAC
 * address, the only name that survives into another kernel), that
 * interface's addresses and MTU.  A static copy needs no DHCP server to
 * answer while the machine is down; an address that changes is for a later
 * 'network dhcp'.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "network.h"
#include "platform/dhcp.h"
#include "platform/netlink.h"

/* The host's address: as written, else resolved here (the crash kernel has no name service). */
static int resolve_host(struct target *t, struct net_addr *addr, char *why, size_t whylen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int e;

    if (t->address[0])
        return net_addr_parse(t->address, addr);
    if (net_addr_parse(t->host, addr) == 0) {
        net_addr_format(addr, 0, t->address, sizeof(t->address));
        return 0;
    }
    e = getaddrinfo(t->host, NULL, &hints, &res);
    if (e != 0 || !res) {
        snprintf(why, whylen, "%s: cannot resolve %s: %s", t->shown, t->host, gai_strerror(e));
        return -1;
    }
    memset(addr, 0, sizeof(*addr));
    addr->family = res->ai_family;
    if (res->ai_family == AF_INET) {
        memcpy(addr->bytes, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
        addr->prefix = 32;
    } else {
        memcpy(addr->bytes, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
        addr->prefix = 128;
    }
    freeaddrinfo(res);
    net_addr_format(addr, 0, t->address, sizeof(t->address));
    return 0;
}

static struct config_interface *interface_for(struct config *cfg, const uint8_t mac[6])
{
    for (size_t i = 0; i < cfg->ninterfaces; i++)
        if (memcmp(cfg->interfaces[i].mac, mac, 6) == 0)
            return &cfg->interfaces[i];
    if (cfg->ninterfaces == CONFIG_MAX_INTERFACES)
        return NULL;
    struct config_interface *in = &cfg->interfaces[cfg->ninterfaces++];
    memset(in, 0, sizeof(*in));
    memcpy(in->mac, mac, 6);
    return in;
}

static int refuse_link(const struct target *t, const struct net_link *link, char *why,
                       size_t whylen)
{
    const char *what = NULL;

    if (strcmp(link->name, "lo") == 0 || !memcmp(link->mac, "\0\0\0\0\0\0", 6))
        what = "the loopback (or a device with no MAC address): the server is this machine, "
               "which is the one that crashed";
    else if (link->master)
        what = "enslaved to a bond or a bridge, which the capture does not set up";
    else if (strcmp(link->kind, "vlan") == 0)
        what = "a VLAN, which the capture does not set up yet";
    else if (strcmp(link->kind, "bond") == 0)
        what = "a bond, which the capture does not set up yet (its active slave's own "
               "interface works)";
    else if (link->kind[0])
        what = link->kind; /* bridge, macvlan, wireguard...: said by their kind */
    if (!what)
        return 0;
    snprintf(why, whylen, "%s: the way to %s is interface %s, %s%s", t->shown, t->address,
             link->name, what, link->kind[0] && what == link->kind ? " (not supported)" : "");
    return -1;
}

/* The interface's addresses, and the route to dst when it goes through a gateway. */
static int copy_static(const struct target *t, struct config *cfg, struct config_interface *in,
                       const uint8_t mac[6], const struct net_route *route,
                       const struct net_addr *dst, const struct net_addr *have, size_t n, char *why,
                       size_t whylen)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < in->naddresses && memcmp(&in->addresses[k], &have[i], sizeof(have[i])))
            k++;
        if (k == in->naddresses && in->naddresses < CONFIG_MAX_ADDRESSES)
            in->addresses[in->naddresses++] = have[i];
    }
    if (!route->gateway.family)
        return 0; /* on the link needs no route: the address's prefix makes it */
    if (cfg->nroutes == CONFIG_MAX_ROUTES) {
        snprintf(why, whylen, "%s: more than %d routes", t->shown, CONFIG_MAX_ROUTES);
        return -1;
    }
    struct config_route *r = &cfg->routes[cfg->nroutes++];
    r->destination = *dst; /* the server alone: nothing else is routed in the crash kernel */
    r->gateway = route->gateway;
    memcpy(r->mac, mac, 6);
    return 0;
}

int network_prepare(struct target *t, struct config *cfg, struct module_list *mods, char *why,
                    size_t whylen)
{
    struct net_addr dst, have[CONFIG_MAX_ADDRESSES];
    struct net_route route;
    struct net_link link;
    struct config_interface *in;
    char mod_why[256];
    int n;

    if (resolve_host(t, &dst, why, whylen) < 0)
        return -1;
    if (net_route_get(&dst, &route, why, whylen) < 0 ||
        net_link_get(route.ifindex, &link, why, whylen) < 0) {
        char what[300];
        snprintf(what, sizeof(what), "%s", why);
        snprintf(why, whylen, "%s: %s", t->shown, what);
        return -1;
    }
    if (refuse_link(t, &link, why, whylen) < 0)
        return -1;
    n = net_link_addresses(link.ifindex, dst.family, have, CONFIG_MAX_ADDRESSES);
    if (n <= 0) {
        snprintf(why, whylen, "%s: interface %s has no address of the server's family", t->shown,
                 link.name);
        return -1;
    }
    if (!(in = interface_for(cfg, link.mac))) {
        snprintf(why, whylen, "%s: more than %d interfaces", t->shown, CONFIG_MAX_INTERFACES);
        return -1;
    }
    in->mtu = link.mtu;
    in->dhcp = cfg->network_dhcp; /* then the address and the gateway come from DHCP */
    if (!in->dhcp &&
        copy_static(t, cfg, in, link.mac, &route, &dst, have, (size_t)n, why, whylen) < 0)
        return -1;
    if (modules_for_netdev(link.name, mods, mod_why, sizeof(mod_why)) < 0)
        fprintf(stderr, "lifeboat: warning: %s\n", mod_why);
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
    char why[300], text[64], server[64];

    if (dhcp_acquire(link->name, mac, seconds, &lease, why, sizeof(why)) < 0) {
        fprintf(stderr, "lifeboat: %s\n", why);
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

static int interface_up(const struct config *cfg, const struct config_interface *in)
{
    unsigned wait = cfg->network_timeout ? cfg->network_timeout : 30;
    char mac[20], text[64];
    struct net_link link;

    net_mac_format(in->mac, mac, sizeof(mac));
    if (find_interface(in->mac, cfg->device_timeout, &link) < 0) {
        fprintf(stderr, "lifeboat: no interface has MAC address %s (was its driver loaded?)\n",
                mac);
        return -1;
    }
    if (net_link_set_up(link.ifindex, in->mtu) < 0) {
        fprintf(stderr, "lifeboat: cannot bring %s (%s) up: %s\n", link.name, mac, strerror(errno));
        return -1;
    }
    if (net_link_wait_carrier(link.ifindex, wait) < 0) {
        fprintf(stderr, "lifeboat: %s (%s) has no carrier after %u s\n", link.name, mac, wait);
        return -1;
    }
    if (in->dhcp)
        return lease_up(&link, mac, in->mac, wait);
    for (size_t k = 0; k < in->naddresses; k++) {
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
        if (memcmp(route->mac, in->mac, 6) != 0)
            continue;
        if (net_route_add(link.ifindex, &route->destination, &route->gateway) < 0) {
            net_addr_format(&route->destination, 1, text, sizeof(text));
            fprintf(stderr, "lifeboat: cannot add the route to %s: %s\n", text, strerror(errno));
            return -1;
        }
    }
    return 0;
}

int network_up(const struct config *cfg)
{
    struct net_link lo;
    uint8_t none[6] = {0};
    int failed = 0;

    if (net_link_find_mac(none, &lo) == 0) /* the loopback: its MAC is all zeros */
        net_link_set_up(lo.ifindex, 0);
    for (size_t i = 0; i < cfg->ninterfaces; i++)
        if (interface_up(cfg, &cfg->interfaces[i]) < 0)
            failed++;
    return failed;
}
