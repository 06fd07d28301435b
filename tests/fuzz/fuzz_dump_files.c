/*
 * fuzz_dump_files.c - libFuzzer target: any bytes as a dump directory's
 * metadata.json and info.json, read the way 'list', the boot notice and
 * 'verify' read them (a dump directory is a crashed machine's, and can be
 * anyone's on a shared target), and a fleet's report renders them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dumpdir/dumps.h"
#include "render/json.h"
#include "report/fleet.h"
#include "report/fleet_report.h"

static char dir[64];

static void write_file(const char *name, const uint8_t *data, size_t size)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/20260101-000000-h/%s", dir, name);
    f = fopen(path, "w");
    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
    }
}

static void remove_dir(void)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/20260101-000000-h/metadata.json", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/20260101-000000-h/info.json", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/20260101-000000-h", dir);
    rmdir(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"status", "hostname",   "kernel_release", "crash_time",
                                       "panic",  "dump_xxh64", "dump_file"};
    char *text = malloc(size + 1), out[64], many[6][16];
    struct dump_list list = {0};
    struct fleet fleet;
    FILE *devnull;
    size_t half = size / 2;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        json_find_string(text, keys[i], out, sizeof(out));
    json_find_strings(text, "signature_frames", many[0], sizeof(many[0]), 6);
    json_each_string(text, "symbol", many[0], sizeof(many[0]), 6);
    free(text);
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/lb-fuzz-dumps-%d", (int)getpid());
        mkdir(dir, 0700);
        snprintf(out, sizeof(out), "%s/20260101-000000-h", dir);
        mkdir(out, 0700);
        atexit(remove_dir);
    }
    write_file("metadata.json", data, half);
    write_file("info.json", data + half, size - half);
    dumps_scan(dir, &list);
    dumps_sort(&list);
    dumps_free(&list);
    char *dirs[] = {dir};
    if (fleet_read(&fleet, dirs, 1, NULL) == 0 && (devnull = fopen("/dev/null", "w"))) {
        fleet_report_text(devnull, &fleet);
        fleet_report_json(devnull, &fleet);
        fleet_report_html(devnull, &fleet);
        fclose(devnull);
    }
    fleet_free(&fleet);
    return 0;
}
