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
    json_field(f, "format", m->format, 0);
    fprintf(f, "  \"dump_bytes\": %llu,\n", (unsigned long long)m->dump_bytes);
    fprintf(f, "  \"bytes_written\": %llu,\n", (unsigned long long)m->bytes_written);
    fprintf(f, "  \"pages\": {\"total\": %llu, \"zero\": %llu, \"unreadable\": %llu},\n",
            (unsigned long long)m->pages_total, (unsigned long long)m->pages_zero,
            (unsigned long long)m->pages_unreadable);
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
