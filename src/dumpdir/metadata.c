/*
 * metadata.c - writes metadata.json for a dump directory.
 *
 * Fleet tooling reads this file to learn what the dump is without opening it.
 * It is written once before the dump (status "writing") and again after.
 * The first write pads it to a whole block, and the second writes over that
 * block in place: when the dump has filled the target, the final status still
 * fits where the first one was.  Strings may come from the crashed kernel:
 * they are escaped, never trusted.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { METADATA_BLOCK = 4096 };

#include "dumpdir/metadata.h"
#include "dumpdir/place.h"
#include "render/json.h"
#include "render/redaction_report.h"

static void json_field(FILE *f, const char *key, const char *value, int last)
{
    fprintf(f, "  \"%s\": ", key);
    json_cstring(f, value);
    fputs(last ? "\n" : ",\n", f);
}

/*
 * The signature a collector groups crashes by (lifeboat report): the hash,
 * and unless the dump is encrypted, what it was made of — the normalized
 * panic reason and kernel function names, which reveal which code crashed
 * and nothing of the machine's data.
 */
static void write_signature(FILE *f, const struct crash_signature *sig, int sealed)
{
    if (!sig)
        return;
    json_field(f, "signature", sig->hash, 0);
    if (sealed)
        return;
    json_field(f, "signature_reason", sig->reason, 0);
    fputs("  \"signature_frames\": [", f);
    for (size_t i = 0; i < sig->nframes; i++) {
        fputs(i ? ", " : "", f);
        json_cstring(f, sig->frames[i]);
    }
    fputs("],\n", f);
}

/* kdump: the pages stored with each codec ("none": as is), which compress auto chose. */
static void codec_pages(FILE *f, const struct lb_write_stats *st)
{
    const char *sep = "";

    fputs("  \"pages_by_codec\": {", f);
    for (int c = 0; c < LB_CODEC_STORED; c++)
        if (st->pages_by_codec[c]) {
            fprintf(f, "%s\"%s\": %llu", sep, lb_codec_name((enum lb_codec)c),
                    (unsigned long long)st->pages_by_codec[c]);
            sep = ", ";
        }
    fprintf(f, "},\n  \"codec_changes\": %llu,\n", (unsigned long long)st->codec_changes);
    if (!st->pages_by_codec[LB_CODEC_ZSTD])
        return;
    sep = "";
    fputs("  \"zstd_pages_by_level\": {", f);
    for (int l = 0; l < LB_ZSTD_LEVELS; l++)
        if (st->zstd_pages_by_level[l]) {
            fprintf(f, "%s\"%d\": %llu", sep, l, (unsigned long long)st->zstd_pages_by_level[l]);
            sep = ", ";
        }
    fputs("},\n", f);
}

int metadata_write(struct place *place, const struct metadata *m)
{
    char when[32] = "", *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int r;

    if (!f)
        return -1;
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
    if (m->encryption)
        json_field(f, "encryption", m->encryption, 0);
    json_field(f, "format", m->opts->format == LB_FORMAT_ELF ? "elf" : "kdump", 0);
    json_field(f, "codec", m->opts->format == LB_FORMAT_ELF ? NULL : lb_codec_name(m->opts->codec),
               0);
    fprintf(f, "  \"dump_level\": %u,\n", m->opts->dump_level);
    write_signature(f, m->signature, m->encryption != NULL);
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
        codec_pages(f, st);
        json_field(f, "filter_note", st->filter_note[0] ? st->filter_note : NULL, 0);
        /* What -d was asked, what the dump holds, and why they differ (DESIGN.md, "Kernels it
         * has never seen"); checked: the kernel memory the classifier's check classified. */
        fprintf(f,
                "  \"filter\": {\"asked\": %u, \"applied\": %u, \"reason\": ", m->opts->dump_level,
                st->dump_level_applied);
        json_cstring(f, st->filter_note[0] ? st->filter_note : NULL);
        fprintf(
            f, ", \"checked_frames\": %llu, \"checked\": ", (unsigned long long)st->filter_checked);
        json_cstring(f, st->filter_checks[0] ? st->filter_checks : NULL);
        fputs("},\n", f);
        if (st->redacted) {
            fputs("  \"redaction\": ", f);
            redaction_json(f, &st->redaction);
            fputs(",\n", f);
        }
    }
    if (m->opts->redact && (!m->stats || !m->stats->redacted)) {
        char classes[64];
        lb_redact_format(m->opts->redact, classes, sizeof(classes));
        fputs("  \"redaction_asked\": ", f);
        json_cstring(f, classes);
        fputs(",\n", f);
    }
    fprintf(f, "  \"seconds\": {\"dump\": %.3f},\n", m->seconds_dump);
    fprintf(f, "  \"log_records\": %llu,\n", (unsigned long long)m->log_records);
    json_field(f, "log_error", m->log_error, 0);
    json_field(f, "dump_xxh64", m->checksum, 0);
    json_field(f, "error", m->error, 1);
    fputs("}\n", f);
    if (fclose(f) != 0) {
        free(text);
        return -1;
    }
    /* Whitespace after the object is still valid JSON: pad to a block. */
    size_t padded = len < METADATA_BLOCK ? METADATA_BLOCK : len;
    char *block = malloc(padded);
    if (!block) {
        free(text);
        return -1;
    }
    memset(block, ' ', padded);
    memcpy(block, text, len);
    block[padded - 1] = '\n';
    r = place->ops->put(place, "metadata.json", block, padded);
    free(block);
    free(text);
    return r;
}
