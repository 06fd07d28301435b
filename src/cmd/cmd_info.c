/*
 * cmd_info.c - a triage report: which kernel crashed, when, with what panic
 * message, on which CPU in which task, through which functions, and what
 * else was running.  From the dump alone: no debuginfo, no vmlinux.  --json
 * gives the same as one JSON document for a fleet's tooling.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/commands.h"
#include "lbdump.h"
#include "render/json.h"
#include "render/printable.h"
#include "render/redaction_report.h"
#include "render/triage_report.h"
#include "tools/dump_keys.h"

static void format_time(int64_t when, char *buf, size_t len)
{
    time_t t = (time_t)when;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/*
 * A string from the dump, safe for a terminal: bytes that are not printable
 * ASCII become \xNN, as dmesg writes them, so a crafted dump cannot send
 * escape sequences.  Four results may be in use at once.
 */
static const char *safe(const char *s)
{
    static char bufs[4][PRINTABLE_SIZE(512)];
    static int next;

    return printable(s, bufs[next++ % 4], sizeof(bufs[0]));
}

/* A live dump: each waiting task's stack, as found on it (no CPU's stack tells more). */
static void print_task_stacks(const struct lb_triage *t)
{
    int header = 0;

    for (size_t i = 0; i < t->ntasks; i++) {
        const struct lb_task *k = &t->tasks[i];
        if (!k->nframes)
            continue;
        if (!header++)
            printf("stacks (return addresses found on each waiting task's kernel stack):\n");
        printf("  pid %d (%s) %s:\n", k->pid, safe(k->comm), k->state);
        for (size_t f = 0; f < k->nframes; f++)
            printf("    #%-2zu %016llx %s\n", f, (unsigned long long)k->frames[f].addr,
                   k->frames[f].name[0] ? safe(k->frames[f].name) : "?");
    }
}

/* A kdump dump's saved frames by codec: what compress auto chose, read from the dump itself. */
static void print_codecs(struct lb_source *src)
{
    struct lb_codec_count c;

    if (!lb_source_codecs(src, &c))
        return;
    printf("frames by codec:");
    for (int i = 0; i < LB_CODEC_STORED; i++)
        if (c.frames[i])
            printf(" %s %llu", i == LB_CODEC_NONE ? "as-is" : lb_codec_name((enum lb_codec)i),
                   (unsigned long long)c.frames[i]);
    if (c.other)
        printf(", %llu in another codec or damaged", (unsigned long long)c.other);
    if (c.unreadable)
        printf(", %llu past the file's end", (unsigned long long)c.unreadable);
    printf(" (zero and repeated frames with the page they point at)\n");
}

static void print_text(const char *path, struct lb_source *src, const struct lb_triage *t)
{
    char when[64] = "unknown";

    if (t->crash_time)
        format_time(t->crash_time, when, sizeof(when));
    printf("dump:           %s (%s%s)\n", path, lb_source_format(src),
           lb_source_incomplete(src) ? ", INCOMPLETE" : "");
    printf("kernel release: %s\n", t->release[0] ? safe(t->release) : "unknown");
    if (t->version[0])
        printf("version:        %s\n", safe(t->version));
    printf("machine:        %s, host %s\n", t->machine[0] ? safe(t->machine) : "x86_64",
           t->nodename[0] ? safe(t->nodename) : "unknown");
    if (t->live)
        printf("live dump:      taken at %s, of a running kernel: no CPU was panicking; memory\n"
               "                changed while it was read, so lists and stacks may be "
               "inconsistent\n",
               when);
    else
        printf("crash time:     %s\n", when);
    if (t->uptime_ns)
        printf("uptime:         %.3f s at the panic\n", (double)t->uptime_ns / 1e9);
    printf("panic:          %s\n", t->panic[0]        ? safe(t->panic)
                                   : t->live          ? "none: a live dump"
                                   : t->panicked == 0 ? "none: no CPU was panicking"
                                                      : "(no panic message in the log)");
    if (t->cause[0])
        printf("cause:          %s\n", safe(t->cause));
    printf("memory:         %llu MiB\n", (unsigned long long)(triage_memory(src) >> 20));
    print_codecs(src);
    struct lb_filter_fallback fb;
    if (lb_source_filter_fallback(src, &fb))
        printf("filter:         -d %u, not the -d %u asked: every page kept but zero pages: %s\n",
               fb.applied, fb.asked, safe(fb.reason));
    struct lb_redaction_report red;
    if (lb_source_redaction(src, &red))
        redaction_text(stdout, "", &red);
    printf("cpus with saved registers: %d\n", t->ncpus);
    if (t->has_regs) {
        if (t->panicked == 0)
            printf("no panicking cpu: cpu %d, pid %d%s%s%s\n", t->panic_cpu, t->panic_pid,
                   t->panic_comm[0] ? " (" : "", safe(t->panic_comm), t->panic_comm[0] ? ")" : "");
        else
            printf("panicking cpu:  %d, pid %d%s%s%s\n", t->panic_cpu, t->panic_pid,
                   t->panic_comm[0] ? " (" : "", safe(t->panic_comm), t->panic_comm[0] ? ")" : "");
        size_t nregs;
        const char *const *names = lb_source_reg_names(src, &nregs, NULL, NULL);
        if (nregs > t->regs.nregs)
            nregs = t->regs.nregs;
        for (size_t r = 0; r < nregs; r++)
            printf("  %8s: %016llx", names[r], (unsigned long long)t->regs.regs[r]),
                fputs(r % 3 == 2 || r == nregs - 1 ? "\n" : "", stdout);
        printf("stack (return addresses found on the %s CPU's stack):\n",
               t->panicked == 0 ? "first" : "panicking");
        for (size_t i = 0; i < t->nframes; i++)
            printf("  #%-2zu %016llx %s\n", i, (unsigned long long)t->frames[i].addr,
                   t->frames[i].name[0] ? safe(t->frames[i].name) : "?");
    }
    if (t->ntasks) {
        printf("tasks:          %zu\n     PID     PPID  CPU  ST  COMM\n", t->ntasks);
        for (size_t i = 0; i < t->ntasks; i++) {
            const struct lb_task *k = &t->tasks[i];
            printf("%c %6d  %7d  %3u  %s  %s\n", k->active ? '>' : ' ', k->pid, k->ppid, k->cpu,
                   k->state, safe(k->comm));
        }
    }
    print_task_stacks(t);
    for (size_t i = 0; i < t->nnotes; i++)
        printf("note: %s\n", safe(t->notes[i]));
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                             {"live", no_argument, NULL, 'L'},
                                             {"identity", required_argument, NULL, 'i'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *identity = NULL;
    struct lb_source *src;
    struct lb_triage t;
    struct lb_error err;
    int opt, json = 0, live = 0;

    while ((opt = getopt_long(argc, argv, "hi:", longopts, NULL)) != -1) {
        if (opt == 'j') {
            json = 1;
        } else if (opt == 'L') {
            live = 1;
        } else if (opt == 'i') {
            identity = optarg;
        } else {
            fprintf(opt == 'h' ? stdout : stderr,
                    "usage: lifeboat info [--json] [--identity FILE] DUMP | --live\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind + 1 - live != argc) {
        fprintf(stderr, "usage: lifeboat info [--json] [--identity FILE] DUMP | --live\n");
        return 2;
    }
    const char *path = live ? "/proc/kcore" : argv[optind];
    if ((live ? dump_open_live(&src, &err) : dump_open(path, identity, &src, &err)) < 0)
        errx(1, "%s", err.msg);
    lb_triage(src, &t);
    if (json)
        triage_report_json(stdout, path, src, &t);
    else
        print_text(path, src, &t);
    lb_triage_free(&t);
    lb_source_close(src);
    return 0;
}
