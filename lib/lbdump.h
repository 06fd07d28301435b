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
