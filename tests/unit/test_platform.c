/*
 * test_platform.c - the machine's pieces (src/platform), on files: the
 * kernel image found where distributions put it, the cpio writer, supervised
 * children that crash or hang, raw devices probed before writing (someone
 * else's signature found before lifeboat's own), and LVM labels read.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "../common/synth_lvm.h"
#include "platform/cpio.h"
#include "platform/format.h"
#include "platform/kernel_image.h"
#include "platform/lvm_pv.h"
#include "platform/rawdev.h"
#include "platform/supervise.h"
#include "platform/zsink.h"

#include "capture_fixtures.h"

/*
 * The running kernel's image: /boot/vmlinuz-KVER, else /usr/lib/modules/KVER/vmlinuz (Debian's
 * 7.x packages) or /lib/modules/KVER/vmlinuz; what is looked at is said when none is there.
 */
static void kernel_image_is_found_in_boot_or_modules(void **state)
{
    char root[] = "/tmp/lifeboat-root-XXXXXX", path[4096], want[600];
    struct lb_error why;
    const char *rel = "7.3.4+deb13-cloud-amd64";

    (void)state;
    assert_non_null(mkdtemp(root));
    assert_int_equal(kernel_image_find(root, rel, path, sizeof(path), &why), -1);
    snprintf(want, sizeof(want),
             "no image of kernel %s: not %s/boot/vmlinuz-%s, %s/usr/lib/modules/%s/vmlinuz or "
             "%s/lib/modules/%s/vmlinuz",
             rel, root, rel, root, rel, root, rel);
    assert_string_equal(why.msg, want);
    /* a directory of that name is no image */
    make_file(root, "/lib/modules/7.3.4+deb13-cloud-amd64/vmlinuz/x");
    assert_int_equal(kernel_image_find(root, rel, path, sizeof(path), &why), -1);
    make_file(root, "/usr/lib/modules/7.3.4+deb13-cloud-amd64/vmlinuz");
    make_file(root, "/usr/lib/modules/7.3.3+deb13-cloud-amd64/vmlinuz"); /* another kernel's */
    assert_int_equal(kernel_image_find(root, rel, path, sizeof(path), &why), 0);
    snprintf(want, sizeof(want), "%s/usr/lib/modules/%s/vmlinuz", root, rel);
    assert_string_equal(path, want);
    /* where both are (an installed system's hooks link the image into /boot), /boot's */
    make_file(root, "/boot/vmlinuz-7.3.4+deb13-cloud-amd64");
    assert_int_equal(kernel_image_find(root, rel, path, sizeof(path), &why), 0);
    snprintf(want, sizeof(want), "%s/boot/vmlinuz-%s", root, rel);
    assert_string_equal(path, want);
    /* a release is a file name, never a path */
    assert_int_equal(kernel_image_find(root, "../../etc", path, sizeof(path), &why), -1);
    assert_non_null(strstr(why.msg, "is not a file name"));
    assert_int_equal(why.kind, LB_ERR_REFUSED);
    /* the answer does not fit: said, not cut */
    assert_int_equal(kernel_image_find(root, rel, path, 20, &why), -1);
    assert_non_null(strstr(why.msg, "too long"));
    assert_int_equal(why.kind, LB_ERR_TOO_LONG);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
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

static double monotonic(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Closes its end of the progress pipe (every fd), lingers 20 ms, says when it ends, ends. */
static int lingers(void *ctx)
{
    double *ended = ctx;

    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    nanosleep(&(struct timespec){0, 20000000}, NULL);
    *ended = monotonic();
    return 0;
}

/* A step's end is seen when it comes: not up to 100 ms later, at the next look. */
static void supervisor_sees_a_step_end_at_once(void **state)
{
    double *ended = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    double worst = 0;
    int signo;

    (void)state;
    assert_true(ended != MAP_FAILED);
    long own = syscall(SYS_pidfd_open, getpid(), 0); /* a kernel (or sandbox) without pidfds: */
    if (own < 0)                                     /* the 100 ms look is all there is */
        skip();
    close((int)own);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(supervise_run("step", lingers, ended, 5, &signo), 0);
        double late = monotonic() - *ended;
        worst = late > worst ? late : worst;
    }
    assert_true(worst < 0.06); /* looking every 100 ms: 0.08 s after each */
    munmap(ended, 4096);
}

/* What a raw device holds: free, someone else's, or a dump not yet saved. */
static void raw_devices_are_probed_before_writing(void **state)
{
    char *dir = make_tempdir(), img[600], holds[128], cmd[700];
    uint8_t block[8192] = {0};
    FILE *f;
    struct lb_error err;

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
    assert_int_equal(rawdev_consume(img, &err), 0);
    /* an identity no device has: not there (yet), the kind a capture waits on */
    char found[64];
    assert_int_equal(
        rawdev_find("PARTUUID=0badc0de-0000-4000-8000-00000000dead", found, sizeof(found), &err),
        -1);
    assert_int_equal(err.kind, LB_ERR_NO_DATA);
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

/* A PV as lvm2 writes it, on a file: its label, and the metadata text's group and seqno. */
static int pv_on_file(const uint8_t *img, size_t len, struct lvm_pv *pv, struct lb_error *err)
{
    char path[] = "/tmp/lifeboat-pv-XXXXXX";
    int fd = mkstemp(path), r;

    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, img, len), (ssize_t)len);
    r = lvm_pv_read(fd, pv, err);
    close(fd);
    return r;
}

static void lvm_pv_reads_label_and_metadata(void **state)
{
    static uint8_t img[SYNTH_LVM_IMAGE];
    const char *uuid = "0FdpBMDiDbniDKWYZ5Z1vz8PUy4eqIo7";
    struct lvm_pv pv;
    struct lb_error why;

    (void)state;
    for (int wrap = 0; wrap < 2; wrap++) {
        synth_lvm_pv(img, uuid, "lbvg", 7, wrap);
        assert_int_equal(pv_on_file(img, sizeof(img), &pv, &why), 0);
        assert_string_equal(pv.uuid, "0FdpBM-DiDb-niDK-WYZ5-Z1vz-8PUy-4eqIo7");
        assert_string_equal(pv.vg, "lbvg");
        assert_int_equal(pv.seqno, 7);
    }
    /* not a PV: said so, no error */
    memset(img, 0, sizeof(img));
    assert_int_equal(pv_on_file(img, sizeof(img), &pv, &why), 1);
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
        why.msg[0] = '\0';
        assert_int_equal(pv_on_file(img, sizeof(img), &pv, &why), -1);
        if (!strstr(why.msg, damage[i].said))
            fail_msg("damage %zu: '%s' does not say '%s'", i, why.msg, damage[i].said);
        assert_int_equal(why.kind, LB_ERR_CORRUPT);
    }
    /* a text pointer past the area, with a good checksum over it */
    synth_lvm_pv(img, uuid, "lbvg", 7, 0);
    img[4096 + 40 + 2] = 0x10; /* offset 0x100200: beyond the 64 KiB area */
    uLong c = ~crc32(~0xf597a6cfUL & 0xffffffffUL, img + 4096 + 4, 508) & 0xffffffffUL;
    for (int b = 0; b < 4; b++)
        img[4096 + b] = (uint8_t)(c >> (8 * b));
    assert_int_equal(pv_on_file(img, sizeof(img), &pv, &why), -1);
    assert_non_null(strstr(why.msg, "points outside itself"));
    /* an area so large its end would wrap, the label's checksum made to match */
    synth_lvm_pv(img, uuid, "lbvg", 7, 0);
    for (int b = 0; b < 8; b++)
        img[512 + 32 + 80 + b] = 0xff; /* the metadata area's size: 2^64 - 1 */
    c = ~crc32(~0xf597a6cfUL & 0xffffffffUL, img + 512 + 20, 512 - 20) & 0xffffffffUL;
    for (int b = 0; b < 4; b++)
        img[512 + 16 + b] = (uint8_t)(c >> (8 * b));
    assert_int_equal(pv_on_file(img, sizeof(img), &pv, &why), -1);
    assert_non_null(strstr(why.msg, "is not one"));
    /* a cut image: the label, and nothing of the metadata area */
    synth_lvm_pv(img, uuid, "lbvg", 7, 0);
    assert_int_equal(pv_on_file(img, 4096, &pv, &why), -1);
    assert_non_null(strstr(why.msg, "cannot read its metadata area"));
}

/* A path cut short names another file: the checked formatter refuses, and leaves nothing. */
static void a_path_that_does_not_fit_is_refused_not_cut(void **state)
{
    (void)state;
    char out[8];

    assert_int_equal(format_whole(out, sizeof(out), "%s/%s", "abc", "def"), 0); /* 7 and NUL */
    assert_string_equal(out, "abc/def");
    errno = 0;
    assert_int_equal(format_whole(out, sizeof(out), "%s/%s", "abc", "defg"), -1);
    assert_int_equal(errno, ENAMETOOLONG);
    assert_string_equal(out, "");
    assert_int_equal(format_whole(out, 0, "x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_path_that_does_not_fit_is_refused_not_cut),
        cmocka_unit_test(kernel_image_is_found_in_boot_or_modules),
        cmocka_unit_test(cpio_writes_newc_entries),
        cmocka_unit_test(supervisor_survives_crashes_and_hangs),
        cmocka_unit_test(supervisor_sees_a_step_end_at_once),
        cmocka_unit_test(raw_devices_are_probed_before_writing),
        cmocka_unit_test(a_raw_device_given_to_someone_else_is_refused),
        cmocka_unit_test(lvm_pv_reads_label_and_metadata),
    };
    return cmocka_run_group_tests_name("platform", tests, NULL, NULL);
}
