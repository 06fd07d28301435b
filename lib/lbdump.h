/*
 * lbdump.h - the public interface of lifeboat's dump engine.
 *
 * The dump engine reads the memory image of a crashed kernel (a "source"),
 * understands the dictionaries the kernel left in it (ELF notes, VMCOREINFO,
 * saved CPU registers) and writes it out again (a "writer").  It knows
 * nothing of the command line, of configuration or of where dumps go: that is
 * the capture policy's business.  Everything it reads comes from a crashed
 * machine and is treated as hostile: every length, offset and count is
 * checked before use, and failures come back as an lb_error whose message
 * names what was wrong and where.
 */
#ifndef LBDUMP_H
#define LBDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A failure, said plainly: what was wrong and where (file, offset). */
struct lb_error {
    char msg[512];
};

void lb_error_set(struct lb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- sources ---------------------------------------------------------- */

/* One loadable segment of the crashed machine's memory, as the source has it. */
struct lb_segment {
    uint64_t phys_addr;   /* physical address of the first byte */
    uint64_t virt_addr;   /* kernel virtual address, or 0 where none */
    uint64_t file_offset; /* where its bytes start in the source file */
    uint64_t file_size;   /* bytes present in the file */
    uint64_t mem_size;    /* bytes of memory it describes (>= file_size) */
};

struct lb_source;

/* Opens an ELF vmcore (/proc/vmcore, an ELF dump file, a raw device holding one). */
int lb_source_open(const char *path, struct lb_source **out, struct lb_error *err);
void lb_source_close(struct lb_source *src);

size_t lb_source_segment_count(const struct lb_source *src);
const struct lb_segment *lb_source_segment(const struct lb_source *src, size_t index);

/* The source's ELF notes, concatenated, each 4-byte aligned as in a PT_NOTE. */
const uint8_t *lb_source_notes(const struct lb_source *src, size_t *len);

/* Reads len bytes of the source file at offset; a short file is an error. */
int lb_source_pread(struct lb_source *src, void *buf, size_t len, uint64_t offset,
                    struct lb_error *err);

/* Reads physical memory; fails if any byte is outside every segment. */
int lb_source_read_phys(struct lb_source *src, uint64_t phys, void *buf, size_t len,
                        struct lb_error *err);

/* ---- ELF notes -------------------------------------------------------- */

struct lb_note {
    const char *name; /* NUL-terminated inside the note buffer */
    uint32_t type;
    const uint8_t *desc;
    size_t desc_len;
    size_t offset; /* of the note header in the notes buffer */
};

/*
 * Iterates over the notes in buf.  Returns 1 with *note filled and *pos
 * advanced, 0 at the end, -1 on a malformed note (err says where).
 */
int lb_note_next(const uint8_t *buf, size_t len, size_t *pos, struct lb_note *note,
                 struct lb_error *err);

/* ---- VMCOREINFO: the crashed kernel's own dictionary ----------------- */

struct lb_vmcoreinfo;

/* Finds the VMCOREINFO note among notes and parses it. */
int lb_vmcoreinfo_from_notes(const uint8_t *notes, size_t len, struct lb_vmcoreinfo **out,
                             struct lb_error *err);
int lb_vmcoreinfo_parse(const char *text, size_t len, struct lb_vmcoreinfo **out,
                        struct lb_error *err);
void lb_vmcoreinfo_free(struct lb_vmcoreinfo *info);

/* The value for key ("OSRELEASE", "SYMBOL(init_uts_ns)", ...), or NULL. */
const char *lb_vmcoreinfo_get(const struct lb_vmcoreinfo *info, const char *key);
/* Parses the value as a number in base (10 or 16); -1 if absent or malformed. */
int lb_vmcoreinfo_get_u64(const struct lb_vmcoreinfo *info, const char *key, int base,
                          uint64_t *out);
/* A signed decimal value (NUMBER(phys_base) is negative when the kernel sits below 16 MiB). */
int lb_vmcoreinfo_get_s64(const struct lb_vmcoreinfo *info, const char *key, int64_t *out);

/* ---- saved CPU state (NT_PRSTATUS, x86_64) --------------------------- */

enum lb_x86_reg {
    LB_R15,
    LB_R14,
    LB_R13,
    LB_R12,
    LB_RBP,
    LB_RBX,
    LB_R11,
    LB_R10,
    LB_R9,
    LB_R8,
    LB_RAX,
    LB_RCX,
    LB_RDX,
    LB_RSI,
    LB_RDI,
    LB_ORIG_RAX,
    LB_RIP,
    LB_CS,
    LB_EFLAGS,
    LB_RSP,
    LB_SS,
    LB_FS_BASE,
    LB_GS_BASE,
    LB_DS,
    LB_ES,
    LB_FS,
    LB_GS,
    LB_X86_NREGS
};

extern const char *const lb_x86_reg_names[LB_X86_NREGS];

struct lb_cpu_state {
    uint32_t pid; /* the task that was running on this CPU */
    uint64_t regs[LB_X86_NREGS];
};

int lb_prstatus_parse(const uint8_t *desc, size_t len, struct lb_cpu_state *out,
                      struct lb_error *err);

/* ---- the crashed kernel's virtual memory (x86_64) -------------------- */

struct lb_kernel;

/* Needs VMCOREINFO with phys_base and init_top_pgt; the source stays the caller's. */
int lb_kernel_open(struct lb_source *src, struct lb_kernel **out, struct lb_error *err);
void lb_kernel_close(struct lb_kernel *k);
const struct lb_vmcoreinfo *lb_kernel_vmcoreinfo(const struct lb_kernel *k);
struct lb_source *lb_kernel_source(const struct lb_kernel *k);
/* Translates a kernel virtual address by walking the crashed kernel's page tables. */
int lb_kernel_vtop(struct lb_kernel *k, uint64_t vaddr, uint64_t *phys, struct lb_error *err);
/* Reads kernel virtual memory, page by page. */
int lb_kernel_read(struct lb_kernel *k, uint64_t vaddr, void *buf, size_t len,
                   struct lb_error *err);

/* ---- the kernel log (lockless printk ringbuffer, Linux 5.10+) -------- */

struct lb_log_record {
    uint64_t seq;
    uint64_t ts_nsec;
    uint32_t caller_id;    /* bit 31 set: CPU number, else task id */
    int facility;          /* -1 where the layout is not known */
    int level;             /* -1 where the layout is not known */
    const char *subsystem; /* device info; "" if none */
    const char *device;
    const uint8_t *text; /* not NUL-terminated, may hold any byte */
    size_t text_len;
};

struct lb_log_stats {
    uint64_t records;    /* records given to the callback */
    uint64_t skipped;    /* unreadable or inconsistent records */
    uint64_t unfinished; /* records still being written when the kernel crashed */
};

typedef int (*lb_log_fn)(void *ctx, const struct lb_log_record *rec);

/*
 * Calls fn for each record of the kernel log, oldest first, reading the ring
 * a record at a time (memory use is bounded by the largest record).  A
 * corrupt record is skipped and counted; a ring that cannot be found is an
 * error.  fn returning non-zero stops the walk.
 */
int lb_log_walk(struct lb_kernel *k, lb_log_fn fn, void *ctx, struct lb_log_stats *stats,
                struct lb_error *err);

/*
 * Formats rec as vmcore-dmesg does: "[seconds.micros] text\n", with bytes
 * that are neither printable nor white space written as \xNN.  Returns the
 * length written to out, which must hold 16 + 4 * text_len + 2 bytes.
 */
size_t lb_log_format(const struct lb_log_record *rec, char *out);

/* ---- writers ---------------------------------------------------------- */

struct lb_progress {
    uint64_t bytes_done;
    uint64_t bytes_total;
};

typedef void (*lb_progress_fn)(void *ctx, const struct lb_progress *progress);

struct lb_write_options {
    int sparse;              /* output is a regular file: leave zero pages as holes */
    lb_progress_fn progress; /* called now and then; may be NULL */
    void *progress_ctx;
};

struct lb_write_stats {
    uint64_t bytes_written;    /* data bytes actually written */
    uint64_t output_size;      /* size of the file written */
    uint64_t pages_total;      /* pages of memory copied */
    uint64_t pages_zero;       /* of those, all-zero pages */
    uint64_t pages_unreadable; /* pages the source could not give: left as zeros */
};

/*
 * Writes src as an ELF core to out_fd, streamed with a fixed-size buffer:
 * memory use does not depend on the size of the source.  Unreadable pages
 * are counted, left as zeros, and do not stop the dump.
 */
int lb_write_elf(struct lb_source *src, int out_fd, const struct lb_write_options *opts,
                 struct lb_write_stats *stats, struct lb_error *err);

#endif
