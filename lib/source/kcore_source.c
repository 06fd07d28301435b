/*
 * kcore_source.c - the running kernel as a source: /proc/kcore, for a live
 * dump ('lifeboat save --live').
 *
 * /proc/kcore is an ELF core whose PT_LOADs are kernel *virtual* ranges: the
 * direct map of each RAM range (p_paddr its physical address), the kernel
 * image again (p_paddr its physical load address: a second view of RAM), and
 * vmalloc, modules and vmemmap (p_paddr -1: no physical meaning).  The engine
 * works on physical frames, so the live source keeps the direct-map
 * segments only, each frame once: the segments whose virtual-to-physical
 * offset is the direct map's (the largest RAM range's), sorted by physical
 * address and clipped where a hostile header makes them overlap.  The header
 * is parsed as any dump's (elf_source.c, every offset and size checked).
 *
 * Its notes are not a crashed kernel's: kcore gives VMCOREINFO (Linux 4.19+)
 * without CRASHTIME, one NT_PRSTATUS of zeros and the reader's own
 * task_struct.  The source gives instead VMCOREINFO with CRASHTIME (the time
 * the dump is taken), one NT_PRSTATUS of zeros per possible CPU (crash and
 * drgn want a CPU count; no CPU was stopped, so no registers), and a
 * LIFEBOAT note saying the dump is live, which every dump written from it
 * carries: triage then lists every task's stack instead of a panicking one.
 *
 * Memory is read with pread in bounded chunks (never mapped); a chunk that
 * faults (EFAULT, EIO: pages unmapped from the direct map, memory gone
 * offline) is read again a page at a time and a page that still faults is a
 * hole, not an error.  Reads may be paced to a rate so that a live dump
 * leaves the machine's I/O to its work.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "source/source.h"

#define MAX_PHYS (1ull << 52)

enum {
    KCORE_CHUNK = 64,   /* pages read with one pread: 256 KiB */
    MAX_CPUS = 8192,    /* NT_PRSTATUS notes made, at most */
    MAX_PRSTATUS = 1024 /* bytes of one (x86_64: 336, arm64: 392) */
};

static const char live_text[] = "live dump of a running kernel: memory changed while it was read, "
                                "so lists and stacks may be inconsistent";

struct kcore {
    uint64_t rate;  /* bytes a second, 0: as fast as it goes */
    uint64_t paced; /* bytes read since start */
    struct timespec start;
    uint64_t holes; /* pages that faulted */
};

int lb_kcore_wanted(const Elf64_Phdr *ph)
{
    return ph->p_paddr != UINT64_MAX && ph->p_memsz > 0 && ph->p_filesz == ph->p_memsz &&
           ph->p_paddr + ph->p_memsz > ph->p_paddr && ph->p_paddr + ph->p_memsz <= MAX_PHYS &&
           ph->p_paddr % LB_PAGE_SIZE == 0;
}

static int by_phys(const void *a, const void *b)
{
    const struct lb_segment *x = a, *y = b;

    if (x->phys_addr != y->phys_addr)
        return x->phys_addr < y->phys_addr ? -1 : 1;
    return (x->mem_size < y->mem_size) - (x->mem_size > y->mem_size); /* larger first */
}

/* The direct map's virtual-to-physical offset: the largest segment's. */
static uint64_t direct_map_offset(const struct lb_source *src)
{
    const struct lb_segment *big = &src->segments[0];

    for (size_t i = 1; i < src->nsegments; i++)
        if (src->segments[i].mem_size > big->mem_size)
            big = &src->segments[i];
    return big->virt_addr - big->phys_addr;
}

/* Direct-map segments only, sorted, each frame once. */
static int physical_segments(struct lb_source *src, struct lb_error *err)
{
    uint64_t offset, end = 0;
    size_t n = 0;

    if (src->nsegments == 0) {
        lb_error_set(err, "%s: no PT_LOAD with a physical address: not a kcore of Linux 4.11+",
                     src->path);
        return -1;
    }
    offset = direct_map_offset(src);
    for (size_t i = 0; i < src->nsegments; i++)
        if (src->segments[i].virt_addr - src->segments[i].phys_addr == offset)
            src->segments[n++] = src->segments[i];
    qsort(src->segments, n, sizeof(*src->segments), by_phys);
    src->nsegments = 0;
    for (size_t i = 0; i < n; i++) {
        struct lb_segment s = src->segments[i];
        uint64_t s_end = s.phys_addr + s.mem_size;
        if (s_end <= end)
            continue; /* wholly inside one before it */
        if (s.phys_addr < end) {
            uint64_t cut = end - s.phys_addr;
            s.phys_addr += cut;
            s.virt_addr += cut;
            s.file_offset += cut;
            s.mem_size -= cut;
            s.file_size = s.file_size > cut ? s.file_size - cut : 0;
        }
        src->segments[src->nsegments++] = s;
        end = s_end;
    }
    return 0;
}

/*
 * The crash kernel's reservation ("Crash kernel" in /proc/iomem, nested or
 * not) into lo/hi, at most max ranges; how many.  A crash dump never holds
 * it (the crash kernel runs there), so a live dump leaves it out too: its
 * size is what a crash now would write, and the loaded crash kernel and its
 * initramfs are not the running kernel's memory.
 */
static size_t crash_reservations(uint64_t *lo, uint64_t *hi, size_t max)
{
    FILE *f = fopen("/proc/iomem", "re");
    char line[256];
    size_t n = 0;

    while (f && n < max && fgets(line, sizeof(line), f)) {
        unsigned long long a, b;
        char name[64];
        if (sscanf(line, " %llx-%llx : %63[^\n]", &a, &b, name) == 3 &&
            strcmp(name, "Crash kernel") == 0 && b > a) {
            lo[n] = a;
            hi[n++] = b + 1;
        }
    }
    if (f)
        fclose(f);
    return n;
}

/* Removes [lo, hi) from the sorted, disjoint segments: a segment across it becomes two. */
static int leave_out(struct lb_source *src, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < src->nsegments; i++) {
        struct lb_segment *s = &src->segments[i], tail;
        uint64_t end = s->phys_addr + s->mem_size;
        if (end <= lo || s->phys_addr >= hi)
            continue;
        tail = *s;
        if (end > hi) { /* what lies past the range stays, as a segment of its own */
            uint64_t cut = hi - s->phys_addr;
            tail.phys_addr += cut;
            tail.virt_addr += cut;
            tail.file_offset += cut;
            tail.mem_size -= cut;
            tail.file_size = tail.file_size > cut ? tail.file_size - cut : 0;
        }
        if (s->phys_addr < lo) {
            uint64_t keep = lo - s->phys_addr;
            s->mem_size = keep;
            s->file_size = s->file_size < keep ? s->file_size : keep;
        } else {
            s->mem_size = 0;
        }
        if (end > hi) {
            struct lb_segment *grown =
                realloc(src->segments, (src->nsegments + 1) * sizeof(*grown));
            if (!grown)
                return -1;
            src->segments = grown;
            memmove(&grown[i + 2], &grown[i + 1], (src->nsegments - i - 1) * sizeof(*grown));
            grown[i + 1] = tail;
            src->nsegments++;
            i++;
        }
    }
    /* the emptied ones go */
    size_t n = 0;
    for (size_t i = 0; i < src->nsegments; i++)
        if (src->segments[i].mem_size)
            src->segments[n++] = src->segments[i];
    src->nsegments = n;
    return 0;
}

static int leave_out_reservations(struct lb_source *src, struct lb_error *err)
{
    uint64_t lo[8], hi[8];
    size_t n = strcmp(src->path, "/proc/kcore") == 0 ? crash_reservations(lo, hi, 8) : 0;

    for (size_t i = 0; i < n; i++)
        if (leave_out(src, lo[i], hi[i]) < 0) {
            lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory", src->path);
            return -1;
        }
    return 0;
}

/* Possible CPUs of the running kernel: the highest in /sys/devices/system/cpu/possible, plus one.
 */
static int possible_cpus(void)
{
    FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
    char line[256], *p;
    long last = 0;

    if (!f)
        return 1;
    if (fgets(line, sizeof(line), f))
        for (p = line; *p;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            if (v > last)
                last = v;
            p = *end ? end + 1 : end;
        }
    fclose(f);
    return last + 1 > MAX_CPUS ? MAX_CPUS : (int)(last + 1);
}

static void put_note(uint8_t *buf, size_t *len, const char *name, uint32_t type, const void *d1,
                     size_t l1, const void *d2, size_t l2)
{
    Elf64_Nhdr h = {.n_namesz = (Elf64_Word)(strlen(name) + 1),
                    .n_descsz = (Elf64_Word)(l1 + l2),
                    .n_type = type};
    size_t at = *len;

    memcpy(buf + at, &h, sizeof(h));
    at += sizeof(h);
    memset(buf + at, 0, (h.n_namesz + 3) & ~3u);
    memcpy(buf + at, name, h.n_namesz);
    at += (h.n_namesz + 3) & ~3u;
    memset(buf + at, 0, (l1 + l2 + 3) & ~(size_t)3);
    if (l1)
        memcpy(buf + at, d1, l1);
    if (l2)
        memcpy(buf + at + l1, d2, l2);
    *len = at + ((l1 + l2 + 3) & ~(size_t)3);
}

/* kcore's VMCOREINFO and its NT_PRSTATUS (for the size of one) */
static int find_notes(struct lb_source *src, struct lb_note *vmcoreinfo, size_t *prstatus_len,
                      struct lb_error *err)
{
    struct lb_note note;
    size_t pos = 0;
    int found = 0, r;

    *prstatus_len = 0;
    while ((r = lb_note_next(src->notes, src->notes_len, &pos, &note, err)) == 1) {
        if (strcmp(note.name, "VMCOREINFO") == 0 && !found) {
            *vmcoreinfo = note;
            found = 1;
        }
        /* a whole number of words, as every kernel's struct elf_prstatus is */
        if (note.type == NT_PRSTATUS && strcmp(note.name, "CORE") == 0 && !*prstatus_len &&
            note.desc_len <= MAX_PRSTATUS && note.desc_len % 4 == 0)
            *prstatus_len = note.desc_len;
    }
    if (r < 0) {
        lb_error_prefix(err, "%s", src->path);
        return -1;
    }
    if (!found) {
        lb_error_set(err,
                     "%s: no VMCOREINFO note: the running kernel is older than Linux 4.19, whose "
                     "/proc/kcore has none",
                     src->path);
        return -1;
    }
    return 0;
}

/* VMCOREINFO with CRASHTIME, a zero NT_PRSTATUS per CPU, the LIFEBOAT live note. */
static int live_notes(struct lb_source *src, struct lb_error *err)
{
    static const uint8_t zeros[MAX_PRSTATUS];
    struct lb_note vi;
    size_t pr_len, vlen, len = 0;
    char stamp[48];
    int64_t now = (int64_t)time(NULL);
    int cpus = possible_cpus();

    if (find_notes(src, &vi, &pr_len, err) < 0)
        return -1;
    vlen = strnlen((const char *)vi.desc, vi.desc_len);
    snprintf(stamp, sizeof(stamp), "CRASHTIME=%lld\n", (long long)now);
    /* each note: its header (12), its name padded (at most 12 here), its data padded to 4 */
    size_t cap = 3 * 24 + vlen + sizeof(stamp) + (size_t)cpus * (24 + ((pr_len + 3) & ~(size_t)3)) +
                 sizeof(now) + sizeof(live_text) + 32;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory for notes", src->path);
        return -1;
    }
    put_note(buf, &len, "VMCOREINFO", 0, vi.desc, vlen, stamp, strlen(stamp));
    for (int c = 0; pr_len && c < cpus; c++)
        put_note(buf, &len, "CORE", NT_PRSTATUS, zeros, pr_len, NULL, 0);
    put_note(buf, &len, LB_NOTE_NAME, LB_NOTE_LIVE, &now, sizeof(now), live_text,
             sizeof(live_text) - 1);
    free(src->notes);
    src->notes = buf;
    src->notes_len = len;
    return 0;
}

/* Sleeps as long as the reads are ahead of the rate. */
static void pace(struct kcore *kc, uint64_t bytes)
{
    struct timespec now;

    kc->paced += bytes;
    if (!kc->rate)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double due = (double)kc->paced / (double)kc->rate,
           spent = (double)(now.tv_sec - kc->start.tv_sec) +
                   (double)(now.tv_nsec - kc->start.tv_nsec) / 1e9;
    if (due > spent) {
        double wait = due - spent;
        struct timespec ts = {.tv_sec = (time_t)wait,
                              .tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9)};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
}

static const struct lb_segment *segment_of(const struct lb_source *src, uint64_t phys)
{
    size_t lo = 0, hi = src->nsegments;

    while (lo < hi) { /* sorted and disjoint: see physical_segments */
        size_t mid = lo + (hi - lo) / 2;
        const struct lb_segment *s = &src->segments[mid];
        if (phys < s->phys_addr)
            hi = mid;
        else if (phys - s->phys_addr >= s->mem_size)
            lo = mid + 1;
        else
            return s;
    }
    return NULL;
}

/* Up to n pages of one segment from pfn on; how many were tried. */
static size_t read_run(struct lb_source *src, uint64_t pfn, size_t n, uint8_t *buf, uint8_t *status)
{
    struct kcore *kc = src->backend;
    uint64_t phys = pfn << LB_PAGE_SHIFT;
    const struct lb_segment *s = segment_of(src, phys);
    struct lb_error ignored;

    if (!s) {
        memset(buf, 0, LB_PAGE_SIZE);
        *status = LB_PAGE_EXCLUDED;
        return 1;
    }
    uint64_t in_seg = phys - s->phys_addr, left = (s->mem_size - in_seg) / LB_PAGE_SIZE;
    size_t run = n < KCORE_CHUNK ? n : KCORE_CHUNK;
    if (left < run)
        run = left ? (size_t)left : 1;
    if (in_seg + (uint64_t)run * LB_PAGE_SIZE <= s->file_size &&
        lb_source_pread(src, buf, run * LB_PAGE_SIZE, s->file_offset + in_seg, &ignored) == 0) {
        memset(status, LB_PAGE_OK, run);
        pace(kc, run * LB_PAGE_SIZE);
        return run;
    }
    for (size_t i = 0; i < run; i++) { /* a page that faults is a hole */
        uint64_t at = in_seg + (uint64_t)i * LB_PAGE_SIZE;
        int ok = at + LB_PAGE_SIZE <= s->file_size &&
                 lb_source_pread(src, buf + i * LB_PAGE_SIZE, LB_PAGE_SIZE, s->file_offset + at,
                                 &ignored) == 0;
        if (!ok) {
            memset(buf + i * LB_PAGE_SIZE, 0, LB_PAGE_SIZE);
            kc->holes++;
        }
        status[i] = ok ? LB_PAGE_OK : LB_PAGE_EXCLUDED;
    }
    pace(kc, run * LB_PAGE_SIZE);
    return run;
}

static void kcore_read_pages(struct lb_source *src, uint64_t pfn, size_t n, uint8_t *buf,
                             uint8_t *status)
{
    size_t done = 0;

    while (done < n)
        done += read_run(src, pfn + done, n - done, buf + done * LB_PAGE_SIZE, status + done);
}

static void kcore_close(struct lb_source *src)
{
    free(src->backend);
    src->backend = NULL;
}

static const struct lb_source_ops kcore_ops = {.read_pages = kcore_read_pages,
                                               .close = kcore_close};

int lb_kcore_finish(struct lb_source *src, struct lb_error *err)
{
    struct kcore *kc = calloc(1, sizeof(*kc));

    if (!kc) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory", src->path);
        return -1;
    }
    src->backend = kc;
    src->ops = &kcore_ops;
    src->format = "kcore";
    src->mappable = 0;
    src->incomplete = 0; /* kcore's sizes are the running kernel's, not a cut file's */
    clock_gettime(CLOCK_MONOTONIC, &kc->start);
    return physical_segments(src, err) < 0 || leave_out_reservations(src, err) < 0 ||
                   live_notes(src, err) < 0
               ? -1
               : 0;
}

void lb_source_set_rate(struct lb_source *src, uint64_t bytes_per_second)
{
    struct kcore *kc = src->ops == &kcore_ops ? src->backend : NULL;

    if (kc) {
        kc->rate = bytes_per_second;
        kc->paced = 0;
        clock_gettime(CLOCK_MONOTONIC, &kc->start);
    }
}

int lb_source_running(const struct lb_source *src)
{
    return src->ops == &kcore_ops;
}

uint64_t lb_source_holes(const struct lb_source *src)
{
    return src->ops == &kcore_ops ? ((const struct kcore *)src->backend)->holes : 0;
}

int lb_source_live(const struct lb_source *src, int64_t *taken)
{
    size_t len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &len);
    struct lb_note note;
    struct lb_error ignored;

    while (lb_note_next(notes, len, &pos, &note, &ignored) == 1)
        if (note.type == LB_NOTE_LIVE && strcmp(note.name, LB_NOTE_NAME) == 0 &&
            note.desc_len >= sizeof(int64_t)) {
            if (taken)
                memcpy(taken, note.desc, sizeof(*taken));
            return 1;
        }
    return 0;
}
