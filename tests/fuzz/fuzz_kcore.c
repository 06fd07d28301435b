/*
 * fuzz_kcore.c - libFuzzer target: any bytes as /proc/kcore, opened as the
 * live source (lib/source/kcore_source.c) opens the running kernel's.
 *
 * The header and notes are parsed as a kcore's (segments with and without
 * physical addresses, deduplicated and clipped), its notes rebuilt (VMCOREINFO
 * with CRASHTIME, a NT_PRSTATUS a CPU, the live note), its frames read, its
 * triage made, and it is written out as a dump, as 'save --live' would.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lbdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int in = -1, out = -1;
    struct lb_source *src;
    struct lb_write_stats stats;
    struct lb_triage t;
    struct lb_error err;
    char path[64];

    if (in < 0) {
        in = memfd_create("fuzz-in", 0);
        out = memfd_create("fuzz-out", 0);
    }
    if (ftruncate(in, 0) < 0 || pwrite(in, data, size, 0) != (ssize_t)size)
        return 0;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", in);
    if (lb_source_open_live(path, &src, &err) < 0)
        return 0;
    uint64_t described = 0;
    for (size_t i = 0; i < lb_source_segment_count(src); i++) {
        const struct lb_segment *s = lb_source_segment(src, i);
        uint8_t buf[64];
        lb_source_read_phys(src, s->phys_addr, buf, sizeof(buf), &err);
        described += s->mem_size;
    }
    lb_triage(src, &t);
    lb_triage_free(&t);
    /* Bound the copy: a header may describe terabytes. */
    if (described < (16 << 20) && ftruncate(out, 0) == 0) {
        struct lb_write_options opts = {
            .format = size & 1 ? LB_FORMAT_ELF : LB_FORMAT_KDUMP, .dump_level = 31, .sparse = 1};
        lb_write(src, out, &opts, &stats, &err);
    }
    lb_source_close(src);
    return 0;
}
