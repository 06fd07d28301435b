/*
 * dhcp.c - DHCPv4 (RFC 2131, options RFC 2132) for the crash kernel.
 *
 * A UDP socket bound to port 68 on the one interface, the broadcast flag
 * set so the server answers to the broadcast address (the kernel would
 * drop a unicast to an address the interface does not have yet).  Every
 * reply is from the network, so bounded: the fixed header, the magic
 * cookie, then options whose lengths are checked against what arrived.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "platform/dhcp.h"

enum {
    BOOTP_FIXED = 236, /* op .. file */
    DHCP_MAX = 576,
    OPT_PAD = 0,
    OPT_MASK = 1,
    OPT_ROUTER = 3,
    OPT_REQUESTED = 50,
    OPT_TYPE = 53,
    OPT_SERVER = 54,
    OPT_PARAMS = 55,
    OPT_END = 255,
    DISCOVER = 1,
    OFFER = 2,
    REQUEST = 3,
    ACK = 5,
    NAK = 6,
};

static const uint8_t cookie[4] = {99, 130, 83, 99};

static size_t build(uint8_t *m, int type, uint32_t xid, const uint8_t mac[6],
                    const struct dhcp_reply *offer)
{
    size_t n = BOOTP_FIXED;

    memset(m, 0, DHCP_MAX);
    m[0] = 1; /* BOOTREQUEST */
    m[1] = 1; /* Ethernet */
    m[2] = 6;
    memcpy(m + 4, &xid, 4);
    m[10] = 0x80; /* flags: broadcast the reply */
    memcpy(m + 28, mac, 6);
    memcpy(m + n, cookie, 4);
    n += 4;
    m[n++] = OPT_TYPE, m[n++] = 1, m[n++] = (uint8_t)type;
    if (offer) {
        m[n++] = OPT_REQUESTED, m[n++] = 4;
        memcpy(m + n, offer->yiaddr, 4), n += 4;
        m[n++] = OPT_SERVER, m[n++] = 4;
        memcpy(m + n, offer->server, 4), n += 4;
    }
    m[n++] = OPT_PARAMS, m[n++] = 2, m[n++] = OPT_MASK, m[n++] = OPT_ROUTER;
    m[n++] = OPT_END;
    return n < 300 ? 300 : n; /* BOOTP's minimum, which some relays insist on */
}

int dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const uint8_t mac[6],
               struct dhcp_reply *r)
{
    size_t at = BOOTP_FIXED + 4;

    memset(r, 0, sizeof(*r));
    if (len < at || msg[0] != 2 || msg[1] != 1 || msg[2] != 6 || memcmp(msg + 4, &xid, 4) != 0 ||
        memcmp(msg + 28, mac, 6) != 0 || memcmp(msg + BOOTP_FIXED, cookie, 4) != 0)
        return -1;
    memcpy(r->yiaddr, msg + 16, 4);
    while (at < len && msg[at] != OPT_END) {
        uint8_t code = msg[at], olen;
        if (code == OPT_PAD) {
            at++;
            continue;
        }
        if (at + 2 > len || at + 2 + (olen = msg[at + 1]) > len)
            return -1; /* an option that runs past the message */
        const uint8_t *v = msg + at + 2;
        if (code == OPT_TYPE && olen == 1)
            r->type = v[0];
        else if (code == OPT_MASK && olen == 4)
            memcpy(r->mask, v, 4), r->has_mask = 1;
        else if (code == OPT_ROUTER && olen >= 4 && olen % 4 == 0)
            memcpy(r->router, v, 4), r->has_router = 1; /* the first of the list */
        else if (code == OPT_SERVER && olen == 4)
            memcpy(r->server, v, 4), r->has_server = 1;
        at += 2u + olen;
    }
    return r->type ? 0 : -1;
}

static unsigned mask_prefix(const uint8_t mask[4])
{
    uint32_t m =
        ((uint32_t)mask[0] << 24) | ((uint32_t)mask[1] << 16) | ((uint32_t)mask[2] << 8) | mask[3];
    unsigned prefix = 0;

    while (prefix < 32 && (m & (0x80000000u >> prefix)))
        prefix++;
    return prefix;
}

/*
 * Is r the answer to the REQUEST for offer?  It must come from the server
 * that made the offer (its identifier, which RFC 2131 has every ACK and NAK
 * carry), an ACK for the address offered.  Any other host on the link could
 * otherwise hand the capture an address and a router of its choosing.
 */
static int answers_request(const struct dhcp_reply *r, const struct dhcp_reply *offer)
{
    if (!r->has_server || memcmp(r->server, offer->server, 4) != 0)
        return 0;
    return r->type == NAK || (r->type == ACK && memcmp(r->yiaddr, offer->yiaddr, 4) == 0);
}

/*
 * The next reply for this exchange until deadline: an OFFER (or a NAK) when
 * offer is NULL, else the offering server's answer to the REQUEST for it.
 */
static int await(int fd, uint32_t xid, const uint8_t mac[6], const struct dhcp_reply *offer,
                 const struct timespec *end, struct dhcp_reply *r)
{
    uint8_t buf[1500];

    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)ms) <= 0)
            continue;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            continue;
        if (dhcp_parse(buf, (size_t)n, xid, mac, r) < 0)
            continue;
        if (offer ? answers_request(r, offer) : (r->type == OFFER || r->type == NAK))
            return 0;
    }
}

static int open_socket(const char *ifname, struct lb_error *err)
{
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(68)};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
        bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "DHCP on %s: %s", ifname, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int dhcp_acquire(const char *ifname, const uint8_t mac[6], unsigned seconds,
                 struct dhcp_lease *lease, struct lb_error *err)
{
    struct sockaddr_in all = {
        .sin_family = AF_INET, .sin_port = htons(67), .sin_addr.s_addr = htonl(INADDR_BROADCAST)};
    struct dhcp_reply offer, ack;
    struct timespec end;
    uint8_t msg[DHCP_MAX];
    uint32_t xid;
    int fd = open_socket(ifname, err);

    if (fd < 0)
        return -1;
    if (getrandom(&xid, sizeof(xid), GRND_NONBLOCK) != sizeof(xid))
        xid = (uint32_t)time(NULL) ^ ((uint32_t)mac[5] << 24);
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += seconds;
    /* a DISCOVER every 2 s until an OFFER, then the REQUEST for it */
    for (int got = -1; got < 0;) {
        struct timespec now, wait;
        size_t n = build(msg, DISCOVER, xid, mac, NULL);
        sendto(fd, msg, n, 0, (struct sockaddr *)&all, sizeof(all));
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec >= end.tv_sec) {
            lb_error_setk(err, LB_ERR_SYSTEM, "no DHCP server answered on %s in %u s", ifname,
                          seconds);
            close(fd);
            return -1;
        }
        wait = now;
        wait.tv_sec += 2;
        if (wait.tv_sec > end.tv_sec)
            wait = end;
        got = await(fd, xid, mac, NULL, &wait, &offer);
        if (got == 0 && (offer.type != OFFER || !offer.has_server))
            got = -1;
    }
    size_t n = build(msg, REQUEST, xid, mac, &offer);
    sendto(fd, msg, n, 0, (struct sockaddr *)&all, sizeof(all));
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += 5;
    int r = await(fd, xid, mac, &offer, &end, &ack);
    close(fd);
    if (r < 0 || ack.type != ACK) {
        lb_error_setk(err, LB_ERR_SYSTEM, "the DHCP server on %s %s", ifname,
                      r < 0 ? "offered an address, then did not answer the request"
                            : "said no (NAK)");
        return -1;
    }
    memset(lease, 0, sizeof(*lease));
    lease->address.family = AF_INET;
    memcpy(lease->address.bytes, ack.yiaddr, 4);
    lease->address.prefix = ack.has_mask ? mask_prefix(ack.mask) : 24;
    if (ack.has_router || offer.has_router) {
        lease->router.family = AF_INET;
        memcpy(lease->router.bytes, ack.has_router ? ack.router : offer.router, 4);
        lease->router.prefix = 32;
    }
    lease->server.family = AF_INET;
    memcpy(lease->server.bytes, offer.server, 4);
    lease->server.prefix = 32;
    return 0;
}
