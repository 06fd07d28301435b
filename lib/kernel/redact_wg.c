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
 * the session's.  Public keys are left.  WireGuard is a module in
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

static const char *const hs_keys[] = {"ephemeral_private", "precomputed_static_static",
                                      "preshared_key", "chaining_key", "hash"};
static const char *const keypairs[] = {"current_keypair", "previous_keypair", "next_keypair"};

struct wg_layout {
    uint64_t net_list, devs, dev_list, link_ops, kind, priv;       /* the kernel's */
    uint64_t wg_dev, identity, private, private_size, peers, peer; /* wireguard's */
    uint64_t hs, hs_key[5], hs_size[5], kps, kp[3], sending, receiving, key, key_size;
    uint64_t devices;
};

/* s.m's offset (and size), or 0 if any was missing before (*bad set). */
static uint64_t need(const struct btf *b, const char *s, const char *m, uint64_t *size, int *bad)
{
    int id = lb_btf_struct(b, s);
    uint64_t off = id < 0 ? MISSING : lb_btf_member_offset(b, id, m);

    if (size)
        *size = off == MISSING ? 0 : lb_btf_member_size(b, id, m);
    if (off == MISSING || (size && (!*size || *size > MAX_KEY)))
        *bad = 1;
    return off;
}

static int wg_layout(const struct btf *b, struct wg_layout *l, struct lb_error *err)
{
    int bad = 0;

    l->wg_dev = need(b, "wg_device", "dev", NULL, &bad);
    l->identity = need(b, "wg_device", "static_identity", NULL, &bad);
    l->private = need(b, "noise_static_identity", "static_private", &l->private_size, &bad);
    l->peers = need(b, "wg_device", "peer_list", NULL, &bad);
    l->peer = need(b, "wg_peer", "peer_list", NULL, &bad);
    l->hs = need(b, "wg_peer", "handshake", NULL, &bad);
    for (size_t i = 0; i < 5; i++)
        l->hs_key[i] = need(b, "noise_handshake", hs_keys[i], &l->hs_size[i], &bad);
    l->kps = need(b, "wg_peer", "keypairs", NULL, &bad);
    for (size_t i = 0; i < 3; i++)
        l->kp[i] = need(b, "noise_keypairs", keypairs[i], NULL, &bad);
    l->sending = need(b, "noise_keypair", "sending", NULL, &bad);
    l->receiving = need(b, "noise_keypair", "receiving", NULL, &bad);
    l->key = need(b, "noise_symmetric_key", "key", &l->key_size, &bad);
    if (bad) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "wireguard's BTF lacks a member of wg_device, wg_peer, noise_handshake, "
                      "noise_keypair(s) or noise_symmetric_key this walk reads (or its size)");
        return -1;
    }
    return 0;
}

/* The kernel's: namespaces' devices, their kind, their private area. */
static int dev_layout(const struct btf *b, struct wg_layout *l, struct lb_error *err)
{
    int bad = 0;
    uint64_t size = lb_btf_struct_size(b, "net_device");

    l->net_list = need(b, "net", "list", NULL, &bad);
    l->devs = need(b, "net", "dev_base_head", NULL, &bad);
    l->dev_list = need(b, "net_device", "dev_list", NULL, &bad);
    l->link_ops = need(b, "net_device", "rtnl_link_ops", NULL, &bad);
    l->kind = need(b, "rtnl_link_ops", "kind", NULL, &bad);
    l->priv = lb_btf_member_offset(b, lb_btf_struct(b, "net_device"), "priv");
    if (l->priv == MISSING)
        l->priv = (size + NETDEV_ALIGN - 1) & ~(uint64_t)(NETDEV_ALIGN - 1);
    if (bad || !size) {
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
    l->devices++;
    lb_redact_virt(c, LB_REDACT_KEYS, "wg_device static private key (WireGuard)",
                   wg + l->identity + l->private, l->private_size);
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
