/*
 * test_redact_net.c - the network's keys (lib/kernel/redact_net.c) on the
 * fake kernel of tests/common (fake_net.h): IPsec states in init_net, whose
 * algorithms' keys and keyed transform's context are erased (a dump's
 * walker on the list left alone, a state whose data is no transform named),
 * and a kTLS socket among a task's open files, whose tls_context keys, IVs,
 * sequences and AEAD transforms are erased.  Hostile variants end, bounded:
 * lists that loop or break fail the class, absurd key lengths are named, a
 * budget that runs out fails; a kernel without the types says so.
 */
#include <bpf/btf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../common/fake_dm.h"
#include "../common/fake_files.h"
#include "../common/fake_kernel.h"
#include "../common/fake_net.h"
#include "kernel/btf_util.h"
#include "kernel/redact.h"
#include "lbdump.h"

#include "fake_source.h"
#include "redact_report.h"

#define VA(phys) (FAKE_KERNEL_VA + (phys))

static void put64(uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

static void put32(uint64_t at, uint32_t v)
{
    memcpy(mem + at, &v, 4);
}

static void plant_shape(enum fake_shape shape)
{
    fake_kernel_init_shape(mem, shape);
    fake_kernel_tasks(mem, 4, 0);
    fake_kernel_files(mem);
    fake_kernel_net(mem);
}

static void plant(void)
{
    plant_shape(FAKE_LINUX_6_1);
}

static uint64_t erased(const struct walked *w, uint64_t at, uint64_t len)
{
    return redact_plan_erased_bytes(&w->plan, at, len);
}

/* The states' keys and the AEAD's context erased; the walker, the pointers, the rest kept. */
static void ipsec_keys_erased(void **state)
{
    struct walked w;

    (void)state;
    plant();
    redact_walk_fake(&w, 1 << 20, lb_redact_ipsec);
    if (w.r)
        print_error("%s\n", w.err.msg);
    assert_int_equal(w.r, 0);
    assert_int_equal(erased(&w, ALGO_AEAD + 72, 36), 36);
    assert_int_equal(erased(&w, ALGO_AEAD, 72), 0); /* its name and lengths stay */
    assert_int_equal(erased(&w, ALGO_AEAD + 72 + 36, 8), 0);
    assert_int_equal(erased(&w, ALGO_ENC + 68, 32), 32);
    assert_int_equal(erased(&w, ALGO_AUTH + 72, 32), 32);
    assert_int_equal(erased(&w, AEAD_TFM + 56, 8), 8);  /* rfc4106's nonce (the salt) */
    assert_int_equal(erased(&w, AEAD_TFM + 48, 8), 0);  /* the child's pointer */
    assert_int_equal(erased(&w, AES_TFM + 32, 64), 64); /* the key schedule */
    assert_int_equal(erased(&w, AES_TFM, 32), 0);
    assert_int_equal(erased(&w, NOT_TFM, 64), 0);
    assert_int_equal(erased(&w, DECOY, 96), 0); /* the walker is no state */
    assert_int_equal(erased(&w, XS_AEAD, 128), 0);
    assert_int_equal(redact_report_count(&w.rep, "xfrm_algo.alg_key (IPsec)"), 3);
    assert_int_equal(redact_report_count(&w.rep, "crypto tfm context (IPsec)"), 2);
    assert_true(redact_report_says(&w.rep, "1 IPsec states (AH, IPComp) whose x->data"));
    assert_true(redact_report_says(&w.rep, "1 entries of an IPsec state list marked dead"));
    assert_false(redact_report_says(&w.rep, "lead to more transforms"));
    free(w.plan.r);
}

/*
 * A chain of transforms deeper than the walk follows: AES_TFM's context leads to a copy of
 * it, whose context leads to another, six of them (in the free memory below FILE_K).  The
 * walk erases what it reaches, and the report says some key schedules were not erased.
 */
static void ipsec_deep_transforms_said(void **state)
{
    enum { COPY = 0x23c00, COPY_SIZE = 0x60, COPIES = 6 };
    struct walked w;

    (void)state;
    plant();
    for (uint64_t i = 0; i < COPIES; i++)
        memcpy(mem + COPY + i * COPY_SIZE, mem + AES_TFM, COPY_SIZE);
    put64(AES_TFM + 32, VA(COPY));
    for (uint64_t i = 0; i + 1 < COPIES; i++)
        put64(COPY + i * COPY_SIZE + 32, VA(COPY + (i + 1) * COPY_SIZE));
    redact_walk_fake(&w, 1 << 20, lb_redact_ipsec);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "1 IPsec states lead to more transforms than the walk "
                                           "follows: some key schedules not erased"));
    assert_int_equal(erased(&w, COPY + 40, 56), 56);                /* depth 2: erased */
    assert_int_equal(erased(&w, COPY + 5 * COPY_SIZE + 40, 56), 0); /* depth 7: not */
    free(w.plan.r);
}

/* Lists that loop or break fail; an absurd key is named; the budget's end fails. */
static void ipsec_hostile(void **state)
{
    static const struct {
        uint64_t at, value;
        const char *says;
    } fails[] = {
        {XS_CBC + 40, VA(XS_AEAD + 40), "IPsec: a network namespace's IPsec states"},
        {XS_CBC + 40, 0, "(xfrm.state_all) breaks after 3 entries"},
        {NET_INIT + 8, VA(NET_INIT + 8), "the network namespaces (net_namespace_list) loops"},
    };
    struct walked w;

    (void)state;
    for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
        plant();
        put64(fails[i].at, fails[i].value);
        redact_walk_fake(&w, 1 << 20, lb_redact_ipsec);
        if (w.r == 0 || !strstr(w.err.msg, fails[i].says))
            print_error("case %zu: %d %s\n", i, w.r, w.r ? w.err.msg : "");
        assert_int_equal(w.r, -1);
        assert_non_null(strstr(w.err.msg, fails[i].says));
        free(w.plan.r);
    }
    plant(); /* a key of 4 Gbit */
    put32(ALGO_ENC + 64, 0xffffffffu);
    redact_walk_fake(&w, 1 << 20, lb_redact_ipsec);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "claims a ealg key of 536870912 bytes: not erased"));
    assert_int_equal(erased(&w, ALGO_AUTH + 72, 32), 32);
    free(w.plan.r);

    plant(); /* a budget of steps that runs out */
    redact_walk_fake(&w, 3, lb_redact_ipsec);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "budget of steps"));
    free(w.plan.r);
}

/* The kTLS socket's keys, IVs and sequences, and its transforms' contexts, erased. */
static void ktls_keys_erased(void **state)
{
    struct walked w;

    (void)state;
    plant();
    redact_walk_fake(&w, 1 << 20, lb_redact_ktls);
    if (w.r)
        print_error("%s\n", w.err.msg);
    assert_int_equal(w.r, 0);
    assert_int_equal(erased(&w, TLS_CTX + 104, 112), 112); /* crypto_send, crypto_recv */
    assert_int_equal(erased(&w, TLS_CTX, 104), 0);         /* the rest of the context */
    assert_int_equal(erased(&w, IV_TX, 12), 12);
    assert_int_equal(erased(&w, IV_TX + 12, 4), 0); /* another object's bytes */
    assert_int_equal(erased(&w, SEQ_TX, 8), 8);
    assert_int_equal(erased(&w, IV_RX, 12), 12);
    assert_int_equal(erased(&w, SEQ_RX, 8), 8);
    assert_int_equal(erased(&w, TLS_AEAD + 56, 8), 8);
    assert_int_equal(erased(&w, TLS_AES + 32, 64), 64);
    assert_int_equal(erased(&w, TLS_AEAD + 48, 8), 0);
    assert_int_equal(erased(&w, SK_K, 160), 0);
    assert_int_equal(redact_report_count(&w.rep, "tls_context.crypto_send, crypto_recv (kTLS)"), 2);
    assert_int_equal(redact_report_count(&w.rep, "crypto tfm context (kTLS)") >= 2, 1);
    free(w.plan.r);

    /* 7.x's cipher contexts: the IVs and sequences in tls_context itself */
    plant_shape(FAKE_LINUX_7_3);
    redact_walk_fake(&w, 1 << 20, lb_redact_ktls);
    if (w.r)
        print_error("%s\n", w.err.msg);
    assert_int_equal(w.r, 0);
    assert_int_equal(erased(&w, TLS_CTX + 40, 28), 28);
    assert_int_equal(erased(&w, TLS_CTX + 72, 28), 28);
    assert_int_equal(erased(&w, TLS_CTX + 104, 112), 112);
    assert_int_equal(erased(&w, TLS_CTX, 40), 0);
    free(w.plan.r);
}

/* Sockets that are not kTLS's are left whole; a budget that runs out fails. */
static void ktls_others_left(void **state)
{
    struct walked w;

    (void)state;
    plant(); /* another upper layer protocol */
    memcpy(mem + ULP_OPS + 16, "mptcp", 6);
    redact_walk_fake(&w, 1 << 20, lb_redact_ktls);
    assert_int_equal(w.r, 0);
    assert_int_equal(w.plan.n, 0);
    free(w.plan.r);

    plant(); /* UDP: no inet_connection_sock to read */
    mem[SK_K + 20] = 17;
    redact_walk_fake(&w, 1 << 20, lb_redact_ktls);
    assert_int_equal(w.r, 0);
    assert_int_equal(w.plan.n, 0);
    free(w.plan.r);

    plant(); /* software contexts that lead to no transform: the keys still erased */
    put64(SW_TX + 8, VA(NOT_TFM));
    put64(SW_RX, 0x1234);
    redact_walk_fake(&w, 1 << 20, lb_redact_ktls);
    assert_int_equal(w.r, 0);
    assert_int_equal(erased(&w, TLS_CTX + 104, 112), 112);
    assert_int_equal(erased(&w, NOT_TFM, 64), 0);
    free(w.plan.r);

    plant();
    redact_walk_fake(&w, 5, lb_redact_ktls);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "kTLS"));
    free(w.plan.r);
}

/* A kernel without XFRM or tls: nothing to erase, and the report says why. */
static void no_network_keys(void **state)
{
    struct walked w;

    (void)state;
    fake_kernel_init(mem);
    fake_kernel_dm(mem); /* a BTF of dm's and the crypto API's types only */
    redact_walk_fake(&w, 1 << 20, lb_redact_ipsec);
    assert_int_equal(w.r, 0);
    assert_true(
        redact_report_says(&w.rep, "no struct xfrm_state or no net.xfrm in the kernel's BTF"));
    free(w.plan.r);
    redact_walk_fake(&w, 1 << 20, lb_redact_ktls);
    assert_int_equal(w.r, 0);
    assert_true(redact_report_says(&w.rep, "the tls module is not loaded"));
    free(w.plan.r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipsec_keys_erased), cmocka_unit_test(ipsec_hostile),
        cmocka_unit_test(ktls_keys_erased),  cmocka_unit_test(ktls_others_left),
        cmocka_unit_test(no_network_keys),   cmocka_unit_test(ipsec_deep_transforms_said),
    };
    (void)has_note;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
