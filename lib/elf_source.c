/*
 * elf_source.c - reads an ELF core: /proc/vmcore, or a dump file in ELF form.
 *
 * The ELF header and program headers of /proc/vmcore are built by the crash
 * kernel from data the crashed kernel left (the elfcorehdr), so they are as
 * untrusted as the memory they describe.  Each header is checked against the
 * file before it is believed: segments must lie inside the file, counts are
 * capped, and sums are done where they cannot overflow.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lbdump.h"

enum {
    MAX_PHDRS = 1 << 20,  /* a 64 TB machine with holes stays far below */
    MAX_NOTES = 64 << 20, /* per-CPU notes of 8192 CPUs fit in 4 MB */
};

struct lb_source {
    int fd;
    char *path;
    uint64_t file_size;
    struct lb_segment *segments;
    size_t nsegments;
    uint8_t *notes;
    size_t notes_len;
};

static int full_pread(int fd, void *buf, size_t len, uint64_t offset)
{
    uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? -2 : -1;
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int lb_source_pread(struct lb_source *src, void *buf, size_t len, uint64_t offset,
                    struct lb_error *err)
{
    int r = full_pread(src->fd, buf, len, offset);

    if (r == -2)
        lb_error_set(err, "%s: unexpected end of file reading %zu bytes at offset %llu", src->path,
                     len, (unsigned long long)offset);
    else if (r < 0)
        lb_error_set(err, "%s: read of %zu bytes at offset %llu: %s", src->path, len,
                     (unsigned long long)offset, strerror(errno));
    return r < 0 ? -1 : 0;
}

static int file_size(int fd, const char *path, uint64_t *size, struct lb_error *err)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        lb_error_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, size) < 0) {
            lb_error_set(err, "%s: cannot get device size: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        lb_error_set(err, "%s: not a regular file or block device", path);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

static int check_ehdr(const Elf64_Ehdr *eh, const char *path, struct lb_error *err)
{
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
        lb_error_set(err, "%s: not an ELF file (bad magic at offset 0)", path);
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
        lb_error_set(err, "%s: out of memory for notes", src->path);
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

    if (ph->p_filesz > ph->p_memsz) {
        lb_error_set(err,
                     "%s: PT_LOAD at header offset %llu has file size %llu larger than "
                     "memory size %llu",
                     src->path, (unsigned long long)at, (unsigned long long)ph->p_filesz,
                     (unsigned long long)ph->p_memsz);
        return -1;
    }
    if (ph->p_paddr + ph->p_memsz < ph->p_paddr) {
        lb_error_set(err,
                     "%s: PT_LOAD at header offset %llu: physical range 0x%llx+0x%llx "
                     "wraps around",
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
        lb_error_set(err, "%s: out of memory for %llu segments", src->path,
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
    if (src->nsegments == 0) {
        lb_error_set(err, "%s: no PT_LOAD segment: the dump holds no memory", src->path);
        return -1;
    }
    return 0;
}

int lb_source_open(const char *path, struct lb_source **out, struct lb_error *err)
{
    struct lb_source *src = calloc(1, sizeof(*src));

    if (!src || !(src->path = strdup(path))) {
        free(src);
        lb_error_set(err, "%s: out of memory", path);
        return -1;
    }
    src->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (src->fd < 0) {
        lb_error_set(err, "%s: %s", path, strerror(errno));
        lb_source_close(src);
        return -1;
    }
    if (file_size(src->fd, path, &src->file_size, err) < 0 || read_headers(src, err) < 0) {
        lb_source_close(src);
        return -1;
    }
    *out = src;
    return 0;
}

void lb_source_close(struct lb_source *src)
{
    if (!src)
        return;
    if (src->fd >= 0)
        close(src->fd);
    free(src->segments);
    free(src->notes);
    free(src->path);
    free(src);
}

size_t lb_source_segment_count(const struct lb_source *src)
{
    return src->nsegments;
}

const struct lb_segment *lb_source_segment(const struct lb_source *src, size_t index)
{
    return index < src->nsegments ? &src->segments[index] : NULL;
}

const uint8_t *lb_source_notes(const struct lb_source *src, size_t *len)
{
    *len = src->notes_len;
    return src->notes;
}

static const struct lb_segment *segment_of(const struct lb_source *src, uint64_t phys)
{
    for (size_t i = 0; i < src->nsegments; i++) {
        const struct lb_segment *s = &src->segments[i];
        if (phys >= s->phys_addr && phys - s->phys_addr < s->mem_size)
            return s;
    }
    return NULL;
}

int lb_source_read_phys(struct lb_source *src, uint64_t phys, void *buf, size_t len,
                        struct lb_error *err)
{
    uint8_t *p = buf;

    while (len > 0) {
        const struct lb_segment *s = segment_of(src, phys);
        uint64_t in_seg, chunk, in_file;

        if (!s) {
            lb_error_set(err, "%s: physical address 0x%llx is not in the dump", src->path,
                         (unsigned long long)phys);
            return -1;
        }
        in_seg = phys - s->phys_addr;
        chunk = s->mem_size - in_seg < len ? s->mem_size - in_seg : len;
        in_file = in_seg < s->file_size ? s->file_size - in_seg : 0;
        if (in_file > chunk)
            in_file = chunk;
        if (in_file && lb_source_pread(src, p, in_file, s->file_offset + in_seg, err) < 0)
            return -1;
        memset(p + in_file, 0, chunk - in_file);
        p += chunk;
        phys += chunk;
        len -= chunk;
    }
    return 0;
}
