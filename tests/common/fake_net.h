/*
 * fake_net.h - the network's keys in the tests' fake kernel (fake_net.c):
 * IPsec states in a network namespace and a kTLS socket among task 2's open
 * files, with the crypto transforms keyed for them; for the unit tests of
 * redaction's network walks (lib/kernel/redact_net.c) and the fuzzers' seeds.
 */
#ifndef LIFEBOAT_TEST_FAKE_NET_H
#define LIFEBOAT_TEST_FAKE_NET_H

#include <stdint.h>

#include "fake_kernel.h"

/* Physical addresses (offsets in mem), from FAKE_NETS (net_namespace_list's head) on. */
enum {
    NET_INIT = 0x23040,   /* struct net: list at +8, xfrm.state_all at +48 */
    XS_AEAD = 0x23100,    /* xfrm_states: km.all at +40, aalg +72, ealg +80, aead +88, data +96 */
    XS_CBC = 0x23180,     /* (its data: AH's kind, no transform) */
    XS_WALKER = 0x23200,  /* an xfrm_state_walk of a dump on the list (state DEAD) */
    ALGO_AEAD = 0x23300,  /* xfrm_algo_aead: key at +72, 36 bytes of 'G' */
    ALGO_ENC = 0x23400,   /* xfrm_algo: key at +68, 32 bytes of 'E' */
    ALGO_AUTH = 0x23500,  /* xfrm_algo_auth: key at +72, 32 bytes of 'H' */
    NOT_TFM = 0x23600,    /* XS_CBC's data: 64 bytes of 'A' */
    DECOY = 0x23680,      /* an xfrm_algo the walker's words would lead to: 16 bytes 'D' */
    ALG_HEAD = 0x23700,   /* the crypto algorithms' list */
    ALG_GCM = 0x23800,    /* "rfc4106(gcm(aes))": a 16-byte context */
    ALG_CIPHER = 0x23900, /* "aes": a 64-byte context */
    AEAD_TFM = 0x23a00,   /* XS_AEAD's crypto_aead: crypto_tfm at +16, context at +48: the
                             child's pointer, then 8 bytes of 'N' */
    AES_TFM = 0x23b00,    /* its cipher: crypto_tfm at +0, context at +32: 64 bytes of 'S' */
    FILE_K = 0x24000,     /* task 2's fourth file: a TCP socket */
    SOCKET_K = 0x24040,
    SK_K = 0x24100,    /* family 2 at +16, protocol 6 at +20, write queue +24, error queue +40,
                          tcp_rtx_queue +56, receive queue +96, icsk_ulp_ops +136, _data +144,
                          out_of_order_queue +152 */
    ULP_OPS = 0x24200, /* name "tls" at +16 */
    TLS_CTX = 0x24300, /* priv_ctx_tx +24, _rx +32, tx +40, rx +72, crypto_send +104 ('T' * 56),
                          crypto_recv +160 ('R' * 56) */
    IV_TX = 0x24400,   /* kmalloc'ed IVs (12 bytes 'v' and 'w') and sequences (8 's' and 't') */
    SEQ_TX = 0x24420,
    IV_RX = 0x24440,
    SEQ_RX = 0x24460,
    SW_TX = 0x24500,    /* tls_sw_context_tx: aead_send at +8 */
    SW_RX = 0x24580,    /* tls_sw_context_rx: aead_recv at +0 */
    TLS_AEAD = 0x24600, /* both ways' crypto_aead (as AEAD_TFM), its child at TLS_AES */
    TLS_AES = 0x24700,
};

/*
 * On a fake_kernel_files'ed mem: init_net on net_namespace_list with an
 * AES-GCM IPsec state (keyed transform and all), a CBC+HMAC one whose data
 * is no transform, and a dump's walker between them; task 2's fourth file a
 * TCP socket with kTLS keyed both ways (its IVs kmalloc'ed as a 6.1 kernel
 * keeps them; a 7.3-shaped fake's BTF has them in the context).
 */
void fake_kernel_net(uint8_t *mem);

#endif
