/*
 * redact_net.c - the keys of the network's encryption, for redaction's keys
 * class: IPsec's security associations and kTLS sockets.
 *
 * IPsec: every network namespace (net_namespace_list) keeps its states on
 * net->xfrm.state_all, each an xfrm_state linked by its km.all.  A state's
 * algorithms (aead, ealg, aalg: an xfrm_algo whose alg_key_len bits of key
 * follow it) hold the keys as they were given; x->data, for ESP, is the
 * crypto_aead keyed with them, whose context and its children's are erased
 * as dm-crypt's transforms are (redact_dm.c).  XFRM is built in or absent
 * (a bool in Kconfig): no struct xfrm_state in the kernel's BTF, no IPsec.
 *
 * kTLS: a TCP socket whose upper-layer protocol is "tls" (its
 * inet_connection_sock's icsk_ulp_ops names it) has a tls_context at
 * icsk_ulp_data: crypto_send and crypto_recv hold the keys, salts, IVs and
 * record sequences setsockopt gave; tx and rx the IVs and sequences in use
 * (arrays in the context since Linux 6.8, kmalloc'ed copies before); the
 * software contexts (priv_ctx_tx, _rx) the AEAD transforms keyed with them.
 * The sockets are found through every task's open files (redact_walk.c).
 * tls is a module in distribution kernels: its types come from its BTF, as
 * dm-crypt's do; tls not loaded means no kTLS socket.
 *
 * Everything read is hostile: lists are walked with Brent's check and the
 * shared budget of steps (a list that loops or breaks fails the class: keys
 * would be left), key lengths are bounded (an absurd one is named), and a
 * transform's context is erased only once its algorithm checks out.
 */
#include <bpf/btf.h>
#include <stddef.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/redact.h"

enum {
    MAX_NETS = 1 << 16,
    MAX_STATES = 1 << 22,
    MAX_XFRM_KEY = 512, /* bytes; real ones are at most 64 and a 4-byte salt */
    XFRM_STATE_DEAD = 5,
    MAX_TLS_IV = 64, /* a kmalloc'ed IV (with its salt) or record sequence: 20 and 8 bytes */
    ULP_NAME = 16,   /* TCP_ULP_NAME_MAX */
    AF_INET4 = 2,
    AF_INET6_ = 10,
    PROTO_TCP = 6,
};

#define MISSING BTF_MISSING

/* ---- IPsec ---------------------------------------------------------------- */

static const char *const alg_members[3] = {"aead", "ealg", "aalg"};

struct xfrm_layout {
    uint64_t net_list, net_xfrm, state_all, km, walk_all, walk_state, data;
    uint64_t alg[3], key_len[3], key[3];
    struct redact_tfm_layout tfm;
    uint64_t not_tfm; /* states whose x->data is no transform (AH's, IPComp's) */
    uint64_t cut;     /* states whose transforms lead further than lb_redact_tfm follows */
    uint64_t dead;    /* entries marked dead: a dump's walker, or a state being deleted */
};

/* A member to look up: s.m's offset, into the layout's field at (tables: less code than calls). */
struct need {
    const char *s, *m;
    uint16_t at;
};

static int need_all(const struct btf *b, const struct need *n, size_t count, void *layout,
                    struct lb_error *err)
{
    for (size_t i = 0; i < count; i++)
        if (lb_redact_btf_member(b, n[i].s, n[i].m, (uint64_t *)((char *)layout + n[i].at), err))
            return -1;
    return 0;
}

#define XL(s, m, f)                                                                                \
    {                                                                                              \
        s, m, offsetof(struct xfrm_layout, f)                                                      \
    }
static const struct need xfrm_needs[] = {
    XL("net", "list", net_list),
    XL("net", "xfrm", net_xfrm),
    XL("netns_xfrm", "state_all", state_all),
    XL("xfrm_state", "km", km),
    XL("xfrm_state", "data", data),
    XL("xfrm_state_walk", "all", walk_all),
    XL("xfrm_state_walk", "state", walk_state),
    XL("xfrm_state", "aead", alg[0]),
    XL("xfrm_state", "ealg", alg[1]),
    XL("xfrm_state", "aalg", alg[2]),
    XL("xfrm_algo_aead", "alg_key_len", key_len[0]),
    XL("xfrm_algo", "alg_key_len", key_len[1]),
    XL("xfrm_algo_auth", "alg_key_len", key_len[2]),
    XL("xfrm_algo_aead", "alg_key", key[0]),
    XL("xfrm_algo", "alg_key", key[1]),
    XL("xfrm_algo_auth", "alg_key", key[2]),
};

/* One state (node: its km.all): its algorithms' keys, its transform's context. */
static int xfrm_state(struct redact_ctx *c, void *arg, uint64_t node, struct lb_error *err)
{
    struct xfrm_layout *l = arg;
    uint64_t x = node - l->walk_all - l->km, data;
    uint8_t state = 0;

    (void)err;
    lb_kernel_read(c->k, node - l->walk_all + l->walk_state, &state, 1, &(struct lb_error){0});
    if (state == XFRM_STATE_DEAD) { /* a dump's walker, or a state the kernel was deleting */
        l->dead++;
        return 0;
    }
    for (size_t i = 0; i < 3; i++) {
        uint64_t alg = lb_redact_read_u64(c, x + l->alg[i]);
        uint64_t bytes = alg ? (lb_redact_read_u32(c, alg + l->key_len[i]) + 7ull) / 8 : 0;
        if (bytes > MAX_XFRM_KEY)
            lb_redact_missing(c,
                              "keys: the IPsec state at 0x%llx claims a %s key of %llu bytes: "
                              "not erased",
                              (unsigned long long)x, alg_members[i], (unsigned long long)bytes);
        else if (bytes)
            lb_redact_virt(c, LB_REDACT_KEYS, "xfrm_algo.alg_key (IPsec)", alg + l->key[i], bytes);
    }
    data = lb_redact_read_u64(c, x + l->data);
    int erased = data ? lb_redact_tfm(c, &l->tfm, data, "crypto tfm context (IPsec)") : 1;
    l->not_tfm += erased == 0;
    l->cut += erased == 2;
    return 0;
}

static int net_states(struct redact_ctx *c, void *arg, uint64_t node, struct lb_error *err)
{
    struct xfrm_layout *l = arg;

    return lb_redact_list(c, node - l->net_list + l->net_xfrm + l->state_all, 0, MAX_STATES,
                          "a network namespace's IPsec states (xfrm.state_all)", xfrm_state, l,
                          err);
}

int lb_redact_ipsec(struct redact_ctx *c, struct lb_error *err)
{
    struct xfrm_layout l = {0};
    uint64_t nets;

    /* XFRM is built in when struct net has its states; struct xfrm_state alone can come into
     * BTF from a header without it */
    int net = lb_btf_struct(c->btf, "net");
    if (lb_btf_struct(c->btf, "xfrm_state") < 0 ||
        (net >= 0 && lb_btf_member_offset(c->btf, net, "xfrm") == BTF_MISSING)) {
        lb_redact_missing(c, "keys: IPsec: no struct xfrm_state or no net.xfrm in the kernel's "
                             "BTF (no XFRM built in): no IPsec state");
        return 0;
    }
    if (need_all(c->btf, xfrm_needs, sizeof(xfrm_needs) / sizeof(xfrm_needs[0]), &l, err) ||
        lb_redact_tfm_layout(c, &l.tfm, err) ||
        lb_redact_need_symbol(c, "net_namespace_list", &nets, err) ||
        lb_redact_list(c, nets, 0, MAX_NETS, "the network namespaces (net_namespace_list)",
                       net_states, &l, err)) {
        lb_error_prefix(err, "IPsec");
        return -1;
    }
    if (c->steps_left == 0) { /* spent in a transform's walk: what it left is not known */
        lb_error_set(err, "IPsec: the walk of states passed its budget of steps");
        return -1;
    }
    if (l.dead)
        lb_redact_missing(c,
                          "keys: %llu entries of an IPsec state list marked dead (a dump's "
                          "walker, or a state being deleted as the kernel stopped): not erased",
                          (unsigned long long)l.dead);
    if (l.cut)
        lb_redact_missing(c,
                          "keys: %llu IPsec states lead to more transforms than the walk follows: "
                          "some key schedules not erased",
                          (unsigned long long)l.cut);
    if (l.not_tfm)
        lb_redact_missing(c,
                          "keys: %llu IPsec states (AH, IPComp) whose x->data is no crypto "
                          "transform: their key schedules not erased (their keys are)",
                          (unsigned long long)l.not_tfm);
    return 0;
}

/* ---- kTLS ----------------------------------------------------------------- */

struct tls_layout {
    /* the kernel's: which sockets are TCP with an upper-layer protocol */
    uint64_t family, protocol, ulp_ops, ulp_data, ulp_name;
    /* tls's: tls_context, its cipher contexts and software contexts */
    uint64_t send, send_size, recv, recv_size, tx, rx, cc_size, iv, seq, prot, iv_size, salt_size,
        seq_size, priv_tx, priv_rx, aead_send, aead_recv;
    int iv_pointers; /* cipher_context's iv and rec_seq are kmalloc'ed (before Linux 6.8) */
    struct redact_tfm_layout tfm;
    /* what a socket's walk could not do, said once for all of them */
    uint64_t unread_ops, odd_iv, not_tfm, cut;
};

#define TL(s, m, f)                                                                                \
    {                                                                                              \
        s, m, offsetof(struct tls_layout, f)                                                       \
    }
static const struct need tls_needs[] = {
    TL("tls_context", "crypto_send", send),
    TL("tls_context", "crypto_recv", recv),
    TL("tls_context", "tx", tx),
    TL("tls_context", "rx", rx),
    TL("tls_context", "prot_info", prot),
    TL("tls_context", "priv_ctx_tx", priv_tx),
    TL("tls_context", "priv_ctx_rx", priv_rx),
    TL("cipher_context", "iv", iv),
    TL("cipher_context", "rec_seq", seq),
    TL("tls_prot_info", "iv_size", iv_size),
    TL("tls_prot_info", "salt_size", salt_size),
    TL("tls_prot_info", "rec_seq_size", seq_size),
    TL("tls_sw_context_tx", "aead_send", aead_send),
    TL("tls_sw_context_rx", "aead_recv", aead_recv),
};
static const struct need sock_needs[] = {
    TL("sock_common", "skc_family", family),
    TL("sock", "sk_protocol", protocol),
    TL("inet_connection_sock", "icsk_ulp_ops", ulp_ops),
    TL("inet_connection_sock", "icsk_ulp_data", ulp_data),
    TL("tcp_ulp_ops", "name", ulp_name),
};

/* tls's types (b: its BTF joined to the kernel's), their sizes sane. */
static int tls_layout(const struct btf *b, struct tls_layout *l, struct lb_error *err)
{
    int ctx = lb_btf_struct(b, "tls_context"), cc = lb_btf_struct(b, "cipher_context");

    if (need_all(b, tls_needs, sizeof(tls_needs) / sizeof(tls_needs[0]), l, err))
        return -1;
    l->send_size = lb_btf_member_size(b, ctx, "crypto_send");
    l->recv_size = lb_btf_member_size(b, ctx, "crypto_recv");
    l->cc_size = lb_btf_struct_size(b, "cipher_context");
    l->iv_pointers = lb_btf_member_size(b, cc, "iv") == 8; /* (an array's is 20: IV and salt) */
    if (!l->send_size || l->send_size > 4096 || l->recv_size != l->send_size || !l->cc_size ||
        l->cc_size > 4096) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "tls_context.crypto_send or struct cipher_context has no sane size");
        return -1;
    }
    return 0;
}

/* A cipher context's IV (with its salt) and record sequence, where they are kmalloc'ed. */
static void tls_ivs(struct redact_ctx *c, struct tls_layout *l, uint64_t ctx, uint64_t cc)
{
    uint32_t iv = (lb_redact_read_u32(c, ctx + l->prot + l->iv_size) & 0xffff) +
                  (lb_redact_read_u32(c, ctx + l->prot + l->salt_size) & 0xffff),
             seq = lb_redact_read_u32(c, ctx + l->prot + l->seq_size) & 0xffff;
    uint64_t iv_at = lb_redact_read_u64(c, cc + l->iv), seq_at = lb_redact_read_u64(c, cc + l->seq);

    l->odd_iv += (iv_at && iv > MAX_TLS_IV) || (seq_at && seq > MAX_TLS_IV);
    if (iv_at && iv <= MAX_TLS_IV)
        lb_redact_virt(c, LB_REDACT_KEYS, "tls IVs and record sequences (kTLS)", iv_at, iv);
    if (seq_at && seq <= MAX_TLS_IV)
        lb_redact_virt(c, LB_REDACT_KEYS, "tls IVs and record sequences (kTLS)", seq_at, seq);
}

/* A socket: if it is TCP with tls as its upper layer, its keys and its transforms'. */
static void tls_sock(struct redact_ctx *c, void *arg, uint64_t sk)
{
    struct tls_layout *l = arg;
    uint16_t family = 0, protocol = 0;
    char name[ULP_NAME];
    struct lb_error ignored;
    uint64_t ops, ctx;

    if (lb_kernel_read(c->k, sk + l->family, &family, 2, &ignored) < 0 ||
        lb_kernel_read(c->k, sk + l->protocol, &protocol, 2, &ignored) < 0 ||
        (family != AF_INET4 && family != AF_INET6_) || protocol != PROTO_TCP)
        return;
    ops = lb_redact_read_u64(c, sk + l->ulp_ops);
    if (!ops)
        return; /* no upper-layer protocol */
    if (lb_kernel_read(c->k, ops + l->ulp_name, name, sizeof(name), &ignored) < 0) {
        l->unread_ops++; /* kTLS or not: not known */
        return;
    }
    if (memcmp(name, "tls", 4) != 0 || !(ctx = lb_redact_read_u64(c, sk + l->ulp_data)))
        return;
    lb_redact_virt(c, LB_REDACT_KEYS, "tls_context.crypto_send, crypto_recv (kTLS)", ctx + l->send,
                   l->send_size);
    lb_redact_virt(c, LB_REDACT_KEYS, "tls_context.crypto_send, crypto_recv (kTLS)", ctx + l->recv,
                   l->recv_size);
    if (l->iv_pointers) {
        tls_ivs(c, l, ctx, ctx + l->tx);
        tls_ivs(c, l, ctx, ctx + l->rx);
    } else {
        lb_redact_virt(c, LB_REDACT_KEYS, "tls IVs and record sequences (kTLS)", ctx + l->tx,
                       l->cc_size);
        lb_redact_virt(c, LB_REDACT_KEYS, "tls IVs and record sequences (kTLS)", ctx + l->rx,
                       l->cc_size);
    }
    /* a hardware offload's context is no tls_sw_context: lb_redact_tfm checks what it finds */
    uint64_t tx = lb_redact_read_u64(c, ctx + l->priv_tx),
             rx = lb_redact_read_u64(c, ctx + l->priv_rx);
    for (int dir = 0; dir < 2; dir++) {
        uint64_t sw = dir ? rx : tx;
        if (!sw)
            continue;
        int erased = lb_redact_tfm(c, &l->tfm,
                                   lb_redact_read_u64(c, sw + (dir ? l->aead_recv : l->aead_send)),
                                   "crypto tfm context (kTLS)");
        l->not_tfm += erased == 0;
        l->cut += erased == 2;
    }
}

/* What the sockets' walks could not do (counted in tls_layout). */
static void ktls_unsaid(struct redact_ctx *c, const struct tls_layout *l)
{
    if (l->unread_ops)
        lb_redact_missing(c,
                          "keys: %llu TCP sockets whose upper-layer protocol could not be read "
                          "(kTLS or not): not erased",
                          (unsigned long long)l->unread_ops);
    if (l->odd_iv)
        lb_redact_missing(c,
                          "keys: %llu kTLS directions whose IV or record sequence size is over "
                          "%d bytes: those not erased",
                          (unsigned long long)l->odd_iv, MAX_TLS_IV);
    if (l->not_tfm)
        lb_redact_missing(c,
                          "keys: %llu kTLS directions whose context holds no software "
                          "transform (a hardware offload's?): their key schedules not erased",
                          (unsigned long long)l->not_tfm);
    if (l->cut)
        lb_redact_missing(c,
                          "keys: %llu kTLS transforms lead to more transforms than the walk "
                          "follows: some key schedules not erased",
                          (unsigned long long)l->cut);
}

int lb_redact_ktls(struct redact_ctx *c, struct lb_error *err)
{
    struct tls_layout l = {0};
    uint64_t mod = 0;
    int r = -1;

    if (lb_redact_find_module(c, "tls", &mod, err) < 0)
        goto out;
    /* built in: its symbol, or (no module list) its types; a module's types can be in the
       kernel's BTF too, from headers the kernel's own code includes */
    uint64_t ops, list;
    int builtin = lb_kallsyms_address(c->ks, "tcp_tls_ulp_ops", &ops) == 0 ||
                  (lb_kallsyms_address(c->ks, "modules", &list) < 0 &&
                   lb_btf_struct(c->btf, "tls_context") >= 0);
    if (!mod && !builtin) {
        lb_redact_missing(c, "keys: kTLS: the tls module is not loaded (nor built in): no kTLS "
                             "socket");
        return 0;
    }
    struct btf *b = mod ? lb_redact_module_btf(c, mod, err) : c->btf;
    r = b ? tls_layout(b, &l, err) : -1;
    if (b && b != c->btf)
        btf__free(b);
    if (r < 0 ||
        need_all(c->btf, sock_needs, sizeof(sock_needs) / sizeof(sock_needs[0]), &l, err) ||
        lb_redact_tfm_layout(c, &l.tfm, err) || lb_redact_open_sockets(c, tls_sock, &l, err) < 0) {
        r = -1;
        goto out;
    }
    if (c->steps_left == 0) {
        lb_error_set(err, "the walk of sockets passed its budget of steps");
        r = -1;
    }
    ktls_unsaid(c, &l);
    lb_redact_missing(c, "keys: kTLS sockets no task's open file holds (the kernel's own: NFS, "
                         "NVMe over TLS): not walked");
out:
    if (r < 0)
        lb_error_prefix(err, "kTLS");
    return r;
}
