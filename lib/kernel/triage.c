/*
 * triage.c - what happened, from the dump alone: which kernel, when, the
 * panic message, the panicking CPU and task, its stack symbolized through
 * the kernel's own kallsyms, and the tasks.
 *
 * Each step works from what the previous ones found and says in a note why
 * it could not go further: a damaged log costs the panic message, missing
 * kallsyms cost the symbols, never the rest of the report.
 *
 * The stack is found the way crash's "bt -t" finds it, by scanning the
 * panicking CPU's kernel stack for return addresses, kept only if the
 * instruction before them is a call: without the ORC tables (not in the
 * dump's dictionary) that is as good as an unwinder on a stack that may be
 * corrupt, and it never follows a bad pointer.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/arch.h"
#include "kernel/kernel.h"
#include "kernel/triage.h"

enum { THREAD_SIZE = 16384 };

void lb_triage_note(struct lb_triage *t, const char *fmt, ...)
{
    va_list ap;

    if (t->nnotes == LB_TRIAGE_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(t->notes[t->nnotes++], sizeof(t->notes[0]), fmt, ap);
    va_end(ap);
}

static void copy_field(char *dst, const char *src, size_t len)
{
    size_t n = strnlen(src, len - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void read_utsname(struct lb_kernel *k, struct lb_triage *t)
{
    const struct lb_vmcoreinfo *vi = lb_kernel_vmcoreinfo(k);
    uint64_t uts, off = 0;
    char name[6][65];
    struct lb_error err;

    lb_vmcoreinfo_get_u64(vi, "OFFSET(uts_namespace.name)", 10, &off);
    if (lb_vmcoreinfo_get_u64(vi, "SYMBOL(init_uts_ns)", 16, &uts) < 0 ||
        lb_kernel_read(k, uts + off, name, sizeof(name), &err) < 0 ||
        strncmp(name[2], t->release, sizeof(name[2])) != 0) {
        lb_triage_note(t, "init_uts_ns could not be read: only the release is known");
        return;
    }
    copy_field(t->sysname, name[0], sizeof(t->sysname));
    copy_field(t->nodename, name[1], sizeof(t->nodename));
    copy_field(t->version, name[3], sizeof(t->version));
    copy_field(t->machine, name[4], sizeof(t->machine));
}

static void copy_text(char *dst, size_t cap, const struct lb_log_record *rec)
{
    size_t n = rec->text_len < cap - 1 ? rec->text_len : cap - 1;

    memcpy(dst, rec->text, n);
    dst[n] = '\0';
}

static int starts(const struct lb_log_record *rec, const char *mark)
{
    size_t ml = strlen(mark);
    return rec->text_len >= ml && memcmp(rec->text, mark, ml) == 0;
}

/*
 * The last "Kernel panic" line, and the first BUG, Oops or similar line (the
 * cause: later ones are its consequences).  An oops with panic_on_oops kexecs
 * before panic() prints anything, so the cause is then all there is.
 */
static int find_panic(void *ctx, const struct lb_log_record *rec)
{
    static const char *const causes[] = {
        "BUG: ",
        "kernel BUG at ",
        "Oops: ",
        "general protection fault",
        "invalid opcode: ",
        "WARNING: ",
        "INFO: task ",
        "watchdog: BUG: ",
    };
    struct lb_triage *t = ctx;

    if (starts(rec, "Kernel panic - not syncing: ")) {
        copy_text(t->panic, sizeof(t->panic), rec);
        t->uptime_ns = rec->ts_nsec;
        return 0;
    }
    for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]) && !t->cause[0] && !t->panic[0]; i++)
        if (starts(rec, causes[i])) {
            copy_text(t->cause, sizeof(t->cause), rec);
            t->uptime_ns = rec->ts_nsec;
        }
    return 0;
}

static void scan_stack(struct lb_kernel *k, const struct lb_kallsyms *ks, struct lb_triage *t);

/*
 * Without panic_cpu (a kernel without KALLSYMS_ALL has no data symbols: Debian's
 * arm64 cloud kernels), the CPU whose stack goes through panic() is the one.
 */
static int cpu_in_panic(struct lb_kernel *k, const struct lb_kallsyms *ks,
                        const struct lb_cpu_state *cpus, int n, struct lb_triage *t)
{
    int found = -1;

    for (int c = 0; c < n && found < 0 && k && ks; c++) {
        t->regs = cpus[c];
        t->nframes = 0;
        scan_stack(k, ks, t);
        for (size_t i = 0; i < t->nframes && found < 0; i++)
            if (strncmp(t->frames[i].name, "panic+", 6) == 0)
                found = c;
    }
    t->nframes = 0;
    return found;
}

/* The CPU that panicked: the kernel's panic_cpu, whose note holds its registers. */
static void find_panic_cpu(struct lb_source *src, struct lb_kernel *k, const struct lb_kallsyms *ks,
                           struct lb_triage *t)
{
    size_t len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &len);
    struct lb_cpu_state cpus[64];
    struct lb_note note;
    struct lb_error err;
    uint64_t addr;
    int32_t panic_cpu = -1;
    int n = 0;

    while (lb_note_next(notes, len, &pos, &note, &err) == 1 && n < 64)
        if (note.type == NT_PRSTATUS &&
            lb_source_prstatus(src, note.desc, note.desc_len, &cpus[n], &err) == 0)
            n++;
    t->ncpus = n;
    if (t->live) { /* no CPU was stopped: the registers are zeros */
        t->panicked = 0;
        return;
    }
    if (n == 0) {
        lb_triage_note(t, "no CPU saved its registers (no NT_PRSTATUS note)");
        return;
    }
    int readable = ks && lb_kallsyms_address(ks, "panic_cpu", &addr) == 0 &&
                   lb_kernel_read(k, addr, &panic_cpu, 4, &err) == 0;
    if (readable && panic_cpu >= 0 && panic_cpu < n) {
        t->panic_cpu = panic_cpu;
        t->panicked = 1;
    } else if (readable && panic_cpu == -1 && !t->panic[0] && !t->cause[0]) {
        /* panic() and crash_kexec() both claim panic_cpu: no CPU did, and no log says so */
        t->panicked = 0;
        t->panic_cpu = 0;
        lb_triage_note(t, "no CPU was panicking (panic_cpu is -1, no panic in the log): a dump of "
                          "a running machine; the registers are the first CPU's");
    } else if ((t->panic_cpu = cpu_in_panic(k, ks, cpus, n, t)) >= 0) {
        t->panicked = 1;
        lb_triage_note(t,
                       "panic_cpu not readable: the CPU whose stack goes through panic() is taken");
    } else {
        lb_triage_note(t, "panic_cpu not readable: taking the first CPU's registers");
        t->panic_cpu = 0;
    }
    t->regs = cpus[t->panic_cpu];
    t->has_regs = 1;
    t->panic_pid = (int32_t)t->regs.pid;
}

static void symbolize(const struct lb_arch *arch, const struct lb_kallsyms *ks, uint64_t addr,
                      char *out, size_t len)
{
    const char *name;
    uint64_t off;

    if (ks && lb_kallsyms_lookup(ks, addr, &name, &off, NULL) == 0)
        snprintf(out, len, "%s+0x%llx", name, (unsigned long long)off);
    else if (addr >= arch->modules_lo && addr < arch->modules_hi)
        snprintf(out, len, "(in a module)");
    else
        out[0] = '\0';
}

static int is_text(const struct lb_arch *arch, const struct lb_kallsyms *ks, uint64_t addr)
{
    const char *name;
    uint64_t off;
    char type;

    return addr >= arch->kernel_text_lo && lb_kallsyms_lookup(ks, addr, &name, &off, &type) == 0 &&
           (type == 'T' || type == 't') && off < (1 << 20);
}

static void add_frame(struct lb_triage *t, const struct lb_arch *arch, const struct lb_kallsyms *ks,
                      uint64_t addr)
{
    if (t->nframes == LB_TRIAGE_FRAMES)
        return;
    t->frames[t->nframes].addr = addr;
    symbolize(arch, ks, addr, t->frames[t->nframes].name, sizeof(t->frames[0].name));
    t->nframes++;
}

/*
 * Frame records, where the kernel always keeps them (arm64: x29 points at
 * {previous x29, return address}): they go across the IRQ stack to the
 * task's, which a scan of one stack cannot.  Every record is read from the
 * crashed machine: 16-byte aligned, in the kernel's half, never the same
 * twice, at most LB_TRIAGE_FRAMES; a bad one ends the walk.
 */
static void walk_frame_records(struct lb_kernel *k, const struct lb_kallsyms *ks,
                               struct lb_triage *t)
{
    const struct lb_arch *arch = k->arch;
    uint64_t fp = t->regs.regs[arch->fp], seen[LB_TRIAGE_FRAMES];
    struct lb_error err;

    add_frame(t, arch, ks, t->regs.regs[arch->pc]);
    for (size_t n = 0; n < LB_TRIAGE_FRAMES && fp && !(fp & 15) && fp >= arch->modules_lo; n++) {
        uint64_t record[2];
        for (size_t i = 0; i < n; i++)
            if (seen[i] == fp)
                return; /* a loop */
        seen[n] = fp;
        if (lb_kernel_read(k, fp, record, sizeof(record), &err) < 0)
            return;
        uint64_t ret = arch->strip(k, record[1]);
        if (!ret)
            return;
        if (!ks || is_text(arch, ks, ret))
            add_frame(t, arch, ks, ret);
        fp = record[0];
    }
}

/*
 * The architecture says where the stack pointer and the program counter are
 * among the saved registers, how a return address is signed (arm64's pointer
 * authentication) and what a call instruction looks like.
 */
static void scan_stack(struct lb_kernel *k, const struct lb_kallsyms *ks, struct lb_triage *t)
{
    const struct lb_arch *arch = k->arch;

    if (arch->fp >= 0) {
        walk_frame_records(k, ks, t);
        if (t->nframes > 2)
            return;
        t->nframes = 0; /* records that lead nowhere: the stack is scanned instead */
    }
    uint64_t sp = t->regs.regs[arch->sp], top = (sp | (THREAD_SIZE - 1)) + 1;
    uint64_t words[THREAD_SIZE / 8];
    struct lb_error err;
    size_t n = (top - (sp & ~7ull)) / 8;

    add_frame(t, arch, ks, t->regs.regs[arch->pc]);
    if (!ks) {
        lb_triage_note(t, "no kallsyms: the stack is not scanned");
        return;
    }
    if (n > THREAD_SIZE / 8 || lb_kernel_read(k, sp & ~7ull, words, n * 8, &err) < 0) {
        lb_triage_note(t, "the panicking CPU's stack at 0x%llx is not in the dump",
                       (unsigned long long)sp);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t ret = arch->strip(k, words[i]);
        if (is_text(arch, ks, ret) && arch->after_call(k, ret))
            add_frame(t, arch, ks, ret);
    }
}

/*
 * A task that is not running saved its stack pointer when it last switched
 * out: the return addresses from there to the top of its stack are how it
 * came to wait (crash's "bt -t" of a sleeping task).  The stack is the
 * task's own, 16 KiB, and the saved pointer must lie in it.
 */
static void task_stack(struct lb_kernel *k, const struct lb_kallsyms *ks, struct lb_task *task,
                       uint64_t *words)
{
    const struct lb_arch *arch = k->arch;
    struct lb_frame frames[LB_TASK_FRAMES];
    struct lb_error err;
    size_t nf = 0, n;

    if (task->active || !task->stack || task->sp < task->stack ||
        task->sp - task->stack >= THREAD_SIZE)
        return;
    n = (task->stack + THREAD_SIZE - (task->sp & ~7ull)) / 8;
    if (lb_kernel_read(k, task->sp & ~7ull, words, n * 8, &err) < 0)
        return;
    for (size_t i = 0; i < n && nf < LB_TASK_FRAMES; i++) {
        uint64_t ret = arch->strip(k, words[i]);
        if (is_text(arch, ks, ret) && arch->after_call(k, ret)) {
            frames[nf].addr = ret;
            symbolize(arch, ks, ret, frames[nf].name, sizeof(frames[nf].name));
            nf++;
        }
    }
    if (nf && (task->frames = malloc(nf * sizeof(*frames)))) {
        memcpy(task->frames, frames, nf * sizeof(*frames));
        task->nframes = nf;
    }
}

/* A live dump: every task's stack, since no CPU's says what went wrong. */
static void task_stacks(struct lb_kernel *k, struct lb_triage *t)
{
    static uint64_t words[THREAD_SIZE / 8];
    struct lb_kallsyms *ks;
    struct lb_error err;

    if (lb_kallsyms_load(k, &ks, &err) < 0) {
        lb_triage_note(t, "the tasks' stacks: %s", err.msg);
        return;
    }
    for (size_t i = 0; i < t->ntasks; i++)
        task_stack(k, ks, &t->tasks[i], words);
    lb_kallsyms_free(ks);
}

static void live_note(struct lb_triage *t)
{
    char when[32] = "an unknown time";
    time_t tt = (time_t)t->crash_time;
    struct tm tm;

    if (t->crash_time && gmtime_r(&tt, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    lb_triage_note(t,
                   "a live dump of a running kernel, taken at %s: no CPU was panicking or stopped "
                   "(no registers); memory changed while it was read, so lists and stacks may be "
                   "inconsistent",
                   when);
}

void lb_triage(struct lb_source *src, struct lb_triage *t)
{
    int64_t taken = 0;
    struct lb_vmcoreinfo *vi = NULL;
    struct lb_kallsyms *ks = NULL;
    struct lb_log_stats stats;
    struct lb_kernel *k = NULL;
    struct lb_error err;
    size_t len;
    const uint8_t *notes = lb_source_notes(src, &len);
    uint64_t when;

    memset(t, 0, sizeof(*t));
    t->panic_cpu = -1;
    t->panicked = -1;
    if (lb_vmcoreinfo_from_notes(notes, len, &vi, &err) < 0) {
        lb_triage_note(t, "%s: nothing of the kernel can be read", err.msg);
        return;
    }
    if (lb_vmcoreinfo_get(vi, "OSRELEASE"))
        copy_field(t->release, lb_vmcoreinfo_get(vi, "OSRELEASE"), sizeof(t->release));
    if (lb_vmcoreinfo_get_u64(vi, "CRASHTIME", 10, &when) == 0)
        t->crash_time = (int64_t)when;
    lb_vmcoreinfo_free(vi);
    if ((t->live = lb_source_live(src, &taken))) {
        t->crash_time = t->crash_time ? t->crash_time : taken;
        live_note(t);
    }
    if (lb_kernel_open(src, &k, &err) < 0) {
        lb_triage_note(t, "kernel memory cannot be read: %s", err.msg);
        find_panic_cpu(src, NULL, NULL, t);
        return;
    }
    read_utsname(k, t);
    if (t->live) {
        /* a running kernel: an old WARNING in its log is no panic */
    } else if (lb_log_walk(k, find_panic, t, &stats, &err) < 0)
        lb_triage_note(t, "kernel log: %s", err.msg);
    else if (!t->panic[0] && t->cause[0])
        memcpy(t->panic, t->cause, sizeof(t->panic));
    else if (!t->panic[0])
        lb_triage_note(t, "the kernel log holds no panic message");
    if (lb_kallsyms_load(k, &ks, &err) < 0)
        lb_triage_note(t, "%s", err.msg);
    find_panic_cpu(src, k, ks, t);
    if (t->has_regs)
        scan_stack(k, ks, t);
    /* The whole symbol table (megabytes) goes before the BTF (megabytes) comes: in a
     * crash kernel the two together may not fit.  The tasks need a few names only. */
    if (ks) {
        static const char *const task_symbols[] = {"__start_BTF", "__stop_BTF", "runqueues",
                                                   "__per_cpu_offset", "init_task"};
        lb_kallsyms_free(ks);
        ks = NULL;
        if (lb_kallsyms_load_only(k, task_symbols, 5, &ks, &err) < 0)
            lb_triage_note(t, "%s", err.msg);
    }
    if (ks)
        lb_triage_tasks(k, ks, t);
    else
        lb_triage_note(t, "no kallsyms: the task list cannot be found");
    lb_kallsyms_free(ks);
    if (t->live && t->ntasks)
        task_stacks(k, t);
    lb_kernel_close(k);
}

void lb_triage_free(struct lb_triage *t)
{
    for (size_t i = 0; t->tasks && i < t->ntasks; i++)
        free(t->tasks[i].frames);
    free(t->tasks);
    t->tasks = NULL;
}
