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

static int write_headers(struct lb_pipe *p, const struct lb_segment *segs, size_t nseg,
                         uint64_t data_start, struct lb_error *err)
{
    struct lb_source *src = p->src;
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
        if (out_write(p, &sh0, sizeof(sh0), sh_at, err) < 0)
            return -1;
    }
    if (out_write(p, &eh, sizeof(eh), 0, err) < 0 ||
        out_write(p, &note, sizeof(note), sizeof(eh), err) < 0)
        return -1;
    for (size_t i = 0; i < nseg; i++) {
        const struct lb_segment *s = &segs[i];
        Elf64_Phdr ph = {.p_type = PT_LOAD,
                         .p_flags = PF_R | PF_W | PF_X,
                         .p_offset = offset,
                         .p_vaddr = s->virt_addr,
                         .p_paddr = s->phys_addr,
                         .p_filesz = s->file_size,
                         .p_memsz = s->mem_size};
        if (out_write(p, &ph, sizeof(ph), sizeof(eh) + (i + 1) * sizeof(ph), err) < 0)
            return -1;
        offset = page_align(offset + s->file_size);
    }
    return notes_len ? out_write(p, notes, notes_len, notes_at, err) : 0;
}

/*
 * Writes bytes [from, to) of physical memory, taken from the batch that starts
 * at frame pfn, to where the segment puts them; NULL data writes zeros.
 */
static int put(struct lb_pipe *p, const struct lb_segment *s, uint64_t out, uint64_t pfn,
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
            if (out_write(p, zeros, len, out + (a - lo), err) < 0)
                return -1;
        }
        return 0;
    }
    p->stats->bytes_written += to - from;
    return out_write(p, data + (from - (pfn << LB_PAGE_SHIFT)), to - from, out + (from - lo), err);
}

/* Writes the batch's kept frames, runs of them with one write. */
static int write_batch(struct lb_pipe *p, const struct lb_segment *s, uint64_t out, uint64_t pfn,
                       const uint8_t *cls, size_t n, struct lb_error *err)
{
    size_t i = 0;

    while (i < n) {
        size_t run = 0;
        uint64_t at = (pfn + i) << LB_PAGE_SHIFT;

        if (cls[i] != LB_CLASS_KEEP || p->status[i] != LB_PAGE_OK) {
            /* Frames not saved: a hole, or zeros where there can be no hole. */
            if (!p->opts->sparse && put(p, s, out, pfn, at, at + LB_PAGE_SIZE, NULL, err) < 0)
                return -1;
            i++;
            continue;
        }
        while (i + run < n && cls[i + run] == LB_CLASS_KEEP && p->status[i + run] == LB_PAGE_OK)
            run++;
        if (put(p, s, out, pfn, at, at + run * LB_PAGE_SIZE, p->data, err) < 0)
            return -1;
        i += run;
    }
    return 0;
}

static int copy_segment(struct lb_pipe *p, const struct lb_segment *s, uint64_t out,
                        struct lb_error *err)
{
    uint64_t first, count;

    segment_frames(s, &first, &count);
    for (uint64_t w = 0; w < count; w += LB_WINDOW) {
        size_t wn = count - w < LB_WINDOW ? (size_t)(count - w) : LB_WINDOW;

        pipe_classify(p, first + w, wn);
        for (size_t b = 0; b < wn; b += p->batch) {
            size_t n = wn - b < p->batch ? wn - b : p->batch;
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
            if (write_batch(p, s, out, pfn, cls, n, err) < 0)
                return -1;
            pipe_advance(p, n * LB_PAGE_SIZE);
        }
    }
    return 0;
}

/*
 * The source's segments.  A kdump-compressed source has no virtual addresses,
 * which gdb and vmcore-dmesg need to find kernel data: the segments then get
 * their direct-map addresses, and one more maps the kernel image.
 */
static struct lb_segment *output_segments(struct lb_pipe *p, size_t *n)
{
    size_t count = lb_source_segment_count(p->src);
    struct lb_segment *segs = calloc(count + 1, sizeof(*segs));
    uint64_t virt, phys, size, page_offset;
    int have_image = 0, have_virt = 0;

    if (!segs)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        segs[i] = *lb_source_segment(p->src, i);
        have_image |= segs[i].virt_addr >= 0xffffffff80000000ull;
        have_virt |= segs[i].virt_addr != 0;
    }
    if (!have_virt && p->kernel && lb_kernel_page_offset(p->kernel, &page_offset) == 0)
        for (size_t i = 0; i < count; i++)
            segs[i].virt_addr = page_offset + segs[i].phys_addr;
    if (!have_image && p->kernel && lb_kernel_image(p->kernel, &virt, &phys, &size) == 0) {
        segs[count].phys_addr = phys;
        segs[count].virt_addr = virt;
        segs[count].file_size = segs[count].mem_size = size;
        count++;
    }
    *n = count;
    return segs;
}

int write_elf(struct lb_pipe *p, struct lb_error *err)
{
    size_t nseg, notes_len;
    struct lb_segment *segs = output_segments(p, &nseg);
    uint64_t headers, offset;
    int r = 0;

    if (!segs) {
        lb_error_set(err, "out of memory");
        return -1;
    }
    lb_source_notes(p->src, &notes_len);
    headers = sizeof(Elf64_Ehdr) + (nseg + 1) * sizeof(Elf64_Phdr) + notes_len;
    if (nseg + 1 >= PN_XNUM)
        headers += sizeof(Elf64_Shdr);
    offset = page_align(headers);
    for (size_t i = 0; i < nseg; i++) {
        uint64_t first, count;
        segment_frames(&segs[i], &first, &count);
        p->stats->pages_total += count;
        p->progress.bytes_total += count * LB_PAGE_SIZE;
    }
    r = write_headers(p, segs, nseg, offset, err);
    for (size_t i = 0; i < nseg && r == 0; i++) {
        r = copy_segment(p, &segs[i], offset, err);
        offset = page_align(offset + segs[i].file_size);
    }
    /* The end may be a hole: the size makes the file whole. */
    if (r == 0 && p->opts->sparse && ftruncate(p->fd, (off_t)offset) < 0) {
        lb_error_set(err, "cannot extend the output to %llu bytes: %s", (unsigned long long)offset,
                     strerror(errno));
        r = -1;
    }
    free(segs);
    p->stats->output_size = offset;
    p->stats->incomplete = r < 0;
    return r;
}
