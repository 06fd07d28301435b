/*
 * fuzz_elf_source.c - libFuzzer target: any bytes as an ELF vmcore (or a
 * flattened stream holding one, read in place through its records).
 *
 * Opens the input as a dump, walks its notes, parses VMCOREINFO and the
 * registers, reads memory through every segment and writes it out again as
 * ELF, the way 'lifeboat info' and the capture would.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lbdump.h"

static void walk_notes(struct lb_source *src)
{
    struct lb_vmcoreinfo *info;
    struct lb_note note;
    struct lb_error err;
    size_t len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &len);

    while (lb_note_next(notes, len, &pos, &note, &err) == 1) {
        struct lb_cpu_state cpu;
        if (note.type == NT_PRSTATUS)
            lb_prstatus_parse(note.desc, note.desc_len, &cpu, &err);
    }
    if (lb_vmcoreinfo_from_notes(notes, len, &info, &err) == 0) {
        uint64_t v;
        lb_vmcoreinfo_get_u64(info, "PAGESIZE", 10, &v);
        lb_vmcoreinfo_free(info);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int in = -1, out = -1;
    struct lb_source *src;
    struct lb_write_stats stats;
    struct lb_error err;
    char path[64];

    if (in < 0) {
        in = memfd_create("fuzz-in", 0);
        out = memfd_create("fuzz-out", 0);
    }
    if (ftruncate(in, 0) < 0 || pwrite(in, data, size, 0) != (ssize_t)size)
        return 0;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", in);
    if (lb_source_open(path, &src, &err) < 0)
        return 0;
    walk_notes(src);
    for (size_t i = 0; i < lb_source_segment_count(src); i++) {
        const struct lb_segment *s = lb_source_segment(src, i);
        uint8_t buf[64];
        lb_source_read_phys(src, s->phys_addr, buf, sizeof(buf), &err);
    }
    /* Bound the copy: a header may describe terabytes of holes. */
    uint64_t described = 0;
    for (size_t i = 0; i < lb_source_segment_count(src); i++)
        described += lb_source_segment(src, i)->file_size;
    if (described < (16 << 20) && ftruncate(out, 0) == 0) {
        struct lb_write_options opts = {
            .format = size & 1 ? LB_FORMAT_ELF : LB_FORMAT_KDUMP, .dump_level = 31, .sparse = 1};
        lb_write(src, out, &opts, &stats, &err);
    }
    lb_source_close(src);
    return 0;
}
