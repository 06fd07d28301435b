/*
 * elf_writer.c - writes a dump as an ELF core.
 *
 * The output is what gdb, crash and drgn open: one PT_NOTE with the source's
 * notes (VMCOREINFO, registers) and the source's PT_LOADs, each page-aligned
 * in the file.  Frames left out by -d, and zero frames, are not written: in a
 * regular file they are holes and read as zeros; on a block device, which
 * has no holes, zeros are written.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"

static uint64_t page_align(uint64_t n)
{
    return (n + LB_PAGE_SIZE - 1) & ~(uint64_t)(LB_PAGE_SIZE - 1);
}

static int write_headers(struct lb_source *src, int fd, uint64_t data_start, size_t nseg,
                         struct lb_error *err)
{
    size_t notes_len, nphdr = nseg + 1;
    const uint8_t *notes = lb_source_notes(src, &notes_len);
    uint64_t notes_at = sizeof(Elf64_Ehdr) + nphdr * sizeof(Elf64_Phdr);
    uint64_t offset = data_start;
    Elf64_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
        .e_type = ET_CORE,
        .e_machine = EM_X86_64,
        .e_version = EV_CURRENT,
        .e_phoff = sizeof(Elf64_Ehdr),
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = nphdr < PN_XNUM ? (Elf64_Half)nphdr : PN_XNUM,
    };
    Elf64_Phdr note = {
        .p_type = PT_NOTE, .p_offset = notes_at, .p_filesz = notes_len, .p_memsz = notes_len};

    if (nphdr >= PN_XNUM) {
        /* The real count goes in section header 0, which sits after the notes. */
        Elf64_Shdr sh0 = {.sh_info = (Elf64_Word)nphdr};
        uint64_t sh_at = notes_at + notes_len;

        eh.e_shoff = sh_at;
        eh.e_shentsize = sizeof(Elf64_Shdr);
        if (full_pwrite(fd, &sh0, sizeof(sh0), sh_at, err) < 0)
            return -1;
    }
    if (full_pwrite(fd, &eh, sizeof(eh), 0, err) < 0 ||
        full_pwrite(fd, &note, sizeof(note), sizeof(eh), err) < 0)
        return -1;
    for (size_t i = 0; i < nseg; i++) {
        const struct lb_segment *s = lb_source_segment(src, i);
        Elf64_Phdr ph = {.p_type = PT_LOAD,
                         .p_flags = PF_R | PF_W | PF_X,
                         .p_offset = offset,
                         .p_vaddr = s->virt_addr,
                         .p_paddr = s->phys_addr,
                         .p_filesz = s->file_size,
                         .p_memsz = s->mem_size};
        if (full_pwrite(fd, &ph, sizeof(ph), sizeof(eh) + (i + 1) * sizeof(ph), err) < 0)
            return -1;
        offset = page_align(offset + s->file_size);
    }
    return notes_len ? full_pwrite(fd, notes, notes_len, notes_at, err) : 0;
}

/*
 * Writes bytes [from, to) of physical memory, taken from the batch that starts
 * at frame pfn, to where the segment puts them; NULL data writes zeros.
 */
static int put(struct lb_pipe *p, int fd, const struct lb_segment *s, uint64_t out, uint64_t pfn,
               uint64_t from, uint64_t to, const uint8_t *data, struct lb_error *err)
{
    static const uint8_t zeros[LB_PAGE_SIZE];
    uint64_t lo = s->phys_addr, hi = s->phys_addr + s->file_size;

    from = from < lo ? lo : from;
    to = to > hi ? hi : to;
    if (to <= from)
        return 0;
    if (!data) {
        for (uint64_t a = from; a < to; a += LB_PAGE_SIZE) {
            size_t len = to - a < LB_PAGE_SIZE ? (size_t)(to - a) : LB_PAGE_SIZE;
            if (full_pwrite(fd, zeros, len, out + (a - lo), err) < 0)
                return -1;
        }
        return 0;
    }
    p->stats->bytes_written += to - from;
    return full_pwrite(fd, data + (from - (pfn << LB_PAGE_SHIFT)), to - from, out + (from - lo),
                       err);
}

/* Writes the batch's kept frames, runs of them with one write. */
static int write_batch(struct lb_pipe *p, int fd, const struct lb_segment *s, uint64_t out,
                       uint64_t pfn, const uint8_t *cls, size_t n, struct lb_error *err)
{
    size_t i = 0;

    while (i < n) {
        size_t run = 0;
        uint64_t at = (pfn + i) << LB_PAGE_SHIFT;

        if (cls[i] != LB_CLASS_KEEP || p->status[i] != LB_PAGE_OK) {
            /* Frames not saved: a hole, or zeros where there can be no hole. */
            if (!p->opts->sparse && put(p, fd, s, out, pfn, at, at + LB_PAGE_SIZE, NULL, err) < 0)
                return -1;
            i++;
            continue;
        }
        while (i + run < n && cls[i + run] == LB_CLASS_KEEP && p->status[i + run] == LB_PAGE_OK)
            run++;
        if (put(p, fd, s, out, pfn, at, at + run * LB_PAGE_SIZE, p->data, err) < 0)
            return -1;
        i += run;
    }
    return 0;
}

static int copy_segment(struct lb_pipe *p, int fd, const struct lb_segment *s, uint64_t out,
                        struct lb_error *err)
{
    uint64_t first, count;

    segment_frames(s, &first, &count);
    for (uint64_t w = 0; w < count; w += LB_WINDOW) {
        size_t wn = count - w < LB_WINDOW ? (size_t)(count - w) : LB_WINDOW;

        pipe_classify(p, first + w, wn);
        for (size_t b = 0; b < wn; b += LB_BATCH) {
            size_t n = wn - b < LB_BATCH ? wn - b : LB_BATCH;
            uint64_t pfn = first + w + b;
            uint8_t *cls = p->cls + b;

            pipe_read(p, pfn, n, cls);
            for (size_t i = 0; i < n; i++) {
                /* Zero pages are holes, whatever -d says. */
                if (p->status[i] == LB_PAGE_ZERO)
                    p->status[i] = LB_PAGE_EXCLUDED;
                p->stats->pages_class[cls[i]]++;
                p->stats->pages_saved += cls[i] == LB_CLASS_KEEP && p->status[i] == LB_PAGE_OK;
            }
            if (write_batch(p, fd, s, out, pfn, cls, n, err) < 0)
                return -1;
            pipe_advance(p, n * LB_PAGE_SIZE);
        }
    }
    return 0;
}

int write_elf(struct lb_pipe *p, int fd, struct lb_error *err)
{
    struct lb_source *src = p->src;
    size_t nseg = lb_source_segment_count(src), notes_len;
    uint64_t headers, offset;
    int r = 0;

    lb_source_notes(src, &notes_len);
    headers = sizeof(Elf64_Ehdr) + (nseg + 1) * sizeof(Elf64_Phdr) + notes_len;
    if (nseg + 1 >= PN_XNUM)
        headers += sizeof(Elf64_Shdr);
    offset = page_align(headers);
    for (size_t i = 0; i < nseg; i++)
        p->stats->pages_total += lb_source_segment(src, i)->file_size >> LB_PAGE_SHIFT;
    if (write_headers(src, fd, offset, nseg, err) < 0)
        return -1;
    for (size_t i = 0; i < nseg && r == 0; i++) {
        const struct lb_segment *s = lb_source_segment(src, i);
        r = copy_segment(p, fd, s, offset, err);
        offset = page_align(offset + s->file_size);
    }
    /* The end may be a hole: the size makes the file whole. */
    if (r == 0 && p->opts->sparse && ftruncate(fd, (off_t)offset) < 0) {
        lb_error_set(err, "cannot extend the output to %llu bytes: %s", (unsigned long long)offset,
                     strerror(errno));
        r = -1;
    }
    p->stats->output_size = offset;
    p->stats->incomplete = r < 0;
    return r;
}
