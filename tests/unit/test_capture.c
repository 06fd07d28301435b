/*
 * test_capture.c - the capture policy and its platform pieces, on files:
 * configuration, the crash kernel's command line, the cpio writer, dump
 * directory naming, and a whole capture into a directory.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/synth.h"
#include "../common/synth_lvm.h"
#include "admin/cmdline.h"
#include "admin/crashkernel.h"
#include "admin/estimate.h"
#include "admin/notice.h"
#include "capture/capture.h"
#include "capture/savecore.h"
#include "cmd/commands.h"
#include "config/config.h"
#include "dumpdir/dumpdir.h"
#include "dumpdir/dumps.h"
#include "dumpdir/place.h"
#include "dumpdir/steps.h"
#include "lbdump.h"
#include "platform/cpio.h"
#include "platform/kernel_image.h"
#include "platform/lvm_pv.h"
#include "platform/rawdev.h"
#include "platform/supervise.h"
#include "render/json.h"
#include "targets/raw_record.h"
#include "tools/verify.h"
#include <zlib.h>

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
    char err[256], buf[4096];

    (void)state;
    if (config_parse(text, "t.conf", &cfg, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(cfg.ntargets, 5);
    assert_int_equal(cfg.keep, 3);
    assert_int_equal(cfg.min_free_mib, 512);
    assert_int_equal(cfg.targets[4].kind, TARGET_PATH);
    assert_string_equal(cfg.targets[3].device, "UUID=0b1c2d3e-aaaa-bbbb-cccc-0123456789ab");
    assert_string_equal(cfg.targets[3].path, "/");
    assert_int_equal(cfg.targets[0].kind, TARGET_FS);
    assert_string_equal(cfg.targets[0].device, "/dev/nvme0n1");
    assert_string_equal(cfg.targets[0].path, "/crash");
    assert_int_equal(cfg.targets[1].kind, TARGET_RAW);
    assert_int_equal(cfg.targets[2].kind, TARGET_DIR);
    assert_int_equal(cfg.final_action, FINAL_POWEROFF);
    assert_int_equal(cfg.device_timeout, 5);
    assert_string_equal(cfg.hostname, "web-1");
    assert_int_equal(cfg.cpus, 4);
    assert_int_equal(cfg.redact, LB_REDACT_NAMES | LB_REDACT_KEYS);
    assert_string_equal(cfg.cmdline_append, "console=ttyS0 quiet");
    /* what the initramfs carries reads back the same */
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    assert_int_equal(config_parse(buf, "formatted", &again, err, sizeof(err)), 0);
    assert_memory_equal(&cfg, &again, sizeof(cfg));
}

static void expect_config_error(const char *text, const char *msg)
{
    struct config cfg;
    char err[256];

    assert_int_equal(config_parse(text, "t.conf", &cfg, err, sizeof(err)), -1);
    if (!strstr(err, msg))
        fail_msg("error '%s' does not mention '%s'", err, msg);
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

static void make_file(const char *root, const char *rel)
{
    char path[512], *slash;

    snprintf(path, sizeof(path), "%s%s", root, rel);
    for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0755);
        *slash = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("an image", f);
    fclose(f);
}

/* crashkernel= words: the plain size, the ,cma part, and the forms read but not split. */
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
    char why[512];
    const uint64_t M = 1 << 20;

    (void)state;
    estimate_add_up(&e, &st);
    /* 7.3.4: init_size 60 MiB + 709 KiB + 2 MiB of segments + 4 MiB margin: 72M plain */
    assert_true(e.plain == 72 * M);
    assert_true(e.plain_need < e.plain && e.plain_need > 62 * M);
    assert_true(e.plain + e.cma == e.crashkernel); /* the split costs nothing more */
    assert_true(e.crashkernel == 88 * M && e.cma == 16 * M);
    assert_int_equal(estimate_check(&e, 72 * M, 16 * M, why, sizeof(why)), 0);
    assert_int_equal(estimate_check(&e, 88 * M, 0, why, sizeof(why)), 0);
    /* the plain part too small for the kernel: said first, whatever the CMA part holds */
    assert_int_equal(estimate_check(&e, 48 * M, 64 * M, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "the plain part (48 MiB) cannot hold the kernel and initramfs"));
    assert_int_equal(estimate_check(&e, 72 * M, 8 * M, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "crashkernel=16M,cma crashkernel=72M"));
    assert_int_equal(estimate_check(&e, 80 * M, 0, why, sizeof(why)), -1);
    assert_string_equal(why, "the capture needs crashkernel=88M ('lifeboat estimate')");
    /* more CPUs grow the CMA part only */
    estimate_fit_cpus(&e, UINT64_MAX, 8);
    assert_true(e.plain == 72 * M && e.plain + e.cma == e.crashkernel && e.cma > 16 * M);
    /* a config's choice reads and formats back */
    struct config cfg;
    char err[256], buf[4096];
    assert_int_equal(config_parse("reservation cma\n", "t.conf", &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.reservation_cma, 1);
    assert_int_equal(config_format(&cfg, buf, sizeof(buf)), 0);
    assert_non_null(strstr(buf, "reservation cma\n"));
    assert_int_equal(config_parse("target dir /x\n", "t.conf", &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.reservation_cma, 0); /* the plain form unless asked */
    expect_config_error("reservation huge\n", "expected 'reservation plain' or 'reservation cma'");
}

/*
 * The running kernel's image: /boot/vmlinuz-KVER, else /usr/lib/modules/KVER/vmlinuz (Debian's
 * 7.x packages) or /lib/modules/KVER/vmlinuz; what is looked at is said when none is there.
 */
static void kernel_image_is_found_in_boot_or_modules(void **state)
{
    char root[] = "/tmp/lifeboat-root-XXXXXX", path[4096], why[1024], want[600];
    const char *rel = "7.3.4+deb13-cloud-amd64";

    (void)state;
    assert_non_null(mkdtemp(root));
    assert_int_equal(kernel_image_find(root, rel, path, sizeof(path), why, sizeof(why)), -1);
    snprintf(want, sizeof(want),
             "no image of kernel %s: not %s/boot/vmlinuz-%s, %s/usr/lib/modules/%s/vmlinuz or "
             "%s/lib/modules/%s/vmlinuz",
             rel, root, rel, root, rel, root, rel);
    assert_string_equal(why, want);
    /* a directory of that name is no image */
    make_file(root, "/lib/modules/7.3.4+deb13-cloud-amd64/vmlinuz/x");
    assert_int_equal(kernel_image_find(root, rel, path, sizeof(path), why, sizeof(why)), -1);
    make_file(root, "/usr/lib/modules/7.3.4+deb13-cloud-amd64/vmlinuz");
    make_file(root, "/usr/lib/modules/7.3.3+deb13-cloud-amd64/vmlinuz"); /* another kernel's */
    assert_int_equal(kernel_image_find(root, rel, path, sizeof(path), why, sizeof(why)), 0);
    snprintf(want, sizeof(want), "%s/usr/lib/modules/%s/vmlinuz", root, rel);
    assert_string_equal(path, want);
    /* where both are (an installed system's hooks link the image into /boot), /boot's */
    make_file(root, "/boot/vmlinuz-7.3.4+deb13-cloud-amd64");
    assert_int_equal(kernel_image_find(root, rel, path, sizeof(path), why, sizeof(why)), 0);
    snprintf(want, sizeof(want), "%s/boot/vmlinuz-%s", root, rel);
    assert_string_equal(path, want);
    /* a release is a file name, never a path */
    assert_int_equal(kernel_image_find(root, "../../etc", path, sizeof(path), why, sizeof(why)),
                     -1);
    assert_non_null(strstr(why, "is not a file name"));
    /* the answer does not fit: said, not cut */
    assert_int_equal(kernel_image_find(root, rel, path, 20, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "too long"));
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* In the crash kernel a damaged line costs that line, never the targets around it. */
static void config_lenient_keeps_every_good_line(void **state)
{
    struct config cfg;
    char why[256] = "";

    (void)state;
    assert_int_equal(config_parse_lenient("target dir /a\nbogus line\ntarget dir /b\nkeep x\n"
                                          "final-action poweroff\n",
                                          "t.conf", &cfg, why, sizeof(why)),
                     -1);
    assert_non_null(strstr(why, "t.conf:2:"));
    assert_int_equal(cfg.ntargets, 2);
    assert_string_equal(cfg.targets[1].path, "/b");
    assert_int_equal(cfg.final_action, FINAL_POWEROFF);
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

static void cpio_writes_newc_entries(void **state)
{
    char path[] = "/tmp/lifeboat-cpio-XXXXXX", data[512];
    int fd = mkstemp(path);
    struct zsink *sink = zsink_open(fd, ZSINK_NONE);
    struct cpio c;
    ssize_t n;

    (void)state;
    cpio_init(&c, sink);
    cpio_dir(&c, "etc", 0755);
    cpio_file(&c, "etc/x", 0600, "hello", 5);
    assert_int_equal(cpio_finish(&c), 0);
    assert_int_equal(zsink_close(sink, NULL), 0);
    n = pread(fd, data, sizeof(data), 0);
    close(fd);
    unlink(path);
    assert_true(n > 110 * 3);
    /* header 1: magic, ino 1, mode 040755, namesize 4 */
    assert_memory_equal(data,
                        "070701"
                        "00000001"
                        "000041ED",
                        22);
    assert_memory_equal(data + 94, "00000004", 8);
    assert_string_equal(data + 110, "etc");
    /* entry 2 starts at 116 (110 + "etc\0" padded to 4) */
    assert_memory_equal(data + 116,
                        "070701"
                        "00000002"
                        "00008180",
                        22);
    assert_memory_equal(data + 116 + 54, "00000005", 8); /* filesize */
    assert_memory_equal(data + 232, "hello", 5);         /* 116 + 110 + "etc/x\0" */
    assert_non_null(memmem(data, (size_t)n, "TRAILER!!!", 10));
    assert_int_equal(n % 4, 0);
}

static char *make_tempdir(void)
{
    char *dir = strdup("/tmp/lifeboat-dir-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void dumpdir_never_reuses_a_name(void **state)
{
    char *dir = make_tempdir(), path[512];
    struct dumpdir a, b;
    struct stat st;

    (void)state;
    assert_int_equal(dumpdir_create(&a, dir, 1700000000, "host"), 0);
    assert_string_equal(a.name, "20231114-221320-host");
    assert_string_equal(a.temp, ".partial-20231114-221320-host");
    assert_int_equal(dumpdir_finish(&a, 0), 0);
    assert_string_equal(a.name, "20231114-221320-host.incomplete");
    /* the incomplete one keeps its name: the next capture takes another */
    assert_int_equal(dumpdir_create(&b, dir, 1700000000, "host"), 0);
    assert_string_equal(b.name, "20231114-221320-host-2");
    assert_int_equal(dumpdir_finish(&b, 1), 0);
    snprintf(path, sizeof(path), "%s/20231114-221320-host-2", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    dumpdir_close(&a);
    dumpdir_close(&b);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
    free(dir);
}

/* A dump directory as a capture leaves it: metadata saying complete, a vmcore. */
static void make_dump(const char *dir, const char *name, const char *status)
{
    char path[600];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/%s/metadata.json", dir, name);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "{\n  \"status\": \"%s\",\n  \"hostname\": \"h\"\n}\n", status);
    fclose(f);
    snprintf(path, sizeof(path), "%s/%s/vmcore", dir, name);
    fclose(fopen(path, "w"));
}

static int exists(const char *dir, const char *name)
{
    char path[600];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

static void remove_tree(char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* What load writes for LVM and for a path survives the trip through the initramfs. */
static void config_keeps_lvm_tables_and_shown_paths(void **state)
{
    static struct config cfg, again;
    static char text[CONFIG_TEXT_MAX];
    char err[256];
    (void)state;

    assert_int_equal(config_parse("target fs UUID=ab /crash as /var/crash\n"
                                  "dm vg0-var 0 4096 striped 2 128 SERIAL=a 2048 SERIAL=b 2048\n"
                                  "dm vg0-var 4096 100 linear PARTUUID=0011aabb-01 8192\n",
                                  "t", &cfg, err, sizeof(err)),
                     0);
    assert_int_equal(cfg.ndm, 2);
    assert_string_equal(cfg.targets[0].shown, "/var/crash");
    assert_string_equal(cfg.dm[0].seg.type, "striped");
    assert_string_equal(cfg.dm[0].seg.params, "2 128 SERIAL=a 2048 SERIAL=b 2048");
    assert_int_equal(cfg.dm[1].seg.start, 4096);
    assert_int_equal(config_format(&cfg, text, sizeof(text)), 0);
    assert_int_equal(config_parse(text, "again", &again, err, sizeof(err)), 0);
    assert_memory_equal(&cfg.dm, &again.dm, sizeof(cfg.dm));
    expect_config_error("dm vg0-var 0 0 linear X 1\n", "t.conf:1: expected 'dm NAME START LENGTH");
    expect_config_error("dm vg0-var 0 8 linear\n", "t.conf:1: dm vg0-var: parameters missing");
}

/* list: newest first, complete or not from the metadata, nothing from a link or a stray file. */
static void list_reads_dump_directories_bounded(void **state)
{
    char *dir = strdup("/tmp/lb-list-XXXXXX"), path[600];
    struct dump_list l = {0};
    FILE *f;
    (void)state;

    assert_non_null(mkdtemp(dir));
    make_dump(dir, "20260102-030405-web1", "complete");
    make_dump(dir, "20260203-000000-web1.incomplete", "incomplete");
    make_dump(dir, "20250101-000000-web1", "complete");
    make_dump(dir, ".partial-20260301-000000-web1", "writing"); /* the power went */
    snprintf(path, sizeof(path), "%s/20260102-030405-web1/info.json", dir);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f,
            "{\n  \"panic\": \"sysrq triggered crash \\u0001\\\"x\\\"\",\n  \"panic_cpu\": 0\n}\n");
    fclose(f);
    snprintf(path, sizeof(path), "%s/20270101-000000-link", dir);
    assert_int_equal(symlink("/etc", path), 0);
    snprintf(path, sizeof(path), "%s/not-a-dump", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(dumps_scan(dir, &l), 0);
    dumps_sort(&l);
    assert_int_equal(l.n, 4);
    assert_non_null(strstr(l.e[0].path, "/.partial-20260301-000000-web1"));
    assert_false(l.e[0].complete);
    assert_string_equal(l.e[0].status, "interrupted");
    assert_non_null(strstr(l.e[1].path, "20260203-000000-web1.incomplete"));
    assert_false(l.e[1].complete);
    assert_non_null(strstr(l.e[2].path, "20260102-030405-web1"));
    assert_true(l.e[2].complete);
    assert_string_equal(l.e[2].panic, "sysrq triggered crash ?\"x\"");
    assert_string_equal(l.e[2].host, "h");
    assert_non_null(strstr(l.e[3].path, "20250101"));
    dumps_free(&l);
    remove_tree(dir);
}

/*
 * A dump directory a crafted dump left: its panic line holds a line end (as
 * JSON's \n) and a fake lifeboat line after it, its host name a raw escape
 * byte.  Issue 21, item 9.
 */
static char *make_forged_dump(void)
{
    char *dir = make_tempdir(), path[600];
    FILE *f;

    make_dump(dir, "20260102-030405-web1", "complete");
    snprintf(path, sizeof(path), "%s/20260102-030405-web1/metadata.json", dir);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "{\n  \"status\": \"complete\",\n  \"hostname\": \"web\x1b[2J1\"\n}\n");
    fclose(f);
    snprintf(path, sizeof(path), "%s/20260102-030405-web1/info.json", dir);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "{\n  \"panic\": \"Kernel panic - not syncing: x\\nlifeboat: forged\"\n}\n");
    fclose(f);
    return dir;
}

/* What cmd_list printed on its standard output, run with args. */
static char *list_output(char **args, int n)
{
    static char out[8192];
    char path[] = "/tmp/lb-list-out-XXXXXX";
    int fd = mkstemp(path), saved = dup(1);
    ssize_t len;

    assert_true(fd >= 0 && saved >= 0);
    fflush(stdout);
    dup2(fd, 1);
    optind = 0;
    int r = cmd_list(n, args);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    assert_int_equal(r, 0);
    len = pread(fd, out, sizeof(out) - 1, 0);
    assert_true(len > 0);
    out[len] = '\0';
    close(fd);
    unlink(path);
    return out;
}

/* list prints what a dump says on one line of its own: control bytes escaped; JSON stays JSON. */
static void list_escapes_what_a_dump_says(void **state)
{
    char *dir = make_forged_dump(), conf[600], *out;
    FILE *f;
    (void)state;

    snprintf(conf, sizeof(conf), "%s/lifeboat.conf", dir);
    assert_non_null(f = fopen(conf, "w"));
    fprintf(f, "target dir %s\n", dir);
    fclose(f);
    char *text_args[] = {"list", "-c", conf, NULL};
    out = list_output(text_args, 3);
    assert_null(strstr(out, "\nlifeboat: forged"));
    assert_non_null(strstr(out, "not syncing: x\\x0alifeboat: forged\n"));
    assert_null(strchr(out, '\x1b'));
    assert_non_null(strstr(out, "web\\x1b[2J1"));
    char *json_args[] = {"list", "-c", conf, "--json", NULL};
    out = list_output(json_args, 4);
    assert_non_null(strstr(out, "\"panic\": \"Kernel panic - not syncing: x\\nlifeboat: forged\""));
    assert_non_null(strstr(out, "\"host\": \"web\\u001b[2J1\""));
    unlink(conf);
    remove_tree(dir);
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

/* json_find_string stops at the text's end and at the buffer's. */
static void json_reader_is_bounded(void **state)
{
    char out[8];
    (void)state;

    assert_int_equal(json_find_string("{\"a\": \"unterminated \\", "a", out, sizeof(out)), 0);
    assert_string_equal(out, "untermi");
    assert_int_equal(json_find_string("{\"a\": \"x\\u12", "a", out, sizeof(out)), 0);
    assert_int_equal(json_find_string("{\"b\": 1}", "a", out, sizeof(out)), -1);
}

static void rotation_removes_oldest_complete_dumps_only(void **state)
{
    char *dir = make_tempdir(), path[600];
    const char *names[] = {"20200101-000000-h",
                           "20210101-000000-h",
                           "20220101-000000-h",
                           "20230101-000000-h",
                           "20190101-000000-h.incomplete",
                           ".partial-20180101-000000-h",
                           "unrelated"};

    (void)state;
    for (size_t i = 0; i < 4; i++)
        make_dump(dir, names[i], "complete");
    for (size_t i = 4; i < 7; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        assert_int_equal(mkdir(path, 0700), 0);
    }
    dumpdir_rotate(dir, "20230101-000000-h", 2, 0); /* the new one and one more */
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(exists(dir, names[i]), i >= 2);     /* the two oldest complete are gone */
    dumpdir_rotate(dir, "20230101-000000-h", 0, UINT64_MAX); /* no space is ever enough */
    assert_false(exists(dir, "20220101-000000-h"));
    assert_true(exists(dir, "20230101-000000-h")); /* never the new one */
    assert_true(exists(dir, "20190101-000000-h.incomplete"));
    remove_tree(dir);
}

/* Calls dumpdir_rotate_dry with its stderr into text (len bytes). */
static void rotate_dry_said(const char *dir, unsigned keep, uint64_t min_free, uint64_t bytes,
                            char *text, size_t len)
{
    FILE *f = tmpfile();
    int saved = dup(2);
    size_t n;

    assert_non_null(f);
    fflush(stderr);
    dup2(fileno(f), 2);
    dumpdir_rotate_dry(dir, keep, min_free, bytes);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    n = fread(text, 1, len - 1, f);
    text[n] = '\0';
    fclose(f);
}

/* A rehearsal's rotation: what a crash now would remove, said, and nothing removed. */
static void rotation_rehearsed_removes_nothing(void **state)
{
    char *dir = make_tempdir(), said[4096];

    (void)state;
    make_dump(dir, "20200101-000000-h", "complete");
    make_dump(dir, "20210101-000000-h", "complete");
    make_dump(dir, "20220101-000000-h", "complete");
    /* keep 2: the crash's dump and the newest; the two oldest would go */
    rotate_dry_said(dir, 2, 0, 1 << 20, said, sizeof(said));
    assert_non_null(strstr(said, "would remove the old dump 20200101-000000-h"));
    assert_non_null(strstr(said, "would remove the old dump 20210101-000000-h"));
    assert_null(strstr(said, "20220101-000000-h"));
    assert_true(exists(dir, "20200101-000000-h") && exists(dir, "20210101-000000-h") &&
                exists(dir, "20220101-000000-h"));
    /* keep 4: room for the crash's dump with the three; nothing would go */
    rotate_dry_said(dir, 4, 0, 1 << 20, said, sizeof(said));
    assert_null(strstr(said, "would remove"));
    /* no space is ever enough: every old one would go, still none does */
    rotate_dry_said(dir, 0, UINT64_MAX, 1 << 20, said, sizeof(said));
    assert_non_null(strstr(said, "would remove the old dump 20220101-000000-h"));
    assert_true(exists(dir, "20220101-000000-h"));
    remove_tree(dir);
}

static void rotation_keep_1_keeps_only_the_new_dump(void **state)
{
    char *dir = make_tempdir();

    (void)state;
    make_dump(dir, "20200101-000000-h", "complete");
    make_dump(dir, "20210101-000000-h", "complete");
    dumpdir_rotate(dir, "20210101-000000-h", 1, 0);
    assert_false(exists(dir, "20200101-000000-h"));
    assert_true(exists(dir, "20210101-000000-h"));
    remove_tree(dir);
}

/* Planted names: a symlink, a far-future fake, a directory without lifeboat's files. */
static void rotation_cannot_be_tricked(void **state)
{
    char *dir = make_tempdir(), *victim = make_tempdir(), path[600], link[600];

    (void)state;
    make_dump(victim, "x", "complete");
    snprintf(path, sizeof(path), "%s/x", victim);
    snprintf(link, sizeof(link), "%s/20000101-000000-h", dir);
    assert_int_equal(symlink(path, link), 0);        /* a link named like the oldest dump */
    make_dump(dir, "29990101-000000-h", "complete"); /* from the far future */
    make_dump(dir, "20010101-000000-h", "writing");  /* never finished */
    make_dump(dir, "20020101-000000-h", "complete");
    snprintf(path, sizeof(path), "%s/20020101-000000-h/notes", dir); /* not a capture's file */
    fclose(fopen(path, "w"));
    make_dump(dir, "20030101-000000-h", "complete");
    make_dump(dir, "20240101-000000-h", "complete"); /* the new one */
    dumpdir_rotate(dir, "20240101-000000-h", 1, 0);
    snprintf(path, sizeof(path), "%s/x/vmcore", victim);
    assert_true(exists(victim, "x/vmcore") && exists(victim, "x/metadata.json"));
    assert_true(exists(dir, "20000101-000000-h"));
    assert_true(exists(dir, "29990101-000000-h"));
    assert_true(exists(dir, "20010101-000000-h"));
    assert_true(exists(dir, "20020101-000000-h/notes"));
    assert_false(exists(dir, "20030101-000000-h")); /* the only real old dump goes */
    assert_true(exists(dir, "20240101-000000-h"));
    remove_tree(dir);
    remove_tree(victim);
}

/* More entries than one read of the directory returns. */
static void rotation_sees_every_entry(void **state)
{
    char *dir = make_tempdir(), name[64];

    (void)state;
    for (int i = 0; i < 1500; i++) {
        snprintf(name, sizeof(name), "2020%04d-000000-h", i);
        make_dump(dir, name, "complete");
    }
    dumpdir_rotate(dir, "20201499-000000-h", 2, 0);
    assert_false(exists(dir, "20200000-000000-h"));
    assert_false(exists(dir, "20201497-000000-h"));
    assert_true(exists(dir, "20201498-000000-h"));
    assert_true(exists(dir, "20201499-000000-h"));
    remove_tree(dir);
}

static int exits_7(void *ctx)
{
    (void)ctx;
    return 7;
}

static int crashes(void *ctx)
{
    (void)ctx;
    signal(SIGSEGV, SIG_DFL); /* not the sanitizer's or cmocka's handler: a plain death */
    raise(SIGSEGV);
    return 0;
}

__attribute__((noreturn)) static int hangs(void *ctx)
{
    (void)ctx;
    for (;;)
        pause();
}

/* Advances for 2 s (a report each 0.2 s), then exits 0: the 1 s deadline must not stop it. */
static int advances(void *ctx)
{
    (void)ctx;
    for (int i = 0; i < 10; i++) {
        supervise_progress();
        nanosleep(&(struct timespec){0, 200000000}, NULL);
    }
    return 0;
}

static void supervisor_survives_crashes_and_hangs(void **state)
{
    int signo;
    time_t t0;

    (void)state;
    assert_int_equal(supervise_run("step", exits_7, NULL, 5, &signo), 7);
    assert_int_equal(supervise_run("step", crashes, NULL, 5, &signo), SUPERVISE_SIGNALED);
    assert_int_equal(signo, SIGSEGV);
    t0 = time(NULL);
    assert_int_equal(supervise_run("step", hangs, NULL, 1, &signo), SUPERVISE_TIMED_OUT);
    assert_true(time(NULL) - t0 <= 3);
    assert_int_equal(supervise_run("step", advances, NULL, 1, &signo), 0);
}

/* A crashed kernel's core for the capture: size bytes of memory at 1 MiB, crashed 2023-11-14. */
static char *crash_core(uint64_t size)
{
    static uint8_t notes[4096];
    struct synth_segment segs[] = {{0x100000, size, 0}};
    size_t len =
        synth_kernel_notes(notes, sizeof(notes), "OSRELEASE=6.1.0-test\nCRASHTIME=1700000000\n", 1);

    return synth_core(segs, 1, notes, len);
}

/*
 * A source cut short: the dump is incomplete because of the crashed memory,
 * not the target, so the next target is not tried (it would read the same).
 */
static void capture_stops_when_the_source_is_at_fault(void **state)
{
    char *core = crash_core(0x40000), *a = make_tempdir(), *b = make_tempdir();
    struct config cfg;
    struct stat st;

    (void)state;
    assert_int_equal(stat(core, &st), 0);
    assert_int_equal(truncate(core, st.st_size - 0x20000), 0); /* half the memory is gone */
    config_defaults(&cfg);
    cfg.ntargets = 2;
    cfg.targets[0].kind = cfg.targets[1].kind = TARGET_DIR;
    snprintf(cfg.targets[0].path, sizeof(cfg.targets[0].path), "%s", a);
    snprintf(cfg.targets[1].path, sizeof(cfg.targets[1].path), "%s", b);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    assert_int_equal(capture_run(&cfg, core, a), CAPTURE_INCOMPLETE);
    assert_true(exists(a, "20231114-221320-box.incomplete/vmcore"));
    assert_false(exists(b, "20231114-221320-box.incomplete"));
    assert_false(exists(b, "20231114-221320-box"));
    remove_tree(a);
    remove_tree(b);
    unlink(core);
    free(core);
}

/* What a raw device holds: free, someone else's, or a dump not yet saved. */
static void raw_devices_are_probed_before_writing(void **state)
{
    char *dir = make_tempdir(), img[600], holds[128], cmd[700];
    uint8_t block[8192] = {0};
    FILE *f;

    (void)state;
    snprintf(img, sizeof(img), "%s/dev", dir);
    struct {
        size_t at;
        const char *bytes;
        size_t len;
        enum rawdev_state want;
    } cases[] = {
        {0, "", 0, RAWDEV_FREE},
        {512, "EFI PART", 8, RAWDEV_FOREIGN},
        {0, "LUKS\xba\xbe", 6, RAWDEV_FOREIGN},
        {4086, "SWAPSPACE2", 10, RAWDEV_FOREIGN},
        {512, "LABELONE", 8, RAWDEV_FOREIGN},
        {510, "\x55\xaa", 2, RAWDEV_FOREIGN},
        {0, "KDUMP   ", 8, RAWDEV_DUMP},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(block, 0, sizeof(block));
        memcpy(block + cases[i].at, cases[i].bytes, cases[i].len);
        assert_non_null(f = fopen(img, "w"));
        fwrite(block, 1, sizeof(block), f);
        assert_int_equal(ftruncate(fileno(f), 1 << 20), 0);
        fclose(f);
        assert_int_equal(rawdev_probe(img, holds, sizeof(holds)), cases[i].want);
    }
    /* a dump once saved may be written over */
    assert_int_equal(rawdev_consume(img, holds, sizeof(holds)), 0);
    assert_int_equal(rawdev_probe(img, holds, sizeof(holds)), RAWDEV_FREE);
    assert_non_null(strstr(holds, "already saved"));
    /* a file system is someone's */
    snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1", img);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(rawdev_probe(img, holds, sizeof(holds)), RAWDEV_FOREIGN);
    assert_string_equal(holds, "an ext4 file system");
    remove_tree(dir);
}

/* Writes len bytes at offset of path. */
static void put_bytes(const char *path, uint64_t offset, const void *bytes, size_t len)
{
    int fd = open(path, O_WRONLY);

    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, len, (off_t)offset), (ssize_t)len);
    close(fd);
}

static void le32_at(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static void le64_at(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/*
 * Someone else's signature is found before lifeboat's own: each image was a
 * raw target once (LBSAVED over an old dump's first bytes, which an MD member
 * with its superblock at the end or ZFS's last label leave alone), then
 * given to an f2fs file system or a bcache
 * backing device (by their own tools), or made a ZFS pool member, a VDO
 * volume, a Ceph BlueStore device, an MD member with its superblock at the
 * end (0.90, 1.0): each is refused by name (it was "a dump already saved",
 * free to write over).  No md driver, zfs or vdo tools here: their
 * superblocks are written as their formats place them.  Zeros are free.
 */
static void a_raw_device_given_to_someone_else_is_refused(void **state)
{
    char *dir = make_tempdir(), img[600], holds[128], cmd[1400];
    uint64_t size = 64 << 20;
    uint8_t sb[4096];
    struct {
        const char *what, *tool; /* a command making it on %s, or NULL: written below */
        const char *says;
    } cases[] = {
        {"f2fs", "mkfs.f2fs -q -f %s", "an f2fs file system"},
        {"bcache", "make-bcache -B %s", "a bcache device"},
        {"zfs", NULL, "a ZFS pool member"},
        {"zfs-last-label", NULL, "a ZFS pool member"},
        {"vdo", NULL, "a VDO volume"},
        {"bluestore", NULL, "a Ceph BlueStore device"},
        {"md-0.90", NULL, "an MD RAID member (its superblock at the end)"},
        {"md-1.0", NULL, "an MD RAID member (its superblock at the end)"},
    };

    (void)state;
    snprintf(img, sizeof(img), "%s/dev", dir);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *w = cases[i].what;
        unlink(img);
        assert_int_equal(close(open(img, O_WRONLY | O_CREAT, 0600)), 0);
        assert_int_equal(truncate(img, (off_t)size), 0);
        /* a raw target once, its dump saved (ZFS's first label goes over the start) */
        if (strncmp(w, "zfs", 3) != 0)
            put_bytes(img, 0, "LBSAVED", 8);
        assert_int_equal(rawdev_probe(img, holds, sizeof(holds)), RAWDEV_FREE);
        memset(sb, 0, sizeof(sb));
        if (cases[i].tool) {
            char line[700];
            snprintf(line, sizeof(line), cases[i].tool, img);
            snprintf(cmd, sizeof(cmd), "%s >/dev/null 2>&1", line);
            if (system(cmd) != 0)
                fail_msg("%s: could not make one (scripts/install-deps installs it)", line);
        } else if (strcmp(w, "zfs") == 0 || strcmp(w, "zfs-last-label") == 0) {
            le64_at(sb, 0x00bab10cull); /* an uberblock, in label 0 or label 3 */
            put_bytes(img,
                      (strcmp(w, "zfs") == 0 ? 0 : size - (256 << 10)) + (128 << 10) + 5 * 1024, sb,
                      1024);
        } else if (strcmp(w, "vdo") == 0) {
            put_bytes(img, 0, "dmvdo001", 8);
        } else if (strcmp(w, "bluestore") == 0) {
            put_bytes(img, 0, "bluestore block device\n", 23);
        } else if (strcmp(w, "md-0.90") == 0) {
            le32_at(sb, 0xa92b4efc); /* 64 KiB-aligned, 64 KiB from the end; version 0.90 */
            le32_at(sb + 4, 0);
            le32_at(sb + 8, 90);
            put_bytes(img, (size & ~(uint64_t)0xffff) - 0x10000, sb, sizeof(sb));
        } else {
            le32_at(sb, 0xa92b4efc); /* 8 KiB from the end, 4 KiB-aligned; major version 1 */
            le32_at(sb + 4, 1);
            le64_at(sb + 144, ((size - 8192) & ~(uint64_t)4095) / 512);
            put_bytes(img, (size - 8192) & ~(uint64_t)4095, sb, sizeof(sb));
        }
        assert_int_equal(rawdev_probe(img, holds, sizeof(holds)), RAWDEV_FOREIGN);
        if (strcmp(holds, cases[i].says) != 0)
            fail_msg("%s: probed as '%s', not '%s'", w, holds, cases[i].says);
    }
    /* a dump's data is not someone else's: uberblocks in a crashed ZFS machine's memory */
    unlink(img);
    assert_int_equal(close(open(img, O_WRONLY | O_CREAT, 0600)), 0);
    assert_int_equal(truncate(img, (off_t)size), 0);
    put_bytes(img, 0, "KDUMP   ", 8);
    memset(sb, 0, sizeof(sb));
    le64_at(sb, 0x00bab10cull);
    put_bytes(img, (128 << 10) + 7 * 1024, sb, 1024);
    put_bytes(img, size - (256 << 10) + (128 << 10), sb, 1024);
    assert_int_equal(rawdev_probe(img, holds, sizeof(holds)), RAWDEV_DUMP);
    /* wipefs -a takes the signature away: free again */
    snprintf(cmd, sizeof(cmd), "mkfs.f2fs -q -f %s >/dev/null 2>&1 && wipefs -q -a %s", img, img);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(rawdev_probe(img, holds, sizeof(holds)), RAWDEV_FREE);
    remove_tree(dir);
}

/*
 * A raw target: written when free, refused while it holds the last crash's
 * dump, saved into a directory by savecore (every frame), then free again.
 */
static void raw_dump_is_kept_until_savecore_saves_it(void **state)
{
    char *core = crash_core(0x40000), *dir = make_tempdir(), *saved = make_tempdir();
    char raw[200], holds[128], why[512];
    struct config cfg;
    struct lb_source *src;
    struct lb_error err;
    FILE *f;

    (void)state;
    snprintf(raw, sizeof(raw), "%s/raw", dir);
    assert_non_null(f = fopen(raw, "w"));
    assert_int_equal(ftruncate(fileno(f), 4 << 20), 0);
    fclose(f);
    config_defaults(&cfg);
    cfg.ntargets = 1;
    cfg.targets[0].kind = TARGET_RAW;
    snprintf(cfg.targets[0].device, sizeof(cfg.targets[0].device), "%s", raw);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_COMPLETE);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_DUMP);
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_FAILED); /* the last dump is kept */
    assert_int_equal(savecore(&cfg, saved, NULL, why, sizeof(why)), SAVECORE_SAVED);
    assert_true(exists(saved, "20231114-221320-box/vmcore"));
    assert_true(exists(saved, "20231114-221320-box/dmesg.txt"));
    char path[700];
    snprintf(path, sizeof(path), "%s/20231114-221320-box/vmcore", saved);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    lb_source_close(src);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_FREE);
    assert_int_equal(savecore(&cfg, saved, NULL, why, sizeof(why)), SAVECORE_NOTHING);
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_COMPLETE); /* free again */
    remove_tree(dir);
    remove_tree(saved);
    unlink(core);
    free(core);
}

/*
 * Runs fn(arg) in a child with a file system of size bytes (tmpfs, in a mount
 * namespace of its own, so the host sees nothing) mounted on dir: a full
 * target.  Returns what fn returned, or -1 where namespaces need root.
 */
static int with_small_fs(const char *dir, const char *size, int (*fn)(void *), void *arg)
{
    char opts[64];
    int status;
    pid_t pid;

    if (geteuid() != 0)
        return -1;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        snprintf(opts, sizeof(opts), "size=%s,mode=0700", size);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", dir, "tmpfs", 0, opts) < 0)
            _exit(99);
        _exit(fn(arg));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_not_equal(WEXITSTATUS(status), 99);
    return WEXITSTATUS(status);
}

struct savecore_job {
    const struct config *cfg;
    const char *dir;
};

static int savecore_job(void *arg)
{
    struct savecore_job *j = arg;
    char why[512];

    return (int)savecore(j->cfg, j->dir, NULL, why, sizeof(why));
}

/*
 * A raw dump cut short (its device was too small), saved by savecore into a
 * file system with room for the log but not the dump: the copy does not
 * hold the frames the raw dump holds, so the device keeps its dump, whatever
 * the outcome of the copy said; with room, the copy is whole and the device
 * is freed.
 */
static void savecore_frees_a_raw_dump_only_once_copied_whole(void **state)
{
    char *core = crash_core(0x80000), *dir = make_tempdir(), *small = make_tempdir();
    char raw[200], holds[128], why[512];
    struct savecore_job job;
    struct config cfg;
    struct stat st;
    FILE *f;

    (void)state;
    if (geteuid() != 0)
        skip(); /* a small file system needs a mount namespace */
    snprintf(raw, sizeof(raw), "%s/raw", dir);
    assert_non_null(f = fopen(raw, "w"));
    assert_int_equal(ftruncate(fileno(f), 4 << 20), 0);
    fclose(f);
    assert_int_equal(stat(core, &st), 0);
    assert_int_equal(truncate(core, st.st_size - 0x40000), 0); /* the dump is cut short */
    config_defaults(&cfg);
    cfg.ntargets = 1;
    cfg.targets[0].kind = TARGET_RAW;
    snprintf(cfg.targets[0].device, sizeof(cfg.targets[0].device), "%s", raw);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    cfg.codec = LB_CODEC_NONE;
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_INCOMPLETE);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_DUMP);
    job = (struct savecore_job){&cfg, small};
    assert_int_equal(with_small_fs(small, "48k", savecore_job, &job), SAVECORE_FAILED);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_DUMP); /* still there */
    assert_int_equal(savecore(&cfg, small, NULL, why, sizeof(why)), SAVECORE_SAVED);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_FREE);
    remove_tree(dir);
    remove_tree(small);
    unlink(core);
    free(core);
}

/*
 * A raw target the config names by a /dev path: load records the identity it
 * wrote by, and savecore looks for that disk, not for whatever the path names
 * at the next boot (here, a file holding a dump, which is left alone).
 */
static void savecore_finds_raw_targets_by_recorded_identity(void **state)
{
    char *core = crash_core(0x40000), *dir = make_tempdir(), *saved = make_tempdir();
    char raw[200], record[220], id[256], why[512], holds[128];
    static struct config cfg, prepared;
    FILE *f;

    (void)state;
    snprintf(raw, sizeof(raw), "%s/raw", dir);
    snprintf(record, sizeof(record), "%s/raw-targets", dir);
    assert_non_null(f = fopen(raw, "w"));
    assert_int_equal(ftruncate(fileno(f), 4 << 20), 0);
    fclose(f);
    config_defaults(&cfg);
    cfg.ntargets = 2;
    cfg.targets[0].kind = TARGET_DIR;
    snprintf(cfg.targets[0].path, sizeof(cfg.targets[0].path), "%s", dir);
    cfg.targets[1].kind = TARGET_RAW;
    snprintf(cfg.targets[1].device, sizeof(cfg.targets[1].device), "%s", raw);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    prepared = cfg;
    snprintf(prepared.targets[1].device, sizeof(prepared.targets[1].device),
             "PARTUUID=0badc0de-0000-4000-8000-00000000beef");
    assert_int_equal(rawdev_record_identities(record, &cfg, &prepared, why, sizeof(why)), 0);
    assert_int_equal(rawdev_recorded_identity(record, raw, id, sizeof(id)), 0);
    assert_string_equal(id, "PARTUUID=0badc0de-0000-4000-8000-00000000beef");
    assert_int_equal(rawdev_recorded_identity(record, dir, id, sizeof(id)), -1);
    cfg.ntargets = 1;
    cfg.targets[0] = cfg.targets[1]; /* the dump goes onto the file */
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_COMPLETE);
    /* the recorded disk is not on this machine: the file the path names now is not it */
    assert_int_equal(savecore(&cfg, saved, record, why, sizeof(why)), SAVECORE_NOTHING);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_DUMP);
    /* a record that is not load's (a line cut, no tab) names nothing */
    assert_non_null(f = fopen(record, "w"));
    fprintf(f, "%s PARTUUID=x\n%0515d%s\tWWID=y\n", raw, 7, raw); /* 515: the reader's line */
    fclose(f);
    assert_int_equal(rawdev_recorded_identity(record, raw, id, sizeof(id)), -1);
    /* with no record (a system loaded before there was one) the name is all there is */
    assert_int_equal(savecore(&cfg, saved, NULL, why, sizeof(why)), SAVECORE_SAVED);
    remove_tree(dir);
    remove_tree(saved);
    unlink(core);
    free(core);
}

/* A PV as lvm2 writes it, on a file: its label, and the metadata text's group and seqno. */
static int pv_on_file(const uint8_t *img, size_t len, struct lvm_pv *pv, char *why, size_t whylen)
{
    char path[] = "/tmp/lifeboat-pv-XXXXXX";
    int fd = mkstemp(path), r;

    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, img, len), (ssize_t)len);
    r = lvm_pv_read(fd, pv, why, whylen);
    close(fd);
    return r;
}

static void lvm_pv_reads_label_and_metadata(void **state)
{
    static uint8_t img[SYNTH_LVM_IMAGE];
    const char *uuid = "0FdpBMDiDbniDKWYZ5Z1vz8PUy4eqIo7";
    struct lvm_pv pv;
    char why[256];

    (void)state;
    for (int wrap = 0; wrap < 2; wrap++) {
        synth_lvm_pv(img, uuid, "lbvg", 7, wrap);
        assert_int_equal(pv_on_file(img, sizeof(img), &pv, why, sizeof(why)), 0);
        assert_string_equal(pv.uuid, "0FdpBM-DiDb-niDK-WYZ5-Z1vz-8PUy-4eqIo7");
        assert_string_equal(pv.vg, "lbvg");
        assert_int_equal(pv.seqno, 7);
    }
    /* not a PV: said so, no error */
    memset(img, 0, sizeof(img));
    assert_int_equal(pv_on_file(img, sizeof(img), &pv, why, sizeof(why)), 1);
    /* each kind of damage is named, never read as a group or a seqno */
    static const struct {
        size_t at;
        uint8_t value;
        const char *said;
    } damage[] = {
        {512 + 40, 'Z', "checksum does not match"},            /* the UUID, under the CRC */
        {4096 + 30, 1, "no valid header"},                     /* the area's size */
        {512 + 8, 2, "not an LVM2 label of this sector"},      /* the label's own sector */
        {4096 + 512 + 3, '{', "does not start with a volume"}, /* "lbvg{" ... */
    };
    for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
        synth_lvm_pv(img, uuid, "lbvg", 7, 0);
        img[damage[i].at] = damage[i].value;
        why[0] = '\0';
        assert_int_equal(pv_on_file(img, sizeof(img), &pv, why, sizeof(why)), -1);
        if (!strstr(why, damage[i].said))
            fail_msg("damage %zu: '%s' does not say '%s'", i, why, damage[i].said);
    }
    /* a text pointer past the area, with a good checksum over it */
    synth_lvm_pv(img, uuid, "lbvg", 7, 0);
    img[4096 + 40 + 2] = 0x10; /* offset 0x100200: beyond the 64 KiB area */
    uLong c = ~crc32(~0xf597a6cfUL & 0xffffffffUL, img + 4096 + 4, 508) & 0xffffffffUL;
    for (int b = 0; b < 4; b++)
        img[4096 + b] = (uint8_t)(c >> (8 * b));
    assert_int_equal(pv_on_file(img, sizeof(img), &pv, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "points outside itself"));
    /* an area so large its end would wrap, the label's checksum made to match */
    synth_lvm_pv(img, uuid, "lbvg", 7, 0);
    for (int b = 0; b < 8; b++)
        img[512 + 32 + 80 + b] = 0xff; /* the metadata area's size: 2^64 - 1 */
    c = ~crc32(~0xf597a6cfUL & 0xffffffffUL, img + 512 + 20, 512 - 20) & 0xffffffffUL;
    for (int b = 0; b < 4; b++)
        img[512 + 16 + b] = (uint8_t)(c >> (8 * b));
    assert_int_equal(pv_on_file(img, sizeof(img), &pv, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "is not one"));
    /* a cut image: the label, and nothing of the metadata area */
    synth_lvm_pv(img, uuid, "lbvg", 7, 0);
    assert_int_equal(pv_on_file(img, 4096, &pv, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "cannot read its metadata area"));
}

/* lvm-pv lines: what load records of each PV survives the trip through the initramfs. */
static void config_keeps_lvm_pv_records(void **state)
{
    static struct config cfg, again;
    static char text[CONFIG_TEXT_MAX];
    char err[256];

    (void)state;
    assert_int_equal(config_parse("lvm-pv PVUUID=0FdpBM-DiDb-niDK-WYZ5-Z1vz-8PUy-4eqIo7 lbvg 42\n",
                                  "t", &cfg, err, sizeof(err)),
                     0);
    assert_int_equal(cfg.nlvm_pv, 1);
    assert_int_equal(cfg.lvm_pv[0].seqno, 42);
    assert_int_equal(config_format(&cfg, text, sizeof(text)), 0);
    assert_int_equal(config_parse(text, "again", &again, err, sizeof(err)), 0);
    assert_memory_equal(&cfg.lvm_pv, &again.lvm_pv, sizeof(cfg.lvm_pv));
    expect_config_error("lvm-pv SERIAL=x lbvg 1\n", "t.conf:1: expected 'lvm-pv PVUUID=");
    expect_config_error("lvm-pv PVUUID=x lbvg -1\n", "t.conf:1: lvm-pv: seqno '-1' is not");
}

struct capture_job {
    const struct config *cfg;
    const char *core, *dir;
};

/* What metadata.json says of the dump, and what reading it back finds: as "saved verified". */
static int capture_then_compare(void *arg)
{
    struct capture_job *j = arg;
    char path[700], json[4096], *at;
    struct verify_result vr;
    struct lb_source *src;
    struct lb_error err;
    unsigned long long said = ~0ULL;
    FILE *f, *devnull = fopen("/dev/null", "w");
    DIR *d;
    struct dirent *e;

    capture_run(j->cfg, j->core, j->dir);
    if (!(d = opendir(j->dir)))
        return 10;
    while ((e = readdir(d)) && strncmp(e->d_name, "2023", 4) != 0)
        ;
    if (!e)
        return 11;
    snprintf(path, sizeof(path), "%s/%s/metadata.json", j->dir, e->d_name);
    if (!(f = fopen(path, "r")))
        return 12;
    json[fread(json, 1, sizeof(json) - 1, f)] = '\0';
    fclose(f);
    if ((at = strstr(json, "\"saved\": ")))
        said = strtoull(at + 9, NULL, 10);
    snprintf(path, sizeof(path), "%s/%s/vmcore", j->dir, e->d_name);
    closedir(d);
    if (lb_source_open(path, &src, &err) == 0) {
        verify_dump(src, devnull, &vr);
        lb_source_close(src);
    } else {
        vr.frames = 0; /* nothing readable was written */
    }
    fclose(devnull);
    return said == vr.frames - vr.failed ? 0 : 1;
}

/* On a target that fills up, metadata.json counts the frames a reader finds, not those sent. */
static void metadata_counts_what_a_full_target_holds(void **state)
{
    char *core = crash_core(0x80000), *dir = make_tempdir();
    struct capture_job job;
    struct config cfg;

    (void)state;
    if (geteuid() != 0)
        skip();
    config_defaults(&cfg);
    cfg.ntargets = 1;
    cfg.targets[0].kind = TARGET_DIR;
    snprintf(cfg.targets[0].path, sizeof(cfg.targets[0].path), "%s", dir);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    cfg.codec = LB_CODEC_NONE;
    job = (struct capture_job){&cfg, core, dir};
    for (const char *const *size = (const char *const[]){"48k", "128k", "300k", NULL}; *size;
         size++)
        assert_int_equal(with_small_fs(dir, *size, capture_then_compare, &job), 0);
    remove_tree(dir);
    unlink(core);
    free(core);
}

/*
 * The source shrinks under the dump's mapping (as /proc/vmcore can fail to
 * give a page): the dump process dies of SIGBUS, the dump is retried with
 * reads, and what cannot be read costs those frames, marked, not the dump.
 */
static void a_bus_error_costs_frames_not_the_dump(void **state)
{
    char *core = crash_core(0x200000), *dir = make_tempdir(), path[700], json[4096];
    struct capture c = {.facts = {.hostname = "box"}};
    struct config cfg;
    struct lb_error err;
    struct stat st;
    FILE *f;

    (void)state;
    config_defaults(&cfg);
    c.cfg = &cfg;
    assert_int_equal(lb_source_open(core, &c.src, &err), 0);
    assert_int_equal(stat(core, &st), 0);
    assert_int_equal(truncate(core, st.st_size - 0x100000), 0); /* after the open: mapped, gone */
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
    struct place_dir place;
    place_dir_init(&place, dir_fd, dir);
    assert_int_equal(steps_into_place(&c, &place.base), CAPTURE_INCOMPLETE);
    close(dir_fd);
    assert_true(exists(dir, "vmcore"));
    snprintf(path, sizeof(path), "%s/metadata.json", dir);
    assert_non_null(f = fopen(path, "r"));
    json[fread(json, 1, sizeof(json) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(json, "\"status\": \"incomplete\""));
    assert_non_null(strstr(json, "\"unreadable\": 256")); /* the 1 MiB that went */
    lb_source_close(c.src);
    remove_tree(dir);
    unlink(core);
    free(core);
}

/*
 * verify: the capture's dump is whole and matches its recorded checksum; one
 * changed byte in page data still decodes, and only the checksum tells; a
 * cut copy loses frames.
 */
static void verify_what_was_saved(const char *dir)
{
    char path[512], cmd[1200];
    struct verify_result r;
    struct lb_source *src;
    struct lb_error err;
    FILE *devnull = fopen("/dev/null", "w");
    int fd;

    snprintf(path, sizeof(path), "%s/20231114-221320-box/vmcore", dir);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(verify_dump(src, devnull, &r), VERIFY_OK);
    assert_true(r.frames > 0);
    lb_source_close(src);
    assert_int_equal(verify_checksum(path, devnull), VERIFY_OK);
    fd = open(path, O_RDWR);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(pwrite(fd, "\x5a", 1, st.st_size - 100), 1); /* in the last page's data */
    close(fd);
    assert_int_equal(verify_checksum(path, devnull), VERIFY_CORRUPT);
    snprintf(cmd, sizeof(cmd), "cd %s/20231114-221320-box && head -c %lld vmcore > cut", dir,
             (long long)st.st_size / 2);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/20231114-221320-box/cut", dir);
    if (lb_source_open(path, &src, &err) == 0) {
        assert_int_equal(verify_dump(src, devnull, &r), VERIFY_CORRUPT);
        assert_true(r.failed > 0);
        lb_source_close(src);
    }
    assert_int_equal(verify_checksum(path, devnull), -1); /* not the file metadata.json names */
    fclose(devnull);
}

static void capture_saves_dump_and_metadata(void **state)
{
    char *core = crash_core(0x40000), *dir = make_tempdir(), path[512], json[8192];
    struct config cfg;
    struct lb_source *src;
    struct lb_error err;
    FILE *f;

    (void)state;
    config_defaults(&cfg);
    cfg.ntargets = 2;
    cfg.targets[0].kind = TARGET_DIR; /* a missing directory: the next target is tried */
    snprintf(cfg.targets[0].path, sizeof(cfg.targets[0].path), "%s/missing", dir);
    cfg.targets[1].kind = TARGET_DIR;
    snprintf(cfg.targets[1].path, sizeof(cfg.targets[1].path), "%s", dir);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_COMPLETE);
    snprintf(path, sizeof(path), "%s/20231114-221320-box/vmcore", dir);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    lb_source_close(src);
    snprintf(path, sizeof(path), "%s/20231114-221320-box/metadata.json", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    json[fread(json, 1, sizeof(json) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(json, "\"status\": \"complete\""));
    assert_non_null(strstr(json, "\"kernel_release\": \"6.1.0-test\""));
    assert_non_null(strstr(json, "\"crash_time\": \"2023-11-14T22:13:20Z\""));
    /* no printk ring in this dump: said in the metadata, and the dump is complete anyway */
    assert_non_null(
        strstr(json, "\"log_error\": \"kernel log: VMCOREINFO lacks NUMBER(phys_base)"));
    /* nor struct pages: -d 31 asked, -d 1 applied, and why */
    assert_non_null(strstr(json, "\"filter\": {\"asked\": 31, \"applied\": 1, \"reason\": "
                                 "\"pages not filtered by type, every page kept but zero pages "
                                 "(-d 1, not -d 31): VMCOREINFO lacks NUMBER(phys_base)"));
    snprintf(path, sizeof(path), "%s/20231114-221320-box/dmesg.txt", dir);
    assert_int_equal(access(path, F_OK), 0);
    assert_non_null(strstr(json, "\"dump_xxh64\": \""));
    verify_what_was_saved(dir);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
    unlink(core);
    free(core);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_reads_every_directive),
        cmocka_unit_test(config_errors_name_the_line),
        cmocka_unit_test(estimate_fits_cpus_to_the_reservation),
        cmocka_unit_test(crashkernel_words_are_parsed),
        cmocka_unit_test(crashkernel_cma_support_is_read_from_the_kernel),
        cmocka_unit_test(crashkernel_cma_part_is_read),
        cmocka_unit_test(estimate_splits_the_reservation),
        cmocka_unit_test(kernel_image_is_found_in_boot_or_modules),
        cmocka_unit_test(config_lenient_keeps_every_good_line),
        cmocka_unit_test(cmdline_drops_what_harms_a_crash_kernel),
        cmocka_unit_test(cpio_writes_newc_entries),
        cmocka_unit_test(dumpdir_never_reuses_a_name),
        cmocka_unit_test(rotation_removes_oldest_complete_dumps_only),
        cmocka_unit_test(rotation_keep_1_keeps_only_the_new_dump),
        cmocka_unit_test(rotation_rehearsed_removes_nothing),
        cmocka_unit_test(rotation_cannot_be_tricked),
        cmocka_unit_test(rotation_sees_every_entry),
        cmocka_unit_test(supervisor_survives_crashes_and_hangs),
        cmocka_unit_test(capture_stops_when_the_source_is_at_fault),
        cmocka_unit_test(raw_devices_are_probed_before_writing),
        cmocka_unit_test(a_raw_device_given_to_someone_else_is_refused),
        cmocka_unit_test(raw_dump_is_kept_until_savecore_saves_it),
        cmocka_unit_test(a_bus_error_costs_frames_not_the_dump),
        cmocka_unit_test(capture_saves_dump_and_metadata),
        cmocka_unit_test(savecore_frees_a_raw_dump_only_once_copied_whole),
        cmocka_unit_test(lvm_pv_reads_label_and_metadata),
        cmocka_unit_test(config_keeps_lvm_pv_records),
        cmocka_unit_test(savecore_finds_raw_targets_by_recorded_identity),
        cmocka_unit_test(metadata_counts_what_a_full_target_holds),
        cmocka_unit_test(config_keeps_lvm_tables_and_shown_paths),
        cmocka_unit_test(list_reads_dump_directories_bounded),
        cmocka_unit_test(json_reader_is_bounded),
        cmocka_unit_test(list_escapes_what_a_dump_says),
        cmocka_unit_test(notice_escapes_what_a_dump_says),
    };
    return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
