/*
 * metadata.c - writes metadata.json for a dump directory.
 *
 * Fleet tooling reads this file to learn what the dump is without opening it.
 * It is written once before the dump (status "writing") and again after, each
 * time through a temporary file and rename(2), so a reader never sees half.
 * Strings may come from the crashed kernel: they are escaped, never trusted.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "json.h"
#include "metadata.h"

static void json_field(FILE *f, const char *key, const char *value, int last)
{
    fprintf(f, "  \"%s\": ", key);
    json_cstring(f, value);
    fputs(last ? "\n" : ",\n", f);
}

int metadata_write(int dir_fd, const struct metadata *m)
{
    char when[32] = "";
    int fd = openat(dir_fd, ".metadata.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int r;

    if (!f) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (m->crash_time) {
        struct tm tm;
        gmtime_r(&m->crash_time, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    fputs("{\n", f);
    json_field(f, "status", m->status, 0);
    json_field(f, "hostname", m->hostname, 0);
    json_field(f, "kernel_release", m->release, 0);
    json_field(f, "crash_time", when[0] ? when : NULL, 0);
    json_field(f, "dump_file", m->dump_file, 0);
    json_field(f, "format", m->opts->format == LB_FORMAT_ELF ? "elf" : "kdump", 0);
    json_field(f, "codec", m->opts->format == LB_FORMAT_ELF ? NULL : lb_codec_name(m->opts->codec),
               0);
    fprintf(f, "  \"dump_level\": %u,\n", m->opts->dump_level);
    if (m->stats) {
        const struct lb_write_stats *st = m->stats;
        fprintf(f, "  \"dump_bytes\": %llu,\n", (unsigned long long)st->output_size);
        fprintf(f, "  \"bytes_written\": %llu,\n", (unsigned long long)st->bytes_written);
        fprintf(f, "  \"pages\": {\"total\": %llu, \"saved\": %llu, \"unreadable\": %llu",
                (unsigned long long)st->pages_total, (unsigned long long)st->pages_saved,
                (unsigned long long)st->pages_unreadable);
        for (int c = 1; c < LB_CLASS_COUNT; c++)
            fprintf(f, ", \"%s\": %llu", lb_page_class_names[c],
                    (unsigned long long)st->pages_class[c]);
        fputs("},\n", f);
        json_field(f, "filter_note", st->filter_note[0] ? st->filter_note : NULL, 0);
    }
    fprintf(f, "  \"seconds\": {\"dump\": %.3f},\n", m->seconds_dump);
    fprintf(f, "  \"log_records\": %llu,\n", (unsigned long long)m->log_records);
    json_field(f, "log_error", m->log_error, 0);
    json_field(f, "error", m->error, 1);
    fputs("}\n", f);
    r = fflush(f) == 0 && fsync(fd) == 0 ? 0 : -1;
    if (fclose(f) != 0)
        r = -1;
    if (r == 0)
        r = renameat(dir_fd, ".metadata.json.tmp", dir_fd, "metadata.json");
    return r;
}
