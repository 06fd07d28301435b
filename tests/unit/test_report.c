/*
 * test_report.c - a fleet's view: crash signatures, reading what hosts wrote
 * (bounded, through no link), grouping, and the three renderings with
 * hostile strings in every field a host controls.
 */
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

#include "dumpdir/metadata.h"
#include "dumpdir/place.h"
#include "dumpdir/signature.h"
#include "render/json.h"
#include "report/fleet.h"
#include "report/fleet_report.h"

static struct crash_signature sign(const char *cause, const char *panic, const char *const *s,
                                   size_t n)
{
    struct crash_signature sig;
    signature_of(cause, panic, s, n, &sig);
    return sig;
}

/* Two builds, two boots: offsets, clone suffixes, addresses and the panic path differ. */
static void signature_is_the_same_across_builds(void **state)
{
    const char *a[] = {"__crash_kexec+0x13d",
                       "vpanic+0x179",
                       "panic+0x6b",
                       "sysrq_handle_crash+0x1a",
                       "__handle_sysrq.cold+0x91",
                       "write_sysrq_trigger+0x59",
                       "proc_reg_write+0x5a",
                       "vfs_write+0xcf",
                       "ksys_write+0x6b"};
    const char *b[] = {"?",
                       "panic+0x12",
                       "",
                       "sysrq_handle_crash+0x16",
                       "__handle_sysrq+0xa1",
                       "write_sysrq_trigger+0x22",
                       "proc_reg_write+0x3a",
                       "vfs_write+0xc0",
                       "ksys_write+0x5f"};
    struct crash_signature x = sign("", "Kernel panic - not syncing: sysrq triggered crash", a, 9);
    struct crash_signature y =
        sign(NULL, "Kernel panic - not syncing: sysrq triggered crash", b, 9);
    (void)state;

    assert_string_equal(x.hash, y.hash);
    assert_int_equal(strlen(x.hash), 16);
    assert_int_equal(x.nframes, SIGNATURE_FRAMES);
    assert_string_equal(x.frames[0], "sysrq_handle_crash");
    assert_string_equal(x.frames[1], "__handle_sysrq");
    assert_string_equal(x.frames[4], "vfs_write");
    assert_string_equal(x.reason, "Kernel panic - not syncing: sysrq triggered crash");
}

static void signature_takes_numbers_out_of_the_reason(void **state)
{
    const char *f[] = {"lbcrash_null+0x10"};
    struct crash_signature x =
        sign("BUG: kernel NULL pointer dereference, address: 0000000000000008", "p", f, 1);
    struct crash_signature y =
        sign("BUG: kernel NULL pointer dereference, address: 00000000000000a0", "q", f, 1);
    struct crash_signature z =
        sign("INFO: task ext4lazyinit:123 blocked for more than 120 seconds.\n\x1b[31m", "", f, 1);
    (void)state;

    assert_string_equal(x.reason, "BUG: kernel NULL pointer dereference, address: N");
    assert_string_equal(x.hash, y.hash);
    /* a name with digits in it stays: only tokens of hex digits are numbers */
    assert_string_equal(z.reason,
                        "INFO: task ext4lazyinit:N blocked for more than N seconds. ?[31m");
}

static void signature_tells_crashes_apart(void **state)
{
    const char *a[] = {"lbcrash_null+0x10", "do_one_initcall+0x5"};
    const char *b[] = {"(in a module)", "do_one_initcall+0x5"};
    struct crash_signature x = sign("Oops", "", a, 2), y = sign("Oops", "", b, 2),
                           z = sign("Oops!", "", a, 2), none = sign("", "", NULL, 0);
    char text[64];
    (void)state;

    assert_string_not_equal(x.hash, y.hash);
    assert_string_equal(y.frames[0], "(in a module)");
    assert_string_not_equal(x.hash, z.hash);
    assert_string_equal(none.hash, "");
    signature_frames_text(&x, text, sizeof(text));
    assert_string_equal(text, "lbcrash_null < do_one_initcall");
    signature_frames_text(&x, text, 10); /* cut, still a string */
    assert_int_equal(strlen(text), 9);
}

/* Arrays of strings read back bounded: unterminated, not strings, longer than room. */
static void json_string_arrays_are_bounded(void **state)
{
    char out[3][8];
    (void)state;

    assert_int_equal(json_find_strings("{\"f\": [\"a\", \"bb\", \"c\", \"d\"]}", "f", out[0], 8, 3),
                     3);
    assert_string_equal(out[2], "c");
    assert_int_equal(json_find_strings("{\"f\": [\"abcdefghijk\"]}", "f", out[0], 8, 3), 1);
    assert_string_equal(out[0], "abcdefg");
    assert_int_equal(json_find_strings("{\"f\": [\"a\", 1, \"b\"]}", "f", out[0], 8, 3), 1);
    assert_int_equal(json_find_strings("{\"f\": [\"a\", \"b", "f", out[0], 8, 3), 1);
    assert_int_equal(json_find_strings("{\"f\": []}", "f", out[0], 8, 3), 0);
    assert_int_equal(json_find_strings("{\"f\": \"x\"}", "f", out[0], 8, 3), 0);
    assert_int_equal(
        json_each_string("{\"s\": \"a\"}, {\"s\": null}, {\"s\": \"b", "s", out[0], 8, 3), 2);
    assert_string_equal(out[1], "b");
}

static char *make_tempdir(void)
{
    char *dir = strdup("/tmp/lb-report-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* dir/rel/NAME with metadata.json from the arguments, as a capture writes it. */
static void make_dump(const char *dir, const char *rel, const char *name, const char *host,
                      const char *when, const char *hash, const char *reason)
{
    char path[800], text[2048];

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    snprintf(text, sizeof(text), "mkdir -p '%s/%s'", path, name);
    assert_int_equal(system(text), 0);
    snprintf(text, sizeof(text),
             "{\n  \"status\": \"complete\",\n  \"hostname\": \"%s\",\n  \"kernel_release\": "
             "\"6.1.0-57-cloud-amd64\",\n  \"crash_time\": \"%s\",\n  \"signature\": \"%s\",\n  "
             "\"signature_reason\": \"%s\",\n  \"signature_frames\": [\"f\\u003cscript\", \"g\"],\n"
             "  \"error\": null\n}\n",
             host, when, hash, reason);
    snprintf(path, sizeof(path), "%s/%s/%s/metadata.json", dir, rel, name);
    write_file(path, text);
}

static char *render(const struct fleet *fleet, void (*how)(FILE *, const struct fleet *))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    how(f, fleet);
    fclose(f);
    return text;
}

static size_t count(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *at = text; (at = strstr(at, what)); at++)
        n++;
    return n;
}

/* A tree as a fleet's SFTP server keeps it, with links planted and a dump too deep. */
static void fleet_groups_what_hosts_wrote(void **state)
{
    char *dir = make_tempdir(), *other = make_tempdir(), path[800], link[800];
    struct fleet fleet;
    (void)state;

    make_dump(dir, "dc1/web1", "20261201-100000-web1", "web1", "2026-12-01T10:00:00Z",
              "aaaaaaaaaaaaaaaa", "Kernel panic - not syncing: sysrq triggered crash");
    make_dump(dir, "dc1/web2", "20261203-100000-web2", "web2", "2026-12-03T10:00:00Z",
              "aaaaaaaaaaaaaaaa", "Kernel panic - not syncing: sysrq triggered crash");
    make_dump(dir, "dc1/web2", "20261204-100000-web2", "web2", "2026-12-04T10:00:00Z",
              "aaaaaaaaaaaaaaaa", "Kernel panic - not syncing: sysrq triggered crash");
    make_dump(dir, "db", "20261202-100000-db1", "<script>alert(1)</script>", "2026-12-02T10:00:00Z",
              "bbbbbbbbbbbbbbbb", "BUG: \\\"><img src=x onerror=y>");
    /* past FLEET_DEPTH: not read */
    make_dump(dir, "a/b/c/d/e", "20261205-100000-deep", "deep", "2026-12-05T10:00:00Z",
              "cccccccccccccccc", "deep");
    /* a link to another tree, and a link named as a dump: neither followed */
    make_dump(other, "x", "20261206-100000-other", "other", "2026-12-06T10:00:00Z",
              "dddddddddddddddd", "other");
    snprintf(path, sizeof(path), "%s/x", other);
    snprintf(link, sizeof(link), "%s/dc1/elsewhere", dir);
    assert_int_equal(symlink(path, link), 0);
    snprintf(path, sizeof(path), "%s/x/20261206-100000-other", other);
    snprintf(link, sizeof(link), "%s/dc1/20261206-100000-other", dir);
    assert_int_equal(symlink(path, link), 0);

    /* what the three sysrq dumps' reason and frames sign as: a forger claims it, with its own
     * words and an older date (which would make it the group's title) */
    const char *frames[] = {"f<script", "g"};
    struct crash_signature real;
    signature_of("Kernel panic - not syncing: sysrq triggered crash", "", frames, 2, &real);
    make_dump(dir, "forger", "20261130-100000-forger", "forger", "2026-11-30T10:00:00Z", real.hash,
              "a title of the forger's");

    char *dirs[] = {dir};
    assert_int_equal(fleet_read(&fleet, dirs, 1, NULL), 0);
    assert_int_equal(fleet.list.n, 5);
    assert_int_equal(fleet.ngroups, 3); /* the forger's claim made again: a group of its own */
    assert_int_equal(fleet.hosts, 4);
    assert_int_equal(fleet.groups[0].count, 3); /* the most frequent first */
    assert_int_equal(fleet.groups[0].hosts, 2);
    /* the hash the hosts claimed ("aaa...") is made again from what they said */
    assert_string_equal(fleet.groups[0].first_dump->signature.hash, real.hash);
    assert_string_equal(fleet.groups[0].first_dump->signature.reason,
                        "Kernel panic - not syncing: sysrq triggered crash");
    assert_int_equal(fleet.groups[0].first_seen, 1796119200); /* 2026-12-01T10:00:00Z */
    assert_int_equal(fleet.groups[0].first_dump->signature.nframes, 2);
    assert_string_equal(fleet.groups[0].first_dump->signature.frames[0], "f<script");

    char *html = render(&fleet, fleet_report_html);
    assert_non_null(strstr(html, "Content-Security-Policy"));
    assert_int_equal(count(html, "<script"), 0);
    assert_int_equal(count(html, "<img"), 0);
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_int_equal(count(html, "<circle class=\"crash\""), 5);
    assert_int_equal(count(html, "<section class=\"signature\">"), 3);
    free(html);
    char *json = render(&fleet, fleet_report_json);
    assert_non_null(strstr(json, "\"crashes\": 5"));
    assert_non_null(strstr(json, "\"f<script\""));
    free(json);
    char *text = render(&fleet, fleet_report_text);
    assert_non_null(strstr(text, "5 crashes on 4 hosts, 3 signatures"));
    free(text);
    fleet_free(&fleet);

    snprintf(path, sizeof(path), "rm -rf '%s' '%s'", dir, other);
    assert_int_equal(system(path), 0);
    free(dir);
    free(other);
}

/* One host's box full of empty dump directories hides no other host's dumps. */
static void a_full_box_hides_no_other(void **state)
{
    char *dir = make_tempdir(), path[800];
    struct fleet fleet;
    char *dirs[] = {dir};
    (void)state;

    for (int i = 0; i < 30; i++) {
        snprintf(path, sizeof(path), "%s/aaa-flood/%d/20261201-0000%02d-x", dir, i, i);
        char cmd[900];
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
        assert_int_equal(system(cmd), 0);
    }
    make_dump(dir, "zzz-web1", "20261202-100000-web1", "web1", "2026-12-02T10:00:00Z",
              "aaaaaaaaaaaaaaaa", "Kernel panic - not syncing: sysrq triggered crash");
    assert_int_equal(fleet_read_bounded(&fleet, dirs, 1, NULL, 10), 0);
    assert_true(fleet.list.n >= 10 && fleet.list.n < 30); /* the flood, cut at its share */
    assert_non_null(strstr(fleet.overfull, "aaa-flood"));
    int found = 0;
    for (size_t i = 0; i < fleet.list.n; i++)
        found |= strcmp(fleet.list.e[i].host, "web1") == 0;
    assert_true(found); /* the other host's dump is there */
    fleet_free(&fleet);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
    free(dir);
}

/* What the capture writes, the report reads: the whole signature, or the hash alone if sealed. */
static void metadata_carries_the_signature(void **state)
{
    char *dir = make_tempdir(), path[800];
    const char *frames[] = {"sysrq_handle_crash+0x1a", "__handle_sysrq+0x91"};
    struct crash_signature sig;
    struct lb_write_options opts = {.dump_level = 31};
    struct metadata m = {.status = "complete",
                         .hostname = "web1",
                         .crash_time = 1764583200,
                         .dump_file = "vmcore",
                         .opts = &opts,
                         .signature = &sig};
    struct place_dir place;
    struct fleet fleet;
    char *dirs[] = {dir};
    (void)state;

    signature_of("", "Kernel panic - not syncing: sysrq triggered crash", frames, 2, &sig);
    for (int sealed = 0; sealed < 2; sealed++) {
        snprintf(path, sizeof(path), "%s/2026120%d-100000-web1", dir, sealed + 1);
        assert_int_equal(mkdir(path, 0700), 0);
        int fd = open(path, O_RDONLY | O_DIRECTORY);
        assert_true(fd >= 0);
        place_dir_init(&place, fd, path);
        m.encryption = sealed ? "age" : NULL;
        assert_int_equal(metadata_write(&place.base, &m), 0);
        close(fd);
    }
    assert_int_equal(fleet_read(&fleet, dirs, 1, NULL), 0);
    assert_int_equal(fleet.ngroups, 1); /* grouped by the hash, encrypted or not */
    assert_int_equal(fleet.list.n, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct crash_signature *read = &fleet.list.e[i].signature;
        assert_string_equal(read->hash, sig.hash);
        if (strstr(fleet.list.e[i].path, "20261202")) {
            assert_string_equal(read->reason, ""); /* nothing but the hash in clear */
            assert_int_equal(read->nframes, 0);
        } else {
            assert_string_equal(read->reason, sig.reason);
            assert_int_equal(read->nframes, 2);
            assert_string_equal(read->frames[1], "__handle_sysrq");
        }
    }
    fleet_free(&fleet);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signature_is_the_same_across_builds),
        cmocka_unit_test(signature_takes_numbers_out_of_the_reason),
        cmocka_unit_test(signature_tells_crashes_apart),
        cmocka_unit_test(json_string_arrays_are_bounded),
        cmocka_unit_test(fleet_groups_what_hosts_wrote),
        cmocka_unit_test(metadata_carries_the_signature),
        cmocka_unit_test(a_full_box_hides_no_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
