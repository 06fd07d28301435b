/*
 * elf_source.c - reads an ELF core: /proc/vmcore, or a dump file in ELF form.
 *
 * The ELF header and program headers of /proc/vmcore are built by the crash
 * kernel from data the crashed kernel left (the elfcorehdr), so they are as
 * untrusted as the memory they describe.  Each header is checked against the
 * file before it is believed: segments must lie inside the file, counts are
 * capped, and sums are done where they cannot overflow.  A file cut short
 * keeps what it has; the rest reads as unreadable.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "source/source.h"

#define MAX_PHYS (1ull << 52) /* x86_64's physical address limit */

enum {
    MAX_PHDRS = 1 << 20,  /* a 64 TB machine with holes stays far below */
    MAX_NOTES = 64 << 20, /* per-CPU notes of 8192 CPUs fit in 4 MB */
};

static int check_ehdr(const Elf64_Ehdr *eh, const char *path, struct lb_error *err)
{
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
        lb_error_set(err, "%s: not a dump: no ELF or kdump signature at offset 0", path);
        return -1;
    }
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB) {
        lb_error_set(err, "%s: not a 64-bit little-endian ELF file (offset %d)", path, EI_CLASS);
        return -1;
    }
    if (eh->e_type != ET_CORE) {
        lb_error_set(err, "%s: ELF type %u at offset 16 is not ET_CORE: not a memory dump", path,
                     eh->e_type);
        return -1;
    }
    /* Another architecture's registers, page tables and addresses would be misread as one
     * this engine knows: what it has no table for is refused by name. */
    if (!lb_arch_of_elf(eh->e_machine)) {
        lb_error_set(err,
                     "%s: ELF machine %u at offset 18 (%s) is not one this lifeboat reads "
                     "(x86_64, arm64)",
                     path, eh->e_machine,
                     eh->e_machine == EM_S390    ? "s390"
                     : eh->e_machine == EM_PPC64 ? "ppc64"
                     : eh->e_machine == EM_RISCV ? "riscv"
                                                 : "unknown");
        return -1;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr)) {
        lb_error_set(err, "%s: program header size %u at offset 54, expected %zu", path,
                     eh->e_phentsize, sizeof(Elf64_Phdr));
        return -1;
    }
    return 0;
}

/* With more than 65534 headers the real count is in section header 0 (PN_XNUM). */
static int phdr_count(struct lb_source *src, const Elf64_Ehdr *eh, uint64_t *count,
                      struct lb_error *err)
{
    Elf64_Shdr sh0;

    *count = eh->e_phnum;
    if (eh->e_phnum != PN_XNUM)
        return 0;
    if (eh->e_shoff == 0 || eh->e_shoff > src->file_size ||
        src->file_size - eh->e_shoff < sizeof(sh0)) {
        lb_error_set(err,
                     "%s: e_phnum is PN_XNUM but section header 0 at offset %llu is "
                     "outside the file",
                     src->path, (unsigned long long)eh->e_shoff);
        return -1;
    }
    if (lb_source_pread(src, &sh0, sizeof(sh0), eh->e_shoff, err) < 0)
        return -1;
    *count = sh0.sh_info;
    return 0;
}

static int add_note(struct lb_source *src, const Elf64_Phdr *ph, uint64_t at, struct lb_error *err)
{
    uint64_t padded = (ph->p_filesz + 3) & ~(uint64_t)3;
    uint8_t *grown;

    if (ph->p_filesz == 0)
        return 0;
    if (padded > MAX_NOTES || src->notes_len + padded > MAX_NOTES) {
        lb_error_set(err,
                     "%s: PT_NOTE at header offset %llu: %llu bytes of notes is more "
                     "than the %d a kernel writes",
                     src->path, (unsigned long long)at, (unsigned long long)ph->p_filesz,
                     MAX_NOTES);
        return -1;
    }
    grown = realloc(src->notes, src->notes_len + padded);
    if (!grown) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory for notes", src->path);
        return -1;
    }
    src->notes = grown;
    memset(grown + src->notes_len, 0, padded);
    if (lb_source_pread(src, grown + src->notes_len, ph->p_filesz, ph->p_offset, err) < 0)
        return -1;
    src->notes_len += padded;
    return 0;
}

static int add_segment(struct lb_source *src, const Elf64_Phdr *ph, uint64_t at,
                       struct lb_error *err)
{
    struct lb_segment *seg = &src->segments[src->nsegments];

    if (src->live && !lb_kcore_wanted(ph))
        return 0; /* kcore: vmalloc, modules, vmemmap have no physical address */
    if (ph->p_filesz > ph->p_memsz) {
        lb_error_set(err,
                     "%s: PT_LOAD at header offset %llu has file size %llu larger than "
                     "memory size %llu",
                     src->path, (unsigned long long)at, (unsigned long long)ph->p_filesz,
                     (unsigned long long)ph->p_memsz);
        return -1;
    }
    if (ph->p_paddr + ph->p_memsz < ph->p_paddr || ph->p_paddr + ph->p_memsz > MAX_PHYS) {
        lb_error_set(err,
                     "%s: PT_LOAD at header offset %llu: physical range 0x%llx+0x%llx "
                     "wraps around or lies beyond the 4 PiB x86_64 can address",
                     src->path, (unsigned long long)at, (unsigned long long)ph->p_paddr,
                     (unsigned long long)ph->p_memsz);
        return -1;
    }
    seg->phys_addr = ph->p_paddr;
    seg->virt_addr = ph->p_vaddr;
    seg->file_offset = ph->p_offset;
    seg->mem_size = ph->p_memsz;
    /* A truncated dump keeps what is there; the rest reads as missing. */
    if (ph->p_offset >= src->file_size)
        seg->file_size = 0;
    else if (ph->p_filesz > src->file_size - ph->p_offset)
        seg->file_size = src->file_size - ph->p_offset;
    else
        seg->file_size = ph->p_filesz;
    if (seg->file_size < ph->p_filesz)
        src->incomplete = 1;
    src->nsegments++;
    return 0;
}

static int read_headers(struct lb_source *src, struct lb_error *err)
{
    Elf64_Ehdr eh;
    Elf64_Phdr ph;
    uint64_t count;

    if (src->file_size < sizeof(eh)) {
        lb_error_set(err, "%s: %llu bytes is too short for an ELF header", src->path,
                     (unsigned long long)src->file_size);
        return -1;
    }
    if (lb_source_pread(src, &eh, sizeof(eh), 0, err) < 0 || check_ehdr(&eh, src->path, err) < 0)
        return -1;
    src->arch = lb_arch_of_elf(eh.e_machine);
    if (phdr_count(src, &eh, &count, err) < 0)
        return -1;
    if (count == 0 || count > MAX_PHDRS) {
        lb_error_set(err, "%s: %llu program headers (offset 56): a dump has between 1 and %d",
                     src->path, (unsigned long long)count, MAX_PHDRS);
        return -1;
    }
    if (eh.e_phoff > src->file_size || (src->file_size - eh.e_phoff) / sizeof(ph) < count) {
        lb_error_set(err, "%s: %llu program headers at offset %llu run past the end of the file",
                     src->path, (unsigned long long)count, (unsigned long long)eh.e_phoff);
        return -1;
    }
    src->segments = calloc(count, sizeof(*src->segments));
    if (!src->segments) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory for %llu segments", src->path,
                      (unsigned long long)count);
        return -1;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t at = eh.e_phoff + i * sizeof(ph);

        if (lb_source_pread(src, &ph, sizeof(ph), at, err) < 0)
            return -1;
        if (ph.p_type == PT_NOTE && add_note(src, &ph, at, err) < 0)
            return -1;
        if (ph.p_type == PT_LOAD && add_segment(src, &ph, at, err) < 0)
            return -1;
    }
    if (src->nsegments == 0 && !src->live) {
        lb_error_set(err, "%s: no PT_LOAD segment: the dump holds no memory", src->path);
        return -1;
    }
    return 0;
}

static const struct lb_segment *segment_of(const struct lb_source *src, uint64_t phys)
{
    size_t from, to;

    lb_segment_candidates(src, phys, phys + 1, &from, &to);
    for (size_t i = from; i < to; i++) {
        const struct lb_segment *s = &src->segments[src->order[i]];
        if (phys >= s->phys_addr && phys - s->phys_addr < s->mem_size)
            return s;
    }
    return NULL;
}

/*
 * One frame, from every segment that overlaps it: segments need not start or
 * end on a page boundary (firmware memory maps do not), and the parts of the
 * frame outside them read as zeros.
 */
static void read_one(struct lb_source *src, uint64_t pfn, uint8_t *buf, uint8_t *status)
{
    uint64_t start = pfn << LB_PAGE_SHIFT, end = start + LB_PAGE_SIZE;
    struct lb_error ignored;
    int found = 0, failed = 0;

    size_t cand, last;

    memset(buf, 0, LB_PAGE_SIZE);
    lb_segment_candidates(src, start, end, &cand, &last);
    for (size_t i = cand; i < last; i++) {
        const struct lb_segment *s = &src->segments[src->order[i]];
        uint64_t seg_end = s->phys_addr + s->mem_size, from, to, file_end;

        if (s->phys_addr >= end || seg_end <= start)
            continue;
        found = 1;
        from = s->phys_addr > start ? s->phys_addr : start;
        to = seg_end < end ? seg_end : end;
        /* Past the file size of a whole dump the ELF rules say zeros; of a cut one, nothing. */
        file_end = s->phys_addr + s->file_size;
        if (to > file_end && src->incomplete)
            failed = 1;
        if (to > file_end)
            to = file_end > from ? file_end : from;
        if (to > from && lb_source_pread(src, buf + (from - start), to - from,
                                         s->file_offset + (from - s->phys_addr), &ignored) < 0)
            failed = 1;
        if (!failed && to - from == LB_PAGE_SIZE)
            break;
    }
    *status = !found ? LB_PAGE_EXCLUDED : failed ? LB_PAGE_FAILED : LB_PAGE_OK;
}

/* Pages that lie in one segment and in the file are read with one pread. */
static void elf_read_pages(struct lb_source *src, uint64_t pfn, size_t n, uint8_t *buf,
                           uint8_t *status)
{
    uint64_t phys = pfn << LB_PAGE_SHIFT;
    const struct lb_segment *s = segment_of(src, phys);
    struct lb_error ignored;

    if (n > 1 && s && phys - s->phys_addr <= s->file_size &&
        s->file_size - (phys - s->phys_addr) >= n * (uint64_t)LB_PAGE_SIZE &&
        lb_source_pread(src, buf, n * LB_PAGE_SIZE, s->file_offset + (phys - s->phys_addr),
                        &ignored) == 0) {
        memset(status, LB_PAGE_OK, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        read_one(src, pfn + i, buf + i * LB_PAGE_SIZE, &status[i]);
}

static int elf_file_range(struct lb_source *src, uint64_t pfn, size_t n, uint64_t *offset)
{
    uint64_t phys = pfn << LB_PAGE_SHIFT;
    const struct lb_segment *s = segment_of(src, phys);

    if (!s || phys - s->phys_addr > s->file_size ||
        s->file_size - (phys - s->phys_addr) < n * (uint64_t)LB_PAGE_SIZE)
        return -1;
    *offset = s->file_offset + (phys - s->phys_addr);
    return 0;
}

static const struct lb_source_ops elf_ops = {
    .read_pages = elf_read_pages, .file_range = elf_file_range, .reentrant = 1};

int lb_elf_open(struct lb_source *src, struct lb_error *err)
{
    src->ops = &elf_ops;
    src->format = "elf";
    if (read_headers(src, err) < 0)
        return -1;
    return src->live ? lb_kcore_finish(src, err) : 0;
}
