/*
 * cmd_estimate.c - how much crashkernel= this machine needs.
 *
 * From measurement, not folklore.  The parts:
 *   - the kernel: init_size from its bzImage header, the memory the kernel
 *     itself says it needs to decompress and start, and what it allocates
 *     while booting beyond that (page structures for the reservation, slab):
 *     4 MiB, because Debian's 6.1 cloud kernel (init_size 51 MiB) cannot
 *     boot in 56M with an initramfs of 2 MiB (it does in 64M);
 *   - the capture initramfs, built now: its compressed image and, unpacked,
 *     its files, both in memory while it is unpacked;
 *   - userspace, one step at a time: the triage report's child (9 MiB peak,
 *     symbols and BTF) exits before the dump starts (6.6 MiB peak: windows of
 *     frames, small batches), so the larger of the two, counted as 10 MiB;
 *   - frame bookkeeping: 64 bytes for every 128 MiB window of the machine's
 *     memory (2 MiB on a 4 TiB machine), the only part that grows with it;
 *   - a margin of 4 MiB at least (modules the target needs, a kernel a bit
 *     larger), rounded up to 8 MiB.
 * Calibrated against tests/e2e and tests/bench/reservation.sh: on Debian's
 * 6.1 cloud kernel 64M saves the dump and the report of 1 GiB and 4 GiB
 * guests, and this says 72M; on 6.12 (init_size 55 MiB) 64M saves the dump
 * and 72M the report too, and this says 80M.
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

enum { MIB = 1 << 20, KERNEL_BOOT = 4 * MIB, USERSPACE = 10 * MIB, MARGIN = 4 * MIB };
enum { ROUND = 8 * MIB };
enum { WINDOW_BYTES = 128 << 20, WINDOW_BOOKKEEPING = 64 };

/* The end of the highest System RAM range (/proc/iomem, as root), else MemTotal. */
static uint64_t memory_span(void)
{
    char line[256];
    unsigned long long lo, hi, span = 0, kib;
    FILE *f = fopen("/proc/iomem", "re");

    while (f && fgets(line, sizeof(line), f))
        if (line[0] != ' ' && strstr(line, ": System RAM") &&
            sscanf(line, "%llx-%llx", &lo, &hi) == 2 && hi + 1 > span)
            span = hi + 1;
    if (f)
        fclose(f);
    if (span > 1)
        return span;
    f = fopen("/proc/meminfo", "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
            span = kib << 10;
    if (f)
        fclose(f);
    return span;
}

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
    uint64_t span = memory_span();
    uint64_t bookkeeping = (span / WINDOW_BYTES + 1) * WINDOW_BOOKKEEPING;
    total = init + KERNEL_BOOT + st.compressed + st.uncompressed + USERSPACE + bookkeeping;
    uint64_t rounded = (total + MARGIN + ROUND - 1) / ROUND * ROUND;
    printf("kernel %s: %llu MiB to start (init_size) + %d MiB while booting\n", kernel,
           (unsigned long long)(init / MIB), KERNEL_BOOT / MIB);
    printf("capture initramfs: %llu KiB compressed, %llu KiB unpacked\n",
           (unsigned long long)(st.compressed >> 10), (unsigned long long)(st.uncompressed >> 10));
    printf("capture: %d MiB (the triage report, then the dump: bounded, one after the other)\n",
           USERSPACE / MIB);
    printf("frame bookkeeping for %llu MiB of memory: %llu KiB\n", (unsigned long long)(span / MIB),
           (unsigned long long)(bookkeeping >> 10));
    printf("margin: %llu KiB (%d MiB at least, rounded up to %d MiB)\n",
           (unsigned long long)((rounded - total) >> 10), MARGIN / MIB, ROUND / MIB);
    printf("crashkernel=%lluM\n", (unsigned long long)(rounded / MIB));
    return 0;
}
