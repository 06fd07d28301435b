/*
 * dhcp6.c - DHCPv6 (RFC 8415) for the crash kernel: one IA_NA address.
 *
 * A UDP socket on port 546 of the one interface, messages to the
 * All_DHCP_Relay_Agents_and_Servers group (ff02::1:2) from the link-local
 * address.  The client is DUID-LL (type 3) made from the NIC's MAC, and its
 * IAID the MAC's last four bytes: the same in every crash kernel of the
 * machine, so a server that keeps bindings gives the same address again.
 *
 * Every message from the network is hostile: an option is read only when
 * its whole length arrived, an IA only its own, nested options within their
 * parent's length; a message not for this transaction and this client's
 * DUID is not one.  The first server to offer an address is taken (a
 * capture does not wait out the rest of a first retransmission time for a
 * better one), and its Reply is taken only from it (its Server Identifier);
 * one that then does not lease is asked no more, and the others are
 * solicited again while time is left.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "platform/dhcp6.h"

enum {
    SOLICIT = 1,
    ADVERTISE = 2,
    REQUEST = 3,
    REPLY = 7,
    OPT_CLIENTID = 1,
    OPT_SERVERID = 2,
    OPT_IA_NA = 3,
    OPT_IAADDR = 5,
    OPT_ORO = 6,
    OPT_ELAPSED = 8,
    OPT_STATUS = 13,
    OPT_RAPID = 14,
    OPT_SOL_MAX_RT = 82,
    DUID_LEN = 10, /* DUID-LL: type 3, hardware type 1 (Ethernet), the MAC */
    MSG_MAX = 256, /* the longest message this client sends, with room */
};

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void duid(const uint8_t mac[6], uint8_t out[DUID_LEN])
{
    out[0] = 0, out[1] = 3, out[2] = 0, out[3] = 1;
    memcpy(out + 4, mac, 6);
}

/* An option's header at p with len bytes of data to follow: p past the header. */
static uint8_t *opt(uint8_t *p, unsigned code, size_t len)
{
    p[0] = (uint8_t)(code >> 8), p[1] = (uint8_t)code;
    p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len;
    return p + 4;
}

size_t dhcp6_build(uint8_t *buf, size_t len, int type, const uint8_t xid[3], const uint8_t mac[6],
                   unsigned elapsed_cs, const struct dhcp6_reply *chosen)
{
    uint8_t *p = buf;
    int request = type == REQUEST && chosen;

    if (len < MSG_MAX || (type == REQUEST && !chosen) ||
        (chosen && chosen->server_id_len > DHCP6_SERVER_ID_MAX))
        return 0;
    memset(buf, 0, MSG_MAX);
    *p++ = (uint8_t)type;
    memcpy(p, xid, 3), p += 3;
    duid(mac, opt(p, OPT_CLIENTID, DUID_LEN)), p += 4 + DUID_LEN;
    if (request) {
        memcpy(opt(p, OPT_SERVERID, chosen->server_id_len), chosen->server_id,
               chosen->server_id_len);
        p += 4 + chosen->server_id_len;
    }
    p = opt(p, OPT_ELAPSED, 2);
    elapsed_cs = elapsed_cs > 0xffff ? 0xffff : elapsed_cs;
    *p++ = (uint8_t)(elapsed_cs >> 8), *p++ = (uint8_t)elapsed_cs;
    p = opt(p, OPT_ORO, 2); /* a Solicit must ask for something: the server's SOL_MAX_RT */
    *p++ = 0, *p++ = OPT_SOL_MAX_RT;
    if (type == SOLICIT)
        p = opt(p, OPT_RAPID, 0); /* a server that may answers with its Reply at once */
    uint8_t *ia = opt(p, OPT_IA_NA, request && chosen->has_address ? 12 + 4 + 24 : 12);
    memcpy(ia, mac + 2, 4); /* IAID; T1 and T2 0: the server's choice */
    p = ia + 12;
    if (request && chosen->has_address) { /* the address the server offered */
        p = opt(p, OPT_IAADDR, 24);
        memcpy(p, chosen->address, 16);
        p += 24; /* lifetimes 0: the server's choice */
    }
    return (size_t)(p - buf);
}

/*
 * An address the server may lend: not multicast, link-local or site-local
 * (fec0::/10, deprecated), nor in ::/96 (unspecified, loopback, IPv4-compatible)
 * or ::ffff:0:0/96 (IPv4-mapped), which are not addresses of an IPv6 link.
 */
static int lendable(const uint8_t a[16])
{
    static const uint8_t zero[10];

    if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0x80) == 0x80))
        return 0;
    return memcmp(a, zero, 10) != 0 ||
           !((a[10] == 0 && a[11] == 0) || (a[10] == 0xff && a[11] == 0xff));
}

/* Our IA_NA's options (v, len past the IAID, T1, T2): its first usable address, its status. */
static void parse_ia(const uint8_t *v, size_t len, struct dhcp6_reply *r, int *status)
{
    for (size_t at = 0; len - at >= 4;) {
        unsigned code = get16(v + at), olen = get16(v + at + 2);
        if (olen > len - at - 4)
            return; /* runs past its IA: the rest is not read */
        const uint8_t *o = v + at + 4;
        if (code == OPT_STATUS && olen >= 2) {
            *status = get16(o);
        } else if (code == OPT_IAADDR && olen >= 24 && !r->has_address) {
            uint32_t preferred = get32(o + 16), valid = get32(o + 20);
            /* RFC 8415 21.6: a preferred lifetime past the valid one, or no valid one: ignored */
            if (valid && preferred <= valid && lendable(o)) {
                memcpy(r->address, o, 16);
                r->preferred = preferred, r->valid = valid;
                r->has_address = 1;
            }
        }
        at += 4 + olen;
    }
}

int dhcp6_parse(const uint8_t *msg, size_t len, const uint8_t xid[3], const uint8_t mac[6],
                struct dhcp6_reply *r)
{
    uint8_t mine[DUID_LEN], iaid[4];
    int ours = 0, status = -1, ia_status = 0;

    memset(r, 0, sizeof(*r));
    if (len < 4 || (msg[0] != ADVERTISE && msg[0] != REPLY) || memcmp(msg + 1, xid, 3) != 0)
        return -1;
    r->type = msg[0];
    duid(mac, mine);
    memcpy(iaid, mac + 2, 4);
    for (size_t at = 4; at < len;) {
        if (len - at < 4)
            return -1;
        unsigned code = get16(msg + at), olen = get16(msg + at + 2);
        const uint8_t *v = msg + at + 4;
        if (olen > len - at - 4)
            return -1; /* an option that runs past the message */
        if (code == OPT_CLIENTID)
            ours = olen == DUID_LEN && memcmp(v, mine, DUID_LEN) == 0;
        else if (code == OPT_SERVERID && olen >= 3 && olen <= DHCP6_SERVER_ID_MAX)
            memcpy(r->server_id, v, olen), r->server_id_len = olen;
        else if (code == OPT_IA_NA && olen >= 12 && memcmp(v, iaid, 4) == 0)
            parse_ia(v + 12, olen - 12u, r, &ia_status);
        else if (code == OPT_STATUS && olen >= 2)
            status = get16(v);
        else if (code == OPT_RAPID && olen == 0)
            r->rapid = 1;
        at += 4 + olen;
    }
    if (!ours || !r->server_id_len)
        return -1;
    r->status = status >= 0 ? status : ia_status;
    return 0;
}

static long ms_until(const struct timespec *end)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
}

enum { MAX_REFUSED = 4 }; /* servers that offered, then did not lease: asked no more */

struct exchange {
    int fd, ifindex;
    uint8_t xid[3];
    const uint8_t *mac;
    struct timespec start, end;
    struct sockaddr_in6 from;
    struct dhcp6_reply refused[MAX_REFUSED];
    size_t nrefused;
};

static int same_server(const struct dhcp6_reply *a, const struct dhcp6_reply *b)
{
    return a->server_id_len == b->server_id_len &&
           memcmp(a->server_id, b->server_id, a->server_id_len) == 0;
}

/* Is r an answer to a message of type (a Request for chosen)? */
static int answers(const struct exchange *x, int type, const struct dhcp6_reply *chosen,
                   const struct dhcp6_reply *r)
{
    if (type == SOLICIT) { /* an offer, or a Rapid Commit Reply with the address */
        for (size_t i = 0; i < x->nrefused; i++)
            if (same_server(r, &x->refused[i]))
                return 0;
        return r->status == 0 && r->has_address &&
               (r->type == ADVERTISE || (r->type == REPLY && r->rapid));
    }
    return r->type == REPLY && same_server(r, chosen);
}

/* The next answer to a message of type until ms pass (or the exchange's end). */
static int await(struct exchange *x, int type, const struct dhcp6_reply *chosen, long ms,
                 struct dhcp6_reply *r)
{
    struct timespec until;
    uint8_t buf[1500];

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000)
        until.tv_sec++, until.tv_nsec -= 1000000000;
    for (;;) {
        /* Each bound read once, then used: read again, a deadline just past gave poll -1
         * (forever), and PID 1 waited on a silent network. */
        long left = ms_until(&until), to_end = ms_until(&x->end);
        if (to_end < left)
            left = to_end;
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = x->fd, .events = POLLIN};
        socklen_t fl = sizeof(x->from);
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t n =
            recvfrom(x->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&x->from, &fl);
        if (n > 0 && dhcp6_parse(buf, (size_t)n, x->xid, x->mac, r) == 0 &&
            answers(x, type, chosen, r))
            return 0;
    }
}

/* A message of type sent at 1, 2, 4, 4... s (RFC 8415's doubling, cut short) until answered. */
static int exchange(struct exchange *x, int type, const struct dhcp6_reply *chosen,
                    struct dhcp6_reply *r)
{
    struct sockaddr_in6 all = {
        .sin6_family = AF_INET6, .sin6_port = htons(547), .sin6_scope_id = (uint32_t)x->ifindex};
    uint8_t msg[MSG_MAX];

    inet_pton(AF_INET6, "ff02::1:2", &all.sin6_addr);
    for (long rt = 1000; ms_until(&x->end) > 0; rt = rt < 4000 ? rt * 2 : 4000) {
        long cs = -ms_until(&x->start) / 10;
        size_t n = dhcp6_build(msg, sizeof(msg), type, x->xid, x->mac, (unsigned)cs, chosen);
        sendto(x->fd, msg, n, 0, (struct sockaddr *)&all, sizeof(all)); /* a loss is sent again */
        if (await(x, type, chosen, rt, r) == 0)
            return 0;
    }
    return -1;
}

/* A transaction id: random, or (no entropy yet, early in a crash kernel) the clock's
 * nanoseconds mixed with the MAC: not guessable from the MAC alone, never the last one. */
static void new_xid(struct exchange *x)
{
    uint8_t old[3];
    struct timespec t;

    memcpy(old, x->xid, 3);
    if (getrandom(x->xid, sizeof(x->xid), GRND_NONBLOCK) != sizeof(x->xid)) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        for (size_t i = 0; i < 3; i++)
            x->xid[i] = (uint8_t)(x->mac[3 + i] ^ (t.tv_nsec >> (8 * i)));
    }
    if (!memcmp(old, x->xid, 3))
        x->xid[2]++;
}

static int open_socket(const char *ifname, struct lb_error *err)
{
    struct sockaddr_in6 any = {.sin6_family = AF_INET6, .sin6_port = htons(546)};
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
        bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "DHCPv6 on %s: %s", ifname, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int dhcp6_acquire(const char *ifname, int ifindex, const uint8_t mac[6], unsigned seconds,
                  struct dhcp6_lease *lease, struct lb_error *err)
{
    struct exchange x = {.ifindex = ifindex, .mac = mac};
    struct dhcp6_reply chosen, reply;
    int r;

    if ((x.fd = open_socket(ifname, err)) < 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &x.start);
    x.end = x.start;
    x.end.tv_sec += seconds;
    /* A server that offers, then does not lease (a refusal, or silence), is asked no more: the
     * others are solicited again while time is left, so a fast stray cannot stop the lease. */
    for (;;) {
        new_xid(&x);
        if (exchange(&x, SOLICIT, NULL, &chosen) < 0) {
            lb_error_setk(err, LB_ERR_SYSTEM, "no DHCPv6 server offered an address on %s in %u s%s",
                          ifname, seconds,
                          x.nrefused ? " (but one that did not lease it when asked)" : "");
            close(x.fd);
            return -1;
        }
        reply = chosen;
        if (chosen.type != REPLY) /* a Request is a new transaction (RFC 8415 18.2.2) */
            new_xid(&x);
        r = chosen.type == REPLY ? 0 : exchange(&x, REQUEST, &chosen, &reply);
        if (r == 0 && reply.status == 0 && reply.has_address)
            break;
        if (x.nrefused == MAX_REFUSED || ms_until(&x.end) <= 0) {
            close(x.fd);
            lb_error_setk(err, LB_ERR_SYSTEM, "the DHCPv6 server on %s %s (status %d)", ifname,
                          r < 0 ? "offered an address, then did not answer the request"
                                : "leased no address",
                          r < 0 ? -1 : reply.status);
            return -1;
        }
        x.refused[x.nrefused++] = chosen;
    }
    close(x.fd);
    memset(lease, 0, sizeof(*lease));
    lease->address.family = AF_INET6;
    memcpy(lease->address.bytes, reply.address, 16);
    lease->address.prefix = 128;
    lease->preferred = reply.preferred, lease->valid = reply.valid;
    lease->server.family = AF_INET6;
    memcpy(lease->server.bytes, &x.from.sin6_addr, 16);
    lease->server.prefix = 128;
    return 0;
}
