/*
 * elf_writer.c - writes a source as an ELF core, streamed.
 *
 * The output is what gdb, crash and drgn open: one PT_NOTE with the source's
 * notes (VMCOREINFO, registers) and the source's PT_LOADs, each page-aligned.
 * Memory is copied through one fixed buffer, so the writer uses the same few
 * megabytes whether the machine had 1 GB or 4 TB.  All-zero pages are left as
 * holes when the output is a regular file: the file reads the same, takes no
 * disk space for them, and the capture does not pay to write them.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lbdump.h"

enum { COPY_CHUNK = 1 << 20, PAGE = 4096, PROGRESS_EVERY = 64 << 20 };

struct copy {
    struct lb_source *src;
    int fd;
    const struct lb_write_options *opts;
    struct lb_write_stats *stats;
    uint8_t *buf;
    struct lb_progress progress;
    uint64_t next_report;
};

static uint64_t page_align(uint64_t n)
{
    return (n + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

static int is_zero(const uint8_t *p, size_t len)
{
    return p[0] == 0 && memcmp(p, p + 1, len - 1) == 0;
}

static int full_pwrite(int fd, const void *buf, size_t len, uint64_t offset, struct lb_error *err)
{
    const uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            lb_error_set(err, "write of %zu bytes at output offset %llu: %s", len,
                         (unsigned long long)offset, n < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

/* Reads a chunk; where the whole read fails, retries page by page and zeroes the bad pages. */
static void read_chunk(struct copy *c, uint64_t offset, size_t len)
{
    struct lb_error ignored;

    if (lb_source_pread(c->src, c->buf, len, offset, &ignored) == 0)
        return;
    for (size_t at = 0; at < len; at += PAGE) {
        size_t n = len - at < PAGE ? len - at : PAGE;
        if (lb_source_pread(c->src, c->buf + at, n, offset + at, &ignored) < 0) {
            memset(c->buf + at, 0, n);
            c->stats->pages_unreadable++;
        }
    }
}

/* Writes the chunk's pages, skipping runs of zero pages when holes are allowed. */
static int write_chunk(struct copy *c, uint64_t out_offset, size_t len, struct lb_error *err)
{
    size_t run_start = 0, at;

    for (at = 0; at < len; at += PAGE) {
        size_t n = len - at < PAGE ? len - at : PAGE;
        int zero = is_zero(c->buf + at, n);

        c->stats->pages_total++;
        c->stats->pages_zero += zero;
        if (zero && c->opts->sparse) {
            if (at > run_start && full_pwrite(c->fd, c->buf + run_start, at - run_start,
                                              out_offset + run_start, err) < 0)
                return -1;
            c->stats->bytes_written += at - run_start;
            run_start = at + n;
        }
    }
    if (len > run_start) {
        if (full_pwrite(c->fd, c->buf + run_start, len - run_start, out_offset + run_start, err) <
            0)
            return -1;
        c->stats->bytes_written += len - run_start;
    }
    return 0;
}

static void report(struct copy *c, int force)
{
    if (!c->opts->progress || (!force && c->progress.bytes_done < c->next_report))
        return;
    c->opts->progress(c->opts->progress_ctx, &c->progress);
    c->next_report = c->progress.bytes_done + PROGRESS_EVERY;
}

static int copy_segment(struct copy *c, const struct lb_segment *seg, uint64_t out_offset,
                        struct lb_error *err)
{
    for (uint64_t done = 0; done < seg->file_size;) {
        size_t len = seg->file_size - done < COPY_CHUNK ? seg->file_size - done : COPY_CHUNK;

        read_chunk(c, seg->file_offset + done, len);
        if (write_chunk(c, out_offset + done, len, err) < 0)
            return -1;
        done += len;
        c->progress.bytes_done += len;
        report(c, 0);
    }
    return 0;
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
        eh.e_shnum = 0;
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
                         .p_memsz = s->mem_size,
                         .p_align = 0};
        if (full_pwrite(fd, &ph, sizeof(ph), sizeof(eh) + (i + 1) * sizeof(ph), err) < 0)
            return -1;
        offset = page_align(offset + s->file_size);
    }
    return notes_len ? full_pwrite(fd, notes, notes_len, notes_at, err) : 0;
}

int lb_write_elf(struct lb_source *src, int out_fd, const struct lb_write_options *opts,
                 struct lb_write_stats *stats, struct lb_error *err)
{
    static const struct lb_write_options defaults;
    size_t nseg = lb_source_segment_count(src), notes_len;
    uint64_t headers, offset;
    struct copy c = {.src = src, .fd = out_fd, .opts = opts ? opts : &defaults, .stats = stats};
    int r = 0;

    memset(stats, 0, sizeof(*stats));
    lb_source_notes(src, &notes_len);
    headers = sizeof(Elf64_Ehdr) + (nseg + 1) * sizeof(Elf64_Phdr) + notes_len;
    if (nseg + 1 >= PN_XNUM)
        headers += sizeof(Elf64_Shdr);
    offset = page_align(headers);
    for (size_t i = 0; i < nseg; i++)
        c.progress.bytes_total += lb_source_segment(src, i)->file_size;
    if (write_headers(src, out_fd, offset, nseg, err) < 0)
        return -1;
    c.buf = malloc(COPY_CHUNK);
    if (!c.buf) {
        lb_error_set(err, "out of memory for the copy buffer");
        return -1;
    }
    for (size_t i = 0; i < nseg && r == 0; i++) {
        const struct lb_segment *s = lb_source_segment(src, i);
        r = copy_segment(&c, s, offset, err);
        offset = page_align(offset + s->file_size);
    }
    free(c.buf);
    /* The last segment's end may be a hole: the size makes the file whole. */
    if (r == 0 && opts && opts->sparse && ftruncate(out_fd, (off_t)offset) < 0) {
        lb_error_set(err, "cannot extend the output to %llu bytes: %s", (unsigned long long)offset,
                     strerror(errno));
        r = -1;
    }
    stats->output_size = offset;
    report(&c, 1);
    return r;
}
