/*
 * test_redact.c - redaction on the fake kernel of tests/common: the names
 * class erases every task's comm and the host's names, in what the source
 * gives and in the dump written from it, never in the source's file; the
 * dump says what was redacted; a class this kernel's BTF cannot find fails,
 * naming what it lacks, and leaves the source as it was; hostile task lists
 * (a loop) end within the budgets; sleeping tasks' stacks are erased below
 * their saved sp (task_struct.on_cpu an int or 7.x's u8); open files' path
 * names and UNIX sockets' names are erased, each once, in looping dentries too;
 * a tty's buffers (queued, free, N_TTY's, its and its pty peer's write
 * buffers) are erased, in looping buffer chains too; a TCP socket's write
 * queue and its retransmit and out-of-order rb-trees are erased, a looping
 * tree ends and is named.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/fake_files.h"
#include "../common/fake_kernel.h"
#include "../common/fake_net.h"
#include "lbdump.h"

#include "fake_source.h"
#include "redact_report.h"

enum { NTASKS = 6 };

static void plant(unsigned flags)
{
    fake_kernel_init(mem);
    fake_kernel_tasks(mem, NTASKS, flags);
    memcpy(mem + FAKE_UTSNAME + 65, "secret-host", 11);
    memcpy(mem + FAKE_UTSNAME + 5 * 65, "secret.example", 14);
}

static void read_comm(struct lb_source *src, int task, char *comm)
{
    struct lb_error err;
    assert_int_equal(
        lb_source_read_phys(src, FAKE_TASKS + (uint64_t)task * FAKE_TASK_SIZE + 24, comm, 16, &err),
        0);
}

static int erased(const struct lb_redaction_report *r, const char *type, uint64_t *count)
{
    const struct lb_redacted *it = redact_report_item(r, type);
    if (it)
        *count = it->count;
    return it != NULL;
}

static void parse_classes(void **state)
{
    struct lb_error err;
    unsigned c;
    char text[64];

    (void)state;
    assert_int_equal(lb_redact_parse("keys,user-data,names", &c, &err), 0);
    assert_int_equal(c, LB_REDACT_ALL);
    assert_int_equal(lb_redact_parse("names", &c, &err), 0);
    assert_int_equal(c, LB_REDACT_NAMES);
    assert_int_equal(lb_redact_parse("all", &c, &err), 0);
    assert_int_equal(c, LB_REDACT_ALL);
    assert_int_equal(lb_redact_parse("keys,passwords", &c, &err), -1);
    assert_non_null(strstr(err.msg, "\"passwords\" is no class"));
    assert_int_equal(lb_redact_parse("", &c, &err), -1);
    lb_redact_format(LB_REDACT_KEYS | LB_REDACT_NAMES, text, sizeof(text));
    assert_string_equal(text, "keys,names");
}

/* names: comms and host names read as zeros, everything else as it was; the report says so. */
static void names_are_erased(void **state)
{
    struct lb_redaction_report r;
    struct lb_error err;
    char *path, comm[16], host[65], release[65];
    uint64_t count;

    (void)state;
    plant(0);
    struct lb_source *src = open_fake(&path);
    read_comm(src, 3, comm);
    assert_string_equal(comm, "task3");
    assert_int_equal(lb_source_redaction(src, &r), 0);
    int r_ = lb_source_redact(src, LB_REDACT_NAMES, &err);
    if (r_)
        print_error("%s\n", err.msg);
    assert_int_equal(r_, 0);
    for (int i = 0; i < NTASKS; i++) {
        read_comm(src, i, comm);
        assert_memory_equal(comm, (char[16]){0}, 16);
    }
    assert_int_equal(lb_source_read_phys(src, FAKE_UTSNAME + 65, host, 65, &err), 0);
    assert_memory_equal(host, (char[65]){0}, 65);
    assert_int_equal(lb_source_read_phys(src, FAKE_UTSNAME + 5 * 65, host, 65, &err), 0);
    assert_memory_equal(host, (char[65]){0}, 65);
    /* the pid beside the comm, and the release beside the names, stay */
    int32_t pid;
    assert_int_equal(lb_source_read_phys(src, FAKE_TASKS + 3 * FAKE_TASK_SIZE + 16, &pid, 4, &err),
                     0);
    assert_int_equal(pid, 3);
    assert_int_equal(lb_source_read_phys(src, FAKE_UTSNAME + 2 * 65, release, 65, &err), 0);
    assert_memory_equal(release, mem + FAKE_UTSNAME + 2 * 65, 65);

    assert_int_equal(lb_source_redaction(src, &r), 1);
    assert_int_equal(r.classes, LB_REDACT_NAMES);
    assert_true(erased(&r, "task_struct.comm", &count));
    assert_int_equal(count, NTASKS);
    assert_true(erased(&r, "init_uts_ns.name.nodename", &count));
    assert_true(r.nnot_found > 0); /* command lines, file names: named, not passed over */
    assert_true(r.ranges > 0);
    const uint8_t *pairs;
    assert_true(lb_source_redacted_ranges(src, &pairs) == r.ranges);

    /* the triage reads through the redaction: no name left in it */
    struct lb_triage t;
    lb_triage(src, &t);
    assert_int_equal(t.ntasks, NTASKS);
    assert_string_equal(t.tasks[3].comm, "");
    assert_string_equal(t.nodename, "");
    lb_triage_free(&t);
    close_fake(src, path);
}

/* The dump written from a redacted source: a new file, redacted, saying so; the source untouched.
 */
static void dump_written_is_redacted(void **state)
{
    struct lb_write_options opts = {
        .format = LB_FORMAT_KDUMP, .codec = LB_CODEC_ZSTD, .redact = LB_REDACT_NAMES};
    struct lb_redaction_report r;
    struct lb_write_stats stats;
    struct lb_error err;
    char *path, out[] = "/tmp/lifeboat-redact-XXXXXX", comm[16];
    struct lb_source *dump;

    (void)state;
    plant(0);
    struct lb_source *src = open_fake(&path);
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    assert_int_equal(lb_write(src, fd, &opts, &stats, &err), 0);
    close(fd);
    assert_true(stats.redacted);
    assert_int_equal(stats.redaction.classes, LB_REDACT_NAMES);
    assert_int_equal(lb_source_open(out, &dump, &err), 0);
    read_comm(dump, 2, comm);
    assert_memory_equal(comm, (char[16]){0}, 16);
    assert_int_equal(lb_source_redaction(dump, &r), 1);
    assert_int_equal(r.classes, LB_REDACT_NAMES);
    assert_int_equal(r.nerased, stats.redaction.nerased);
    /* its note claims names were erased: asked again, the walk is done again all the same */
    assert_int_equal(lb_source_redacting(dump), 0);
    fd = open("/dev/null", O_WRONLY);
    assert_int_equal(lb_write(dump, fd, &opts, &stats, &err), 0);
    close(fd);
    assert_int_equal(lb_source_redacting(dump), LB_REDACT_NAMES);
    /* redacted again into a file: one list of ranges, holding the first's */
    const uint8_t *pairs;
    size_t first = lb_source_redacted_ranges(dump, &pairs);
    char again[] = "/tmp/lifeboat-redact-XXXXXX";
    fd = mkstemp(again);
    assert_true(fd >= 0 && first > 0);
    assert_int_equal(lb_write(dump, fd, &opts, &stats, &err), 0);
    close(fd);
    lb_source_close(dump);
    assert_int_equal(lb_source_open(again, &dump, &err), 0);
    assert_true(lb_source_redacted_ranges(dump, &pairs) >= first);
    size_t len, pos = 0, lists = 0;
    const uint8_t *notes = lb_source_notes(dump, &len);
    struct lb_note note;
    while (lb_note_next(notes, len, &pos, &note, &err) == 1)
        lists += note.type == LB_NOTE_REDACT_RANGES && strcmp(note.name, LB_NOTE_NAME) == 0;
    assert_int_equal(lists, 1);
    lb_source_close(dump);
    unlink(again);
    unlink(out);
    close_fake(src, path);

    /* the file it came from still holds the names */
    plant(0);
    src = open_fake(&path);
    read_comm(src, 2, comm);
    assert_string_equal(comm, "task2");
    close_fake(src, path);
}

/* keys needs types the fake's BTF lacks: the redaction fails, naming them. */
static void missing_types_fail(void **state)
{
    struct lb_write_options opts = {.format = LB_FORMAT_ELF, .redact = LB_REDACT_KEYS};
    struct lb_write_stats stats;
    struct lb_redaction_report r;
    struct lb_error err;
    char *path, comm[16];

    (void)state;
    plant(0);
    struct lb_source *src = open_fake(&path);
    assert_int_equal(lb_source_redact(src, LB_REDACT_NAMES | LB_REDACT_KEYS, &err), -1);
    assert_non_null(strstr(err.msg, "cannot redact: keys: the kernel's BTF has no key"));
    assert_int_equal(lb_source_redaction(src, &r), 0); /* left as it was */
    read_comm(src, 1, comm);
    assert_string_equal(comm, "task1");
    /* a writer asked to redact writes nothing */
    int fd = open("/dev/null", O_WRONLY);
    assert_int_equal(lb_write(src, fd, &opts, &stats, &err), -1);
    close(fd);
    assert_int_equal(stats.bytes_written, 0);
    close_fake(src, path);
}

/* A looping task list ends (the triage's budgets); what the walk missed is named. */
static void hostile_task_list(void **state)
{
    struct lb_redaction_report r;
    struct lb_error err;
    char *path;

    (void)state;
    plant(FAKE_LOOP_TASKS | FAKE_LOOP_THREADS | FAKE_SELF_NESTED_BTF);
    struct lb_source *src = open_fake(&path);
    assert_int_equal(lb_source_redact(src, LB_REDACT_NAMES, &err), 0);
    assert_int_equal(lb_source_redaction(src, &r), 1);
    int named = 0;
    for (size_t i = 0; i < r.nnot_found; i++)
        named |= strstr(r.not_found[i], "loops") != NULL;
    assert_true(named);
    close_fake(src, path);
}

/* A task's stack and its saved sp: the dead part below the sp, as its syscalls left it. */
static void give_stack(int task, uint64_t stack, uint8_t on_cpu, uint8_t on_rq)
{
    uint64_t at = FAKE_TASKS + (uint64_t)task * FAKE_TASK_SIZE;
    uint64_t base = FAKE_KERNEL_VA + stack, sp = base + 0x800;

    memcpy(mem + at + 80, &base, 8);
    memcpy(mem + at + 96, &sp, 8);
    mem[at + 88] = on_cpu;
    mem[at + 89] = on_rq;
    memset(mem + stack, 'S', 4096);
}

/* Sleeping tasks' stacks are erased below their saved sp, a running task's left whole, whether
   on_cpu is an int (6.x) or a u8 beside on_rq (7.x: on_rq's byte is no on_cpu). */
static void dead_stacks(void **state)
{
    static const unsigned shapes[] = {0, FAKE_ON_CPU_U8};
    uint8_t buf[4096], zeros[4096] = {0};
    struct lb_error err;
    char *path;

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        plant(shapes[i]);
        give_stack(2, 0x21000, 0, shapes[i] ? 1 : 0); /* asleep (on a runqueue in 7.x) */
        give_stack(3, 0x22000, 1, 0);                 /* running */
        struct lb_source *src = open_fake(&path);
        int r = lb_source_redact(src, LB_REDACT_NAMES, &err);
        if (r)
            print_error("%s\n", err.msg);
        assert_int_equal(r, 0);
        assert_int_equal(lb_source_read_phys(src, 0x21000, buf, 4096, &err), 0);
        assert_memory_equal(buf, "SSSSSSSS", 8);                /* STACK_END_MAGIC's word */
        assert_memory_equal(buf + 8, zeros, 0x800 - 8);         /* dead */
        assert_memory_equal(buf + 0x800, mem + 0x21800, 0x800); /* live, from the sp up */
        assert_int_equal(lb_source_read_phys(src, 0x22000, buf, 4096, &err), 0);
        assert_memory_equal(buf, mem + 0x22000, 4096);
        close_fake(src, path);
    }
}

static void put64(uint64_t at, uint64_t v)
{
    memcpy(mem + at, &v, 8);
}

static void put32(uint64_t at, uint32_t v)
{
    memcpy(mem + at, &v, 4);
}

static void put16(uint64_t at, uint16_t v)
{
    memcpy(mem + at, &v, 2);
}

/* Task 2 has open files: /home/secret-a.txt, a UNIX socket, a tty pair (fake_files.h). */
static void plant_files(void)
{
    plant(0);
    fake_kernel_files(mem);
}

static void assert_zeros(struct lb_source *src, uint64_t at, size_t len)
{
    uint8_t buf[64] = {0}, zeros[64] = {0};
    struct lb_error err;
    assert_int_equal(lb_source_read_phys(src, at, buf, len, &err), 0);
    assert_memory_equal(buf, zeros, len);
}

/* names: an open file's path, each component once, and a UNIX socket's address and path. */
static void open_file_names(void **state)
{
    struct lb_redaction_report r;
    struct lb_error err;
    uint64_t count, parent;
    char *path;

    (void)state;
    plant_files();
    struct lb_source *src = open_fake(&path);
    int ok = lb_source_redact(src, LB_REDACT_NAMES, &err);
    if (ok)
        print_error("%s\n", err.msg);
    assert_int_equal(ok, 0);
    assert_zeros(src, NAMES, 1);
    assert_zeros(src, NAMES + 0x10, 4);
    assert_zeros(src, NAMES + 0x20, 12);
    assert_zeros(src, NAMES + 0x40, 11);
    assert_zeros(src, UADDR + 8, 14);
    /* the structures stay walkable: the dentries' links, the address's length */
    assert_int_equal(lb_source_read_phys(src, DENTRY_A + 24, &parent, 8, &err), 0);
    assert_int_equal(parent, FAKE_KERNEL_VA + DIR_A);
    assert_int_equal(lb_source_redaction(src, &r), 1);
    assert_true(erased(&r, "dentry.d_name (open files' paths)", &count));
    assert_int_equal(count, 4); /* secret-a.txt, home, /, sock-secret: / once */
    assert_true(erased(&r, "unix_address.name (UNIX sockets' names)", &count));
    assert_int_equal(count, 1);
    close_fake(src, path);

    /* hostile: a dentry whose parents loop, a name of absurd length; the walk ends */
    plant_files();
    put64(ROOT + 24, FAKE_KERNEL_VA + DENTRY_A); /* / -> secret-a.txt -> home -> / ... */
    put32(DIR_A + 36, 1u << 30);
    src = open_fake(&path);
    assert_int_equal(lb_source_redact(src, LB_REDACT_NAMES, &err), 0);
    assert_zeros(src, NAMES + 0x20, 12);
    assert_int_equal(lb_source_read_phys(src, NAMES + 0x10, &parent, 4, &err), 0);
    assert_memory_equal(&parent, "home", 4); /* an absurd length: not erased */
    assert_int_equal(lb_source_redaction(src, &r), 1);
    assert_true(erased(&r, "dentry.d_name (open files' paths)", &count));
    assert_int_equal(count, 3);
    close_fake(src, path);
}

/* user-data: a tty's queued and free buffers, N_TTY's, the write buffers of it and its peer. */
static void tty_buffers(void **state)
{
    struct lb_redaction_report r;
    struct lb_error err;
    uint64_t count;
    uint8_t buf[8];
    char *path;

    (void)state;
    plant_files();
    struct lb_source *src = open_fake(&path);
    int ok = lb_source_redact(src, LB_REDACT_USER_DATA, &err);
    if (ok)
        print_error("%s\n", err.msg);
    assert_int_equal(ok, 0);
    assert_zeros(src, TB1 + 32, 16);
    assert_zeros(src, TB2 + 32, 8);
    assert_int_equal(lb_source_read_phys(src, TB2 + 40, buf, 8, &err), 0);
    assert_memory_equal(buf, "ffffffff", 8);
    assert_zeros(src, NTD + 8, FAKE_N_TTY_BUF);
    assert_zeros(src, NTD + 8 + FAKE_N_TTY_BUF, FAKE_N_TTY_BUF);
    assert_int_equal(lb_source_read_phys(src, NTD, buf, 8, &err), 0);
    assert_memory_equal(buf, "nnnnnnnn", 8); /* n_tty_data's other members */
    assert_zeros(src, WB, 16);
    assert_zeros(src, WB2, 8);
    assert_int_equal(lb_source_redaction(src, &r), 1);
    assert_true(erased(&r, "tty_buffer.data (ttys' queues)", &count));
    assert_int_equal(count, 2);
    assert_true(erased(&r, "tty_struct.write_buf", &count));
    assert_int_equal(count, 2);
    close_fake(src, path);

    /* hostile: a queue looping on itself, a free list back into it, an absurd size; it ends */
    plant_files();
    put64(TB1, FAKE_KERNEL_VA + TB1);
    put64(TB2, FAKE_KERNEL_VA + TB1);
    put32(TB2 + 12, 1u << 30);
    src = open_fake(&path);
    assert_int_equal(lb_source_redact(src, LB_REDACT_USER_DATA, &err), 0);
    assert_zeros(src, TB1 + 32, 16);
    assert_int_equal(lb_source_read_phys(src, TB2 + 32, buf, 8, &err), 0);
    assert_memory_equal(buf, "ffffffff", 8);
    close_fake(src, path);
}

/* sk_buffs in fake memory no other object uses: a head each, 16 bytes of data. */
enum { SKB_W = 0x22800, SKB_R1 = 0x22840, SKB_R2 = 0x22880, SKB_O = 0x228c0, SKB_DATA = 0x22900 };

static void plant_skb(uint64_t skb, int i, char fill)
{
    put64(skb + 16, FAKE_KERNEL_VA + SKB_DATA + (uint64_t)i * 0x40);
    put32(skb + 24, 16);
    memset(mem + SKB_DATA + i * 0x40, fill, 16);
}

/* user-data: a TCP socket's write queue, retransmit tree (two) and out-of-order tree. */
static void tcp_queues(void **state)
{
    struct lb_redaction_report r;
    struct lb_error err;
    uint64_t count;
    char *path;

    (void)state;
    plant_files();
    fake_kernel_net(mem);
    put64(SK_K + 24, FAKE_KERNEL_VA + SKB_W); /* write queue: one */
    put64(SKB_W, FAKE_KERNEL_VA + SK_K + 24);
    put64(SK_K + 56, FAKE_KERNEL_VA + SKB_R1); /* retransmit tree: R1, R2 on its right */
    put64(SKB_R1, FAKE_KERNEL_VA + SKB_R2);
    put64(SK_K + 152, FAKE_KERNEL_VA + SKB_O); /* out of order: one */
    plant_skb(SKB_W, 0, 'w');
    plant_skb(SKB_R1, 1, 'r');
    plant_skb(SKB_R2, 2, 's');
    plant_skb(SKB_O, 3, 'o');
    struct lb_source *src = open_fake(&path);
    int ok = lb_source_redact(src, LB_REDACT_USER_DATA, &err);
    if (ok)
        print_error("%s\n", err.msg);
    assert_int_equal(ok, 0);
    for (int i = 0; i < 4; i++)
        assert_zeros(src, SKB_DATA + (uint64_t)i * 0x40, 16);
    assert_int_equal(lb_source_redaction(src, &r), 1);
    assert_true(erased(&r, "sk_buff head (send and TCP queues)", &count));
    assert_int_equal(count, 4);
    close_fake(src, path);

    /* a raw socket of protocol 6 (no tcp_sock: its trees' words are another object's): its
       queues are walked, the trees not */
    put16(SK_K + 22, 3); /* SOCK_RAW */
    src = open_fake(&path);
    assert_int_equal(lb_source_redact(src, LB_REDACT_USER_DATA, &err), 0);
    assert_zeros(src, SKB_DATA, 16);
    assert_int_equal(lb_source_redaction(src, &r), 1);
    assert_true(erased(&r, "sk_buff head (send and TCP queues)", &count));
    assert_int_equal(count, 1);
    close_fake(src, path);
    put16(SK_K + 22, 1);

    /* hostile: R2's left child is R1 again; the walk ends, said */
    put64(SKB_R2 + 8, FAKE_KERNEL_VA + SKB_R1);
    src = open_fake(&path);
    assert_int_equal(lb_source_redact(src, LB_REDACT_USER_DATA, &err), 0);
    assert_zeros(src, SKB_DATA + 0x40, 16);
    assert_int_equal(lb_source_redaction(src, &r), 1);
    assert_true(redact_report_says(&r, "not a sane rb-tree"));
    close_fake(src, path);
}

int main(void)
{
    (void)has_note;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_classes),
        cmocka_unit_test(names_are_erased),
        cmocka_unit_test(dump_written_is_redacted),
        cmocka_unit_test(missing_types_fail),
        cmocka_unit_test(hostile_task_list),
        cmocka_unit_test(dead_stacks),
        cmocka_unit_test(open_file_names),
        cmocka_unit_test(tty_buffers),
        cmocka_unit_test(tcp_queues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
