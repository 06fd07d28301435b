/*
 * config_net.c - network targets, interfaces and routes in lifeboat.conf.
 *
 *     target ssh://dump@collector.example:22/var/crash
 *     target nfs://filer/export/crash
 *     target nfs://oldfiler/export/crash options vers=3,mountport=20048
 *
 * are what an admin writes.  load resolves the host, pins the SSH server's
 * key and finds the way there, and the capture's copy of the configuration
 * says all of it, so the crash kernel needs no name service, no
 * known_hosts and no routing daemon:
 *
 *     target ssh://dump@collector.example:22/var/crash address 192.0.2.7 host-key ssh-ed25519
 * AAAA... interface 52:54:00:12:34:56 mtu 1500 address 10.0.2.15/24 route 192.0.2.7/32 via 10.0.2.2
 * dev 52:54:00:12:34:56
 *
 * A server reached through a bond, a VLAN or a bridge has the links under
 * its interface said first, lowest first, each naming what it is made on by
 * MAC (a NIC) or by name (a link of an earlier line); the interface and its
 * routes then name the top link:
 *
 *     network-link bond bond0 mode active-backup slaves 52:54:00:00:00:01,52:54:00:00:00:02
 *     network-link vlan bond0.10 id 10 on bond0
 *     interface bond0.10 mtu 1500 address 192.168.10.2/24 address fd10::2/64
 *     route 192.0.2.7/32 via 192.168.10.1 dev bond0.10
 *
 * An IPv6 address the running system got from a router (SLAAC) or a DHCPv6
 * server is not copied as a static one: by the time of a crash the prefix
 * may be renumbered or the lease given to another host.  The interface says
 * how to ask again, and a SLAAC address is kept as a fallback for when no
 * router answers (made from this NIC's identifier, no other host's):
 *
 *     interface 52:54:00:12:34:56 mtu 1500 fallback 2001:db8::5054:ff:fe12:3456/64 slaac
 *     interface 52:54:00:12:34:56 mtu 1500 dhcp6
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_net.h"

#define FAIL(...) (lb_error_setk(err, LB_ERR_REFUSED, __VA_ARGS__), -1)

/* Characters a URL's user, host and path may have here: nothing that needs quoting. */
#define URL_USER_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
#define URL_HOST_CHARS URL_USER_CHARS ":"
#define URL_PATH_CHARS URL_USER_CHARS "/+,=@"

unsigned target_port(const struct target *t)
{
    if (t->port)
        return t->port;
    return t->kind->port;
}

static int parse_port(const char *text, unsigned *port)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);

    if (!*text || *end || text[0] == '-' || v == 0 || v > 65535)
        return -1;
    *port = (unsigned)v;
    return 0;
}

/* "[user@]host[:port]" (host may be "[v6]") of length len at s. */
static int parse_authority(const char *s, size_t len, struct target *t, struct lb_error *err)
{
    char auth[400], *host = auth, *at, *colon = NULL;

    if (len == 0 || len >= sizeof(auth))
        return FAIL("the URL names no host");
    memcpy(auth, s, len);
    auth[len] = '\0';
    if ((at = strchr(auth, '@'))) {
        *at = '\0';
        if (!auth[0] || strlen(auth) >= sizeof(t->user) || auth[strspn(auth, URL_USER_CHARS)])
            return FAIL("user '%s' is not a plain user name", auth);
        strcpy(t->user, auth);
        host = at + 1;
    }
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        if (!close)
            return FAIL("'%s': an IPv6 address opened with '[' is not closed", host);
        *close = '\0';
        host++;
        if (close[1] == ':')
            colon = close + 1;
        else if (close[1])
            return FAIL("'%s' after the IPv6 address", close + 1);
    } else if ((colon = strchr(host, ':'))) {
        *colon = '\0';
    }
    if (colon && parse_port(colon + 1, &t->port) < 0)
        return FAIL("port '%s' is not a number from 1 to 65535", colon + 1);
    if (!host[0] || strlen(host) >= sizeof(t->host) || host[strspn(host, URL_HOST_CHARS)])
        return FAIL("host '%s' is not a host name or an address", host);
    strcpy(t->host, host);
    return 0;
}

/* A ".." component would climb out of the directory the admin named. */
static int has_dot_dot(const char *path)
{
    for (const char *c = path; (c = strstr(c, "..")); c += 2)
        if ((c == path || c[-1] == '/') && (c[2] == '/' || c[2] == '\0'))
            return 1;
    return 0;
}

int target_url_parse(const char *url, struct target *t, struct lb_error *err)
{
    const struct target_kind *kind = target_kind_for(url);
    const char *rest, *slash;

    memset(t, 0, sizeof(*t));
    if (!kind || !kind->url) { /* the schemes there are, said from the table */
        char schemes[200] = "";
        const char *sep = " ";
        size_t used = 0;
        for (size_t i = 0; (kind = target_kind_at(i)) && used < sizeof(schemes); i++)
            if (kind->url) {
                used += (size_t)snprintf(schemes + used, sizeof(schemes) - used, "%s%s://", sep,
                                         kind->name);
                sep = ", ";
            }
        return FAIL("'%s' is not a URL lifeboat knows:%s", url, schemes);
    }
    t->kind = kind;
    if (strlen(url) >= sizeof(t->shown))
        return FAIL("the URL is longer than %zu characters", sizeof(t->shown) - 1);
    rest = strstr(url, "://") + 3;
    slash = strchr(rest, '/');
    if (!slash)
        return FAIL("'%s' names no directory (ssh://host/dir, nfs://host/export/dir)", url);
    if (parse_authority(rest, (size_t)(slash - rest), t, err) < 0)
        return -1;
    if (!kind->url_user && t->user[0])
        return FAIL("only an ssh:// URL has a user");
    if (strlen(slash) >= sizeof(t->path) || slash[strspn(slash, URL_PATH_CHARS)] ||
        has_dot_dot(slash))
        return FAIL("directory '%s' has characters a dump directory's path may not", slash);
    strcpy(t->path, slash);
    strcpy(t->shown, url);
    return 0;
}

int target_url_line_parse(struct target *t, char **w, int n, struct lb_error *err)
{
    if (target_url_parse(w[1], t, err) < 0)
        return -1;
    for (int i = 2; i < n; i++) {
        int r = 1;
        if (strcmp(w[i], "address") == 0 && i + 1 < n) {
            struct net_addr a;
            if (net_addr_parse(w[i + 1], &a) < 0 || a.prefix != (a.family == AF_INET ? 32 : 128))
                return FAIL("'%s' is not an IPv4 or IPv6 address", w[i + 1]);
            snprintf(t->address, sizeof(t->address), "%s", w[i + 1]);
            i++;
            continue;
        }
        if (t->kind->parse_option && (r = t->kind->parse_option(t, w, n, &i, err)) < 0)
            return -1;
        if (r > 0)
            return FAIL("expected 'target %s [address ADDRESS]%s'", w[1],
                        t->kind->options_usage ? t->kind->options_usage : "");
    }
    return 0;
}

const struct config_link *config_link_named(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nlinks; i++)
        if (strcmp(cfg->links[i].name, name) == 0)
            return &cfg->links[i];
    return NULL;
}

/* A device word: a NIC's MAC address, or the name of an earlier network-link line. */
static int parse_dev(const struct config *cfg, const char *word, struct config_dev *dev)
{
    memset(dev, 0, sizeof(*dev));
    if (net_mac_parse(word, dev->mac) == 0)
        return 0;
    if (!config_link_named(cfg, word))
        return -1;
    strcpy(dev->name, word);
    return 0;
}

void config_dev_format(const struct config_dev *dev, char *buf, size_t len)
{
    if (dev->name[0])
        snprintf(buf, len, "%s", dev->name);
    else
        net_mac_format(dev->mac, buf, len);
}

/* What the kernel takes as an interface's name, and no MAC address (which names a NIC). */
static int link_name_ok(const char *name)
{
    uint8_t mac[6];

    return name[0] && strlen(name) < CONFIG_LINK_NAME && !name[strspn(name, URL_USER_CHARS)] &&
           strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && net_mac_parse(name, mac) < 0;
}

/* "MAC|NAME,..." into link's lower devices. */
static int parse_lower(const struct config *cfg, struct config_link *link, const char *list,
                       struct lb_error *err)
{
    char copy[CONFIG_MAX_LOWER * 20], *save = NULL;

    if (strlen(list) >= sizeof(copy))
        return FAIL("'%s' names more than %d devices", list, CONFIG_MAX_LOWER);
    strcpy(copy, list);
    for (char *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
        if (link->nlower == CONFIG_MAX_LOWER)
            return FAIL("'%s' names more than %d devices", list, CONFIG_MAX_LOWER);
        if (parse_dev(cfg, d, &link->lower[link->nlower]) < 0)
            return FAIL("'%s' is neither a MAC address nor a network-link of an earlier line", d);
        link->nlower++;
    }
    return link->nlower ? 0 : FAIL("'%s' names no device", list);
}

static int parse_link_kind(struct config_link *link, char **w, int n, struct lb_error *err)
{
    char *end;
    unsigned long v;

    if (strcmp(w[1], "vlan") == 0 && n == 7 && strcmp(w[3], "id") == 0 && strcmp(w[5], "on") == 0) {
        link->kind = LINK_VLAN;
        v = strtoul(w[4], &end, 10);
        if (*end || w[4][0] == '-' || !w[4][0] || v < 1 || v > 4094)
            return FAIL("VLAN id '%s' is not from 1 to 4094", w[4]);
        link->vlan_id = (unsigned)v;
        return 6;
    }
    if (strcmp(w[1], "bond") == 0 && n == 7 && strcmp(w[3], "mode") == 0 &&
        strcmp(w[5], "slaves") == 0) {
        link->kind = LINK_BOND;
        if (strcmp(w[4], "active-backup") == 0)
            link->bond_mode = BOND_ACTIVE_BACKUP;
        else if (strcmp(w[4], "802.3ad") == 0)
            link->bond_mode = BOND_8023AD;
        else
            return FAIL("bond mode '%s' is not active-backup or 802.3ad", w[4]);
        return 6;
    }
    if (strcmp(w[1], "bridge") == 0 && n == 5 && strcmp(w[3], "ports") == 0) {
        link->kind = LINK_BRIDGE;
        return 4;
    }
    return FAIL("expected 'network-link vlan NAME id N on DEV', 'network-link bond NAME mode "
                "active-backup|802.3ad slaves DEV,DEV' or 'network-link bridge NAME ports "
                "DEV,...' (DEV: a MAC address or an earlier link's name)");
}

int config_net_link(struct config *cfg, char **w, int n, struct lb_error *err)
{
    struct config_link *link;
    unsigned long mtu = 0;
    char *end;
    int at;

    if (cfg->nlinks == CONFIG_MAX_LINKS)
        return FAIL("more than %d network-link lines", CONFIG_MAX_LINKS);
    link = &cfg->links[cfg->nlinks];
    memset(link, 0, sizeof(*link));
    if (n >= 5 && strcmp(w[n - 2], "mtu") == 0) { /* ... mtu N: the link's own, last */
        mtu = strtoul(w[n - 1], &end, 10);
        if (*end || mtu < 68 || mtu > 65535)
            return FAIL("mtu '%s' is not from 68 to 65535", w[n - 1]);
        n -= 2;
    }
    if (n < 3)
        return parse_link_kind(link, w, 2, err);
    if (!link_name_ok(w[2]))
        return FAIL("'%s' is not an interface name (up to %d letters, digits, '.', '-', '_')", w[2],
                    CONFIG_LINK_NAME - 1);
    if (config_link_named(cfg, w[2]))
        return FAIL("a network-link named %s is already there", w[2]);
    if ((at = parse_link_kind(link, w, n, err)) < 0)
        return -1;
    strcpy(link->name, w[2]);
    if (parse_lower(cfg, link, w[at], err) < 0)
        return -1;
    if (link->kind == LINK_VLAN && link->nlower != 1)
        return FAIL("a VLAN is on one device, not '%s'", w[at]);
    link->mtu = (unsigned)mtu;
    cfg->nlinks++;
    return 0;
}

int config_net_interface(struct config *cfg, char **w, int n, struct lb_error *err)
{
    struct config_interface *in;
    struct config_dev dev;

    if (cfg->ninterfaces == CONFIG_MAX_INTERFACES)
        return FAIL("more than %d interfaces", CONFIG_MAX_INTERFACES);
    in = &cfg->interfaces[cfg->ninterfaces];
    memset(in, 0, sizeof(*in));
    if (n < 2 || parse_dev(cfg, w[1], &dev) < 0)
        return FAIL("expected 'interface MAC|LINK [mtu N] [address A/P]...' with MAC as "
                    "52:54:00:12:34:56, LINK the name of an earlier network-link line");
    memcpy(in->mac, dev.mac, 6);
    strcpy(in->name, dev.name);
    for (int i = 2; i < n; i += 2) {
        if (strcmp(w[i], "dhcp") == 0 || strcmp(w[i], "slaac") == 0 || strcmp(w[i], "dhcp6") == 0) {
            if (w[i][4] == '6')
                in->ipv6 = IPV6_DHCP6;
            else if (w[i][0] == 's')
                in->ipv6 = IPV6_SLAAC;
            else
                in->dhcp = 1;
            i--; /* a word alone */
            continue;
        }
        if (i + 1 == n)
            return FAIL("'%s' needs a value", w[i]);
        if (strcmp(w[i], "mtu") == 0) {
            char *end;
            unsigned long mtu = strtoul(w[i + 1], &end, 10);
            if (*end || mtu < 68 || mtu > 65535)
                return FAIL("mtu '%s' is not from 68 to 65535", w[i + 1]);
            in->mtu = (unsigned)mtu;
        } else if (strcmp(w[i], "address") == 0 || strcmp(w[i], "fallback") == 0) {
            if (in->naddresses == CONFIG_MAX_ADDRESSES)
                return FAIL("more than %d addresses on one interface", CONFIG_MAX_ADDRESSES);
            if (net_addr_parse(w[i + 1], &in->addresses[in->naddresses]) < 0 ||
                !strchr(w[i + 1], '/'))
                return FAIL("'%s' is not an address with its prefix (10.0.2.15/24)", w[i + 1]);
            in->fallback[in->naddresses] = w[i][0] == 'f';
            if (in->fallback[in->naddresses] && in->addresses[in->naddresses].family != AF_INET6)
                return FAIL("a fallback address is an IPv6 one SLAAC gave, not '%s'", w[i + 1]);
            in->naddresses++;
        } else {
            return FAIL("unknown interface setting '%s' (mtu, address, fallback, dhcp, slaac, "
                        "dhcp6)",
                        w[i]);
        }
    }
    for (size_t k = 0; k < in->naddresses; k++)
        if (in->fallback[k] && in->ipv6 != IPV6_SLAAC)
            return FAIL("a fallback address is for an interface whose IPv6 comes by 'slaac'");
    cfg->ninterfaces++;
    return 0;
}

int config_net_route(struct config *cfg, char **w, int n, struct lb_error *err)
{
    struct config_route *r;
    int i = 2;

    if (cfg->nroutes == CONFIG_MAX_ROUTES)
        return FAIL("more than %d routes", CONFIG_MAX_ROUTES);
    r = &cfg->routes[cfg->nroutes];
    memset(r, 0, sizeof(*r));
    if (n < 4)
        return FAIL("expected 'route DEST/P|default [via GATEWAY] dev MAC'");
    if (strcmp(w[1], "default") == 0) /* prefix 0, of the gateway's family (IPv4 without one) */
        r->destination.family = strcmp(w[2], "via") == 0 && strchr(w[3], ':') ? AF_INET6 : AF_INET;
    else if (net_addr_parse(w[1], &r->destination) < 0)
        return FAIL("'%s' is not a destination (192.0.2.0/24, default)", w[1]);
    if (strcmp(w[i], "via") == 0 && i + 1 < n) {
        if (net_addr_parse(w[i + 1], &r->gateway) < 0 || r->gateway.family != r->destination.family)
            return FAIL("gateway '%s' is not an address of the destination's family", w[i + 1]);
        i += 2;
    }
    struct config_dev dev;
    if (i + 2 != n || strcmp(w[i], "dev") != 0 || parse_dev(cfg, w[i + 1], &dev) < 0)
        return FAIL("expected 'dev MAC' or 'dev LINK' (an earlier network-link) at the end of "
                    "the route");
    memcpy(r->mac, dev.mac, 6);
    strcpy(r->name, dev.name);
    cfg->nroutes++;
    return 0;
}

int target_url_line_format(const struct target *t, char *buf, size_t len)
{
    int n = snprintf(buf, len, "target %s", t->shown);
    size_t used;

    if (n >= 0 && (size_t)n < len && t->address[0])
        n += snprintf(buf + n, len - (size_t)n, " address %s", t->address);
    if (n < 0 || (size_t)n >= len)
        return -1;
    used = (size_t)n;
    if (t->kind->format_options && t->kind->format_options(t, buf, len, &used) < 0)
        return -1;
    n = snprintf(buf + used, len - used, "\n");
    return n < 0 || (size_t)n >= len - used ? -1 : 0;
}

static int append(char *buf, size_t len, size_t *used, const char *text)
{
    size_t n = strlen(text);

    if (*used + n >= len)
        return -1;
    memcpy(buf + *used, text, n + 1);
    *used += n;
    return 0;
}

static const char *const link_kinds[] = {"vlan", "bond", "bridge"};

void config_net_format_link(const struct config_link *link, char *line, size_t len)
{
    char dev[20];
    int n = snprintf(line, len, "network-link %s %s ", link_kinds[link->kind], link->name);

    if (link->kind == LINK_VLAN)
        n += snprintf(line + n, len - (size_t)n, "id %u on ", link->vlan_id);
    else if (link->kind == LINK_BOND)
        n += snprintf(line + n, len - (size_t)n, "mode %s slaves ",
                      link->bond_mode == BOND_8023AD ? "802.3ad" : "active-backup");
    else
        n += snprintf(line + n, len - (size_t)n, "ports ");
    for (size_t k = 0; k < link->nlower && (size_t)n < len; k++) {
        config_dev_format(&link->lower[k], dev, sizeof(dev));
        n += snprintf(line + n, len - (size_t)n, "%s%s", k ? "," : "", dev);
    }
    if (link->mtu && (size_t)n < len)
        n += snprintf(line + n, len - (size_t)n, " mtu %u", link->mtu);
    if ((size_t)n < len)
        snprintf(line + n, len - (size_t)n, "\n");
}

int config_net_format_links(const struct config *cfg, char *buf, size_t len, size_t *used)
{
    char line[512];

    for (size_t i = 0; i < cfg->nlinks; i++) {
        config_net_format_link(&cfg->links[i], line, sizeof(line));
        if (append(buf, len, used, line) < 0)
            return -1;
    }
    return 0;
}

int config_net_format_interfaces(const struct config *cfg, char *buf, size_t len, size_t *used)
{
    char line[512], mac[20], a[64];

    for (size_t i = 0; i < cfg->ninterfaces; i++) {
        const struct config_interface *in = &cfg->interfaces[i];
        struct config_dev dev;
        memset(&dev, 0, sizeof(dev));
        memcpy(dev.mac, in->mac, 6);
        strcpy(dev.name, in->name);
        config_dev_format(&dev, mac, sizeof(mac));
        int n = snprintf(line, sizeof(line), "interface %s", mac);
        if (in->mtu)
            n += snprintf(line + n, sizeof(line) - (size_t)n, " mtu %u", in->mtu);
        for (size_t k = 0; k < in->naddresses; k++) {
            net_addr_format(&in->addresses[k], 1, a, sizeof(a));
            n += snprintf(line + n, sizeof(line) - (size_t)n, " %s %s",
                          in->fallback[k] ? "fallback" : "address", a);
        }
        if (in->dhcp)
            n += snprintf(line + n, sizeof(line) - (size_t)n, " dhcp");
        if (in->ipv6)
            n += snprintf(line + n, sizeof(line) - (size_t)n, " %s",
                          in->ipv6 == IPV6_SLAAC ? "slaac" : "dhcp6");
        snprintf(line + n, sizeof(line) - (size_t)n, "\n");
        if (append(buf, len, used, line) < 0)
            return -1;
    }
    return 0;
}

int config_net_format_routes(const struct config *cfg, char *buf, size_t len, size_t *used)
{
    char line[512], mac[20], a[64], b[64];

    for (size_t i = 0; i < cfg->nroutes; i++) {
        const struct config_route *r = &cfg->routes[i];
        struct config_dev dev;
        memset(&dev, 0, sizeof(dev));
        memcpy(dev.mac, r->mac, 6);
        strcpy(dev.name, r->name);
        config_dev_format(&dev, mac, sizeof(mac));
        if (r->destination.prefix)
            net_addr_format(&r->destination, 1, a, sizeof(a));
        else /* "default" reads as IPv4 without a gateway: IPv6's is written whole */
            snprintf(a, sizeof(a), "%s", r->destination.family == AF_INET6 ? "::/0" : "default");
        if (r->gateway.family) {
            net_addr_format(&r->gateway, 0, b, sizeof(b));
            snprintf(line, sizeof(line), "route %s via %s dev %s\n", a, b, mac);
        } else {
            snprintf(line, sizeof(line), "route %s dev %s\n", a, mac);
        }
        if (append(buf, len, used, line) < 0)
            return -1;
    }
    return 0;
}
