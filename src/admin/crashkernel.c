/*
 * crashkernel.c - the reservation's two forms, and whether a kernel takes
 * the second.
 *
 * crashkernel=SIZE,cma (Linux 6.16; Documentation/admin-guide/kdump/kdump.rst)
 * reserves more crash kernel memory from CMA: until a crash the running
 * system uses it for movable pages (user memory, page cache), and at the
 * panic the crash kernel gets it as RAM.  What the kernel's documentation
 * says of it, and what lifeboat does about each:
 *   1. a plain reservation is still needed for the crash kernel and its
 *      initrd (kexec_file_load places them there): estimate splits its
 *      number into the plain part (the kernel's init_size, the initramfs,
 *      kexec's segments, the margin) and the CMA part (the rest: the
 *      kernel's boot, the unpacked initramfs, the capture, more CPUs);
 *      load refuses a ,cma reservation with no plain one, by name;
 *   2. pages in the CMA range are left out of /proc/vmcore (the crash
 *      kernel runs there), so user pages and movable kernel pages in it are
 *      not in the dump: load and status say so when the dump-level keeps
 *      user pages, and the dump is no less valid for it;
 *   3. DMA set up by the dead kernel into pinned pages of the range may
 *      still land after the crash: the kernel waits 10 s before starting
 *      the crash kernel (crash_cma_clear_pending_dma), and the risk remains,
 *      so the plain form stays the default and ,cma is the admin's choice
 *      (reservation cma in lifeboat.conf, or estimate --cma);
 *   4. /sys/kernel/kexec_crash_size and /proc/iomem's "Crash kernel" are
 *      the plain part only: the CMA part is read from
 *      /sys/kernel/mm/cma/crashkernel/total_pages, else from /proc/cmdline.
 * And one the documentation does not say: the GRUB line reaches every kernel
 * in the menu, and a kernel before 6.16 takes the last crashkernel= word
 * without a suffix it knows as its plain size, so "crashkernel=72M
 * crashkernel=16M,cma" leaves Debian's 6.12 with no reservation at all
 * ("crashkernel: unrecognized char: ,"): estimate writes the ,cma word first,
 * and such a kernel keeps the plain part.
 * Whether a kernel has it is read from the kernel itself, not its version:
 * CONFIG_CMA=y in its config, and crashk_cma_cnt among its symbols (the
 * kernel defines it only where it reserves crashkernel CMA ranges).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/crashkernel.h"
#include "admin/host_arch.h"

static int parse_size(const char *s, const char **end, uint64_t *out)
{
    char *e;
    unsigned long long v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &e, 0);
    if (errno)
        return -1;
    switch (*e) {
    case 'T':
    case 't':
        v <<= 10;
        /* fall through */
    case 'G':
    case 'g':
        v <<= 10;
        /* fall through */
    case 'M':
    case 'm':
        v <<= 10;
        /* fall through */
    case 'K':
    case 'k':
        v <<= 10;
        e++;
        break;
    }
    *out = v;
    *end = e;
    return 0;
}

/* One crashkernel= value, len bytes at v. */
static int parse_value(const char *v, size_t len, struct crashkernel_args *a)
{
    char buf[256];
    const char *end;
    uint64_t size;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, v, len);
    buf[len] = '\0';
    if (strchr(buf, ':')) { /* ranges: start-[end]:size,... */
        a->other = 1;
        return 0;
    }
    if (parse_size(buf, &end, &size) < 0)
        return -1;
    if (*end == '\0' || *end == '@') {
        uint64_t off;
        if (*end == '@' && (parse_size(end + 1, &end, &off) < 0 || *end))
            return -1;
        a->plain = size;
        return 0;
    }
    if (strcmp(end, ",cma") == 0)
        a->cma = size;
    else if (strcmp(end, ",high") == 0)
        a->plain = size; /* plain still, maybe above 4G, with a low part the kernel adds */
    else if (strcmp(end, ",low") == 0)
        a->other = 1;
    else
        return -1;
    return 0;
}

int crashkernel_parse(const char *cmdline, struct crashkernel_args *a)
{
    static const char key[] = "crashkernel=";
    const char *p = cmdline;

    memset(a, 0, sizeof(*a));
    while (*p) {
        size_t len;
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        len = strcspn(p, " \t\n");
        if (len > sizeof(key) - 1 && strncmp(p, key, sizeof(key) - 1) == 0 &&
            parse_value(p + sizeof(key) - 1, len - (sizeof(key) - 1), a) < 0)
            return -1;
        p += len;
    }
    return 0;
}

/* The first of the files that exists: 0 with path. */
static int first_file(const char *root, const char *const *fmt, size_t n, const char *release,
                      char *path, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        char rel[512];
        snprintf(rel, sizeof(rel), fmt[i], release);
        if ((size_t)snprintf(path, len, "%s%s", root, rel) < len && access(path, R_OK) == 0)
            return 0;
    }
    return -1;
}

/* A line of f is exactly want (with its newline or not); -1 if f cannot be read. */
static int config_says(const char *path, const char *want)
{
    char line[512];
    size_t n = strlen(want);
    int found = 0;
    FILE *f = fopen(path, "re");

    if (!f)
        return -1;
    while (!found && fgets(line, sizeof(line), f))
        found = strncmp(line, want, n) == 0 && (line[n] == '\n' || line[n] == '\0');
    fclose(f);
    return found;
}

/* Symbol name in a kallsyms or System.map file: 1, 0, or -1 if it has too few lines to judge. */
static int has_symbol(const char *path, const char *name, int *lines)
{
    char line[512];
    size_t n = strlen(name);
    int found = 0;
    FILE *f = fopen(path, "re");

    *lines = 0;
    if (!f)
        return -1;
    while (!found && fgets(line, sizeof(line), f)) {
        char *sym = strrchr(line, ' ');
        (*lines)++;
        if (!sym)
            continue;
        sym++;
        found = strncmp(sym, name, n) == 0 && (sym[n] == '\n' || sym[n] == '\0' || sym[n] == '\t');
    }
    fclose(f);
    return found ? 1 : *lines < 1000 ? -1 : 0;
}

int crashkernel_cma_supported(const char *root, const char *release, int running, char *how,
                              size_t howlen)
{
    static const char *const configs[] = {"/boot/config-%s", "/usr/lib/modules/%s/config",
                                          "/lib/modules/%s/config"};
    static const char *const maps[] = {"/boot/System.map-%s", "/usr/lib/modules/%s/System.map",
                                       "/lib/modules/%s/System.map"};
    char config[1024], symbols[1024];
    int r, lines, have_config;

    if (host_cma_refusal) {
        snprintf(how, howlen, "%s", host_cma_refusal);
        return 0;
    }
    have_config = first_file(root, configs, 3, release, config, sizeof(config)) == 0;
    if (have_config && config_says(config, "CONFIG_CMA=y") == 0) {
        snprintf(how, howlen, "%s has no CONFIG_CMA=y: no crashkernel=,cma", config);
        return 0;
    }
    if (running)
        snprintf(symbols, sizeof(symbols), "%s/proc/kallsyms", root);
    else if (first_file(root, maps, 3, release, symbols, sizeof(symbols)) < 0) {
        snprintf(how, howlen,
                 "%s is not the running kernel and has no System.map: whether it takes "
                 "crashkernel=,cma is known once it runs",
                 release);
        return 0;
    }
    r = has_symbol(symbols, "crashk_cma_cnt", &lines);
    if (r < 0)
        snprintf(how, howlen,
                 "%s cannot tell (%d lines: %s): whether %s takes crashkernel=,cma is known once "
                 "it runs",
                 symbols, lines, running ? "unreadable" : "a stub, as Debian's is", release);
    else if (r == 0)
        snprintf(how, howlen,
                 "%s has no crashk_cma_cnt: %s reserves no crashkernel CMA ranges (it predates "
                 "crashkernel=,cma or lacks the generic crashkernel reservation)",
                 symbols, release);
    else
        snprintf(how, howlen, "%s has crashk_cma_cnt%s%s", symbols,
                 have_config ? " and CONFIG_CMA=y in " : "", have_config ? config : "");
    return r == 1;
}

void crashkernel_cma_read(const char *root, struct crashkernel_cma *c)
{
    char path[1024], text[4096];
    struct crashkernel_args a;
    struct dirent *d;
    DIR *dir;
    FILE *f;
    size_t n;
    long page = sysconf(_SC_PAGESIZE);

    memset(c, 0, sizeof(*c));
    snprintf(path, sizeof(path), "%s/proc/cmdline", root);
    if ((f = fopen(path, "re"))) {
        n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = '\0';
        fclose(f);
        if (crashkernel_parse(text, &a) == 0)
            c->requested = a.cma;
    }
    snprintf(path, sizeof(path), "%s/sys/kernel/mm/cma", root);
    dir = opendir(path);
    while (dir && (d = readdir(dir))) {
        unsigned long long pages;
        char file[1400];
        if (strncmp(d->d_name, "crashkernel", 11) != 0)
            continue;
        snprintf(file, sizeof(file), "%s/%s/total_pages", path, d->d_name);
        if ((f = fopen(file, "re"))) {
            if (fscanf(f, "%llu", &pages) == 1) {
                c->reserved += (uint64_t)pages * (uint64_t)(page > 0 ? page : 4096);
                c->said = 1;
            }
            fclose(f);
        }
    }
    if (dir)
        closedir(dir);
    if (!c->said && c->requested) {
        /* no CMA_SYSFS: as asked, if the kernel takes ,cma at all (a 6.12 ignores the word) */
        int lines;
        snprintf(path, sizeof(path), "%s/proc/kallsyms", root);
        if (has_symbol(path, "crashk_cma_cnt", &lines) == 1)
            c->reserved = c->requested;
    }
}
