/*
 * test_live.c - the live source (lib/source/kcore_source.c) on synthetic /proc/kcore
 * files: which segments are physical memory (the direct map's, each frame
 * once: not the kernel image's second view of RAM, not vmalloc's or
 * vmemmap's, which have no physical address), what its notes become, and
 * headers a hostile kcore (or a file passed off as one) could hold: sizes
 * past the file, offsets and addresses that wrap, overlaps, no VMCOREINFO.
 * Then a live dump written and read back says it is live.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "lbdump.h"

#define PAGE_OFFSET 0xffff888000000000ull
#define NO_PADDR    UINT64_MAX
#define DATA_AT     0x10000ull /* where segment data starts in the synthetic file */

struct kc {
    uint8_t notes[4096];
    size_t notes_len;
    Elf64_Phdr ph[16];
    int nph;
    uint64_t size; /* of the file; data past it is missing */
};

static void kc_note(struct kc *k, const char *name, uint32_t type, const void *desc, size_t len)
{
    Elf64_Nhdr h = {(Elf64_Word)strlen(name) + 1, (Elf64_Word)len, type};
    uint8_t *p = k->notes + k->notes_len;

    memcpy(p, &h, sizeof(h));
    memcpy(p + sizeof(h), name, h.n_namesz);
    memcpy(p + sizeof(h) + ((h.n_namesz + 3) & ~3u), desc, len);
    k->notes_len += sizeof(h) + ((h.n_namesz + 3) & ~3u) + ((len + 3) & ~(size_t)3);
}

/* The notes of a 6.x kcore: a zero NT_PRSTATUS, NT_PRPSINFO, the reader's task, VMCOREINFO. */
static void kc_init(struct kc *k, int vmcoreinfo)
{
    static const uint8_t zeros[336];
    static const char vi[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n";

    memset(k, 0, sizeof(*k));
    kc_note(k, "CORE", NT_PRSTATUS, zeros, sizeof(zeros));
    kc_note(k, "CORE", NT_PRPSINFO, zeros, 136);
    kc_note(k, "CORE", NT_TASKSTRUCT, zeros, 200);
    if (vmcoreinfo)
        kc_note(k, "VMCOREINFO", 0, vi, sizeof(vi) - 1);
    k->size = DATA_AT + (64 << 12);
}

static void kc_load(struct kc *k, uint64_t vaddr, uint64_t paddr, uint64_t offset, uint64_t size)
{
    k->ph[k->nph++] = (Elf64_Phdr){.p_type = PT_LOAD,
                                   .p_offset = offset,
                                   .p_vaddr = vaddr,
                                   .p_paddr = paddr,
                                   .p_filesz = size,
                                   .p_memsz = size};
}

/* Segment data: page i of the file's data area is filled with the byte fill(i). */
static uint8_t fill_of(uint64_t offset)
{
    return (uint8_t)('A' + ((offset - DATA_AT) >> 12) % 26);
}

static char *kc_write(const struct kc *k)
{
    char *path = strdup("/tmp/lifeboat-kcore-XXXXXX");
    int fd = mkstemp(path);
    Elf64_Ehdr eh = {.e_type = ET_CORE,
                     .e_machine = EM_X86_64,
                     .e_version = EV_CURRENT,
                     .e_phoff = sizeof(Elf64_Ehdr),
                     .e_ehsize = sizeof(Elf64_Ehdr),
                     .e_phentsize = sizeof(Elf64_Phdr),
                     .e_phnum = (Elf64_Half)(k->nph + 1)};
    uint64_t notes_at = sizeof(eh) + (uint64_t)(k->nph + 1) * sizeof(Elf64_Phdr);
    Elf64_Phdr note = {.p_type = PT_NOTE, .p_offset = notes_at, .p_filesz = k->notes_len};
    uint8_t page[4096];

    assert_true(fd >= 0);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
    assert_int_equal(pwrite(fd, &note, sizeof(note), sizeof(eh)), sizeof(note));
    assert_int_equal(pwrite(fd, k->ph, k->nph * sizeof(Elf64_Phdr), sizeof(eh) + sizeof(note)),
                     (ssize_t)(k->nph * sizeof(Elf64_Phdr)));
    assert_int_equal(pwrite(fd, k->notes, k->notes_len, (off_t)notes_at), (ssize_t)k->notes_len);
    for (uint64_t at = DATA_AT; at < k->size; at += sizeof(page)) {
        memset(page, fill_of(at), sizeof(page));
        assert_int_equal(pwrite(fd, page, sizeof(page), (off_t)at), sizeof(page));
    }
    assert_int_equal(ftruncate(fd, (off_t)k->size), 0);
    close(fd);
    return path;
}

static int count_notes(const struct lb_source *src, uint32_t type, const char *name)
{
    size_t len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &len);
    struct lb_note note;
    struct lb_error err;
    int n = 0;

    while (lb_note_next(notes, len, &pos, &note, &err) == 1)
        n += note.type == type && strcmp(note.name, name) == 0;
    return n;
}

/* A 6.x kcore's shape: RAM twice (direct map, kernel image), vmalloc and vmemmap without paddr. */
static struct lb_source *open_shaped(char **path)
{
    struct kc k;
    struct lb_source *src = NULL;
    struct lb_error err;

    kc_init(&k, 1);
    kc_load(&k, 0xffffffff81000000ull, 0x200000, DATA_AT + (40 << 12), 2 << 12); /* the image */
    kc_load(&k, 0xffffc90000000000ull, NO_PADDR, 0x7f0000000000ull, 1ull << 40); /* vmalloc */
    kc_load(&k, PAGE_OFFSET + 0x100000, 0x100000, DATA_AT, 4 << 12);             /* RAM */
    kc_load(&k, PAGE_OFFSET + 0x200000, 0x200000, DATA_AT + (8 << 12), 8 << 12); /* RAM */
    kc_load(&k, 0xffffea0000000000ull, NO_PADDR, DATA_AT, 4 << 12);              /* vmemmap */
    *path = kc_write(&k);
    if (lb_source_open_live(*path, &src, &err) < 0)
        fail_msg("%s", err.msg);
    return src;
}

static void close_shaped(struct lb_source *src, char *path)
{
    lb_source_close(src);
    unlink(path);
    free(path);
}

static void live_source_maps_ram_once(void **state)
{
    (void)state;
    char *path;
    struct lb_source *src = open_shaped(&path);
    uint8_t buf[4096], status[12];
    size_t nruns;
    const struct lb_frame_run *runs = lb_source_frame_runs(src, &nruns);
    struct lb_error err;
    int64_t taken = 0;

    assert_string_equal(lb_source_format(src), "kcore");
    assert_int_equal(lb_source_segment_count(src), 2);
    assert_int_equal(lb_source_segment(src, 0)->phys_addr, 0x100000);
    assert_int_equal(lb_source_segment(src, 1)->phys_addr, 0x200000);
    assert_int_equal(nruns, 2);
    assert_int_equal(runs[0].count + runs[1].count, 12);
    /* 0x200000 is read through the direct map, not the image's segment (other bytes here) */
    assert_int_equal(lb_source_read_phys(src, 0x200000, buf, 1, &err), 0);
    assert_int_equal(buf[0], fill_of(DATA_AT + (8 << 12)));
    assert_int_equal(lb_source_read_phys(src, 0x103000, buf, 1, &err), 0);
    assert_int_equal(buf[0], fill_of(DATA_AT + (3 << 12)));
    lb_source_read_pages(src, 0x100, 1, buf, status);
    assert_int_equal(status[0], LB_PAGE_OK);
    assert_int_equal(lb_source_read_phys(src, 0x180000, buf, 1, &err), -1); /* a hole */
    /* the notes: VMCOREINFO with CRASHTIME, a zero NT_PRSTATUS a CPU, the live note */
    assert_int_equal(count_notes(src, 0, "VMCOREINFO"), 1);
    assert_true(count_notes(src, NT_PRSTATUS, "CORE") >= 1);
    assert_int_equal(count_notes(src, NT_TASKSTRUCT, "CORE"), 0);
    assert_int_equal(lb_source_live(src, &taken), 1);
    assert_true(taken > 1700000000);
    assert_int_equal(lb_source_running(src), 1);
    struct lb_vmcoreinfo *vi;
    size_t len;
    const uint8_t *notes = lb_source_notes(src, &len);
    uint64_t when;
    assert_int_equal(lb_vmcoreinfo_from_notes(notes, len, &vi, &err), 0);
    assert_int_equal(lb_vmcoreinfo_get_u64(vi, "CRASHTIME", 10, &when), 0);
    assert_int_equal((int64_t)when, taken);
    assert_string_equal(lb_vmcoreinfo_get(vi, "OSRELEASE"), "6.1.0-test");
    lb_vmcoreinfo_free(vi);
    close_shaped(src, path);
}

/* Sizes past the file, wrapping offsets and addresses, overlaps: never fatal, each frame once. */
static void live_source_survives_hostile_headers(void **state)
{
    (void)state;
    struct kc k;
    struct lb_source *src;
    struct lb_error err;
    uint8_t buf[16 * 4096], status[16];
    char *path;

    kc_init(&k, 1);
    k.size = DATA_AT + (4 << 12); /* 4 pages of data in the file */
    kc_load(&k, PAGE_OFFSET + 0x100000, 0x100000, DATA_AT, 16 << 12); /* 12 pages past the end */
    kc_load(&k, PAGE_OFFSET + 0x104000, 0x104000, DATA_AT, 8 << 12);  /* inside the one before */
    kc_load(&k, PAGE_OFFSET + 0x10c000, 0x10c000, DATA_AT, 8 << 12);  /* half past its end */
    kc_load(&k, PAGE_OFFSET + 0x400000, 0x400000, UINT64_MAX - 4095, 1 << 12); /* offset wraps */
    kc_load(&k, PAGE_OFFSET + 0x500000, UINT64_MAX - 4095, DATA_AT, 2 << 12);  /* paddr wraps */
    kc_load(&k, PAGE_OFFSET + 0x600001, 0x600001, DATA_AT, 1 << 12);           /* unaligned */
    path = kc_write(&k);
    if (lb_source_open_live(path, &src, &err) < 0)
        fail_msg("%s", err.msg);
    for (size_t i = 1; i < lb_source_segment_count(src); i++) {
        const struct lb_segment *a = lb_source_segment(src, i - 1), *b = lb_source_segment(src, i);
        assert_true(a->phys_addr + a->mem_size <= b->phys_addr);
    }
    lb_source_read_pages(src, 0x100, 16, buf, status);
    for (int i = 0; i < 16; i++)
        assert_int_equal(status[i], i < 4 ? LB_PAGE_OK : LB_PAGE_EXCLUDED);
    assert_int_equal(lb_source_holes(src), 12);
    lb_source_read_pages(src, 0x400, 1, buf, status);
    assert_int_equal(status[0], LB_PAGE_EXCLUDED);
    assert_int_equal(lb_source_incomplete(src), 0);
    lb_source_close(src);
    unlink(path);
    free(path);
}

static void live_source_needs_vmcoreinfo_and_memory(void **state)
{
    (void)state;
    struct kc k;
    struct lb_source *src = NULL;
    struct lb_error err;
    char *path;

    kc_init(&k, 0);
    kc_load(&k, PAGE_OFFSET + 0x100000, 0x100000, DATA_AT, 4 << 12);
    path = kc_write(&k);
    assert_int_equal(lb_source_open_live(path, &src, &err), -1);
    assert_non_null(strstr(err.msg, "VMCOREINFO"));
    unlink(path);
    free(path);
    kc_init(&k, 1);
    kc_load(&k, 0xffffc90000000000ull, NO_PADDR, DATA_AT, 4 << 12);
    path = kc_write(&k);
    assert_int_equal(lb_source_open_live(path, &src, &err), -1);
    assert_non_null(strstr(err.msg, "physical address"));
    unlink(path);
    free(path);
}

/* Written as kdump and as ELF, the dump reads back live, with the running kernel's pages. */
static void live_dump_says_it_is_live(void **state)
{
    (void)state;
    for (int format = LB_FORMAT_KDUMP; format <= LB_FORMAT_ELF; format++) {
        char *path, out_path[64];
        struct lb_source *src = open_shaped(&path), *dump;
        struct lb_write_options opts = {.format = format, .dump_level = 1, .sparse = 1};
        struct lb_write_stats stats;
        struct lb_error err;
        uint8_t byte;
        int fd = memfd_create("live-dump", 0);

        assert_int_equal(lb_write(src, fd, &opts, &stats, &err), 0);
        assert_int_equal(stats.pages_saved, 12);
        snprintf(out_path, sizeof(out_path), "/proc/self/fd/%d", fd);
        if (lb_source_open(out_path, &dump, &err) < 0)
            fail_msg("%s", err.msg);
        assert_int_equal(lb_source_live(dump, NULL), 1);
        assert_int_equal(lb_source_running(dump), 0);
        assert_int_equal(lb_source_read_phys(dump, 0x207000, &byte, 1, &err), 0);
        assert_int_equal(byte, fill_of(DATA_AT + (15 << 12)));
        lb_source_close(dump);
        close(fd);
        close_shaped(src, path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(live_source_maps_ram_once),
        cmocka_unit_test(live_source_survives_hostile_headers),
        cmocka_unit_test(live_source_needs_vmcoreinfo_and_memory),
        cmocka_unit_test(live_dump_says_it_is_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
