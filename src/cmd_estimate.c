/*
 * cmd_estimate.c - how much crashkernel= this machine needs.
 *
 * From measurement, not folklore.  The parts:
 *   - the kernel: init_size from its bzImage header, the memory the kernel
 *     itself says it needs to decompress and start;
 *   - the capture initramfs, built now: its compressed image and, unpacked,
 *     its files, both in memory while it is unpacked;
 *   - the capture's working set: bounded (windows of 128 MiB of frames,
 *     1 MiB batches), 13.4 MiB peak RSS for a 1 GiB and a 4 GiB dump alike,
 *     counted as 16 MiB;
 *   - the triage report's child process (kallsyms, BTF, libbpf): 12 MiB.
 * Calibrated against tests/e2e: on Debian's 6.1 cloud kernel the dump itself
 * needs 72M (64M fails while the kernel boots) and the report 80M, for 1 GiB
 * and 4 GiB guests alike: the machine's RAM barely matters, because the
 * capture never holds more than a window of it.
 */
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "commands.h"
#include "initramfs.h"

enum { MIB = 1 << 20, CAPTURE = 16 * MIB, REPORT = 12 * MIB, ROUND = 8 * MIB };

static uint64_t kernel_init_size(const char *path)
{
    uint8_t hdr[0x270];
    uint32_t init_size;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        err(1, "%s", path);
    if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4))
        errx(1, "%s is not an x86 bzImage (no HdrS at 0x202)", path);
    close(fd);
    memcpy(&init_size, hdr + 0x260, 4);
    return init_size;
}

int cmd_estimate(int argc, char **argv)
{
    static const struct option longopts[] = {{"kernel", required_argument, NULL, 'k'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static struct capture_setup setup;
    const char *kernel = NULL, *conf = LIFEBOAT_CONF;
    char default_kernel[300], why[512];
    struct initramfs_stats st;
    struct utsname u;
    uint64_t init, total;
    int opt, fd;

    while ((opt = getopt_long(argc, argv, "k:c:h", longopts, NULL)) != -1) {
        if (opt == 'k') {
            kernel = optarg;
        } else if (opt == 'c') {
            conf = optarg;
        } else {
            fprintf(opt == 'h' ? stdout : stderr,
                    "usage: lifeboat estimate [-k KERNEL] [-c CONFIG]\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    if (!kernel) {
        uname(&u);
        snprintf(default_kernel, sizeof(default_kernel), "/boot/vmlinuz-%s", u.release);
        kernel = default_kernel;
    }
    init = kernel_init_size(kernel);
    if (capture_setup_load(conf, &setup, why, sizeof(why)) < 0)
        errx(1, "%s", why);
    fd = memfd_create("lifeboat-estimate", MFD_CLOEXEC);
    if (fd < 0 || initramfs_write(fd, NULL, &setup, ZSINK_GZIP, &st, why, sizeof(why)) < 0)
        errx(1, "cannot build the initramfs to measure it: %s", fd < 0 ? "memfd" : why);
    uint64_t dump_only = init + st.compressed + st.uncompressed + CAPTURE;
    total = dump_only + REPORT;
    total = (total + ROUND - 1) / ROUND * ROUND;
    dump_only = (dump_only + ROUND - 1) / ROUND * ROUND;
    printf("kernel %s: %llu MiB to start (init_size)\n", kernel, (unsigned long long)(init / MIB));
    printf("capture initramfs: %llu KiB compressed, %llu KiB unpacked\n",
           (unsigned long long)(st.compressed >> 10), (unsigned long long)(st.uncompressed >> 10));
    printf("capture: %d MiB working set (bounded), triage report: %d MiB\n", CAPTURE / MIB,
           REPORT / MIB);
    printf("crashkernel=%lluM\n", (unsigned long long)(total / MIB));
    printf("(the dump alone, without the report, fits in %lluM; the machine's RAM does not "
           "change this)\n",
           (unsigned long long)(dump_only / MIB));
    return 0;
}
