/*
 * kdump_header.c - the fixed part of a kdump-compressed file: where the
 * bitmaps, the descriptor table and the data go (the layout), and the main
 * and sub headers with the crashed kernel's VMCOREINFO and notes.
 */
#include <elf.h>
#include <string.h>

#include "write/kdump_writer.h"

static uint64_t max_frame(struct lb_source *src)
{
    size_t n;
    const struct lb_frame_run *runs = lb_source_frame_runs(src, &n);

    return n ? runs[n - 1].first + runs[n - 1].count : 0;
}

static const uint8_t *vmcoreinfo_text(struct lb_source *src, size_t *len)
{
    size_t notes_len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &notes_len);
    struct lb_note note;
    struct lb_error ignored;

    while (lb_note_next(notes, notes_len, &pos, &note, &ignored) == 1)
        if (strcmp(note.name, "VMCOREINFO") == 0) {
            *len = strnlen((const char *)note.desc, note.desc_len);
            return note.desc;
        }
    *len = 0;
    return NULL;
}

static int count_cpus(struct lb_source *src)
{
    size_t notes_len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &notes_len);
    struct lb_note note;
    struct lb_error ignored;
    int n = 0;

    while (lb_note_next(notes, notes_len, &pos, &note, &ignored) == 1)
        n += note.type == NT_PRSTATUS;
    return n;
}

/* utsname from the crashed kernel's init_uts_ns, else what VMCOREINFO tells. */
static void fill_utsname(struct kdump *k, struct kdump_header *h)
{
    const struct lb_vmcoreinfo *vi = k->p->kernel ? lb_kernel_vmcoreinfo(k->p->kernel) : NULL;
    uint64_t uts, name_off = 0;
    char name[6][65];
    struct lb_error ignored;

    memcpy(h->utsname[0], "Linux", 6);
    memcpy(h->utsname[4], k->p->src->arch->name, strlen(k->p->src->arch->name) + 1);
    if (!vi)
        return;
    const char *release = lb_vmcoreinfo_get(vi, "OSRELEASE");
    if (release)
        memcpy(h->utsname[2], release, strnlen(release, 64));
    lb_vmcoreinfo_get_u64(vi, "OFFSET(uts_namespace.name)", 10, &name_off);
    if (lb_vmcoreinfo_get_u64(vi, "SYMBOL(init_uts_ns)", 16, &uts) == 0 &&
        lb_kernel_read(k->p->kernel, uts + name_off, name, sizeof(name), &ignored) == 0 &&
        release && strncmp(name[2], release, 64) == 0) {
        for (int i = 0; i < 6; i++) {
            name[i][64] = '\0';
            memcpy(h->utsname[i], name[i], strlen(name[i]) + 1);
        }
    }
}

void lb_kdump_layout(struct kdump *k)
{
    struct layout *l = &k->l;
    size_t vlen, nlen;
    uint64_t sub;

    vmcoreinfo_text(k->p->src, &vlen);
    lb_pipe_notes(k->p, &nlen);
    sub = sizeof(struct kdump_sub_header) + vlen + nlen;

    l->max_mapnr = max_frame(k->p->src);
    l->sub_blocks = lb_kdump_round_up(sub, LB_PAGE_SIZE) / LB_PAGE_SIZE;
    l->bitmap_bytes = lb_kdump_round_up((l->max_mapnr + 7) / 8, LB_PAGE_SIZE);
    l->bitmap1_at = (1 + l->sub_blocks) * LB_PAGE_SIZE;
    l->bitmap2_at = l->bitmap1_at + l->bitmap_bytes;
    l->pd_at = l->bitmap2_at + l->bitmap_bytes;
}

/*
 * The header's status names the codec asked and every codec a page was
 * stored with (compress auto: LZO and zstd in one dump, known once it is
 * written), so a reader built without one refuses the dump at once, rather
 * than failing on its pages one by one.
 */
static uint32_t codecs_used(const struct lb_pipe *p)
{
    uint32_t flags = lb_codec_flag(p->opts->codec), used = 0;

    for (int c = LB_CODEC_NONE + 1; c < LB_CODEC_STORED; c++)
        if (p->stats->pages_by_codec[c])
            used |= lb_codec_flag((enum lb_codec)c);
    /* auto before any page is stored (a file's first header, the one a dump cut short keeps):
     * either codec may follow; once written, only those used (an LZO-only dump stays readable
     * by a reader without zstd) */
    if (p->opts->codec == LB_CODEC_AUTO && !used)
        used = lb_codec_flag(LB_CODEC_LZO) | lb_codec_flag(LB_CODEC_ZSTD);
    return flags | used;
}

/*
 * The header: block 0 (the signature, the status) and the sub-header with
 * VMCOREINFO and the notes.  Block 0 last: its signature is what makes the
 * rest a dump.  On a device (durably) the rest and everything written before
 * it are synced first, so a power cut never leaves this dump's signature over
 * the last dump's sub-header (its phys_base, its kernel's symbols); block 0 is
 * one sector, which cannot tear.
 */
static int write_header(struct kdump *k, int complete, int durably, struct lb_error *err)
{
    struct lb_pipe *p = k->p;
    struct kdump_header h = {0};
    struct kdump_sub_header sub = {0};
    const struct lb_vmcoreinfo *vi = p->kernel ? lb_kernel_vmcoreinfo(p->kernel) : NULL;
    size_t vlen, nlen;
    const uint8_t *vtext = vmcoreinfo_text(p->src, &vlen);
    const uint8_t *notes = lb_pipe_notes(p, &nlen);
    uint64_t crash_time = 0;
    int64_t phys_base = 0;

    memcpy(h.signature, KDUMP_SIGNATURE, 8);
    h.header_version = KDUMP_HEADER_VERSION;
    fill_utsname(k, &h);
    if (vi) {
        lb_vmcoreinfo_get_u64(vi, "CRASHTIME", 10, &crash_time);
        lb_vmcoreinfo_get_s64(vi, "NUMBER(phys_base)", &phys_base);
    }
    h.timestamp_sec = (int64_t)crash_time;
    h.status = codecs_used(p) | (complete ? 0 : KDUMP_INCOMPLETE);
    h.block_size = LB_PAGE_SIZE;
    h.sub_hdr_size = (int32_t)k->l.sub_blocks;
    h.bitmap_blocks = (uint32_t)(2 * k->l.bitmap_bytes / LB_PAGE_SIZE);
    h.max_mapnr = k->l.max_mapnr > UINT32_MAX ? UINT32_MAX : (uint32_t)k->l.max_mapnr;
    h.nr_cpus = count_cpus(p->src);
    sub.phys_base = (uint64_t)phys_base;
    sub.dump_level = (int32_t)p->stats->dump_level_applied; /* what the file holds */
    sub.offset_vmcoreinfo = LB_PAGE_SIZE + sizeof(sub);
    sub.size_vmcoreinfo = vlen;
    sub.offset_note = sub.offset_vmcoreinfo + vlen;
    sub.size_note = nlen;
    sub.end_pfn_64 = k->l.max_mapnr;
    sub.max_mapnr_64 = k->l.max_mapnr;
    return lb_out_write(k->p, &sub, sizeof(sub), LB_PAGE_SIZE, err) < 0 ||
                   (vlen && lb_out_write(k->p, vtext, vlen, sub.offset_vmcoreinfo, err) < 0) ||
                   (nlen && lb_out_write(k->p, notes, nlen, sub.offset_note, err) < 0) ||
                   (durably && lb_out_sync(k->p, err) < 0) ||
                   lb_out_write(k->p, &h, sizeof(h), 0, err) < 0
               ? -1
               : 0;
}

int lb_kdump_write_header(struct kdump *k, int complete, struct lb_error *err)
{
    return write_header(k, complete, 0, err);
}

int lb_kdump_write_header_durably(struct kdump *k, int complete, struct lb_error *err)
{
    return write_header(k, complete, 1, err);
}

/*
 * The bitmaps cover every frame up to the highest one with data: a header
 * that puts one page at 4 PiB would make them 256 GiB.  A machine's physical
 * address space is never 16384 times its memory, so bitmaps larger than the
 * source file itself say the source lies.
 */
int lb_kdump_bitmaps_fit(struct kdump *k, struct lb_error *err)
{
    uint64_t bitmaps = 2 * k->l.bitmap_bytes, source = k->p->src->file_size;

    if (bitmaps <= (source > (64 << 20) ? source : (64 << 20)))
        return 0;
    lb_error_set(err,
                 "the source's highest frame is 0x%llx (%llu GiB of physical addresses) for %llu "
                 "MiB of file: the kdump bitmaps alone would take %llu MiB; the program headers "
                 "are damaged (ELF output, -f elf, has no bitmaps)",
                 (unsigned long long)k->l.max_mapnr, (unsigned long long)(k->l.max_mapnr >> 18),
                 (unsigned long long)(source >> 20), (unsigned long long)(bitmaps >> 20));
    return -1;
}
