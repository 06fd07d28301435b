/*
 * fake_net.c - IPsec states and a kTLS socket in the tests' fake kernel: see
 * fake_net.h.  The offsets are the fake's own (fake_kernel.c's BTF says
 * them), so the walk must read them from the BTF.
 */
#include <stdio.h>
#include <string.h>

#include "fake_files.h"
#include "fake_net.h"

#define VA(phys) (FAKE_KERNEL_VA + (phys))

static void put64(uint8_t *mem, uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

static void put32(uint8_t *mem, uint64_t at, uint32_t v)
{
    memcpy(mem + at, &v, 4);
}

static void put16(uint8_t *mem, uint64_t at, uint16_t v)
{
    memcpy(mem + at, &v, 2);
}

/* A crypto_alg on the list at ALG_HEAD, after prev. */
static void alg(uint8_t *mem, uint64_t at, uint64_t prev, const char *name, uint32_t ctxsize)
{
    put64(mem, prev, VA(at));
    put64(mem, at, VA(ALG_HEAD));
    put64(mem, at + 8, VA(prev));
    put64(mem, ALG_HEAD + 8, VA(at));
    put32(mem, at + 24, ctxsize);
    snprintf((char *)mem + at + 32, 128, "%s", name);
}

/* An AEAD (its crypto_tfm at +16) over an aes cipher at child, both keyed. */
static void aead(uint8_t *mem, uint64_t at, uint64_t child)
{
    put64(mem, at + 16 + 24, VA(ALG_GCM));
    put64(mem, at + 48, VA(child));
    memset(mem + at + 56, 'N', 8);
    put64(mem, child + 24, VA(ALG_CIPHER));
    memset(mem + child + 32, 'S', 64);
}

/* An xfrm algorithm at at: bits of key (fill) at key_at. */
static void algo(uint8_t *mem, uint64_t at, uint64_t key_at, uint32_t bits, int fill)
{
    snprintf((char *)mem + at, 64, "alg");
    put32(mem, at + 64, bits);
    memset(mem + at + key_at, fill, (bits + 7) / 8);
}

static void ipsec(uint8_t *mem)
{
    uint64_t head = NET_INIT + 48;

    /* net_namespace_list: init_net alone */
    put64(mem, FAKE_NETS, VA(NET_INIT + 8));
    put64(mem, NET_INIT + 8, VA(FAKE_NETS));
    /* state_all: head -> the AEAD state -> a walker -> the CBC state -> head */
    put64(mem, head, VA(XS_AEAD + 40));
    put64(mem, XS_AEAD + 40, VA(XS_WALKER));
    put64(mem, XS_WALKER, VA(XS_CBC + 40));
    put64(mem, XS_CBC + 40, VA(head));
    mem[XS_WALKER + 16] = 5;                    /* XFRM_STATE_DEAD */
    put64(mem, XS_WALKER - 40 + 88, VA(DECOY)); /* where a state's aead would be */
    algo(mem, DECOY, 68, 128, 'D');
    put64(mem, XS_AEAD + 88, VA(ALGO_AEAD));
    algo(mem, ALGO_AEAD, 72, 288, 'G');
    put64(mem, XS_AEAD + 96, VA(AEAD_TFM));
    put64(mem, XS_CBC + 80, VA(ALGO_ENC));
    algo(mem, ALGO_ENC, 68, 256, 'E');
    put64(mem, XS_CBC + 72, VA(ALGO_AUTH));
    algo(mem, ALGO_AUTH, 72, 256, 'H');
    put64(mem, XS_CBC + 96, VA(NOT_TFM));
    memset(mem + NOT_TFM, 'A', 64);
    put64(mem, ALG_HEAD, VA(ALG_HEAD));
    alg(mem, ALG_GCM, ALG_HEAD, "rfc4106(gcm(aes))", 16);
    alg(mem, ALG_CIPHER, ALG_GCM, "aes", 64);
    aead(mem, AEAD_TFM, AES_TFM);
}

/* The IVs and sequences: kmalloc'ed (6.1), or in the context (7.3's shape). */
static void tls_ivs(uint8_t *mem)
{
    if (mem[FAKE_SHAPE_AT] == FAKE_LINUX_7_3) {
        memset(mem + TLS_CTX + 40, 'v', 28);
        memset(mem + TLS_CTX + 72, 'w', 28);
        return;
    }
    put16(mem, TLS_CTX + 10, 8); /* iv_size, salt_size, rec_seq_size */
    put16(mem, TLS_CTX + 12, 4);
    put16(mem, TLS_CTX + 14, 8);
    put64(mem, TLS_CTX + 40, VA(IV_TX));
    put64(mem, TLS_CTX + 48, VA(SEQ_TX));
    put64(mem, TLS_CTX + 72, VA(IV_RX));
    put64(mem, TLS_CTX + 80, VA(SEQ_RX));
    memset(mem + IV_TX, 'v', 12);
    memset(mem + SEQ_TX, 's', 8);
    memset(mem + IV_RX, 'w', 12);
    memset(mem + SEQ_RX, 't', 8);
    memset(mem + IV_TX + 12, 'x', 4); /* another object's */
}

static void ktls(uint8_t *mem)
{
    put64(mem, FDS + 24, VA(FILE_K));
    put64(mem, FILE_K, VA(FAKE_SOCKET_FOPS));
    put64(mem, FILE_K + 32, VA(SOCKET_K));
    put64(mem, SOCKET_K + 24, VA(SK_K));
    put16(mem, SK_K + 16, 2);             /* AF_INET */
    put16(mem, SK_K + 20, 6);             /* IPPROTO_TCP */
    put16(mem, SK_K + 22, 1);             /* SOCK_STREAM */
    put64(mem, SK_K + 96, VA(SK_K + 96)); /* empty receive, write and error queues */
    put64(mem, SK_K + 24, VA(SK_K + 24));
    put64(mem, SK_K + 40, VA(SK_K + 40));
    put64(mem, SK_K + 136, VA(ULP_OPS));
    put64(mem, SK_K + 144, VA(TLS_CTX));
    memcpy(mem + ULP_OPS + 16, "tls", 4);
    put64(mem, TLS_CTX + 24, VA(SW_TX));
    put64(mem, TLS_CTX + 32, VA(SW_RX));
    memset(mem + TLS_CTX + 104, 'T', 56);
    memset(mem + TLS_CTX + 160, 'R', 56);
    tls_ivs(mem);
    put64(mem, SW_TX + 8, VA(TLS_AEAD));
    put64(mem, SW_RX, VA(TLS_AEAD));
    aead(mem, TLS_AEAD, TLS_AES);
}

void fake_kernel_net(uint8_t *mem)
{
    ipsec(mem);
    ktls(mem);
}
