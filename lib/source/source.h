/*
 * source.h - inside the dump engine: what every source backend provides.
 *
 * A backend (ELF, kdump-compressed) fills the common part when it opens a
 * file and answers page reads; the rest of the engine sees only lb_source.
 */
#ifndef LBDUMP_SOURCE_H
#define LBDUMP_SOURCE_H

#include <elf.h>

#include "lbdump.h"

struct lb_source_ops {
    /* Reads n whole pages from pfn on; status[i] is LB_PAGE_OK/EXCLUDED/FAILED. */
    void (*read_pages)(struct lb_source *src, uint64_t pfn, size_t n, uint8_t *buf,
                       uint8_t *status);
    void (*close)(struct lb_source *src);
    /* Optional: where frames pfn..pfn+n-1 lie whole and in order in the file; -1 if not. */
    int (*file_range)(struct lb_source *src, uint64_t pfn, size_t n, uint64_t *offset);
    /* Optional: the saved frames by the codec their descriptors name (lb_source_codecs). */
    int (*codecs)(struct lb_source *src, struct lb_codec_count *count);
    /* Optional: frames that are memory but not held, as LB_CLASS_ABSENT (lb_source_mark_absent);
     * reads only what open read, so workers may call it at once */
    void (*mark_absent)(const struct lb_source *src, uint64_t pfn, size_t n, uint8_t *cls);
    /* read_pages reads by position alone, so views may call it at once (lb_source_view) */
    int reentrant;
};

/* Page mappings at once: a batch being stored while the next is read (kdump_batch.c). */
enum { LB_MAP_SLOTS = 2 };

struct lb_source {
    const struct lb_source_ops *ops;
    const char *format;
    const struct lb_arch *arch; /* from the dump's own machine field: arch/arch.h */
    char *path;
    int fd;
    uint64_t file_size;
    struct lb_segment *segments;
    size_t nsegments;
    uint8_t *notes;
    size_t notes_len;
    int incomplete;            /* the file says it was cut short */
    struct age_reader *age;    /* an encrypted dump: every read decrypts (no mapping) */
    struct lb_flat_view *flat; /* a flattened stream: read through its records (no mapping) */
    void *backend;
    size_t *order;             /* segments by start address: see segment_index.c */
    uint64_t *reach;           /* the largest end so far, in that order */
    struct lb_frame_run *runs; /* the frames that have data, merged and sorted */
    size_t nruns;
    struct page_cache *cache;    /* for lb_source_read_phys(), made when first needed */
    struct redaction *redaction; /* ranges every read overwrites: redact.c */
    int mappable;                /* /proc/vmcore: mapped, not read (see on_procfs in source.c) */
    int live;                    /* /proc/kcore: the running kernel (kcore_source.c) */
    struct lb_map {
        uint8_t *base; /* the part of the file mapped now */
        uint64_t at, len;
    } pages_map[LB_MAP_SLOTS], phys_map; /* for the pages being saved; the kernel's structures */
};

/* Not thread-safe: kernel structures are read from one thread, or from a view each. */
enum { CACHE_PAGES = 64 };

/*
 * A view of src for another thread: the same file, segments and frames, with
 * a mapping and a cache of its own, so that threads may read the kernel's
 * structures at once (lb_source_read_phys).  Only a source whose pages are
 * read by position has views (an ELF file, /proc/vmcore: not a kdump file,
 * an encrypted one or a stream); NULL otherwise or out of memory.  Closed
 * with lb_source_view_close, before src.
 */
struct lb_source *lb_source_view(const struct lb_source *src);
void lb_source_view_close(struct lb_source *view);

int lb_elf_open(struct lb_source *src, struct lb_error *err);

/* kcore_source.c: which of /proc/kcore's PT_LOADs are physical memory; the rest of its opening. */
int lb_kcore_wanted(const Elf64_Phdr *ph);
int lb_kcore_finish(struct lb_source *src, struct lb_error *err);

/* segment_index.c: built once at open, so no lookup scans every segment. */
int lb_segment_index_build(struct lb_source *src, struct lb_error *err);
void lb_segment_index_free(struct lb_source *src);
void lb_segment_candidates(const struct lb_source *src, uint64_t start, uint64_t end, size_t *from,
                           size_t *to);
/* The index of the first run that ends after pfn (nruns if none). */
size_t lb_frame_run_at(const struct lb_source *src, uint64_t pfn);
/* The frames a segment's file data touches, partial ones at either end included. */
void lb_segment_frames(const struct lb_segment *s, uint64_t *first, uint64_t *count);
int lb_kdump_open(struct lb_source *src, struct lb_error *err);

/*
 * Frames pfn..pfn+n-1 mapped into memory, valid until the next call with the
 * same slot or the source is closed; NULL when they cannot be (then read
 * them).  Only /proc/vmcore is mapped: its read path remaps every page.
 */
const uint8_t *lb_source_map_pages(struct lb_source *src, int slot, uint64_t pfn, size_t n);

/* Reads len bytes at offset of the file (short file: error naming the offset). */
int lb_source_pread(struct lb_source *src, void *buf, size_t len, uint64_t offset,
                    struct lb_error *err);

/* redact.c: overwrites the redacted ranges of frames pfn..pfn+n-1 just read into buf. */
void lb_redaction_apply(const struct redaction *r, uint64_t pfn, size_t n, uint8_t *buf,
                        const uint8_t *status);
void lb_redaction_free(struct redaction *r);

#endif
