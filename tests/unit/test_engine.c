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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lbdump.h"
#include "synth.h"

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
                        4, "not an ELF");
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

static void writer_round_trip_is_byte_identical(void **state)
{
    char *path = standard_core(), out[] = "/tmp/lifeboat-out-XXXXXX";
    struct lb_source *src, *copy;
    struct lb_write_options opts = {.sparse = 1};
    struct lb_write_stats stats;
    struct lb_error err;
    uint8_t a[4096], b[4096];
    size_t la, lb;
    struct stat st;
    int fd = mkstemp(out);

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write_elf(src, fd, &opts, &stats, &err), 0);
    close(fd);
    assert_int_equal(stats.pages_total, (0x9f000 + 0x300000) / 4096);
    assert_true(stats.pages_zero > 0);
    assert_int_equal(stats.pages_unreadable, 0);
    assert_int_equal(lb_source_open(out, &copy, &err), 0);
    assert_int_equal(lb_source_segment_count(copy), 2);
    const uint8_t *na = lb_source_notes(src, &la), *nb = lb_source_notes(copy, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(na, nb, la);
    for (size_t i = 0; i < 2; i++) {
        const struct lb_segment *s = lb_source_segment(src, i);
        for (uint64_t p = s->phys_addr; p < s->phys_addr + s->mem_size; p += 4096) {
            assert_int_equal(lb_source_read_phys(src, p, a, 4096, &err), 0);
            assert_int_equal(lb_source_read_phys(copy, p, b, 4096, &err), 0);
            assert_memory_equal(a, b, 4096);
        }
    }
    stat(out, &st);
    assert_int_equal((uint64_t)st.st_size, stats.output_size);
    /* zero pages are holes: fewer blocks than bytes */
    assert_true((uint64_t)st.st_blocks * 512 < stats.output_size);
    lb_source_close(copy);
    lb_source_close(src);
    unlink(out);
    unlink(path);
    free(path);
}

static void writer_reports_write_errors(void **state)
{
    char *path = standard_core();
    struct lb_source *src;
    struct lb_write_stats stats;
    struct lb_error err;
    int fd = open("/dev/full", O_WRONLY);

    (void)state;
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write_elf(src, fd, NULL, &stats, &err), -1);
    assert_non_null(strstr(err.msg, "No space left"));
    close(fd);
    lb_source_close(src);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vmcoreinfo_parses_keys_and_numbers),
        cmocka_unit_test(vmcoreinfo_rejects_empty_text),
        cmocka_unit_test(notes_walk_and_registers),
        cmocka_unit_test(notes_reject_sizes_past_the_end),
        cmocka_unit_test(source_reads_segments_and_memory),
        cmocka_unit_test(source_rejects_hostile_headers),
        cmocka_unit_test(source_keeps_truncated_segments),
        cmocka_unit_test(writer_round_trip_is_byte_identical),
        cmocka_unit_test(writer_reports_write_errors),
    };
    return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
