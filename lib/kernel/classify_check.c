/*
 * classify_check.c - the page classifier checks itself before it drops a
 * page (DESIGN.md, "Kernels it has never seen").
 *
 * The classifier (mem_map.c) decides from VMCOREINFO's flag numbers, offsets
 * and page-type values and from the struct pages they describe.  A kernel
 * newer than this code may keep the keys and change what they mean (a page
 * type moved out of _mapcount, flags renumbered, compound tails marked
 * another way): the classifier would then call kernel memory free or user
 * data, and the dump would lack it without a word.  So, once per dump and
 * before anything is dropped:
 *
 *   1. The encodings: every flag, offset and page-type value the classifier
 *      relies on is present, in range, distinct from the others, and of an
 *      encoding it knows (a page type before 6.12 is ~bit, a bit under
 *      0xf0000000; since 6.12 a top byte 0xf0-0xfe).
 *   2. The verdicts on memory the kernel certainly owns, classified as -d 31
 *      would: not one frame of it may come out as anything but kept.  Each
 *      sample is kernel memory whatever the workload, and each tries another
 *      part of the decoding:
 *        - the kernel image's text, rodata, data and bss (kallsyms; what is
 *          freed at boot is not sampled: the init sections, the gaps between
 *          sections, and on x86 the unused part of .bss..decrypted at bss's
 *          end): reserved pages, most of the evidence;
 *        - the printk ring (the image's bss, or memblock);
 *        - swapper's page tables, from its top table down, up to FANOUT
 *          tables of each, MAX_TABLES in all: typed pages (PG_table) once
 *          allocated after boot, so the page-type decoding meets pages whose
 *          answer is known;
 *        - the static part of the per-cpu area of each CPU that saved its
 *          registers (the first MAX_CPUS);
 *        - the pages of the stacks the saved registers point into (the
 *          panicking CPU's among them): allocated pages neither reserved nor
 *          typed, so flags and mapping are read where the answer is known.
 *      Hardware-poisoned frames are believed up to MAX_POISONED: memory fails
 *      under the kernel too, and such a frame must never be read; thousands
 *      would be PG_hwpoison misread.
 *      A range is classified from the 4 MiB boundary below it (a free block
 *      is at most 1024 frames): a free block the classifier believes starts
 *      before the range and covers it is seen too.
 *   The image's text must be found: without it there is nothing to judge by.
 *
 * Cost: struct pages of at most ~135,000 frames (Debian's 6.1 and 6.12 cloud
 * kernels: ~8,000, 15-30 ms), the same on a 4 TB machine as on 1 GiB; 48 KiB
 * of memory.  The per-page path of the dump is untouched: the check decides
 * only whether it runs with a classifier at all.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "kernel/classify_check.h"

enum {
    ALIGN_FRAMES = 1024,     /* the largest free block (order 10) */
    CHUNK = 4096,            /* frames classified at a time */
    MAX_RANGE = 16384,       /* frames of one range at most (64 MiB) */
    MAX_TABLES = 1024,       /* page tables visited */
    FANOUT = 32,             /* tables followed from each table */
    MAX_CPUS = 64,           /* per-cpu areas */
    PER_CPU_BYTES = 1 << 20, /* of each (the static part is ~200 KiB) */
    MAX_STACKS = 256,        /* saved registers looked at */
    STACK_BYTES = 16384,     /* THREAD_SIZE on x86_64 and arm64 */
    MIN_TEXT = 1u << 20,     /* the text checked when kallsyms has no _etext */
    MAX_LEVELS = 5,
    MAX_POISONED = 8, /* hwpoisoned kernel frames believed; more are a misread PG_hwpoison */
};

#define NONE UINT64_MAX

enum { SET_IMAGE, SET_LOG, SET_TABLES, SET_PERCPU, SET_STACKS, NSETS };

static const char *const set_names[NSETS] = {"image", "log", "page tables", "per-cpu", "stacks"};

struct sample_set {
    uint64_t frames, bad, first_bad, poisoned;
    uint8_t bad_class;
    char what[64]; /* where the first bad frame was */
};

struct check {
    uint64_t table[MAX_LEVELS][LB_PAGE_SIZE / 8]; /* a page table of each level */
    struct lb_kernel *k;
    struct lb_classifier *c;
    struct sample_set set[NSETS];
    unsigned tables;
    uint64_t poisoned;
    uint8_t cls[CHUNK];
};

/* ---- 1. the encodings ------------------------------------------------- */

/* Before 6.12: ~bit, the bit under 0xf0000000.  Since: the top byte 0xf0-0xfe. */
static int type_family(int64_t value)
{
    uint32_t v = (uint32_t)value, inverted = ~v;

    if (value < INT32_MIN || value > (int64_t)UINT32_MAX)
        return 0;
    if ((v & 0x00ffffffu) == 0 && (v >> 24) >= 0xf0 && (v >> 24) != 0xff)
        return 2;
    if ((v & 0xf0000000u) == 0xf0000000u && inverted >= 0x80 && inverted < 0x10000000u &&
        (inverted & (inverted - 1)) == 0)
        return 1;
    return 0;
}

static int check_types(const struct lb_classify_layout *l, struct lb_error *err)
{
    const struct {
        const char *key;
        int64_t value;
    } types[] = {
        {"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", l->buddy_value},
        {"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)", l->offline_value},
        {"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)", l->slab_value},
        {"NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)", l->hugetlb_value},
    };
    const size_t n = sizeof(types) / sizeof(types[0]);
    int family = 0;

    if (l->buddy_value == 0) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "VMCOREINFO lacks NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE): free pages and "
                      "pages with a type cannot be told apart");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int f = types[i].value ? type_family(types[i].value) : -1;
        if (f < 0)
            continue;
        if (f == 0) {
            lb_error_set(err,
                         "%s=%lld (0x%08x) is a page type encoding the classifier does not "
                         "know (before 6.12 ~bit under 0xf0000000, since a top byte "
                         "0xf0-0xfe)",
                         types[i].key, (long long)types[i].value, (unsigned)types[i].value);
            return -1;
        }
        if (family && f != family) {
            lb_error_set(err, "%s=%lld and %s=%lld are page types of two different encodings",
                         types[0].key, (long long)types[0].value, types[i].key,
                         (long long)types[i].value);
            return -1;
        }
        family = f;
        for (size_t j = 0; j < i; j++)
            if (types[j].value && (uint32_t)types[j].value == (uint32_t)types[i].value) {
                lb_error_set(err, "%s and %s are the same page type (%lld)", types[j].key,
                             types[i].key, (long long)types[i].value);
                return -1;
            }
    }
    return 0;
}

static int check_flags(const struct lb_classify_layout *l, struct lb_error *err)
{
    uint64_t head = NONE;
    const struct {
        const char *key;
        uint64_t bit;
        int required;
    } flags[] = {
        {"NUMBER(PG_lru)", l->pg_lru, 1},
        {"NUMBER(PG_private)", l->pg_private, 1},
        {"NUMBER(PG_swapcache)", l->pg_swapcache, 1},
        {"NUMBER(PG_swapbacked)", l->pg_swapbacked, 0},
        {"NUMBER(PG_slab)", l->pg_slab, 0},
        {"NUMBER(PG_hwpoison)", l->pg_hwpoison, 0},
        {"NUMBER(PG_head_mask)", NONE, 1}, /* filled below */
    };
    const size_t n = sizeof(flags) / sizeof(flags[0]);
    uint64_t bits[sizeof(flags) / sizeof(flags[0])];

    if (l->pg_head_mask == NONE) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "VMCOREINFO lacks NUMBER(PG_head_mask): compound pages (huge pages, "
                      "large folios) cannot be found");
        return -1;
    }
    if (l->pg_head_mask == 0 || (l->pg_head_mask & (l->pg_head_mask - 1))) {
        lb_error_set(err, "NUMBER(PG_head_mask)=0x%llx is not one bit",
                     (unsigned long long)l->pg_head_mask);
        return -1;
    }
    head = (uint64_t)__builtin_ctzll(l->pg_head_mask);
    for (size_t i = 0; i < n; i++) {
        bits[i] = i == n - 1 ? head : flags[i].bit;
        if (bits[i] == NONE) {
            if (!flags[i].required)
                continue;
            lb_error_setk(err, LB_ERR_NO_DATA, "VMCOREINFO lacks %s", flags[i].key);
            return -1;
        }
        if (bits[i] > 63) {
            lb_error_set(err, "%s=%llu is not a bit of page.flags", flags[i].key,
                         (unsigned long long)bits[i]);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (bits[j] == bits[i]) {
                lb_error_set(err, "%s and %s are the same bit (%llu)", flags[j].key, flags[i].key,
                             (unsigned long long)bits[i]);
                return -1;
            }
    }
    if (l->pg_slab == NONE && l->slab_value == 0) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "VMCOREINFO has neither NUMBER(PG_slab) nor "
                      "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE): slab pages cannot be recognized");
        return -1;
    }
    return 0;
}

static int check_offsets(const struct lb_classify_layout *l, struct lb_error *err)
{
    const struct {
        const char *key;
        uint64_t off, size;
    } f[] = {
        {"OFFSET(page.flags)", l->off_flags, 8},
        {"OFFSET(page.mapping)", l->off_mapping, 8},
        {"OFFSET(page._mapcount)", l->off_mapcount, 4},
        {"OFFSET(page.private)", l->off_private, 8},
        {"OFFSET(page.compound_head)", l->off_compound_head, 8},
    };
    const size_t n = sizeof(f) / sizeof(f[0]);

    for (size_t i = 0; i < n; i++) {
        if (f[i].off == NONE) {
            lb_error_setk(err, LB_ERR_NO_DATA, "VMCOREINFO lacks %s: %s", f[i].key,
                          i == n - 1 ? "the tail pages of compound pages cannot be told from "
                                       "their heads"
                                     : "struct page cannot be read");
            return -1;
        }
        if (f[i].off % f[i].size || f[i].off + f[i].size > l->page_size) {
            lb_error_set(err, "%s=%llu is not a place for %llu bytes in a struct page of %llu",
                         f[i].key, (unsigned long long)f[i].off, (unsigned long long)f[i].size,
                         (unsigned long long)l->page_size);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (f[i].off < f[j].off + f[j].size && f[j].off < f[i].off + f[i].size) {
                lb_error_set(err, "%s=%llu overlaps %s=%llu", f[i].key,
                             (unsigned long long)f[i].off, f[j].key, (unsigned long long)f[j].off);
                return -1;
            }
    }
    return 0;
}

/* ---- 2. the verdicts on the kernel's own memory ----------------------- */

/* Classifies frames first..first+n-1 (after those from start on), counting what is not kept. */
static void classify_frames(struct check *ch, int set, uint64_t first, uint64_t n, int align,
                            const char *what)
{
    static const struct lb_classify_state fresh = {0};
    struct sample_set *s = &ch->set[set];
    uint64_t start = align ? first & ~(uint64_t)(ALIGN_FRAMES - 1) : first;

    if (n > MAX_RANGE)
        n = MAX_RANGE;
    lb_classifier_restore(ch->c, &fresh);
    for (uint64_t pfn = start; pfn < first + n;) {
        size_t len = first + n - pfn < CHUNK ? (size_t)(first + n - pfn) : CHUNK;
        lb_classify(ch->c, pfn, len, ch->cls);
        for (size_t i = 0; i < len; i++) {
            if (pfn + i < first)
                continue;
            s->frames++;
            if (ch->cls[i] == LB_CLASS_KEEP)
                continue;
            if (ch->cls[i] == LB_CLASS_HWPOISON && ch->poisoned < MAX_POISONED) {
                ch->poisoned++; /* memory that failed: never read, whoever owned it */
                s->poisoned++;
                continue;
            }
            if (!s->bad++) {
                s->first_bad = pfn + i;
                s->bad_class = ch->cls[i];
                snprintf(s->what, sizeof(s->what), "%s", what);
            }
        }
        pfn += len;
    }
}

/* The frames under kernel virtual addresses va..va+len-1, as ranges where contiguous. */
static void classify_virt(struct check *ch, int set, uint64_t va, uint64_t len, const char *what)
{
    uint64_t first_va = va & ~(uint64_t)(LB_PAGE_SIZE - 1), pages, p0, p1;
    struct lb_error ignored;

    if (!len)
        return;
    pages = (va + len - first_va + LB_PAGE_SIZE - 1) / LB_PAGE_SIZE;
    if (pages > MAX_RANGE)
        pages = MAX_RANGE;
    if (lb_kernel_vtop(ch->k, first_va, &p0, &ignored) == 0 &&
        lb_kernel_vtop(ch->k, first_va + (pages - 1) * LB_PAGE_SIZE, &p1, &ignored) == 0 &&
        p1 - p0 == (pages - 1) * LB_PAGE_SIZE) {
        classify_frames(ch, set, p0 >> LB_PAGE_SHIFT, pages, 1, what);
        return;
    }
    for (uint64_t i = 0; i < pages; i++) /* mapped page by page (vmalloc) */
        if (lb_kernel_vtop(ch->k, first_va + i * LB_PAGE_SIZE, &p0, &ignored) == 0)
            classify_frames(ch, set, p0 >> LB_PAGE_SHIFT, 1, 0, what);
}

static int kernel_image(struct check *ch, const struct lb_kallsyms *ks)
{
    static const char *const sections[][2] = {
        {"_stext", "_etext"},
        {"__start_rodata", "__end_rodata"},
        {"_sdata", "_edata"},
        {"__bss_start", "__bss_stop"},
    };
    uint64_t stext, lo, hi;

    if (lb_vmcoreinfo_get_u64(lb_kernel_vmcoreinfo(ch->k), "SYMBOL(_stext)", 16, &stext) < 0 &&
        (!ks || lb_kallsyms_address(ks, "_stext", &stext) < 0))
        return -1;
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        char what[64];
        uint64_t decrypted = 0;
        if (!ks || lb_kallsyms_address(ks, sections[i][0], &lo) < 0 ||
            lb_kallsyms_address(ks, sections[i][1], &hi) < 0 || hi <= lo)
            continue;
        /* x86's bss ends in .bss..decrypted, whose unused part (most of 2 MiB) is freed at boot
         * ("Freeing unused decrypted memory") and then holds anything: not sampled. */
        if (i == 3 && lb_kallsyms_address(ks, "__start_bss_decrypted", &decrypted) == 0 &&
            decrypted > lo && decrypted < hi)
            hi = decrypted;
        snprintf(what, sizeof(what), "%s..%s", sections[i][0],
                 hi == decrypted ? "__start_bss_decrypted" : sections[i][1]);
        classify_virt(ch, SET_IMAGE, lo, hi - lo, what);
    }
    if (!ch->set[SET_IMAGE].frames) /* no kallsyms: the first MiB of text, which every kernel has */
        classify_virt(ch, SET_IMAGE, stext, MIN_TEXT, "_stext..+1MiB");
    return ch->set[SET_IMAGE].frames ? 0 : -1;
}

static void log_ring(struct check *ch)
{
    uint64_t phys[3], size[3];
    size_t n = lb_log_ring_phys(ch->k, phys, size, 3);

    for (size_t i = 0; i < n; i++)
        classify_frames(ch, SET_LOG, phys[i] >> LB_PAGE_SHIFT,
                        (phys[i] % LB_PAGE_SIZE + size[i] + LB_PAGE_SIZE - 1) / LB_PAGE_SIZE, 1,
                        "the printk ring");
}

/* A table at level (0: of pages) and, where it points to tables, FANOUT of them spread over it. */
static void page_tables(struct check *ch, uint64_t table, int level)
{
    static const char *const names[] = {"a PTE table", "a PMD table", "a PUD table", "a P4D table",
                                        "the top table"};
    const struct lb_arch *arch = ch->k->arch;
    uint64_t *entries, next;
    size_t count = 0, step, seen = 0;
    struct lb_error ignored;

    if (ch->tables >= MAX_TABLES || level < 0 || level >= MAX_LEVELS)
        return;
    entries = ch->table[level];
    ch->tables++;
    classify_frames(ch, SET_TABLES, table >> LB_PAGE_SHIFT, 1, 0,
                    level == ch->k->levels - 1 ? names[4] : names[level]);
    if (level == 0 || lb_source_read_phys(ch->k->src, table, entries, LB_PAGE_SIZE, &ignored) < 0)
        return;
    for (size_t i = 0; i < LB_PAGE_SIZE / 8; i++)
        count += arch->next_table(ch->k, level, entries[i], &next);
    if (!count)
        return;
    step = (count + FANOUT - 1) / FANOUT;
    /* Each level reads into its own buffer: entries[] stays while deeper levels run. */
    for (size_t i = 0; i < LB_PAGE_SIZE / 8 && ch->tables < MAX_TABLES; i++) {
        if (!arch->next_table(ch->k, level, entries[i], &next) || seen++ % step)
            continue;
        page_tables(ch, next, level - 1);
    }
}

/* CPUs that saved their registers: those that were online, whose per-cpu areas are in use. */
static unsigned saved_cpus(struct lb_source *src)
{
    size_t len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &len);
    struct lb_note note;
    struct lb_error ignored;
    unsigned n = 0;

    while (lb_note_next(notes, len, &pos, &note, &ignored) == 1)
        n += note.type == NT_PRSTATUS && strcmp(note.name, "CORE") == 0;
    return n;
}

/*
 * The CPUs that saved registers, no more: a CPU that never came up keeps
 * __per_cpu_offset's initial value, which on x86_64 points at the per-cpu
 * template in the init sections, freed after boot.
 */
static void per_cpu_areas(struct check *ch, const struct lb_kallsyms *ks)
{
    uint64_t offsets, start, end, off, seen[MAX_CPUS];
    unsigned ncpus = saved_cpus(lb_kernel_source(ch->k));
    struct lb_error ignored;

    if (!ks || lb_kallsyms_address(ks, "__per_cpu_offset", &offsets) < 0 ||
        lb_kallsyms_address(ks, "__per_cpu_start", &start) < 0 ||
        lb_kallsyms_address(ks, "__per_cpu_end", &end) < 0 || end <= start ||
        end - start > (64u << 20))
        return;
    for (unsigned cpu = 0; cpu < MAX_CPUS && cpu < ncpus; cpu++) {
        char what[64];
        int again = 0;
        if (lb_kernel_read(ch->k, offsets + 8 * (uint64_t)cpu, &off, 8, &ignored) < 0 || !off)
            break;
        for (unsigned i = 0; i < cpu; i++)
            again |= seen[i] == off;
        seen[cpu] = off;
        if (again) /* the initial value, not an area of its own */
            continue;
        snprintf(what, sizeof(what), "CPU %u's per-cpu area", cpu);
        classify_virt(ch, SET_PERCPU, start + off,
                      end - start < PER_CPU_BYTES ? end - start : PER_CPU_BYTES, what);
    }
}

/* The stack pages from each saved kernel stack pointer to the end of its THREAD_SIZE block. */
static void stacks(struct check *ch)
{
    struct lb_source *src = lb_kernel_source(ch->k);
    size_t len, pos = 0, nregs, sp, seen = 0;
    const uint8_t *notes = lb_source_notes(src, &len);
    struct lb_note note;
    struct lb_error ignored;

    lb_source_reg_names(src, &nregs, NULL, &sp);
    while (seen < MAX_STACKS && lb_note_next(notes, len, &pos, &note, &ignored) == 1) {
        struct lb_cpu_state cpu;
        char what[64];
        if (note.type != NT_PRSTATUS || strcmp(note.name, "CORE") != 0 ||
            lb_source_prstatus(src, note.desc, note.desc_len, &cpu, &ignored) < 0 ||
            sp >= cpu.nregs)
            continue;
        uint64_t v = cpu.regs[sp];
        seen++;
        if (!(v >> 63)) /* a CPU stopped in user space */
            continue;
        snprintf(what, sizeof(what), "the stack at 0x%llx (saved registers %zu)",
                 (unsigned long long)v, seen - 1);
        classify_virt(ch, SET_STACKS, v, STACK_BYTES - (v & (STACK_BYTES - 1)), what);
    }
}

const char *const lb_classify_check_symbols[] = {
    "_stext",           "_etext",          "__start_rodata", "__end_rodata",
    "_sdata",           "_edata",          "__bss_start",    "__bss_stop",
    "__per_cpu_offset", "__per_cpu_start", "__per_cpu_end",  "__start_bss_decrypted"};
const size_t lb_classify_check_nsymbols =
    sizeof(lb_classify_check_symbols) / sizeof(lb_classify_check_symbols[0]);

int lb_classify_check(struct lb_kernel *k, const struct lb_kallsyms *given,
                      struct lb_classify_check *out, struct lb_error *err)
{
    struct lb_classify_layout l;
    struct lb_kallsyms *loaded = NULL;
    const struct lb_kallsyms *ks = given;
    struct lb_error why = {0};
    struct check *ch;
    int r = -1;

    memset(out, 0, sizeof(*out));
    if (!(ch = calloc(1, sizeof(*ch)))) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the classifier's check");
        return -1;
    }
    ch->k = k;
    /* Its own classifier, at every level, so the verdicts do not depend on -d. */
    if (lb_classifier_open(k, 31, &ch->c, &why) < 0) {
        lb_error_setk(err, why.kind, "%s", why.msg);
        goto out;
    }
    lb_classifier_layout(ch->c, &l);
    if (check_offsets(&l, err) < 0 || check_flags(&l, err) < 0 || check_types(&l, err) < 0)
        goto out;
    if (!ks && lb_kallsyms_load_only(k, lb_classify_check_symbols, lb_classify_check_nsymbols,
                                     &loaded, &why) == 0)
        ks = loaded;
    if (kernel_image(ch, ks) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "the kernel's text cannot be found (SYMBOL(_stext), kallsyms' _etext) to "
                      "check the classifier against");
        goto out;
    }
    log_ring(ch);
    page_tables(ch, k->pgd_phys, k->levels - 1);
    per_cpu_areas(ch, ks);
    stacks(ch);
    size_t at = 0;
    r = 0;
    for (int i = 0; i < NSETS; i++) {
        const struct sample_set *s = &ch->set[i];
        out->frames += s->frames;
        if (at < sizeof(out->summary))
            at += (size_t)snprintf(out->summary + at, sizeof(out->summary) - at, "%s%s %llu",
                                   i ? ", " : "", set_names[i], (unsigned long long)s->frames);
        if (s->bad && r == 0) {
            lb_error_set(err,
                         "%llu of %llu frames of the kernel's own memory (%s) classified %s, "
                         "the first pfn 0x%llx in %s",
                         (unsigned long long)s->bad, (unsigned long long)s->frames, set_names[i],
                         lb_page_class_names[s->bad_class], (unsigned long long)s->first_bad,
                         s->what);
            r = -1;
        }
    }
out:
    lb_kallsyms_free(loaded);
    lb_classifier_close(ch->c);
    free(ch);
    return r;
}
