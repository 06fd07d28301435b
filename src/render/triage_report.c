/*
 * triage_report.c - the triage report as JSON, for 'lifeboat info --json'
 * and for the info.json the capture writes beside the dump.
 */
#include <stdio.h>
#include <time.h>

#include "render/json.h"
#include "render/triage_report.h"

#include "render/redaction_report.h"

uint64_t triage_memory(struct lb_source *src)
{
    uint64_t total = 0;

    for (size_t i = 0; i < lb_source_segment_count(src); i++) {
        const struct lb_segment *s = lb_source_segment(src, i);
        /* The kernel-image segment of an ELF vmcore repeats RAM: leave it out. */
        if (s->virt_addr < 0xffffffff80000000ull)
            total += s->mem_size;
    }
    return total;
}

static void json_kv(FILE *out, const char *key, const char *value, int comma)
{
    fprintf(out, "  \"%s\": ", key);
    json_cstring(out, value && *value ? value : NULL);
    fprintf(out, "%s\n", comma ? "," : "");
}

void triage_report_json(FILE *out, const char *path, struct lb_source *src,
                        const struct lb_triage *t)
{
    char when[64] = "";

    if (t->crash_time) {
        time_t tt = (time_t)t->crash_time;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    fprintf(out, "{\n");
    json_kv(out, "dump", path, 1);
    json_kv(out, "format", lb_source_format(src), 1);
    fprintf(out, "  \"incomplete\": %s,\n", lb_source_incomplete(src) ? "true" : "false");
    json_kv(out, "release", t->release, 1);
    json_kv(out, "version", t->version, 1);
    json_kv(out, "machine", t->machine, 1);
    json_kv(out, "hostname", t->nodename, 1);
    json_kv(out, "crash_time", when, 1);
    fprintf(out, "  \"live\": %s,\n", t->live ? "true" : "false");
    fprintf(out, "  \"uptime_ns\": %llu,\n", (unsigned long long)t->uptime_ns);
    json_kv(out, "panic", t->panic, 1);
    json_kv(out, "cause", t->cause, 1);
    fprintf(out, "  \"memory_bytes\": %llu,\n", (unsigned long long)triage_memory(src));
    struct lb_filter_fallback fb;
    if (lb_source_filter_fallback(src, &fb)) {
        fprintf(out,
                "  \"filter_fallback\": {\"asked\": %u, \"applied\": %u, \"reason\": ", fb.asked,
                fb.applied);
        json_cstring(out, fb.reason);
        fprintf(out, "},\n");
    } else {
        fprintf(out, "  \"filter_fallback\": null,\n");
    }
    struct lb_redaction_report red;
    fputs("  \"redaction\": ", out);
    if (lb_source_redaction(src, &red))
        redaction_json(out, &red);
    else
        fputs("null", out);
    fputs(",\n", out);
    fprintf(out, "  \"cpus\": %d,\n  \"panic_cpu\": %d,\n", t->ncpus,
            t->panicked == 0 ? -1 : t->panic_cpu);
    fprintf(out, "  \"panicked\": %s,\n",
            t->panicked < 0 ? "null"
            : t->panicked   ? "true"
                            : "false");
    fprintf(out, "  \"panic_pid\": %d,\n", t->has_regs ? t->panic_pid : -1);
    json_kv(out, "panic_comm", t->panic_comm, 1);
    fprintf(out, "  \"registers\": {");
    size_t nregs;
    const char *const *names = lb_source_reg_names(src, &nregs, NULL, NULL);
    for (size_t r = 0; t->has_regs && r < nregs && r < t->regs.nregs; r++)
        fprintf(out, "%s\"%s\": \"0x%llx\"", r ? ", " : "", names[r],
                (unsigned long long)t->regs.regs[r]);
    fprintf(out, "},\n  \"stack\": [");
    for (size_t i = 0; i < t->nframes; i++) {
        fprintf(out, "%s\n    {\"address\": \"0x%llx\", \"symbol\": ", i ? "," : "",
                (unsigned long long)t->frames[i].addr);
        json_cstring(out, t->frames[i].name[0] ? t->frames[i].name : NULL);
        fprintf(out, "}");
    }
    fprintf(out, "\n  ],\n  \"tasks\": [");
    for (size_t i = 0; i < t->ntasks; i++) {
        const struct lb_task *k = &t->tasks[i];
        fprintf(
            out,
            "%s\n    {\"pid\": %d, \"ppid\": %d, \"cpu\": %u, \"state\": \"%s\", \"active\": %s, "
            "\"comm\": ",
            i ? "," : "", k->pid, k->ppid, k->cpu, k->state, k->active ? "true" : "false");
        json_cstring(out, k->comm);
        for (size_t f = 0; f < k->nframes; f++) {
            fprintf(out, "%s{\"address\": \"0x%llx\", \"symbol\": ", f ? ", " : ", \"stack\": [",
                    (unsigned long long)k->frames[f].addr);
            json_cstring(out, k->frames[f].name[0] ? k->frames[f].name : NULL);
            fprintf(out, "}%s", f + 1 == k->nframes ? "]" : "");
        }
        fprintf(out, "}");
    }
    fprintf(out, "\n  ],\n  \"notes\": [");
    for (size_t i = 0; i < t->nnotes; i++) {
        fprintf(out, "%s", i ? ", " : "");
        json_cstring(out, t->notes[i]);
    }
    fprintf(out, "]\n}\n");
}
