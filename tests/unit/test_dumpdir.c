/*
 * test_dumpdir.c - the dump directory (src/dumpdir), on files: its name never
 * reused, rotation that removes only lifeboat's own old complete dumps, the
 * steps that fill it and the metadata that counts what it holds, and reading
 * dump directories back (list) bounded, with what a dump says escaped.
 */
#include <dirent.h>
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

#include "capture/capture.h"
#include "cmd/commands.h"
#include "config/config.h"
#include "dumpdir/dumpdir.h"
#include "dumpdir/dumps.h"
#include "dumpdir/place.h"
#include "dumpdir/steps.h"
#include "lbdump.h"
#include "targets/target.h"
#include "render/json.h"
#include "tools/verify.h"

#include "capture_fixtures.h"

static void dumpdir_never_reuses_a_name(void **state)
{
    char *dir = make_tempdir(), path[512];
    struct dumpdir a, b;
    struct stat st;

    (void)state;
    assert_int_equal(dumpdir_create(&a, dir, 1700000000, "host"), 0);
    assert_string_equal(a.name, "20231114-221320-host");
    assert_string_equal(a.temp, ".partial-20231114-221320-host");
    assert_int_equal(dumpdir_finish(&a, 0), 0);
    assert_string_equal(a.name, "20231114-221320-host.incomplete");
    /* the incomplete one keeps its name: the next capture takes another */
    assert_int_equal(dumpdir_create(&b, dir, 1700000000, "host"), 0);
    assert_string_equal(b.name, "20231114-221320-host-2");
    assert_int_equal(dumpdir_finish(&b, 1), 0);
    snprintf(path, sizeof(path), "%s/20231114-221320-host-2", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    dumpdir_close(&a);
    dumpdir_close(&b);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
    free(dir);
}

/* list: newest first, complete or not from the metadata, nothing from a link or a stray file. */
static void list_reads_dump_directories_bounded(void **state)
{
    char *dir = strdup("/tmp/lb-list-XXXXXX"), path[600];
    struct dump_list l = {0};
    FILE *f;
    (void)state;

    assert_non_null(mkdtemp(dir));
    make_dump(dir, "20260102-030405-web1", "complete");
    make_dump(dir, "20260203-000000-web1.incomplete", "incomplete");
    make_dump(dir, "20250101-000000-web1", "complete");
    make_dump(dir, ".partial-20260301-000000-web1", "writing"); /* the power went */
    snprintf(path, sizeof(path), "%s/20260102-030405-web1/info.json", dir);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f,
            "{\n  \"panic\": \"sysrq triggered crash \\u0001\\\"x\\\"\",\n  \"panic_cpu\": 0\n}\n");
    fclose(f);
    snprintf(path, sizeof(path), "%s/20270101-000000-link", dir);
    assert_int_equal(symlink("/etc", path), 0);
    snprintf(path, sizeof(path), "%s/not-a-dump", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(dumps_scan(dir, &l), 0);
    dumps_sort(&l);
    assert_int_equal(l.n, 4);
    assert_non_null(strstr(l.e[0].path, "/.partial-20260301-000000-web1"));
    assert_false(l.e[0].complete);
    assert_string_equal(l.e[0].status, "interrupted");
    assert_non_null(strstr(l.e[1].path, "20260203-000000-web1.incomplete"));
    assert_false(l.e[1].complete);
    assert_non_null(strstr(l.e[2].path, "20260102-030405-web1"));
    assert_true(l.e[2].complete);
    assert_string_equal(l.e[2].panic, "sysrq triggered crash ?\"x\"");
    assert_string_equal(l.e[2].host, "h");
    assert_non_null(strstr(l.e[3].path, "20250101"));
    dumps_free(&l);
    remove_tree(dir);
}

/* What cmd_list printed on its standard output, run with args. */
static char *list_output(char **args, int n)
{
    static char out[8192];
    char path[] = "/tmp/lb-list-out-XXXXXX";
    int fd = mkstemp(path), saved = dup(1);
    ssize_t len;

    assert_true(fd >= 0 && saved >= 0);
    fflush(stdout);
    dup2(fd, 1);
    optind = 0;
    int r = cmd_list(n, args);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    assert_int_equal(r, 0);
    len = pread(fd, out, sizeof(out) - 1, 0);
    assert_true(len > 0);
    out[len] = '\0';
    close(fd);
    unlink(path);
    return out;
}

/* list prints what a dump says on one line of its own: control bytes escaped; JSON stays JSON. */
static void list_escapes_what_a_dump_says(void **state)
{
    char *dir = make_forged_dump(), conf[600], *out;
    FILE *f;
    (void)state;

    snprintf(conf, sizeof(conf), "%s/lifeboat.conf", dir);
    assert_non_null(f = fopen(conf, "w"));
    fprintf(f, "target dir %s\n", dir);
    fclose(f);
    char *text_args[] = {"list", "-c", conf, NULL};
    out = list_output(text_args, 3);
    assert_null(strstr(out, "\nlifeboat: forged"));
    assert_non_null(strstr(out, "not syncing: x\\x0alifeboat: forged\n"));
    assert_null(strchr(out, '\x1b'));
    assert_non_null(strstr(out, "web\\x1b[2J1"));
    char *json_args[] = {"list", "-c", conf, "--json", NULL};
    out = list_output(json_args, 4);
    assert_non_null(strstr(out, "\"panic\": \"Kernel panic - not syncing: x\\nlifeboat: forged\""));
    assert_non_null(strstr(out, "\"host\": \"web\\u001b[2J1\""));
    unlink(conf);
    remove_tree(dir);
}

/* json_find_string stops at the text's end and at the buffer's. */
static void json_reader_is_bounded(void **state)
{
    char out[8];
    (void)state;

    assert_int_equal(json_find_string("{\"a\": \"unterminated \\", "a", out, sizeof(out)), 0);
    assert_string_equal(out, "untermi");
    assert_int_equal(json_find_string("{\"a\": \"x\\u12", "a", out, sizeof(out)), 0);
    assert_int_equal(json_find_string("{\"b\": 1}", "a", out, sizeof(out)), -1);
}

static void rotation_removes_oldest_complete_dumps_only(void **state)
{
    char *dir = make_tempdir(), path[600];
    const char *names[] = {"20200101-000000-h",
                           "20210101-000000-h",
                           "20220101-000000-h",
                           "20230101-000000-h",
                           "20190101-000000-h.incomplete",
                           ".partial-20180101-000000-h",
                           "unrelated"};

    (void)state;
    for (size_t i = 0; i < 4; i++)
        make_dump(dir, names[i], "complete");
    for (size_t i = 4; i < 7; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        assert_int_equal(mkdir(path, 0700), 0);
    }
    dumpdir_rotate(dir, "20230101-000000-h", 2, 0); /* the new one and one more */
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(exists(dir, names[i]), i >= 2);     /* the two oldest complete are gone */
    dumpdir_rotate(dir, "20230101-000000-h", 0, UINT64_MAX); /* no space is ever enough */
    assert_false(exists(dir, "20220101-000000-h"));
    assert_true(exists(dir, "20230101-000000-h")); /* never the new one */
    assert_true(exists(dir, "20190101-000000-h.incomplete"));
    remove_tree(dir);
}

/* Calls dumpdir_rotate_dry with its stderr into text (len bytes). */
static void rotate_dry_said(const char *dir, unsigned keep, uint64_t min_free, uint64_t bytes,
                            char *text, size_t len)
{
    FILE *f = tmpfile();
    int saved = dup(2);
    size_t n;

    assert_non_null(f);
    fflush(stderr);
    dup2(fileno(f), 2);
    dumpdir_rotate_dry(dir, keep, min_free, bytes);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    n = fread(text, 1, len - 1, f);
    text[n] = '\0';
    fclose(f);
}

/* A rehearsal's rotation: what a crash now would remove, said, and nothing removed. */
static void rotation_rehearsed_removes_nothing(void **state)
{
    char *dir = make_tempdir(), said[4096];

    (void)state;
    make_dump(dir, "20200101-000000-h", "complete");
    make_dump(dir, "20210101-000000-h", "complete");
    make_dump(dir, "20220101-000000-h", "complete");
    /* keep 2: the crash's dump and the newest; the two oldest would go */
    rotate_dry_said(dir, 2, 0, 1 << 20, said, sizeof(said));
    assert_non_null(strstr(said, "would remove the old dump 20200101-000000-h"));
    assert_non_null(strstr(said, "would remove the old dump 20210101-000000-h"));
    assert_null(strstr(said, "20220101-000000-h"));
    assert_true(exists(dir, "20200101-000000-h") && exists(dir, "20210101-000000-h") &&
                exists(dir, "20220101-000000-h"));
    /* keep 4: room for the crash's dump with the three; nothing would go */
    rotate_dry_said(dir, 4, 0, 1 << 20, said, sizeof(said));
    assert_null(strstr(said, "would remove"));
    /* no space is ever enough: every old one would go, still none does */
    rotate_dry_said(dir, 0, UINT64_MAX, 1 << 20, said, sizeof(said));
    assert_non_null(strstr(said, "would remove the old dump 20220101-000000-h"));
    assert_true(exists(dir, "20220101-000000-h"));
    remove_tree(dir);
}

static void rotation_keep_1_keeps_only_the_new_dump(void **state)
{
    char *dir = make_tempdir();

    (void)state;
    make_dump(dir, "20200101-000000-h", "complete");
    make_dump(dir, "20210101-000000-h", "complete");
    dumpdir_rotate(dir, "20210101-000000-h", 1, 0);
    assert_false(exists(dir, "20200101-000000-h"));
    assert_true(exists(dir, "20210101-000000-h"));
    remove_tree(dir);
}

/* Planted names: a symlink, a far-future fake, a directory without lifeboat's files. */
static void rotation_cannot_be_tricked(void **state)
{
    char *dir = make_tempdir(), *victim = make_tempdir(), path[600], link[600];

    (void)state;
    make_dump(victim, "x", "complete");
    snprintf(path, sizeof(path), "%s/x", victim);
    snprintf(link, sizeof(link), "%s/20000101-000000-h", dir);
    assert_int_equal(symlink(path, link), 0);        /* a link named like the oldest dump */
    make_dump(dir, "29990101-000000-h", "complete"); /* from the far future */
    make_dump(dir, "20010101-000000-h", "writing");  /* never finished */
    make_dump(dir, "20020101-000000-h", "complete");
    snprintf(path, sizeof(path), "%s/20020101-000000-h/notes", dir); /* not a capture's file */
    fclose(fopen(path, "w"));
    make_dump(dir, "20030101-000000-h", "complete");
    make_dump(dir, "20240101-000000-h", "complete"); /* the new one */
    dumpdir_rotate(dir, "20240101-000000-h", 1, 0);
    snprintf(path, sizeof(path), "%s/x/vmcore", victim);
    assert_true(exists(victim, "x/vmcore") && exists(victim, "x/metadata.json"));
    assert_true(exists(dir, "20000101-000000-h"));
    assert_true(exists(dir, "29990101-000000-h"));
    assert_true(exists(dir, "20010101-000000-h"));
    assert_true(exists(dir, "20020101-000000-h/notes"));
    assert_false(exists(dir, "20030101-000000-h")); /* the only real old dump goes */
    assert_true(exists(dir, "20240101-000000-h"));
    remove_tree(dir);
    remove_tree(victim);
}

/* More entries than one read of the directory returns. */
static void rotation_sees_every_entry(void **state)
{
    char *dir = make_tempdir(), name[64];

    (void)state;
    for (int i = 0; i < 1500; i++) {
        snprintf(name, sizeof(name), "2020%04d-000000-h", i);
        make_dump(dir, name, "complete");
    }
    dumpdir_rotate(dir, "20201499-000000-h", 2, 0);
    assert_false(exists(dir, "20200000-000000-h"));
    assert_false(exists(dir, "20201497-000000-h"));
    assert_true(exists(dir, "20201498-000000-h"));
    assert_true(exists(dir, "20201499-000000-h"));
    remove_tree(dir);
}

struct capture_job {
    const struct config *cfg;
    const char *core, *dir;
};

/* What metadata.json says of the dump, and what reading it back finds: as "saved verified". */
static int capture_then_compare(void *arg)
{
    struct capture_job *j = arg;
    char path[700], json[4096], *at;
    struct verify_result vr;
    struct lb_source *src;
    struct lb_error err;
    unsigned long long said = ~0ULL;
    FILE *f, *devnull = fopen("/dev/null", "w");
    DIR *d;
    struct dirent *e;

    capture_run(j->cfg, j->core, j->dir);
    if (!(d = opendir(j->dir)))
        return 10;
    while ((e = readdir(d)) && strncmp(e->d_name, "2023", 4) != 0)
        ;
    if (!e)
        return 11;
    snprintf(path, sizeof(path), "%s/%s/metadata.json", j->dir, e->d_name);
    if (!(f = fopen(path, "r")))
        return 12;
    json[fread(json, 1, sizeof(json) - 1, f)] = '\0';
    fclose(f);
    if ((at = strstr(json, "\"saved\": ")))
        said = strtoull(at + 9, NULL, 10);
    snprintf(path, sizeof(path), "%s/%s/vmcore", j->dir, e->d_name);
    closedir(d);
    if (lb_source_open(path, &src, &err) == 0) {
        verify_dump(src, devnull, &vr);
        lb_source_close(src);
    } else {
        vr.frames = 0; /* nothing readable was written */
    }
    fclose(devnull);
    return said == vr.frames - vr.failed ? 0 : 1;
}

/* On a target that fills up, metadata.json counts the frames a reader finds, not those sent. */
static void metadata_counts_what_a_full_target_holds(void **state)
{
    char *core = crash_core(0x80000), *dir = make_tempdir();
    struct capture_job job;
    struct config cfg;

    (void)state;
    if (geteuid() != 0)
        skip();
    config_defaults(&cfg);
    cfg.ntargets = 1;
    cfg.targets[0].kind = &target_kind_dir;
    snprintf(cfg.targets[0].path, sizeof(cfg.targets[0].path), "%s", dir);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    cfg.codec = LB_CODEC_NONE;
    job = (struct capture_job){&cfg, core, dir};
    for (const char *const *size = (const char *const[]){"48k", "128k", "300k", NULL}; *size;
         size++)
        assert_int_equal(with_small_fs(dir, *size, capture_then_compare, &job), 0);
    remove_tree(dir);
    unlink(core);
    free(core);
}

/*
 * The source shrinks under the dump's mapping (as /proc/vmcore can fail to
 * give a page): the dump process dies of SIGBUS, the dump is retried with
 * reads, and what cannot be read costs those frames, marked, not the dump.
 */
static void a_bus_error_costs_frames_not_the_dump(void **state)
{
    char *core = crash_core(0x200000), *dir = make_tempdir(), path[700], json[4096];
    struct capture c = {.facts = {.hostname = "box"}};
    struct config cfg;
    struct lb_error err;
    struct stat st;
    FILE *f;

    (void)state;
    config_defaults(&cfg);
    c.cfg = &cfg;
    assert_int_equal(lb_source_open(core, &c.src, &err), 0);
    assert_int_equal(stat(core, &st), 0);
    assert_int_equal(truncate(core, st.st_size - 0x100000), 0); /* after the open: mapped, gone */
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
    struct place_dir place;
    place_dir_init(&place, dir_fd, dir);
    assert_int_equal(steps_into_place(&c, &place.base), CAPTURE_INCOMPLETE);
    close(dir_fd);
    assert_true(exists(dir, "vmcore"));
    snprintf(path, sizeof(path), "%s/metadata.json", dir);
    assert_non_null(f = fopen(path, "r"));
    json[fread(json, 1, sizeof(json) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(json, "\"status\": \"incomplete\""));
    assert_non_null(strstr(json, "\"unreadable\": 256")); /* the 1 MiB that went */
    lb_source_close(c.src);
    remove_tree(dir);
    unlink(core);
    free(core);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dumpdir_never_reuses_a_name),
        cmocka_unit_test(rotation_removes_oldest_complete_dumps_only),
        cmocka_unit_test(rotation_keep_1_keeps_only_the_new_dump),
        cmocka_unit_test(rotation_rehearsed_removes_nothing),
        cmocka_unit_test(rotation_cannot_be_tricked),
        cmocka_unit_test(rotation_sees_every_entry),
        cmocka_unit_test(a_bus_error_costs_frames_not_the_dump),
        cmocka_unit_test(metadata_counts_what_a_full_target_holds),
        cmocka_unit_test(list_reads_dump_directories_bounded),
        cmocka_unit_test(json_reader_is_bounded),
        cmocka_unit_test(list_escapes_what_a_dump_says),
    };
    return cmocka_run_group_tests_name("dumpdir", tests, NULL, NULL);
}
