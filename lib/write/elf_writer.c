/*
 * elf_writer.c - writes a dump as an ELF core.
 *
 * The output is what gdb, crash and drgn open: one PT_NOTE with the source's
 * notes (VMCOREINFO, registers) and a PT_LOAD for each run of frames kept,
 * page-aligned in the file.  Frames left out by -d are in no PT_LOAD, so
 * every reader says they are not in the dump instead of inventing zeros (as
 * makedumpfile -E does).  Zero frames the machine did have stay in their run
 * as holes of the file (zeros on a block device, which has no holes).  An
 * unreadable frame is written as zeros and marks the dump incomplete.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "kernel/kernel.h"
#include "write/pipeline.h"

static uint64_t page_align(uint64_t n)
{
    return (n + LB_PAGE_SIZE - 1) & ~(uint64_t)(LB_PAGE_SIZE - 1);
}

/*
 * The output in two passes over the classes (struct pages only, never the
 * data): the first counts the runs of frames to keep, so the program headers
 * can have their room before the data; the second writes each run's data and
 * then its PT_LOAD.  Memory stays bounded whatever the number of runs.
 */
struct elf_out {
    int counting;        /* pass 1: count runs, write nothing */
    size_t runs, slots;  /* runs seen; program header slots reserved (pass 2) */
    uint64_t data_at;    /* where the next run's data starts: page-aligned */
    int open;            /* a run is being written */
    uint64_t run_from;   /* its first byte of physical memory */
    uint64_t run_offset; /* and where that byte is in the file */
    const struct lb_segment *seg;
};

static uint64_t seg_file_end(const struct lb_segment *s)
{
    return s->phys_addr + s->file_size;
}

/*
 * On a device, what is not written is the last dump's: program header slots
 * the second pass has not reached yet would be an earlier ELF dump's PT_LOADs,
 * read as this crash's memory wherever the dump is cut (a power cut, the
 * step's deadline).  They are PT_NULL (zeros).
 */
static int empty_slots(struct lb_pipe *p, size_t nphdr, struct lb_error *err)
{
    static uint8_t zeros[64 << 10]; /* read only; in .bss rather than the binary */
    uint64_t at = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr),
             end = sizeof(Elf64_Ehdr) + nphdr * sizeof(Elf64_Phdr);

    for (; at < end; at += sizeof(zeros))
        if (lb_out_write(p, zeros, end - at < sizeof(zeros) ? (size_t)(end - at) : sizeof(zeros),
                         at, err) < 0)
            return -1;
    return 0;
}

/*
 * The ELF header goes last: it is what makes the rest a dump.  On a device,
 * only once the notes and the empty slots are durable, so that a power cut
 * never leaves it over the last dump's notes (its VMCOREINFO, its kernel's
 * addresses) or program headers; until then the device's first bytes say
 * what they said (a dump savecore consumed, rawdev.c).
 */
static int write_ehdr(struct lb_pipe *p, size_t nphdr, struct lb_error *err)
{
    size_t notes_len;
    const uint8_t *notes = lb_pipe_notes(p, &notes_len);
    uint64_t notes_at = sizeof(Elf64_Ehdr) + nphdr * sizeof(Elf64_Phdr);
    Elf64_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT},
        .e_type = ET_CORE,
        .e_machine = p->src->arch->elf_machine,
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
        if (lb_out_write(p, &sh0, sizeof(sh0), sh_at, err) < 0)
            return -1;
    }
    if (lb_out_write(p, &note, sizeof(note), sizeof(eh), err) < 0 ||
        (notes_len && lb_out_write(p, notes, notes_len, notes_at, err) < 0))
        return -1;
    if (lb_out_holds_stale(p) && (empty_slots(p, nphdr, err) < 0 || lb_out_sync(p, err) < 0))
        return -1;
    return lb_out_write(p, &eh, sizeof(eh), 0, err);
}

static uint64_t headers_size(struct lb_pipe *p, size_t nphdr)
{
    size_t notes_len;

    lb_pipe_notes(p, &notes_len);
    return sizeof(Elf64_Ehdr) + nphdr * sizeof(Elf64_Phdr) + notes_len +
           (nphdr >= PN_XNUM ? sizeof(Elf64_Shdr) : 0);
}

static int write_phdr(struct lb_pipe *p, size_t slot, const Elf64_Phdr *ph, struct lb_error *err)
{
    return lb_out_write(p, ph, sizeof(*ph), sizeof(Elf64_Ehdr) + (slot + 1) * sizeof(*ph), err);
}

/* A run of kept bytes begins at phys (a frame's start, or the segment's). */
static void run_begin(struct elf_out *o, const struct lb_segment *s, uint64_t phys)
{
    o->open = 1;
    o->seg = s;
    o->run_from = phys < s->phys_addr ? s->phys_addr : phys;
    o->run_offset = o->data_at;
}

/* Ends the run before phys: its PT_LOAD goes into the next slot. */
static int run_end(struct lb_pipe *p, struct elf_out *o, uint64_t phys, struct lb_error *err)
{
    const struct lb_segment *s = o->seg;
    uint64_t to = phys > seg_file_end(s) ? seg_file_end(s) : phys;
    Elf64_Phdr ph = {.p_type = PT_LOAD,
                     .p_flags = PF_R | PF_W | PF_X,
                     .p_offset = o->run_offset,
                     .p_vaddr = s->virt_addr ? s->virt_addr + (o->run_from - s->phys_addr) : 0,
                     .p_paddr = o->run_from,
                     .p_filesz = to - o->run_from,
                     .p_memsz = to - o->run_from};

    o->open = 0;
    o->runs++;
    if (to == seg_file_end(s)) /* the segment's own zero fill, as the ELF rules say */
        ph.p_memsz += s->mem_size - s->file_size;
    o->data_at = page_align(o->run_offset + ph.p_filesz);
    if (o->counting)
        return 0;
    if (o->runs > o->slots) {
        lb_error_set(err, "the frames to keep changed between the two passes (%zu runs, then more)",
                     o->slots);
        return -1;
    }
    return write_phdr(p, o->runs - 1, &ph, err);
}

/*
 * Writes bytes [from, to) of the open run, taken from the batch that starts
 * at frame pfn; NULL data writes zeros (a block device has no holes).
 */
static int put(struct lb_pipe *p, struct elf_out *o, uint64_t pfn, uint64_t from, uint64_t to,
               const uint8_t *data, struct lb_error *err)
{
    static uint8_t zeros[LB_PAGE_SIZE]; /* read only; in .bss rather than the binary */

    from = from < o->run_from ? o->run_from : from;
    to = to > seg_file_end(o->seg) ? seg_file_end(o->seg) : to;
    if (to <= from)
        return 0;
    if (!data) {
        for (uint64_t a = from; a < to; a += LB_PAGE_SIZE) {
            size_t len = to - a < LB_PAGE_SIZE ? (size_t)(to - a) : LB_PAGE_SIZE;
            if (lb_out_write(p, zeros, len, o->run_offset + (a - o->run_from), err) < 0)
                return -1;
        }
        return 0;
    }
    p->stats->bytes_written += to - from;
    return lb_out_write(p, data + (from - (pfn << LB_PAGE_SHIFT)), to - from,
                        o->run_offset + (from - o->run_from), err);
}

/*
 * The batch's frames: each kept one extends the run (zero and unreadable
 * ones too, as holes or zeros: the machine had them), each left out ends it.
 */
static int write_batch(struct lb_pipe *p, struct elf_out *o, const struct lb_segment *s,
                       uint64_t pfn, const uint8_t *kept, size_t n, struct lb_error *err)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t at = (pfn + i) << LB_PAGE_SHIFT;

        if (!kept[i]) {
            if (o->open && run_end(p, o, at, err) < 0)
                return -1;
            continue;
        }
        if (!o->open)
            run_begin(o, s, at);
        if (o->counting)
            continue;
        if (p->status[i] == LB_PAGE_OK) {
            size_t run = 1;
            while (i + run < n && kept[i + run] && p->status[i + run] == LB_PAGE_OK)
                run++;
            if (put(p, o, pfn, at, at + run * LB_PAGE_SIZE, p->data, err) < 0)
                return -1;
            i += run - 1;
        } else if (!lb_out_has_holes(p) && put(p, o, pfn, at, at + LB_PAGE_SIZE, NULL, err) < 0) {
            return -1;
        }
    }
    return 0;
}

static int copy_segment(struct lb_pipe *p, struct elf_out *o, const struct lb_segment *s,
                        struct lb_error *err)
{
    uint8_t kept[LB_BATCH];
    uint64_t first, count;

    lb_segment_frames(s, &first, &count);
    for (uint64_t w = 0; w < count; w += LB_WINDOW) {
        size_t wn = count - w < LB_WINDOW ? (size_t)(count - w) : LB_WINDOW;

        lb_pipe_classify(p, first + w, wn);
        for (size_t b = 0; b < wn; b += p->batch) {
            size_t n = wn - b < p->batch ? wn - b : p->batch;
            uint64_t pfn = first + w + b;
            uint8_t *cls = p->cls + b;

            /* A run is what the classes keep; zero pages stay in it, as holes. */
            for (size_t i = 0; i < n; i++)
                kept[i] = cls[i] == LB_CLASS_KEEP;
            if (!o->counting) {
                lb_pipe_read(p, pfn, n, cls);
                for (size_t i = 0; i < n; i++) {
                    if (p->status[i] == LB_PAGE_ZERO)
                        p->status[i] = LB_PAGE_EXCLUDED;
                    p->stats->pages_class[cls[i]]++;
                    p->stats->pages_saved += cls[i] == LB_CLASS_KEEP && p->status[i] == LB_PAGE_OK;
                }
            }
            if (write_batch(p, o, s, pfn, kept, n, err) < 0)
                return -1;
            if (!o->counting)
                lb_pipe_advance(p, n * LB_PAGE_SIZE);
        }
    }
    return o->open ? run_end(p, o, seg_file_end(s), err) : 0;
}

/* One pass over every segment: counting, or writing. */
static int pass(struct lb_pipe *p, struct elf_out *o, const struct lb_segment *segs, size_t nseg,
                struct lb_error *err)
{
    for (size_t i = 0; i < nseg; i++)
        if (copy_segment(p, o, &segs[i], err) < 0)
            return -1;
    if (o->counting)
        return 0;
    for (size_t slot = o->runs; slot < o->slots; slot++) { /* never, if nothing changed */
        Elf64_Phdr unused = {.p_type = PT_NULL};
        if (write_phdr(p, slot, &unused, err) < 0)
            return -1;
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
        have_image |= segs[i].virt_addr >= p->src->arch->kernel_text_lo;
        /* a kernel address, not a physical one repeated (QEMU's dump-guest-memory) */
        have_virt |= segs[i].virt_addr >= 0xff00000000000000ull;
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

int lb_write_elf(struct lb_pipe *p, struct lb_error *err)
{
    size_t nseg;
    struct lb_segment *segs = output_segments(p, &nseg);
    struct elf_out o = {.counting = 1};
    int r, headed = 0;

    if (!segs) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < nseg; i++) {
        uint64_t first, count;
        lb_segment_frames(&segs[i], &first, &count);
        p->stats->pages_total += count;
        p->progress.bytes_total += count * LB_PAGE_SIZE;
    }
    r = pass(p, &o, segs, nseg, err);
    if (r == 0) {
        /* A running kernel's pages change class while it is read: room for more runs. */
        size_t slots = o.runs + (lb_source_running(p->src) ? o.runs / 2 + 1024 : 0);
        o = (struct elf_out){.slots = slots, .data_at = page_align(headers_size(p, slots + 1))};
        r = write_ehdr(p, slots + 1, err);
        headed = r == 0;
    }
    if (r == 0)
        r = pass(p, &o, segs, nseg, err);
    /* The end may be a hole: the sink's finish gives the file its size. */
    free(segs);
    p->stats->output_size = headed ? o.data_at : 0; /* 0: nothing written */
    p->stats->incomplete = r < 0 || p->stats->pages_unreadable || lb_source_incomplete(p->src);
    return r;
}
