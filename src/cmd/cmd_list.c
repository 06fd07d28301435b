/*
 * cmd_list.c - the dumps on the configured targets, newest first.
 *
 *     lifeboat list [-c CONFIG] [--json]
 *     lifeboat list --boot      (the service, at boot: the notice, notice.c)
 *
 * The targets as this system sees them: a directory by its path, a file
 * system by where it is mounted now (one not mounted is said and skipped),
 * and /var/crash, where savecore puts what a raw target caught.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/notice.h"
#include "cmd/commands.h"
#include "config/config.h"
#include "render/json.h"
#include "render/printable.h"
#include "targets/target.h"

static void add_dir(char dirs[][PATH_MAX], size_t *n, const char *dir)
{
    char real[PATH_MAX];

    if (!realpath(dir, real))
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(dirs[i], real) == 0)
            return;
    strcpy(dirs[(*n)++], real);
}

int list_configured_dumps(const char *conf, struct dump_list *list, struct lb_error *err)
{
    static struct config cfg;
    static char dirs[CONFIG_MAX_TARGETS + 1][PATH_MAX];
    size_t n = 0;

    if (config_load(conf, &cfg, err) < 0)
        return -1;
    for (size_t i = 0; i < cfg.ntargets; i++) {
        const struct target *t = &cfg.targets[i];
        char dir[PATH_MAX * 2];
        struct lb_error where = {.msg = ""};
        if (t->kind->ops->directory_here(t, dir, sizeof(dir), &where) == 0)
            add_dir(dirs, &n, dir);
        else if (where.msg[0])
            fprintf(stderr, "lifeboat: target %s\n", where.msg);
    }
    add_dir(dirs, &n, DEFAULT_TARGET);
    for (size_t i = 0; i < n; i++)
        dumps_scan(dirs[i], list);
    dumps_sort(list);
    return 0;
}

static const char *panic_of(const struct dump_entry *d)
{
    return d->panic[0]    ? d->panic
           : d->encrypted ? "(encrypted: lifeboat list --identity FILE shows the panic)"
                          : "(no panic message saved)";
}

/* What the dumps say, each field on its line and only there: control bytes escaped. */
/* complete, INCOMPLETE, or interrupted: a capture that never finished (the power went). */
static const char *shown_status(const struct dump_entry *d)
{
    if (d->complete)
        return "complete";
    return strcmp(d->status, "interrupted") == 0 ? "INCOMPLETE, interrupted" : "INCOMPLETE";
}

static void print_text(const struct dump_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct dump_entry *d = &l->e[i];
        char when[32], host[PRINTABLE_SIZE(sizeof(d->host))],
            release[PRINTABLE_SIZE(sizeof(d->release))], panic[PRINTABLE_SIZE(sizeof(d->panic))],
            path[PRINTABLE_SIZE(sizeof(d->path))];
        struct tm tm;
        gmtime_r(&d->when, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        printf("%s UTC  %s  %s  %.1f MiB  %s\n  %s\n  %s\n", when,
               printable(d->host[0] ? d->host : "?", host, sizeof(host)),
               printable(d->release[0] ? d->release : "?", release, sizeof(release)),
               (double)d->bytes / (1 << 20), shown_status(d),
               printable(panic_of(d), panic, sizeof(panic)),
               printable(d->path, path, sizeof(path)));
    }
    if (l->n == 0)
        printf("no dumps\n");
}

static void print_json(const struct dump_list *l)
{
    printf("[");
    for (size_t i = 0; i < l->n; i++) {
        const struct dump_entry *d = &l->e[i];
        printf("%s\n  {\"time\": %lld, \"host\": ", i ? "," : "", (long long)d->when);
        json_cstring(stdout, d->host);
        printf(", \"kernel_release\": ");
        json_cstring(stdout, d->release);
        printf(", \"panic\": ");
        json_cstring(stdout, d->panic[0] ? d->panic : NULL);
        printf(", \"bytes\": %llu, \"complete\": %s, \"interrupted\": %s, \"encrypted\": %s, "
               "\"path\": ",
               (unsigned long long)d->bytes, d->complete ? "true" : "false",
               strcmp(d->status, "interrupted") == 0 ? "true" : "false",
               d->encrypted ? "true" : "false");
        json_cstring(stdout, d->path);
        printf("}");
    }
    printf("%s]\n", l->n ? "\n" : "");
}

int cmd_list(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
        {"boot", no_argument, NULL, 'b'},         {"identity", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *conf = LIFEBOAT_CONF, *identity = NULL;
    struct lb_age_identities *ids = NULL;
    struct dump_list list = {0};
    int opt, json = 0, boot = 0;
    struct lb_error e;
    struct lb_error err;

    while ((opt = getopt_long(argc, argv, "c:hi:", longopts, NULL)) != -1) {
        if (opt == 'c')
            conf = optarg;
        else if (opt == 'i')
            identity = optarg;
        else if (opt == 'j')
            json = 1;
        else if (opt == 'b')
            boot = 1;
        else {
            fprintf(opt == 'h' ? stdout : stderr,
                    "usage: lifeboat list [-c CONFIG] [--json] [--identity FILE]\n"
                    "       lifeboat list --boot   (at boot: say once that the last boot "
                    "crashed)\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind != argc)
        errx(2, "usage: lifeboat list [-c CONFIG] [--json] [--identity FILE]");
    if (identity && lb_age_identities_load(identity, &ids, &e) < 0)
        errx(1, "%s", e.msg);
    list.ids = ids;
    if (list_configured_dumps(conf, &list, &err) < 0)
        errx(1, "%s", err.msg);
    if (boot)
        notice_boot(&list, stdout);
    else if (json)
        print_json(&list);
    else
        print_text(&list);
    dumps_free(&list);
    lb_age_identities_free(ids);
    return 0;
}
