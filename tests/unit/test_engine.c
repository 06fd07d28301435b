/*
 * test_engine.c - the dump engine on synthetic vmcores: notes, VMCOREINFO,
 * registers, the ELF reader's checks and the ELF writer's round trip.
 */
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/synth.h"
#include "core/codec.h"
#include "core/workers.h"
#include "lbdump.h"
#include "write/dedup.h"
#include "write/kdump_writer.h"

static const char vmcoreinfo[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nCRASHTIME=1700000000\n"
                                 "SYMBOL(init_uts_ns)=ffffffff82a12340\nbogus line\n";

static void vmcoreinfo_parses_keys_and_numbers(void **state)
{
    struct lb_vmcoreinfo *info;
    struct lb_error err;
    uint64_t v;

    (void)state;
    assert_int_equal(lb_vmcoreinfo_parse(vmcoreinfo, strlen(vmcoreinfo), &info, &err), 0);
    assert_string_equal(lb_vmcoreinfo_get(info, "OSRELEASE"), "6.1.0-test");
    assert_int_equal(lb_vmcoreinfo_get_u64(info, "PAGESIZE", 10, &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(lb_vmcoreinfo_get_u64(info, "SYMBOL(init_uts_ns)", 16, &v), 0);
    assert_int_equal(v, 0xffffffff82a12340ull);
    assert_int_equal(lb_vmcoreinfo_get_u64(info, "OSRELEASE", 10, &v), -1);
    assert_null(lb_vmcoreinfo_get(info, "bogus line"));
    assert_null(lb_vmcoreinfo_get(info, "MISSING"));
    lb_vmcoreinfo_free(info);
    /* a kernel loaded below 16 MiB has a negative phys_base */
    assert_int_equal(lb_vmcoreinfo_parse("NUMBER(phys_base)=-14680064\n", 27, &info, &err), 0);
    int64_t base;
    assert_int_equal(lb_vmcoreinfo_get_s64(info, "NUMBER(phys_base)", &base), 0);
    assert_int_equal(base, -14680064);
    assert_int_equal(lb_vmcoreinfo_get_u64(info, "NUMBER(phys_base)", 10, &v), -1);
    lb_vmcoreinfo_free(info);
}

static void vmcoreinfo_rejects_empty_text(void **state)
{
    struct lb_vmcoreinfo *info;
    struct lb_error err;

    (void)state;
    assert_int_equal(lb_vmcoreinfo_parse("no equals\n", 10, &info, &err), -1);
    assert_non_null(strstr(err.msg, "no KEY=VALUE"));
}

static void notes_walk_and_registers(void **state)
{
    uint8_t buf[4096];
    size_t len = synth_kernel_notes(buf, sizeof(buf), vmcoreinfo, 2), pos = 0;
    struct lb_note note;
    struct lb_error err;
    struct lb_cpu_state cpu;
    int n = 0;

    (void)state;
    while (lb_note_next(buf, len, &pos, &note, &err) == 1) {
        if (note.type == NT_PRSTATUS) {
            assert_int_equal(lb_prstatus_parse(note.desc, note.desc_len, &cpu, &err), 0);
            assert_int_equal(cpu.pid, 100 + n);
            assert_int_equal(cpu.regs[LB_RIP], 0x1000 + n);
            n++;
        }
    }
    assert_int_equal(n, 2);
    assert_int_equal(lb_prstatus_parse(buf, 100, &cpu, &err), -1);
}

static void notes_reject_sizes_past_the_end(void **state)
{
    uint8_t buf[256];
    size_t len = 0, pos = 0;
    struct lb_note note;
    struct lb_error err;
    Elf64_Nhdr h;

    (void)state;
    synth_note(buf, &len, sizeof(buf), "CORE", 1, "abcd", 4);
    memcpy(&h, buf, sizeof(h));
    h.n_descsz = 0xfffffff0u; /* a corrupt size must not be believed */
    memcpy(buf, &h, sizeof(h));
    assert_int_equal(lb_note_next(buf, len, &pos, &note, &err), -1);
    assert_non_null(strstr(err.msg, "offset 0"));

    len = 0;
    pos = 0;
    synth_note(buf, &len, sizeof(buf), "CORE", 1, "abcd", 4);
    buf[sizeof(h) + 4] = 'X'; /* overwrite the name's NUL */
    assert_int_equal(lb_note_next(buf, len, &pos, &note, &err), -1);
    assert_non_null(strstr(err.msg, "NUL"));
}

static char *standard_core(void)
{
    static uint8_t notes[4096];
    struct synth_segment segs[] = {{0x1000, 0x9f000, 0}, {0x100000, 0x300000, 0}};
    size_t len = synth_kernel_notes(notes, sizeof(notes), vmcoreinfo, 2);

    return synth_core(segs, 2, notes, len);
}

static void source_reads_segments_and_memory(void **state)
{
    char *path = standard_core();
    struct lb_source *src;
    struct lb_vmcoreinfo *info;
    struct lb_error err;
    uint8_t buf[8192];
    size_t len;

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_source_segment_count(src), 2);
    assert_int_equal(lb_source_segment(src, 1)->phys_addr, 0x100000);
    const uint8_t *notes = lb_source_notes(src, &len);
    assert_int_equal(lb_vmcoreinfo_from_notes(notes, len, &info, &err), 0);
    assert_string_equal(lb_vmcoreinfo_get(info, "OSRELEASE"), "6.1.0-test");
    lb_vmcoreinfo_free(info);
    assert_int_equal(lb_source_read_phys(src, 0x100800, buf, sizeof(buf), &err), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], synth_byte(0x100800 + i));
    /* 0xa0000 is a hole between the segments */
    assert_int_equal(lb_source_read_phys(src, 0x9f800, buf, 0x1000, &err), -1);
    assert_non_null(strstr(err.msg, "0xa0000"));
    lb_source_close(src);
    unlink(path);
    free(path);
}

/* Patches the file at offset with len bytes, then expects open to fail with msg. */
static void expect_open_failure(const char *path, off_t offset, const void *patch, size_t len,
                                const char *msg)
{
    struct lb_source *src;
    struct lb_error err;
    int fd = open(path, O_WRONLY);

    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, patch, len, offset), (ssize_t)len);
    close(fd);
    assert_int_equal(lb_source_open(path, &src, &err), -1);
    if (!strstr(err.msg, msg))
        fail_msg("error '%s' does not mention '%s'", err.msg, msg);
}

static void source_rejects_hostile_headers(void **state)
{
    uint64_t huge = 0xfffffffffffff000ull;
    uint64_t phoff = 0xffffff00ull;
    char *path;

    (void)state;
    path = standard_core();
    expect_open_failure(path, 0,
                        "\x7f"
                        "ELX",
                        4, "not a dump");
    unlink(path), free(path);
    path = standard_core();
    expect_open_failure(path, 32, &phoff, 8, "past the end");
    unlink(path), free(path);
    path = standard_core();
    /* PT_LOAD 1's p_filesz (offset 64 + 56 + 32) larger than its p_memsz */
    expect_open_failure(path, 64 + 56 + 32, &huge, 8, "larger than memory size");
    unlink(path), free(path);
    path = standard_core();
    /* PT_LOAD 1's p_paddr so high that the range wraps */
    expect_open_failure(path, 64 + 56 + 24, &huge, 8, "wraps");
    unlink(path), free(path);
    path = standard_core();
    truncate(path, 40);
    expect_open_failure(path, 0, "\x7f", 1, "too short");
    unlink(path), free(path);
}

/* Another architecture's dump, or another page size, is refused by name, never misread. */
static void source_refuses_what_it_does_not_understand(void **state)
{
    static uint8_t notes[4096];
    struct synth_segment segs[] = {{0x1000, 0x9f000, 0}};
    uint16_t s390 = EM_S390;
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP, .sparse = 1};
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_error err;
    char *path = standard_core(), out[] = "/tmp/lifeboat-machine-XXXXXX";
    int fd = mkstemp(out);

    (void)state;
    /* a kdump file whose header names another machine */
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write(src, fd, &opts, &stats, &err), 0);
    lb_source_close(src);
    close(fd);
    /* utsname.machine: after the 8-byte signature, the version and four 65-byte fields */
    expect_open_failure(out, 12 + 4 * 65, "sparc64", 8, "\"sparc64\", not one this lifeboat reads");
    unlink(out);
    expect_open_failure(path, 18, &s390, 2, "ELF machine 22 at offset 18 (s390)");
    unlink(path), free(path);
    size_t len = synth_kernel_notes(notes, sizeof(notes), "PAGESIZE=65536\n", 1);
    path = synth_core(segs, 1, notes, len);
    assert_int_equal(lb_source_open(path, &src, &err), -1);
    assert_non_null(strstr(err.msg, "PAGESIZE=65536"));
    unlink(path), free(path);
}

/*
 * A kdump header whose block counts add up past 2^32 (1 + 1 + 0xfffffffe): in
 * 32 bits that wraps to 0 blocks, and 8 TiB of bitmaps were allocated (found
 * by the fuzzer).  Refused, naming the fields.
 */
static void kdump_source_rejects_hostile_bitmaps(void **state)
{
    char *path = standard_core(), out[] = "/tmp/lifeboat-kdump-XXXXXX";
    struct lb_source *src;
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP, .codec = LB_CODEC_NONE};
    struct lb_write_stats stats;
    struct lb_error err;
    uint32_t bitmap_blocks = 0xfffffffeu;
    int fd = mkstemp(out);

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write(src, fd, &opts, &stats, &err), 0);
    close(fd);
    lb_source_close(src);
    expect_open_failure(out, 436, &bitmap_blocks, 4, "(offsets 432, 436) do not fit in the file");
    unlink(out);
    unlink(path);
    free(path);
}

static void source_keeps_truncated_segments(void **state)
{
    char *path = standard_core();
    struct lb_source *src;
    struct lb_error err;
    struct stat st;

    (void)state;
    stat(path, &st);
    truncate(path, st.st_size - 0x1000);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_source_segment(src, 1)->file_size, 0x300000 - 0x1000);
    lb_source_close(src);
    unlink(path);
    free(path);
}

/* Writes the standard core in the given format and checks every frame reads back the same. */
static void round_trip(enum lb_format format, enum lb_codec codec, int threads)
{
    char *path = standard_core(), out[] = "/tmp/lifeboat-out-XXXXXX";
    struct lb_source *src, *copy;
    struct lb_write_options opts = {
        .format = format, .dump_level = 31, .codec = codec, .threads = threads, .sparse = 1};
    struct lb_write_stats stats;
    struct lb_error err;
    uint8_t a[LB_PAGE_SIZE], b[LB_PAGE_SIZE], sa, sb;
    size_t la, lb;
    struct stat st;
    int fd = mkstemp(out);

    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write(src, fd, &opts, &stats, &err), 0);
    close(fd);
    /* no struct pages in a synthetic dump: said, and the dump is whole anyway */
    assert_non_null(strstr(stats.filter_note, "not filtered"));
    assert_int_equal(stats.pages_total, (0x9f000 + 0x300000) / 4096);
    assert_true(stats.pages_class[LB_CLASS_ZERO] > 0);
    assert_int_equal(stats.pages_unreadable, 0);
    assert_int_equal(stats.incomplete, 0);
    assert_int_equal(lb_source_open(out, &copy, &err), 0);
    assert_string_equal(lb_source_format(copy), format == LB_FORMAT_ELF ? "elf" : "kdump");
    assert_int_equal(lb_source_incomplete(copy), 0);
    /* the source's notes, then one that says -d 31 fell back to -d 1, and why */
    const uint8_t *na = lb_source_notes(src, &la), *nb = lb_source_notes(copy, &lb);
    struct lb_filter_fallback fb;
    assert_true(lb > la);
    assert_memory_equal(na, nb, la);
    assert_int_equal(lb_source_filter_fallback(src, &fb), 0);
    assert_int_equal(lb_source_filter_fallback(copy, &fb), 1);
    assert_int_equal(fb.asked, 31);
    assert_int_equal(fb.applied, 1);
    assert_non_null(strstr(stats.filter_note, fb.reason));
    for (size_t i = 0; i < lb_source_segment_count(src); i++) {
        const struct lb_segment *s = lb_source_segment(src, i);
        for (uint64_t p = s->phys_addr; p < s->phys_addr + s->mem_size; p += LB_PAGE_SIZE) {
            lb_source_read_pages(src, p >> 12, 1, a, &sa);
            lb_source_read_pages(copy, p >> 12, 1, b, &sb);
            assert_int_equal(sa, LB_PAGE_OK);
            assert_int_equal(sb, LB_PAGE_OK);
            assert_memory_equal(a, b, LB_PAGE_SIZE);
        }
    }
    stat(out, &st);
    assert_int_equal((uint64_t)st.st_size, stats.output_size);
    if (format == LB_FORMAT_ELF) /* zero pages are holes */
        assert_true((uint64_t)st.st_blocks * 512 < stats.output_size);
    else if (codec != LB_CODEC_NONE) /* compressible content is compressed */
        assert_true((uint64_t)st.st_size < stats.pages_total * LB_PAGE_SIZE / 2);
    /* synth_byte repeats every 256 frames: those repeats share their data, and
     * read back right (above); the ELF format has no way to share */
    if (format == LB_FORMAT_KDUMP)
        assert_true(stats.pages_repeated > 0x39f - 256 - stats.pages_class[LB_CLASS_ZERO]);
    else
        assert_int_equal(stats.pages_repeated, 0);
    /* zstd's pages by level: all of them, at the default level 1 when asked for zstd */
    uint64_t by_level = 0;
    for (int l = 0; l < LB_ZSTD_LEVELS; l++)
        by_level += stats.zstd_pages_by_level[l];
    assert_int_equal(by_level, stats.pages_by_codec[LB_CODEC_ZSTD]);
    if (codec == LB_CODEC_ZSTD)
        assert_true(stats.zstd_pages_by_level[1] > 0 &&
                    stats.zstd_pages_by_level[1] == stats.pages_by_codec[LB_CODEC_ZSTD]);
    lb_source_close(copy);
    lb_source_close(src);
    unlink(out);
    unlink(path);
    free(path);
}

static void elf_round_trip_is_byte_identical(void **state)
{
    (void)state;
    round_trip(LB_FORMAT_ELF, LB_CODEC_NONE, 1);
}

static void kdump_round_trip_every_codec(void **state)
{
    (void)state;
    round_trip(LB_FORMAT_KDUMP, LB_CODEC_ZSTD, 1);
    round_trip(LB_FORMAT_KDUMP, LB_CODEC_ZLIB, 1);
    round_trip(LB_FORMAT_KDUMP, LB_CODEC_LZO, 1);
    round_trip(LB_FORMAT_KDUMP, LB_CODEC_NONE, 1);
    round_trip(LB_FORMAT_KDUMP, LB_CODEC_ZSTD, 3); /* threads keep frame order */
    round_trip(LB_FORMAT_KDUMP, LB_CODEC_AUTO, 1);
    round_trip(LB_FORMAT_KDUMP, LB_CODEC_AUTO, 3);
}

/* compress auto's decision after DECIDE_EVERY batches, 8 MiB stored, that cost cpu_ns
 * compressing and sink_ns waiting for the target, one after the other (one thread); returns
 * the codec the next batch gets, and *level. */
static enum lb_codec auto_probed(struct kdump *k, uint64_t cpu_ns, uint64_t sink_ns,
                                 const struct codec_probe *probe, int *level)
{
    k->meter = (struct codec_meter){0}; /* each case on its own: nothing carried over */
    if (probe)
        k->meter.probe = *probe;
    for (int i = 0; i < 8; i++) {
        /* one page in 32 timed, as compress_auto() does: they stand for all 256 */
        k->meter.timed_ns += cpu_ns / 256;
        k->meter.timed_pages += 8;
        k->meter.sink_ns += sink_ns / 8;
        k->meter.wall_ns += (cpu_ns + sink_ns) / 8;
        k->meter.bytes += 1 << 20;
        k->meter.pages += 256;
        lb_kdump_codec_next(k);
    }
    *level = k->level;
    return k->codec;
}

/* A dump begun afresh, on one thread, with p's options. */
static void auto_anew(struct kdump *k, struct lb_pipe *p)
{
    memset(k, 0, sizeof(*k));
    k->p = p;
    k->threads = 1;
    lb_kdump_codec_start(k);
}

static enum lb_codec auto_after(struct kdump *k, uint64_t cpu_ns, uint64_t sink_ns, int *level)
{
    return auto_probed(k, cpu_ns, sink_ns, NULL, level);
}

/*
 * CPU-bound (the target takes data at once) auto stays on LZO; target-bound
 * it moves to zstd, to the highest level whose CPU time the target's time
 * hides; back to a cheaper codec once the CPU is the limit; near the edge it
 * moves ever more seldom.  Times in ms for 8 MiB stored (one thread).
 */
static void compress_auto_follows_the_limit(void **state)
{
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP, .codec = LB_CODEC_AUTO};
    struct lb_write_stats stats = {0};
    struct lb_pipe *p = calloc(1, sizeof(*p));
    struct kdump *k = calloc(1, sizeof(*k));
    const uint64_t ms = 1000000;
    int level;

    (void)state;
    p->opts = &opts;
    p->stats = &stats;
    k->p = p;
    k->threads = 1;
    lb_kdump_codec_start(k);
    assert_int_equal(k->codec, LB_CODEC_LZO); /* nothing known yet: the cheapest */
    assert_int_equal(auto_after(k, 100 * ms, 1 * ms, &level), LB_CODEC_LZO);
    assert_int_equal(stats.codec_changes, 0);
    /* the target takes 20 times the CPU's time (210 ms for 8 MiB): zstd 3 writes least, and
     * its CPU time (4x LZO's) is hidden by the target's */
    assert_int_equal(auto_after(k, 10 * ms, 200 * ms, &level), LB_CODEC_ZSTD);
    assert_int_equal(level, 3);
    assert_int_equal(stats.codec_changes, 1);
    /* zstd 3's CPU is the limit now and the target no longer waits (a slow start): LZO,
     * which stays while the target keeps up with it */
    assert_int_equal(auto_after(k, 300 * ms, 1 * ms, &level), LB_CODEC_LZO);
    assert_int_equal(stats.codec_changes, 2);
    for (int i = 0; i < 5; i++)
        assert_int_equal(auto_after(k, 100 * ms, 1 * ms, &level), LB_CODEC_LZO);
    assert_int_equal(stats.codec_changes, 2);
    /* at the edge: LZO's CPU a third of the target's time, which is zstd 1's CPU: as fast,
     * and zstd 1 writes less.  Each period costs what the codec it had costs; 24 decisions
     * over, auto moves back and forth (it tries LZO again: the target may be faster now), ever
     * more seldom: at least once, at most 6 times */
    assert_int_equal(auto_after(k, 70 * ms, 140 * ms, &level), LB_CODEC_ZSTD);
    assert_int_equal(level, 1);
    assert_int_equal(stats.codec_changes, 3);
    for (int i = 0; i < 24; i++)
        if (k->codec == LB_CODEC_ZSTD)
            auto_after(k, 210 * ms, 1 * ms, &level);
        else
            auto_after(k, 70 * ms, 140 * ms, &level);
    assert_in_range(stats.codec_changes, 3 + 1, 3 + 6);
    /* much slower still: zstd 3, as fast and smaller */
    assert_int_equal(auto_after(k, 210 * ms, 1000 * ms, &level), LB_CODEC_ZSTD);
    assert_int_equal(level, 3);
    /* --level caps zstd's level: a slow target from the start gets zstd 1 */
    opts.codec_level = 1;
    auto_anew(k, p);
    assert_int_equal(auto_after(k, 10 * ms, 1000 * ms, &level), LB_CODEC_ZSTD);
    assert_int_equal(level, 1);
    /* The probes, not the table, say what zstd costs.  LZO's CPU 100 ms, the target 140 ms
     * for its bytes: by the table's ratios zstd 1 would take 300 ms of CPU, and LZO stays;
     * with zstd 1 at 1.2x LZO's CPU on the probed pages and half its bytes, zstd 1 takes 120 ms
     * of CPU and 70 of target: it is taken */
    struct codec_probe cheap_zstd = {
        .pages = 32, .ns = {1000, 1200, 5000}, .bytes = {1000, 500, 490}};
    opts.codec_level = 0;
    auto_anew(k, p);
    assert_int_equal(auto_after(k, 100 * ms, 40 * ms, &level), LB_CODEC_LZO);
    assert_int_equal(auto_probed(k, 100 * ms, 40 * ms, &cheap_zstd, &level), LB_CODEC_ZSTD);
    assert_int_equal(level, 1);
    /* and under emulation, zstd 1 at 6x LZO's CPU on the probed pages: a target 3x slower than
     * LZO's CPU does not pay for it (the table's 3x would have taken zstd 1: 300 ms of CPU
     * against 300 of target for LZO, and fewer bytes) */
    struct codec_probe dear_zstd = {
        .pages = 32, .ns = {1000, 6000, 8000}, .bytes = {1000, 750, 730}};
    auto_anew(k, p);
    assert_int_equal(auto_probed(k, 100 * ms, 200 * ms, &dear_zstd, &level), LB_CODEC_LZO);
    assert_int_equal(auto_after(k, 100 * ms, 200 * ms, &level), LB_CODEC_ZSTD);
    free(k);
    free(p);
}

/* A paced sink takes its bytes no faster than its rate, and passes them on whole. */
static void paced_sink_keeps_its_rate(void **state)
{
    char out[] = "/tmp/lifeboat-paced-XXXXXX";
    int fd = mkstemp(out);
    struct lb_sink *s = lb_sink_paced(lb_sink_fd(fd, LB_SINK_HOLES), 4 << 20);
    static uint8_t block[256 << 10];
    struct lb_error err;
    struct timespec a, b;
    struct stat st;

    (void)state;
    assert_non_null(s);
    assert_int_equal(s->caps, LB_SINK_HOLES);
    memset(block, 0x5a, sizeof(block));
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 8; i++) /* 2 MiB at 4 MiB/s */
        assert_int_equal(s->ops->write(s, block, sizeof(block), (uint64_t)i * sizeof(block), &err),
                         0);
    assert_int_equal(s->ops->finish(s, 8 * sizeof(block), 1, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    s->ops->free(s);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    assert_true(secs >= 0.39); /* less the sink's credit for its idle start: 0.1 s */
    fstat(fd, &st);
    assert_int_equal(st.st_size, 8 * sizeof(block));
    close(fd);
    unlink(out);
}

/*
 * A comparison made on a worker (a guess) decides a hit only for the frame
 * the table names when the page is stored: one made against a frame replaced
 * since is not used, and the frame is read and compared again.
 */
static void dedup_guesses_count_for_their_frame_alone(void **state)
{
    char *path = standard_core();
    struct lb_source *src;
    struct lb_dedup *d = lb_dedup_new(4);
    struct lb_stored where = {.offset = 8192, .size = 100, .flags = 0x20}, found;
    struct lb_dedup_guess guess;
    struct lb_error err;
    uint8_t page[LB_PAGE_SIZE], buf[LB_PAGE_SIZE], status;

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    lb_source_read_pages(src, 0x101, 1, page, &status);
    uint64_t h = lb_page_hash(page);
    lb_dedup_guess(d, src, page, h, buf, &guess); /* empty: nothing compared */
    assert_int_equal(guess.pfn_plus_one, 0);
    assert_false(guess.same);
    lb_dedup_remember(d, 0x101, h, &where);
    lb_dedup_guess(d, src, page, h, buf, &guess);
    assert_int_equal(guess.pfn_plus_one, 0x102);
    assert_true(guess.same);
    assert_int_equal(lb_dedup_find(d, src, page, h, &guess, &found), 1);
    assert_int_equal(found.offset, 8192);
    /* Trusted for its frame: a guess that says "other bytes" is not read again. */
    struct lb_dedup_guess differs = {.pfn_plus_one = 0x102, .same = 0};
    assert_int_equal(lb_dedup_find(d, src, page, h, &differs, &found), 0);
    /* The entry now names another frame (other bytes): the old guess is not used. */
    lb_dedup_remember(d, 0x100, h, &where);
    assert_int_equal(lb_dedup_find(d, src, page, h, &guess, &found), 0);
    lb_dedup_guess(d, src, page, h, buf, &guess);
    assert_int_equal(guess.pfn_plus_one, 0x101);
    assert_false(guess.same);
    lb_dedup_free(d);
    lb_source_close(src);
    unlink(path);
    free(path);
}

/* A table hit is only a hit when the frame it names holds the same bytes. */
static void dedup_confirms_hits_byte_for_byte(void **state)
{
    char *path = standard_core();
    struct lb_source *src;
    struct lb_dedup *d = lb_dedup_new(4);
    struct lb_stored where = {.offset = 8192, .size = 100, .flags = 0x20}, found;
    struct lb_error err;
    uint8_t page[LB_PAGE_SIZE], status;

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    lb_source_read_pages(src, 0x101, 1, page, &status);
    uint64_t h = lb_page_hash(page);
    assert_int_equal(lb_dedup_find(d, src, page, h, NULL, &found), 0); /* empty */
    lb_dedup_remember(d, 0x101, h, &where);
    assert_int_equal(lb_dedup_find(d, src, page, h, NULL, &found), 1);
    assert_int_equal(found.offset, 8192);
    assert_int_equal(found.size, 100);
    assert_int_equal(found.flags, 0x20);
    assert_int_equal(lb_dedup_find(d, src, page, h ^ 1, NULL, &found), 0); /* other hash */
    page[100] ^= 1; /* same hash (a collision), other bytes: not a hit */
    assert_int_equal(lb_dedup_find(d, src, page, h, NULL, &found), 0);
    page[100] ^= 1;
    lb_dedup_remember(d, 0x100, h, &where); /* names a frame with other content */
    assert_int_equal(lb_dedup_find(d, src, page, h, NULL, &found), 0);
    lb_dedup_free(d);
    assert_true(lb_page_equal(page, page));
    for (size_t at = 0; at < LB_PAGE_SIZE; at += LB_PAGE_SIZE - 1) { /* the first and last bytes */
        uint8_t other[LB_PAGE_SIZE];
        memcpy(other, page, sizeof(other));
        other[at] ^= 0x80;
        assert_false(lb_page_equal(page, other));
    }
    lb_source_close(src);
    unlink(path);
    free(path);
}

/* Random pages are stored raw without a try; pages with random parts still compress. */
static void codec_skips_random_pages_only(void **state)
{
    enum lb_codec codecs[] = {LB_CODEC_ZSTD, LB_CODEC_ZLIB, LB_CODEC_LZO};
    uint8_t page[LB_PAGE_SIZE], out[LB_CODEC_BOUND], back[LB_PAGE_SIZE];
    uint64_t x = 0x9E3779B97F4A7C15ull;

    (void)state;
    for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
        struct lb_codec_ctx *ctx = lb_codec_new(codecs[c], c == 0 ? -1 : 1);
        assert_non_null(ctx);
        for (size_t i = 0; i < LB_PAGE_SIZE; i++) { /* xorshift: no codec shrinks it */
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            page[i] = (uint8_t)x;
        }
        assert_int_equal(lb_codec_compress(ctx, page, out), 0);
        memset(page + LB_PAGE_SIZE / 2, 0, LB_PAGE_SIZE / 2); /* half random, half zeros */
        size_t n = lb_codec_compress(ctx, page, out);
        assert_true(n > 0 && n < LB_PAGE_SIZE * 3 / 4);
        assert_int_equal(lb_codec_decompress(ctx, lb_codec_flag(codecs[c]), out, n, back), 0);
        assert_memory_equal(back, page, LB_PAGE_SIZE);
        memcpy(page + LB_PAGE_SIZE / 2, page, LB_PAGE_SIZE / 2); /* random, said twice */
        n = lb_codec_compress(ctx, page, out);
        if (codecs[c] == LB_CODEC_LZO) /* LZO is not given the sample test; it finds the repeat */
            assert_true(n > 0 && n < LB_PAGE_SIZE * 3 / 4);
        lb_codec_free(ctx);
    }
}

static void writer_reports_write_errors(void **state)
{
    char *path = standard_core();
    struct lb_source *src;
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP, .codec = LB_CODEC_ZSTD};
    struct lb_write_stats stats;
    struct lb_error err;
    int fd = open("/dev/full", O_WRONLY);

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write(src, fd, &opts, &stats, &err), -1);
    assert_non_null(strstr(err.msg, "No space left"));
    assert_int_equal(stats.incomplete, 1);
    close(fd);
    lb_source_close(src);
    unlink(path);
    free(path);
}

static void kdump_cut_short_stays_readable(void **state)
{
    char *path = standard_core(), out[] = "/tmp/lifeboat-cut-XXXXXX";
    struct lb_source *src, *copy;
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP, .codec = LB_CODEC_NONE};
    struct lb_write_stats stats;
    struct lb_error err;
    int fd = mkstemp(out), readable = 0, missing = 0;
    uint8_t page[LB_PAGE_SIZE], status;

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write(src, fd, &opts, &stats, &err), 0);
    /* power lost half-way: the header says incomplete, the data stops */
    assert_int_equal(ftruncate(fd, (off_t)(stats.output_size / 2)), 0);
    uint32_t status_word;
    assert_int_equal(pread(fd, &status_word, 4, 424), 4);
    status_word |= 0x8;
    assert_int_equal(pwrite(fd, &status_word, 4, 424), 4);
    close(fd);
    assert_int_equal(lb_source_open(out, &copy, &err), 0);
    assert_int_equal(lb_source_incomplete(copy), 1);
    for (uint64_t pfn = 0x100; pfn < 0x400; pfn++) {
        lb_source_read_pages(copy, pfn, 1, page, &status);
        readable += status == LB_PAGE_OK;
        /* past the cut a frame was never saved: not in the dump, rather than damaged */
        missing += status == LB_PAGE_EXCLUDED;
        assert_int_not_equal(status, LB_PAGE_FAILED);
    }
    assert_true(readable > 0 && missing > 0);
    lb_source_close(copy);
    lb_source_close(src);
    unlink(out);
    unlink(path);
    free(path);
}

static uint64_t big_endian(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

struct region {
    uint64_t at, len;
};

static int by_region(const void *a, const void *b)
{
    const struct region *x = a, *y = b;
    return (x->at > y->at) - (x->at < y->at);
}

/*
 * A flattened stream writes every byte of the dump once: crash reads a
 * stream keeping the first copy of a region, makedumpfile -R the last, so a
 * region written twice (a header marked incomplete, then complete) reads
 * differently in each.  Then the stream, made a file, opens whole.
 */
static void flattened_stream_writes_each_byte_once(void **state)
{
    (void)state;
    char *path = standard_core(), out[] = "/tmp/lifeboat-flat-XXXXXX";
    struct lb_write_options opts = {
        .format = LB_FORMAT_KDUMP, .dump_level = 1, .codec = LB_CODEC_ZLIB, .flattened = 1};
    struct lb_write_stats stats;
    struct lb_source *src, *copy;
    struct lb_error err;
    struct region *regions = NULL;
    size_t n = 0, cap = 0, size;
    int fd = memfd_create("stream", 0), file = mkstemp(out);
    uint64_t file_size;

    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write(src, fd, &opts, &stats, &err), 0);
    size = (size_t)lseek(fd, 0, SEEK_END);
    uint8_t *stream = malloc(size);
    assert_int_equal(pread(fd, stream, size, 0), (ssize_t)size);
    for (size_t at = 4096; at + 16 <= size;) {
        uint64_t offset = big_endian(stream + at), len = big_endian(stream + at + 8);
        if (offset == UINT64_MAX)
            break;
        if (n == cap)
            regions = realloc(regions, (cap = cap ? 2 * cap : 256) * sizeof(*regions));
        regions[n++] = (struct region){offset, len};
        at += 16 + len;
    }
    qsort(regions, n, sizeof(*regions), by_region);
    for (size_t i = 1; i < n; i++)
        assert_true(regions[i - 1].at + regions[i - 1].len <= regions[i].at);
    assert_int_equal(regions[0].at, 0); /* the header is there, once */
    lseek(fd, 0, SEEK_SET);
    int cut = -1;
    assert_int_equal(lb_unflatten(fd, file, &file_size, &cut, &err), 0);
    assert_int_equal(cut, 0);
    close(file);
    assert_int_equal(lb_source_open(out, &copy, &err), 0);
    assert_int_equal(lb_source_incomplete(copy), 0);
    lb_source_close(copy);
    lb_source_close(src);
    free(regions);
    free(stream);
    close(fd);
    unlink(out);
    unlink(path);
    free(path);
}

/*
 * A live source changes between the kdump writer's passes.  The window must
 * save exactly the frames its first pass counted slots for: here the first
 * pass kept frames 0, 5 and 60-63 (the top of the window: task structs, say);
 * by the second, frames 1-4 were allocated and frame 5 freed.  The frames
 * kept then are the ones kept now, whatever they became; the new ones are left
 * out as free.  Without the first pass's bits (no memory for them), the count
 * alone decides, and then the top of the window is what goes.
 */
static void a_live_window_saves_what_its_first_pass_counted(void **state)
{
    (void)state;
    enum { N = 64 };
    uint8_t cls[N], present[N], kept_bits[N / 8] = {0}, then[N];
    struct window w = {.slots = 6, .kept = kept_bits};

    memset(present, 1, N);
    present[10] = 0; /* a hole in memory: never kept */
    for (size_t i = 0; i < N; i++)
        then[i] = i == 0 || i == 5 || i >= 60;
    for (size_t i = 0; i < N; i++)
        if (then[i])
            kept_bits[i / 8] |= (uint8_t)(1u << (i % 8));
    for (size_t i = 0; i < N; i++) /* the second pass's own view */
        cls[i] = (i <= 4 || i >= 60) ? LB_CLASS_KEEP : LB_CLASS_FREE;
    lb_kdump_second_pass_classes(&w, cls, present, N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(cls[i] == LB_CLASS_KEEP, then[i]);
    assert_int_equal(cls[1], LB_CLASS_FREE); /* allocated since: left out, counted free */

    w.kept = NULL; /* the count alone: 9 kept now, 6 slots, the top three go */
    for (size_t i = 0; i < N; i++)
        cls[i] = (i <= 4 || i >= 60) ? LB_CLASS_KEEP : LB_CLASS_FREE;
    lb_kdump_second_pass_classes(&w, cls, present, N);
    size_t kept = 0;
    for (size_t i = 0; i < N; i++)
        kept += cls[i] == LB_CLASS_KEEP;
    assert_int_equal(kept, 6);
    assert_int_equal(cls[61], LB_CLASS_FREE);
}

/*
 * A device under the dump (a raw target): what the writer does not write
 * holds the last dump's bytes.  Its header's first block comes only after the
 * first pass's bitmaps and empty descriptors and the rest of the header were
 * made durable (a sync asked for at once), and before anything else, so a
 * power cut never leaves a header over the last dump's bits or sub-header; a
 * device that dies in the first pass keeps its first bytes as they were
 * (LBSAVED: savecore consumed that dump), with no header at all.
 */
struct device_sink {
    struct lb_sink base;
    struct lb_sink *lower;
    int writes_left; /* then it dies */
    int synced, writes_since_sync;
    int header_before_sync, header_right_after_sync, rest_before_sync;
};

static int device_write(struct lb_sink *s, const void *buf, size_t len, uint64_t offset,
                        struct lb_error *err)
{
    struct device_sink *d = (struct device_sink *)s;

    if (d->writes_left-- <= 0) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "the device died");
        return -1;
    }
    if (offset == 0 && !d->synced)
        d->header_before_sync = 1;
    if (offset == 0 && d->synced && d->writes_since_sync == 0 && d->rest_before_sync)
        d->header_right_after_sync = 1;
    if (offset == LB_PAGE_SIZE && !d->synced) /* the sub-header, or ELF data: before */
        d->rest_before_sync = 1;
    d->writes_since_sync++;
    return d->lower->ops->write(d->lower, buf, len, offset, err);
}

static int device_finish(struct lb_sink *s, uint64_t size, int whole, struct lb_error *err)
{
    struct device_sink *d = (struct device_sink *)s;

    return d->lower->ops->finish(d->lower, size, whole, err);
}

static void device_free(struct lb_sink *s)
{
    (void)s; /* on the test's stack; the fd sink under it is freed by the test */
}

static int device_checkpoint(struct lb_sink *s, int now, struct lb_error *err)
{
    struct device_sink *d = (struct device_sink *)s;

    if (now && !d->synced) {
        d->synced = 1;
        d->writes_since_sync = 0;
    }
    return d->lower->ops->checkpoint(d->lower, now, err);
}

static const struct lb_sink_ops device_ops = {device_write, device_finish, device_free, NULL,
                                              device_checkpoint};

static void device_dump_as(int fd, enum lb_format format, int writes, struct device_sink *d,
                           struct lb_write_stats *stats)
{
    char *path = standard_core();
    struct lb_write_options opts = {.format = format, .dump_level = 1, .codec = LB_CODEC_LZO};
    struct lb_source *src;
    struct lb_error err;

    *d = (struct device_sink){
        .base = {.ops = &device_ops, .caps = 0}, .lower = lb_sink_fd(fd, 0), .writes_left = writes};
    assert_non_null(d->lower);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    lb_write_sink(src, &d->base, &opts, stats, &err);
    d->lower->ops->free(d->lower);
    lb_source_close(src);
    unlink(path);
    free(path);
}

static void device_dump(int fd, int writes, struct device_sink *d, struct lb_write_stats *stats)
{
    device_dump_as(fd, LB_FORMAT_KDUMP, writes, d, stats);
}

static void a_device_gets_its_header_after_the_first_pass_is_durable(void **state)
{
    (void)state;
    static uint8_t old[1 << 20];
    struct device_sink d;
    struct lb_write_stats stats;
    struct lb_source *copy;
    struct lb_error err;
    char path[64], head[8];
    int fd = memfd_create("device", 0);

    memset(old, 0xaa, sizeof(old)); /* the last dump's bits and descriptors */
    memcpy(old, "LBSAVED", 8);
    assert_int_equal(pwrite(fd, old, sizeof(old), 0), (ssize_t)sizeof(old));
    device_dump(fd, 2, &d, &stats); /* dies in the first pass */
    assert_int_equal(stats.incomplete, 1);
    assert_int_equal(stats.output_size, 0); /* nothing written: the capture says failed */
    assert_int_equal(d.header_before_sync | d.header_right_after_sync, 0);
    assert_int_equal(pread(fd, head, 8, 0), 8);
    assert_memory_equal(head, "LBSAVED", 8);

    device_dump(fd, 1 << 30, &d, &stats); /* lives */
    assert_int_equal(stats.incomplete, 0);
    assert_int_equal(d.header_before_sync, 0);
    assert_int_equal(d.header_right_after_sync, 1); /* after the sub-header and the sync */
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    assert_int_equal(lb_source_open(path, &copy, &err), 0);
    assert_int_equal(lb_source_incomplete(copy), 0);
    lb_source_close(copy);
    close(fd);
}

/*
 * The same for ELF (format elf on a raw target): the program header slots
 * the second pass has not reached are PT_NULL before the ELF header is
 * written, never the last dump's PT_LOADs.
 */
/* The PT_LOADs of the ELF header on fd; its first bytes must be an ELF header. */
static size_t elf_loads(int fd)
{
    Elf64_Ehdr eh;
    Elf64_Phdr ph;
    size_t loads = 0;

    assert_int_equal(pread(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
    assert_memory_equal(eh.e_ident, ELFMAG, SELFMAG);
    for (size_t i = 0; i < eh.e_phnum; i++) {
        assert_int_equal(pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))),
                         (ssize_t)sizeof(ph));
        loads += ph.p_type == PT_LOAD;
    }
    return loads;
}

static void an_elf_dump_cut_on_a_device_has_no_stale_program_headers(void **state)
{
    (void)state;
    struct device_sink d;
    struct lb_write_stats stats;
    int fd = memfd_create("device", 0);

    device_dump_as(fd, LB_FORMAT_ELF, 1 << 30, &d, &stats); /* the last dump, whole */
    assert_int_equal(stats.incomplete, 0);
    assert_true(elf_loads(fd) > 0);
    assert_int_equal(pwrite(fd, "LBSAVED", 8, 0), 8); /* savecore consumed it */
    device_dump_as(fd, LB_FORMAT_ELF, 4, &d, &stats); /* dies at its first data */
    assert_int_equal(stats.incomplete, 1);
    assert_int_equal(elf_loads(fd), 0);
    close(fd);
}

struct meeting {
    int arrived;
    int met[3], worker[3];
};

/* An item that waits (up to 2 s) for the other two to be under way at once. */
static void meet(void *ctx, int worker, size_t i)
{
    struct meeting *m = ctx;
    struct timespec step = {0, 1000000};

    __atomic_add_fetch(&m->arrived, 1, __ATOMIC_SEQ_CST);
    for (int waited = 0; waited < 2000 && __atomic_load_n(&m->arrived, __ATOMIC_SEQ_CST) < 3;
         waited++)
        nanosleep(&step, NULL);
    m->met[i] = __atomic_load_n(&m->arrived, __ATOMIC_SEQ_CST) == 3;
    m->worker[i] = worker;
}

/* As many items as workers (the scan's windows, a group a thread): each on a worker of its
 * own, at once, not taken a few at a time by the first worker to ask. */
static void few_items_go_one_a_worker(void **state)
{
    struct lb_workers *w = lb_workers_new(3);
    struct meeting m = {0};

    (void)state;
    assert_non_null(w);
    lb_workers_start(w, 3, meet, &m);
    lb_workers_finish(w);
    for (int i = 0; i < 3; i++)
        assert_true(m.met[i]);
    assert_true(m.worker[0] != m.worker[1] && m.worker[1] != m.worker[2] &&
                m.worker[0] != m.worker[2]);
    lb_workers_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_live_window_saves_what_its_first_pass_counted),
        cmocka_unit_test(few_items_go_one_a_worker),
        cmocka_unit_test(vmcoreinfo_parses_keys_and_numbers),
        cmocka_unit_test(vmcoreinfo_rejects_empty_text),
        cmocka_unit_test(notes_walk_and_registers),
        cmocka_unit_test(notes_reject_sizes_past_the_end),
        cmocka_unit_test(source_reads_segments_and_memory),
        cmocka_unit_test(source_rejects_hostile_headers),
        cmocka_unit_test(source_refuses_what_it_does_not_understand),
        cmocka_unit_test(source_keeps_truncated_segments),
        cmocka_unit_test(kdump_source_rejects_hostile_bitmaps),
        cmocka_unit_test(elf_round_trip_is_byte_identical),
        cmocka_unit_test(kdump_round_trip_every_codec),
        cmocka_unit_test(compress_auto_follows_the_limit),
        cmocka_unit_test(paced_sink_keeps_its_rate),
        cmocka_unit_test(dedup_confirms_hits_byte_for_byte),
        cmocka_unit_test(dedup_guesses_count_for_their_frame_alone),
        cmocka_unit_test(codec_skips_random_pages_only),
        cmocka_unit_test(writer_reports_write_errors),
        cmocka_unit_test(kdump_cut_short_stays_readable),
        cmocka_unit_test(a_device_gets_its_header_after_the_first_pass_is_durable),
        cmocka_unit_test(an_elf_dump_cut_on_a_device_has_no_stale_program_headers),
        cmocka_unit_test(flattened_stream_writes_each_byte_once),
    };
    return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
