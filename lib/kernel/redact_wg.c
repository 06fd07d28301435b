/*
 * redact_wg.c - WireGuard's keys, for redaction's keys class.
 *
 * A WireGuard interface is a net_device of kind "wireguard" (its
 * rtnl_link_ops' kind) on its network namespace's device list (every
 * namespace on net_namespace_list, dev_base_head, linked by dev_list); its
 * private area (net_device.priv since Linux 6.11, else the struct's size
 * rounded to 32) is a struct wg_device whose dev points back.  Its
 * static_identity holds the interface's private key; every peer on its
 * peer_list has a handshake (the ephemeral private key, the preshared key,
 * the static-static DH result, the chaining key and hash) and up to three
 * keypairs (current, previous, next) whose sending and receiving keys are
 * the session's; the cookie checker's secret (what the interface's cookies
 * are made from) and each peer's latest cookie go too, where the module's
 * BTF has them as this walk knows them (said otherwise, never failed: they
 * guard against floods, not the traffic).  Public keys are left.  WireGuard is a module in
 * distribution kernels: its types come from its BTF, as tls's do
 * (redact_net.c); not loaded means no interface.
 *
 * Everything read is hostile: lists are walked with Brent's check and the
 * shared budget of steps (a list that loops or breaks fails the class), key
 * sizes come from BTF and are bounded.
 */
#include <bpf/btf.h>
#include <stddef.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/redact.h"

enum {
    MAX_NETS = 1 << 16,
    MAX_DEVS = 1 << 20,
    MAX_PEERS = 1 << 20,
    MAX_KEY = 256,
    NETDEV_ALIGN = 32,
};

#define MISSING BTF_MISSING

struct wg_layout {
    uint64_t net_list, devs, dev_list, link_ops, kind, priv; /* the kernel's */
    uint64_t wg_dev, identity, private, private_size, peers, peer, hs, kps, sending, receiving, key,
        key_size; /* wireguard's */
    uint64_t hs_key[5], hs_size[5], kp[3];
    uint64_t checker, secret, secret_size, latest, cookie, cookie_size; /* MISSING: not known */
};

#define W(f) (uint8_t)(offsetof(struct wg_layout, f) / 8)
#define NS   REDACT_NO_SIZE
static const struct redact_member wg_needs[] = {
    {"wg_device", "dev", W(wg_dev), NS},
    {"wg_device", "static_identity", W(identity), NS},
    {"noise_static_identity", "static_private", W(private), W(private_size)},
    {"wg_device", "peer_list", W(peers), NS},
    {"wg_peer", "peer_list", W(peer), NS},
    {"wg_peer", "handshake", W(hs), NS},
    {"wg_peer", "keypairs", W(kps), NS},
    {"noise_keypair", "sending", W(sending), NS},
    {"noise_keypair", "receiving", W(receiving), NS},
    {"noise_symmetric_key", "key", W(key), W(key_size)},
    {"noise_handshake", "ephemeral_private", W(hs_key[0]), W(hs_size[0])},
    {"noise_handshake", "precomputed_static_static", W(hs_key[1]), W(hs_size[1])},
    {"noise_handshake", "preshared_key", W(hs_key[2]), W(hs_size[2])},
    {"noise_handshake", "chaining_key", W(hs_key[3]), W(hs_size[3])},
    {"noise_handshake", "hash", W(hs_key[4]), W(hs_size[4])},
    {"noise_keypairs", "current_keypair", W(kp[0]), NS},
    {"noise_keypairs", "previous_keypair", W(kp[1]), NS},
    {"noise_keypairs", "next_keypair", W(kp[2]), NS},
};
static const struct redact_member dev_needs[] = {
    {"net", "list", W(net_list), NS},
    {"net", "dev_base_head", W(devs), NS},
    {"net_device", "dev_list", W(dev_list), NS},
    {"net_device", "rtnl_link_ops", W(link_ops), NS},
    {"rtnl_link_ops", "kind", W(kind), NS},
};

/* The cookies' secrets, where wireguard's BTF has them; checker MISSING otherwise. */
static void cookie_layout(const struct btf *b, struct wg_layout *l)
{
    int dev = lb_btf_struct(b, "wg_device"), checker = lb_btf_struct(b, "cookie_checker"),
        peer = lb_btf_struct(b, "wg_peer"), cookie = lb_btf_struct(b, "cookie");

    l->checker = lb_btf_member_offset(b, dev, "cookie_checker");
    l->secret = lb_btf_member_offset(b, checker, "secret");
    l->secret_size = lb_btf_member_size(b, checker, "secret");
    l->latest = lb_btf_member_offset(b, peer, "latest_cookie");
    l->cookie = lb_btf_member_offset(b, cookie, "cookie");
    l->cookie_size = lb_btf_member_size(b, cookie, "cookie");
    if (l->secret == MISSING || l->latest == MISSING || l->cookie == MISSING || !l->secret_size ||
        l->secret_size > MAX_KEY || !l->cookie_size || l->cookie_size > MAX_KEY)
        l->checker = MISSING;
}

static int wg_layout(const struct btf *b, struct wg_layout *l, struct lb_error *err)
{
    uint64_t *w = (uint64_t *)l;
    int bad = lb_redact_members(b, wg_needs, sizeof(wg_needs) / sizeof(wg_needs[0]), NULL, w);

    for (size_t i = 0; i < sizeof(wg_needs) / sizeof(wg_needs[0]); i++) /* the keys' sizes */
        bad |= wg_needs[i].size_at != NS &&
               (!w[wg_needs[i].size_at] || w[wg_needs[i].size_at] > MAX_KEY);
    if (bad) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "wireguard's BTF lacks a member of wg_device, wg_peer or noise_* the walk "
                      "reads, or a key's size");
        return -1;
    }
    cookie_layout(b, l);
    return 0;
}

/* The kernel's: namespaces' devices, their kind, their private area. */
static int dev_layout(const struct btf *b, struct wg_layout *l, struct lb_error *err)
{
    uint64_t size = lb_btf_struct_size(b, "net_device");

    l->priv = lb_btf_member_offset(b, lb_btf_struct(b, "net_device"), "priv");
    if (l->priv == MISSING)
        l->priv = (size + NETDEV_ALIGN - 1) & ~(uint64_t)(NETDEV_ALIGN - 1);
    if (lb_redact_members(b, dev_needs, sizeof(dev_needs) / sizeof(dev_needs[0]), NULL,
                          (uint64_t *)l) ||
        !size) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "the kernel's BTF lacks net.dev_base_head, net_device's dev_list or "
                      "rtnl_link_ops, or rtnl_link_ops.kind");
        return -1;
    }
    return 0;
}

/* A peer (node: its peer_list): its handshake's secrets, its keypairs' keys. */
static int peer(struct redact_ctx *c, void *arg, uint64_t node, struct lb_error *err)
{
    struct wg_layout *l = arg;
    uint64_t p = node - l->peer;

    (void)err;
    for (size_t i = 0; i < 5; i++)
        lb_redact_virt(c, LB_REDACT_KEYS, "noise_handshake secrets (WireGuard)",
                       p + l->hs + l->hs_key[i], l->hs_size[i]);
    for (size_t i = 0; i < 3; i++) {
        uint64_t kp = lb_redact_read_u64(c, p + l->kps + l->kp[i]);
        if (!kp || !lb_redact_step(c))
            continue;
        lb_redact_virt(c, LB_REDACT_KEYS, "noise_keypair keys (WireGuard)",
                       kp + l->sending + l->key, l->key_size);
        lb_redact_virt(c, LB_REDACT_KEYS, "noise_keypair keys (WireGuard)",
                       kp + l->receiving + l->key, l->key_size);
    }
    if (l->checker != MISSING)
        lb_redact_virt(c, LB_REDACT_KEYS, "cookie secrets (WireGuard)", p + l->latest + l->cookie,
                       l->cookie_size);
    return 0;
}

/* A device (node: its dev_list): if a WireGuard interface, its keys and its peers'. */
static int device(struct redact_ctx *c, void *arg, uint64_t node, struct lb_error *err)
{
    struct wg_layout *l = arg;
    uint64_t dev = node - l->dev_list, wg = dev + l->priv;
    uint64_t ops = lb_redact_read_u64(c, dev + l->link_ops);
    uint64_t kind = ops ? lb_redact_read_u64(c, ops + l->kind) : 0;
    char name[10];
    struct lb_error ignored;

    if (!kind || lb_kernel_read(c->k, kind, name, sizeof(name), &ignored) < 0 ||
        memcmp(name, "wireguard", sizeof(name)) != 0)
        return 0;
    if (lb_redact_read_u64(c, wg + l->wg_dev) != dev) {
        lb_redact_missing(c,
                          "keys: a wireguard device at 0x%llx whose private area does not "
                          "point back: not erased",
                          (unsigned long long)dev);
        return 0;
    }
    lb_redact_virt(c, LB_REDACT_KEYS, "wg_device static private key (WireGuard)",
                   wg + l->identity + l->private, l->private_size);
    if (l->checker != MISSING)
        lb_redact_virt(c, LB_REDACT_KEYS, "cookie secrets (WireGuard)", wg + l->checker + l->secret,
                       l->secret_size);
    return lb_redact_list(c, wg + l->peers, 0, MAX_PEERS, "a WireGuard device's peers (peer_list)",
                          peer, l, err);
}

static int net_devices(struct redact_ctx *c, void *arg, uint64_t node, struct lb_error *err)
{
    struct wg_layout *l = arg;

    return lb_redact_list(c, node - l->net_list + l->devs, 0, MAX_DEVS,
                          "a network namespace's devices (dev_base_head)", device, l, err);
}

int lb_redact_wireguard(struct redact_ctx *c, struct lb_error *err)
{
    struct wg_layout l = {0};
    uint64_t mod = 0, nets;
    int r = -1;

    if (lb_redact_find_module(c, "wireguard", &mod, err) < 0)
        goto out;
    if (!mod && lb_btf_struct(c->btf, "wg_device") < 0) {
        lb_redact_missing(c, "keys: WireGuard: the wireguard module is not loaded (nor built "
                             "in): no WireGuard key");
        return 0;
    }
    struct btf *b = mod ? lb_redact_module_btf(c, mod, err) : c->btf;
    r = b ? wg_layout(b, &l, err) : -1;
    if (b && b != c->btf)
        btf__free(b);
    if (r == 0 && l.checker == MISSING)
        lb_redact_missing(c, "keys: WireGuard: cookie secrets (wireguard's BTF has no "
                             "cookie_checker.secret or wg_peer.latest_cookie): NOT erased");
    if (r < 0 || dev_layout(c->btf, &l, err) < 0 ||
        lb_redact_need_symbol(c, "net_namespace_list", &nets, err) < 0 ||
        lb_redact_list(c, nets, 0, MAX_NETS, "the network namespaces (net_namespace_list)",
                       net_devices, &l, err) < 0) {
        r = -1;
        goto out;
    }
    if (c->steps_left == 0) {
        lb_error_set(err, "the walk of devices passed its budget of steps");
        r = -1;
    }
out:
    if (r < 0)
        lb_error_prefix(err, "WireGuard");
    return r;
}
