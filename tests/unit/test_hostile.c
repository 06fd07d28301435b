/*
 * test_hostile.c - the engine against a crashed kernel's damaged structures.
 *
 * Each test builds the fake kernel of tests/common with one kind of damage a
 * crash (or an attacker who hands over a dump) can cause, and requires the
 * reader to stop with an error or a note that names it: never to write out
 * of bounds, recurse without end or spin for hours.  An alarm turns a hang
 * into a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/fake_kernel.h"
#include "../common/synth.h"
#include "cmd/commands.h"
#include "kernel/kernel.h"
#include "lbdump.h"

#include "fake_source.h"

/* Tokens that decode to 15 KiB each: the name must be refused, not copied. */
static void kallsyms_refuses_oversized_names(void **state)
{
    (void)state;
    const struct fake_symbol syms[] = {{"_stext", FAKE_KERNEL_VA + FAKE_STEXT}};
    struct lb_kallsyms *ks = NULL;
    struct lb_kernel *k;
    struct lb_error err;
    char *path;

    fake_kernel_init(mem);
    fake_kernel_symbols(mem, syms, 1);
    memset(mem + FAKE_TOKEN_INDEX, 0, 512); /* every token is token 0 */
    memset(mem + FAKE_TOKEN_TABLE, 'A', FAKE_OFFSETS - FAKE_TOKEN_TABLE); /* 15 KiB long */
    mem[FAKE_NAMES] = 100; /* 100 tokens: 1.5 MB of name */
    struct lb_source *src = open_fake(&path);
    assert_int_equal(lb_kernel_open(src, &k, &err), 0);
    assert_int_equal(lb_kallsyms_load(k, &ks, &err), -1);
    assert_non_null(strstr(err.msg, "symbol 0"));
    assert_non_null(strstr(err.msg, "token table is damaged"));
    assert_int_equal(lb_kallsyms_load_only(k, (const char *[]){"init_task"}, 1, &ks, &err), -1);
    lb_kernel_close(k);
    close_fake(src, path);
}

/* The triage of a fake kernel with ntasks tasks and the damage flags ask for; 3 s at most. */
static void triage_of_tasks(int ntasks, unsigned flags, struct lb_triage *t)
{
    char *path;

    fake_kernel_init(mem);
    fake_kernel_tasks(mem, ntasks, flags);
    struct lb_source *src = open_fake(&path);
    alarm(3);
    lb_triage(src, t);
    alarm(0);
    close_fake(src, path);
}

/* An undamaged fake kernel: the walk finds every task (the control for the ones below). */
static void tasks_walk_finds_every_task(void **state)
{
    (void)state;
    struct lb_triage t;

    triage_of_tasks(20, 0, &t);
    assert_int_equal(t.ntasks, 20);
    assert_string_equal(t.tasks[19].comm, "task19");
    assert_false(has_note(&t, "loops"));
    lb_triage_free(&t);
}

static void tasks_walk_stops_on_a_looping_process_list(void **state)
{
    (void)state;
    struct lb_triage t;

    triage_of_tasks(20, FAKE_LOOP_TASKS, &t);
    assert_true(has_note(&t, "task list loops"));
    assert_int_equal(t.ntasks, 20); /* each task once */
    lb_triage_free(&t);
}

/* A link broken in the middle: the tasks after it are found from the list's other end. */
static void tasks_walk_recovers_the_tail_of_a_broken_process_list(void **state)
{
    (void)state;
    struct lb_triage t;

    triage_of_tasks(20, FAKE_BREAK_TASKS, &t);
    assert_true(has_note(&t, "task list breaks"));
    assert_true(has_note(&t, "task list: 9 more found from its other end"));
    assert_int_equal(t.ntasks, 20);
    assert_string_equal(t.tasks[19].comm, "task19");
    lb_triage_free(&t);
}

/* 256 processes whose thread lists each loop: the whole walk is bounded, not each list. */
static void tasks_walk_stops_on_looping_thread_lists(void **state)
{
    (void)state;
    struct lb_triage t;

    triage_of_tasks(FAKE_MAX_TASKS, FAKE_LOOP_THREADS, &t);
    assert_true(has_note(&t, "thread list loops"));
    assert_int_equal(t.ntasks, FAKE_MAX_TASKS);
    lb_triage_free(&t);
}

/*
 * A struct that contains itself 8 times: the member search must neither
 * recurse without end nor take 8^depth steps for a name it does not find.
 */
static void tasks_survive_a_self_nested_btf_struct(void **state)
{
    (void)state;
    struct lb_triage t;

    triage_of_tasks(4, FAKE_SELF_NESTED_BTF, &t);
    assert_int_equal(t.ntasks, 4);
    lb_triage_free(&t);
}

/*
 * 20,000 PT_LOADs of one sub-page each, given in reverse order, one pair
 * overlapping: every lookup by address must be a search, not a scan (this
 * took 30 s before; a million would have taken days).
 */
static void many_segments_cost_log_time(void **state)
{
    (void)state;
    enum { N = 20000 };
    static struct synth_segment segs[N];
    uint8_t notes[4096];
    size_t nlen = synth_kernel_notes(notes, sizeof(notes), "OSRELEASE=6.1.0\nPAGESIZE=4096\n", 1);
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP, .dump_level = 1, .sparse = 1};
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_error err;
    uint8_t page[LB_PAGE_SIZE], status;

    for (size_t i = 0; i < N; i++)
        segs[i] = (struct synth_segment){.phys = (uint64_t)(N - i) * 2 * LB_PAGE_SIZE, .size = 64};
    segs[1].phys = segs[0].phys + 32; /* overlaps the one before, as /proc/vmcore's text does */
    char *path = synth_core(segs, N, notes, nlen);
    int out = memfd_create("out", 0);

    alarm(3);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    lb_source_read_pages(src, 4, 1, page, &status); /* frame 4: segment of phys 0x4000 */
    assert_int_equal(status, LB_PAGE_OK);
    assert_int_equal(page[0], synth_byte(4 * LB_PAGE_SIZE));
    assert_int_equal(page[64], 0);                  /* past the segment: zeros */
    lb_source_read_pages(src, 3, 1, page, &status); /* between segments: not in the dump */
    assert_int_equal(status, LB_PAGE_EXCLUDED);
    assert_int_equal(lb_write(src, out, &opts, &stats, &err), 0);
    assert_int_equal(stats.pages_total, N - 1); /* the overlapping pair shares a frame */
    opts.format = LB_FORMAT_ELF;
    assert_int_equal(lb_write(src, out, &opts, &stats, &err), 0);
    alarm(0);
    lb_source_close(src);
    close(out);
    unlink(path);
    free(path);
}

/* A header that makes every segment overlap every other: refused, by name. */
static void overlapping_segments_are_refused(void **state)
{
    (void)state;
    enum { N = 200 };
    static struct synth_segment segs[N];
    uint8_t notes[4096];
    size_t nlen = synth_kernel_notes(notes, sizeof(notes), "PAGESIZE=4096\n", 1);
    struct lb_source *src;
    struct lb_error err;

    for (size_t i = 0; i < N; i++)
        segs[i] = (struct synth_segment){.phys = i * 64, .size = 8192, .file_size = 64};
    char *path = synth_core(segs, N, notes, nlen);
    assert_int_equal(lb_source_open(path, &src, &err), -1);
    assert_non_null(strstr(err.msg, "overlap"));
    unlink(path);
    free(path);
}

/* How a dump written to fd holds frame pfn. */
static uint8_t frame_status(int fd, uint64_t pfn)
{
    uint8_t page[LB_PAGE_SIZE], status;
    struct lb_source *src;
    struct lb_error err;
    char path[64];

    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    lb_source_read_pages(src, pfn, 1, page, &status);
    lb_source_close(src);
    return status;
}

/* A hwpoisoned frame is never read, at any level, even when it also has a type. */
static void hwpoisoned_frames_are_left_out_at_every_level(void **state)
{
    (void)state;
    const unsigned levels[] = {0, 1, 31};
    uint64_t poisoned = 1ull << FAKE_PG_HWPOISON;
    uint32_t slab_type = 0xf0000000u; /* a typed page: kept at -d 31 but for the poison */
    char *path;

    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 4, 0); /* kallsyms: the text the classifier's check judges by */
    fake_kernel_mem_map(mem);
    memcpy(mem + FAKE_STRUCT_PAGES + 50 * 64, &poisoned, 8);
    memcpy(mem + FAKE_STRUCT_PAGES + 51 * 64, &poisoned, 8);
    memcpy(mem + FAKE_STRUCT_PAGES + 51 * 64 + 48, &slab_type, 4);
    memset(mem + 50 * LB_PAGE_SIZE, 0xaa, 2 * LB_PAGE_SIZE);
    struct lb_source *src = open_fake(&path);
    for (size_t i = 0; i < 3; i++)
        for (int f = 0; f < 2; f++) {
            struct lb_write_options opts = {.format = f ? LB_FORMAT_ELF : LB_FORMAT_KDUMP,
                                            .dump_level = levels[i],
                                            .sparse = 1};
            struct lb_write_stats stats;
            struct lb_error err;
            int out = memfd_create("out", 0);
            assert_int_equal(lb_write(src, out, &opts, &stats, &err), 0);
            /* ELF output maps the kernel image a second time: its frames count twice */
            assert_int_equal(stats.pages_class[LB_CLASS_HWPOISON], f ? 4 : 2);
            assert_int_equal(frame_status(out, 50), LB_PAGE_EXCLUDED);
            assert_int_equal(frame_status(out, 51), LB_PAGE_EXCLUDED);
            assert_int_equal(frame_status(out, 52), LB_PAGE_OK);
            close(out);
        }
    close_fake(src, path);
}

/* A dump of a running machine (no CPU panicking) says so instead of naming one. */
static void a_dump_without_a_panic_says_so(void **state)
{
    (void)state;
    int32_t none = -1;
    struct lb_triage t;
    char *path;

    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 4, 0);
    struct lb_source *src = open_fake(&path);
    lb_triage(src, &t);
    assert_int_equal(t.panicked, 1); /* panic_cpu is 0: CPU 0 panicked */
    lb_triage_free(&t);
    close_fake(src, path);
    memcpy(mem + FAKE_PANIC_CPU, &none, 4);
    src = open_fake(&path);
    lb_triage(src, &t);
    assert_int_equal(t.panicked, 0);
    assert_true(has_note(&t, "running machine"));
    lb_triage_free(&t);
    close_fake(src, path);
}

/* What 'lifeboat info' prints of a dump whose host name holds a terminal escape. */
static void info_escapes_terminal_control_bytes(void **state)
{
    (void)state;
    char out[8192] = "", *path;
    int fd = memfd_create("info", 0), saved = dup(STDOUT_FILENO);

    fake_kernel_init(mem);
    fake_kernel_tasks(mem, 4, 0);
    strcpy((char *)mem + FAKE_UTSNAME, "Linux");
    strcpy((char *)mem + FAKE_UTSNAME + 65, "evil\033]0;owned\007\033[2J");
    strcpy((char *)mem + FAKE_UTSNAME + 130, "6.1.0-fuzz"); /* VMCOREINFO's OSRELEASE */
    path = fake_kernel_core(mem);
    fflush(stdout);
    dup2(fd, STDOUT_FILENO);
    int r = cmd_info(2, (char *[]){"info", path, NULL});
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    assert_int_equal(r, 0);
    assert_true(pread(fd, out, sizeof(out) - 1, 0) > 0);
    close(fd);
    assert_non_null(strstr(out, "host evil\\x1b]0;owned\\x07\\x1b[2J"));
    assert_null(strchr(out, '\033'));
    unlink(path);
    free(path);
}

/* Errors carry a kind the caller can act on, and context goes in front. */
static void errors_have_kinds(void **state)
{
    (void)state;
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP, .dump_level = 31};
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_error err;
    char *path, dir[] = "/tmp/lifeboat-fifo-XXXXXX", fifo[64];

    fake_kernel_init(mem);
    src = open_fake(&path);
    int full = open("/dev/full", O_WRONLY);
    assert_int_equal(lb_write(src, full, &opts, &stats, &err), -1);
    assert_int_equal(err.kind, LB_ERR_NO_SPACE);
    assert_true(stats.incomplete);
    close(full);
    lb_error_prefix(&err, "target %d", 2);
    assert_int_equal(err.kind, LB_ERR_NO_SPACE);
    assert_int_equal(strncmp(err.msg, "target 2: write of", 18), 0);
    close_fake(src, path);

    /* a FIFO is refused at once, not waited on forever */
    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(3);
    assert_int_equal(lb_source_open(fifo, &src, &err), -1);
    alarm(0);
    assert_int_equal(err.kind, LB_ERR_INPUT_IO);
    assert_non_null(strstr(err.msg, "FIFO"));
    unlink(fifo);
    rmdir(dir);

    assert_int_equal(lb_source_open("/nonexistent/vmcore", &src, &err), -1);
    assert_int_equal(err.kind, LB_ERR_INPUT_IO);
}

/* An 8 KiB ELF with one page near 4 PiB: refused, not a 256 GiB sparse file. */
static void a_page_at_4_pib_is_refused(void **state)
{
    (void)state;
    struct synth_segment segs[] = {{0, 4096, 0}, {(1ull << 52) - 8192, 4096, 0}};
    uint8_t notes[4096];
    size_t nlen = synth_kernel_notes(notes, sizeof(notes), "PAGESIZE=4096\n", 1);
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP, .sparse = 1};
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_error err;
    struct stat st;
    char *path = synth_core(segs, 2, notes, nlen);
    int out = memfd_create("out", 0);

    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(lb_write(src, out, &opts, &stats, &err), -1);
    assert_non_null(strstr(err.msg, "bitmaps alone would take"));
    assert_int_equal(fstat(out, &st), 0);
    assert_true(st.st_size < (1 << 20));
    lb_source_close(src);
    close(out);
    unlink(path);
    free(path);
}

/* A source cut short gives a conversion that says it is cut short, in either format. */
static void a_cut_source_makes_an_incomplete_dump(void **state)
{
    (void)state;
    struct synth_segment segs[] = {{0x100000, 0x100000, 0}};
    uint8_t notes[4096];
    size_t nlen = synth_kernel_notes(notes, sizeof(notes), "PAGESIZE=4096\n", 1);
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_error err;
    struct stat st;
    char *path = synth_core(segs, 1, notes, nlen);

    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 0x80000), 0);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    for (int f = 0; f < 2; f++) {
        struct lb_write_options opts = {.format = f ? LB_FORMAT_ELF : LB_FORMAT_KDUMP, .sparse = 1};
        int out = memfd_create("out", 0);
        assert_int_equal(lb_write(src, out, &opts, &stats, &err), 0);
        assert_true(stats.incomplete);
        close(out);
    }
    lb_source_close(src);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kallsyms_refuses_oversized_names),
        cmocka_unit_test(tasks_walk_finds_every_task),
        cmocka_unit_test(tasks_walk_stops_on_a_looping_process_list),
        cmocka_unit_test(tasks_walk_recovers_the_tail_of_a_broken_process_list),
        cmocka_unit_test(tasks_walk_stops_on_looping_thread_lists),
        cmocka_unit_test(tasks_survive_a_self_nested_btf_struct),
        cmocka_unit_test(many_segments_cost_log_time),
        cmocka_unit_test(overlapping_segments_are_refused),
        cmocka_unit_test(hwpoisoned_frames_are_left_out_at_every_level),
        cmocka_unit_test(a_dump_without_a_panic_says_so),
        cmocka_unit_test(info_escapes_terminal_control_bytes),
        cmocka_unit_test(errors_have_kinds),
        cmocka_unit_test(a_page_at_4_pib_is_refused),
        cmocka_unit_test(a_cut_source_makes_an_incomplete_dump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
