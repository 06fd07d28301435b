/*
 * kexec_arm64.c - loads an arm64 crash kernel with kexec_load(2), for the
 * kernels that lack kexec_file_load(2) (Debian's arm64 kernels: 6.1 and
 * 6.12 are built without CONFIG_KEXEC_FILE).
 *
 * kexec_file_load has the running kernel prepare what the crash kernel
 * needs; with kexec_load that is done here, from what the running kernel
 * shows in /proc and /sys:
 *   1. the ELF core header the crash kernel's /proc/vmcore is built from: a
 *      PT_NOTE for each CPU's crash notes and for VMCOREINFO, a PT_LOAD for
 *      each range of System RAM outside the reservation;
 *   2. the device tree, the running one with /chosen changed: the command
 *      line, the initramfs, linux,elfcorehdr and linux,usable-memory-range
 *      (the reservation, the only memory the crash kernel may use);
 *   3. a purgatory of six instructions that puts the device tree's address
 *      in x0, as the arm64 boot protocol asks, and jumps to the kernel.
 * Everything goes into the reservation: the Image at a 2 MiB boundary plus
 * its text_offset, then the initramfs, the device tree, the header and the
 * purgatory, each page-aligned.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <linux/kexec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/kexec.h"

enum { PAGE = 4096, MAX_RAM_RANGES = 64, MAX_CPUS = 256, FDT_ROOM = 8192 };
#define ALIGN(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))

struct range {
    uint64_t start, end; /* inclusive */
};

struct blob {
    uint8_t *data;
    size_t len;
};

static int fail(struct lb_error *err, const char *fmt, const char *arg)
{
    lb_error_setk(err, LB_ERR_SYSTEM, fmt, arg, strerror(errno));
    return -1;
}

static int read_all(int fd, struct blob *b)
{
    size_t cap = 1 << 20;

    b->len = 0;
    b->data = malloc(cap);
    for (ssize_t n; b->data; b->len += (size_t)n) {
        if (b->len == cap) {
            uint8_t *grown = realloc(b->data, cap *= 2);
            if (!grown)
                break;
            b->data = grown;
        }
        n = pread(fd, b->data + b->len, cap - b->len, (off_t)b->len);
        if (n <= 0)
            return n < 0 ? -1 : 0;
    }
    free(b->data);
    b->data = NULL;
    errno = ENOMEM;
    return -1;
}

static int read_file(const char *path, struct blob *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), r;

    if (fd < 0)
        return -1;
    r = read_all(fd, b);
    close(fd);
    return r;
}

/* Top-level "System RAM" lines of /proc/iomem, less the reservation. */
static size_t ram_ranges(const struct crash_reservation *res, struct range *out)
{
    FILE *f = fopen("/proc/iomem", "re");
    char line[256];
    size_t n = 0;

    while (f && fgets(line, sizeof(line), f) && n < MAX_RAM_RANGES - 1) {
        unsigned long long s, e;
        if (line[0] == ' ' || !strstr(line, ": System RAM") ||
            sscanf(line, "%llx-%llx", &s, &e) != 2)
            continue;
        if (res->start > s && res->start <= e) { /* the part below the reservation */
            out[n++] = (struct range){s, res->start - 1};
            s = res->end + 1;
        } else if (res->start <= s && res->end >= s) {
            s = res->end + 1;
        }
        if (s <= e)
            out[n++] = (struct range){s, e};
    }
    if (f)
        fclose(f);
    return n;
}

static int read_hex(const char *path, unsigned long long *v, unsigned long long *v2)
{
    FILE *f = fopen(path, "re");
    int n = f ? (v2 ? fscanf(f, "%llx %llx", v, v2) : fscanf(f, "%llx", v)) : 0;

    if (f)
        fclose(f);
    return n == (v2 ? 2 : 1) ? 0 : -1;
}

static void note(Elf64_Phdr *ph, uint64_t addr, uint64_t size)
{
    *ph = (Elf64_Phdr){
        .p_type = PT_NOTE, .p_offset = addr, .p_paddr = addr, .p_filesz = size, .p_memsz = size};
}

/* 1. The ELF core header. */
static int core_header(const struct crash_reservation *res, struct blob *out, struct lb_error *err)
{
    struct range ram[MAX_RAM_RANGES];
    size_t nram = ram_ranges(res, ram), n = 0;
    Elf64_Phdr *ph = calloc(MAX_CPUS + 1 + MAX_RAM_RANGES, sizeof(*ph));
    unsigned long long addr, size;
    char path[128];

    if (!ph || !nram) {
        free(ph);
        lb_error_setk(err, LB_ERR_SYSTEM, "no System RAM in /proc/iomem");
        return -1;
    }
    for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/crash_notes", cpu);
        if (read_hex(path, &addr, NULL) < 0)
            continue;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/crash_notes_size", cpu);
        FILE *f = fopen(path, "re");
        if (!f || fscanf(f, "%llu", &size) != 1)
            size = 336 + 40; /* an NT_PRSTATUS note and its header, as older kernels had */
        if (f)
            fclose(f);
        note(&ph[n++], addr, size);
    }
    if (read_hex("/sys/kernel/vmcoreinfo", &addr, &size) == 0)
        note(&ph[n++], addr, size);
    for (size_t i = 0; i < nram; i++)
        ph[n++] = (Elf64_Phdr){.p_type = PT_LOAD,
                               .p_flags = PF_R | PF_W | PF_X,
                               .p_offset = ram[i].start,
                               .p_paddr = ram[i].start,
                               .p_filesz = ram[i].end - ram[i].start + 1,
                               .p_memsz = ram[i].end - ram[i].start + 1};
    Elf64_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
        .e_type = ET_CORE,
        .e_machine = EM_AARCH64,
        .e_version = EV_CURRENT,
        .e_phoff = sizeof(Elf64_Ehdr),
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = (Elf64_Half)n};
    out->len = sizeof(eh) + n * sizeof(*ph);
    out->data = calloc(1, ALIGN(out->len, PAGE));
    if (out->data) {
        memcpy(out->data, &eh, sizeof(eh));
        memcpy(out->data + sizeof(eh), ph, n * sizeof(*ph));
    }
    free(ph);
    return out->data ? 0 : -1;
}

/* A reg-style property: address and size in the root's cell counts, big-endian. */
static int set_range(void *fdt, int node, const char *name, uint64_t addr, uint64_t size,
                     int acells, int scells)
{
    fdt32_t cells[4];
    int n = 0;

    if (acells == 2)
        cells[n++] = cpu_to_fdt32((uint32_t)(addr >> 32));
    cells[n++] = cpu_to_fdt32((uint32_t)addr);
    if (scells == 2)
        cells[n++] = cpu_to_fdt32((uint32_t)(size >> 32));
    cells[n++] = cpu_to_fdt32((uint32_t)size);
    return fdt_setprop(fdt, node, name, cells, (int)(n * sizeof(cells[0])));
}

/* 2. The running device tree, for the crash kernel. */
static int device_tree(const char *cmdline, uint64_t initrd, uint64_t initrd_len, uint64_t corehdr,
                       uint64_t corehdr_len, const struct crash_reservation *res, struct blob *out,
                       struct lb_error *err)
{
    struct blob running;
    int chosen, r, acells, scells;

    if (read_file("/sys/firmware/fdt", &running) < 0)
        return fail(err, "%s: %s (the device tree the crash kernel needs)", "/sys/firmware/fdt");
    out->len = running.len + strlen(cmdline) + FDT_ROOM;
    out->data = calloc(1, ALIGN(out->len, PAGE));
    r = out->data ? fdt_open_into(running.data, out->data, (int)out->len) : -FDT_ERR_NOSPACE;
    free(running.data);
    if (r < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "/sys/firmware/fdt: %s", fdt_strerror(r));
        return -1;
    }
    acells = fdt_address_cells(out->data, 0);
    scells = fdt_size_cells(out->data, 0);
    if ((chosen = fdt_path_offset(out->data, "/chosen")) < 0)
        chosen = fdt_add_subnode(out->data, 0, "chosen");
    if (chosen < 0 || acells < 1 || acells > 2 || scells < 1 || scells > 2 ||
        (r = fdt_setprop_string(out->data, chosen, "bootargs", cmdline)) < 0 ||
        (r = fdt_setprop_u64(out->data, chosen, "linux,initrd-start", initrd)) < 0 ||
        (r = fdt_setprop_u64(out->data, chosen, "linux,initrd-end", initrd + initrd_len)) < 0 ||
        (r = set_range(out->data, chosen, "linux,elfcorehdr", corehdr, corehdr_len, acells,
                       scells)) < 0 ||
        (r = set_range(out->data, chosen, "linux,usable-memory-range", res->start,
                       res->end - res->start + 1, acells, scells)) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot make the crash kernel's device tree: %s",
                      chosen < 0 ? fdt_strerror(chosen)
                      : r < 0    ? fdt_strerror(r)
                                 : "odd cell sizes");
        return -1;
    }
    /* The running kernel consumed its KASLR seed; the crash kernel is not randomized. */
    if (fdt_getprop(out->data, chosen, "kaslr-seed", NULL))
        fdt_setprop_u64(out->data, chosen, "kaslr-seed", 0);
    fdt_pack(out->data);
    out->len = fdt_totalsize(out->data);
    return 0;
}

/* 3. x0 = the device tree, x1-x3 = 0, jump to the kernel: the arm64 boot protocol. */
static void purgatory(uint8_t *page, uint64_t kernel, uint64_t dtb)
{
    static const uint32_t code[6] = {
        0x580000d1, /* ldr x17, [pc + 24]: the kernel's entry */
        0x580000e0, /* ldr x0, [pc + 28]: the device tree */
        0xaa1f03e1, /* mov x1, xzr */
        0xaa1f03e2, /* mov x2, xzr */
        0xaa1f03e3, /* mov x3, xzr */
        0xd61f0220, /* br x17 */
    };

    memset(page, 0, PAGE);
    memcpy(page, code, sizeof(code));
    memcpy(page + 24, &kernel, 8);
    memcpy(page + 32, &dtb, 8);
}

int kexec_arm64_crash_load(int kernel_fd, int initramfs_fd, const char *cmdline,
                           struct lb_error *err)
{
    struct crash_reservation res;
    struct blob image = {0}, initrd = {0}, corehdr = {0}, dtb = {0};
    static uint8_t entry[PAGE];
    struct kexec_segment seg[5];
    uint64_t text_offset, image_size, at;
    int r = -1;

    if (crash_reservation_read(&res) < 0 || res.size == 0 || res.end <= res.start) {
        lb_error_setk(err, LB_ERR_REFUSED, "no crashkernel= reservation in /proc/iomem");
        return -1;
    }
    if (read_all(kernel_fd, &image) < 0 || read_all(initramfs_fd, &initrd) < 0) {
        fail(err, "%s: %s", "reading the kernel or the initramfs");
        goto out;
    }
    if (image.len < 64 || memcmp(image.data + 56, "ARM\x64", 4) != 0) {
        lb_error_setk(err, LB_ERR_CORRUPT, "the kernel is not an arm64 Image (no ARM\\x64 at 56)");
        goto out;
    }
    memcpy(&text_offset, image.data + 8, 8);
    memcpy(&image_size, image.data + 16, 8);
    if (image_size < image.len || image_size > (512u << 20) || text_offset > (2u << 20)) {
        lb_error_setk(err, LB_ERR_CORRUPT,
                      "the arm64 Image header is odd (image_size %llu, text_offset %llu)",
                      (unsigned long long)image_size, (unsigned long long)text_offset);
        goto out;
    }
    if (core_header(&res, &corehdr, err) < 0)
        goto out;
    uint64_t kernel = ALIGN(res.start, 2u << 20) + text_offset;
    uint64_t initrd_at = ALIGN(kernel + image_size, PAGE);
    uint64_t corehdr_at = ALIGN(initrd_at + initrd.len, PAGE);
    uint64_t dtb_at = ALIGN(corehdr_at + corehdr.len, PAGE);
    if (device_tree(cmdline, initrd_at, initrd.len, corehdr_at, corehdr.len, &res, &dtb, err) < 0)
        goto out;
    uint64_t entry_at = ALIGN(dtb_at + dtb.len, PAGE);
    if (entry_at + PAGE - 1 > res.end) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the crash kernel does not fit in the reservation (%llu MiB)",
                      (unsigned long long)(res.size >> 20));
        errno = ENOMEM;
        goto out;
    }
    purgatory(entry, kernel, dtb_at);
    seg[0] = (struct kexec_segment){image.data, image.len, (void *)kernel, ALIGN(image_size, PAGE)};
    seg[1] =
        (struct kexec_segment){initrd.data, initrd.len, (void *)initrd_at, ALIGN(initrd.len, PAGE)};
    seg[2] = (struct kexec_segment){corehdr.data, corehdr.len, (void *)corehdr_at,
                                    ALIGN(corehdr.len, PAGE)};
    seg[3] = (struct kexec_segment){dtb.data, dtb.len, (void *)dtb_at, ALIGN(dtb.len, PAGE)};
    seg[4] = (struct kexec_segment){entry, PAGE, (void *)entry_at, PAGE};
    at = entry_at;
    if (syscall(SYS_kexec_load, at, 5UL, seg,
                (unsigned long)(KEXEC_ON_CRASH | KEXEC_ARCH_AARCH64)) < 0) {
        fail(err, "%s: %s", "kexec_load");
        goto out;
    }
    r = 0;
out:
    free(image.data);
    free(initrd.data);
    free(corehdr.data);
    free(dtb.data);
    return r;
}
