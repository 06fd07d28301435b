/*
 * test_age.c - encrypted dumps: keys as age-keygen and ssh-keygen write them,
 * the age sink under writes in any order, reading an encrypted dump in place,
 * and what a wrong key, a changed byte and a cut file do.  (That Debian's
 * `age -d` opens what lifeboat writes is the end-to-end test's job.)
 */
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/synth.h"
#include "lbdump.h"

/* Made for these tests with age-keygen and ssh-keygen -t ed25519 -N ''. */
static const char age_public[] = "age1ex56zwymkde54l2r6zmpv4e6js273d5g7p2429dk2nsjamkxf5rs8ej0fr";
static const char age_secret[] =
    "# created: 2026-11-27T18:17:08Z\n"
    "# public key: age1ex56zwymkde54l2r6zmpv4e6js273d5g7p2429dk2nsjamkxf5rs8ej0fr\n"
    "AGE-SECRET-KEY-1D4G6C3EJ475PXDD8CQFPV28MU2DJ3HRQ0X9CQHQ8VGGMLE7CNL6S09YYQ0\n";
static const char ssh_public[] =
    "ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIOdFqRs1aO2KxrBOp9kzoSHWgMwi6+63ABLrvvAh/4wk"
    " lbtest";
static const char ssh_secret[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDnRakbNWjtisawTqfZM6Eh1oDMIuvutwAS677wIf+MJAAAAJAqnA5zKpwO\n"
    "cwAAAAtzc2gtZWQyNTUxOQAAACDnRakbNWjtisawTqfZM6Eh1oDMIuvutwAS677wIf+MJA\n"
    "AAAEBUXZ9eS/nTeRJZEg42e4/MH4ktIS5ripWYsxX4xOO9o+dFqRs1aO2KxrBOp9kzoSHW\n"
    "gMwi6+63ABLrvvAh/4wkAAAABmxidGVzdAECAwQFBgc=\n"
    "-----END OPENSSH PRIVATE KEY-----\n";
/* Another age key: it opens nothing written above. */
static const char other_secret[] =
    "AGE-SECRET-KEY-1034TUPGVNHFQWC2N2UDW9T5JHP67QC6NYT6780G5W8LJUMLXYK9QVYR7SL\n";

static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/lifeboat-age-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    if (text)
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static struct lb_age_identities *identities(const char *text)
{
    char *path = temp_file(text);
    struct lb_age_identities *ids;
    struct lb_error err;

    assert_int_equal(lb_age_identities_load(path, &ids, &err), 0);
    unlink(path);
    free(path);
    return ids;
}

static struct lb_sink *age_sink_on(int fd, const char *recipient)
{
    struct lb_age_recipient r;
    struct lb_sink *sink;
    struct lb_error err;

    assert_int_equal(lb_age_recipient_parse(recipient, &r, &err), 0);
    assert_int_equal(lb_sink_age(lb_sink_fd(fd, 0), &r, 1, &sink, &err), 0);
    return sink;
}

static char *decrypt_to_file(const char *path, const char *key, int expect, char *why,
                             size_t whylen)
{
    struct lb_age_identities *ids = identities(key);
    char *out = temp_file(NULL);
    int in = open(path, O_RDONLY), o = open(out, O_WRONLY | O_TRUNC);
    struct lb_error err = {0};

    assert_int_equal(lb_age_decrypt_fd(in, ids, o, &err), expect);
    snprintf(why, whylen, "%s", err.msg);
    close(in);
    close(o);
    lb_age_identities_free(ids);
    return out;
}

static void keys_parse_and_refuse(void **state)
{
    struct lb_age_recipient r;
    struct lb_error err;
    char bad[sizeof(age_public)];

    (void)state;
    assert_int_equal(lb_age_recipient_parse(age_public, &r, &err), 0);
    assert_false(r.ssh);
    assert_int_equal(lb_age_recipient_parse(ssh_public, &r, &err), 0);
    assert_true(r.ssh);
    memcpy(bad, age_public, sizeof(bad));
    bad[20] = bad[20] == 'q' ? 'p' : 'q';
    assert_int_equal(lb_age_recipient_parse(bad, &r, &err), -1);
    assert_non_null(strstr(err.msg, "checksum"));
    assert_int_equal(lb_age_recipient_parse("ssh-rsa AAAAB3NzaC1yc2E", &r, &err), -1);
    assert_non_null(strstr(err.msg, "only ssh-ed25519"));
    /* found by fuzz_age: the end marker sharing the begin marker's dashes was a length of -5 */
    char *odd = temp_file("-----BEGIN OPENSSH PRIVATE KEY-----END OPENSSH PRIVATE KEY-----\n");
    struct lb_age_identities *none;
    assert_int_equal(lb_age_identities_load(odd, &none, &err), -1);
    unlink(odd);
    free(odd);
    char *path = temp_file("not a key\n");
    struct lb_age_identities *ids;
    assert_int_equal(lb_age_identities_load(path, &ids, &err), -1);
    assert_non_null(strstr(err.msg, "line 1"));
    unlink(path);
    free(path);
}

/* Chunks written in a scrambled order, some bytes twice before sealing, read back whole. */
static void sink_takes_writes_in_any_order(void **state)
{
    enum { SIZE = (5 << 16) + 1234, PIECE = 3000 };
    uint8_t *data = malloc(SIZE), *back = malloc(SIZE);
    char *path = temp_file(NULL), why[512];
    int fd = open(path, O_WRONLY);
    struct lb_sink *sink = age_sink_on(fd, age_public);
    struct lb_error err;
    size_t npieces = (SIZE + PIECE - 1) / PIECE;

    (void)state;
    for (size_t i = 0; i < SIZE; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 9));
    /* every 3rd piece forwards, then the rest backwards */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < npieces; k++) {
            size_t i = pass ? npieces - 1 - k : k;
            if ((i % 3 == 0) != (pass == 0))
                continue;
            size_t len = i * PIECE + PIECE > SIZE ? SIZE - i * PIECE : PIECE;
            assert_int_equal(sink->ops->write(sink, data + i * PIECE, len, i * PIECE, &err), 0);
        }
    assert_int_equal(sink->ops->finish(sink, SIZE, 1, &err), 0);
    sink->ops->free(sink);
    close(fd);
    char *out = decrypt_to_file(path, age_secret, 0, why, sizeof(why));
    fd = open(out, O_RDONLY);
    assert_int_equal(read(fd, back, SIZE), SIZE);
    assert_int_equal(read(fd, back, 1), 0);
    assert_memory_equal(data, back, SIZE);
    close(fd);
    unlink(out), unlink(path);
    free(out), free(path), free(data), free(back);
}

static char *write_core(void)
{
    static uint8_t notes[4096];
    static const char vmcoreinfo[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nCRASHTIME=1700000000\n";
    struct synth_segment segs[] = {{0x1000, 0x9f000, 0}, {0x100000, 0x700000, 0}};
    size_t len = synth_kernel_notes(notes, sizeof(notes), vmcoreinfo, 2);

    return synth_core(segs, 2, notes, len);
}

/* nseg segments of bytes each, stride apart: runs and windows to cut between. */
static char *spread_core(size_t nseg, uint64_t bytes, uint64_t stride)
{
    static uint8_t notes[4096];
    static const char vmcoreinfo[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nCRASHTIME=1700000000\n";
    struct synth_segment segs[64];
    size_t len = synth_kernel_notes(notes, sizeof(notes), vmcoreinfo, 2);

    assert_true(nseg <= 64);
    for (size_t i = 0; i < nseg; i++)
        segs[i] = (struct synth_segment){0x100000 + i * stride, bytes, 0};
    return synth_core(segs, nseg, notes, len);
}

/*
 * The same, each page's bytes its own (the synthetic pattern repeats every 256
 * pages, and repeats are stored once): megabytes of dump, in many records.
 */
static char *distinct_core(size_t nseg, uint64_t bytes, uint64_t stride)
{
    char *path = spread_core(nseg, bytes, stride);
    int fd = open(path, O_RDWR);
    Elf64_Ehdr eh;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    uint8_t page[4096];

    assert_int_equal(pread(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
    for (size_t i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        assert_int_equal(pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))),
                         (ssize_t)sizeof(ph));
        if (ph.p_type != PT_LOAD)
            continue;
        for (uint64_t at = 0; at < ph.p_filesz; at += sizeof(page)) {
            for (size_t b = 0; b < sizeof(page); b += 8) { /* xorshift: no two pages alike */
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                memcpy(page + b, &x, 8);
            }
            if ((at / sizeof(page)) % 4 == 3)
                memset(page, 0, sizeof(page)); /* and zero ones, which -d 1 leaves out */
            assert_int_equal(pwrite(fd, page, sizeof(page), (off_t)(ph.p_offset + at)),
                             (ssize_t)sizeof(page));
        }
    }
    close(fd);
    return path;
}

/* Every frame of a encrypted dump, read in place, equals the clear source's. */
static void same_frames(const char *clear, const char *sealed, const char *key)
{
    struct lb_age_identities *ids = identities(key);
    struct lb_source *a, *b;
    struct lb_error err;
    uint8_t pa[4096], pb[4096], sa, sb;
    size_t n;

    assert_int_equal(lb_source_open(clear, &a, &err), 0);
    if (lb_source_open_age(sealed, ids, &b, &err) < 0)
        fail_msg("%s", err.msg);
    lb_age_identities_free(ids);
    const struct lb_frame_run *runs = lb_source_frame_runs(a, &n);
    for (size_t i = 0; i < n; i++)
        for (uint64_t pfn = runs[i].first; pfn < runs[i].first + runs[i].count; pfn++) {
            lb_source_read_pages(a, pfn, 1, pa, &sa);
            lb_source_read_pages(b, pfn, 1, pb, &sb);
            assert_int_equal(sa, LB_PAGE_OK);
            assert_int_equal(sb, LB_PAGE_OK);
            assert_memory_equal(pa, pb, sizeof(pa));
        }
    assert_false(lb_source_incomplete(b));
    lb_source_close(a);
    lb_source_close(b);
}

static void encrypted_dump(const char *core, enum lb_format format, int level,
                           const char *recipient, char **out)
{
    struct lb_write_options opts = {
        .format = format, .codec = LB_CODEC_ZSTD, .threads = 2, .dump_level = level};
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_error err;

    *out = temp_file(NULL);
    int fd = open(*out, O_WRONLY);
    struct lb_sink *sink = age_sink_on(fd, recipient);
    assert_int_equal(lb_source_open(core, &src, &err), 0);
    if (lb_write_sink(src, sink, &opts, &stats, &err) < 0)
        fail_msg("%s", err.msg);
    assert_false(stats.incomplete);
    sink->ops->free(sink);
    lb_source_close(src);
    close(fd);
}

static void dumps_read_back_in_place(void **state)
{
    char *core = write_core(), *kdump, *elf;

    (void)state;
    encrypted_dump(core, LB_FORMAT_KDUMP, 0, age_public, &kdump);
    same_frames(core, kdump, age_secret);
    encrypted_dump(core, LB_FORMAT_ELF, 0, ssh_public, &elf);
    same_frames(core, elf, ssh_secret);
    unlink(core), unlink(kdump), unlink(elf);
    free(core), free(kdump), free(elf);
}

static char *write_file(const char *core, unsigned caps, const char *recipient)
{
    struct lb_write_options opts = {
        .format = LB_FORMAT_KDUMP, .codec = LB_CODEC_ZSTD, .dump_level = 1};
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_error err;
    char *out = temp_file(NULL);
    int fd = open(out, O_WRONLY);
    struct lb_sink *sink = recipient ? age_sink_on(fd, recipient) : lb_sink_fd(fd, caps);

    assert_int_equal(lb_source_open(core, &src, &err), 0);
    if (lb_write_sink(src, sink, &opts, &stats, &err) < 0)
        fail_msg("%s", err.msg);
    sink->ops->free(sink);
    lb_source_close(src);
    close(fd);
    return out;
}

static void same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int ca, cb;
    long at = 0;

    do {
        ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb)
            fail_msg("%s and %s differ at byte %ld", a, b, at);
        at++;
    } while (ca != EOF);
    fclose(fa), fclose(fb);
}

/*
 * The same kdump file whichever output takes it: a file with holes, a device
 * (every byte written, each window's bitmap bytes included: the top frames'
 * bits were once zeroed there), an encryption (each byte written once,
 * header last), decrypted.  Memory ends at a frame that is not a multiple of 8.
 */
static void every_output_gets_the_same_kdump_file(void **state)
{
    static uint8_t notes[4096];
    static const char vmcoreinfo[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n";
    struct synth_segment segs[] = {{0x1000, 0x9f000, 0}, {0x100000, 0x6fd000, 0}};
    size_t len = synth_kernel_notes(notes, sizeof(notes), vmcoreinfo, 2);
    char *core = synth_core(segs, 2, notes, len), why[512];
    char *file = write_file(core, LB_SINK_HOLES, NULL), *device = write_file(core, 0, NULL);
    char *sealed = write_file(core, 0, age_public);
    char *opened = decrypt_to_file(sealed, age_secret, 0, why, sizeof(why));
    char *replayed = temp_file(NULL);
    int in = open(opened, O_RDONLY), out = open(replayed, O_WRONLY);
    uint64_t size;
    struct lb_error err;
    int cut;

    (void)state;
    same_bytes(file, device);
    /* decrypted, a flattened stream; replayed (makedumpfile -R, convert), the same file */
    assert_int_equal(lb_unflatten(in, out, &size, &cut, &err), 0);
    assert_false(cut);
    assert_int_equal(ftruncate(out, (off_t)size), 0);
    close(in), close(out);
    same_bytes(file, replayed);
    unlink(core), unlink(file), unlink(device), unlink(sealed), unlink(opened), unlink(replayed);
    free(core), free(file), free(device), free(sealed), free(opened), free(replayed);
}

/*
 * A target that takes the first `budget` bytes written to it, in the order
 * they come, and nothing after: what a disk holds when the writer is killed
 * (power lost, the capture's step deadline) at that moment.  The finish
 * never comes either.
 */
struct killed_sink {
    struct lb_sink base;
    struct lb_sink *lower;
    uint64_t budget;
};

static int killed_write(struct lb_sink *s, const void *buf, size_t len, uint64_t offset,
                        struct lb_error *err)
{
    struct killed_sink *k = (struct killed_sink *)s;
    size_t n = len < k->budget ? len : (size_t)k->budget;

    k->budget -= n;
    return n ? k->lower->ops->write(k->lower, buf, n, offset, err) : 0;
}

static int killed_finish(struct lb_sink *s, uint64_t size, int whole, struct lb_error *err)
{
    struct killed_sink *k = (struct killed_sink *)s;

    return k->budget ? k->lower->ops->finish(k->lower, size, whole, err) : 0;
}

static void killed_free(struct lb_sink *s)
{
    struct killed_sink *k = (struct killed_sink *)s;

    k->lower->ops->free(k->lower);
    free(k);
}

static const struct lb_sink_ops killed_ops = {killed_write, killed_finish, killed_free, NULL, NULL};

/* The encrypted dump of core as it is on the target when its writer dies after budget bytes. */
static char *killed_dump(const char *core, enum lb_format format, uint64_t budget)
{
    /* uncompressed: megabytes to cut in, not the kilobytes the synthetic pattern packs into */
    struct lb_write_options opts = {.format = format, .codec = LB_CODEC_NONE, .dump_level = 1};
    struct killed_sink *k = calloc(1, sizeof(*k));
    struct lb_age_recipient r;
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_sink *sink;
    struct lb_error err;
    char *out = temp_file(NULL);
    int fd = open(out, O_WRONLY);

    k->base.ops = &killed_ops;
    k->lower = lb_sink_fd(fd, 0);
    k->budget = budget;
    assert_int_equal(lb_age_recipient_parse(age_public, &r, &err), 0);
    assert_int_equal(lb_sink_age(&k->base, &r, 1, &sink, &err), 0);
    assert_int_equal(lb_source_open(core, &src, &err), 0);
    lb_write_sink(src, sink, &opts, &stats, &err);
    sink->ops->free(sink);
    lb_source_close(src);
    close(fd);
    return out;
}

/* Frames of the dump at path (opened with ids) that read back as the core's. */
static size_t frames_held(const char *core, const char *path, struct lb_age_identities *ids,
                          int *incomplete)
{
    struct lb_source *a, *b;
    struct lb_error err;
    uint8_t pa[4096], pb[4096], sa, sb;
    size_t n, held = 0;

    if (lb_source_open_age(path, ids, &b, &err) < 0)
        fail_msg("%s", err.msg);
    *incomplete = lb_source_incomplete(b);
    assert_int_equal(lb_source_open(core, &a, &err), 0);
    const struct lb_frame_run *runs = lb_source_frame_runs(a, &n);
    for (size_t i = 0; i < n; i++)
        for (uint64_t pfn = runs[i].first; pfn < runs[i].first + runs[i].count; pfn++) {
            lb_source_read_pages(a, pfn, 1, pa, &sa);
            lb_source_read_pages(b, pfn, 1, pb, &sb);
            if (sb != LB_PAGE_OK)
                continue;
            assert_memory_equal(pa, pb, sizeof(pa));
            held++;
        }
    lb_source_close(a);
    lb_source_close(b);
    return held;
}

/* Frames of path's own runs that fail to read (a cut dump has none: it ends where it was cut). */
static const uint8_t hole[4096]; /* a block whose write never finished */

static size_t frames_failed(const char *path, struct lb_age_identities *ids)
{
    struct lb_source *b;
    struct lb_error err;
    uint8_t page[4096], status;
    size_t n, failed = 0;

    if (lb_source_open_age(path, ids, &b, &err) < 0)
        fail_msg("%s", err.msg);
    const struct lb_frame_run *runs = lb_source_frame_runs(b, &n);
    for (size_t i = 0; i < n; i++)
        for (uint64_t pfn = runs[i].first; pfn < runs[i].first + runs[i].count; pfn++) {
            lb_source_read_pages(b, pfn, 1, page, &status);
            failed += status == LB_PAGE_FAILED;
        }
    lb_source_close(b);
    return failed;
}

/* A target that holds cap bytes: writes and reservations past them fail, as on a full disk. */
struct full_sink {
    struct lb_sink base;
    struct lb_sink *lower;
    uint64_t cap;
};

static int full_write(struct lb_sink *s, const void *buf, size_t len, uint64_t offset,
                      struct lb_error *err)
{
    struct full_sink *f = (struct full_sink *)s;

    if (offset + len > f->cap) {
        lb_error_setk(err, LB_ERR_NO_SPACE, "no space left (%llu bytes)",
                      (unsigned long long)f->cap);
        return -1;
    }
    return f->lower->ops->write(f->lower, buf, len, offset, err);
}

static int full_finish(struct lb_sink *s, uint64_t size, int whole, struct lb_error *err)
{
    struct full_sink *f = (struct full_sink *)s;

    return f->lower->ops->finish(f->lower, size, whole, err);
}

static void full_free(struct lb_sink *s)
{
    struct full_sink *f = (struct full_sink *)s;

    f->lower->ops->free(f->lower);
    free(f);
}

static int full_reserve(struct lb_sink *s, uint64_t offset, uint64_t len, struct lb_error *err)
{
    struct full_sink *f = (struct full_sink *)s;

    if (offset + len > f->cap) {
        lb_error_setk(err, LB_ERR_NO_SPACE, "no room for %llu bytes at %llu",
                      (unsigned long long)len, (unsigned long long)offset);
        return -1;
    }
    return 0;
}

static const struct lb_sink_ops full_ops = {full_write, full_finish, full_free, full_reserve, NULL};

/*
 * A target that fills up under an encrypted dump of one window (the log's
 * window, on a small machine): the room for the window's bitmap and the
 * headers was kept, so what was saved of it reads back.  (Over records with
 * no room kept, the bitmap found the target full: not a frame read.)
 */
static void a_full_target_keeps_room_for_an_encrypted_dumps_end(void **state)
{
    char *core = distinct_core(1, 4 << 20, 0), *path = temp_file(NULL);
    struct lb_age_identities *ids = identities(age_secret);
    struct lb_write_options opts = {
        .format = LB_FORMAT_KDUMP, .codec = LB_CODEC_NONE, .dump_level = 1};
    struct full_sink *f = calloc(1, sizeof(*f));
    struct lb_age_recipient r;
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_sink *sink;
    struct lb_error err;
    int fd = open(path, O_WRONLY), incomplete;

    (void)state;
    f->base.ops = &full_ops;
    f->lower = lb_sink_fd(fd, 0);
    f->cap = 2 << 20; /* of some 3 MiB */
    assert_int_equal(lb_age_recipient_parse(age_public, &r, &err), 0);
    assert_int_equal(lb_sink_age(&f->base, &r, 1, &sink, &err), 0);
    assert_int_equal(lb_source_open(core, &src, &err), 0);
    assert_int_equal(lb_write_sink(src, sink, &opts, &stats, &err), -1);
    assert_int_equal(err.kind, LB_ERR_NO_SPACE);
    assert_true(stats.incomplete);
    sink->ops->free(sink);
    lb_source_close(src);
    close(fd);
    size_t held = frames_held(core, path, ids, &incomplete);
    assert_true(incomplete);
    if (held < 256) /* 2 MiB of 3: over 400 of the 768 frames kept */
        fail_msg("a full target: %zu frames read back", held);
    lb_age_identities_free(ids);
    unlink(core), free(core), unlink(path), free(path);
}

/*
 * An encrypted dump killed midway opens, says it is incomplete, and every
 * frame it holds is the source's: cut at 3, 5 and 9 tenths of what the whole
 * one takes, in the kdump format and as ELF, from a core of 8 segments a
 * window apart (each window's descriptors, each ELF run's program header, is
 * written when it is done).  Written with its header held back for the end,
 * as it once was, none of the cut ones opened.
 */
static void a_killed_encrypted_dump_reads_up_to_its_cut(void **state)
{
    char *core = distinct_core(8, 768 << 10, 128 << 20);
    struct lb_age_identities *ids = identities(age_secret);
    const enum lb_format formats[] = {LB_FORMAT_KDUMP, LB_FORMAT_ELF};

    (void)state;
    for (size_t f = 0; f < 2; f++) {
        char *whole = killed_dump(core, formats[f], UINT64_MAX);
        struct stat st;
        int incomplete;
        size_t all = frames_held(core, whole, ids, &incomplete);

        assert_false(incomplete);
        assert_true(all > 0);
        assert_int_equal(stat(whole, &st), 0);
        for (int tenths = 3; tenths <= 9; tenths += tenths == 3 ? 2 : 4) {
            uint64_t budget = (uint64_t)st.st_size * (uint64_t)tenths / 10;
            char *cut = killed_dump(core, formats[f], budget);
            size_t held = frames_held(core, cut, ids, &incomplete);

            assert_true(incomplete);
            /* what reached the target is there, give or take the window or run cut through
             * (an eighth) and where the headers go */
            if (held * 10 < all * (size_t)(tenths - 3))
                fail_msg("format %d cut at %d/10: %zu of %zu frames read back", (int)formats[f],
                         tenths, held, all);
            /* a power cut's end: the file's size covers writes that never finished, zeros
             * (ext4's unwritten extents), megabytes of them: the same cut */
            struct stat cut_st;
            assert_int_equal(stat(cut, &cut_st), 0);
            assert_int_equal(truncate(cut, cut_st.st_size + (5 << 20) + 123), 0);
            assert_int_equal(frames_held(core, cut, ids, &incomplete), held);
            assert_true(incomplete);
            assert_int_equal(frames_failed(cut, ids), 0);
            /* decrypted as far as it goes (as age -d does) and replayed (convert -): the
             * same frames, and the kdump file's header says incomplete */
            char why[512], *clear = decrypt_to_file(cut, age_secret, -1, why, sizeof(why));
            char *replayed = temp_file(NULL);
            int in = open(clear, O_RDONLY), out = open(replayed, O_WRONLY), was_cut;
            uint64_t size;
            struct lb_error err;
            assert_int_equal(lb_unflatten(in, out, &size, &was_cut, &err), 0);
            assert_true(was_cut);
            assert_int_equal(ftruncate(out, (off_t)size), 0);
            close(in), close(out);
            assert_int_equal(frames_held(core, replayed, ids, &incomplete), held);
            if (formats[f] == LB_FORMAT_KDUMP)
                assert_true(incomplete);
            unlink(clear), free(clear), unlink(replayed), free(replayed);
            /* and writes finish in any order: a block of zeros three chunks before the end of
             * what was written cuts it there, never a chunk that fails in the middle */
            int fd = open(cut, O_WRONLY);
            assert_int_equal(pwrite(fd, hole, sizeof(hole), cut_st.st_size - 3 * (65536 + 16)),
                             (ssize_t)sizeof(hole));
            close(fd);
            assert_true(frames_held(core, cut, ids, &incomplete) <= held);
            assert_true(incomplete);
            assert_int_equal(frames_failed(cut, ids), 0);
            unlink(cut), free(cut);
        }
        unlink(whole), free(whole);
    }
    lb_age_identities_free(ids);
    unlink(core), free(core);
}

static void bad_keys_bytes_and_cuts_are_named(void **state)
{
    char *core = spread_core(48, 32 << 10, 1 << 20), *kdump, why[512];
    struct lb_age_identities *ids = identities(age_secret), *other = identities(other_secret);
    struct lb_source *src;
    struct lb_error err;
    struct stat st;

    (void)state;
    encrypted_dump(core, LB_FORMAT_ELF, 0, age_public, &kdump);
    /* no key, the wrong key */
    assert_int_equal(lb_source_open(kdump, &src, &err), -1);
    assert_non_null(strstr(err.msg, "--identity"));
    assert_int_equal(lb_source_open_age(kdump, other, &src, &err), -1);
    assert_non_null(strstr(err.msg, "none of the 1 identities"));
    /* a byte changed in the payload's third chunk */
    int fd = open(kdump, O_RDWR);
    uint8_t head[256], b;
    assert_int_equal(pread(fd, head, sizeof(head), 0), (ssize_t)sizeof(head));
    size_t payload = (size_t)((uint8_t *)memmem(head, sizeof(head), "\n---", 4) - head);
    payload += 4 + 1 + 43 + 1 + 16;
    off_t at = (off_t)payload + 2 * (65536 + 16) + 100;
    assert_int_equal(pread(fd, &b, 1, at), 1);
    b ^= 0x20;
    assert_int_equal(pwrite(fd, &b, 1, at), 1);
    char *out = decrypt_to_file(kdump, age_secret, -1, why, sizeof(why));
    assert_non_null(strstr(why, "chunk 2 (bytes 131072-196607"));
    unlink(out), free(out);
    b ^= 0x20;
    assert_int_equal(pwrite(fd, &b, 1, at), 1);
    /* cut in the middle of its fifth chunk: four whole chunks read, and it says it was cut;
     * as a dump, it holds the runs whose program header came before the cut */
    fstat(fd, &st);
    assert_int_equal(ftruncate(fd, (off_t)payload + 4 * (65536 + 16) + 500), 0);
    close(fd);
    out = decrypt_to_file(kdump, age_secret, -1, why, sizeof(why));
    assert_non_null(strstr(why, "cut short: 262144 bytes"));
    stat(out, &st);
    assert_int_equal(st.st_size, 4 * 65536);
    if (lb_source_open_age(kdump, ids, &src, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(lb_source_incomplete(src));
    lb_source_close(src);
    unlink(out), free(out);
    lb_age_identities_free(ids);
    lb_age_identities_free(other);
    unlink(core), unlink(kdump);
    free(core), free(kdump);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_parse_and_refuse),
        cmocka_unit_test(sink_takes_writes_in_any_order),
        cmocka_unit_test(dumps_read_back_in_place),
        cmocka_unit_test(every_output_gets_the_same_kdump_file),
        cmocka_unit_test(bad_keys_bytes_and_cuts_are_named),
        cmocka_unit_test(a_killed_encrypted_dump_reads_up_to_its_cut),
        cmocka_unit_test(a_full_target_keeps_room_for_an_encrypted_dumps_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
