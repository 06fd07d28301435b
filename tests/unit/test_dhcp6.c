/*
 * test_dhcp6.c - IPv6 addresses that are not static: how load tells where
 * one came from (SLAAC, DHCPv6, static), the interface lines that say it,
 * and the crash kernel's DHCPv6 client, its messages built and a server's
 * parsed as the hostile input they are, and one exchange over a veth pair
 * with a server of the test's (a rogue's Reply first, which is not taken).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_addr.h>

#include <cmocka.h>

#include "config/config.h"
#include "platform/dhcp6.h"
#include "platform/netlink.h"
#include "targets/network.h"

static const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
static const uint8_t xid[3] = {0xa1, 0xb2, 0xc3};

/* A server's message under construction. */
struct msg {
    uint8_t b[1024];
    size_t n;
};

static void put_opt(struct msg *m, unsigned code, const void *data, size_t len)
{
    m->b[m->n++] = (uint8_t)(code >> 8), m->b[m->n++] = (uint8_t)code;
    m->b[m->n++] = (uint8_t)(len >> 8), m->b[m->n++] = (uint8_t)len;
    memcpy(m->b + m->n, data, len);
    m->n += len;
}

/* An IA_NA for iaid with one address of these lifetimes, and a status in the IA if status >= 0. */
static void put_ia(struct msg *m, const uint8_t iaid[4], const char *address, uint32_t preferred,
                   uint32_t valid, int status)
{
    uint8_t ia[12 + 28 + 6] = {0};
    size_t n = 12;

    memcpy(ia, iaid, 4);
    ia[n + 1] = 5, ia[n + 3] = 24; /* IAADDR */
    assert_int_equal(inet_pton(AF_INET6, address, ia + n + 4), 1);
    for (int i = 0; i < 4; i++) {
        ia[n + 20 + i] = (uint8_t)(preferred >> (24 - 8 * i));
        ia[n + 24 + i] = (uint8_t)(valid >> (24 - 8 * i));
    }
    n += 28;
    if (status >= 0) {
        ia[n + 1] = 13, ia[n + 3] = 2, ia[n + 5] = (uint8_t)status;
        n += 6;
    }
    put_opt(m, 3, ia, n);
}

/* type, xid, the client's DUID (DUID-LL of mac), a server's DUID ending in server. */
static void start(struct msg *m, int type, const uint8_t x[3], const uint8_t client_mac[6],
                  uint8_t server)
{
    uint8_t duid[10] = {0, 3, 0, 1}, sid[10] = {0, 3, 0, 1, 2, 0, 0, 0, 0, server};

    memcpy(duid + 4, client_mac, 6);
    m->n = 0;
    m->b[m->n++] = (uint8_t)type;
    memcpy(m->b + m->n, x, 3), m->n += 3;
    put_opt(m, 1, duid, sizeof(duid));
    put_opt(m, 2, sid, sizeof(sid));
}

/* The option code in a client's message; its data at *at (after the header), or NULL. */
static const uint8_t *find_opt(const uint8_t *b, size_t n, unsigned code, size_t *len)
{
    for (size_t at = 4; at + 4 <= n;) {
        unsigned c = (unsigned)(b[at] << 8 | b[at + 1]), l = (unsigned)(b[at + 2] << 8 | b[at + 3]);
        if (c == code) {
            *len = l;
            return b + at + 4;
        }
        at += 4 + l;
    }
    return NULL;
}

static void client_messages_are_built(void **state)
{
    uint8_t b[256], small[64];
    struct dhcp6_reply chosen = {.server_id = {0, 3, 0, 1, 2, 0, 0, 0, 0, 9},
                                 .server_id_len = 10,
                                 .has_address = 1,
                                 .type = 2};
    const uint8_t *o;
    size_t n, len;

    (void)state;
    n = dhcp6_build(b, sizeof(b), 1, xid, mac, 250, NULL);
    assert_true(n > 4);
    assert_int_equal(b[0], 1);
    assert_memory_equal(b + 1, xid, 3);
    assert_non_null(o = find_opt(b, n, 1, &len)); /* DUID-LL from the MAC */
    assert_int_equal(len, 10);
    assert_memory_equal(o, "\0\3\0\1", 4);
    assert_memory_equal(o + 4, mac, 6);
    assert_non_null(o = find_opt(b, n, 8, &len)); /* elapsed time: 2.5 s in centiseconds */
    assert_int_equal(o[0] << 8 | o[1], 250);
    assert_non_null(find_opt(b, n, 14, &len)); /* rapid commit */
    assert_int_equal(len, 0);
    assert_non_null(find_opt(b, n, 6, &len)); /* an Option Request, as a Solicit must have */
    assert_non_null(o = find_opt(b, n, 3, &len));
    assert_int_equal(len, 12);
    assert_memory_equal(o, mac + 2, 4); /* IAID: the MAC's last four bytes */
    assert_null(find_opt(b, n, 2, &len));

    inet_pton(AF_INET6, "fd00:2::1a5", chosen.address);
    n = dhcp6_build(b, sizeof(b), 3, xid, mac, 100000, &chosen);
    assert_int_equal(b[0], 3);
    assert_non_null(o = find_opt(b, n, 2, &len)); /* the chosen server's DUID */
    assert_int_equal(len, 10);
    assert_memory_equal(o, chosen.server_id, 10);
    assert_null(find_opt(b, n, 14, &len)); /* a Request has no rapid commit */
    assert_non_null(o = find_opt(b, n, 8, &len));
    assert_int_equal(o[0] << 8 | o[1], 0xffff); /* elapsed time saturates */
    assert_non_null(o = find_opt(b, n, 3, &len));
    assert_int_equal(len, 12 + 28);
    assert_memory_equal(o + 16, chosen.address, 16);
    /* no room, no server to ask, a server identifier too long: nothing built */
    assert_int_equal(dhcp6_build(small, sizeof(small), 1, xid, mac, 0, NULL), 0);
    assert_int_equal(dhcp6_build(b, sizeof(b), 3, xid, mac, 0, NULL), 0);
    chosen.server_id_len = DHCP6_SERVER_ID_MAX + 1;
    assert_int_equal(dhcp6_build(b, sizeof(b), 3, xid, mac, 0, &chosen), 0);
}

static void server_messages_are_parsed_within_bounds(void **state)
{
    static const uint8_t other_mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x57};
    struct dhcp6_reply r;
    struct msg m;
    char text[64];

    (void)state;
    start(&m, 2, xid, mac, 7);
    put_ia(&m, mac + 2, "fd00:2::1a5", 1800, 3600, -1);
    assert_int_equal(dhcp6_parse(m.b, m.n, xid, mac, &r), 0);
    assert_int_equal(r.type, 2);
    assert_int_equal(r.status, 0);
    assert_true(r.has_address);
    assert_int_equal(r.preferred, 1800);
    assert_int_equal(r.valid, 3600);
    inet_ntop(AF_INET6, r.address, text, sizeof(text));
    assert_string_equal(text, "fd00:2::1a5");
    assert_int_equal(r.server_id_len, 10);
    assert_int_equal(r.server_id[9], 7);
    /* every message cut short of its end: never read past (ASan), refused unless cut after the
     * two identifiers (4 + 14 + 14 bytes), where it is a message with no address */
    for (size_t cut = 0; cut < m.n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, m.b, cut);
        assert_int_equal(dhcp6_parse(copy, cut, xid, mac, &r), cut == 32 ? 0 : -1);
        assert_false(r.has_address);
        free(copy);
    }
    /* another transaction, another client, a client's own message type: not ours */
    uint8_t x2[3] = {0xa1, 0xb2, 0xc4};
    assert_int_equal(dhcp6_parse(m.b, m.n, x2, mac, &r), -1);
    assert_int_equal(dhcp6_parse(m.b, m.n, xid, other_mac, &r), -1);
    m.b[0] = 1;
    assert_int_equal(dhcp6_parse(m.b, m.n, xid, mac, &r), -1);
    /* no server identifier */
    start(&m, 7, xid, mac, 7);
    m.n -= 14;
    put_ia(&m, mac + 2, "fd00:2::1a5", 1800, 3600, -1);
    assert_int_equal(dhcp6_parse(m.b, m.n, xid, mac, &r), -1);
    /* an option claiming more than the message holds */
    start(&m, 7, xid, mac, 7);
    put_ia(&m, mac + 2, "fd00:2::1a5", 1800, 3600, -1);
    m.b[m.n - 42] = 0xff; /* the IA's length */
    assert_int_equal(dhcp6_parse(m.b, m.n, xid, mac, &r), -1);
}

static void offers_that_are_no_address_are_not_taken(void **state)
{
    static const uint8_t other_iaid[4] = {9, 9, 9, 9};
    struct dhcp6_reply r;
    struct msg m;
    uint8_t rapid = 0;

    (void)state;
    /* another IA's address, a link-local, a multicast one, loopback, site-local, IPv4-mapped
     * and -compatible ones, lifetimes that do not add up */
    const struct {
        const char *address;
        uint32_t preferred, valid;
        const uint8_t *iaid;
    } bad[] = {{"fd00::1", 10, 20, other_iaid},  {"fe80::1", 10, 20, mac + 2},
               {"ff02::1", 10, 20, mac + 2},     {"::1", 10, 20, mac + 2},
               {"fec0::1", 10, 20, mac + 2},     {"::ffff:192.0.2.1", 10, 20, mac + 2},
               {"::192.0.2.1", 10, 20, mac + 2}, {"::", 10, 20, mac + 2},
               {"fd00::1", 30, 20, mac + 2},     {"fd00::1", 0, 0, mac + 2}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        start(&m, 2, xid, mac, 7);
        put_ia(&m, bad[i].iaid, bad[i].address, bad[i].preferred, bad[i].valid, -1);
        assert_int_equal(dhcp6_parse(m.b, m.n, xid, mac, &r), 0);
        assert_false(r.has_address);
    }
    /* NoAddrsAvail in the IA, then in the message (which wins) */
    start(&m, 2, xid, mac, 7);
    put_ia(&m, mac + 2, "fd00::1", 10, 20, 2);
    assert_int_equal(dhcp6_parse(m.b, m.n, xid, mac, &r), 0);
    assert_int_equal(r.status, 2);
    put_opt(&m, 13, "\0\3no binding", 12);
    assert_int_equal(dhcp6_parse(m.b, m.n, xid, mac, &r), 0);
    assert_int_equal(r.status, 3);
    /* a Reply with Rapid Commit */
    start(&m, 7, xid, mac, 7);
    put_opt(&m, 14, &rapid, 0);
    put_ia(&m, mac + 2, "2001:db8::5", 100, 200, 0);
    assert_int_equal(dhcp6_parse(m.b, m.n, xid, mac, &r), 0);
    assert_true(r.rapid && r.has_address && r.type == 7 && r.status == 0);
}

static void addresses_say_where_they_came_from(void **state)
{
    (void)state;
    assert_int_equal(net_addr_origin(AF_INET6, 64, IFA_F_PERMANENT, 0xffffffffu, 0),
                     NET_ORIGIN_STATIC);
    assert_int_equal(net_addr_origin(AF_INET6, 128, 0, 0xffffffffu, 0), NET_ORIGIN_STATIC);
    assert_int_equal(net_addr_origin(AF_INET6, 64, 0, 86400, 0), NET_ORIGIN_SLAAC);
    assert_int_equal(net_addr_origin(AF_INET6, 64, IFA_F_MANAGETEMPADDR, 86400, 2),
                     NET_ORIGIN_SLAAC); /* IFA_PROTO_KERNEL_RA */
    assert_int_equal(net_addr_origin(AF_INET6, 128, 0, 86400, 2), NET_ORIGIN_SLAAC);
    assert_int_equal(net_addr_origin(AF_INET6, 128, 0, 3600, 0), NET_ORIGIN_DHCP6);
    assert_int_equal(net_addr_origin(AF_INET, 24, 0, 3600, 0), NET_ORIGIN_STATIC);
}

/* What load copies of an interface's IPv6 addresses, as they came. */
static void load_copies_what_is_the_machines_to_keep(void **state)
{
    static struct config cfg;
    static char buf[CONFIG_TEXT_MAX];
    struct net_addr have[3];
    struct lb_error err;
    const enum net_origin slaac[] = {NET_ORIGIN_STATIC, NET_ORIGIN_SLAAC},
                          both[] = {NET_ORIGIN_STATIC, NET_ORIGIN_SLAAC, NET_ORIGIN_DHCP6},
                          fixed[] = {NET_ORIGIN_STATIC, NET_ORIGIN_STATIC};
    struct config_interface *in = &cfg.interfaces[0];

    (void)state;
    assert_int_equal(net_addr_parse("fd00:1::1/64", &have[0]), 0);
    assert_int_equal(net_addr_parse("fd00:2::5054:ff:fe12:3456/64", &have[1]), 0);
    assert_int_equal(net_addr_parse("fd00:2::1a5/128", &have[2]), 0);
    /* SLAAC beside a static address: the static one set, SLAAC's a fallback */
    config_defaults(&cfg);
    cfg.ninterfaces = 1;
    memcpy(in->mac, mac, 6);
    network_copy_addresses(in, AF_INET6, have, slaac, 2);
    assert_int_equal(in->ipv6, IPV6_SLAAC);
    assert_int_equal(in->naddresses, 2);
    assert_false(in->fallback[0]);
    assert_true(in->fallback[1]);
    /* a DHCPv6 lease (and SLAAC from the same RA): neither kept, the static one is */
    memset(in, 0, sizeof(*in));
    memcpy(in->mac, mac, 6);
    network_copy_addresses(in, AF_INET6, have, both, 3);
    assert_int_equal(in->ipv6, IPV6_DHCP6);
    assert_int_equal(in->naddresses, 1);
    assert_memory_equal(&in->addresses[0], &have[0], sizeof(have[0]));
    assert_false(in->fallback[0]);
    /* ... and what load writes reads back */
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "interface 52:54:00:12:34:56 address fd00:1::1/64 dhcp6\n"));
    assert_int_equal(config_parse(buf, "again", &cfg, &err), 0);
    /* static alone, or IPv4: as ever */
    memset(in, 0, sizeof(*in));
    network_copy_addresses(in, AF_INET6, have, fixed, 2);
    assert_int_equal(in->ipv6, IPV6_STATIC);
    assert_int_equal(in->naddresses, 2);
    assert_false(in->fallback[0] || in->fallback[1]);
}

static void ipv6_interface_lines_round_trip(void **state)
{
    static struct config cfg, again;
    static char buf[CONFIG_TEXT_MAX];
    struct lb_error err;

    (void)state;
    assert_int_equal(config_parse("interface 52:54:00:12:34:56 mtu 1500 address 10.0.2.15/24 "
                                  "fallback fd00:1::5054:ff:fe12:3456/64 slaac\n"
                                  "interface 52:54:00:12:34:57 dhcp6\n",
                                  "t", &cfg, &err),
                     0);
    assert_int_equal(cfg.interfaces[0].ipv6, IPV6_SLAAC);
    assert_int_equal(cfg.interfaces[0].naddresses, 2);
    assert_false(cfg.interfaces[0].fallback[0]);
    assert_true(cfg.interfaces[0].fallback[1]);
    assert_int_equal(cfg.interfaces[1].ipv6, IPV6_DHCP6);
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "interface 52:54:00:12:34:56 mtu 1500 address 10.0.2.15/24 "
                                "fallback fd00:1::5054:ff:fe12:3456/64 slaac\n"));
    assert_non_null(strstr(buf, "interface 52:54:00:12:34:57 dhcp6\n"));
    assert_int_equal(config_parse(buf, "again", &again, &err), 0);
    assert_memory_equal(&again.interfaces, &cfg.interfaces, sizeof(cfg.interfaces));
    /* a fallback is SLAAC's, and an IPv6 address */
    assert_int_equal(
        config_parse("interface 52:54:00:12:34:56 fallback fd00::1/64 dhcp6\n", "t", &cfg, &err),
        -1);
    assert_non_null(strstr(err.msg, "slaac"));
    assert_int_equal(
        config_parse("interface 52:54:00:12:34:56 fallback 10.0.0.1/24 slaac\n", "t", &cfg, &err),
        -1);
    assert_int_equal(config_parse("interface 52:54:00:12:34:56 slaac6\n", "t", &cfg, &err), -1);
}

static int own_netns(void)
{
    if (unshare(CLONE_NEWNET) < 0) {
        print_message("cannot make a network namespace (%s): not root?\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* The kernel's word on real addresses: their origin as load reads it, a lease's lifetime. */
static void the_kernel_says_how_an_address_came(void **state)
{
    struct net_addr have[8], a, usable;
    enum net_origin origin[8];
    int n, seen = 0;

    (void)state;
    if (own_netns() < 0)
        skip();
    if (system("ip link add lbo0 type veth peer name lbo1 && ip link set lbo0 up && "
               "ip -6 addr add fd00:6::1/64 dev lbo0 nodad && "
               "ip -6 addr add fd00:6::2/64 dev lbo0 nodad valid_lft 3600 preferred_lft 1800 && "
               "ip -6 addr add fd00:6::3/128 dev lbo0 nodad valid_lft 3600 preferred_lft 1800 && "
               "ip -6 addr add fd00:6::4/128 dev lbo0 nodad valid_lft 200 preferred_lft 100") != 0)
        fail_msg("cannot make a veth pair with addresses");
    int ifindex = (int)if_nametoindex("lbo0");
    n = net_link_addresses_origin(ifindex, AF_INET6, have, origin, 8);
    assert_int_equal(n, 4);
    for (int i = 0; i < n; i++) {
        unsigned last = have[i].bytes[15];
        enum net_origin want = last == 1   ? NET_ORIGIN_STATIC
                               : last == 2 ? NET_ORIGIN_SLAAC
                                           : NET_ORIGIN_DHCP6;
        assert_int_equal(origin[i], want);
        seen |= 1 << last;
    }
    assert_int_equal(seen, 0x1e);
    /* set without duplicate detection: usable at once; one with a lifetime, not the static one */
    assert_int_equal(net_link_wait_ipv6(ifindex, 0, 2, &usable), 0);
    assert_int_equal(usable.family, AF_INET6);
    assert_int_not_equal(usable.bytes[15], 1);
    assert_int_equal(system("ip -6 addr flush dev lbo0 scope global dynamic"), 0);
    assert_int_equal(net_link_wait_ipv6(ifindex, 0, 1, &usable), -1);
    /* what the crash kernel sets, a leased address too, has no end (net_address_add) */
    assert_int_equal(net_addr_parse("fd00:6::5/128", &a), 0);
    assert_int_equal(net_address_add(ifindex, &a), 0);
    n = net_link_addresses_origin(ifindex, AF_INET6, have, origin, 8);
    assert_int_equal(n, 2); /* ::1, static, and ::5 */
    for (int i = 0; i < n; i++)
        assert_int_equal(origin[i], NET_ORIGIN_STATIC);
    assert_int_equal(net_ipv6_autoconf("lbo0"), 0);
    assert_int_equal(net_ipv6_autoconf("no-such-link"), -1);
}

/* ---- an exchange on a veth pair: the test's server (and a rogue) on one end ---- */

struct server6 {
    int fd;
    int refuser; /* server 5 answers first, offers, then refuses the Request (NoAddrsAvail) */
};

/* The answer of server (its DUID's last byte) to the client's message c, with an address. */
static void answer(int fd, const struct sockaddr_in6 *to, const uint8_t *c, size_t cn, int type,
                   uint8_t server, const char *address, int status)
{
    const uint8_t *o;
    uint8_t cmac[6];
    size_t len;
    struct msg m;

    if (!(o = find_opt(c, cn, 1, &len)) || len != 10)
        return;
    memcpy(cmac, o + 4, 6);
    start(&m, type, c + 1, cmac, server);
    put_ia(&m, cmac + 2, address, 1800, 3600, status);
    sendto(fd, m.b, m.n, 0, (const struct sockaddr *)to, sizeof(*to));
}

static void *serve_dhcp6(void *arg)
{
    struct server6 *s = arg;
    uint8_t c[1500];

    for (int i = 0; i < 20; i++) {
        struct sockaddr_in6 from;
        socklen_t fl = sizeof(from);
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0)
            break;
        ssize_t n = recvfrom(s->fd, c, sizeof(c), 0, (struct sockaddr *)&from, &fl);
        if (n < 4)
            continue;
        size_t sl;
        const uint8_t *sid = find_opt(c, (size_t)n, 2, &sl);
        if (c[0] == 1) { /* Solicit: an Advertise (no rapid commit here) */
            if (s->refuser)
                answer(s->fd, &from, c, (size_t)n, 2, 5, "fd00:7::5", -1);
            answer(s->fd, &from, c, (size_t)n, 2, 7, "fd00:7::1a5", -1);
        } else if (c[0] == 3 && sid && sl == 10 && sid[9] == 5) { /* the refuser's */
            answer(s->fd, &from, c, (size_t)n, 7, 5, "fd00:7::5", 2);
        } else if (c[0] == 3) { /* Request: a rogue's Reply first, then the chosen server's */
            answer(s->fd, &from, c, (size_t)n, 7, 66, "fd00:7::666", -1);
            answer(s->fd, &from, c, (size_t)n, 7, 7, "fd00:7::1a5", -1);
            break;
        }
    }
    return NULL;
}

static void dhcp6_takes_the_reply_of_the_server_chosen(void **state)
{
    struct sockaddr_in6 any = {.sin6_family = AF_INET6, .sin6_port = htons(547)};
    struct ipv6_mreq group = {0};
    struct server6 s;
    struct dhcp6_lease lease;
    struct net_addr ll;
    pthread_t thread;
    struct lb_error e = {.msg = ""};
    char text[64];

    (void)state;
    if (own_netns() < 0)
        skip();
    if (system("ip link add lbd0 address 52:54:00:12:34:56 type veth peer name lbd1 && "
               "ip link set lbd0 up && ip link set lbd1 up") != 0)
        fail_msg("cannot make a veth pair");
    int client = (int)if_nametoindex("lbd0"), server = (int)if_nametoindex("lbd1");
    assert_int_equal(net_link_wait_carrier(client, 5), 0);
    assert_int_equal(net_link_wait_ipv6(client, 1, 10, &ll), 0);
    assert_int_equal(net_link_wait_ipv6(server, 1, 10, &ll), 0);
    s.fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s.fd >= 0);
    assert_int_equal(setsockopt(s.fd, SOL_SOCKET, SO_BINDTODEVICE, "lbd1", 5), 0);
    assert_int_equal(bind(s.fd, (struct sockaddr *)&any, sizeof(any)), 0);
    inet_pton(AF_INET6, "ff02::1:2", &group.ipv6mr_multiaddr);
    group.ipv6mr_interface = (unsigned)server;
    assert_int_equal(setsockopt(s.fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &group, sizeof(group)), 0);
    /* plainly; then with a server that answers first, offers and refuses the Request: the
     * other is solicited again and leases */
    for (s.refuser = 0; s.refuser < 2; s.refuser++) {
        assert_int_equal(pthread_create(&thread, NULL, serve_dhcp6, &s), 0);
        int r = dhcp6_acquire("lbd0", client, mac, 10, &lease, &e);
        pthread_join(thread, NULL);
        if (r < 0)
            fail_msg("%s", e.msg);
        net_addr_format(&lease.address, 1, text, sizeof(text));
        assert_string_equal(text, "fd00:7::1a5/128");
        assert_int_equal(lease.valid, 3600);
        assert_int_equal(lease.preferred, 1800);
        assert_int_equal(lease.server.bytes[0], 0xfe); /* from the server's link-local address */
    }
    close(s.fd);

    /* nobody answers: said, within the time given */
    assert_int_equal(dhcp6_acquire("lbd0", client, mac, 2, &lease, &e), -1);
    assert_non_null(strstr(e.msg, "no DHCPv6 server"));
    assert_int_equal(e.kind, LB_ERR_SYSTEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_messages_are_built),
        cmocka_unit_test(server_messages_are_parsed_within_bounds),
        cmocka_unit_test(offers_that_are_no_address_are_not_taken),
        cmocka_unit_test(addresses_say_where_they_came_from),
        cmocka_unit_test(ipv6_interface_lines_round_trip),
        cmocka_unit_test(load_copies_what_is_the_machines_to_keep),
        cmocka_unit_test(the_kernel_says_how_an_address_came),
        cmocka_unit_test(dhcp6_takes_the_reply_of_the_server_chosen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
