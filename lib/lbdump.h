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

/*
 * A failure, said plainly: what was wrong and where (file, offset), and of
 * which kind, so that a caller decides by kind, not by words: a full target
 * means another target, a corrupt source means going on with what reads.
 */
enum lb_error_kind {
    LB_ERR_CORRUPT = 0, /* the source says something impossible (the default) */
    LB_ERR_NO_DATA,     /* the source lacks what was asked for (a symbol, a frame) */
    LB_ERR_INPUT_IO,    /* reading the source failed */
    LB_ERR_OUTPUT_IO,   /* writing the output failed */
    LB_ERR_NO_SPACE,    /* the output has no room left (ENOSPC, EDQUOT, EFBIG) */
    LB_ERR_NO_MEMORY,
    /* The program's kinds (src/), besides CORRUPT for what a disk or a server says wrongly. */
    LB_ERR_REFUSED,  /* the configuration asks what cannot work: refused, a retry does no better */
    LB_ERR_SYSTEM,   /* a call on this machine failed (a device, a file, a host, the network) */
    LB_ERR_TOO_LONG, /* a path, an option or a line does not fit: never used cut */
};

struct lb_error {
    enum lb_error_kind kind;
    char msg[512];
};

/* Sets err (kind LB_ERR_CORRUPT); lb_error_setk with a kind. */
void lb_error_set(struct lb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lb_error_setk(struct lb_error *err, enum lb_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Puts context in front of the message ("CONTEXT: message"); the kind stays. */
void lb_error_prefix(struct lb_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The kind of a failed write of the output: no space, or I/O. */
enum lb_error_kind lb_error_kind_of_write(int errnum);

/* ---- checked invariants ---------------------------------------------- */

/*
 * LB_INVARIANT(N, cond): the numbered invariant N that a file states at its
 * top, kept here.  In the test builds (unit tests and fuzzers: meson defines
 * LIFEBOAT_CHECK_INVARIANTS) a broken one aborts, naming the file, the line
 * and the number, so the sanitizers and the fuzzers find where the prose
 * stopped being true; in the product it costs nothing, for the capture must
 * not die for a check.
 */
#ifdef LIFEBOAT_CHECK_INVARIANTS
void lb_invariant_broken(const char *file, int line, int n, const char *cond)
    __attribute__((noreturn));
#define LB_INVARIANT(n, cond)                                                                      \
    ((cond) ? (void)0 : lb_invariant_broken(__FILE__, __LINE__, (n), #cond))
#else
#define LB_INVARIANT(n, cond) ((void)sizeof(!(cond)))
#endif

/* ---- sources ---------------------------------------------------------- */

#define LB_PAGE_SIZE  4096u /* x86_64, and arm64 with 4 KiB pages */
#define LB_PAGE_SHIFT 12

/* One loadable segment of the crashed machine's memory, as the source has it. */
struct lb_segment {
    uint64_t phys_addr;   /* physical address of the first byte */
    uint64_t virt_addr;   /* kernel virtual address, or 0 where none */
    uint64_t file_offset; /* ELF: where its bytes start in the file */
    uint64_t file_size;   /* ELF: bytes present in the file */
    uint64_t mem_size;    /* bytes of memory it describes (>= file_size) */
};

/* A run of frames that have data in the source. */
struct lb_frame_run {
    uint64_t first, count;
};

enum lb_page_status {
    LB_PAGE_OK = 0,       /* read */
    LB_PAGE_EXCLUDED = 1, /* not in the dump: filtered out, or outside every segment */
    LB_PAGE_FAILED = 2,   /* in the dump but unreadable (I/O error, corrupt data) */
};

struct lb_source;

/*
 * Opens a dump: ELF (/proc/vmcore, ELF dump files, a raw device holding one)
 * or kdump-compressed (makedumpfile's, QEMU's, lifeboat's), by its signature.
 */
int lb_source_open(const char *path, struct lb_source **out, struct lb_error *err);
void lb_source_close(struct lb_source *src);
/*
 * Opens the running kernel's /proc/kcore (path: it, or a file laid out as it
 * is) for a live dump: its direct-map segments as physical memory, each frame
 * once; VMCOREINFO with CRASHTIME set to now, a zero NT_PRSTATUS per possible
 * CPU and a note saying the dump is live (LB_NOTE_LIVE).  lb_source_open
 * opens /proc/kcore so by itself.  Pages that fault when read are holes.
 */
int lb_source_open_live(const char *path, struct lb_source **out, struct lb_error *err);
/* 1 if src is the running kernel itself (an open /proc/kcore), else 0. */
int lb_source_running(const struct lb_source *src);
/* A running kernel's reads paced to at most bytes_per_second (0: unpaced). */
void lb_source_set_rate(struct lb_source *src, uint64_t bytes_per_second);
/* Pages of a running kernel that faulted when read and are left out as holes. */
uint64_t lb_source_holes(const struct lb_source *src);
/*
 * 1 if src is a live dump (the running kernel, or a dump written from it: its
 * LB_NOTE_LIVE note) and *taken (may be NULL) the time it was taken; else 0.
 */
int lb_source_live(const struct lb_source *src, int64_t *taken);
/*
 * From now on reads the source and never maps it: for a source whose mapping
 * faulted (SIGBUS from /proc/vmcore), where a read fails one page instead.
 */
void lb_source_read_only(struct lb_source *src);
/* The frames the source has data for: sorted, disjoint runs. */
const struct lb_frame_run *lb_source_frame_runs(const struct lb_source *src, size_t *n);
/*
 * Sets cls[i] to LB_CLASS_ABSENT for each frame of pfn..pfn+n-1 that is
 * memory but which the source does not hold: a kdump-compressed dump's
 * frames its own filter left out (its 2nd bitmap).  A writer gives a slot
 * only to frames it can save; reading such a frame gives no data.
 */
void lb_source_mark_absent(const struct lb_source *src, uint64_t pfn, size_t n, uint8_t *cls);

const char *lb_source_format(const struct lb_source *src); /* "elf", "kdump" */
/* The dump says of itself that it was cut short. */
int lb_source_incomplete(const struct lb_source *src);

/* A kdump-compressed dump's saved frames by the codec of the data they point at. */
struct lb_codec_count {
    uint64_t frames[4];  /* by enum lb_codec: [0] stored as is, [1] zstd, [2] zlib, [3] lzo */
    uint64_t other;      /* a codec lifeboat does not read (snappy) or a damaged descriptor */
    uint64_t unreadable; /* descriptors past the file's end (a dump cut short) */
};
/* 1 and *count for a kdump-compressed dump (every descriptor read once), 0 for other formats. */
int lb_source_codecs(struct lb_source *src, struct lb_codec_count *count);

size_t lb_source_segment_count(const struct lb_source *src);
const struct lb_segment *lb_source_segment(const struct lb_source *src, size_t index);

/* The source's ELF notes, concatenated, each 4-byte aligned as in a PT_NOTE. */
const uint8_t *lb_source_notes(const struct lb_source *src, size_t *len);

/* Reads n pages from frame pfn on into buf (n * LB_PAGE_SIZE); status[i] per page. */
void lb_source_read_pages(struct lb_source *src, uint64_t pfn, size_t n, uint8_t *buf,
                          uint8_t *status);

/* Reads physical memory; fails naming the address if any page is not in the dump. */
int lb_source_read_phys(struct lb_source *src, uint64_t phys, void *buf, size_t len,
                        struct lb_error *err);

/*
 * Turns a flattened stream (makedumpfile -F, lifeboat save ... -) read from
 * in_fd into the file it describes, written to out_fd.  Bounded memory.  A
 * stream that ends before its end record is replayed as far as it goes (a
 * record torn by its end left out, up to 1 MiB of it) and *cut is set.
 */
int lb_unflatten(int in_fd, int out_fd, uint64_t *size, int *cut, struct lb_error *err);

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

/* ---- saved CPU state (NT_PRSTATUS) ------------------------------------ */

enum { LB_MAX_REGS = 34 }; /* arm64: x0-x30, sp, pc, pstate */

struct lb_cpu_state {
    uint32_t pid; /* the task that was running on this CPU */
    uint32_t nregs;
    uint64_t regs[LB_MAX_REGS]; /* as the architecture's pr_reg has them */
};

/* An x86_64 NT_PRSTATUS. */
int lb_prstatus_parse(const uint8_t *desc, size_t len, struct lb_cpu_state *out,
                      struct lb_error *err);
/* An NT_PRSTATUS of the dump's architecture. */
int lb_source_prstatus(const struct lb_source *src, const uint8_t *desc, size_t len,
                       struct lb_cpu_state *out, struct lb_error *err);

/* The dump's architecture as its kernel names it ("x86_64", "aarch64"). */
const char *lb_source_arch(const struct lb_source *src);
/* Its registers' names, in pr_reg's order; *pc and *sp say which are those. */
const char *const *lb_source_reg_names(const struct lb_source *src, size_t *n, size_t *pc,
                                       size_t *sp);

/* ---- the crashed kernel's virtual memory ------------------------------ */

struct lb_kernel;

/* Needs VMCOREINFO with phys_base and init_top_pgt; the source stays the caller's. */
int lb_kernel_open(struct lb_source *src, struct lb_kernel **out, struct lb_error *err);
void lb_kernel_close(struct lb_kernel *k);

/* ---- triage: what happened, from the dump alone ---------------------- */

struct lb_frame {
    uint64_t addr;
    char name[96]; /* function+0xoff, or "" */
};

struct lb_task {
    int32_t pid, tgid, ppid;
    uint32_t cpu;
    char state[4]; /* RU, IN, UN, ID, ST, TR, ZO, DE, or ?? */
    char comm[17];
    int active;         /* running on its CPU when the kernel crashed (or the dump was taken) */
    uint64_t stack, sp; /* its kernel stack, and the stack pointer it saved when it last ran */
    struct lb_frame *frames; /* a live dump: return addresses on its kernel stack (malloc'd) */
    size_t nframes;
};

enum { LB_TRIAGE_FRAMES = 48, LB_TRIAGE_NOTES = 8, LB_TASK_FRAMES = 64 };

struct lb_triage {
    char sysname[65], nodename[65], release[65], version[65], machine[65];
    int64_t crash_time; /* seconds since the epoch, 0 if unknown */
    uint64_t uptime_ns; /* at the panic, from the log; 0 if unknown */
    char panic[512];    /* the panic message, "" if none was logged */
    char cause[512];    /* the first BUG, Oops, WARNING or hung-task line before it */
    int panic_cpu;      /* -1 if unknown */
    int panicked; /* 1: a CPU was panicking; 0: none was (a dump of a running machine); -1: unknown
                   */
    int live;     /* a live dump (LB_NOTE_LIVE): crash_time is when it was taken */
    int has_regs;
    struct lb_cpu_state regs; /* of the panicking CPU */
    int32_t panic_pid;
    char panic_comm[17];
    struct lb_frame frames[LB_TRIAGE_FRAMES];
    size_t nframes;
    struct lb_task *tasks;
    size_t ntasks;
    int ncpus;
    char notes[LB_TRIAGE_NOTES][200]; /* what could not be known, and why */
    size_t nnotes;
};

/* Everything that can be known; what cannot is said in notes.  Never fails. */
void lb_triage(struct lb_source *src, struct lb_triage *t);
void lb_triage_free(struct lb_triage *t);

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

/* Bytes lb_log_format may write for a record of text_len bytes (a NUL included). */
#define LB_LOG_FORMAT_SIZE(text_len) (32 + 4 * (size_t)(text_len) + 2)

/*
 * Formats rec as vmcore-dmesg does: "[seconds.micros] text\n", with bytes
 * that are neither printable nor white space written as \xNN.  Returns the
 * length written to out, which must hold LB_LOG_FORMAT_SIZE(rec->text_len)
 * bytes: the seconds of a 64-bit nanosecond clock take up to 11 digits.
 */
size_t lb_log_format(const struct lb_log_record *rec, char *out);

/* ---- page classes: what -d excludes, read from struct page ------------ */

enum lb_page_class {
    LB_CLASS_KEEP = 0,
    LB_CLASS_ZERO,          /* -d 1 */
    LB_CLASS_CACHE,         /* -d 2: page cache without private data */
    LB_CLASS_CACHE_PRIVATE, /* -d 4: page cache with private data */
    LB_CLASS_USER,          /* -d 8: anonymous and hugetlbfs pages */
    LB_CLASS_FREE,          /* -d 16: free pages in the buddy allocator */
    LB_CLASS_HWPOISON,      /* always: memory the hardware reported bad */
    LB_CLASS_OFFLINE,       /* always: pages logically offline (ballooned) */
    LB_CLASS_ABSENT,        /* always: memory the source does not hold (a filtered dump's) */
    LB_CLASS_COUNT
};

extern const char *const lb_page_class_names[LB_CLASS_COUNT];

/* ---- codecs ----------------------------------------------------------- */

/*
 * AUTO is not a codec of its own: the kdump writer chooses, batch by batch,
 * between LZO and zstd at a level (see write/kdump_codec.c), and each page's
 * descriptor names the codec its data has.  LB_CODEC_STORED counts the codecs
 * a page can be stored with (AUTO is none of them).
 */
enum lb_codec { LB_CODEC_NONE, LB_CODEC_ZSTD, LB_CODEC_ZLIB, LB_CODEC_LZO, LB_CODEC_AUTO };
enum { LB_CODEC_STORED = LB_CODEC_AUTO };

const char *lb_codec_name(enum lb_codec codec);
int lb_codec_parse(const char *name, enum lb_codec *codec);

/* ---- redaction: dumps that can be shared ----------------------------- */

/*
 * Classes of secrets a dump can be written without: keys (keyring payloads,
 * the random pool), user data (pipe buffers, sockets' unread data), names
 * (task names, the host's name).  Found by walking the crashed kernel's
 * structures through its BTF and kallsyms; each range found is overwritten
 * with zeros in what the source gives (never in the source's file), so the
 * structures around it stay walkable.
 */
enum {
    LB_REDACT_KEYS = 1,
    LB_REDACT_USER_DATA = 2,
    LB_REDACT_NAMES = 4,
    LB_REDACT_ALL = 7,
};

/* "keys,user-data,names" (or "all") into *classes; err names a word it does not know. */
int lb_redact_parse(const char *text, unsigned *classes, struct lb_error *err);
/* The classes as lb_redact_parse reads them ("keys,names"); "" for none. */
void lb_redact_format(unsigned classes, char *buf, size_t len);

enum { LB_REDACT_MAX_ERASED = 64, LB_REDACT_MAX_MISSING = 24 };

/* What a redaction did, as the dump's note carries it. */
struct lb_redaction_report {
    unsigned classes; /* asked */
    struct lb_redacted {
        char class_name[12]; /* "keys", "user-data", "names" */
        char type[64];       /* what was erased: "task_struct.comm", "pipe_buffer page" */
        uint64_t count, bytes;
    } erased[LB_REDACT_MAX_ERASED];
    size_t nerased;
    char not_found[LB_REDACT_MAX_MISSING][200]; /* what was not redacted, and why */
    size_t nnot_found;
    uint64_t ranges, bytes; /* physical ranges overwritten, and their bytes */
};

/*
 * From now on src gives its frames with the classes' secrets overwritten,
 * and its notes carry the redaction (LB_NOTE_REDACT, LB_NOTE_REDACT_RANGES),
 * so whatever is written from it (a dump, a triage report) is redacted.  A
 * class whose structures this kernel's BTF or symbols lack fails the whole
 * redaction (err names what is missing) and src is left as it was: the
 * caller must then write nothing.  src is never mapped again.
 */
int lb_source_redact(struct lb_source *src, unsigned classes, struct lb_error *err);
/* 1 and *out if src's notes carry a redaction (a redacted dump, or one just made), else 0. */
int lb_source_redaction(const struct lb_source *src, struct lb_redaction_report *out);
/*
 * The classes this process's lb_source_redact() calls walked src for (0 if
 * none): what a dump's own note claims is never taken for a redaction done.
 */
unsigned lb_source_redacting(const struct lb_source *src);
/* The physical ranges the redaction overwrote, as {start, length} pairs: count, or 0. */
size_t lb_source_redacted_ranges(const struct lb_source *src, const uint8_t **pairs);

#define LB_NOTE_REDACT        0x4c425201u /* text: the report, a line a fact */
#define LB_NOTE_REDACT_RANGES 0x4c425202u /* little-endian uint64 pairs {phys, length} */

/* ---- writers ---------------------------------------------------------- */

struct lb_progress {
    uint64_t bytes_done;
    uint64_t bytes_total;
};

typedef void (*lb_progress_fn)(void *ctx, const struct lb_progress *progress);

enum lb_format { LB_FORMAT_KDUMP, LB_FORMAT_ELF };

struct lb_write_options {
    enum lb_format format;
    unsigned dump_level; /* makedumpfile's -d mask: 1 zero, 2 cache, 4 private, 8 user, 16 free */
    enum lb_codec codec; /* kdump only */
    int codec_level;     /* 0: the codec's fast default; with AUTO, zstd's highest level tried */
    int threads;         /* compression workers; 0 or 1: none */
    int sparse;          /* the output is a regular file: unwritten ranges may be holes */
    int flattened;       /* the output is a stream: makedumpfile's flattened format */
    unsigned redact; /* LB_REDACT_* classes erased before anything is written (lb_source_redact) */
    lb_progress_fn progress; /* called now and then; may be NULL */
    void *progress_ctx;
};

enum { LB_ZSTD_LEVELS = 23 }; /* zstd's levels 1 to 22, and [0] */

struct lb_write_stats {
    uint64_t output_size;                 /* size of the file written; 0: no header was */
    uint64_t bytes_written;               /* bytes actually written */
    uint64_t pages_total;                 /* frames of memory the source describes */
    uint64_t pages_saved;                 /* frames whose content is in the output */
    uint64_t pages_class[LB_CLASS_COUNT]; /* frames by class; [LB_CLASS_KEEP] are kept */
    uint64_t pages_unreadable;            /* frames the source could not give */
    uint64_t pages_repeated; /* saved frames pointing at an earlier one's data (kdump format) */
    /* kdump: pages whose data was stored, by the codec it was stored with ([NONE]: as is),
     * counting the one zero page but not repeats; and how often AUTO changed codec */
    uint64_t pages_by_codec[LB_CODEC_STORED];
    uint64_t codec_changes;
    /* those of pages_by_codec[LB_CODEC_ZSTD] by level (compress auto's levels, or the one
     * asked; [0]: below 1) */
    uint64_t zstd_pages_by_level[LB_ZSTD_LEVELS];
    int incomplete; /* the output was cut short */
    /* The -d the output holds: dump_level, or only its zero bit where struct pages could not
     * be used or the classifier failed its check (filter_note says why). */
    unsigned dump_level_applied;
    uint64_t filter_checked; /* frames of the kernel's own memory the classifier's check saw */
    char filter_checks[160]; /* how many of each kind ("image 4113, log 129, ...") */
    char filter_note[512];   /* why -d could not use struct pages, or "" */
    int redacted;            /* the source was redacted: what was done is in redaction */
    struct lb_redaction_report redaction;
};

/*
 * A dump whose filter fell back (dump_level_applied below dump_level)
 * carries why in an ELF note of its own, in kdump and ELF output alike, so
 * 'info' can say it from the dump alone: name "LIFEBOAT", this type, and as
 * its description two little-endian uint32 (asked, applied) and the reason.
 */
#define LB_NOTE_NAME   "LIFEBOAT"
#define LB_NOTE_FILTER 0x4c424601u
/* A live dump: int64 seconds since the epoch when it was taken, then why to doubt it (text). */
#define LB_NOTE_LIVE 0x4c424c01u

struct lb_filter_fallback {
    unsigned asked, applied;
    char reason[512]; /* printable ASCII only */
};

/* 1 and *out if src says its filter fell back (the first such note), else 0. */
int lb_source_filter_fallback(const struct lb_source *src, struct lb_filter_fallback *out);

/*
 * The XXH64 of the first size bytes of fd (a dump as written), for integrity
 * checks; tick(ctx), when given, is called after every MiB read.
 */
int lb_checksum_fd(int fd, uint64_t size, uint64_t *sum, void (*tick)(void *), void *ctx,
                   struct lb_error *err);

/* ---- sinks: where a writer's bytes go -------------------------------- */

/*
 * A writer puts bytes at offsets of its output; a sink takes them: a file or
 * device, a stream (in makedumpfile's flattened records), an encryption
 * stacked on another sink.  Its capabilities tell the writer what it may do.
 */
enum {
    LB_SINK_HOLES = 1,      /* bytes never written read as zeros (a new regular file) */
    LB_SINK_WRITE_ONCE = 2, /* each byte may be written once only (a stream, an encryption) */
    LB_SINK_STREAM = 4,     /* bytes must arrive in order (a pipe) */
    /*
     * An encryption that seals its output a chunk at a time, each chunk once:
     * a chunk a writer comes back to (a header rewritten at the end) would be
     * held until the end, and lost with the writer.  lb_write_sink() then
     * writes makedumpfile's flattened records over it, in order, so whatever
     * reached the target is a readable dump up to where it stops.
     */
    LB_SINK_SEALED = 8,
    /* A file whose caller syncs it at the end (lb_sink_fd): its writeback is started as it
     * is written, so the disk works while the dump is made and the end's sync waits less. */
    LB_SINK_WRITEBACK = 16,
    /* Bytes never written before the last one written read as zeros, but the output ends
     * there (flattened records replayed: a dump over an encryption). */
    LB_SINK_GAPS_READ_ZERO = 32,
};

struct lb_sink;

struct lb_sink_ops {
    int (*write)(struct lb_sink *s, const void *buf, size_t len, uint64_t offset,
                 struct lb_error *err);
    /*
     * The writer is done; size is the output's length, whole says whether the
     * writer finished.  Called on failure too: what was written is made
     * readable as far as it goes.
     */
    int (*finish)(struct lb_sink *s, uint64_t size, int whole, struct lb_error *err);
    void (*free)(struct lb_sink *s); /* frees the sinks under it too */
    /*
     * Optional: makes room for bytes written later, so that what must be
     * written at the end (an encryption's held chunks) never meets a full
     * target.  A target that cannot reserve (no fallocate) is not an error.
     */
    int (*reserve)(struct lb_sink *s, uint64_t offset, uint64_t len, struct lb_error *err);
    /*
     * Optional: what was written so far becomes durable, where that is
     * cheap enough to do now and then (a file: data synced once enough has
     * gone out since the last time).  The writer calls it when a part of
     * the dump is whole and readable (a kdump window's bits are written), so
     * that a power cut keeps every such part.  With now set, at once,
     * whatever the amount: what comes next must never be durable before it
     * (a device's header, after the bitmaps and empty descriptors).
     */
    int (*checkpoint)(struct lb_sink *s, int now, struct lb_error *err);
};

struct lb_sink {
    const struct lb_sink_ops *ops;
    unsigned caps;
};

/* caps: LB_SINK_HOLES for a new regular file, LB_SINK_STREAM for a pipe.  NULL: no memory. */
struct lb_sink *lb_sink_fd(int fd, unsigned caps);
/* The same, owning fd: finishing syncs it (fsync), freeing closes it.  NULL: no memory (fd closed).
 */
struct lb_sink *lb_sink_file(int fd, unsigned caps);
/*
 * Writes to under at most bytes_per_second on average ('save --write-rate'):
 * owns under.  NULL: no memory (under freed).
 */
struct lb_sink *lb_sink_paced(struct lb_sink *under, uint64_t bytes_per_second);
/* Positioned writes as makedumpfile's flattened records on the stream under it. */
struct lb_sink *lb_sink_flattened(struct lb_sink *stream, struct lb_error *err);
/*
 * The same records, but a region may be written again and the last copy
 * counts (makedumpfile -R's rule), so a writer writes as into a file: its
 * header first, marked incomplete, and again at the end.  The stream under it
 * is borrowed: freeing this sink leaves it.
 */
struct lb_sink *lb_sink_replayed(struct lb_sink *stream, struct lb_error *err);

/* ---- encryption: the age v1 format (age-encryption.org/v1) ----------- */

enum { LB_AGE_MAX_RECIPIENTS = 16, LB_AGE_MAX_IDENTITIES = 16 };

/* An age1... (X25519) or ssh-ed25519 public key. */
struct lb_age_recipient {
    int ssh;              /* an ssh-ed25519 key, not a native age1 X25519 one */
    uint8_t x25519[32];   /* the public key (ssh: its Montgomery form) */
    uint8_t ssh_wire[51]; /* ssh: the key as SSH serializes it (tag and tweak come from it) */
};

struct lb_age_identities; /* private keys: AGE-SECRET-KEY-1... lines or an OpenSSH key */

/* Parses "age1..." or "ssh-ed25519 AAAA... [comment]". */
int lb_age_recipient_parse(const char *text, struct lb_age_recipient *out, struct lb_error *err);
int lb_age_identities_load(const char *path, struct lb_age_identities **out, struct lb_error *err);
void lb_age_identities_free(struct lb_age_identities *ids);
/* Does the file at fd begin as an age file does? */
int lb_age_is_encrypted(int fd);
/*
 * Encrypts what is written to it for the recipients r[0..n-1] onto lower,
 * which it then owns (and frees, even when this fails).
 * Memory is bounded: a chunk is sealed once every byte of it is written.
 */
int lb_sink_age(struct lb_sink *lower, const struct lb_age_recipient *r, size_t n,
                struct lb_sink **out, struct lb_error *err);
/* Opens an encrypted dump, decrypted as it is read (random access, one chunk at a time). */
int lb_source_open_age(const char *path, const struct lb_age_identities *ids,
                       struct lb_source **out, struct lb_error *err);
/* Up to cap bytes of an age file's plaintext, from its start (a small file: a report). */
int lb_age_read(int fd, const struct lb_age_identities *ids, void *buf, size_t cap, size_t *len,
                struct lb_error *err);
/*
 * An encrypted source: authenticates every chunk, *bad of them fail (the
 * first named in err); returns 1.  A clear source: 0, nothing to do.
 */
int lb_source_authenticate(struct lb_source *src, uint64_t *bad, struct lb_error *err);
/*
 * The whole plaintext of an age file, streamed to out (bounded memory).
 * A file cut short gives what it holds, then an error saying where it ends.
 */
int lb_age_decrypt_fd(int in_fd, const struct lb_age_identities *ids, int out_fd,
                      struct lb_error *err);

/*
 * What a dump of src with opts would weigh, without writing it
 * (write/predict.c): the frames classified as the writer classifies them,
 * and a systematic sample of at most `sample` kept frames read and
 * compressed, their cost taken for all.  Reads struct pages and the sample
 * only; memory is bounded by the sample.
 */
struct lb_size_prediction {
    uint64_t bytes;                       /* the dump's size, predicted */
    uint64_t metadata;                    /* of which headers, bitmaps and descriptors */
    uint64_t pages_total;                 /* frames of memory the source describes */
    uint64_t pages_class[LB_CLASS_COUNT]; /* frames by class; [LB_CLASS_KEEP] are kept */
    uint64_t sampled;                     /* kept frames read for the ratio */
    uint64_t sampled_zero, sampled_repeated, sampled_unreadable;
    uint64_t sampled_bytes;      /* what the sampled frames would take in the dump */
    unsigned dump_level_applied; /* as lb_write_stats says it */
    char filter_note[512];
};

int lb_predict_size(struct lb_source *src, const struct lb_write_options *opts, size_t sample,
                    struct lb_size_prediction *out, struct lb_error *err);

/*
 * Writes src to out_fd in the chosen format, filtered by dump_level, streamed
 * a window of frames at a time: memory use does not depend on the size of the
 * source.  Frames the source cannot give are counted and left out.  On a
 * write error the output is finished as far as it got and marked incomplete
 * (kdump) or left with holes (ELF), and the error is returned.
 */
int lb_write(struct lb_source *src, int out_fd, const struct lb_write_options *opts,
             struct lb_write_stats *stats, struct lb_error *err);
/* The same into a sink (opts->sparse and opts->flattened are the sink's business). */
int lb_write_sink(struct lb_source *src, struct lb_sink *sink, const struct lb_write_options *opts,
                  struct lb_write_stats *stats, struct lb_error *err);

#endif
