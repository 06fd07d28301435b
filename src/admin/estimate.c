/*
 * estimate.c - how much crashkernel= a capture needs.
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
 *   - more than one CPU (cpus, nr_cpus=): once, 4 MiB for the dump's larger,
 *     overlapping batches (peak RSS of save -t 1 against -t 2: +3.3 MiB);
 *     then for each CPU past the first, what the crash kernel spends on it
 *     and the dump's worker for it.  The kernel's own count of what grows
 *     with CPUs, its percpu areas and threads' stacks (/proc/meminfo, which
 *     the capture prints as it starts), grew 384-496 KiB a CPU on Debian's
 *     6.1 cloud kernel (tests/bench/cpu_cost.sh, 1 to 3 CPUs); it does not
 *     count slab's and the page allocator's per-CPU caches, so 1 MiB.  A
 *     worker (a zstd context, a thread's stack as used) added 64 KiB to the
 *     peak RSS of save from 2 to 8 threads; 256 KiB;
 *   - frame bookkeeping: 64 bytes for every 128 MiB window of the machine's
 *     memory (2 MiB on a 4 TiB machine), the only part that grows with it;
 *   - a margin of 4 MiB at least (modules the target needs, a kernel a bit
 *     larger), rounded up to 8 MiB.
 * Calibrated against tests/e2e and tests/bench/reservation.sh: on Debian's
 * 6.1 cloud kernel 64M saves the dump and the report of 1 GiB and 4 GiB
 * guests, and this says 72M; on 6.12 (init_size 55 MiB) 64M saves the dump
 * and 72M the report too, and this says 80M.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "admin/estimate.h"
#include "platform/kernel_image.h"

enum { MIB = 1 << 20, WINDOW_BYTES = 128 << 20, WINDOW_BOOKKEEPING = 64 };

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

static int kernel_init_size(const char *path, uint64_t *size, struct lb_error *err)
{
    const char *arch;

    return kernel_image_memory(path, size, &arch, err);
}

int estimate_running_kernel(char *path, size_t len, struct lb_error *err)
{
    return kernel_image_running(path, len, err);
}

/* Newer by release, as ls -v and dpkg order them (6.1.0-9 before 6.1.0-10). */
static void consider(const char *path, const char *release, char *best, size_t len,
                     char *best_release, size_t rlen)
{
    if (access(path, R_OK) != 0 || (best[0] && strverscmp(release, best_release) <= 0))
        return;
    snprintf(best, len, "%s", path);
    snprintf(best_release, rlen, "%s", release);
}

/* The newest kernel image in /boot (vmlinuz-RELEASE) or /usr/lib/modules (RELEASE/vmlinuz). */
static void newest_installed(char *best, size_t len)
{
    enum { MAX_ENTRIES = 4096 }; /* a directory of kernels is a handful: read a bounded few */
    char release[256], path[600];
    struct dirent *d;
    DIR *dir;
    int seen;

    best[0] = release[0] = '\0';
    if ((dir = opendir("/boot"))) {
        for (seen = 0; seen < MAX_ENTRIES && (d = readdir(dir)); seen++)
            if (strncmp(d->d_name, "vmlinuz-", 8) == 0 && d->d_name[8] &&
                strlen(d->d_name) < sizeof(release)) {
                snprintf(path, sizeof(path), "/boot/%s", d->d_name);
                consider(path, d->d_name + 8, best, len, release, sizeof(release));
            }
        closedir(dir);
    }
    if ((dir = opendir("/usr/lib/modules"))) {
        for (seen = 0; seen < MAX_ENTRIES && (d = readdir(dir)); seen++)
            if (d->d_name[0] != '.' && strlen(d->d_name) < sizeof(release)) {
                snprintf(path, sizeof(path), "/usr/lib/modules/%s/vmlinuz", d->d_name);
                consider(path, d->d_name, best, len, release, sizeof(release));
            }
        closedir(dir);
    }
}

int estimate_default_kernel(char *path, size_t len, char *note, size_t notelen)
{
    char release[sizeof(((struct utsname *)0)->release)];
    char running[PATH_MAX] = "";
    struct lb_error not_running;

    note[0] = '\0';
    if (kernel_image_running(running, sizeof(running), &not_running) == 0) {
        snprintf(path, len, "%s", running);
        return 0;
    }
    note[0] = '\0';
    host_release(release, sizeof(release));
    newest_installed(path, len);
    if (!path[0]) {
        snprintf(note, notelen,
                 "no kernel image in /boot or /usr/lib/modules (the running kernel is %s): "
                 "name one with -k",
                 release);
        return -1;
    }
    snprintf(note, notelen,
             "the running kernel (%s) has no image here (a chroot, or an image being built): "
             "estimating for the newest installed kernel, %s",
             release, path);
    return 0;
}

/*
 * The capture binary measured is this one; in a chroot without /proc (a package installed
 * while an image is built) it is the installed one.
 */
static const char *capture_binary(void)
{
    return access("/proc/self/exe", R_OK) == 0 ? NULL : LIFEBOAT_SBINDIR "/lifeboat";
}

int estimate_capture(const char *kernel, const struct capture_setup *setup, struct estimate *e,
                     struct lb_error *err)
{
    struct initramfs_stats st;
    int fd, r;

    if (estimate_kernel(kernel, e, err) < 0)
        return -1;
    fd = memfd_create("lifeboat-estimate", MFD_CLOEXEC);
    if (fd < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "memfd_create: %s", strerror(errno));
        return -1;
    }
    r = initramfs_write(fd, capture_binary(), setup, ZSINK_GZIP, &st, err);
    close(fd);
    if (r < 0)
        return -1;
    estimate_add_up(e, &st);
    return 0;
}

static void set_cpus(struct estimate *e, int cpus);

void estimate_add_up(struct estimate *e, const struct initramfs_stats *st)
{
    e->initramfs_compressed = st->compressed;
    e->initramfs_unpacked = st->uncompressed;
    e->span = memory_span();
    e->bookkeeping = (e->span / WINDOW_BYTES + 1) * WINDOW_BOOKKEEPING;
    e->per_cpu = (uint64_t)(ESTIMATE_KERNEL_PER_CPU_KIB + ESTIMATE_WORKER_KIB) << 10;
    e->one_cpu = e->init_size + (uint64_t)ESTIMATE_KERNEL_BOOT_MIB * MIB + st->compressed +
                 st->uncompressed + (uint64_t)ESTIMATE_USERSPACE_MIB * MIB + e->bookkeeping;
    set_cpus(e, e->cpus);
}

/* More than one CPU: the dump's batches grow and overlap (once), and each CPU costs per_cpu. */
static uint64_t cpus_cost(const struct estimate *e, int cpus)
{
    return cpus > 1 ? ((uint64_t)ESTIMATE_PARALLEL_KIB << 10) + (uint64_t)(cpus - 1) * e->per_cpu
                    : 0;
}

static void set_cpus(struct estimate *e, int cpus)
{
    uint64_t round = (uint64_t)ESTIMATE_ROUND_MIB * MIB;
    uint64_t margin = (uint64_t)ESTIMATE_MARGIN_MIB * MIB;

    e->cpus = cpus < 1 ? 1 : cpus;
    e->total = e->one_cpu + cpus_cost(e, e->cpus);
    e->crashkernel = (e->total + margin + round - 1) / round * round;
    /* crashkernel.c, caveat 1: what kexec_file_load places must be in the plain part */
    e->plain_need = e->init_size + e->initramfs_compressed + (uint64_t)ESTIMATE_SEGMENTS_MIB * MIB;
    e->plain = (e->plain_need + margin + round - 1) / round * round;
    /* plain is a multiple of round: plain + cma is crashkernel, the split costs nothing more */
    e->cma = e->total + margin > e->plain
                 ? (e->total + margin - e->plain + round - 1) / round * round
                 : 0;
}

int estimate_check(const struct estimate *e, uint64_t plain, uint64_t cma, struct lb_error *err)
{
    uint64_t need = e->crashkernel;

    if (cma && plain < e->plain_need) {
        lb_error_setk(
            err, LB_ERR_REFUSED,
            "the plain part (%llu MiB) cannot hold the kernel and initramfs (%llu MiB): it "
            "needs crashkernel=%lluM ('lifeboat estimate --cma')",
            (unsigned long long)(plain / MIB),
            (unsigned long long)((e->plain_need + MIB - 1) / MIB),
            (unsigned long long)(e->plain / MIB));
        return -1;
    }
    if (plain + cma < need) {
        if (cma)
            lb_error_setk(err, LB_ERR_REFUSED,
                          "%llu MiB in all (%llu plain + %llu CMA), but the capture needs %llu: "
                          "crashkernel=%lluM,cma crashkernel=%lluM ('lifeboat estimate --cma')",
                          (unsigned long long)((plain + cma) / MIB),
                          (unsigned long long)(plain / MIB), (unsigned long long)(cma / MIB),
                          (unsigned long long)(need / MIB), (unsigned long long)(e->cma / MIB),
                          (unsigned long long)(e->plain / MIB));
        else
            lb_error_setk(err, LB_ERR_REFUSED,
                          "the capture needs crashkernel=%lluM ('lifeboat estimate')",
                          (unsigned long long)(e->crashkernel / MIB));
        return -1;
    }
    return 0;
}

int estimate_fit_cpus(struct estimate *e, uint64_t reservation, int wanted)
{
    uint64_t margin = (uint64_t)ESTIMATE_MARGIN_MIB * MIB;
    int n = 1;

    while (n < wanted && e->one_cpu + cpus_cost(e, n + 1) + margin <= reservation)
        n++;
    set_cpus(e, n);
    return n;
}

int estimate_kernel(const char *kernel, struct estimate *e, struct lb_error *err)
{
    memset(e, 0, sizeof(*e));
    return kernel_init_size(kernel, &e->init_size, err);
}
