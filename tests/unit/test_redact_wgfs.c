/*
 * test_redact_wgfs.c - fscrypt's, blk-crypto-fallback's and WireGuard's keys
 * (lib/kernel/redact_fscrypt.c, redact_wg.c) on the fake kernel of
 * tests/common (fake_wgfs.h): a super block's keyring of two master keys
 * whose secrets, hash keys, prepared keys (transforms, blk_crypto_keys) and
 * unlocked inode's keys are erased, in 6.1's layout and 7.3's; the
 * fallback's keyed transform; a WireGuard interface's private key and its
 * peer's handshake secrets and session keys, public keys left.  Hostile
 * variants end, bounded: lists that loop or break fail the class, a budget
 * that runs out fails, absurd counts are named; a kernel without the types
 * or the module says so.
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
#include "../common/fake_wgfs.h"
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

static void plant_shape(enum fake_shape shape)
{
    fake_kernel_init_shape(mem, shape);
    fake_kernel_tasks(mem, 4, 0);
    fake_kernel_files(mem);
    fake_kernel_net(mem);
    fake_kernel_wgfs(mem);
}

static void plant(void)
{
    plant_shape(FAKE_LINUX_6_1);
}

static uint64_t erased(const struct walked *w, uint64_t at, uint64_t len)
{
    return redact_plan_erased_bytes(&w->plan, at, len);
}

static void walk_ok(struct walked *w, int (*walk)(struct redact_ctx *, struct lb_error *))
{
    redact_walk_fake(w, 1 << 20, walk);
    if (w->r)
        print_error("%s\n", w->err.msg);
    assert_int_equal(w->r, 0);
}

/* 6.1's layout: secrets, hash keys, prepared keys, the inode's keys, the fallback's. */
static void fscrypt_keys_erased(void **state)
{
    struct walked w;

    (void)state;
    plant();
    walk_ok(&w, lb_redact_fscrypt);
    assert_int_equal(erased(&w, FS_MK + 16, 8), 0);    /* the HMAC transform's pointer */
    assert_int_equal(erased(&w, FS_MK + 24, 72), 72);  /* size, raw */
    assert_int_equal(erased(&w, FS_MK2 + 24, 72), 72); /* the bucket's second key */
    assert_int_equal(erased(&w, FS_MK + 352, 16), 16); /* mk_ino_hash_key */
    assert_int_equal(erased(&w, FS_MK, 16), 0);        /* the links stay */
    assert_int_equal(erased(&w, FS_MK + 240, 112), 0); /* lists and pointers */
    assert_int_equal(erased(&w, FS_HMAC_TFM + 32, 64), 64);
    assert_int_equal(erased(&w, FS_TFM + 32, 64), 64);
    assert_int_equal(erased(&w, FS_TFM, 32), 0);
    assert_int_equal(erased(&w, FS_BLK + 16, 64), 64);
    assert_int_equal(erased(&w, FS_BLK, 16), 0);
    assert_int_equal(erased(&w, FS_INODE_TFM + 32, 64), 64);
    assert_int_equal(erased(&w, FS_INFO + 40, 16), 16); /* ci_dirhash_key */
    assert_int_equal(erased(&w, FS_INFO, 40), 0);
    assert_int_equal(erased(&w, FS_SLOT_TFM + 32, 64), 64);
    assert_int_equal(erased(&w, FS_SLOTS, 80), 0);
    assert_int_equal(redact_report_count(&w.rep, "fscrypt_master_key secret (fscrypt)"), 2);
    assert_int_equal(redact_report_count(&w.rep, "blk_crypto_key raw (fscrypt inline crypt)"), 1);
    assert_int_equal(redact_report_count(&w.rep, "crypto tfm context (blk-crypto-fallback)"), 1);
    assert_true(redact_report_count(&w.rep, "crypto tfm context (fscrypt)") >= 3);
    assert_false(redact_report_says(&w.rep, "blk-crypto-fallback keys lead to no crypto"));
    free(w.plan.r);
}

/* 7.3's: the HMAC key in the secret, mode keys on a list, blk_crypto_key.bytes. */
static void fscrypt_keys_erased_7(void **state)
{
    struct walked w;

    (void)state;
    plant_shape(FAKE_LINUX_7_3);
    walk_ok(&w, lb_redact_fscrypt);
    assert_int_equal(erased(&w, FS_MK + 16, 200), 200);
    assert_int_equal(erased(&w, FS_MK2 + 16, 200), 200);
    assert_int_equal(erased(&w, FS_TFM + 32, 64), 64); /* the mode key's */
    assert_int_equal(erased(&w, FS_BLK + 16, 64), 64);
    assert_int_equal(erased(&w, FS_INODE_TFM + 32, 64), 64);
    assert_int_equal(erased(&w, FS_MK + 240, 32), 0);
    assert_int_equal(erased(&w, FS_MODE_KEY, 32), 0);
    free(w.plan.r);
}

/* Lists that loop or break fail; a budget that runs out fails; absurd counts are named. */
static void fscrypt_hostile(void **state)
{
    static const struct {
        uint64_t at, value;
        const char *says;
    } fails[] = {
        {FS_SB2, VA(FS_SB), "fscrypt: the super blocks (super_blocks) loops"},
        {FS_SB2, 0, "the super blocks (super_blocks) breaks"},
        {FS_MK2, VA(FS_MK), "a keyring's hash bucket loops"},
        {FS_INFO + 16, VA(FS_INFO + 16), "a master key's inodes loops"},
        {FS_INFO + 16, 0, "a master key's inodes breaks"},
    };
    struct walked w;

    (void)state;
    for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
        plant();
        put64(fails[i].at, fails[i].value);
        redact_walk_fake(&w, 1 << 20, lb_redact_fscrypt);
        if (w.r == 0 || !strstr(w.err.msg, fails[i].says))
            print_error("case %zu: %d %s\n", i, w.r, w.r ? w.err.msg : "");
        assert_int_equal(w.r, -1);
        assert_non_null(strstr(w.err.msg, fails[i].says));
        free(w.plan.r);
    }
    plant(); /* a budget of steps that runs out */
    redact_walk_fake(&w, 4, lb_redact_fscrypt);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "budget of steps"));
    free(w.plan.r);

    plant(); /* an absurd number of fallback keyslots: named, the rest erased */
    put64(FS_SLOTS_VAR + 8, 0xffffffffu);
    walk_ok(&w, lb_redact_fscrypt);
    assert_true(redact_report_says(&w.rep, "blk-crypto-fallback claims 4294967295 keyslots"));
    assert_int_equal(erased(&w, FS_SLOT_TFM + 32, 64), 0);
    assert_int_equal(erased(&w, FS_MK + 24, 72), 72);
    free(w.plan.r);

    plant(); /* a chain of transforms deeper than the walk follows, in free memory: named */
    for (uint64_t i = 0; i < 8; i++)
        memcpy(mem + 0x25500 + i * 0x60, mem + FS_TFM, 0x60);
    put64(FS_TFM + 32, VA(0x25500));
    for (uint64_t i = 0; i + 1 < 8; i++)
        put64(0x25500 + i * 0x60 + 32, VA(0x25500 + (i + 1) * 0x60));
    walk_ok(&w, lb_redact_fscrypt);
    assert_true(redact_report_says(&w.rep, "1 to more transforms than the walk follows"));
    free(w.plan.r);

    plant(); /* a prepared key whose pointer leads to no transform: named */
    put64(FS_INFO, VA(FS_BLK));
    walk_ok(&w, lb_redact_fscrypt);
    assert_true(redact_report_says(
        &w.rep,
        "1 fscrypt or blk-crypto-fallback keys lead to no crypto transform (not erased), 0 to"));
    free(w.plan.r);
}

/* The interface's private key, the peer's handshake secrets and session keys; publics kept. */
static void wireguard_keys_erased(void **state)
{
    uint64_t hs = WG_PEER + 48;
    struct walked w;

    (void)state;
    for (int shape = 0; shape < 2; shape++) {
        plant_shape(shape ? FAKE_LINUX_7_3 : FAKE_LINUX_6_1);
        walk_ok(&w, lb_redact_wireguard);
        assert_int_equal(erased(&w, WG_PRIV + 48, 32), 32);
        assert_int_equal(erased(&w, WG_PRIV + 16, 32), 0); /* static_public */
        assert_int_equal(erased(&w, WG_PRIV, 16), 0);
        assert_int_equal(erased(&w, hs + 8, 160), 160);   /* the five secrets */
        assert_int_equal(erased(&w, hs + 168, 32), 0);    /* remote_static */
        assert_int_equal(erased(&w, WG_PEER, 56), 0);     /* keypairs' pointers */
        assert_int_equal(erased(&w, WG_KP + 16, 32), 32); /* sending.key */
        assert_int_equal(erased(&w, WG_KP + 64, 32), 32); /* receiving.key */
        assert_int_equal(erased(&w, WG_KP + 48, 16), 0);  /* sending.birthdate */
        assert_int_equal(erased(&w, WG_LO, 64), 0);
        assert_int_equal(redact_report_count(&w.rep, "wg_device static private key (WireGuard)"),
                         1);
        assert_int_equal(redact_report_count(&w.rep, "noise_handshake secrets (WireGuard)"), 5);
        assert_int_equal(redact_report_count(&w.rep, "noise_keypair keys (WireGuard)"), 2);
        assert_int_equal(erased(&w, WG_PRIV + 112, 32), 32); /* the cookie checker's secret */
        assert_int_equal(erased(&w, WG_PEER + 280, 16), 16); /* the latest cookie */
        assert_int_equal(erased(&w, WG_PEER + 264, 16), 0);
        assert_int_equal(redact_report_count(&w.rep, "cookie secrets (WireGuard)"), 2);
        free(w.plan.r);
    }
}

static void wireguard_hostile(void **state)
{
    static const struct {
        uint64_t at, value;
        const char *says;
    } fails[] = {
        {WG_PEER + 248, VA(WG_PEER + 248),
         "WireGuard: a WireGuard device's peers (peer_list) loops"},
        {WG_PEER + 248, 0, "(peer_list) breaks after 1 entries"},
        {WG_DEV + 16, VA(WG_LO + 16), "a network namespace's devices (dev_base_head) loops"},
    };
    struct walked w;

    (void)state;
    for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
        plant();
        put64(fails[i].at, fails[i].value);
        redact_walk_fake(&w, 1 << 20, lb_redact_wireguard);
        if (w.r == 0 || !strstr(w.err.msg, fails[i].says))
            print_error("case %zu: %d %s\n", i, w.r, w.r ? w.err.msg : "");
        assert_int_equal(w.r, -1);
        assert_non_null(strstr(w.err.msg, fails[i].says));
        free(w.plan.r);
    }
    plant(); /* a private area that does not point back: named, not erased */
    put64(WG_PRIV, VA(WG_LO));
    walk_ok(&w, lb_redact_wireguard);
    assert_true(redact_report_says(&w.rep, "whose private area does not point back"));
    assert_int_equal(erased(&w, WG_PRIV + 48, 32), 0);
    free(w.plan.r);

    plant(); /* another kind of device: left whole */
    memcpy(mem + WG_KIND, "wireguarx", 10);
    walk_ok(&w, lb_redact_wireguard);
    assert_int_equal(w.plan.n, 0);
    free(w.plan.r);

    plant();
    redact_walk_fake(&w, 3, lb_redact_wireguard);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "budget of steps"));
    free(w.plan.r);
}

/* Renames a name in the fake's BTF (its last byte to X): a kernel without that type or member. */
static void btf_rename(const char *name)
{
    size_t n = strlen(name) + 1;

    for (uint8_t *p = mem + FAKE_BTF; p + n <= mem + FAKE_TASKS; p++)
        if (memcmp(p, name, n) == 0)
            p[n - 2] = 'X';
}

/* Layouts this walk does not know: keys in keyrings (before 6.1) said; a member missing fails. */
static void fscrypt_layouts_unknown(void **state)
{
    struct walked w;

    (void)state;
    plant();
    btf_rename("fscrypt_keyring");
    walk_ok(&w, lb_redact_fscrypt);
    assert_true(redact_report_says(&w.rep, "master keys kept in keyrings (before Linux 6.1)"));
    assert_int_equal(w.plan.n, 0);
    free(w.plan.r);

    plant();
    btf_rename("mk_node");
    redact_walk_fake(&w, 1 << 20, lb_redact_fscrypt);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "fscrypt: the BTF lacks a layout"));
    free(w.plan.r);

    plant(); /* WireGuard's: a member missing fails, naming it */
    btf_rename("preshared_key");
    redact_walk_fake(&w, 1 << 20, lb_redact_wireguard);
    assert_int_equal(w.r, -1);
    assert_non_null(strstr(w.err.msg, "WireGuard: wireguard's BTF lacks a member"));
    free(w.plan.r);
}

/* A kernel without fscrypt or WireGuard (neither built in nor loaded): said, nothing erased. */
static void absent_said(void **state)
{
    struct walked w;

    (void)state;
    fake_kernel_init(mem);
    fake_kernel_dm(mem); /* a BTF of dm's and the crypto API's types only */
    walk_ok(&w, lb_redact_fscrypt);
    assert_true(redact_report_says(&w.rep, "no struct fscrypt_master_key in the kernel's BTF"));
    free(w.plan.r);
    walk_ok(&w, lb_redact_wireguard);
    assert_true(redact_report_says(&w.rep, "the wireguard module is not loaded (nor built in)"));
    free(w.plan.r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fscrypt_keys_erased),     cmocka_unit_test(fscrypt_keys_erased_7),
        cmocka_unit_test(fscrypt_hostile),         cmocka_unit_test(wireguard_keys_erased),
        cmocka_unit_test(wireguard_hostile),       cmocka_unit_test(absent_said),
        cmocka_unit_test(fscrypt_layouts_unknown),
    };
    (void)has_note;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
