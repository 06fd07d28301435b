/*
 * kdump_source.c - reads kdump-compressed dumps (makedumpfile's, QEMU's,
 * lifeboat's own): see kdump_format.h for the layout.
 *
 * Finding a frame's data means counting the saved frames before it in the
 * 2nd bitmap; a table of counts per 4096 frames makes that one popcount of
 * at most 512 bytes.  Every number in the header is checked against the file
 * before it sizes anything, and every descriptor against the file before its
 * data is read: a corrupt descriptor costs that page.
 */
#include <elf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "core/codec.h"
#include "core/kdump_format.h"
#include "source/source.h"

enum {
    RANK_BITS = 4096,       /* frames per entry of the rank table */
    MAX_SEGMENTS = 1 << 20, /* runs of present frames */
    MAX_META = 64 << 20,    /* VMCOREINFO plus notes */
    PD_CACHE = 256,         /* descriptors read at a time */
};

struct kdump_src {
    uint64_t max_mapnr, pd_at;
    uint8_t *bitmap2;
    uint64_t *rank; /* saved frames before each RANK_BITS boundary */
    struct lb_codec_ctx *codec;
    uint8_t *data; /* one stored page */
    struct kdump_page_desc pd_cache[PD_CACHE];
    uint64_t pd_first; /* rank of pd_cache[0] */
    size_t pd_count;
};

static int bit(const uint8_t *bitmap, uint64_t pfn)
{
    return (bitmap[pfn / 8] >> (pfn % 8)) & 1;
}

static uint64_t rank_of(const struct kdump_src *k, uint64_t pfn)
{
    uint64_t r = k->rank[pfn / RANK_BITS], from = pfn / RANK_BITS * RANK_BITS;

    for (uint64_t q = from; q + 8 <= pfn; q += 8)
        r += (uint64_t)__builtin_popcount(k->bitmap2[q / 8]);
    for (uint64_t q = pfn & ~7ull; q < pfn; q++)
        r += (uint64_t)bit(k->bitmap2, q);
    return r;
}

static int read_header(struct lb_source *src, struct kdump_header *h, struct kdump_sub_header *sub,
                       struct lb_error *err)
{
    if (src->file_size < 2 * LB_PAGE_SIZE || lb_source_pread(src, h, sizeof(*h), 0, err) < 0 ||
        lb_source_pread(src, sub, sizeof(*sub), LB_PAGE_SIZE, err) < 0) {
        if (!err->msg[0])
            lb_error_set(err, "%s: too short for a kdump-compressed header", src->path);
        return -1;
    }
    if (h->header_version < 1 || h->block_size != (int32_t)LB_PAGE_SIZE) {
        lb_error_set(err,
                     "%s: kdump header version %d with block size %d (offsets %zu, %zu): "
                     "only 4096-byte blocks are supported",
                     src->path, h->header_version, h->block_size,
                     offsetof(struct kdump_header, header_version),
                     offsetof(struct kdump_header, block_size));
        return -1;
    }
    char machine[66] = "";
    memcpy(machine, h->utsname[4], sizeof(h->utsname[4]));
    /* An empty machine is x86_64's (older writers); another one is refused by name. */
    src->arch = machine[0] ? lb_arch_of_name(machine) : &lb_arch_x86_64;
    if (!src->arch) {
        lb_error_set(err,
                     "%s: the kdump header's machine (offset %zu) is \"%.64s\", not one this "
                     "lifeboat reads (x86_64, aarch64)",
                     src->path, offsetof(struct kdump_header, utsname) + 4 * 65, machine);
        return -1;
    }
    /* In 64 bits: two 32-bit block counts can add up past 2^32 and wrap to a small size. */
    if (h->sub_hdr_size < 1 || h->bitmap_blocks == 0 || h->bitmap_blocks % 2 ||
        (1 + (uint64_t)h->sub_hdr_size + h->bitmap_blocks) * LB_PAGE_SIZE > src->file_size) {
        lb_error_set(err,
                     "%s: kdump header: sub header of %d blocks and bitmaps of %u blocks "
                     "(offsets %zu, %zu) do not fit in the file",
                     src->path, h->sub_hdr_size, h->bitmap_blocks,
                     offsetof(struct kdump_header, sub_hdr_size),
                     offsetof(struct kdump_header, bitmap_blocks));
        return -1;
    }
    return 0;
}

/* Notes as the file has them; else a VMCOREINFO note made from the VMCOREINFO text. */
static int read_notes(struct lb_source *src, const struct kdump_header *h,
                      const struct kdump_sub_header *sub, struct lb_error *err)
{
    uint64_t limit = (1 + (uint64_t)h->sub_hdr_size) * LB_PAGE_SIZE;
    int has_notes = h->header_version >= 4 && sub->size_note;
    uint64_t off = has_notes ? sub->offset_note : sub->offset_vmcoreinfo;
    uint64_t size = has_notes ? sub->size_note : sub->size_vmcoreinfo;

    if (h->header_version < 3 || size == 0)
        return 0;
    if (size > MAX_META || off < LB_PAGE_SIZE || off > limit || limit - off < size) {
        lb_error_set(err, "%s: %s of %llu bytes at offset %llu is outside the sub header",
                     src->path, has_notes ? "notes" : "VMCOREINFO", (unsigned long long)size,
                     (unsigned long long)off);
        return -1;
    }
    if (has_notes) {
        src->notes = malloc(size);
        src->notes_len = size;
        return src->notes ? lb_source_pread(src, src->notes, size, off, err) : -1;
    }
    /* An ELF note around the text: "VMCOREINFO\0" padded, then the text padded. */
    size_t padded = (size + 3) & ~(size_t)3;
    src->notes = calloc(1, 12 + 12 + padded);
    if (!src->notes)
        return -1;
    Elf64_Nhdr nh = {11, (Elf64_Word)size, 0};
    memcpy(src->notes, &nh, 12);
    memcpy(src->notes + 12, "VMCOREINFO", 11);
    src->notes_len = 24 + padded;
    return lb_source_pread(src, src->notes + 24, size, off, err);
}

/* Segments are the runs of frames the 1st bitmap says are memory. */
static int read_segments(struct lb_source *src, struct kdump_src *k, uint64_t bitmap1_at,
                         uint64_t bitmap_bytes, struct lb_error *err)
{
    uint8_t *bitmap1 = malloc(bitmap_bytes);
    size_t cap = 16;
    uint64_t run_start = 0;
    int in_run = 0;

    src->segments = malloc(cap * sizeof(*src->segments));
    if (!bitmap1 || !src->segments ||
        lb_source_pread(src, bitmap1, bitmap_bytes, bitmap1_at, err) < 0) {
        free(bitmap1);
        if (!err->msg[0])
            lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory for the bitmaps", src->path);
        return -1;
    }
    for (uint64_t pfn = 0; pfn <= k->max_mapnr; pfn++) {
        /* Whole bytes that do not change the run are skipped: a 4 TiB machine has 2^30 bits. */
        while (pfn % 8 == 0 && pfn + 8 <= k->max_mapnr && bitmap1[pfn / 8] == (in_run ? 0xff : 0))
            pfn += 8;
        int on = pfn < k->max_mapnr && bit(bitmap1, pfn);
        if (on && !in_run) {
            run_start = pfn;
        } else if (!on && in_run) {
            if (src->nsegments == MAX_SEGMENTS) {
                free(bitmap1);
                lb_error_set(err, "%s: the 1st bitmap has more than %d runs of memory", src->path,
                             MAX_SEGMENTS);
                return -1;
            }
            if (src->nsegments == cap) {
                void *grown = realloc(src->segments, 2 * cap * sizeof(*src->segments));
                if (!grown) {
                    free(bitmap1);
                    lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory for %zu segments",
                                  src->path, 2 * cap);
                    return -1;
                }
                src->segments = grown;
                cap *= 2;
            }
            struct lb_segment *s = &src->segments[src->nsegments++];
            memset(s, 0, sizeof(*s));
            s->phys_addr = run_start << LB_PAGE_SHIFT;
            s->file_size = s->mem_size = (pfn - run_start) << LB_PAGE_SHIFT;
        }
        in_run = on;
    }
    free(bitmap1);
    return 0;
}

static void pd_of(struct lb_source *src, struct kdump_src *k, uint64_t rank,
                  struct kdump_page_desc *pd, int *ok)
{
    struct lb_error ignored;

    if (rank < k->pd_first || rank >= k->pd_first + k->pd_count) {
        uint64_t at = k->pd_at + rank * sizeof(*pd);
        size_t n = PD_CACHE;
        if (at >= src->file_size) {
            *ok = 0;
            return;
        }
        if ((src->file_size - at) / sizeof(*pd) < n)
            n = (size_t)((src->file_size - at) / sizeof(*pd));
        if (n == 0 || lb_source_pread(src, k->pd_cache, n * sizeof(*pd), at, &ignored) < 0) {
            *ok = 0;
            return;
        }
        k->pd_first = rank;
        k->pd_count = n;
    }
    *pd = k->pd_cache[rank - k->pd_first];
    *ok = 1;
}

/* The data is all zeros. */
static int never_written(const uint8_t *data, size_t len)
{
    return len > 0 && data[0] == 0 && memcmp(data, data + 1, len - 1) == 0;
}

static void kdump_read_pages(struct lb_source *src, uint64_t pfn, size_t n, uint8_t *buf,
                             uint8_t *status)
{
    struct kdump_src *k = src->backend;
    struct lb_error ignored;

    for (size_t i = 0; i < n; i++, pfn++) {
        struct kdump_page_desc pd;
        int ok;

        status[i] = LB_PAGE_EXCLUDED;
        if (pfn >= k->max_mapnr || !bit(k->bitmap2, pfn))
            continue;
        pd_of(src, k, rank_of(k, pfn), &pd, &ok);
        /* In a dump cut short, a frame whose descriptor or data the file does not reach
         * was never saved: not in the dump, rather than damaged. */
        if (src->incomplete && (!ok || pd.size == 0 || pd.offset >= src->file_size ||
                                src->file_size - pd.offset < pd.size))
            continue;
        status[i] = LB_PAGE_FAILED;
        if (!ok || pd.size == 0 || pd.size > LB_PAGE_SIZE || pd.offset > src->file_size ||
            src->file_size - pd.offset < pd.size ||
            lb_source_pread(src, k->data, pd.size, pd.offset, &ignored) < 0)
            continue;
        if (lb_codec_decompress(k->codec, pd.flags, k->data, pd.size, buf + i * LB_PAGE_SIZE) < 0) {
            /* A power cut can keep a descriptor and lose its data: a hole, zeros no codec
             * makes.  In a dump cut short, that frame was not saved. */
            if (src->incomplete && never_written(k->data, pd.size))
                status[i] = LB_PAGE_EXCLUDED;
            continue;
        }
        status[i] = LB_PAGE_OK;
    }
}

/* The codec a descriptor's flags name: one of lb_codec's, or -1 (snappy, or several at once). */
static int codec_of_flags(uint32_t flags)
{
    switch (flags & (KDUMP_ZLIB | KDUMP_LZO | KDUMP_SNAPPY | KDUMP_ZSTD)) {
    case 0:
        return LB_CODEC_NONE;
    case KDUMP_ZSTD:
        return LB_CODEC_ZSTD;
    case KDUMP_ZLIB:
        return LB_CODEC_ZLIB;
    case KDUMP_LZO:
        return LB_CODEC_LZO;
    default:
        return -1;
    }
}

/* Every saved frame's descriptor, read once in rank order (bounded by the 2nd bitmap). */
static int kdump_codecs(struct lb_source *src, struct lb_codec_count *count)
{
    struct kdump_src *k = src->backend;
    uint64_t saved = 0;

    for (uint64_t byte = 0; byte < (k->max_mapnr + 7) / 8; byte++)
        saved += (uint64_t)__builtin_popcount(k->bitmap2[byte]);
    for (uint64_t rank = 0; rank < saved; rank++) {
        struct kdump_page_desc pd;
        int ok, codec;
        pd_of(src, k, rank, &pd, &ok);
        if (!ok) {
            count->unreadable += saved - rank;
            break;
        }
        codec = codec_of_flags(pd.flags);
        if (codec < 0 || pd.size == 0 || pd.size > LB_PAGE_SIZE)
            count->other++;
        else
            count->frames[codec]++;
    }
    return 1;
}

static void kdump_close(struct lb_source *src)
{
    struct kdump_src *k = src->backend;

    if (!k)
        return;
    free(k->bitmap2);
    free(k->rank);
    free(k->data);
    lb_codec_free(k->codec);
    free(k);
}

/* The frames this dump's own filter left out (not in its 2nd bitmap) are not held. */
static void kdump_mark_absent(const struct lb_source *src, uint64_t pfn, size_t n, uint8_t *cls)
{
    const struct kdump_src *k = src->backend;

    for (size_t i = 0; i < n && pfn + i < k->max_mapnr; i++)
        if (!bit(k->bitmap2, pfn + i))
            cls[i] = LB_CLASS_ABSENT;
}

static const struct lb_source_ops kdump_ops = {.read_pages = kdump_read_pages,
                                               .close = kdump_close,
                                               .codecs = kdump_codecs,
                                               .mark_absent = kdump_mark_absent};

int lb_kdump_open(struct lb_source *src, struct lb_error *err)
{
    struct kdump_header h;
    struct kdump_sub_header sub;
    struct kdump_src *k = calloc(1, sizeof(*k));
    uint64_t bitmap_bytes, bitmap1_at;

    src->ops = &kdump_ops;
    src->format = "kdump";
    src->backend = k;
    if (!k || read_header(src, &h, &sub, err) < 0 || read_notes(src, &h, &sub, err) < 0)
        return -1;
    src->incomplete = (h.status & KDUMP_INCOMPLETE) != 0;
    bitmap_bytes = (uint64_t)h.bitmap_blocks / 2 * LB_PAGE_SIZE;
    bitmap1_at = (1 + (uint64_t)h.sub_hdr_size) * LB_PAGE_SIZE;
    k->pd_at = bitmap1_at + 2 * bitmap_bytes;
    k->max_mapnr = h.header_version >= 6 && sub.max_mapnr_64 ? sub.max_mapnr_64 : h.max_mapnr;
    if (k->max_mapnr > bitmap_bytes * 8 || k->max_mapnr > (1ull << 40)) {
        lb_error_set(err, "%s: max_mapnr %llu is more than the bitmaps hold (%llu frames)",
                     src->path, (unsigned long long)k->max_mapnr,
                     (unsigned long long)(bitmap_bytes * 8));
        return -1;
    }
    k->bitmap2 = malloc(bitmap_bytes);
    k->rank = malloc((k->max_mapnr / RANK_BITS + 1) * sizeof(*k->rank));
    k->data = malloc(LB_PAGE_SIZE);
    k->codec = lb_codec_new(LB_CODEC_NONE, 0);
    if (!k->bitmap2 || !k->rank || !k->data || !k->codec) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory for the bitmaps", src->path);
        return -1;
    }
    if (lb_source_pread(src, k->bitmap2, bitmap_bytes, bitmap1_at + bitmap_bytes, err) < 0)
        return -1;
    k->rank[0] = 0;
    for (uint64_t b = 1; b <= k->max_mapnr / RANK_BITS; b++) {
        uint64_t r = 0;
        for (uint64_t q = (b - 1) * RANK_BITS / 8; q < b * RANK_BITS / 8; q++)
            r += (uint64_t)__builtin_popcount(k->bitmap2[q]);
        k->rank[b] = k->rank[b - 1] + r;
    }
    return read_segments(src, k, bitmap1_at, bitmap_bytes, err);
}
