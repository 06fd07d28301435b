/*
 * save_report.c - says what a dump holds: how many frames of each class were
 * left out, how many saved, how large the result is.
 */
#include "render/save_report.h"

#include "render/redaction_report.h"

/* The pages stored with each codec: compress auto's choices, or the one codec asked. */
static void codec_report(FILE *out, const struct lb_write_stats *stats)
{
    fprintf(out, "lifeboat: pages stored by codec:");
    for (int c = 0; c < LB_CODEC_STORED; c++)
        if (stats->pages_by_codec[c])
            fprintf(out, " %s %llu", c == LB_CODEC_NONE ? "as-is" : lb_codec_name((enum lb_codec)c),
                    (unsigned long long)stats->pages_by_codec[c]);
    fprintf(out, " (%llu codec changes)\n", (unsigned long long)stats->codec_changes);
    if (!stats->pages_by_codec[LB_CODEC_ZSTD])
        return;
    fprintf(out, "lifeboat: zstd pages by level:");
    for (int l = 0; l < LB_ZSTD_LEVELS; l++)
        if (stats->zstd_pages_by_level[l])
            fprintf(out, " %d: %llu", l, (unsigned long long)stats->zstd_pages_by_level[l]);
    fputc('\n', out);
}

void save_report(FILE *out, const struct lb_write_options *opts, const struct lb_write_stats *stats)
{
    char level[48];

    if (stats->filter_note[0] && stats->dump_level_applied != opts->dump_level)
        snprintf(level, sizeof(level), "%u (not the %u asked)", stats->dump_level_applied,
                 opts->dump_level);
    else
        snprintf(level, sizeof(level), "%u", opts->dump_level);
    fprintf(out, "lifeboat: %s dump, -d %s%s%s: %llu of %llu frames saved, %llu MiB written\n",
            opts->format == LB_FORMAT_ELF ? "ELF" : "kdump-compressed", level,
            opts->format == LB_FORMAT_KDUMP ? ", " : "",
            opts->format == LB_FORMAT_KDUMP ? lb_codec_name(opts->codec) : "",
            (unsigned long long)stats->pages_saved, (unsigned long long)stats->pages_total,
            (unsigned long long)(stats->bytes_written >> 20));
    fprintf(out, "lifeboat: left out:");
    for (int c = 1; c < LB_CLASS_COUNT; c++)
        fprintf(out, " %s %llu", lb_page_class_names[c], (unsigned long long)stats->pages_class[c]);
    fprintf(out, "\n");
    if (opts->format == LB_FORMAT_KDUMP)
        codec_report(out, stats);
    if (stats->pages_repeated)
        fprintf(out, "lifeboat: %llu saved frames repeat an earlier one and share its data\n",
                (unsigned long long)stats->pages_repeated);
    if (stats->pages_unreadable)
        fprintf(out, "lifeboat: %llu frames could not be read and are missing\n",
                (unsigned long long)stats->pages_unreadable);
    if (stats->filter_note[0])
        fprintf(out, "lifeboat: warning: %s\n", stats->filter_note);
    if (stats->redacted)
        redaction_text(out, "lifeboat: ", &stats->redaction);
}
