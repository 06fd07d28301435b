/*
 * fleet_report.c - the collector's view of a fleet's crashes, in three forms.
 *
 * Every string shown comes from a dump directory some host wrote: its name,
 * its metadata.json, its triage report.  Text output passes them through
 * printable() (no line ends, no terminal escapes), JSON through json.c, and
 * the HTML page escapes every byte that means something to HTML and sends
 * links through percent-encoding.  The page carries a Content-Security-Policy
 * that allows no script, no fetch and no frame at all: even a mistake in the
 * escaping could not run anything, and the page works offline.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "render/json.h"
#include "render/printable.h"
#include "report/fleet_report.h"

enum { LIST_MAX = 12, CHART_GROUPS = 20 };

static const char *when_text(time_t t, char *out, size_t len)
{
    struct tm tm;

    if (!t || !gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%SZ", &tm))
        snprintf(out, len, "unknown");
    return out;
}

static const char *shown_hash(const struct fleet_group *g)
{
    return g->first_dump->signature.hash[0] ? g->first_dump->signature.hash : "(none)";
}

/* ---- text ---- */

static void text_values(FILE *out, const struct fleet *fleet, const struct fleet_group *g,
                        int which, const char *label)
{
    const char *v[LIST_MAX];
    size_t n = fleet_group_values(fleet, g, which, v, LIST_MAX);
    size_t all = which == 'h' ? g->hosts : g->kernels;
    char safe[PRINTABLE_SIZE(64)];

    fprintf(out, "    %s:", label);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s %s", i ? "," : "", v[i][0] ? printable(v[i], safe, sizeof(safe)) : "?");
    if (all > n)
        fprintf(out, " and %zu more", all - n);
    fputc('\n', out);
}

void fleet_report_text(FILE *out, const struct fleet *fleet)
{
    char a[40], b[40], safe[PRINTABLE_SIZE(600)], frames[400];

    fprintf(out, "%zu crash%s on %zu host%s, %zu signature%s, %s to %s\n", fleet->list.n,
            fleet->list.n == 1 ? "" : "es", fleet->hosts, fleet->hosts == 1 ? "" : "s",
            fleet->ngroups, fleet->ngroups == 1 ? "" : "s",
            when_text(fleet->first_seen, a, sizeof(a)), when_text(fleet->last_seen, b, sizeof(b)));
    if (fleet->dirs_skipped)
        fprintf(out, "(%zu directories could not be read or were past the walk's bounds)\n",
                fleet->dirs_skipped);
    if (fleet->overfull[0]) {
        char safe[PRINTABLE_SIZE(600)];
        fprintf(out, "(%s holds more dumps than one box may show: the rest of it is not read)\n",
                printable(fleet->overfull, safe, sizeof(safe)));
    }
    for (size_t k = 0; k < fleet->ngroups; k++) {
        const struct fleet_group *g = &fleet->groups[k];
        const struct crash_signature *sig = &g->first_dump->signature;
        fprintf(out, "\n%s  %zu crash%s on %zu host%s, first %s, last %s\n", shown_hash(g),
                g->count, g->count == 1 ? "" : "es", g->hosts, g->hosts == 1 ? "" : "s",
                when_text(g->first_seen, a, sizeof(a)), when_text(g->last_seen, b, sizeof(b)));
        if (!sig->hash[0])
            fprintf(out, "    (no signature: no triage report, or an older dump)\n");
        else if (!sig->reason[0] && !sig->nframes)
            fprintf(out, "    (encrypted: --identity FILE shows what it is)\n");
        if (sig->reason[0])
            fprintf(out, "    %s\n", printable(sig->reason, safe, sizeof(safe)));
        signature_frames_text(sig, frames, sizeof(frames));
        if (frames[0])
            fprintf(out, "    %s\n", printable(frames, safe, sizeof(safe)));
        text_values(out, fleet, g, 'h', "hosts");
        text_values(out, fleet, g, 'k', "kernels");
        for (size_t i = g->start; i < g->start + g->count; i++) {
            const struct dump_entry *d = &fleet->list.e[i];
            fprintf(out, "    %s  %s  %s\n", when_text(d->when, a, sizeof(a)),
                    d->status[0] ? printable(d->status, b, sizeof(b)) : "?",
                    printable(d->path, safe, sizeof(safe)));
        }
    }
}

/* ---- JSON ---- */

static void json_values(FILE *out, const struct fleet *fleet, const struct fleet_group *g,
                        int which)
{
    const char *v[LIST_MAX];
    size_t n = fleet_group_values(fleet, g, which, v, LIST_MAX);

    fputc('[', out);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", out);
        json_cstring(out, v[i]);
    }
    fputc(']', out);
}

static void json_time(FILE *out, time_t t)
{
    char iso[40];
    struct tm tm;

    if (t && gmtime_r(&t, &tm) && strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm))
        json_cstring(out, iso);
    else
        fputs("null", out);
}

static void json_dump(FILE *out, const struct dump_entry *d)
{
    fputs("{\"path\": ", out);
    json_cstring(out, d->path);
    fputs(", \"host\": ", out);
    json_cstring(out, d->host);
    fputs(", \"kernel\": ", out);
    json_cstring(out, d->release);
    fputs(", \"crash_time\": ", out);
    json_time(out, d->when);
    fputs(", \"status\": ", out);
    json_cstring(out, d->status);
    fprintf(out, ", \"encrypted\": %s}", d->encrypted ? "true" : "false");
}

void fleet_report_json(FILE *out, const struct fleet *fleet)
{
    fprintf(out, "{\"crashes\": %zu, \"hosts\": %zu, \"first_seen\": ", fleet->list.n,
            fleet->hosts);
    json_time(out, fleet->first_seen);
    fputs(", \"last_seen\": ", out);
    json_time(out, fleet->last_seen);
    fprintf(out, ", \"directories_skipped\": %zu, \"overfull\": ", fleet->dirs_skipped);
    json_cstring(out, fleet->overfull[0] ? fleet->overfull : NULL);
    fputs(",\n \"signatures\": [", out);
    for (size_t k = 0; k < fleet->ngroups; k++) {
        const struct fleet_group *g = &fleet->groups[k];
        const struct crash_signature *sig = &g->first_dump->signature;
        fputs(k ? ",\n  {\"signature\": " : "\n  {\"signature\": ", out);
        json_cstring(out, sig->hash[0] ? sig->hash : NULL);
        fputs(", \"reason\": ", out);
        json_cstring(out, sig->reason[0] ? sig->reason : NULL);
        fputs(", \"frames\": [", out);
        for (size_t i = 0; i < sig->nframes; i++) {
            fputs(i ? ", " : "", out);
            json_cstring(out, sig->frames[i]);
        }
        fprintf(out, "], \"count\": %zu, \"host_count\": %zu, \"hosts\": ", g->count, g->hosts);
        json_values(out, fleet, g, 'h');
        fprintf(out, ", \"kernel_count\": %zu, \"kernels\": ", g->kernels);
        json_values(out, fleet, g, 'k');
        fputs(", \"first_seen\": ", out);
        json_time(out, g->first_seen);
        fputs(", \"last_seen\": ", out);
        json_time(out, g->last_seen);
        fputs(", \"dumps\": [", out);
        for (size_t i = g->start; i < g->start + g->count; i++) {
            fputs(i > g->start ? ",\n    " : "\n    ", out);
            json_dump(out, &fleet->list.e[i]);
        }
        fputs("]}", out);
    }
    fputs("\n]}\n", out);
}

/* ---- HTML ---- */

/* Text as HTML: the five characters that mean something escaped, bytes outside ASCII '?'. */
static void html_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(c < 0x20 || c >= 0x7f ? '?' : c, out);
        }
    }
}

/* A path as a link: every byte but letters, digits and "/._-" percent-encoded. */
static void html_href(FILE *out, const char *path)
{
    for (; *path; path++) {
        unsigned char c = (unsigned char)*path;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '/' || c == '.' || c == '_' || c == '-')
            fputc(c, out);
        else
            fprintf(out, "%%%02X", c);
    }
}

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                      "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

/*
 * The timeline: a row per signature (the CHART_GROUPS most frequent), a mark
 * per crash at its time, the axis from the first crash to the last.
 */
static void html_chart(FILE *out, const struct fleet *fleet)
{
    size_t rows = fleet->ngroups < CHART_GROUPS ? fleet->ngroups : CHART_GROUPS;
    const int left = 190, width = 900, row = 26, top = 10;
    time_t t0 = fleet->first_seen, t1 = fleet->last_seen;
    double span = t1 > t0 ? (double)(t1 - t0) : 1.0;
    char a[40], b[40];

    fprintf(out,
            "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%zu\" role=\"img\" aria-label=\"crashes per signature over time\">\n",
            left + width + 20, top + rows * row + 40);
    for (size_t k = 0; k < rows; k++) {
        const struct fleet_group *g = &fleet->groups[k];
        const char *color = palette[k % (sizeof(palette) / sizeof(palette[0]))];
        int y = top + (int)k * row + row / 2;
        fprintf(out, "<text x=\"0\" y=\"%d\" font-size=\"12\" font-family=\"monospace\">", y + 4);
        html_text(out, shown_hash(g));
        fprintf(out, " (%zu)</text>\n", g->count);
        fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n", left,
                left + width, y, y);
        for (size_t i = g->start; i < g->start + g->count; i++) {
            time_t t = fleet->list.e[i].when;
            int x = left + (int)((double)(t > t0 ? t - t0 : 0) / span * width);
            fprintf(out,
                    "<circle class=\"crash\" cx=\"%d\" cy=\"%d\" r=\"6\" fill=\"%s\" "
                    "fill-opacity=\"0.6\"><title>",
                    x, y, color);
            html_text(out, fleet->list.e[i].host);
            fputs(" ", out);
            html_text(out, when_text(t, a, sizeof(a)));
            fputs("</title></circle>\n", out);
        }
    }
    int axis = top + (int)rows * row + 10;
    fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", left,
            left + width, axis, axis);
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n", left, axis + 18,
            when_text(t0, a, sizeof(a)));
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text>\n",
            left + width, axis + 18, when_text(t1, b, sizeof(b)));
    fputs("</svg>\n", out);
}

static void html_values(FILE *out, const struct fleet *fleet, const struct fleet_group *g,
                        int which)
{
    const char *v[LIST_MAX];
    size_t n = fleet_group_values(fleet, g, which, v, LIST_MAX);
    size_t all = which == 'h' ? g->hosts : g->kernels;

    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", out);
        html_text(out, v[i][0] ? v[i] : "?");
    }
    if (all > n)
        fprintf(out, " and %zu more", all - n);
}

static void html_group(FILE *out, const struct fleet *fleet, const struct fleet_group *g)
{
    const struct crash_signature *sig = &g->first_dump->signature;
    char a[40], b[40];

    fputs("<section class=\"signature\">\n<h2><code>", out);
    html_text(out, shown_hash(g));
    fprintf(out, "</code> &mdash; %zu crash%s on %zu host%s</h2>\n", g->count,
            g->count == 1 ? "" : "es", g->hosts, g->hosts == 1 ? "" : "s");
    fputs("<p class=\"reason\">", out);
    html_text(out, sig->reason[0]  ? sig->reason
                   : !sig->hash[0] ? "(no signature: no triage report)"
                   : sig->nframes  ? ""
                                   : "(encrypted: reason not shown)");
    fputs("</p>\n<ol class=\"frames\">", out);
    for (size_t i = 0; i < sig->nframes; i++) {
        fputs("<li><code>", out);
        html_text(out, sig->frames[i]);
        fputs("</code></li>", out);
    }
    fputs("</ol>\n<p>hosts: ", out);
    html_values(out, fleet, g, 'h');
    fputs("<br>kernels: ", out);
    html_values(out, fleet, g, 'k');
    fprintf(out, "<br>first seen %s, last seen %s</p>\n<ul class=\"dumps\">\n",
            when_text(g->first_seen, a, sizeof(a)), when_text(g->last_seen, b, sizeof(b)));
    for (size_t i = g->start; i < g->start + g->count; i++) {
        const struct dump_entry *d = &fleet->list.e[i];
        fputs("<li><a href=\"", out);
        html_href(out, d->path);
        fputs("\">", out);
        html_text(out, d->path);
        fputs("</a> ", out);
        html_text(out, d->host);
        fputs(" ", out);
        html_text(out, d->release);
        fputs(" ", out);
        html_text(out, when_text(d->when, a, sizeof(a)));
        fputs(" ", out);
        html_text(out, d->status);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n</section>\n", out);
}

void fleet_report_html(FILE *out, const struct fleet *fleet)
{
    char a[40], b[40];

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; frame-src 'none'\">\n"
          "<title>lifeboat report</title>\n<style>\n"
          "body { font-family: sans-serif; margin: 2em; }\n"
          "code { background: #f4f4f4; }\n"
          ".reason { font-weight: bold; }\n"
          "section { border-top: 1px solid #ccc; margin-top: 1.5em; }\n"
          "</style>\n</head>\n<body>\n<h1>Crashes</h1>\n",
          out);
    fprintf(out, "<p id=\"summary\">%zu crash%s on %zu host%s, %zu signature%s, %s to %s</p>\n",
            fleet->list.n, fleet->list.n == 1 ? "" : "es", fleet->hosts,
            fleet->hosts == 1 ? "" : "s", fleet->ngroups, fleet->ngroups == 1 ? "" : "s",
            when_text(fleet->first_seen, a, sizeof(a)), when_text(fleet->last_seen, b, sizeof(b)));
    if (fleet->ngroups)
        html_chart(out, fleet);
    for (size_t k = 0; k < fleet->ngroups; k++)
        html_group(out, fleet, &fleet->groups[k]);
    fputs("</body>\n</html>\n", out);
}
