/*
 * test_network.c - network targets in the configuration, and the netlink
 * code that finds the way to a server and brings an interface up, run
 * against the real kernel in a network namespace of the test's own (the
 * machine's network is never touched).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cmocka.h>
#include <sodium.h>

#include "config/config.h"
#include "config/config_net.h"
#include "lbdump.h"
#include "targets/target.h"
#include "platform/dhcp.h"
#include "platform/first_line.h"
#include "platform/netlink.h"
#include "platform/ssh_keyfile.h"
#include "targets/network.h"
#include "tools/remote_sink.h"

static void urls_are_parsed_and_checked(void **state)
{
    struct target t;
    struct lb_error err;

    (void)state;
    assert_int_equal(target_url_parse("ssh://dump@collector.example:2222/var/crash", &t, &err), 0);
    assert_ptr_equal(t.kind, &target_kind_ssh);
    assert_string_equal(t.user, "dump");
    assert_string_equal(t.host, "collector.example");
    assert_int_equal(t.port, 2222);
    assert_string_equal(t.path, "/var/crash");
    assert_int_equal(target_url_parse("nfs://[fd00::2]/export/crash", &t, &err), 0);
    assert_ptr_equal(t.kind, &target_kind_nfs);
    assert_string_equal(t.host, "fd00::2");
    assert_int_equal(target_port(&t), 2049);
    assert_int_equal(target_url_parse("ssh://h/d", &t, &err), 0);
    assert_int_equal(target_port(&t), 22);

    static const char *const bad[] = {
        "ftp://h/d",           /* scheme */
        "ssh://host",          /* no directory */
        "ssh://h:0/d",         /* port */
        "ssh://h:99999/d",     /* port */
        "ssh://h:22x/d",       /* port */
        "ssh://@h/d",          /* empty user */
        "ssh://a b@h/d",       /* user */
        "nfs://u@h/d",         /* a user on NFS */
        "ssh://h/a/../../etc", /* climbing out */
        "ssh://h/..",          /* climbing out */
        "ssh://h/d;rm",        /* characters */
        "ssh://[fd00::1/d",    /* unclosed bracket */
        "ssh:///d",            /* no host */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.msg[0] = '\0';
        if (target_url_parse(bad[i], &t, &err) == 0)
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(err.msg[0] != '\0');
    }
    /* a path with dots that do not climb is a path */
    assert_int_equal(target_url_parse("ssh://h/a/..b/c..", &t, &err), 0);
}

static void network_lines_survive_the_initramfs(void **state)
{
    const char *text =
        "target nfs://filer:20490/export/crash address 192.0.2.7 options vers=3,mountport=20048\n"
        "target ssh://dump@collector/var/crash address 192.0.2.8 host-key ssh-ed25519 AAAAC3Nz\n"
        "interface 52:54:00:12:34:56 mtu 1400 address 10.0.2.15/24 address fd00::15/64\n"
        "route 192.0.2.7/32 via 10.0.2.2 dev 52:54:00:12:34:56\n"
        "route default dev 52:54:00:12:34:56\n"
        "route default via fd00::1 dev 52:54:00:12:34:56\n"
        "route ::/0 dev 52:54:00:12:34:56\n"
        "network-timeout 7\n";
    static struct config cfg, again;
    static char buf[CONFIG_TEXT_MAX], buf2[CONFIG_TEXT_MAX];
    struct lb_error err;

    (void)state;
    if (config_parse(text, "t.conf", &cfg, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(cfg.ntargets, 2);
    assert_ptr_equal(cfg.targets[0].kind, &target_kind_nfs);
    assert_int_equal(cfg.targets[0].port, 20490);
    assert_string_equal(cfg.targets[0].address, "192.0.2.7");
    /* the kinds' own options, said back in their lines */
    char line[CONFIG_HOST_KEY_MAX + 512];
    assert_int_equal(cfg.targets[0].kind->format(&cfg.targets[0], line, sizeof(line)), 0);
    assert_non_null(strstr(line, " options vers=3,mountport=20048\n"));
    assert_int_equal(cfg.targets[1].kind->format(&cfg.targets[1], line, sizeof(line)), 0);
    assert_non_null(strstr(line, " host-key ssh-ed25519 AAAAC3Nz\n"));
    assert_int_equal(cfg.ninterfaces, 1);
    assert_int_equal(cfg.interfaces[0].mtu, 1400);
    assert_int_equal(cfg.interfaces[0].naddresses, 2);
    assert_int_equal(cfg.interfaces[0].addresses[1].family, AF_INET6);
    assert_int_equal(cfg.interfaces[0].addresses[1].prefix, 64);
    assert_int_equal(cfg.nroutes, 4);
    assert_int_equal(cfg.routes[1].destination.prefix, 0);
    assert_int_equal(cfg.routes[1].gateway.family, 0);
    /* an IPv6 default route, by its gateway or written whole, and back */
    assert_int_equal(cfg.routes[2].destination.family, AF_INET6);
    assert_int_equal(cfg.routes[2].destination.prefix, 0);
    assert_int_equal(cfg.routes[2].gateway.family, AF_INET6);
    assert_int_equal(cfg.routes[3].destination.family, AF_INET6);
    assert_int_equal(cfg.network_timeout, 7);
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    if (config_parse(buf, "formatted", &again, &err) < 0)
        fail_msg("%s in:\n%s", err.msg, buf);
    assert_int_equal(config_format(&again, buf2, sizeof(buf2)), 0);
    assert_string_equal(buf, buf2);
    assert_non_null(strstr(buf, "route 192.0.2.7/32 via 10.0.2.2 dev 52:54:00:12:34:56\n"));
    assert_non_null(strstr(buf, "route ::/0 via fd00::1 dev 52:54:00:12:34:56\n"));

    static const char *const bad[] = {
        "interface 52:54:00:12:34 address 10.0.2.15/24\n",      /* short MAC */
        "interface 52:54:00:12:34:56 address 10.0.2.15\n",      /* no prefix */
        "interface 52:54:00:12:34:56 address 10.0.2.15/33\n",   /* prefix */
        "interface 52:54:00:12:34:56 mtu 20\n",                 /* mtu */
        "interface 52:54:00:12:34:56 mtu\n",                    /* no value */
        "route 10.0.0.0/8 via fd00::1 dev 52:54:00:12:34:56\n", /* families */
        "route 10.0.0.0/8 via 10.0.2.2\n",                      /* no dev */
        "target ssh://h/d address 300.1.1.1\n",                 /* address */
        "target nfs://h/d host-key ssh-ed25519 AAAA\n",         /* a key for NFS */
        "target ssh://h/d bogus\n",
        "target nfs://h/d options vers=3;reboot\n", /* characters */
        "target ssh://h/d options vers=3\n",        /* options for NFS only */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (config_parse(bad[i], "bad.conf", &cfg, &err) == 0)
            fail_msg("accepted: %s", bad[i]);
        else
            assert_non_null(strstr(err.msg, "bad.conf:1:"));
    assert_int_equal(err.kind, LB_ERR_REFUSED);
}

static void addresses_and_macs_round_trip(void **state)
{
    struct net_addr a;
    uint8_t mac[6];
    char text[64];

    (void)state;
    assert_int_equal(net_addr_parse("10.0.2.0/24", &a), 0);
    net_addr_format(&a, 1, text, sizeof(text));
    assert_string_equal(text, "10.0.2.0/24");
    assert_int_equal(net_addr_parse("fd00::1", &a), 0);
    assert_int_equal(a.prefix, 128);
    assert_int_equal(net_addr_parse("10.0.2.1/", &a), -1);
    assert_int_equal(net_addr_parse("10.0.2.1/x", &a), -1);
    assert_int_equal(net_addr_parse("fd00::1/129", &a), -1);
    assert_int_equal(net_addr_parse("", &a), -1);
    assert_int_equal(net_mac_parse("52:54:00:AB:cd:ef", mac), 0);
    net_mac_format(mac, text, sizeof(text));
    assert_string_equal(text, "52:54:00:ab:cd:ef");
    assert_int_equal(net_mac_parse("52:54:00:ab:cd:ef:00", mac), -1);
    assert_int_equal(net_mac_parse("52:54:00:ab:cd", mac), -1);
}

/* A network namespace of the test's own: the kernel answers, the machine is untouched. */
static int own_netns(void)
{
    if (unshare(CLONE_NEWNET) < 0) {
        print_message("cannot make a network namespace (%s): not root?\n", strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * In a fresh namespace the loopback is down: network_up brings it up; an
 * address and a route set through netlink are then what route lookups see,
 * and what network_prepare refuses (the way is the loopback: the server
 * would be the crashed machine itself).
 */
static void netlink_sets_and_reads_the_way(void **state)
{
    struct net_addr a, dst, gw;
    struct net_route route;
    struct net_link lo;
    struct net_addr have[4];
    static struct config cfg;
    struct module_list mods = {0};
    struct target t;
    uint8_t zero[6] = {0};
    struct lb_error e;

    (void)state;
    if (own_netns() < 0)
        skip();
    config_defaults(&cfg);
    assert_int_equal(network_up(&cfg), 0);
    assert_int_equal(net_link_find_mac(zero, &lo), 0);
    assert_string_equal(lo.name, "lo");
    assert_int_equal(net_link_get(lo.ifindex, &lo, &e), 0);
    assert_true(lo.up);

    assert_int_equal(net_addr_parse("198.51.100.1/24", &a), 0);
    assert_int_equal(net_address_add(lo.ifindex, &a), 0);
    assert_int_equal(net_address_add(lo.ifindex, &a), 0); /* already there: fine */
    assert_int_equal(net_link_addresses(lo.ifindex, AF_INET, have, 4), 1);
    assert_memory_equal(have[0].bytes, a.bytes, 4);
    assert_int_equal(have[0].prefix, 24);

    /* a gateway: on a veth pair (the loopback routes everything as local) */
    struct net_link v0;
    uint8_t mac[6];
    if (system("ip link add lbv0 address 02:00:00:00:00:01 type veth peer name lbv1 "
               "address 02:00:00:00:00:02") != 0)
        fail_msg("cannot make a veth pair");
    assert_int_equal(net_mac_parse("02:00:00:00:00:01", mac), 0);
    assert_int_equal(net_link_find_mac(mac, &v0), -1); /* a veth has a kind: not a NIC */
    assert_int_equal(net_mac_parse("02:00:00:00:00:02", mac), 0);
    assert_int_equal(system("ip link set lbv1 up"), 0);
    assert_int_equal(net_link_get((int)if_nametoindex("lbv0"), &v0, &e), 0);
    assert_string_equal(v0.kind, "veth");
    assert_int_equal(v0.mtu, 1500);
    assert_int_equal(net_link_set_up(v0.ifindex, 1400), 0);
    assert_int_equal(net_link_wait_carrier(v0.ifindex, 5), 0);
    assert_int_equal(net_link_get(v0.ifindex, &v0, &e), 0);
    assert_true(v0.up && v0.carrier);
    assert_int_equal(v0.mtu, 1400);
    /* a link's speed as its driver reports it: a veth's 10 Gb/s; none from the loopback */
    assert_int_equal(net_link_speed("lbv0"), 10000);
    assert_int_equal(net_link_speed("lo"), 0);
    assert_int_equal(net_link_speed("no-such-link"), 0);
    /* IPv6: the address kept, not the one whose preferred lifetime ran out */
    struct net_addr kept;
    assert_int_equal(system("ip -6 addr add fd00:5::5/64 dev lbv0 nodad && "
                            "ip -6 addr add fd00:5::6/64 dev lbv0 nodad preferred_lft 0"),
                     0);
    assert_int_equal(net_addr_parse("fd00:5::5/64", &kept), 0);
    assert_int_equal(net_link_addresses(v0.ifindex, AF_INET6, have, 4), 1);
    assert_memory_equal(have[0].bytes, kept.bytes, 16);
    assert_int_equal(have[0].prefix, 64);
    assert_int_equal(net_addr_parse("198.51.100.1/24", &a), 0);
    assert_int_equal(net_address_add(v0.ifindex, &a), 0);
    assert_int_equal(net_addr_parse("203.0.113.0/24", &dst), 0);
    assert_int_equal(net_addr_parse("198.51.100.9", &gw), 0);
    if (net_route_add(v0.ifindex, &dst, &gw) < 0)
        fail_msg("route add: %s", strerror(errno));
    assert_int_equal(net_addr_parse("203.0.113.5", &dst), 0);
    assert_int_equal(net_route_get(&dst, &route, &e), 0);
    assert_int_equal(route.ifindex, v0.ifindex);
    assert_int_equal(route.gateway.family, AF_INET);
    assert_memory_equal(route.gateway.bytes, gw.bytes, 4);
    assert_memory_equal(route.source.bytes, a.bytes, 4);

    /* a veth is not what a crash kernel can bring up: refused by its kind */
    struct lb_error err;
    assert_int_equal(target_url_parse("nfs://203.0.113.5/export", &t, &err), 0);
    assert_int_equal(network_prepare(&t, &cfg, &mods, &e), -1);
    assert_non_null(strstr(e.msg, "lbv0, veth"));
    assert_int_equal(e.kind, LB_ERR_REFUSED);
    assert_string_equal(t.address, "203.0.113.5");

    /* no route at all: said, with the address */
    assert_int_equal(net_addr_parse("192.0.2.1", &dst), 0);
    assert_int_equal(net_route_get(&dst, &route, &e), -1);
    assert_non_null(strstr(e.msg, "192.0.2.1"));

    /* the loopback is never a way to a dump server */
    assert_int_equal(target_url_parse("nfs://198.51.100.1/export", &t, &err), 0);
    assert_int_equal(network_prepare(&t, &cfg, &mods, &e), -1);
    assert_non_null(strstr(e.msg, "loopback"));
    assert_string_equal(t.address, "198.51.100.1");
    assert_int_equal(cfg.ninterfaces, 0);
}

/*
 * network-link lines: a bond, a VLAN on it and a bridge, each naming what it
 * is made on by MAC or by an earlier line's name; interfaces and routes name
 * the top link.  They read, write back the same, and refuse what is wrong.
 */
static void link_lines_round_trip(void **state)
{
    const char *text =
        "network-link bond bond0 mode active-backup slaves 52:54:00:00:00:01,52:54:00:00:00:02\n"
        "network-link vlan bond0.10 id 10 on bond0\n"
        "network-link vlan eth1.20 id 20 on 52:54:00:00:00:03\n"
        "network-link bond lacp0 mode 802.3ad slaves 52:54:00:00:00:04,52:54:00:00:00:05 mtu 9000\n"
        "network-link bridge br0 ports 52:54:00:00:00:06,eth1.20\n"
        "interface bond0.10 mtu 1500 address 192.168.10.2/24 address fd10::2/64\n"
        "interface br0 address 192.168.20.2/24\n"
        "route 192.0.2.7/32 via 192.168.10.1 dev bond0.10\n"
        "route fd00::7/128 via fe80::1 dev br0\n";
    static struct config cfg, again;
    static char buf[CONFIG_TEXT_MAX], buf2[CONFIG_TEXT_MAX];
    struct lb_error err;

    (void)state;
    if (config_parse(text, "t.conf", &cfg, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(cfg.nlinks, 5);
    assert_int_equal(cfg.links[0].kind, LINK_BOND);
    assert_int_equal(cfg.links[0].bond_mode, BOND_ACTIVE_BACKUP);
    assert_int_equal(cfg.links[0].nlower, 2);
    assert_int_equal(cfg.links[0].lower[1].mac[5], 2);
    assert_int_equal(cfg.links[1].kind, LINK_VLAN);
    assert_int_equal(cfg.links[1].vlan_id, 10);
    assert_string_equal(cfg.links[1].lower[0].name, "bond0");
    assert_int_equal(cfg.links[3].bond_mode, BOND_8023AD);
    assert_int_equal(cfg.links[3].mtu, 9000); /* a link's own MTU, jumbo frames below a VLAN */
    assert_int_equal(cfg.links[1].mtu, 0);
    assert_int_equal(cfg.links[4].kind, LINK_BRIDGE);
    assert_string_equal(cfg.links[4].lower[1].name, "eth1.20");
    assert_string_equal(cfg.interfaces[0].name, "bond0.10");
    assert_string_equal(cfg.routes[0].name, "bond0.10");
    assert_int_equal(cfg.routes[1].gateway.family, AF_INET6);
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    if (config_parse(buf, "formatted", &again, &err) < 0)
        fail_msg("%s in:\n%s", err.msg, buf);
    assert_int_equal(config_format(&again, buf2, sizeof(buf2)), 0);
    assert_string_equal(buf, buf2);
    assert_non_null(strstr(buf, "network-link vlan bond0.10 id 10 on bond0\n"));
    assert_non_null(strstr(buf, "52:54:00:00:00:04,52:54:00:00:00:05 mtu 9000\n"));
    assert_non_null(strstr(buf, "route 192.0.2.7/32 via 192.168.10.1 dev bond0.10\n"));

    static const char *const bad[] = {
        "network-link vlan v0 id 10 on nothere\n",             /* no such link */
        "network-link vlan v0 id 4095 on 52:54:00:00:00:01\n", /* id */
        "network-link vlan v0 id 0 on 52:54:00:00:00:01\n",    /* id */
        "network-link vlan v0 id 9 on 52:54:00:00:00:01 mtu 20\n",
        "network-link vlan v0 id 9 on 52:54:00:00:00:01 mtu\n",
        "network-link vlan v0 id 9 on 52:54:00:00:00:01,52:54:00:00:00:02\n",
        "network-link bond b0 mode balance-rr slaves 52:54:00:00:00:01\n", /* mode */
        "network-link bond b0 mode 802.3ad\n",                             /* no slaves */
        "network-link bridge averyveryverylongname ports 52:54:00:00:00:01\n",
        "network-link bridge 52:54:00:00:00:09 ports 52:54:00:00:00:01\n", /* a MAC as name */
        "network-link bridge b/r ports 52:54:00:00:00:01\n",
        "network-link bridge br ports ,\n",
        "network-link bridge br ports 52:54:00:00:00:01,52:54:00:00:00:02,52:54:00:00:00:03,"
        "52:54:00:00:00:04,52:54:00:00:00:05\n", /* too many */
        "network-link tunnel t0 id 1 on 52:54:00:00:00:01\n",
        "network-link\n",
        "interface br0 address 10.0.0.1/24\n", /* no network-link br0 */
        "route 10.0.0.0/8 dev br0\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (config_parse(bad[i], "bad.conf", &cfg, &err) == 0)
            fail_msg("accepted: %s", bad[i]);
        else
            assert_non_null(strstr(err.msg, "bad.conf:1:"));
    assert_int_equal(config_parse("network-link bridge br ports 52:54:00:00:00:01\n"
                                  "network-link bond br mode 802.3ad slaves 52:54:00:00:00:02\n",
                                  "dup.conf", &cfg, &err),
                     -1);
    assert_non_null(strstr(err.msg, "already there"));
}

/* The attribute of type in the len bytes at a (a nest's payload); NULL if none. */
static const struct rtattr *attr_in(const struct rtattr *a, int len, unsigned short type)
{
    for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
        if (a->rta_type == type)
            return a;
    return NULL;
}

/*
 * The RTM_NEWLINK requests that make a VLAN and a bond (this machine's own
 * kernel may have neither driver): the name, the lower device, the kind and
 * the kind's own data nested where the kernel looks.
 */
static void new_link_messages_are_built(void **state)
{
    char buf[1024];
    struct net_link_spec vlan = {.kind = "vlan", .name = "eth0.10", .parent = 7, .vlan_id = 10};
    struct net_link_spec bond = {.kind = "bond", .name = "bond0", .bond_mode = BOND_8023AD};
    struct net_link_spec bad = {.kind = "bond", .name = "a-name-longer-than-ifnamsiz"};
    const struct rtattr *a, *info, *data;
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    size_t n;

    (void)state;
    n = net_link_new_message(&vlan, buf, sizeof(buf));
    assert_true(n > NLMSG_LENGTH(sizeof(struct ifinfomsg)) && n == h->nlmsg_len);
    assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
    assert_true(h->nlmsg_flags & NLM_F_CREATE && h->nlmsg_flags & NLM_F_EXCL);
    int len = (int)IFLA_PAYLOAD(h);
    const struct rtattr *first = IFLA_RTA((struct ifinfomsg *)NLMSG_DATA(h));
    assert_non_null(a = attr_in(first, len, IFLA_IFNAME));
    assert_string_equal((const char *)RTA_DATA(a), "eth0.10");
    assert_non_null(a = attr_in(first, len, IFLA_LINK));
    assert_int_equal(*(const int *)RTA_DATA(a), 7);
    assert_non_null(info = attr_in(first, len, IFLA_LINKINFO));
    assert_non_null(a = attr_in(RTA_DATA(info), (int)RTA_PAYLOAD(info), IFLA_INFO_KIND));
    assert_memory_equal(RTA_DATA(a), "vlan", 4);
    assert_non_null(data = attr_in(RTA_DATA(info), (int)RTA_PAYLOAD(info), IFLA_INFO_DATA));
    assert_non_null(a = attr_in(RTA_DATA(data), (int)RTA_PAYLOAD(data), IFLA_VLAN_ID));
    assert_int_equal(*(const uint16_t *)RTA_DATA(a), 10);

    n = net_link_new_message(&bond, buf, sizeof(buf));
    assert_true(n > 0);
    len = (int)IFLA_PAYLOAD(h);
    first = IFLA_RTA((struct ifinfomsg *)NLMSG_DATA(h));
    assert_null(attr_in(first, len, IFLA_LINK));
    assert_non_null(info = attr_in(first, len, IFLA_LINKINFO));
    assert_non_null(data = attr_in(RTA_DATA(info), (int)RTA_PAYLOAD(info), IFLA_INFO_DATA));
    assert_non_null(a = attr_in(RTA_DATA(data), (int)RTA_PAYLOAD(data), IFLA_BOND_MODE));
    assert_int_equal(*(const uint8_t *)RTA_DATA(a), BOND_8023AD);
    assert_non_null(a = attr_in(RTA_DATA(data), (int)RTA_PAYLOAD(data), IFLA_BOND_MIIMON));
    assert_int_equal(*(const uint32_t *)RTA_DATA(a), 100);

    assert_int_equal(net_link_new_message(&bad, buf, sizeof(buf)), 0);
    assert_int_equal(net_link_new_message(&vlan, buf, 16), 0);
}

/*
 * A bridge made with netlink in a namespace of the test's own: found by
 * name with its kind, a port put under it and listed as its lower device,
 * and a server behind it refused at load while the port is a veth (a NIC,
 * by MAC, is what the capture bridges), said by name and kind.
 */
static void bridges_are_made_and_read(void **state)
{
    struct net_link_spec spec = {.kind = "bridge", .name = "lbbr0"};
    struct net_link br, port, lower[4];
    static struct config cfg;
    struct module_list mods = {0};
    struct net_addr a;
    struct target t;
    struct lb_error err;
    struct lb_error e;

    (void)state;
    if (own_netns() < 0)
        skip();
    config_defaults(&cfg);
    if (system("ip link add lbp0 type veth peer name lbp1") != 0)
        fail_msg("cannot make a veth pair");
    assert_int_equal(net_link_create(&spec), 0);
    assert_int_equal(net_link_create(&spec), -1);
    assert_int_equal(errno, EEXIST);
    assert_int_equal(net_link_find_name("lbbr0", &br), 0);
    assert_string_equal(br.kind, "bridge");
    assert_int_equal(net_link_find_name("lbp0", &port), 0);
    assert_int_equal(net_link_set_master(port.ifindex, br.ifindex), 0);
    assert_int_equal(net_link_lower(br.ifindex, lower, 4), 1);
    assert_int_equal(lower[0].ifindex, port.ifindex);
    assert_int_equal(net_link_set_up(br.ifindex, 0), 0);
    assert_int_equal(net_addr_parse("198.51.100.1/24", &a), 0);
    assert_int_equal(net_address_add(br.ifindex, &a), 0);
    assert_int_equal(net_addr_parse("fd00:51::1/64", &a), 0);
    assert_int_equal(net_address_add(br.ifindex, &a), 0); /* NODAD: usable at once */
    assert_int_equal(target_url_parse("nfs://198.51.100.9/export", &t, &err), 0);
    assert_int_equal(network_prepare(&t, &cfg, &mods, &e), -1);
    assert_non_null(strstr(e.msg, "lbp0 is under the way to 198.51.100.9 and is a veth"));
    assert_int_equal(target_url_parse("nfs://[fd00:51::9]/export", &t, &err), 0);
    assert_int_equal(network_prepare(&t, &cfg, &mods, &e), -1);
    assert_non_null(strstr(e.msg, "lbp0 is under the way to fd00:51::9"));
    assert_int_equal(net_link_find_name("nothere", &br), -1);
}

/*
 * ssh-key's files: the private key (0600) is one an OpenSSH reader opens
 * (lifeboat's own age code: what is encrypted to the printed public line
 * decrypts with it), and an existing key is never replaced.
 */
static void ssh_keys_are_openssh_keys(void **state)
{
    char dir[] = "/tmp/lb-key-XXXXXX", path[64], line[700], text[32] = "";
    struct lb_error failed;
    struct lb_age_identities *ids;
    struct lb_age_recipient r;
    struct lb_sink *sink;
    struct lb_error err;
    struct stat st;
    size_t len;
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/id", dir);
    if (ssh_keyfile_create(path, "lifeboat@test", line, sizeof(line), &failed) < 0)
        fail_msg("%s", failed.msg);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(strncmp(line, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", 37), 0);
    assert_non_null(strstr(line, " lifeboat@test"));
    assert_int_equal(ssh_keyfile_create(path, "again", line + 300, 300, &failed), -1);
    assert_non_null(strstr(failed.msg, "never replaced"));
    assert_int_equal(failed.kind, LB_ERR_REFUSED);

    assert_int_equal(lb_age_recipient_parse(line, &r, &err), 0);
    assert_int_equal(lb_age_identities_load(path, &ids, &err), 0);
    snprintf(path, sizeof(path), "%s/sealed", dir);
    assert_true((fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600)) >= 0);
    assert_int_equal(lb_sink_age(lb_sink_fd(fd, 0), &r, 1, &sink, &err), 0);
    assert_int_equal(sink->ops->write(sink, "a crash", 7, 0, &err), 0);
    assert_int_equal(sink->ops->finish(sink, 7, 1, &err), 0);
    sink->ops->free(sink);
    assert_int_equal(lb_age_read(fd, ids, text, sizeof(text), &len, &err), 0);
    assert_int_equal(len, 7);
    assert_memory_equal(text, "a crash", 7);
    close(fd);
    lb_age_identities_free(ids);
    char cmd[100];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A DHCP reply is from the network: what does not add up is refused, never read past. */
static void dhcp_replies_are_bounded(void **state)
{
    static const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    uint8_t m[300] = {2, 1, 6, 0};
    uint32_t xid = 0x01020304;
    struct dhcp_reply r;
    size_t n = 236;

    (void)state;
    memcpy(m + 4, &xid, 4);
    memcpy(m + 16, "\x0a\x00\x02\x0f", 4);
    memcpy(m + 28, mac, 6);
    static const uint8_t opts[] = {99,  130, 83, 99, 53, 1,  5, 0 /* pad */, 1,  4,  255,
                                   255, 255, 0,  3,  8,  10, 0, 2,           2,  10, 0,
                                   2,   3,   54, 4,  10, 0,  2, 2,           255};
    memcpy(m + n, opts, sizeof(opts));
    n += sizeof(opts);
    assert_int_equal(dhcp_parse(m, n, xid, mac, &r), 0);
    assert_int_equal(r.type, 5);
    assert_memory_equal(r.yiaddr, "\x0a\x00\x02\x0f", 4);
    assert_true(r.has_mask && r.has_router && r.has_server);
    assert_memory_equal(r.router, "\x0a\x00\x02\x02", 4);
    /* another exchange, another client, no cookie: not ours */
    assert_int_equal(dhcp_parse(m, n, xid + 1, mac, &r), -1);
    uint8_t other[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x57};
    assert_int_equal(dhcp_parse(m, n, xid, other, &r), -1);
    m[236] = 98;
    assert_int_equal(dhcp_parse(m, n, xid, mac, &r), -1);
    m[236] = 99;
    /* an option longer than the message: refused, whatever came before */
    assert_int_equal(dhcp_parse(m, 236 + 4 + 3 + 1 + 2, xid, mac, &r), -1);
    assert_int_equal(dhcp_parse(m, 100, xid, mac, &r), -1);
    /* the type padded away: a BOOTP reply, not a DHCP one */
    m[240] = m[241] = m[242] = 0;
    assert_int_equal(dhcp_parse(m, n, xid, mac, &r), -1);
}

/* ---- a DHCP exchange on a veth pair: the test's servers on one end ------- */

struct dhcp_servers {
    int fd; /* port 67 on the servers' end */
    uint8_t offered[4], server[4];
    uint8_t rogue_address[4], rogue[4]; /* another server's, answering the REQUEST first */
};

/* A reply to the client's message m: the type, the address, the server's identifier. */
static size_t dhcp_reply_to(const uint8_t *m, uint8_t *out, int type, const uint8_t address[4],
                            const uint8_t server[4])
{
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    size_t n = 240;

    memset(out, 0, 300);
    out[0] = 2, out[1] = 1, out[2] = 6;
    memcpy(out + 4, m + 4, 4);   /* xid */
    memcpy(out + 28, m + 28, 6); /* the client's MAC */
    memcpy(out + 16, address, 4);
    memcpy(out + 236, cookie, 4);
    out[n++] = 53, out[n++] = 1, out[n++] = (uint8_t)type;
    out[n++] = 54, out[n++] = 4;
    memcpy(out + n, server, 4), n += 4;
    out[n++] = 1, out[n++] = 4, out[n++] = 255, out[n++] = 255, out[n++] = 255, out[n++] = 0;
    out[n++] = 3, out[n++] = 4;
    memcpy(out + n, server, 4), n += 4; /* the router: whoever answered */
    out[n++] = 255;
    return 300;
}

static void *serve_dhcp(void *arg)
{
    struct dhcp_servers *s = arg;
    struct sockaddr_in all = {
        .sin_family = AF_INET, .sin_port = htons(68), .sin_addr.s_addr = htonl(INADDR_BROADCAST)};
    uint8_t m[1500], out[300];

    for (int i = 0; i < 20; i++) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0)
            break;
        ssize_t n = recv(s->fd, m, sizeof(m), 0);
        if (n < 243 || m[240] != 53)
            continue;
        if (m[242] == 1) { /* DISCOVER: the offer */
            dhcp_reply_to(m, out, 2, s->offered, s->server);
            sendto(s->fd, out, 300, 0, (struct sockaddr *)&all, sizeof(all));
        } else if (m[242] == 3) { /* REQUEST: a rogue's ACK first, then the offering server's */
            dhcp_reply_to(m, out, 5, s->rogue_address, s->rogue);
            sendto(s->fd, out, 300, 0, (struct sockaddr *)&all, sizeof(all));
            dhcp_reply_to(m, out, 5, s->offered, s->server);
            sendto(s->fd, out, 300, 0, (struct sockaddr *)&all, sizeof(all));
            break;
        }
    }
    return NULL;
}

/*
 * Issue 21, item 9: the lease is the offering server's.  An ACK from any
 * other server on the link (with the address and router of its choosing)
 * used to be taken, whichever came first.
 */
static void dhcp_takes_the_ack_of_the_server_that_offered(void **state)
{
    struct dhcp_servers s = {.offered = {10, 9, 0, 50},
                             .server = {10, 9, 0, 1},
                             .rogue_address = {10, 9, 0, 99},
                             .rogue = {10, 9, 0, 66}};
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(67)};
    struct dhcp_lease lease;
    struct net_link client;
    pthread_t thread;
    uint8_t mac[6];
    char addr[64];
    struct lb_error e = {.msg = ""};
    int one = 1;

    (void)state;
    if (own_netns() < 0)
        skip();
    if (system("ip link add lbd0 address 02:00:00:00:00:0a type veth peer name lbd1 && "
               "ip link set lbd0 up && ip link set lbd1 up") != 0)
        fail_msg("cannot make a veth pair");
    assert_int_equal(net_mac_parse("02:00:00:00:00:0a", mac), 0);
    assert_int_equal(net_link_get((int)if_nametoindex("lbd0"), &client, &e), 0);
    assert_int_equal(net_link_wait_carrier(client.ifindex, 5), 0);
    s.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s.fd >= 0);
    assert_int_equal(setsockopt(s.fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)), 0);
    assert_int_equal(setsockopt(s.fd, SOL_SOCKET, SO_BINDTODEVICE, "lbd1", 5), 0);
    assert_int_equal(bind(s.fd, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(pthread_create(&thread, NULL, serve_dhcp, &s), 0);

    int r = dhcp_acquire("lbd0", mac, 10, &lease, &e);
    pthread_join(thread, NULL);
    close(s.fd);
    if (r < 0)
        fail_msg("%s", e.msg);
    net_addr_format(&lease.address, 1, addr, sizeof(addr));
    assert_string_equal(addr, "10.9.0.50/24");
    net_addr_format(&lease.router, 0, addr, sizeof(addr));
    assert_string_equal(addr, "10.9.0.1");
    assert_memory_equal(lease.server.bytes, s.server, 4);
}

static void dhcp_lines_are_read_and_written(void **state)
{
    static struct config cfg, again;
    static char buf[CONFIG_TEXT_MAX];
    struct lb_error err;

    (void)state;
    assert_int_equal(
        config_parse("network dhcp\ninterface 52:54:00:12:34:56 mtu 9000 dhcp\n", "t", &cfg, &err),
        0);
    assert_true(cfg.network_dhcp);
    assert_true(cfg.interfaces[0].dhcp);
    assert_int_equal(cfg.interfaces[0].mtu, 9000);
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    assert_int_equal(config_parse(buf, "again", &again, &err), 0);
    assert_true(again.network_dhcp && again.interfaces[0].dhcp);
    assert_int_equal(config_parse("network static\n", "t", &cfg, &err), -1);
}

/* "ssh-rsa BASE64" of an RSA key of bits bits, the largest OpenSSH takes being 16384. */
static void rsa_host_key_text(unsigned bits, char *out, size_t len)
{
    static uint8_t blob[4 + 7 + 4 + 3 + 4 + 2049];
    size_t n = 0, modulus = bits / 8 + 1; /* a leading zero keeps the number positive */

    assert_true(modulus <= 2049);
    memcpy(blob, "\0\0\0\7ssh-rsa\0\0\0\3\1\0\1", 18); /* the type; e = 65537 */
    n = 18;
    for (int i = 3; i >= 0; i--)
        blob[n++] = (uint8_t)(modulus >> (8 * i));
    blob[n++] = 0;
    memset(blob + n, 0xc5, modulus - 1);
    n += modulus - 1;
    memcpy(out, "ssh-rsa ", 8);
    assert_non_null(sodium_bin2base64(out + 8, len - 8, blob, n, sodium_base64_VARIANT_ORIGINAL));
}

/*
 * Issue 21, item 7: load pins an RSA host key of any size OpenSSH takes
 * (16384 bits: 2.8 KB of text), and the pin comes through the capture's
 * configuration whole, for as many SSH targets as there may be.
 */
static void the_largest_rsa_host_keys_are_pinned_whole(void **state)
{
    static char key[4096], text[CONFIG_MAX_TARGETS * 4400], buf[CONFIG_TEXT_MAX];
    static struct config cfg, again;
    size_t at = 0;
    struct lb_error err;

    (void)state;
    rsa_host_key_text(16384, key, sizeof(key));
    assert_true(strlen(key) > 2700);
    for (int i = 0; i < CONFIG_MAX_TARGETS; i++)
        at +=
            (size_t)snprintf(text + at, sizeof(text) - at,
                             "target ssh://dump@collector-%d.example/var/crash address 192.0.2.%d "
                             "host-key %s\n",
                             i, i + 1, key);
    if (config_parse(text, "t.conf", &cfg, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(cfg.ntargets, CONFIG_MAX_TARGETS);
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    if (config_parse(buf, "formatted", &again, &err) < 0)
        fail_msg("%s", err.msg);
    for (int i = 0; i < CONFIG_MAX_TARGETS; i++) {
        static char line[CONFIG_HOST_KEY_MAX + 512], want[CONFIG_HOST_KEY_MAX + 16];
        snprintf(want, sizeof(want), " host-key %s\n", key);
        assert_int_equal(again.targets[i].kind->format(&again.targets[i], line, sizeof(line)), 0);
        assert_non_null(strstr(line, want));
    }
}

/* A token file's line that does not fit is refused, never cut short (issue 21, item 8). */
static void first_lines_are_whole_or_refused(void **state)
{
    static char text[5000], line[4096];
    char path[] = "/tmp/lb-token-XXXXXX";
    struct lb_error e;
    int fd = mkstemp(path);
    (void)state;

    assert_true(fd >= 0);
    memset(text, 'J', sizeof(text));
    assert_int_equal(write(fd, text, sizeof(text)), (ssize_t)sizeof(text));
    close(fd);
    assert_int_equal(first_line(path, line, sizeof(line), &e), -1);
    assert_non_null(strstr(e.msg, "longer than 4095 bytes"));
    assert_int_equal(e.kind, LB_ERR_TOO_LONG);
    assert_string_equal(line, "");
    /* exactly what fits, with and without its line end */
    assert_int_equal(truncate(path, 4095), 0);
    assert_int_equal(first_line(path, line, sizeof(line), &e), 0);
    assert_int_equal(strlen(line), 4095);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("\nsecond line\n", f);
    fclose(f);
    assert_int_equal(first_line(path, line, sizeof(line), &e), 0);
    assert_int_equal(strlen(line), 4095);
    unlink(path);
}

/* 'save URL' reads the URL by the table of kinds, and the kind opens (or refuses) the sink. */
static void save_url_goes_through_its_kind(void **state)
{
    struct dump_keys keys = {0};
    struct lb_error err = {0};

    (void)state;
    assert_null(remote_sink_open("nfs://filer/export/crash", &keys, &err));
    assert_string_equal(err.msg, "nfs:// is not a destination: mount it");
    assert_null(remote_sink_open("ftp://filer/crash", &keys, &err));
    assert_non_null(strstr(err.msg, "is not a URL lifeboat knows: nfs://, ssh://, https://"));
    assert_null(remote_sink_open("ssh://host", &keys, &err));
    assert_non_null(strstr(err.msg, "names no directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(save_url_goes_through_its_kind),
        cmocka_unit_test(urls_are_parsed_and_checked),
        cmocka_unit_test(network_lines_survive_the_initramfs),
        cmocka_unit_test(addresses_and_macs_round_trip),
        cmocka_unit_test(netlink_sets_and_reads_the_way),
        cmocka_unit_test(link_lines_round_trip),
        cmocka_unit_test(new_link_messages_are_built),
        cmocka_unit_test(bridges_are_made_and_read),
        cmocka_unit_test(ssh_keys_are_openssh_keys),
        cmocka_unit_test(dhcp_replies_are_bounded),
        cmocka_unit_test(dhcp_lines_are_read_and_written),
        cmocka_unit_test(dhcp_takes_the_ack_of_the_server_that_offered),
        cmocka_unit_test(first_lines_are_whole_or_refused),
        cmocka_unit_test(the_largest_rsa_host_keys_are_pinned_whole),
    };
    return cmocka_run_group_tests_name("network", tests, NULL, NULL);
}
