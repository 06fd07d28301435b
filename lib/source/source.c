/*
 * source.c - one interface over every dump format.
 *
 * lb_source_open() tells the format by its signature and hands the file to a
 * backend; reads of physical memory for kernel structures go through a small
 * page cache here, because the engine reads those structures a few bytes at
 * a time (page-table entries, ring descriptors) and re-reads the same pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "age/age_reader.h"
#include "arch/arch.h"
#include "source/flat_view.h"
#include "source/source.h"

struct page_cache {
    uint64_t pfn[CACHE_PAGES];
    uint8_t valid[CACHE_PAGES];
    uint8_t data[CACHE_PAGES][LB_PAGE_SIZE];
};

/* The file's own bytes: decrypted when it is encrypted. */
static int file_pread(struct lb_source *src, void *buf, size_t len, uint64_t offset,
                      struct lb_error *err)
{
    uint8_t *p = buf;
    uint64_t at = offset;

    if (src->age) {
        if (lb_age_reader_pread(src->age, buf, len, offset, err) < 0) {
            lb_error_prefix(err, "%s", src->path);
            return -1;
        }
        return 0;
    }
    while (len > 0) {
        ssize_t n = pread(src->fd, p, len, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            lb_error_setk(err, LB_ERR_INPUT_IO, "%s: read of %zu bytes at offset %llu: %s",
                          src->path, len, (unsigned long long)at, strerror(errno));
            return -1;
        }
        if (n == 0) {
            lb_error_set(err, "%s: unexpected end of file reading %zu bytes at offset %llu",
                         src->path, len, (unsigned long long)at);
            return -1;
        }
        p += n;
        len -= (size_t)n;
        at += (uint64_t)n;
    }
    return 0;
}

static int stream_pread(void *ctx, void *buf, size_t len, uint64_t at, struct lb_error *err)
{
    return file_pread(ctx, buf, len, at, err);
}

/* The dump's bytes: through the records when the file holds a flattened stream. */
int lb_source_pread(struct lb_source *src, void *buf, size_t len, uint64_t offset,
                    struct lb_error *err)
{
    if (src->flat) {
        if (lb_flat_view_pread(src->flat, buf, len, offset, err) < 0) {
            lb_error_prefix(err, "%s", src->path);
            return -1;
        }
        return 0;
    }
    return file_pread(src, buf, len, offset, err);
}

/*
 * Only /proc/vmcore is mapped: read() there remaps the old memory a page at
 * a time, mmap() maps a whole chunk at once.  A file's pages are read: the
 * page cache copies a run of them faster than page faults map them (0.27 s
 * against 0.39 s for save -c none -d 31 of tests/bench's server guest).
 */
static int on_procfs(int fd)
{
    struct statfs fs;

    return fstatfs(fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

static int file_size(struct lb_source *src, struct lb_error *err)
{
    struct stat st;

    if (fstat(src->fd, &st) < 0) {
        lb_error_setk(err, LB_ERR_INPUT_IO, "%s: %s", src->path, strerror(errno));
        return -1;
    }
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(src->fd, BLKGETSIZE64, &src->file_size) < 0) {
            lb_error_setk(err, LB_ERR_INPUT_IO, "%s: cannot get device size: %s", src->path,
                          strerror(errno));
            return -1;
        }
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        lb_error_setk(err, LB_ERR_INPUT_IO,
                      "%s: not a regular file or block device (a pipe or a FIFO cannot be read "
                      "at random: save it to a file first)",
                      src->path);
        return -1;
    }
    src->file_size = (uint64_t)st.st_size;
    src->mappable = on_procfs(src->fd);
    return 0;
}

/* The crashed kernel's page size, where VMCOREINFO says it: anything but 4 KiB is refused. */
static int check_page_size(struct lb_source *src, struct lb_error *err)
{
    struct lb_vmcoreinfo *vi;
    struct lb_error ignored;
    uint64_t size;
    int r = 0;

    if (lb_vmcoreinfo_from_notes(src->notes, src->notes_len, &vi, &ignored) < 0)
        return 0; /* no VMCOREINFO: said where it is needed */
    if (lb_vmcoreinfo_get_u64(vi, "PAGESIZE", 10, &size) == 0 && size != LB_PAGE_SIZE) {
        lb_error_set(err, "%s: VMCOREINFO says PAGESIZE=%llu: only 4096-byte pages are read",
                     src->path, (unsigned long long)size);
        r = -1;
    }
    lb_vmcoreinfo_free(vi);
    return r;
}

/* An encrypted dump is read through its decryption: its size is the plaintext's. */
static int open_encrypted(struct lb_source *src, const struct lb_age_identities *ids,
                          struct lb_error *err)
{
    if (!ids) {
        lb_error_set(err,
                     "%s: an encrypted dump (age): give the key to read it with --identity FILE",
                     src->path);
        return -1;
    }
    if (lb_age_reader_open(src->fd, ids, &src->age, err) < 0) {
        lb_error_prefix(err, "%s", src->path);
        return -1;
    }
    src->file_size = lb_age_reader_size(src->age);
    src->mappable = 0;
    return 0;
}

/* /proc/kcore, by its file system and name: the running kernel, read as a live source. */
/* The running kernel's /proc/kcore: a file called kcore on procfs, never one by that name
 * elsewhere (a file from another machine is a dump like any, not this kernel). */
static int is_kcore(const struct lb_source *src)
{
    const char *base = strrchr(src->path, '/');
    struct statfs fs;

    return src->mappable && strcmp(base ? base + 1 : src->path, "kcore") == 0 &&
           fstatfs(src->fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

/* What stops root, or anyone, from reading /proc/kcore, said with the error. */
static const char *kcore_refusal(int errnum)
{
    char mode[128] = "";
    FILE *f;

    if (errnum != EPERM && errnum != EACCES)
        return "";
    if ((f = fopen("/sys/kernel/security/lockdown", "re"))) {
        if (!fgets(mode, sizeof(mode), f))
            mode[0] = '\0';
        fclose(f);
    }
    if (strstr(mode, "[confidentiality]"))
        return " (the kernel is locked down for confidentiality, as "
               "/sys/kernel/security/lockdown says: it refuses /proc/kcore to root too; a live "
               "dump needs lockdown=integrity or none)";
    if (geteuid() != 0)
        return " (a live dump needs root: CAP_SYS_RAWIO)";
    return " (root without CAP_SYS_RAWIO, or a security module refuses it)";
}

/*
 * What a dump file can be, found from its first bytes.  Layers wrap a dump
 * (an age-encrypted file, a flattened stream: every encrypted dump is both)
 * and are peeled in this order; then the first format whose probe says yes
 * opens what is inside.  ELF is last and takes what no other claims, so a
 * file that is nothing names what is wrong with it as an ELF header.  A new
 * format is a probe and an open here, and a reader behind lb_source_ops.
 */
enum { MAGIC_BYTES = 16 };

struct dump_layer {
    const char *name;
    int (*probe)(struct lb_source *src, const char *magic);
    int (*open)(struct lb_source *src, const struct lb_age_identities *ids, struct lb_error *err);
};

struct dump_format {
    const char *name;
    int (*probe)(const struct lb_source *src, const char *magic);
    int (*open)(struct lb_source *src, struct lb_error *err);
};

static int is_encrypted(struct lb_source *src, const char *magic)
{
    (void)magic;
    return !src->live && lb_age_is_encrypted(src->fd);
}

static int is_flattened(struct lb_source *src, const char *magic)
{
    return !src->live && src->file_size >= MAGIC_BYTES && memcmp(magic, "makedumpfile", 12) == 0;
}

/* A flattened stream is read through its records: its size is the file it stands for. */
static int open_flattened(struct lb_source *src, const struct lb_age_identities *ids,
                          struct lb_error *err)
{
    (void)ids;
    if (lb_flat_view_open(stream_pread, src, src->file_size, &src->flat, err) < 0) {
        lb_error_prefix(err, "%s", src->path);
        return -1;
    }
    src->file_size = lb_flat_view_size(src->flat);
    src->mappable = 0;
    return 0;
}

static int is_kdump(const struct lb_source *src, const char *magic)
{
    return !src->live && memcmp(magic, "KDUMP   ", 8) == 0;
}

static int is_anything(const struct lb_source *src, const char *magic)
{
    (void)src, (void)magic;
    return 1;
}

static const struct dump_layer layers[] = {
    {.name = "age", .probe = is_encrypted, .open = open_encrypted},
    {.name = "flattened", .probe = is_flattened, .open = open_flattened},
};

static const struct dump_format formats[] = {
    {.name = "kdump", .probe = is_kdump, .open = lb_kdump_open},
    {.name = "elf", .probe = is_anything, .open = lb_elf_open}, /* /proc/kcore and vmcore too */
};

/* The first bytes of what src reads now (after the layers opened so far); zeros if fewer. */
static int read_magic(struct lb_source *src, char *magic, struct lb_error *err)
{
    memset(magic, 0, MAGIC_BYTES);
    return src->file_size >= MAGIC_BYTES ? lb_source_pread(src, magic, MAGIC_BYTES, 0, err) : 0;
}

/* Peels the layers, then opens the format: 0, or -1 with err set. */
static int open_format(struct lb_source *src, const struct lb_age_identities *ids,
                       struct lb_error *err)
{
    char magic[MAGIC_BYTES];

    if (read_magic(src, magic, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
        if (!layers[i].probe(src, magic))
            continue;
        if (layers[i].open(src, ids, err) < 0 || read_magic(src, magic, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (formats[i].probe(src, magic))
            return formats[i].open(src, err);
    return -1; /* not reached: the last format takes anything */
}

static int open_source(const char *path, const struct lb_age_identities *ids, int live,
                       struct lb_source **out, struct lb_error *err)
{
    struct lb_source *src = calloc(1, sizeof(*src));

    if (!src || !(src->path = strdup(path))) {
        free(src);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory", path);
        return -1;
    }
    /* Non-blocking while it is not known to be a file: opening a FIFO would wait forever. */
    src->arch = &lb_arch_x86_64; /* until the backend reads the dump's own machine */
    src->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (src->fd < 0) {
        int e = errno;
        lb_error_setk(err, LB_ERR_INPUT_IO, "%s: %s%s", path, strerror(e),
                      live || strcmp(path, "/proc/kcore") == 0 ? kcore_refusal(e) : "");
        lb_source_close(src);
        return -1;
    }
    if (file_size(src, err) < 0 || fcntl(src->fd, F_SETFL, 0) < 0) {
        lb_source_close(src);
        return -1;
    }
    src->live = live || is_kcore(src);
    if (open_format(src, ids, err) < 0 || check_page_size(src, err) < 0 ||
        lb_segment_index_build(src, err) < 0) {
        lb_source_close(src);
        return -1;
    }
    if ((src->age && lb_age_reader_cut(src->age)) || (src->flat && lb_flat_view_cut(src->flat)))
        src->incomplete = 1; /* the encrypted file or the stream ends before its end */
    *out = src;
    return 0;
}

int lb_source_authenticate(struct lb_source *src, uint64_t *bad, struct lb_error *err)
{
    *bad = src->age ? lb_age_reader_check(src->age, err) : 0;
    return src->age != NULL;
}

int lb_source_open(const char *path, struct lb_source **out, struct lb_error *err)
{
    return open_source(path, NULL, 0, out, err);
}

int lb_source_open_live(const char *path, struct lb_source **out, struct lb_error *err)
{
    return open_source(path, NULL, 1, out, err);
}

int lb_source_open_age(const char *path, const struct lb_age_identities *ids,
                       struct lb_source **out, struct lb_error *err)
{
    return open_source(path, ids, 0, out, err);
}

void lb_source_close(struct lb_source *src)
{
    if (!src)
        return;
    if (src->ops && src->ops->close)
        src->ops->close(src);
    for (int i = 0; i < LB_MAP_SLOTS; i++)
        if (src->pages_map[i].base)
            munmap(src->pages_map[i].base, src->pages_map[i].len);
    if (src->phys_map.base)
        munmap(src->phys_map.base, src->phys_map.len);
    lb_flat_view_close(src->flat);
    lb_age_reader_close(src->age);
    if (src->fd >= 0)
        close(src->fd);
    free(src->cache);
    lb_redaction_free(src->redaction);
    lb_segment_index_free(src);
    free(src->segments);
    free(src->notes);
    free(src->path);
    free(src);
}

struct lb_source *lb_source_view(const struct lb_source *src)
{
    struct lb_source *view;

    if (!src->ops || !src->ops->reentrant || src->age || src->flat ||
        !(view = malloc(sizeof(*view))))
        return NULL;
    *view = *src;
    view->cache = NULL;
    memset(view->pages_map, 0, sizeof(view->pages_map));
    memset(&view->phys_map, 0, sizeof(view->phys_map));
    return view;
}

void lb_source_view_close(struct lb_source *view)
{
    if (!view)
        return;
    for (int i = 0; i < LB_MAP_SLOTS; i++)
        if (view->pages_map[i].base)
            munmap(view->pages_map[i].base, view->pages_map[i].len);
    if (view->phys_map.base)
        munmap(view->phys_map.base, view->phys_map.len);
    free(view->cache);
    free(view);
}

const char *lb_source_format(const struct lb_source *src)
{
    return src->format;
}

void lb_source_mark_absent(const struct lb_source *src, uint64_t pfn, size_t n, uint8_t *cls)
{
    if (src->ops && src->ops->mark_absent)
        src->ops->mark_absent(src, pfn, n, cls);
}

int lb_source_codecs(struct lb_source *src, struct lb_codec_count *count)
{
    memset(count, 0, sizeof(*count));
    return src->ops && src->ops->codecs ? src->ops->codecs(src, count) : 0;
}

int lb_source_incomplete(const struct lb_source *src)
{
    return src->incomplete;
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

/*
 * Mapped a piece at a time: page tables stay small on a 4 TiB machine, and the
 * mapped pages of a file, which count as the process's own, stay few.
 */
enum { PAGES_CHUNK = 4 << 20, PHYS_CHUNK = 1 << 20 };

static const uint8_t *map_frames(struct lb_source *src, struct lb_map *m, uint64_t chunk,
                                 uint64_t pfn, size_t n)
{
    uint64_t offset, len = (uint64_t)n * LB_PAGE_SIZE;

    if (!src->mappable || !src->ops->file_range || src->ops->file_range(src, pfn, n, &offset) < 0 ||
        offset % LB_PAGE_SIZE || offset > src->file_size || src->file_size - offset < len)
        return NULL;
    if (m->base && offset >= m->at && offset + len <= m->at + m->len)
        return m->base + (offset - m->at);
    if (m->base)
        munmap(m->base, m->len);
    m->at = offset & ~(chunk - 1);
    m->len = src->file_size - m->at < chunk ? src->file_size - m->at : chunk;
    if (offset + len > m->at + m->len) { /* straddles a chunk's end */
        m->at = offset;
        m->len = len;
    }
    m->base = mmap(NULL, m->len, PROT_READ, MAP_SHARED, src->fd, (off_t)m->at);
    if (m->base == MAP_FAILED) {
        m->base = NULL;
        src->mappable = 0; /* not for this file: read it */
        return NULL;
    }
    return m->base + (offset - m->at);
}

void lb_source_read_only(struct lb_source *src)
{
    struct lb_map *maps[] = {&src->pages_map[0], &src->pages_map[1], &src->phys_map};

    src->mappable = 0;
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        if (maps[i]->base)
            munmap(maps[i]->base, maps[i]->len);
        maps[i]->base = NULL;
    }
}

const uint8_t *lb_source_map_pages(struct lb_source *src, int slot, uint64_t pfn, size_t n)
{
    return map_frames(src, &src->pages_map[slot % LB_MAP_SLOTS], PAGES_CHUNK, pfn, n);
}

void lb_source_read_pages(struct lb_source *src, uint64_t pfn, size_t n, uint8_t *buf,
                          uint8_t *status)
{
    src->ops->read_pages(src, pfn, n, buf, status);
    if (src->redaction)
        lb_redaction_apply(src->redaction, pfn, n, buf, status);
}

static const uint8_t *cached_page(struct lb_source *src, uint64_t pfn, uint8_t *status)
{
    struct page_cache *c = src->cache;
    unsigned slot = (unsigned)(pfn % CACHE_PAGES);

    if (!c && !(c = src->cache = calloc(1, sizeof(*c)))) {
        *status = LB_PAGE_FAILED;
        return NULL;
    }
    if (c->valid[slot] && c->pfn[slot] == pfn) {
        *status = LB_PAGE_OK;
        return c->data[slot];
    }
    lb_source_read_pages(src, pfn, 1, c->data[slot], status);
    c->valid[slot] = *status == LB_PAGE_OK;
    c->pfn[slot] = pfn;
    return c->data[slot];
}

/*
 * From a file, whole pages (struct page arrays, read in order) go straight
 * into buf, a run at a time; the bytes read, 0 if this is not such a read
 * or a page of it fails (the caller then says which).
 */
static size_t read_whole_pages(struct lb_source *src, uint64_t phys, uint8_t *buf, size_t len)
{
    enum { RUN = 64 };
    uint8_t status[RUN];
    size_t n = len / LB_PAGE_SIZE < RUN ? len / LB_PAGE_SIZE : RUN;

    if (src->mappable || phys % LB_PAGE_SIZE || n < 2)
        return 0;
    lb_source_read_pages(src, phys >> LB_PAGE_SHIFT, n, buf, status);
    for (size_t i = 0; i < n; i++)
        if (status[i] != LB_PAGE_OK)
            return 0;
    return n * LB_PAGE_SIZE;
}

int lb_source_read_phys(struct lb_source *src, uint64_t phys, void *buf, size_t len,
                        struct lb_error *err)
{
    uint8_t *p = buf;

    while (len > 0) {
        uint64_t in_page = phys & (LB_PAGE_SIZE - 1);
        size_t chunk = len < LB_PAGE_SIZE - in_page ? len : (size_t)(LB_PAGE_SIZE - in_page);
        uint8_t status = LB_PAGE_OK;
        size_t whole = read_whole_pages(src, phys, p, len);
        if (whole) {
            p += whole;
            phys += whole;
            len -= whole;
            continue;
        }
        /* Whole pages (struct page arrays, read in order) from the mapping, without a copy
         * into the cache; the scattered small reads of page-table walks from the cache. */
        const uint8_t *page = chunk == LB_PAGE_SIZE ? map_frames(src, &src->phys_map, PHYS_CHUNK,
                                                                 phys >> LB_PAGE_SHIFT, 1)
                                                    : NULL;
        if (!page)
            page = cached_page(src, phys >> LB_PAGE_SHIFT, &status);

        if (status != LB_PAGE_OK) {
            lb_error_setk(err, status == LB_PAGE_EXCLUDED ? LB_ERR_NO_DATA : LB_ERR_INPUT_IO,
                          "%s: physical address 0x%llx is %s", src->path, (unsigned long long)phys,
                          status == LB_PAGE_EXCLUDED ? "not in the dump" : "unreadable");
            return -1;
        }
        memcpy(p, page + in_page, chunk);
        p += chunk;
        phys += chunk;
        len -= chunk;
    }
    return 0;
}
