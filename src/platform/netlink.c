/*
 * netlink.c - rtnetlink requests: routes, links and addresses (netlink.h),
 * and the bonds, VLANs and bridges the crash kernel makes.
 *
 * Each request opens its own socket with a receive timeout, so a kernel
 * that never answers costs seconds, not the capture.  Replies are walked
 * with the kernel's own bounded macros (NLMSG_OK, RTA_OK): a message or an
 * attribute that claims more than arrived ends the walk.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "platform/netlink.h"

/* The IFF_LOWER_UP of <linux/if.h>, which cannot be included beside <net/if.h>. */
#define LINK_LOWER_UP 0x10000

struct request {
    struct nlmsghdr h;
    union {
        struct rtmsg route;
        struct ifinfomsg link;
        struct ifaddrmsg addr;
    } body;
    char attrs[512];
};

typedef int (*reply_fn)(const struct nlmsghdr *h, void *ctx);

static int add_attr(struct request *r, unsigned short type, const void *data, size_t len)
{
    size_t at = NLMSG_ALIGN(r->h.nlmsg_len);
    struct rtattr *a = (struct rtattr *)((char *)r + at);

    if (at + RTA_SPACE(len) > sizeof(*r))
        return -1;
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(a), data, len);
    r->h.nlmsg_len = (unsigned)(at + RTA_SPACE(len));
    return 0;
}

/* A nested attribute: opened empty, its length set by nest_end once its members are in. */
static struct rtattr *nest_begin(struct request *r, unsigned short type)
{
    struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

    return add_attr(r, type, NULL, 0) < 0 ? NULL : a;
}

static void nest_end(struct request *r, struct rtattr *a)
{
    if (a)
        a->rta_len = (unsigned short)((char *)r + r->h.nlmsg_len - (char *)a);
}

static void init_request(struct request *r, unsigned short type, unsigned short flags, size_t body)
{
    memset(r, 0, sizeof(*r));
    r->h.nlmsg_len = (unsigned)NLMSG_LENGTH(body);
    r->h.nlmsg_type = type;
    r->h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
    r->h.nlmsg_seq = (unsigned)time(NULL);
}

/*
 * Sends r and hands each reply message to each (when not NULL) until the
 * kernel says done or acknowledges.  Returns 0, or -errno.
 */
static int talk(struct request *r, reply_fn each, void *ctx)
{
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    struct timeval tv = {.tv_sec = 5};
    static char buf[32768] __attribute__((aligned(4)));
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), result = -EIO;

    if (fd < 0)
        return -errno;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
        result = -errno;
        goto out;
    }
    for (int rounds = 0; rounds < 4096; rounds++) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            result = errno == EAGAIN ? -ETIMEDOUT : -errno;
            goto out;
        }
        size_t len = (size_t)n, next;
        for (size_t at = 0; len - at >= sizeof(struct nlmsghdr); at = next) {
            struct nlmsghdr *h = (struct nlmsghdr *)(buf + at);
            if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - at)
                break; /* claims more than arrived */
            next = at + NLMSG_ALIGN(h->nlmsg_len);
            if (next > len)
                next = len;
            if (h->nlmsg_seq != r->h.nlmsg_seq)
                continue;
            if (h->nlmsg_type == NLMSG_DONE) {
                result = 0;
                goto out;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                result = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) ? e->error : -EIO;
                goto out;
            }
            if (each && each(h, ctx) < 0) {
                result = -EIO;
                goto out;
            }
            if (!(r->h.nlmsg_flags & (NLM_F_DUMP | NLM_F_ACK))) {
                result = 0; /* a single answer */
                goto out;
            }
        }
    }
out:
    close(fd);
    return result;
}

static size_t addr_len(int family)
{
    return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int net_addr_parse(const char *text, struct net_addr *a)
{
    char copy[64], *slash;
    unsigned long prefix;

    memset(a, 0, sizeof(*a));
    if (strlen(text) >= sizeof(copy))
        return -1;
    strcpy(copy, text);
    slash = strchr(copy, '/');
    if (slash)
        *slash++ = '\0';
    a->family = strchr(copy, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(a->family, copy, a->bytes) != 1)
        return -1;
    a->prefix = (unsigned)addr_len(a->family) * 8;
    if (slash) {
        char *end;
        errno = 0;
        prefix = strtoul(slash, &end, 10);
        if (errno || *end || end == slash || prefix > a->prefix)
            return -1;
        a->prefix = (unsigned)prefix;
    }
    return 0;
}

void net_addr_format(const struct net_addr *a, int with_prefix, char *buf, size_t len)
{
    char text[INET6_ADDRSTRLEN] = "?";

    if (a->family)
        inet_ntop(a->family, a->bytes, text, sizeof(text));
    if (with_prefix)
        snprintf(buf, len, "%s/%u", text, a->prefix);
    else
        snprintf(buf, len, "%s", text);
}

int net_mac_parse(const char *text, uint8_t mac[6])
{
    unsigned v[6];
    char end;

    if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) !=
            6 ||
        strlen(text) != 17)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

void net_mac_format(const uint8_t mac[6], char *buf, size_t len)
{
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}

static void copy_addr(struct net_addr *a, int family, const struct rtattr *rta)
{
    size_t n = addr_len(family);

    if (n && RTA_PAYLOAD(rta) >= n) {
        a->family = family;
        memcpy(a->bytes, RTA_DATA(rta), n);
        a->prefix = (unsigned)n * 8;
    }
}

static int route_reply(const struct nlmsghdr *h, void *ctx)
{
    struct net_route *route = ctx;
    const struct rtmsg *rt = NLMSG_DATA(h);
    int len = (int)RTM_PAYLOAD(h);

    if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)))
        return 0;
    route->from_router = rt->rtm_protocol == RTPROT_RA;
    for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= 4)
            memcpy(&route->ifindex, RTA_DATA(a), 4);
        else if (a->rta_type == RTA_GATEWAY)
            copy_addr(&route->gateway, rt->rtm_family, a);
        else if (a->rta_type == RTA_PREFSRC)
            copy_addr(&route->source, rt->rtm_family, a);
    }
    return 0;
}

int net_route_get(const struct net_addr *dst, struct net_route *route, struct lb_error *err)
{
    struct request r;
    char text[64];
    int e;

    memset(route, 0, sizeof(*route));
    init_request(&r, RTM_GETROUTE, 0, sizeof(struct rtmsg));
    r.body.route.rtm_family = (unsigned char)dst->family;
    r.body.route.rtm_dst_len = (unsigned char)(addr_len(dst->family) * 8);
    add_attr(&r, RTA_DST, dst->bytes, addr_len(dst->family));
    e = talk(&r, route_reply, route);
    net_addr_format(dst, 0, text, sizeof(text));
    if (e < 0 || route->ifindex <= 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "no route to %s: %s", text,
                      e < 0 ? strerror(-e) : "the kernel named no interface");
        return -1;
    }
    return 0;
}

/* IFLA_INFO_DATA: what it holds depends on the kind (IFLA_VLAN_ID and IFLA_BOND_MODE are both 1).
 */
static void link_data(struct net_link *link, const struct rtattr *data)
{
    int len = (int)RTA_PAYLOAD(data);

    for (const struct rtattr *d = RTA_DATA(data); RTA_OK(d, len); d = RTA_NEXT(d, len)) {
        if (strcmp(link->kind, "vlan") == 0 && d->rta_type == IFLA_VLAN_ID && RTA_PAYLOAD(d) >= 2) {
            uint16_t id;
            memcpy(&id, RTA_DATA(d), 2);
            link->vlan_id = id;
        } else if (strcmp(link->kind, "bond") == 0 && d->rta_type == IFLA_BOND_MODE &&
                   RTA_PAYLOAD(d) >= 1) {
            link->bond_mode = *(const uint8_t *)RTA_DATA(d);
        }
    }
}

static void link_info(struct net_link *link, const struct rtattr *info)
{
    const struct rtattr *data = NULL;
    int len = (int)RTA_PAYLOAD(info);

    for (const struct rtattr *a = RTA_DATA(info); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFLA_INFO_KIND) {
            size_t n =
                RTA_PAYLOAD(a) < sizeof(link->kind) ? RTA_PAYLOAD(a) : sizeof(link->kind) - 1;
            memcpy(link->kind, RTA_DATA(a), n);
            link->kind[n] = '\0';
        } else if (a->rta_type == IFLA_INFO_DATA) {
            data = a;
        }
    }
    if (data)
        link_data(link, data);
}

/* One RTM_NEWLINK message into link. */
static void parse_link(const struct nlmsghdr *h, struct net_link *link)
{
    const struct ifinfomsg *ifi = NLMSG_DATA(h);
    int len = (int)IFLA_PAYLOAD(h);

    memset(link, 0, sizeof(*link));
    link->ifindex = ifi->ifi_index;
    link->up = !!(ifi->ifi_flags & IFF_UP);
    link->carrier = !!(ifi->ifi_flags & LINK_LOWER_UP);
    for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        size_t n = RTA_PAYLOAD(a);
        if (a->rta_type == IFLA_IFNAME) {
            n = n < sizeof(link->name) ? n : sizeof(link->name) - 1;
            memcpy(link->name, RTA_DATA(a), n);
            link->name[n] = '\0';
        } else if (a->rta_type == IFLA_ADDRESS && n == 6) {
            memcpy(link->mac, RTA_DATA(a), 6);
        } else if (a->rta_type == IFLA_PERM_ADDRESS && n == 6) {
            memcpy(link->perm_mac, RTA_DATA(a), 6);
        } else if (a->rta_type == IFLA_MTU && n >= 4) {
            memcpy(&link->mtu, RTA_DATA(a), 4);
        } else if (a->rta_type == IFLA_LINK && n >= 4) {
            memcpy(&link->parent, RTA_DATA(a), 4);
        } else if (a->rta_type == IFLA_MASTER && n >= 4) {
            memcpy(&link->master, RTA_DATA(a), 4);
        } else if (a->rta_type == IFLA_LINKINFO) {
            link_info(link, a);
        }
    }
    if (link->parent == link->ifindex)
        link->parent = 0;
}

struct link_query {
    struct net_link *link;
    const uint8_t *mac; /* a dump: the one with this MAC */
    int master;         /* a dump: those enslaved to this one, up to max */
    size_t max;
    int found;
};

/*
 * A NIC's own MAC address: an enslaved one's may be its bond's now, but its
 * permanent one is what the next kernel gives it.
 */
static int mac_is(const struct net_link *l, const uint8_t mac[6])
{
    static const uint8_t none[6];

    return memcmp(l->mac, mac, 6) == 0 ||
           (memcmp(l->perm_mac, none, 6) != 0 && memcmp(l->perm_mac, mac, 6) == 0);
}

static int link_reply(const struct nlmsghdr *h, void *ctx)
{
    struct link_query *q = ctx;
    struct net_link l;

    if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
        return 0;
    parse_link(h, &l);
    if (q->master) {
        if (l.master == q->master && (size_t)q->found < q->max)
            q->link[q->found++] = l;
        return 0;
    }
    if (q->mac && (q->found || !mac_is(&l, q->mac) || l.kind[0]))
        return 0;
    *q->link = l;
    q->found = 1;
    return 0;
}

int net_link_get(int ifindex, struct net_link *link, struct lb_error *err)
{
    struct link_query q = {.link = link};
    struct request r;
    int e;

    init_request(&r, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
    r.body.link.ifi_family = AF_UNSPEC;
    r.body.link.ifi_index = ifindex;
    e = talk(&r, link_reply, &q);
    if (e < 0 || !q.found) {
        lb_error_setk(err, LB_ERR_SYSTEM, "interface %d: %s", ifindex,
                      e < 0 ? strerror(-e) : "not found");
        return -1;
    }
    return 0;
}

int net_link_find_mac(const uint8_t mac[6], struct net_link *link)
{
    struct link_query q = {.link = link, .mac = mac};
    struct request r;

    init_request(&r, RTM_GETLINK, NLM_F_DUMP, sizeof(struct ifinfomsg));
    r.body.link.ifi_family = AF_UNSPEC;
    return talk(&r, link_reply, &q) == 0 && q.found ? 0 : -1;
}

int net_link_find_name(const char *name, struct net_link *link)
{
    struct link_query q = {.link = link};
    struct request r;

    init_request(&r, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
    r.body.link.ifi_family = AF_UNSPEC;
    if (strlen(name) >= IF_NAMESIZE || add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1) < 0)
        return -1;
    return talk(&r, link_reply, &q) == 0 && q.found ? 0 : -1;
}

int net_link_lower(int master, struct net_link *out, size_t max)
{
    struct link_query q = {.link = out, .master = master, .max = max};
    struct request r;

    init_request(&r, RTM_GETLINK, NLM_F_DUMP, sizeof(struct ifinfomsg));
    r.body.link.ifi_family = AF_UNSPEC;
    if (talk(&r, link_reply, &q) < 0)
        return -1;
    return q.found;
}

/* The RTM_NEWLINK that makes spec's link. */
static int build_new_link(const struct net_link_spec *spec, struct request *r)
{
    struct rtattr *info, *data;
    int bad = 0;

    init_request(r, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
    r->body.link.ifi_family = AF_UNSPEC;
    if (!spec->name[0] || strlen(spec->name) >= IF_NAMESIZE)
        return -1;
    bad |= add_attr(r, IFLA_IFNAME, spec->name, strlen(spec->name) + 1);
    if (spec->parent)
        bad |= add_attr(r, IFLA_LINK, &spec->parent, 4);
    info = nest_begin(r, IFLA_LINKINFO);
    bad |= add_attr(r, IFLA_INFO_KIND, spec->kind, strlen(spec->kind));
    data = nest_begin(r, IFLA_INFO_DATA);
    if (strcmp(spec->kind, "vlan") == 0) {
        uint16_t id = (uint16_t)spec->vlan_id;
        bad |= add_attr(r, IFLA_VLAN_ID, &id, 2);
    } else if (strcmp(spec->kind, "bond") == 0) {
        uint8_t mode = (uint8_t)spec->bond_mode;
        uint32_t miimon = 100; /* ms: a slave's carrier lost is a slave dropped */
        bad |= add_attr(r, IFLA_BOND_MODE, &mode, 1);
        bad |= add_attr(r, IFLA_BOND_MIIMON, &miimon, 4);
    }
    nest_end(r, data);
    nest_end(r, info);
    return bad || !info || !data ? -1 : 0;
}

size_t net_link_new_message(const struct net_link_spec *spec, void *buf, size_t len)
{
    struct request r;

    if (build_new_link(spec, &r) < 0 || r.h.nlmsg_len > len)
        return 0;
    memcpy(buf, &r, r.h.nlmsg_len);
    return r.h.nlmsg_len;
}

int net_link_create(const struct net_link_spec *spec)
{
    struct request r;
    int e;

    if (build_new_link(spec, &r) < 0) {
        errno = EINVAL;
        return -1;
    }
    e = talk(&r, NULL, NULL);
    if (e < 0)
        errno = -e;
    return e < 0 ? -1 : 0;
}

int net_link_delete(int ifindex)
{
    struct request r;
    int e;

    init_request(&r, RTM_DELLINK, NLM_F_ACK, sizeof(struct ifinfomsg));
    r.body.link.ifi_family = AF_UNSPEC;
    r.body.link.ifi_index = ifindex;
    e = talk(&r, NULL, NULL);
    if (e < 0)
        errno = -e;
    return e < 0 ? -1 : 0;
}

/* One change to a link: up (or its flags left alone), and one 32-bit attribute if attr. */
static int change_link(int ifindex, int up, unsigned short attr, uint32_t value)
{
    struct request r;
    int e;

    init_request(&r, RTM_NEWLINK, NLM_F_ACK, sizeof(struct ifinfomsg));
    r.body.link.ifi_family = AF_UNSPEC;
    r.body.link.ifi_index = ifindex;
    if (up) {
        r.body.link.ifi_flags = IFF_UP;
        r.body.link.ifi_change = IFF_UP;
    }
    if (attr)
        add_attr(&r, attr, &value, 4);
    e = talk(&r, NULL, NULL);
    if (e < 0)
        errno = -e;
    return e < 0 ? -1 : 0;
}

unsigned net_link_speed(const char *name)
{
    struct ethtool_cmd cmd = {.cmd = ETHTOOL_GSET};
    struct ifreq ifr = {.ifr_data = (char *)&cmd};
    unsigned speed = 0;
    int fd;

    if (strlen(name) >= sizeof(ifr.ifr_name))
        return 0;
    strcpy(ifr.ifr_name, name);
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    if (ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
        speed = ethtool_cmd_speed(&cmd);
        if (speed == (unsigned)SPEED_UNKNOWN)
            speed = 0;
    }
    close(fd);
    return speed;
}

int net_link_set_master(int ifindex, int master)
{
    return change_link(ifindex, 0, IFLA_MASTER, (uint32_t)master);
}

struct addr_query {
    int ifindex;
    int usable, link_local; /* net_link_wait_ipv6: any usable one of this scope */
    struct net_addr *out;
    enum net_origin *origin;
    size_t max, n;
};

/* IFA_PROTO_KERNEL_RA of <linux/if_addr.h> since Linux 6.3: an address SLAAC made. */
#define ADDR_PROTO_KERNEL_RA 2

enum net_origin net_addr_origin(int family, unsigned prefix, uint32_t flags, uint32_t valid,
                                unsigned proto)
{
    if (family != AF_INET6 || (flags & IFA_F_PERMANENT) || valid == 0xffffffffu)
        return NET_ORIGIN_STATIC;
    if (proto == ADDR_PROTO_KERNEL_RA || prefix < 128)
        return NET_ORIGIN_SLAAC;
    return NET_ORIGIN_DHCP6;
}

/* Is this address one the query wants? */
static int addr_wanted(const struct addr_query *q, const struct ifaddrmsg *ifa, uint32_t flags)
{
    if (q->usable) /* a global one with a lifetime: a router's prefix, not one set as static */
        return ifa->ifa_scope == (q->link_local ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE) &&
               !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) &&
               (q->link_local || !(flags & IFA_F_PERMANENT));
    /* Not the machine's address to keep: a privacy address (RFC 8981) made for outgoing
     * connections and soon replaced, one whose preferred lifetime ran out, one another host
     * holds.  A SLAAC or DHCPv6 one is kept, with its origin: the crash kernel asks again
     * (network.c), since a lease or a prefix may have changed by the time of a crash. */
    return ifa->ifa_scope == RT_SCOPE_UNIVERSE &&
           !(flags & (IFA_F_TEMPORARY | IFA_F_DEPRECATED | IFA_F_DADFAILED));
}

static int addr_reply(const struct nlmsghdr *h, void *ctx)
{
    struct addr_query *q = ctx;
    const struct ifaddrmsg *ifa = NLMSG_DATA(h);
    int len = (int)IFA_PAYLOAD(h);
    struct net_addr local = {0}, peer = {0};
    uint32_t flags, valid = 0xffffffffu;
    unsigned proto = 0;

    if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
        (int)ifa->ifa_index != q->ifindex || q->n == q->max)
        return 0;
    flags = ifa->ifa_flags;
    for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFA_LOCAL)
            copy_addr(&local, ifa->ifa_family, a);
        else if (a->rta_type == IFA_ADDRESS)
            copy_addr(&peer, ifa->ifa_family, a);
        else if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD(a) >= sizeof(flags))
            memcpy(&flags, RTA_DATA(a), sizeof(flags)); /* all 32 bits; ifa_flags has 8 */
        else if (a->rta_type == IFA_CACHEINFO && RTA_PAYLOAD(a) >= sizeof(struct ifa_cacheinfo))
            valid = ((const struct ifa_cacheinfo *)RTA_DATA(a))->ifa_valid;
        else if (a->rta_type == IFA_PROTO && RTA_PAYLOAD(a) >= 1)
            proto = *(const uint8_t *)RTA_DATA(a);
    }
    struct net_addr *a = local.family ? &local : &peer;
    if (!a->family || !addr_wanted(q, ifa, flags))
        return 0;
    a->prefix = ifa->ifa_prefixlen;
    if (q->origin)
        q->origin[q->n] = net_addr_origin(a->family, a->prefix, flags, valid, proto);
    q->out[q->n++] = *a;
    return 0;
}

static int addresses(struct addr_query *q, int family)
{
    struct request r;

    init_request(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
    r.body.addr.ifa_family = (unsigned char)family;
    if (talk(&r, addr_reply, q) < 0)
        return -1;
    return (int)q->n;
}

int net_link_addresses_origin(int ifindex, int family, struct net_addr *out,
                              enum net_origin *origin, size_t max)
{
    struct addr_query q = {.ifindex = ifindex, .out = out, .origin = origin, .max = max};

    return addresses(&q, family);
}

int net_link_addresses(int ifindex, int family, struct net_addr *out, size_t max)
{
    return net_link_addresses_origin(ifindex, family, out, NULL, max);
}

int net_link_wait_ipv6(int ifindex, int link_local, unsigned seconds, struct net_addr *out)
{
    struct timespec start, now, pause = {0, 200 * 1000 * 1000};

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct addr_query q = {
            .ifindex = ifindex, .usable = 1, .link_local = link_local, .out = out, .max = 1};
        if (addresses(&q, AF_INET6) == 1)
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)seconds)
            return -1;
        nanosleep(&pause, NULL);
    }
}

/* One of the link's IPv6 sysctls. */
static int ipv6_conf(const char *ifname, const char *name, const char *value)
{
    char path[96];
    FILE *f;
    int bad;

    snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, name);
    if (!(f = fopen(path, "we")))
        return -1;
    bad = fputs(value, f) < 0;
    return fclose(f) || bad ? -1 : 0;
}

int net_ipv6_autoconf(const char *ifname)
{
    /* accept_ra 2: taken even if something made the crash kernel a router; in turn, so that
     * errno is the failing one's */
    if (ipv6_conf(ifname, "accept_ra", "2") < 0)
        return -1;
    return ipv6_conf(ifname, "autoconf", "1");
}

int net_link_set_up(int ifindex, unsigned mtu)
{
    return change_link(ifindex, 1, mtu ? IFLA_MTU : 0, mtu);
}

int net_link_set_mtu(int ifindex, unsigned mtu)
{
    return change_link(ifindex, 0, IFLA_MTU, mtu);
}

int net_link_wait_carrier(int ifindex, unsigned seconds)
{
    struct timespec start, now, pause = {0, 100 * 1000 * 1000};
    struct net_link link;
    struct lb_error err;

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (net_link_get(ifindex, &link, &err) == 0 && link.carrier)
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)seconds)
            return -1;
        nanosleep(&pause, NULL);
    }
}

/* RTM_NEWADDR; lifetimes 0: forever. */
/*
 * No lifetime, a leased address's neither: the crash kernel renews nothing, and a short lease
 * (or a server's hostile 1 s) would have the kernel take the address away mid-dump; the
 * capture does not outlast a lease a server meant for a running system.
 */
int net_address_add(int ifindex, const struct net_addr *a)
{
    struct request r;
    size_t n = addr_len(a->family);
    int e;

    init_request(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifaddrmsg));
    r.body.addr.ifa_family = (unsigned char)a->family;
    r.body.addr.ifa_prefixlen = (unsigned char)a->prefix;
    r.body.addr.ifa_scope = RT_SCOPE_UNIVERSE;
    r.body.addr.ifa_index = (unsigned)ifindex;
    /* an address copied from a running system is its own, a leased one the server's to give:
     * no duplicate detection to wait out */
    if (a->family == AF_INET6)
        r.body.addr.ifa_flags = IFA_F_NODAD;
    add_attr(&r, IFA_LOCAL, a->bytes, n);
    add_attr(&r, IFA_ADDRESS, a->bytes, n);
    e = talk(&r, NULL, NULL);
    if (e < 0 && e != -EEXIST)
        errno = -e;
    return e < 0 && e != -EEXIST ? -1 : 0;
}

int net_route_add(int ifindex, const struct net_addr *dst, const struct net_addr *gateway)
{
    struct request r;
    int e;

    init_request(&r, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sizeof(struct rtmsg));
    r.body.route.rtm_family = (unsigned char)dst->family;
    r.body.route.rtm_dst_len = (unsigned char)dst->prefix;
    r.body.route.rtm_table = RT_TABLE_MAIN;
    r.body.route.rtm_protocol = RTPROT_BOOT;
    r.body.route.rtm_scope = gateway && gateway->family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    r.body.route.rtm_type = RTN_UNICAST;
    if (dst->prefix)
        add_attr(&r, RTA_DST, dst->bytes, addr_len(dst->family));
    if (gateway && gateway->family)
        add_attr(&r, RTA_GATEWAY, gateway->bytes, addr_len(gateway->family));
    add_attr(&r, RTA_OIF, &ifindex, 4);
    e = talk(&r, NULL, NULL);
    if (e < 0 && e != -EEXIST)
        errno = -e;
    return e < 0 && e != -EEXIST ? -1 : 0;
}
