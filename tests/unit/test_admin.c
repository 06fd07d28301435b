/*
 * test_admin.c - the running system's side (src/admin), on files and a fake
 * root: the estimate of the reservation and its split into plain and CMA
 * parts, crashkernel= words and whether a kernel takes ,cma, the crash
 * kernel's command line, and the boot notice that the last boot crashed.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin/cmdline.h"
#include "admin/crashkernel.h"
#include "admin/estimate.h"
#include "admin/host_arch.h"
#include "admin/notice.h"
#include "config/config.h"
#include "dumpdir/dumps.h"

#include "capture_fixtures.h"

/* The crash kernel's CPUs: as many as the reservation feeds, each costing what estimate.c says. */
static void estimate_fits_cpus_to_the_reservation(void **state)
{
    struct initramfs_stats st = {.compressed = 2 << 20, .uncompressed = 4 << 20};
    struct estimate e = {.init_size = 51ull << 20}, one;

    (void)state;
    estimate_add_up(&e, &st);
    one = e;
    assert_int_equal(e.cpus, 1);
    /* a reservation just big enough for one CPU gives one */
    assert_int_equal(estimate_fit_cpus(&e, one.total + (4 << 20), 8), 1);
    assert_true(e.crashkernel == one.crashkernel);
    /* room for the parallel batches and two more CPUs: three */
    uint64_t three =
        one.total + (4 << 20) + ((uint64_t)ESTIMATE_PARALLEL_KIB << 10) + 2 * e.per_cpu;
    assert_int_equal(estimate_fit_cpus(&e, three, 8), 3);
    assert_true(e.total == one.total + ((uint64_t)ESTIMATE_PARALLEL_KIB << 10) + 2 * e.per_cpu);
    assert_true(e.crashkernel > one.crashkernel);
    /* never more than the machine has, never fewer than one */
    assert_int_equal(estimate_fit_cpus(&e, UINT64_MAX, 2), 2);
    assert_int_equal(estimate_fit_cpus(&e, 1 << 20, 8), 1);
}

/* crashkernel= words: the plain size, the ,cma part, and the forms read but not split. */
/* x86: the boot CPU, stopped by the panic, stays down; a panic on another CPU costs one. */
static void fewest_crash_cpus_leave_out_the_boot_cpu(void **state)
{
    (void)state;
#if defined(__x86_64__)
    assert_int_equal(host_crash_cpus_fewest(2, 2), 1);
    assert_int_equal(host_crash_cpus_fewest(4, 4), 3);
    assert_int_equal(host_crash_cpus_fewest(2, 8), 2); /* 7 others: nr_cpus= is the limit */
    assert_int_equal(host_crash_cpus_fewest(1, 1), 1);
    assert_int_equal(host_crash_cpus_fewest(3, 0), 1); /* sysconf failed: still one */
#else
    assert_int_equal(host_crash_cpus_fewest(2, 2), 2);
#endif
}

static void crashkernel_words_are_parsed(void **state)
{
    struct crashkernel_args a;

    (void)state;
    assert_int_equal(crashkernel_parse("ro crashkernel=72M crashkernel=16M,cma quiet", &a), 0);
    assert_true(a.plain == 72ull << 20 && a.cma == 16ull << 20 && !a.other);
    assert_int_equal(crashkernel_parse("crashkernel=1G@16M", &a), 0);
    assert_true(a.plain == 1ull << 30 && a.cma == 0);
    assert_int_equal(crashkernel_parse("crashkernel=256M,high crashkernel=0,low", &a), 0);
    assert_true(a.plain == 256ull << 20 && a.other);
    assert_int_equal(crashkernel_parse("crashkernel=512M-2G:64M,2G-:128M", &a), 0);
    assert_true(a.plain == 0 && a.other);
    assert_int_equal(crashkernel_parse("root=/dev/sda1 console=ttyS0", &a), 0);
    assert_true(a.plain == 0 && a.cma == 0 && !a.other);
    /* the ,cma part alone: no plain part (load refuses it) */
    assert_int_equal(crashkernel_parse("crashkernel=64M,cma\n", &a), 0);
    assert_true(a.plain == 0 && a.cma == 64ull << 20);
    assert_int_equal(crashkernel_parse("crashkernel=64M,dma", &a), -1);
    assert_int_equal(crashkernel_parse("crashkernel=lots", &a), -1);
    assert_int_equal(crashkernel_parse("crashkernel=", &a), 0); /* not a crashkernel= value */
}

static void write_text(const char *root, const char *rel, const char *text)
{
    char path[512];

    make_file(root, rel);
    snprintf(path, sizeof(path), "%s%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* n lines of symbols, name among them if given: a kallsyms or a real System.map. */
static void write_symbols(const char *root, const char *rel, int n, const char *name)
{
    char path[512];

    make_file(root, rel);
    snprintf(path, sizeof(path), "%s%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < n; i++)
        fprintf(f, "ffffffff8100%04x T sym_%d\n", i, i);
    if (name)
        fprintf(f, "ffffffff9658fbc0 B %s\n", name);
    fclose(f);
}

/* Whether a kernel takes crashkernel=,cma: its config and its symbols, never its version. */
static void crashkernel_cma_support_is_read_from_the_kernel(void **state)
{
    char root[] = "/tmp/lifeboat-cma-XXXXXX", how[2048];
    const char *rel = "7.3.4+deb13-cloud-amd64";

    (void)state;
    assert_non_null(mkdtemp(root));
    /* the running kernel, CONFIG_CMA=y beside its modules, crashk_cma_cnt in kallsyms: yes */
    write_text(root, "/usr/lib/modules/7.3.4+deb13-cloud-amd64/config",
               "CONFIG_CRASH_DUMP=y\nCONFIG_CMA=y\n");
    write_symbols(root, "/proc/kallsyms", 2000, "crashk_cma_cnt");
    assert_int_equal(crashkernel_cma_supported(root, rel, 1, how, sizeof(how)), 1);
    assert_non_null(strstr(how, "/proc/kallsyms has crashk_cma_cnt and CONFIG_CMA=y in"));
    /* a running kernel without the symbol (6.12, or one built without it): no, and why */
    write_symbols(root, "/proc/kallsyms", 2000, "crashk_res");
    assert_int_equal(crashkernel_cma_supported(root, rel, 1, how, sizeof(how)), 0);
    assert_non_null(strstr(how, "has no crashk_cma_cnt"));
    /* a symbol's name that only starts the same is not it */
    write_symbols(root, "/proc/kallsyms", 2000, "crashk_cma_cnt_other");
    assert_int_equal(crashkernel_cma_supported(root, rel, 1, how, sizeof(how)), 0);
    /* CONFIG_CMA not set: no, whatever the symbols say */
    write_symbols(root, "/proc/kallsyms", 2000, "crashk_cma_cnt");
    write_text(root, "/usr/lib/modules/7.3.4+deb13-cloud-amd64/config",
               "# CONFIG_CMA is not set\nCONFIG_CMA_SIZE_MBYTES=0\n");
    assert_int_equal(crashkernel_cma_supported(root, rel, 1, how, sizeof(how)), 0);
    assert_non_null(strstr(how, "has no CONFIG_CMA=y"));
    /* /boot's config comes first */
    write_text(root, "/boot/config-7.3.4+deb13-cloud-amd64", "CONFIG_CMA=y\n");
    assert_int_equal(crashkernel_cma_supported(root, rel, 1, how, sizeof(how)), 1);
    /* another kernel: its System.map; Debian's one-line stub cannot tell, so no */
    assert_int_equal(crashkernel_cma_supported(root, rel, 0, how, sizeof(how)), 0);
    assert_non_null(strstr(how, "is not the running kernel and has no System.map"));
    write_text(root, "/usr/lib/modules/7.3.4+deb13-cloud-amd64/System.map",
               "ffffffffffffffff B The real System.map is in the -dbg package\n");
    assert_int_equal(crashkernel_cma_supported(root, rel, 0, how, sizeof(how)), 0);
    assert_non_null(strstr(how, "a stub"));
    write_symbols(root, "/boot/System.map-7.3.4+deb13-cloud-amd64", 2000, "crashk_cma_cnt");
    assert_int_equal(crashkernel_cma_supported(root, rel, 0, how, sizeof(how)), 1);
}

/* The CMA part as the kernel says it (total_pages), else as the command line asked. */
static void crashkernel_cma_part_is_read(void **state)
{
    char root[] = "/tmp/lifeboat-cma-XXXXXX";
    struct crashkernel_cma c;
    long page = sysconf(_SC_PAGESIZE);

    (void)state;
    assert_non_null(mkdtemp(root));
    crashkernel_cma_read(root, &c);
    assert_true(c.requested == 0 && c.reserved == 0 && !c.said);
    write_text(root, "/proc/cmdline", "console=ttyS0 crashkernel=64M,cma crashkernel=72M\n");
    /* asked of a kernel without ,cma (6.12): nothing reserved */
    write_symbols(root, "/proc/kallsyms", 2000, "crashk_res");
    crashkernel_cma_read(root, &c);
    assert_true(c.requested == 64ull << 20 && c.reserved == 0 && !c.said);
    /* a kernel with it but no /sys/kernel/mm/cma: as asked */
    write_symbols(root, "/proc/kallsyms", 2000, "crashk_cma_cnt");
    crashkernel_cma_read(root, &c);
    assert_true(c.requested == 64ull << 20 && c.reserved == 64ull << 20 && !c.said);
    write_text(root, "/sys/kernel/mm/cma/crashkernel/total_pages", "8192\n");
    write_text(root, "/sys/kernel/mm/cma/reserved/total_pages", "1000\n"); /* another area */
    crashkernel_cma_read(root, &c);
    assert_true(c.said && c.reserved == 8192ull * (uint64_t)page);
}

/* The split: the plain part holds what kexec_file_load places, the CMA part the rest. */
static void estimate_splits_the_reservation(void **state)
{
    struct initramfs_stats st = {.compressed = 709 << 10, .uncompressed = 1492 << 10};
    struct estimate e = {.init_size = 60ull << 20};
    struct lb_error why;
    const uint64_t M = 1 << 20;

    (void)state;
    estimate_add_up(&e, &st);
    /* 7.3.4: init_size 60 MiB + 709 KiB + 2 MiB of segments + 4 MiB margin: 72M plain */
    assert_true(e.plain == 72 * M);
    assert_true(e.plain_need < e.plain && e.plain_need > 62 * M);
    assert_true(e.plain + e.cma == e.crashkernel); /* the split costs nothing more */
    assert_true(e.crashkernel == 88 * M && e.cma == 16 * M);
    assert_int_equal(estimate_check(&e, 72 * M, 16 * M, &why), 0);
    assert_int_equal(estimate_check(&e, 88 * M, 0, &why), 0);
    /* the plain part too small for the kernel: said first, whatever the CMA part holds */
    assert_int_equal(estimate_check(&e, 48 * M, 64 * M, &why), -1);
    assert_non_null(
        strstr(why.msg, "the plain part (48 MiB) cannot hold the kernel and initramfs"));
    assert_int_equal(estimate_check(&e, 72 * M, 8 * M, &why), -1);
    assert_non_null(strstr(why.msg, "crashkernel=16M,cma crashkernel=72M"));
    assert_int_equal(estimate_check(&e, 80 * M, 0, &why), -1);
    assert_string_equal(why.msg, "the capture needs crashkernel=88M ('lifeboat estimate')");
    assert_int_equal(why.kind, LB_ERR_REFUSED);
    /* more CPUs grow the CMA part only */
    estimate_fit_cpus(&e, UINT64_MAX, 8);
    assert_true(e.plain == 72 * M && e.plain + e.cma == e.crashkernel && e.cma > 16 * M);
    /* a config's choice reads and formats back */
    struct config cfg;
    char buf[4096];
    struct lb_error err;
    assert_int_equal(config_parse("reservation cma\n", "t.conf", &cfg, &err), 0);
    assert_int_equal(cfg.reservation_cma, 1);
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "reservation cma\n"));
    assert_int_equal(config_parse("target dir /x\n", "t.conf", &cfg, &err), 0);
    assert_int_equal(cfg.reservation_cma, 0); /* the plain form unless asked */
    expect_config_error("reservation huge\n", "expected 'reservation plain' or 'reservation cma'");
}

static void cmdline_drops_what_harms_a_crash_kernel(void **state)
{
    char out[1024];

    (void)state;
    assert_int_equal(capture_cmdline("BOOT_IMAGE=/vmlinuz root=UUID=1 ro crashkernel=256M "
                                     "console=ttyS0,115200 quiet systemd.unit=x nr_cpus=8 "
                                     "log_buf_len=4M "
                                     "foo=\"a b\" -- single",
                                     "nr_cpus=2", "extra=1", out, sizeof(out)),
                     0);
    assert_non_null(strstr(out, "console=ttyS0,115200 quiet foo=\"a b\" "));
    assert_null(strstr(out, "crashkernel"));
    assert_null(strstr(out, "root="));
    assert_null(strstr(out, "systemd"));
    assert_null(strstr(out, "single"));
    assert_null(strstr(out, "nr_cpus=8"));
    assert_null(strstr(out, "log_buf_len"));
    assert_non_null(strstr(out, capture_cmdline_extra));
    assert_non_null(strstr(out, " nr_cpus=2 extra=1"));
    assert_int_equal(capture_cmdline("console=ttyS0", "nr_cpus=1", NULL, out, 20), -1);
}

/*
 * The boot notice says what the dump says on one line, on the console and
 * in the state 'lifeboat status' shows.  Run in a child with a mount
 * namespace of its own and a tmpfs over the state's parent: the machine's
 * own notice state is never touched.
 */
static void notice_escapes_what_a_dump_says(void **state)
{
    char *dir = make_forged_dump();
    int status;
    pid_t pid;
    (void)state;

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char parent[] = LIFEBOAT_STATE, line[2000] = "", *out = NULL;
        struct dump_list l = {0};
        size_t len = 0;
        *strrchr(parent, '/') = '\0';
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("none", parent, "tmpfs", 0, NULL) < 0)
            _exit(77); /* not root: no namespace of its own */
        FILE *f = open_memstream(&out, &len);
        if (dumps_scan(dir, &l) < 0 || !f)
            _exit(2);
        notice_boot(&l, f);
        fclose(f);
        fprintf(stderr, "notice: %s", out);
        if (!strstr(out, "not syncing: x\\x0alifeboat: forged; complete dump in") ||
            strchr(out, '\n') != out + len - 1 || strchr(out, '\x1b'))
            _exit(3);
        f = fopen(LIFEBOAT_STATE "/notice", "r");
        if (!f || !fgets(line, sizeof(line), f) || !strstr(line, "x\\x0alifeboat: forged"))
            _exit(4);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    remove_tree(dir);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
        skip();
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estimate_fits_cpus_to_the_reservation),
        cmocka_unit_test(fewest_crash_cpus_leave_out_the_boot_cpu),
        cmocka_unit_test(crashkernel_words_are_parsed),
        cmocka_unit_test(crashkernel_cma_support_is_read_from_the_kernel),
        cmocka_unit_test(crashkernel_cma_part_is_read),
        cmocka_unit_test(estimate_splits_the_reservation),
        cmocka_unit_test(cmdline_drops_what_harms_a_crash_kernel),
        cmocka_unit_test(notice_escapes_what_a_dump_says),
    };
    return cmocka_run_group_tests_name("admin", tests, NULL, NULL);
}
