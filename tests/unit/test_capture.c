/*
 * test_capture.c - the capture policy (src/capture), on files: a whole
 * capture into a directory and what it saves, a source at fault that stops
 * the next target, and raw targets kept until savecore has copied them whole,
 * found by the identity load recorded.
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

#include "capture/capture.h"
#include "capture/savecore.h"
#include "config/config.h"
#include "lbdump.h"
#include "targets/target.h"
#include "platform/rawdev.h"
#include "targets/raw_record.h"
#include "tools/verify.h"

#include "capture_fixtures.h"

/*
 * A source cut short: the dump is incomplete because of the crashed memory,
 * not the target, so the next target is not tried (it would read the same).
 */
static void capture_stops_when_the_source_is_at_fault(void **state)
{
    char *core = crash_core(0x40000), *a = make_tempdir(), *b = make_tempdir();
    struct config cfg;
    struct stat st;

    (void)state;
    assert_int_equal(stat(core, &st), 0);
    assert_int_equal(truncate(core, st.st_size - 0x20000), 0); /* half the memory is gone */
    config_defaults(&cfg);
    cfg.ntargets = 2;
    cfg.targets[0].kind = cfg.targets[1].kind = &target_kind_dir;
    snprintf(cfg.targets[0].path, sizeof(cfg.targets[0].path), "%s", a);
    snprintf(cfg.targets[1].path, sizeof(cfg.targets[1].path), "%s", b);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    assert_int_equal(capture_run(&cfg, core, a), CAPTURE_INCOMPLETE);
    assert_true(exists(a, "20231114-221320-box.incomplete/vmcore"));
    assert_false(exists(b, "20231114-221320-box.incomplete"));
    assert_false(exists(b, "20231114-221320-box"));
    remove_tree(a);
    remove_tree(b);
    unlink(core);
    free(core);
}

/*
 * A raw target: written when free, refused while it holds the last crash's
 * dump, saved into a directory by savecore (every frame), then free again.
 */
static void raw_dump_is_kept_until_savecore_saves_it(void **state)
{
    char *core = crash_core(0x40000), *dir = make_tempdir(), *saved = make_tempdir();
    char raw[200], holds[128];
    struct config cfg;
    struct lb_source *src;
    struct lb_error err;
    FILE *f;

    (void)state;
    snprintf(raw, sizeof(raw), "%s/raw", dir);
    assert_non_null(f = fopen(raw, "w"));
    assert_int_equal(ftruncate(fileno(f), 4 << 20), 0);
    fclose(f);
    config_defaults(&cfg);
    cfg.ntargets = 1;
    cfg.targets[0].kind = &target_kind_raw;
    snprintf(cfg.targets[0].device, sizeof(cfg.targets[0].device), "%s", raw);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_COMPLETE);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_DUMP);
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_FAILED); /* the last dump is kept */
    assert_int_equal(savecore(&cfg, saved, NULL, &err), SAVECORE_SAVED);
    assert_true(exists(saved, "20231114-221320-box/vmcore"));
    assert_true(exists(saved, "20231114-221320-box/dmesg.txt"));
    char path[700];
    snprintf(path, sizeof(path), "%s/20231114-221320-box/vmcore", saved);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    lb_source_close(src);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_FREE);
    assert_int_equal(savecore(&cfg, saved, NULL, &err), SAVECORE_NOTHING);
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_COMPLETE); /* free again */
    remove_tree(dir);
    remove_tree(saved);
    unlink(core);
    free(core);
}

struct savecore_job {
    const struct config *cfg;
    const char *dir;
};

static int savecore_job(void *arg)
{
    struct savecore_job *j = arg;
    struct lb_error err;

    return (int)savecore(j->cfg, j->dir, NULL, &err);
}

/*
 * A raw dump cut short (its device was too small), saved by savecore into a
 * file system with room for the log but not the dump: the copy does not
 * hold the frames the raw dump holds, so the device keeps its dump, whatever
 * the outcome of the copy said; with room, the copy is whole and the device
 * is freed.
 */
static void savecore_frees_a_raw_dump_only_once_copied_whole(void **state)
{
    char *core = crash_core(0x80000), *dir = make_tempdir(), *small = make_tempdir();
    char raw[200], holds[128];
    struct lb_error err;
    struct savecore_job job;
    struct config cfg;
    struct stat st;
    FILE *f;

    (void)state;
    if (geteuid() != 0)
        skip(); /* a small file system needs a mount namespace */
    snprintf(raw, sizeof(raw), "%s/raw", dir);
    assert_non_null(f = fopen(raw, "w"));
    assert_int_equal(ftruncate(fileno(f), 4 << 20), 0);
    fclose(f);
    assert_int_equal(stat(core, &st), 0);
    assert_int_equal(truncate(core, st.st_size - 0x40000), 0); /* the dump is cut short */
    config_defaults(&cfg);
    cfg.ntargets = 1;
    cfg.targets[0].kind = &target_kind_raw;
    snprintf(cfg.targets[0].device, sizeof(cfg.targets[0].device), "%s", raw);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    cfg.codec = LB_CODEC_NONE;
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_INCOMPLETE);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_DUMP);
    job = (struct savecore_job){&cfg, small};
    assert_int_equal(with_small_fs(small, "48k", savecore_job, &job), SAVECORE_FAILED);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_DUMP); /* still there */
    assert_int_equal(savecore(&cfg, small, NULL, &err), SAVECORE_SAVED);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_FREE);
    remove_tree(dir);
    remove_tree(small);
    unlink(core);
    free(core);
}

/*
 * A raw target the config names by a /dev path: load records the identity it
 * wrote by, and savecore looks for that disk, not for whatever the path names
 * at the next boot (here, a file holding a dump, which is left alone).
 */
static void savecore_finds_raw_targets_by_recorded_identity(void **state)
{
    char *core = crash_core(0x40000), *dir = make_tempdir(), *saved = make_tempdir();
    char raw[200], record[220], id[256], holds[128];
    struct lb_error err;
    static struct config cfg, prepared;
    FILE *f;

    (void)state;
    snprintf(raw, sizeof(raw), "%s/raw", dir);
    snprintf(record, sizeof(record), "%s/raw-targets", dir);
    assert_non_null(f = fopen(raw, "w"));
    assert_int_equal(ftruncate(fileno(f), 4 << 20), 0);
    fclose(f);
    config_defaults(&cfg);
    cfg.ntargets = 2;
    cfg.targets[0].kind = &target_kind_dir;
    snprintf(cfg.targets[0].path, sizeof(cfg.targets[0].path), "%s", dir);
    cfg.targets[1].kind = &target_kind_raw;
    snprintf(cfg.targets[1].device, sizeof(cfg.targets[1].device), "%s", raw);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    prepared = cfg;
    snprintf(prepared.targets[1].device, sizeof(prepared.targets[1].device),
             "PARTUUID=0badc0de-0000-4000-8000-00000000beef");
    assert_int_equal(rawdev_record_identities(record, &cfg, &prepared, &err), 0);
    assert_int_equal(rawdev_recorded_identity(record, raw, id, sizeof(id)), 0);
    assert_string_equal(id, "PARTUUID=0badc0de-0000-4000-8000-00000000beef");
    assert_int_equal(rawdev_recorded_identity(record, dir, id, sizeof(id)), -1);
    cfg.ntargets = 1;
    cfg.targets[0] = cfg.targets[1]; /* the dump goes onto the file */
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_COMPLETE);
    /* the recorded disk is not on this machine: the file the path names now is not it */
    assert_int_equal(savecore(&cfg, saved, record, &err), SAVECORE_NOTHING);
    assert_int_equal(rawdev_probe(raw, holds, sizeof(holds)), RAWDEV_DUMP);
    /* a record that is not load's (a line cut, no tab) names nothing */
    assert_non_null(f = fopen(record, "w"));
    fprintf(f, "%s PARTUUID=x\n%0515d%s\tWWID=y\n", raw, 7, raw); /* 515: the reader's line */
    fclose(f);
    assert_int_equal(rawdev_recorded_identity(record, raw, id, sizeof(id)), -1);
    /* with no record (a system loaded before there was one) the name is all there is */
    assert_int_equal(savecore(&cfg, saved, NULL, &err), SAVECORE_SAVED);
    remove_tree(dir);
    remove_tree(saved);
    unlink(core);
    free(core);
}

/*
 * verify: the capture's dump is whole and matches its recorded checksum; one
 * changed byte in page data still decodes, and only the checksum tells; a
 * cut copy loses frames.
 */
static void verify_what_was_saved(const char *dir)
{
    char path[512], cmd[1200];
    struct verify_result r;
    struct lb_source *src;
    struct lb_error err;
    FILE *devnull = fopen("/dev/null", "w");
    int fd;

    snprintf(path, sizeof(path), "%s/20231114-221320-box/vmcore", dir);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    assert_int_equal(verify_dump(src, devnull, &r), VERIFY_OK);
    assert_true(r.frames > 0);
    lb_source_close(src);
    assert_int_equal(verify_checksum(path, devnull), VERIFY_OK);
    fd = open(path, O_RDWR);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(pwrite(fd, "\x5a", 1, st.st_size - 100), 1); /* in the last page's data */
    close(fd);
    assert_int_equal(verify_checksum(path, devnull), VERIFY_CORRUPT);
    snprintf(cmd, sizeof(cmd), "cd %s/20231114-221320-box && head -c %lld vmcore > cut", dir,
             (long long)st.st_size / 2);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/20231114-221320-box/cut", dir);
    if (lb_source_open(path, &src, &err) == 0) {
        assert_int_equal(verify_dump(src, devnull, &r), VERIFY_CORRUPT);
        assert_true(r.failed > 0);
        lb_source_close(src);
    }
    assert_int_equal(verify_checksum(path, devnull), -1); /* not the file metadata.json names */
    fclose(devnull);
}

static void capture_saves_dump_and_metadata(void **state)
{
    char *core = crash_core(0x40000), *dir = make_tempdir(), path[512], json[8192];
    struct config cfg;
    struct lb_source *src;
    struct lb_error err;
    FILE *f;

    (void)state;
    config_defaults(&cfg);
    cfg.ntargets = 2;
    cfg.targets[0].kind = &target_kind_dir; /* a missing directory: the next target is tried */
    snprintf(cfg.targets[0].path, sizeof(cfg.targets[0].path), "%s/missing", dir);
    cfg.targets[1].kind = &target_kind_dir;
    snprintf(cfg.targets[1].path, sizeof(cfg.targets[1].path), "%s", dir);
    snprintf(cfg.hostname, sizeof(cfg.hostname), "box");
    assert_int_equal(capture_run(&cfg, core, dir), CAPTURE_COMPLETE);
    snprintf(path, sizeof(path), "%s/20231114-221320-box/vmcore", dir);
    assert_int_equal(lb_source_open(path, &src, &err), 0);
    lb_source_close(src);
    snprintf(path, sizeof(path), "%s/20231114-221320-box/metadata.json", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    json[fread(json, 1, sizeof(json) - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(json, "\"status\": \"complete\""));
    assert_non_null(strstr(json, "\"kernel_release\": \"6.1.0-test\""));
    assert_non_null(strstr(json, "\"crash_time\": \"2023-11-14T22:13:20Z\""));
    /* no printk ring in this dump: said in the metadata, and the dump is complete anyway */
    assert_non_null(
        strstr(json, "\"log_error\": \"kernel log: VMCOREINFO lacks NUMBER(phys_base)"));
    /* nor struct pages: -d 31 asked, -d 1 applied, and why */
    assert_non_null(strstr(json, "\"filter\": {\"asked\": 31, \"applied\": 1, \"reason\": "
                                 "\"pages not filtered by type, every page kept but zero pages "
                                 "(-d 1, not -d 31): VMCOREINFO lacks NUMBER(phys_base)"));
    snprintf(path, sizeof(path), "%s/20231114-221320-box/dmesg.txt", dir);
    assert_int_equal(access(path, F_OK), 0);
    assert_non_null(strstr(json, "\"dump_xxh64\": \""));
    verify_what_was_saved(dir);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
    unlink(core);
    free(core);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capture_stops_when_the_source_is_at_fault),
        cmocka_unit_test(raw_dump_is_kept_until_savecore_saves_it),
        cmocka_unit_test(capture_saves_dump_and_metadata),
        cmocka_unit_test(savecore_frees_a_raw_dump_only_once_copied_whole),
        cmocka_unit_test(savecore_finds_raw_targets_by_recorded_identity),
    };
    return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
