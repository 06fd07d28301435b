/*
 * test_config.c - lifeboat.conf (src/config): every directive read and
 * formatted back the same, errors that name the file and the line, the crash
 * kernel's lenient reading that keeps every good line, and what load records
 * (device-mapper tables, LVM PVs, shown paths) surviving the trip through the
 * initramfs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "lbdump.h"
#include "targets/target.h"

#include "capture_fixtures.h"

static void config_reads_every_directive(void **state)
{
    const char *text = "# comment\n"
                       "target fs /dev/nvme0n1 /crash   # trailing comment\n"
                       "target raw /dev/sdb\n"
                       "target dir /var/crash\n"
                       "target fs UUID=0b1c2d3e-aaaa-bbbb-cccc-0123456789ab\n"
                       "target path /srv/crash\n"
                       "keep 3\n"
                       "min-free 512M\n"
                       "final-action poweroff\n"
                       "device-timeout 5\n"
                       "hostname web-1\n"
                       "cpus 4\n"
                       "redact names,keys\n"
                       "cmdline-append console=ttyS0 quiet\n";
    struct config cfg, again;
    char buf[4096];
    struct lb_error err;

    (void)state;
    if (config_parse(text, "t.conf", &cfg, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(cfg.ntargets, 5);
    assert_int_equal(cfg.keep, 3);
    assert_int_equal(cfg.min_free_mib, 512);
    assert_ptr_equal(cfg.targets[4].kind, &target_kind_path);
    assert_string_equal(cfg.targets[3].device, "UUID=0b1c2d3e-aaaa-bbbb-cccc-0123456789ab");
    assert_string_equal(cfg.targets[3].path, "/");
    assert_ptr_equal(cfg.targets[0].kind, &target_kind_fs);
    assert_string_equal(cfg.targets[0].device, "/dev/nvme0n1");
    assert_string_equal(cfg.targets[0].path, "/crash");
    assert_ptr_equal(cfg.targets[1].kind, &target_kind_raw);
    assert_ptr_equal(cfg.targets[2].kind, &target_kind_dir);
    assert_int_equal(cfg.final_action, FINAL_POWEROFF);
    assert_int_equal(cfg.device_timeout, 5);
    assert_string_equal(cfg.hostname, "web-1");
    assert_int_equal(cfg.cpus, 4);
    assert_int_equal(cfg.redact, LB_REDACT_NAMES | LB_REDACT_KEYS);
    assert_string_equal(cfg.cmdline_append, "console=ttyS0 quiet");
    /* what the initramfs carries reads back the same */
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    assert_int_equal(config_parse(buf, "formatted", &again, &err), 0);
    assert_memory_equal(&cfg, &again, sizeof(cfg));
}

static void config_errors_name_the_line(void **state)
{
    (void)state;
    expect_config_error("\n\nbogus 1\n", "t.conf:3: unknown directive 'bogus'");
    expect_config_error("target fs nvme0n1\n", "t.conf:1: 'nvme0n1' is not UUID=..., LABEL=...");
    expect_config_error("target raw sdb\n", "t.conf:1: raw device 'sdb' is not PARTUUID=");
    expect_config_error("redact keys,secrets\n", "t.conf:1: expected 'redact CLASSES'");
    expect_config_error("keep many\n", "t.conf:1: expected 'keep N'");
    expect_config_error("target nfs host:/x\n", "t.conf:1: expected 'target fs");
    expect_config_error("final-action explode\n", "'explode' is not reboot");
    expect_config_error("device-timeout -1\n", "not a number of seconds");
    expect_config_error("hostname a/b\n", "letters, digits");
    expect_config_error("hostname web 17\n", "letters, digits");
    expect_config_error("hostname we$b\n", "letters, digits");
    expect_config_error("cpus 0\n",
                        "t.conf:1: expected 'cpus auto' or 'cpus N' with N from 1 to 64");
    expect_config_error("cpus 65\n", "expected 'cpus auto'");
    expect_config_error("cpus many\n", "expected 'cpus auto'");
}

/* In the crash kernel a damaged line costs that line, never the targets around it. */
static void config_lenient_keeps_every_good_line(void **state)
{
    struct config cfg;
    struct lb_error why = {.msg = ""};

    (void)state;
    assert_int_equal(config_parse_lenient("target dir /a\nbogus line\ntarget dir /b\nkeep x\n"
                                          "final-action poweroff\n",
                                          "t.conf", &cfg, &why),
                     -1);
    assert_non_null(strstr(why.msg, "t.conf:2:")); /* the first bad line's, not the last's */
    assert_int_equal(cfg.ntargets, 2);
    assert_string_equal(cfg.targets[1].path, "/b");
    assert_int_equal(cfg.final_action, FINAL_POWEROFF);
}

/* What load writes for LVM and for a path survives the trip through the initramfs. */
static void config_keeps_lvm_tables_and_shown_paths(void **state)
{
    static struct config cfg, again;
    static char text[CONFIG_TEXT_MAX];
    struct lb_error err;
    (void)state;

    assert_int_equal(config_parse("target fs UUID=ab /crash as /var/crash\n"
                                  "dm vg0-var 0 4096 striped 2 128 SERIAL=a 2048 SERIAL=b 2048\n"
                                  "dm vg0-var 4096 100 linear PARTUUID=0011aabb-01 8192\n",
                                  "t", &cfg, &err),
                     0);
    assert_int_equal(cfg.ndm, 2);
    assert_string_equal(cfg.targets[0].shown, "/var/crash");
    assert_string_equal(cfg.dm[0].seg.type, "striped");
    assert_string_equal(cfg.dm[0].seg.params, "2 128 SERIAL=a 2048 SERIAL=b 2048");
    assert_int_equal(cfg.dm[1].seg.start, 4096);
    assert_int_equal(config_format(&cfg, text, sizeof(text)), 0);
    assert_int_equal(config_parse(text, "again", &again, &err), 0);
    assert_memory_equal(&cfg.dm, &again.dm, sizeof(cfg.dm));
    expect_config_error("dm vg0-var 0 0 linear X 1\n", "t.conf:1: expected 'dm NAME START LENGTH");
    expect_config_error("dm vg0-var 0 8 linear\n", "t.conf:1: dm vg0-var: parameters missing");
}

/* lvm-pv lines: what load records of each PV survives the trip through the initramfs. */
static void config_keeps_lvm_pv_records(void **state)
{
    static struct config cfg, again;
    static char text[CONFIG_TEXT_MAX];
    struct lb_error err;

    (void)state;
    assert_int_equal(config_parse("lvm-pv PVUUID=0FdpBM-DiDb-niDK-WYZ5-Z1vz-8PUy-4eqIo7 lbvg 42\n",
                                  "t", &cfg, &err),
                     0);
    assert_int_equal(cfg.nlvm_pv, 1);
    assert_int_equal(cfg.lvm_pv[0].seqno, 42);
    assert_int_equal(config_format(&cfg, text, sizeof(text)), 0);
    assert_int_equal(config_parse(text, "again", &again, &err), 0);
    assert_memory_equal(&cfg.lvm_pv, &again.lvm_pv, sizeof(cfg.lvm_pv));
    expect_config_error("lvm-pv SERIAL=x lbvg 1\n", "t.conf:1: expected 'lvm-pv PVUUID=");
    expect_config_error("lvm-pv PVUUID=x lbvg -1\n", "t.conf:1: lvm-pv: seqno '-1' is not");
}

/*
 * A kind of target is one file and one line of targets/target.c's table: every kind there
 * says all a kind must (its line read and written, described, done on the running system and
 * in the crash kernel, listed), and is found by the word of its line.
 */
static void every_kind_of_target_is_whole(void **state)
{
    const struct target_kind *kind;
    size_t n = 0;
    char word[64];

    (void)state;
    for (size_t i = 0; (kind = target_kind_at(i)); i++, n++) {
        assert_non_null(kind->name);
        assert_non_null(kind->usage);
        assert_non_null(kind->parse);
        assert_non_null(kind->format);
        assert_non_null(kind->describe);
        assert_non_null(kind->ops);
        assert_non_null(kind->ops->prepare);
        assert_non_null(kind->ops->save);
        assert_non_null(kind->ops->directory_here);
        snprintf(word, sizeof(word), "%s%s", kind->name, kind->url ? "://host/dir" : "");
        assert_ptr_equal(target_kind_for(word), kind);
        if (kind->url) { /* 'save URL' goes through the kind, if only to refuse */
            assert_non_null(kind->ops->open_sink);
            assert_true(kind->port > 0);
        }
        assert_true(!kind->network_build || kind->network);
    }
    assert_int_equal(n, 7);
    assert_null(target_kind_for("ftp://host/dir"));
    assert_null(target_kind_for("fsx"));
}

/* The secrets the kinds carry into the initramfs, and the fields that then name them there. */
static void kinds_name_the_secrets_they_carry(void **state)
{
    static struct config cfg;
    struct target_secret s;

    (void)state;
    config_defaults(&cfg);
    assert_int_equal(target_kind_ssh.secret(&cfg, &s), 1);
    assert_string_equal(s.archive_path, CAPTURE_SSH_IDENTITY);
    assert_ptr_equal(s.config_field, cfg.ssh_identity);
    assert_string_equal(s.config_field, DEFAULT_SSH_IDENTITY); /* the key load would use */
    assert_int_equal(target_kind_https.secret(&cfg, &s), 0);   /* no token, nothing carried */
    snprintf(cfg.https_token, sizeof(cfg.https_token), "/root/token");
    assert_int_equal(target_kind_https.secret(&cfg, &s), 1);
    assert_string_equal(s.archive_path, CAPTURE_HTTPS_TOKEN);
    assert_string_equal(s.config_field, "/root/token");
    assert_null(target_kind_nfs.secret);
    assert_null(target_kind_fs.secret);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_reads_every_directive),
        cmocka_unit_test(every_kind_of_target_is_whole),
        cmocka_unit_test(kinds_name_the_secrets_they_carry),
        cmocka_unit_test(config_errors_name_the_line),
        cmocka_unit_test(config_lenient_keeps_every_good_line),
        cmocka_unit_test(config_keeps_lvm_pv_records),
        cmocka_unit_test(config_keeps_lvm_tables_and_shown_paths),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
