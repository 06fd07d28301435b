/*
 * cmd_info.c - what a dump is: which kernel, when it crashed, what memory it
 * holds and what each CPU was doing.  Needs no debuginfo: everything comes
 * from the dump's own ELF headers, VMCOREINFO and saved registers.
 */
#include <elf.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "lbdump.h"

static int by_phys(const void *a, const void *b)
{
    const struct lb_segment *x = *(const struct lb_segment *const *)a;
    const struct lb_segment *y = *(const struct lb_segment *const *)b;

    return x->phys_addr < y->phys_addr ? -1 : x->phys_addr > y->phys_addr;
}

/* Bytes of physical memory covered, counting overlapping segments once. */
static uint64_t memory_covered(struct lb_source *src)
{
    size_t n = lb_source_segment_count(src);
    const struct lb_segment **sorted = calloc(n, sizeof(*sorted));
    uint64_t total = 0, reach = 0;

    if (!sorted)
        err(1, "out of memory");
    for (size_t i = 0; i < n; i++)
        sorted[i] = lb_source_segment(src, i);
    qsort(sorted, n, sizeof(*sorted), by_phys);
    for (size_t i = 0; i < n; i++) {
        uint64_t start = sorted[i]->phys_addr, end = start + sorted[i]->mem_size;
        if (start < reach)
            start = reach;
        if (end > start) {
            total += end - start;
            reach = end;
        }
    }
    free(sorted);
    return total;
}

static void print_vmcoreinfo(const struct lb_vmcoreinfo *info)
{
    const char *release = lb_vmcoreinfo_get(info, "OSRELEASE");
    uint64_t page_size, when;

    printf("kernel release: %s\n", release ? release : "(not in VMCOREINFO)");
    if (lb_vmcoreinfo_get_u64(info, "PAGESIZE", 10, &page_size) == 0)
        printf("page size:      %llu\n", (unsigned long long)page_size);
    if (lb_vmcoreinfo_get_u64(info, "CRASHTIME", 10, &when) == 0) {
        time_t t = (time_t)when;
        struct tm tm;
        char buf[64];
        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
        printf("crash time:     %s\n", buf);
    }
}

static void print_memory(struct lb_source *src)
{
    size_t n = lb_source_segment_count(src);

    printf("memory:         %llu MiB in %zu segments\n",
           (unsigned long long)(memory_covered(src) >> 20), n);
    for (size_t i = 0; i < n; i++) {
        const struct lb_segment *s = lb_source_segment(src, i);
        printf("  0x%016llx-0x%016llx %10llu KiB", (unsigned long long)s->phys_addr,
               (unsigned long long)(s->phys_addr + s->mem_size - 1),
               (unsigned long long)(s->mem_size >> 10));
        if (s->file_size < s->mem_size)
            printf("  (%llu KiB missing from the file)",
                   (unsigned long long)((s->mem_size - s->file_size) >> 10));
        printf("\n");
    }
}

static void print_cpus(const uint8_t *notes, size_t len)
{
    struct lb_note note;
    struct lb_error err;
    size_t pos = 0, cpu = 0;
    int r;

    while ((r = lb_note_next(notes, len, &pos, &note, &err)) == 1) {
        struct lb_cpu_state st;
        if (note.type != NT_PRSTATUS || strcmp(note.name, "CORE") != 0)
            continue;
        if (lb_prstatus_parse(note.desc, note.desc_len, &st, &err) < 0) {
            printf("  cpu %zu: %s\n", cpu++, err.msg);
            continue;
        }
        printf("  cpu %zu: pid %u rip 0x%016llx rsp 0x%016llx\n", cpu++, st.pid,
               (unsigned long long)st.regs[LB_RIP], (unsigned long long)st.regs[LB_RSP]);
    }
    if (r < 0)
        printf("  notes: %s\n", err.msg);
    printf("cpus with saved registers: %zu\n", cpu);
}

int cmd_info(int argc, char **argv)
{
    struct lb_source *src;
    struct lb_vmcoreinfo *info;
    struct lb_error err;
    const uint8_t *notes;
    size_t len;

    if (argc != 2 || argv[1][0] == '-') {
        int help = argc == 2 && strcmp(argv[1], "--help") == 0;
        fprintf(help ? stdout : stderr, "usage: lifeboat info DUMP\n");
        return help ? 0 : 2;
    }
    if (lb_source_open(argv[1], &src, &err) < 0)
        errx(1, "%s", err.msg);
    printf("dump:           %s (ELF)\n", argv[1]);
    notes = lb_source_notes(src, &len);
    if (lb_vmcoreinfo_from_notes(notes, len, &info, &err) < 0) {
        printf("vmcoreinfo:     %s\n", err.msg);
    } else {
        print_vmcoreinfo(info);
        lb_vmcoreinfo_free(info);
    }
    print_memory(src);
    print_cpus(notes, len);
    lb_source_close(src);
    return 0;
}
