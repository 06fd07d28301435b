/*
 * notice.c - a crash must never pass unnoticed.
 *
 * The service runs 'lifeboat list --boot' at every boot, after savecore and
 * before load.  It says, once per dump, "the previous boot crashed at TIME:
 * PANIC; dump in PATH", in the journal and (kept in LIFEBOAT_STATE/notice)
 * in 'lifeboat status'.  A crash that left no dump is told by what is left:
 * load writes the boot's id to LIFEBOAT_STATE/armed and unload (the
 * service's stop, at a clean shutdown) removes it, so an armed file from
 * another boot means that boot ended without shutting down; pstore
 * (/sys/fs/pstore), where the machine has it, holds what the kernel wrote
 * as it died.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin/notice.h"
#include "platform/format.h"
#include "render/printable.h"

#define STATE(name) LIFEBOAT_STATE "/" name

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    int r = f && fgets(buf, (int)len, f) ? 0 : -1;

    if (f)
        fclose(f);
    if (r == 0)
        buf[strcspn(buf, "\n")] = '\0';
    return r;
}

/* Written whole under a temporary name, then renamed: a crash now leaves old or new. */
static void write_state(const char *name, const char *text)
{
    char path[300], temp[320];
    FILE *f;

    char dir[] = LIFEBOAT_STATE;
    for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0'; /* its parents, as mkdir -p (a bare system may lack /var/lib) */
        mkdir(dir, 0755);
        *slash = '/';
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return;
    if (format_whole(path, sizeof(path), "%s/%s", LIFEBOAT_STATE, name) < 0 ||
        format_whole(temp, sizeof(temp), "%s.new", path) < 0)
        return;
    f = fopen(temp, "we");
    if (!f)
        return;
    fprintf(f, "%s\n", text);
    if (fflush(f) == 0 && fsync(fileno(f)) == 0 && fclose(f) == 0)
        rename(temp, path);
    else
        unlink(temp);
}

static void boot_id(char *id, size_t len)
{
    if (read_line("/proc/sys/kernel/random/boot_id", id, len) < 0)
        snprintf(id, len, "unknown");
}

void notice_arm(void)
{
    char id[64];

    boot_id(id, sizeof(id));
    write_state("armed", id);
}

void notice_disarm(void)
{
    unlink(STATE("armed"));
}

/* What pstore kept: how many records, and the first panic line in them. */
static int pstore_summary(char *what, size_t len)
{
    DIR *d = opendir("/sys/fs/pstore");
    struct dirent *e;
    int records = 0;

    what[0] = '\0';
    while (d && (e = readdir(d))) {
        char path[300], line[256];
        FILE *f;
        if (e->d_name[0] == '.')
            continue;
        records++;
        snprintf(path, sizeof(path), "/sys/fs/pstore/%s", e->d_name);
        f = what[0] ? NULL : fopen(path, "re");
        for (int n = 0; f && n < 4096 && fgets(line, sizeof(line), f); n++)
            if (strstr(line, "Kernel panic")) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(what, len, "%s", line);
                break;
            }
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return records;
}

/* One line, whatever the dump's words hold (a line end of their own would forge the next). */
static void say(FILE *out, const char *line)
{
    char safe[PRINTABLE_SIZE(1200)];

    printable(line, safe, sizeof(safe));
    fprintf(out, "lifeboat: %s\n", safe);
    write_state("notice", safe);
}

void notice_raw_dump_kept(const char *why)
{
    if (why && why[0])
        write_state("raw-kept", why);
    else
        unlink(STATE("raw-kept"));
}

/* A dump still on a raw target is at risk until it is saved: said at every boot, not once. */
static void tell_raw_dump_kept(FILE *out)
{
    char why[1024], line[1200];

    if (read_line(STATE("raw-kept"), why, sizeof(why)) < 0)
        return;
    snprintf(line, sizeof(line),
             "a crash dump is still on its raw target, not saved: %s (the next crash cannot "
             "use that target until it is)",
             why);
    char shown[PRINTABLE_SIZE(sizeof(line))];
    fprintf(out, "lifeboat: %s\n", printable(line, shown, sizeof(shown)));
}

void notice_boot(const struct dump_list *dumps, FILE *out)
{
    char last[700] = "", armed[64] = "", now[64], line[1200], when[40], kept[256];
    int records = pstore_summary(kept, sizeof(kept));

    tell_raw_dump_kept(out);

    /* "TIME PATH" of the last dump told: only a newer one is news (one removed is not) */
    long long told = read_line(STATE("noticed"), last, sizeof(last)) == 0 ? atoll(last) : 0;
    if (dumps->n && (long long)dumps->e[0].when > told) {
        const struct dump_entry *d = &dumps->e[0];
        struct tm tm;
        gmtime_r(&d->when, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
        snprintf(line, sizeof(line), "the previous boot crashed at %s: %s; %s dump in %s", when,
                 d->panic[0]    ? d->panic
                 : d->encrypted ? "(the panic message is encrypted)"
                                : "(no panic message saved)",
                 d->complete ? "complete" : "INCOMPLETE", d->path);
        say(out, line);
        snprintf(line, sizeof(line), "%lld %s", (long long)d->when, d->path);
        write_state("noticed", line);
    } else if (read_line(STATE("armed"), armed, sizeof(armed)) == 0 &&
               (boot_id(now, sizeof(now)), strcmp(armed, now) != 0)) {
        snprintf(line, sizeof(line),
                 "the previous boot ended without a clean shutdown and no dump was saved (a "
                 "crash whose capture failed, a reset or a power loss)%s%s%s",
                 records ? "; pstore kept: " : "; nothing in pstore",
                 records ? (kept[0] ? kept : "") : "",
                 records && !kept[0] ? "records in /sys/fs/pstore" : "");
        say(out, line);
    } else if (records && kept[0] &&
               (read_line(STATE("pstore-noticed"), last, sizeof(last)) < 0 ||
                strcmp(last, kept) != 0)) {
        /* nothing was loaded, but the kernel left its last words: said once */
        snprintf(line, sizeof(line), "a crash left no dump; pstore kept: %s", kept);
        say(out, line);
        write_state("pstore-noticed", kept);
    }
    notice_disarm(); /* load arms this boot */
}

void notice_print_last(FILE *out)
{
    char line[1200];

    if (read_line(STATE("notice"), line, sizeof(line)) == 0)
        fprintf(out, "last crash: %s\n", line);
}
