/*
 * test_classify.c - the page classifier's check of itself (lib/kernel/classify_check.c)
 * on the fake kernel of tests/common, in the layout it knows (a 6.1 kernel's)
 * and in layouts it does not: page types of an unknown encoding, fields
 * missing or moved, flags renumbered, the kernel's own pages claimed free,
 * user or cache.  A layout it knows is filtered; every other one falls back
 * to keeping every page but the zero ones, and says why in the write's
 * stats, in a note of the dump itself, and in 'info'.  The size predicted
 * without writing (lib/write/predict.c) counts the frames as the writer
 * classifies them, and, sampling every kept frame, weighs what it writes.
 * Windows scanned on one thread or several make the same dump, byte for byte.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/fake_kernel.h"
#include "cmd/commands.h"
#include "lbdump.h"
#include "tools/verify.h"
#include "write/dedup.h"
#include "write/kdump_writer.h"

static uint8_t mem[FAKE_KERNEL_MEM];
static char vmcoreinfo[8192];

enum { FREE_FRAME = 53 }; /* a free page outside the memory the check samples */

/* The fake kernel's VMCOREINFO with the line of key replaced by line ("" removes it). */
static const char *layout(const char *key, const char *line)
{
    const char *at = strstr(fake_kernel_vmcoreinfo_6_1, key), *end;

    assert_non_null(at);
    end = strchr(at, '\n') + 1;
    snprintf(vmcoreinfo, sizeof(vmcoreinfo), "%.*s%s%s", (int)(at - fake_kernel_vmcoreinfo_6_1),
             fake_kernel_vmcoreinfo_6_1, line, end);
    return vmcoreinfo;
}

/* A 6.1 kernel as the engine knows it: symbols, struct pages, and one free page. */
static void known_kernel(void)
{
    uint32_t buddy = (uint32_t)-129;

    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 4, 0);
    fake_kernel_mem_map(mem);
    memset(mem + FAKE_STRUCT_PAGES + 64 * FREE_FRAME, 0, 64);
    memcpy(mem + FAKE_STRUCT_PAGES + 64 * FREE_FRAME + 48, &buddy, 4);
    memset(mem + FREE_FRAME * LB_PAGE_SIZE, 0x5a, LB_PAGE_SIZE);
}

static void set_page(uint64_t pfn, uint64_t off, uint64_t value, size_t size)
{
    memcpy(mem + FAKE_STRUCT_PAGES + 64 * pfn + off, &value, size);
}

struct saved {
    struct lb_write_stats stats;
    int has_note;
    struct lb_filter_fallback note; /* what the dump written says of itself */
    int out;                        /* the dump written (memfd) */
};

/* Saves the fake kernel, with this VMCOREINFO, at -d 31. */
static void save(const char *vi, enum lb_format format, struct saved *s)
{
    struct lb_write_options opts = {.format = format, .dump_level = 31, .sparse = 1};
    struct lb_source *src, *out;
    struct lb_error err;
    char *path = fake_kernel_core_with(mem, vi), out_path[64];

    assert_int_equal(lb_source_open(path, &src, &err), 0);
    s->out = memfd_create("out", 0);
    assert_int_equal(lb_write(src, s->out, &opts, &s->stats, &err), 0);
    lb_source_close(src);
    unlink(path);
    free(path);
    snprintf(out_path, sizeof(out_path), "/proc/self/fd/%d", s->out);
    assert_int_equal(lb_source_open(out_path, &out, &err), 0);
    s->has_note = lb_source_filter_fallback(out, &s->note);
    lb_source_close(out);
}

/* Requires a fall back to -d 1 whose reason, everywhere it is said, holds each of words. */
static void falls_back(const char *vi, const char *const *words, size_t n)
{
    for (int f = 0; f < 2; f++) {
        struct saved s;
        save(vi, f ? LB_FORMAT_ELF : LB_FORMAT_KDUMP, &s);
        assert_int_equal(s.stats.dump_level_applied, 1);
        assert_int_equal(s.stats.pages_class[LB_CLASS_FREE], 0);
        assert_true(s.has_note);
        assert_int_equal(s.note.asked, 31);
        assert_int_equal(s.note.applied, 1);
        assert_non_null(strstr(s.stats.filter_note, "pages not filtered by type"));
        for (size_t i = 0; i < n; i++) {
            if (!strstr(s.stats.filter_note, words[i]) || !strstr(s.note.reason, words[i]))
                fail_msg("\"%s\" not in \"%s\" or in \"%s\"", words[i], s.stats.filter_note,
                         s.note.reason);
        }
        close(s.out);
    }
}

#define FALLS_BACK(vi, ...)                                                                        \
    do {                                                                                           \
        const char *const words_[] = {__VA_ARGS__};                                                \
        falls_back(vi, words_, sizeof(words_) / sizeof(words_[0]));                                \
    } while (0)

/* The layout the engine knows: checked, trusted, filtered. */
static void a_known_layout_is_filtered(void **state)
{
    (void)state;
    struct saved s;

    known_kernel();
    for (int f = 0; f < 2; f++) {
        save(fake_kernel_vmcoreinfo_6_1, f ? LB_FORMAT_ELF : LB_FORMAT_KDUMP, &s);
        assert_string_equal(s.stats.filter_note, "");
        assert_int_equal(s.stats.dump_level_applied, 31);
        /* ELF output maps the kernel image a second time: its frames count twice */
        assert_int_equal(s.stats.pages_class[LB_CLASS_FREE], f ? 2 : 1);
        assert_false(s.has_note);
        /* text 16-31, the three page tables, the four pages of the stack of each CPU */
        assert_int_equal(s.stats.filter_checked, 16 + 3 + 2 * 4);
        assert_string_equal(s.stats.filter_checks,
                            "image 16, log 0, page tables 3, per-cpu 0, stacks 8");
        close(s.out);
    }
}

/* 6.12's page types (a top byte; PG_slab gone), as 6.12 and 7.3 print them: filtered too. */
static void a_6_12_layout_is_filtered(void **state)
{
    (void)state;
    char vi[sizeof(vmcoreinfo)];
    struct saved s;

    known_kernel();
    set_page(6, 48, 0xf2000000u, 4);          /* the PMD table: PGTY_table */
    set_page(FREE_FRAME, 48, 0xf0000000u, 4); /* PGTY_buddy */
    snprintf(vi, sizeof(vi), "%s", layout("NUMBER(PG_slab)", ""));
    const char *const from[] = {"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n",
                                "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n"};
    const char *const to[] = {"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n"
                              "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n"
                              "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n",
                              "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240\n"};
    for (int i = 0; i < 2; i++) {
        char *at = strstr(vi, from[i]), rest[sizeof(vi)];
        assert_non_null(at);
        snprintf(rest, sizeof(rest), "%s", at + strlen(from[i]));
        snprintf(at, sizeof(vi) - (size_t)(at - vi), "%s%s", to[i], rest);
    }
    save(vi, LB_FORMAT_KDUMP, &s);
    assert_string_equal(s.stats.filter_note, "");
    assert_int_equal(s.stats.dump_level_applied, 31);
    assert_int_equal(s.stats.pages_class[LB_CLASS_FREE], 1);
    close(s.out);
}

/* A buddy value neither 6.1's ~bit nor 6.12's top byte: a page type the engine has not met. */
static void an_unknown_page_type_encoding_falls_back(void **state)
{
    (void)state;
    known_kernel();
    FALLS_BACK(layout("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)",
                      "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-2147483520\n"),
               "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-2147483520", "does not know");
    FALLS_BACK(layout("NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)",
                      "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-268435456\n"),
               "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-268435456", "two different encodings");
    FALLS_BACK(
        layout("NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)", "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-129\n"),
        "are the same page type");
    FALLS_BACK(layout("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", ""),
               "lacks NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)");
}

/* Fields a new kernel moved or dropped, and flags it renumbered. */
static void a_missing_or_moved_field_falls_back(void **state)
{
    (void)state;
    known_kernel();
    FALLS_BACK(layout("OFFSET(page.compound_head)", ""), "lacks OFFSET(page.compound_head)",
               "tail pages");
    FALLS_BACK(layout("OFFSET(page.private)", "OFFSET(page.private)=48\n"),
               "OFFSET(page.private)=48 overlaps OFFSET(page._mapcount)=48");
    FALLS_BACK(layout("OFFSET(page.mapping)", "OFFSET(page.mapping)=28\n"),
               "OFFSET(page.mapping)=28 is not a place for 8 bytes");
    /* What the classifier itself finds no sense in falls back the same way */
    FALLS_BACK(layout("OFFSET(page.mapping)", "OFFSET(page.mapping)=60\n"),
               "VMCOREINFO describes struct page or mem_section in a way that makes no sense");
    FALLS_BACK(layout("NUMBER(PG_head_mask)", "NUMBER(PG_head_mask)=65537\n"),
               "NUMBER(PG_head_mask)=0x10001 is not one bit");
    FALLS_BACK(layout("NUMBER(PG_slab)", "NUMBER(PG_slab)=4\n"),
               "NUMBER(PG_lru) and NUMBER(PG_slab) are the same bit (4)");
    /* Renumbered so that every key is still plausible: PG_lru is where PG_reserved is. Only the
     * verdicts on the kernel's own pages can tell. */
    FALLS_BACK(layout("NUMBER(PG_lru)", "NUMBER(PG_lru)=12\n"),
               "frames of the kernel's own memory (image) classified cache", "_stext.._etext");
}

/* A kernel whose VMCOREINFO looks as Linux 7.x's does to a 6.x reader: compound_info, new types. */
static void a_new_layout_falls_back(void **state)
{
    (void)state;
    char vi[sizeof(vmcoreinfo)];

    known_kernel();
    snprintf(vi, sizeof(vi), "%s",
             layout("OFFSET(page.compound_head)", "OFFSET(page.compound_info)=8\n"));
    const char *at = strstr(vi, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n");
    assert_non_null(at);
    memcpy((char *)at, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=1234\n", 39); /* same length */
    struct saved s;
    save(vi, LB_FORMAT_KDUMP, &s);
    assert_int_equal(s.stats.dump_level_applied, 1);
    assert_true(strstr(s.stats.filter_note, "OFFSET(page.compound_head)") ||
                strstr(s.stats.filter_note, "PAGE_BUDDY_MAPCOUNT_VALUE"));
    assert_int_equal(s.stats.pages_class[LB_CLASS_FREE], 0);
    close(s.out);
}

/* The kernel's own pages, claimed free, cache or user: the verdicts give the layout away. */
static void kernel_pages_claimed_not_kernel_fall_back(void **state)
{
    (void)state;
    /* The text's first 16 frames a free block of order 4. */
    known_kernel();
    set_page(16, 0, 0, 8);
    set_page(16, 40, 4, 8);
    set_page(16, 48, (uint32_t)-129, 4);
    FALLS_BACK(fake_kernel_vmcoreinfo_6_1, "16 of 16 frames", "(image) classified free",
               "the first pfn 0x10 in _stext.._etext");
    /* One page of text claimed page cache */
    known_kernel();
    set_page(20, 0, 1ull << 4, 8);
    FALLS_BACK(fake_kernel_vmcoreinfo_6_1, "1 of 16 frames", "(image) classified cache",
               "pfn 0x14");
    /* The PMD table on an LRU list */
    known_kernel();
    set_page(6, 0, 1ull << 4, 8);
    set_page(6, 48, 0xffffffffu, 4); /* its type not where _mapcount says */
    FALLS_BACK(fake_kernel_vmcoreinfo_6_1, "(page tables) classified cache",
               "pfn 0x6 in a PMD table");
    /* A page of the panicking stack anonymous */
    known_kernel();
    set_page(49, 24, 0xffff888000001001ull, 8);
    FALLS_BACK(fake_kernel_vmcoreinfo_6_1, "(stacks) classified user", "pfn 0x31",
               "the stack at 0xffffffff80030000");
}

/*
 * x86's bss ends in .bss..decrypted, whose unused part is freed at boot and
 * reused (the real 6.1 and 6.12 crashes of tests/e2e/test_triage.sh had page
 * cache there): not the kernel's own memory, so not sampled.
 */
static void freed_decrypted_bss_is_not_judged(void **state)
{
    (void)state;
    const struct fake_symbol syms[] = {
        {"_stext", FAKE_KERNEL_VA + FAKE_STEXT},
        {"_etext", FAKE_KERNEL_VA + FAKE_ETEXT},
        {"__bss_start", FAKE_KERNEL_VA + 0x39000},
        {"__start_bss_decrypted", FAKE_KERNEL_VA + 0x3b000},
        {"__bss_stop", FAKE_KERNEL_VA + 0x3d000},
    };
    struct saved s;

    known_kernel();
    fake_kernel_symbols(mem, syms, 5);
    set_page(0x3b, 0, 1ull << 4, 8); /* freed, then page cache */
    save(fake_kernel_vmcoreinfo_6_1, LB_FORMAT_KDUMP, &s);
    assert_string_equal(s.stats.filter_note, "");
    assert_int_equal(s.stats.filter_checked, 16 + 2 + 3 + 2 * 4);
    close(s.out);
    /* the same pages claimed cache before __start_bss_decrypted are judged */
    set_page(0x3a, 0, 1ull << 4, 8);
    FALLS_BACK(fake_kernel_vmcoreinfo_6_1, "1 of 18 frames", "(image) classified cache",
               "pfn 0x3a in __bss_start..__start_bss_decrypted");
}

/* A few poisoned kernel frames are memory that failed; the whole text poisoned is a misread. */
static void poisoned_kernel_frames_are_believed_up_to_a_few(void **state)
{
    (void)state;
    struct saved s;

    known_kernel();
    for (uint64_t pfn = 16; pfn < 24; pfn++)
        set_page(pfn, 0, 1ull << FAKE_PG_HWPOISON | 1ull << FAKE_PG_RESERVED, 8);
    save(fake_kernel_vmcoreinfo_6_1, LB_FORMAT_KDUMP, &s);
    assert_int_equal(s.stats.dump_level_applied, 31);
    assert_int_equal(s.stats.pages_class[LB_CLASS_HWPOISON], 8);
    close(s.out);
    set_page(24, 0, 1ull << FAKE_PG_HWPOISON, 8);
    FALLS_BACK(fake_kernel_vmcoreinfo_6_1, "(image) classified hwpoison");
}

/* 'lifeboat info' on a dump that fell back says so, from the dump alone. */
static void info_says_the_filter_fell_back(void **state)
{
    (void)state;
    char out[16384] = "", path[64];
    struct saved s;
    int fd = memfd_create("info", 0), saved_fd = dup(STDOUT_FILENO);

    known_kernel();
    save(layout("OFFSET(page.compound_head)", ""), LB_FORMAT_KDUMP, &s);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", s.out);
    fflush(stdout);
    dup2(fd, STDOUT_FILENO);
    int r = cmd_info(2, (char *[]){"info", path, NULL});
    int rj = cmd_info(3, (char *[]){"info", "--json", path, NULL});
    fflush(stdout);
    dup2(saved_fd, STDOUT_FILENO);
    close(saved_fd);
    assert_int_equal(r, 0);
    assert_int_equal(rj, 0);
    assert_true(pread(fd, out, sizeof(out) - 1, 0) > 0);
    close(fd);
    assert_non_null(strstr(out, "filter:         -d 1, not the -d 31 asked: every page kept but "
                                "zero pages: the page classifier failed its check of this kernel: "
                                "VMCOREINFO lacks OFFSET(page.compound_head)"));
    assert_non_null(strstr(out,
                           "\"filter_fallback\": {\"asked\": 31, \"applied\": 1, "
                           "\"reason\": \"the page classifier failed its check of this kernel: "
                           "VMCOREINFO lacks OFFSET(page.compound_head)"));
    /* verify: whole, and not as filtered as asked */
    struct lb_source *src;
    struct lb_error err;
    struct verify_result vr;
    char said[2048] = "";
    FILE *f = fmemopen(said, sizeof(said) - 1, "w");
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(verify_dump(src, f, &vr), VERIFY_OK);
    fclose(f);
    lb_source_close(src);
    close(s.out);
    assert_non_null(strstr(said, "note: this dump holds -d 1, not the -d 31 asked: the page "
                                 "classifier failed its check"));
}

/* The fake kernel's memory after the page tables: text, random bytes, and one page twice. */
static void fill_kept_frames(void)
{
    uint32_t x = 12345;

    for (size_t pfn = 40; pfn < 52; pfn++)
        for (size_t i = 0; i < LB_PAGE_SIZE; i++)
            mem[pfn * LB_PAGE_SIZE + i] = pfn < 46 ? (uint8_t)("lifeboat predicts "[i % 18])
                                                   : (uint8_t)((x = x * 1103515245 + 12345) >> 24);
    memcpy(mem + 54 * LB_PAGE_SIZE, mem + 47 * LB_PAGE_SIZE, LB_PAGE_SIZE);
}

/* Written for real and predicted: the same sources, the same options. */
static void predict_and_write(enum lb_codec codec, size_t sample, struct lb_size_prediction *p,
                              struct lb_write_stats *stats)
{
    struct lb_write_options opts = {.dump_level = 31, .codec = codec, .sparse = 1};
    struct lb_source *src;
    struct lb_error err;
    char *path = fake_kernel_core_with(mem, fake_kernel_vmcoreinfo_6_1);
    int out = memfd_create("out", 0);

    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_predict_size(src, &opts, sample, p, &err), 0);
    assert_int_equal(lb_write(src, out, &opts, stats, &err), 0);
    lb_source_close(src);
    close(out);
    unlink(path);
    free(path);
}

/* Every kept frame sampled: the kdump file's size, within what a page's compression varies. */
static void the_predicted_size_is_the_dump_s(void **state)
{
    (void)state;
    struct lb_size_prediction p;
    struct lb_write_stats stats;

    known_kernel();
    fill_kept_frames();
    for (int c = 0; c < 2; c++) {
        predict_and_write(c ? LB_CODEC_ZSTD : LB_CODEC_NONE, 1024, &p, &stats);
        /* the writer moves zero frames from kept to zero once read; free ones are struct pages' */
        assert_int_equal(p.pages_total, stats.pages_total);
        assert_int_equal(p.pages_class[LB_CLASS_KEEP],
                         stats.pages_class[LB_CLASS_KEEP] + stats.pages_class[LB_CLASS_ZERO]);
        assert_int_equal(p.pages_class[LB_CLASS_FREE], stats.pages_class[LB_CLASS_FREE]);
        assert_int_equal(p.sampled, p.pages_class[LB_CLASS_KEEP]);
        assert_int_equal(p.sampled_zero, stats.pages_class[LB_CLASS_ZERO]);
        assert_int_equal(p.sampled_repeated, stats.pages_repeated); /* 54 copies 47, and more */
        assert_int_equal(p.dump_level_applied, 31);
        if (p.bytes * 100 < stats.output_size * 98 || p.bytes * 100 > stats.output_size * 102)
            fail_msg("codec %d: predicted %llu bytes, written %llu", c, (unsigned long long)p.bytes,
                     (unsigned long long)stats.output_size);
    }
}

/* compress auto: predicted with LZO, the larger of its two codecs, so never short of the
 * dump auto writes, and within 2% of a dump written with LZO alone. */
static void an_auto_dump_is_predicted_as_lzo(void **state)
{
    (void)state;
    struct lb_size_prediction p, lzo;
    struct lb_write_stats stats, lzo_stats;

    known_kernel();
    fill_kept_frames();
    predict_and_write(LB_CODEC_AUTO, 1024, &p, &stats);
    predict_and_write(LB_CODEC_LZO, 1024, &lzo, &lzo_stats);
    assert_int_equal(p.bytes, lzo.bytes);
    if (p.bytes < stats.output_size)
        fail_msg("auto: predicted %llu bytes, written %llu", (unsigned long long)p.bytes,
                 (unsigned long long)stats.output_size);
    if (p.bytes * 100 < lzo_stats.output_size * 98 || p.bytes * 100 > lzo_stats.output_size * 102)
        fail_msg("lzo: predicted %llu bytes, written %llu", (unsigned long long)p.bytes,
                 (unsigned long long)lzo_stats.output_size);
}

/* A sample smaller than the kept frames: every k-th, never more than asked, spread evenly. */
static void the_sample_is_bounded(void **state)
{
    (void)state;
    struct lb_size_prediction p;
    struct lb_write_stats stats;

    known_kernel();
    fill_kept_frames();
    predict_and_write(LB_CODEC_ZSTD, 4, &p, &stats);
    assert_true(p.sampled >= 2 && p.sampled <= 4);
    assert_true(p.bytes > p.metadata);
}

/* A kernel the classifier does not trust: the prediction falls back as the write does. */
static void a_prediction_falls_back_with_the_write(void **state)
{
    (void)state;
    struct lb_write_options opts = {.dump_level = 31, .codec = LB_CODEC_ZSTD};
    struct lb_size_prediction p;
    struct lb_source *src;
    struct lb_error err;
    char *path;

    known_kernel();
    path = fake_kernel_core_with(mem, layout("OFFSET(page.compound_head)", ""));
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_predict_size(src, &opts, 64, &p, &err), 0);
    assert_int_equal(p.dump_level_applied, 1);
    assert_int_equal(p.pages_class[LB_CLASS_FREE], 0);
    assert_non_null(strstr(p.filter_note, "pages not filtered by type"));
    lb_source_close(src);
    unlink(path);
    free(path);
}

/*
 * Memory beyond the fake kernel's: more of window 0 (a batch's worth and
 * more past the kernel image, whose batch goes first), and frames of
 * windows 2, 4 and 5 (the last two in one run).
 */
static const struct {
    uint64_t pfn, n;
} far_runs[] = {{64, 336}, {2 * 32768 + 7, 40}, {5 * 32768 - 24, 64}};
enum { FAR_RUNS = sizeof(far_runs) / sizeof(far_runs[0]), FAR_FRAMES = 336 + 40 + 64 };

enum { BLOCK_PAGE = 0x3f000 }; /* frame 63, which the fake kernel leaves unused */

/*
 * In the first far run (frames 64 on, at run): a page at frame 100, one at
 * 180 that takes its entry in the table of repeats (dedup.c: the same low
 * bits of the hash), and the first again at 200.  Whether 200 is found a
 * repeat depends on what was remembered before it, and so on how the frames
 * were cut in batches: the same whatever the number of threads.
 */
static void collide(uint8_t *run)
{
    static uint8_t page[2][LB_PAGE_SIZE];
    uint32_t x = 99, tries = 0;
    uint64_t mask = (1u << DEDUP_ORDER) - 1, want;

    for (size_t i = 0; i < LB_PAGE_SIZE; i++)
        page[0][i] = (uint8_t)((x = x * 1103515245 + 12345) >> 24);
    want = lb_page_hash(page[0]) & mask;
    memcpy(page[1], page[0], LB_PAGE_SIZE);
    do {
        memcpy(page[1], &tries, sizeof(tries));
        tries++;
    } while ((lb_page_hash(page[1]) & mask) != want || !memcmp(page[0], page[1], LB_PAGE_SIZE));
    memcpy(run + (100 - 64) * LB_PAGE_SIZE, page[0], LB_PAGE_SIZE);
    memcpy(run + (180 - 64) * LB_PAGE_SIZE, page[1], LB_PAGE_SIZE);
    memcpy(run + (200 - 64) * LB_PAGE_SIZE, page[0], LB_PAGE_SIZE);
}

/*
 * The fake kernel with the far runs (text, zero pages, repeats and random
 * bytes), the second of them free: a block found in window 4 reaches over
 * window 5, which a scan of its own cannot know.  Its path.
 */
static char *kernel_of_many_windows(void)
{
    static uint8_t file[FAKE_KERNEL_FILE + FAR_FRAMES * LB_PAGE_SIZE];
    char *path = strdup("/tmp/lifeboat-windows-XXXXXX");
    int fd = path ? mkstemp(path) : -1;
    uint64_t at = FAKE_KERNEL_FILE;
    uint32_t x = 7;
    Elf64_Ehdr eh;

    assert_true(fd >= 0);
    /* A free block of 2^16 frames from frame 131072 (window 4's first) across window 5: its
     * struct page (buddy, order 16) in frame 63, section 4's mem_map coded to reach it. */
    uint64_t map = (FAKE_KERNEL_VA + BLOCK_PAGE - 131072 * 64) | 2, order = 16;
    uint32_t buddy = (uint32_t)-129;
    memcpy(mem + FAKE_SECTION_ROOT + 4 * 16, &map, 8);
    memset(mem + BLOCK_PAGE, 0, 64);
    memcpy(mem + BLOCK_PAGE + 40, &order, 8);
    memcpy(mem + BLOCK_PAGE + 48, &buddy, 4);
    fake_kernel_file_with(file, mem, fake_kernel_vmcoreinfo_6_1);
    for (size_t r = 0; r < FAR_RUNS; r++) {
        Elf64_Phdr ph = {.p_type = PT_LOAD,
                         .p_offset = at,
                         .p_paddr = far_runs[r].pfn * LB_PAGE_SIZE,
                         .p_filesz = far_runs[r].n * LB_PAGE_SIZE,
                         .p_memsz = far_runs[r].n * LB_PAGE_SIZE};
        memcpy(file + sizeof(eh) + (2 + r) * sizeof(ph), &ph, sizeof(ph));
        for (uint64_t i = 0; i < ph.p_filesz; i++, at++) {
            uint64_t frame = i / LB_PAGE_SIZE;
            file[at] = frame % 5 == 0   ? 0
                       : frame % 5 == 1 ? (uint8_t) "many windows "[i % 13]
                                        : (uint8_t)((x = x * 1103515245 + 12345) >> 24);
        }
    }
    collide(file + FAKE_KERNEL_FILE);
    memcpy(&eh, file, sizeof(eh));
    eh.e_phnum = 2 + FAR_RUNS;
    memcpy(file, &eh, sizeof(eh));
    assert_int_equal(write(fd, file, sizeof(file)), sizeof(file));
    close(fd);
    return path;
}

/*
 * The classifier's clones, through ld's --wrap (tests/unit/meson.build): with
 * clones_left at N >= 0, the first N are made and every one after fails, as
 * when the crash kernel's memory runs short.  -1: every one is made.
 */
struct lb_classifier;
struct lb_classifier *__real_lb_classifier_clone(struct lb_classifier *c);
struct lb_classifier *__wrap_lb_classifier_clone(struct lb_classifier *c);
static int clones_left = -1;

struct lb_classifier *__wrap_lb_classifier_clone(struct lb_classifier *c)
{
    if (clones_left == 0)
        return NULL;
    if (clones_left > 0)
        clones_left--;
    return __real_lb_classifier_clone(c);
}

/* The kdump file written from path with this codec on threads threads (a memfd). */
static int write_on_threads(const char *path, enum lb_codec codec, int threads,
                            struct lb_write_stats *stats)
{
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP,
                                    .dump_level = 31,
                                    .codec = codec,
                                    .threads = threads,
                                    .sparse = 1};
    struct lb_source *src;
    struct lb_error err;
    int out = memfd_create("out", 0);

    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write(src, out, &opts, stats, &err), 0);
    lb_source_close(src);
    return out;
}

static void assert_same_file(int a, int b)
{
    off_t len = lseek(a, 0, SEEK_END);
    uint8_t *pa, *pb;

    assert_int_equal(lseek(b, 0, SEEK_END), len);
    pa = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, a, 0);
    pb = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, b, 0);
    assert_true(pa != MAP_FAILED && pb != MAP_FAILED);
    assert_memory_equal(pa, pb, (size_t)len);
    munmap(pa, (size_t)len);
    munmap(pb, (size_t)len);
}

/*
 * A kdump file (dump, a memfd) written again on 1 and 3 threads: the same.  A
 * kdump source has no views (its pages are decompressed through buffers of
 * its own), so the threads' classifiers read its struct pages in turns.
 */
static void rewritten_the_same(int dump, enum lb_codec codec)
{
    char path[64];
    struct lb_write_stats one, many;

    snprintf(path, sizeof(path), "/proc/self/fd/%d", dump);
    int single = write_on_threads(path, codec, 1, &one),
        out = write_on_threads(path, codec, 3, &many);
    assert_int_equal(one.dump_level_applied, 31);
    assert_int_equal(many.pages_saved, one.pages_saved);
    assert_same_file(single, out);
    close(single);
    close(out);
}

/*
 * Four windows with memory, classified on 1, 2, 3 and 8 threads (groups of
 * one, two, three and all of them, the scans on whichever thread took them):
 * the same file, byte for byte, with either fixed codec (the file's order
 * and its repeats follow its batches, so they are the same on any number
 * of threads); and window 5 is
 * free as the walk up from window 4 says, whichever group it was in.
 */
static void threads_write_the_same_dump(void **state)
{
    static const enum lb_codec codecs[] = {LB_CODEC_ZSTD, LB_CODEC_LZO};
    static const int threads[] = {2, 3, 8};
    struct lb_write_stats one, many;
    char *path;

    (void)state;
    known_kernel();
    fill_kept_frames();
    path = kernel_of_many_windows();
    for (size_t c = 0; c < 2; c++) {
        int single = write_on_threads(path, codecs[c], 1, &one);
        assert_int_equal(one.dump_level_applied, 31); /* classified, not fallen back */
        /* FREE_FRAME, and the far run of windows 4 and 5 as the block's */
        assert_int_equal(one.pages_class[LB_CLASS_FREE], 1 + 64);
        assert_int_equal(one.pages_total, 64 + FAR_FRAMES);
        assert_true(one.pages_repeated > 0);
        for (size_t t = 0; t < 3; t++) {
            int out = write_on_threads(path, codecs[c], threads[t], &many);
            assert_int_equal(many.pages_saved, one.pages_saved);
            assert_int_equal(many.pages_repeated, one.pages_repeated);
            assert_same_file(single, out);
            close(out);
        }
        rewritten_the_same(single, codecs[c]);
        /* No memory for a third classifier, or for a second: the windows are scanned on
         * the thread that stores, and the file is the same. */
        for (int left = 1; left >= 0; left--) {
            clones_left = left;
            int out = write_on_threads(path, codecs[c], 3, &many);
            clones_left = -1;
            assert_int_equal(many.dump_level_applied, 31);
            assert_same_file(single, out);
            close(out);
        }
        close(single);
    }
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_known_layout_is_filtered),
        cmocka_unit_test(a_6_12_layout_is_filtered),
        cmocka_unit_test(an_unknown_page_type_encoding_falls_back),
        cmocka_unit_test(a_missing_or_moved_field_falls_back),
        cmocka_unit_test(a_new_layout_falls_back),
        cmocka_unit_test(kernel_pages_claimed_not_kernel_fall_back),
        cmocka_unit_test(freed_decrypted_bss_is_not_judged),
        cmocka_unit_test(poisoned_kernel_frames_are_believed_up_to_a_few),
        cmocka_unit_test(info_says_the_filter_fell_back),
        cmocka_unit_test(the_predicted_size_is_the_dump_s),
        cmocka_unit_test(an_auto_dump_is_predicted_as_lzo),
        cmocka_unit_test(the_sample_is_bounded),
        cmocka_unit_test(a_prediction_falls_back_with_the_write),
        cmocka_unit_test(threads_write_the_same_dump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
