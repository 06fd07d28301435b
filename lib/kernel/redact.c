/*
 * redact.c - dumps that can be shared: the plan, its report, and a source
 * that gives its frames with the plan's ranges overwritten.
 *
 * The plan is made before anything is written: the walks of redact_walk.c
 * find, through the crashed kernel's BTF and kallsyms, the physical ranges
 * that hold secrets (keyring payloads, the random pool, pipe and socket
 * buffers, task and host names, free pages on the per-CPU lists that -d
 * keeps, every SLUB cache's free objects: redact_pcp.c, redact_slab.c).
 * The ranges are sorted and merged, and the source then overwrites them
 * with zeros in every read it gives (never in its file), so every writer,
 * the dedup, the checksums and the triage report see only redacted bytes,
 * and the structures around the ranges stay as they were: crash and drgn
 * still walk them.  The dump carries what was done in two notes of its
 * own: the report (classes, what was erased, what could
 * not be found) and the ranges, so 'info' and 'verify' say it and a judge
 * can check every other byte against the source.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/redact.h"
#include "source/source.h"

enum {
    MAX_RANGES = 1 << 22, /* 64 MiB of plan at most */
    /* the ranges note holds the first 1Mi (16 MiB): a free slab object is a range or two */
    MAX_NOTE_RANGES = 1 << 20,
    STEP_BUDGET = 1 << 24, /* pointers followed in all walks of one redaction */
    MAX_CPUS_NOTED = 8192,
};

static const char *const class_names[] = {"keys", "user-data", "names"};

int lb_redact_parse(const char *text, unsigned *classes, struct lb_error *err)
{
    const char *p = text;

    *classes = 0;
    while (*p) {
        size_t n = strcspn(p, ", ");
        unsigned found = 0;
        for (unsigned i = 0; i < 3; i++)
            if (n == strlen(class_names[i]) && strncmp(p, class_names[i], n) == 0)
                found = 1u << i;
        if (n == 3 && strncmp(p, "all", 3) == 0)
            found = LB_REDACT_ALL;
        if (n && !found) {
            lb_error_set(err, "redact: \"%.*s\" is no class (keys, user-data, names, all)",
                         (int)(n > 40 ? 40 : n), p);
            return -1;
        }
        *classes |= found;
        p += n;
        p += strspn(p, ", ");
    }
    if (!*classes) {
        lb_error_set(err, "redact: no class named (keys, user-data, names, all)");
        return -1;
    }
    return 0;
}

void lb_redact_format(unsigned classes, char *buf, size_t len)
{
    size_t at = 0;

    if (len)
        buf[0] = '\0';
    for (unsigned i = 0; i < 3 && len; i++)
        if (classes & (1u << i)) {
            int n = snprintf(buf + at, len - at, "%s%s", at ? "," : "", class_names[i]);
            if (n < 0 || (size_t)n >= len - at)
                return;
            at += (size_t)n;
        }
}

static const char *class_name(unsigned cls)
{
    return cls == LB_REDACT_KEYS ? "keys" : cls == LB_REDACT_USER_DATA ? "user-data" : "names";
}

/* ---- the plan ---------------------------------------------------------- */

static void merge(struct redaction *p);

static void add_range(struct redact_ctx *c, uint64_t phys, uint64_t len)
{
    struct redaction *p = c->plan;
    struct redact_range *last = p->n ? &p->r[p->n - 1] : NULL;

    if (c->out_of_memory) /* the redaction fails: no merge again for every range that follows */
        return;
    if (last && phys >= last->start && phys <= last->start + last->len) {
        if (phys + len > last->start + last->len) /* the next bytes of the last range */
            last->len = phys + len - last->start;
        return;
    }
    /* Full: merged first (many ranges touch or repeat); it grows only if that freed little. */
    int grow = p->n == p->cap;
    if (grow && p->n >= 1024) {
        merge(p);
        grow = p->n > p->cap / 4 * 3;
    }
    if (grow) {
        size_t cap = p->cap ? 2 * p->cap : 1024;
        struct redact_range *r = cap <= MAX_RANGES ? realloc(p->r, cap * sizeof(*r)) : NULL;
        if (!r) {
            c->out_of_memory = 1;
            return;
        }
        p->r = r;
        p->cap = cap;
    }
    p->r[p->n++] = (struct redact_range){phys, len};
}

static struct lb_redacted *item(struct redact_ctx *c, unsigned cls, const char *type)
{
    struct lb_redaction_report *rep = c->rep;

    for (size_t i = 0; i < rep->nerased; i++)
        if (strcmp(rep->erased[i].type, type) == 0 &&
            strcmp(rep->erased[i].class_name, class_name(cls)) == 0)
            return &rep->erased[i];
    if (rep->nerased == LB_REDACT_MAX_ERASED) { /* the last counts the rest: never unsaid */
        struct lb_redacted *last = &rep->erased[LB_REDACT_MAX_ERASED - 1];
        snprintf(last->class_name, sizeof(last->class_name), "all");
        snprintf(last->type, sizeof(last->type), "other types (past the report's room)");
        return last;
    }
    struct lb_redacted *it = &rep->erased[rep->nerased++];
    snprintf(it->class_name, sizeof(it->class_name), "%s", class_name(cls));
    snprintf(it->type, sizeof(it->type), "%s", type);
    return it;
}

void lb_redact_phys(struct redact_ctx *c, unsigned cls, const char *type, uint64_t phys,
                    uint64_t len)
{
    struct lb_redacted *it = item(c, cls, type);

    if (!len)
        return;
    add_range(c, phys, len);
    if (it) {
        it->count++;
        it->bytes += len;
    }
}

void lb_redact_phys_but(struct redact_ctx *c, unsigned cls, const char *type, uint64_t phys,
                        uint64_t len, uint64_t keep_off, uint64_t keep_len)
{
    struct lb_redacted *it = item(c, cls, type);

    if (keep_off > len)
        keep_off = len;
    if (keep_len > len - keep_off)
        keep_len = len - keep_off;
    if (keep_off)
        add_range(c, phys, keep_off);
    if (keep_off + keep_len < len)
        add_range(c, phys + keep_off + keep_len, len - keep_off - keep_len);
    if (it && len > keep_len) {
        it->count++;
        it->bytes += len - keep_len;
    }
}

void lb_redact_virt(struct redact_ctx *c, unsigned cls, const char *type, uint64_t vaddr,
                    uint64_t len)
{
    struct lb_redacted *it = item(c, cls, type);
    struct lb_error ignored;

    if (!len)
        return;
    if (it) {
        it->count++;
        it->bytes += len;
    }
    while (len) {
        uint64_t in_page = LB_PAGE_SIZE - (vaddr & (LB_PAGE_SIZE - 1)), phys;
        uint64_t n = len < in_page ? len : in_page;
        /* A page not mapped is in no frame of the dump: nothing of it can leak. */
        if (lb_kernel_vtop(c->k, vaddr, &phys, &ignored) == 0)
            add_range(c, phys, n);
        vaddr += n;
        len -= n;
    }
}

void lb_redact_missing(struct redact_ctx *c, const char *fmt, ...)
{
    struct lb_redaction_report *rep = c->rep;
    va_list ap;

    /* Full: the last line counts what did not fit; the report never claims more than was done. */
    if (rep->nnot_found >= LB_REDACT_MAX_MISSING - 1) {
        c->missing_cut++;
        snprintf(rep->not_found[LB_REDACT_MAX_MISSING - 1], sizeof(rep->not_found[0]),
                 "%u more things not redacted, not listed: the list holds %d", c->missing_cut,
                 LB_REDACT_MAX_MISSING - 1);
        rep->nnot_found = LB_REDACT_MAX_MISSING;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(rep->not_found[rep->nnot_found++], sizeof(rep->not_found[0]), fmt, ap);
    va_end(ap);
}

int lb_redact_step(struct redact_ctx *c)
{
    if (c->steps_left == 0)
        return 0;
    c->steps_left--;
    return 1;
}

static int by_start(const void *a, const void *b)
{
    const struct redact_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorted, overlapping and touching ranges merged: lookups then need one binary search. */
static void merge(struct redaction *p)
{
    size_t out = 0;

    if (p->n == 0)
        return; /* no array yet: qsort's pointer must not be NULL even for none */
    qsort(p->r, p->n, sizeof(*p->r), by_start);
    for (size_t i = 0; i < p->n; i++) {
        struct redact_range *last = out ? &p->r[out - 1] : NULL;
        if (last && p->r[i].start <= last->start + last->len) {
            uint64_t end = p->r[i].start + p->r[i].len;
            if (end > last->start + last->len)
                last->len = end - last->start;
            continue;
        }
        p->r[out++] = p->r[i];
    }
    p->n = out;
}

void lb_redaction_apply(const struct redaction *r, uint64_t pfn, size_t n, uint8_t *buf,
                        const uint8_t *status)
{
    uint64_t from = pfn * LB_PAGE_SIZE, to = (pfn + n) * LB_PAGE_SIZE;
    size_t lo = 0, hi = r->n;

    while (lo < hi) { /* the first range ending after from */
        size_t mid = lo + (hi - lo) / 2;
        if (r->r[mid].start + r->r[mid].len <= from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < r->n && r->r[i].start < to; i++) {
        uint64_t a = r->r[i].start > from ? r->r[i].start : from;
        uint64_t b = r->r[i].start + r->r[i].len < to ? r->r[i].start + r->r[i].len : to;
        for (uint64_t at = a; at < b;) {
            uint64_t page_end = (at / LB_PAGE_SIZE + 1) * LB_PAGE_SIZE;
            uint64_t end = b < page_end ? b : page_end;
            if (status[(at - from) / LB_PAGE_SIZE] == LB_PAGE_OK)
                memset(buf + (at - from), 0, end - at);
            at = end;
        }
    }
}

void lb_redaction_free(struct redaction *r)
{
    if (r)
        free(r->r);
    free(r);
}

/* ---- the notes ----------------------------------------------------------- */

static size_t report_text(const struct lb_redaction_report *rep, char *buf, size_t cap)
{
    char classes[64];
    size_t at = 0;

#define PUT(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(buf + at, cap - at, __VA_ARGS__);                                        \
        if (n_ > 0)                                                                                \
            at = at + (size_t)n_ < cap ? at + (size_t)n_ : cap - 1;                                \
    } while (0)
    lb_redact_format(rep->classes, classes, sizeof(classes));
    PUT("classes\t%s\n", classes);
    for (size_t i = 0; i < rep->nerased; i++)
        PUT("erased\t%s\t%s\t%llu\t%llu\n", rep->erased[i].class_name, rep->erased[i].type,
            (unsigned long long)rep->erased[i].count, (unsigned long long)rep->erased[i].bytes);
    for (size_t i = 0; i < rep->nnot_found; i++)
        PUT("not_found\t%s\n", rep->not_found[i]);
    PUT("ranges\t%llu\t%llu\n", (unsigned long long)rep->ranges, (unsigned long long)rep->bytes);
#undef PUT
    return at;
}

static void note_at(uint8_t *buf, size_t *len, uint32_t type, const void *desc, size_t desc_len)
{
    Elf64_Nhdr h = {
        .n_namesz = sizeof(LB_NOTE_NAME), .n_descsz = (Elf64_Word)desc_len, .n_type = type};
    size_t name_len = (sizeof(LB_NOTE_NAME) + 3) / 4 * 4;

    memcpy(buf + *len, &h, sizeof(h));
    memset(buf + *len + sizeof(h), 0, name_len + (desc_len + 3) / 4 * 4);
    memcpy(buf + *len + sizeof(h), LB_NOTE_NAME, sizeof(LB_NOTE_NAME));
    *len += sizeof(h) + name_len;
    memcpy(buf + *len, desc, desc_len);
    *len += (desc_len + 3) / 4 * 4;
}

/*
 * The source's notes into out (zeroed, room for them all), but an earlier redaction's ranges:
 * the plan holds them now (lb_source_redact), and a dump redacted again and again would carry
 * a list a time until its readers refuse the notes.  Notes this reader cannot walk are kept
 * whole, as they were.  Returns their length, 4-aligned.
 */
static size_t copy_notes(const struct lb_source *src, uint8_t *out)
{
    size_t pos = 0, kept = 0;
    struct lb_note note;
    struct lb_error ignored;
    int r;

    while ((r = lb_note_next(src->notes, src->notes_len, &pos, &note, &ignored)) == 1)
        if (note.type != LB_NOTE_REDACT_RANGES || strcmp(note.name, LB_NOTE_NAME) != 0) {
            memcpy(out + kept, src->notes + note.offset, pos - note.offset);
            kept = (kept + pos - note.offset + 3) / 4 * 4;
        }
    if (r < 0) {
        memcpy(out, src->notes, src->notes_len);
        kept = (src->notes_len + 3) / 4 * 4;
    }
    return kept;
}

/* The source's notes, then the report's and the ranges' notes. */
static int add_notes(struct lb_source *src, const struct redaction *plan,
                     const struct lb_redaction_report *rep, struct lb_error *err)
{
    enum { TEXT_CAP = 16384, OVERHEAD = 2 * (sizeof(Elf64_Nhdr) + 12) + 8 };
    size_t nranges = plan->n < MAX_NOTE_RANGES ? plan->n : MAX_NOTE_RANGES;
    size_t old = (src->notes_len + 3) / 4 * 4, len = old;
    uint8_t *notes = malloc(old + TEXT_CAP + nranges * 16 + OVERHEAD);
    char *text = malloc(TEXT_CAP);
    uint64_t *pairs = malloc(nranges * 16 + 16);

    if (!notes || !text || !pairs) {
        free(notes), free(text), free(pairs);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the redaction's notes");
        return -1;
    }
    memset(notes, 0, old);
    if (src->notes_len)
        len = copy_notes(src, notes);
    note_at(notes, &len, LB_NOTE_REDACT, text, report_text(rep, text, TEXT_CAP));
    for (size_t i = 0; i < nranges; i++) {
        pairs[2 * i] = plan->r[i].start;
        pairs[2 * i + 1] = plan->r[i].len;
    }
    note_at(notes, &len, LB_NOTE_REDACT_RANGES, pairs, nranges * 16);
    free(text);
    free(pairs);
    free(src->notes);
    src->notes = notes;
    src->notes_len = len;
    return 0;
}

/* The last note of this type (a dump redacted again carries both). */
static int last_note(const struct lb_source *src, uint32_t type, struct lb_note *out)
{
    size_t len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &len);
    struct lb_note note;
    struct lb_error ignored;
    int found = 0;

    while (lb_note_next(notes, len, &pos, &note, &ignored) == 1)
        if (note.type == type && strcmp(note.name, LB_NOTE_NAME) == 0) {
            *out = note;
            found = 1;
        }
    return found;
}

/* One line of the report's text, printable ASCII only, split at tabs into up to 5 fields. */
static size_t split_line(const uint8_t *p, size_t n, char *line, size_t cap, char **f)
{
    size_t nf = 1, len = n < cap - 1 ? n : cap - 1;

    for (size_t i = 0; i < len; i++)
        line[i] = p[i] == '\t' ? '\t' : p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    line[len] = '\0';
    f[0] = line;
    for (char *t = line; nf < 5 && (t = strchr(t, '\t')); nf++) {
        *t++ = '\0';
        f[nf] = t;
    }
    return nf;
}

static void parse_line(struct lb_redaction_report *out, char **f, size_t nf)
{
    if (strcmp(f[0], "classes") == 0 && nf >= 2) {
        lb_redact_parse(f[1], &out->classes, &(struct lb_error){0});
    } else if (strcmp(f[0], "erased") == 0 && nf == 5 && out->nerased < LB_REDACT_MAX_ERASED) {
        struct lb_redacted *it = &out->erased[out->nerased++];
        snprintf(it->class_name, sizeof(it->class_name), "%s", f[1]);
        snprintf(it->type, sizeof(it->type), "%s", f[2]);
        it->count = strtoull(f[3], NULL, 10);
        it->bytes = strtoull(f[4], NULL, 10);
    } else if (strcmp(f[0], "not_found") == 0 && nf >= 2 &&
               out->nnot_found < LB_REDACT_MAX_MISSING) {
        snprintf(out->not_found[out->nnot_found++], sizeof(out->not_found[0]), "%s", f[1]);
    } else if (strcmp(f[0], "ranges") == 0 && nf >= 3) {
        out->ranges = strtoull(f[1], NULL, 10);
        out->bytes = strtoull(f[2], NULL, 10);
    }
}

int lb_source_redaction(const struct lb_source *src, struct lb_redaction_report *out)
{
    struct lb_note note;
    char line[512], *f[5];

    memset(out, 0, sizeof(*out));
    if (!last_note(src, LB_NOTE_REDACT, &note))
        return 0;
    for (size_t at = 0; at < note.desc_len;) {
        const uint8_t *nl = memchr(note.desc + at, '\n', note.desc_len - at);
        size_t n = nl ? (size_t)(nl - (note.desc + at)) : note.desc_len - at;
        size_t nf = split_line(note.desc + at, n, line, sizeof(line), f);
        parse_line(out, f, nf);
        at += n + 1;
    }
    return 1;
}

unsigned lb_source_redacting(const struct lb_source *src)
{
    return src->redaction ? src->redaction->classes : 0;
}

size_t lb_source_redacted_ranges(const struct lb_source *src, const uint8_t **pairs)
{
    struct lb_note note;

    if (!last_note(src, LB_NOTE_REDACT_RANGES, &note))
        return 0;
    *pairs = note.desc;
    return note.desc_len / 16;
}

/* ---- the walks' shared lists ------------------------------------------------ */

int lb_redact_list(struct redact_ctx *c, uint64_t head, int hlist, size_t max, const char *what,
                   int (*fn)(struct redact_ctx *, void *, uint64_t, struct lb_error *), void *arg,
                   struct lb_error *err)
{
    uint64_t p = lb_redact_read_u64(c, head), mark = head;
    size_t power = 1, since = 0, n = 0;

    for (; p != head && (p || !hlist); p = lb_redact_read_u64(c, p)) {
        if (!p || p == mark || ++n > max || !lb_redact_step(c)) {
            lb_error_set(err, "%s %s after %zu entries", what,
                         !p          ? "breaks"
                         : p == mark ? "loops"
                         : n > max   ? "is too long"
                                     : "passed the budget of steps",
                         n);
            return -1;
        }
        if (fn(c, arg, p, err) < 0)
            return -1;
        if (++since == power) {
            mark = p;
            power *= 2;
            since = 0;
        }
    }
    return 0;
}

/* ---- the redaction ------------------------------------------------------- */

/* CPUs that saved their registers: the walks' per-CPU loops go no further than the kernel's. */
static int count_cpus(const struct lb_source *src)
{
    size_t len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &len);
    struct lb_note note;
    struct lb_error ignored;
    int n = 0;

    while (lb_note_next(notes, len, &pos, &note, &ignored) == 1 && n < MAX_CPUS_NOTED)
        n += note.type == NT_PRSTATUS;
    return n;
}

static int walk(struct redact_ctx *c, unsigned classes, struct lb_error *err)
{
    if ((classes & LB_REDACT_NAMES) && lb_redact_names(c, err) < 0)
        return -1;
    if ((classes & LB_REDACT_KEYS) && lb_redact_keys(c, err) < 0)
        return -1;
    if ((classes & LB_REDACT_USER_DATA) && lb_redact_user_data(c, err) < 0)
        return -1;
    unsigned cls = classes & LB_REDACT_USER_DATA ? LB_REDACT_USER_DATA
                   : classes & LB_REDACT_NAMES   ? LB_REDACT_NAMES
                                                 : LB_REDACT_KEYS;
    if (lb_redact_dead_stacks(c, cls, err) < 0) {
        lb_error_prefix(err, "dead kernel stacks");
        return -1;
    }
    if (lb_redact_freed(c, cls, err) < 0 || lb_redact_free_slab(c, cls, err) < 0)
        return -1;
    if (c->out_of_memory) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the redaction's ranges");
        return -1;
    }
    return 0;
}

static int plan(struct lb_source *src, unsigned classes, struct redaction *p,
                struct lb_redaction_report *rep, struct lb_error *err)
{
    struct redact_ctx c = {.src = src, .plan = p, .rep = rep, .steps_left = STEP_BUDGET};
    int r = -1;

    rep->classes = classes;
    c.ncpus = count_cpus(src);
    if (lb_kernel_open(src, &c.k, err) == 0 &&
        lb_kallsyms_load_only(c.k, lb_redact_symbols, lb_redact_nsymbols, &c.ks, err) == 0 &&
        (c.btf = lb_btf_from_kernel(c.k, c.ks, err)))
        r = walk(&c, classes, err);
    btf__free(c.btf);
    lb_kallsyms_free(c.ks);
    lb_kernel_close(c.k);
    return r;
}

int lb_source_redact(struct lb_source *src, unsigned classes, struct lb_error *err)
{
    struct redaction *p = calloc(1, sizeof(*p));
    struct lb_redaction_report *rep = calloc(1, sizeof(*rep));

    if (!p || !rep) {
        free(p), free(rep);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the redaction");
        return -1;
    }
    if (plan(src, classes, p, rep, err) < 0) {
        lb_error_prefix(err, "%s: cannot redact", src->path);
        lb_redaction_free(p);
        free(rep);
        return -1;
    }
    /* Redacted again: the earlier plan's ranges stay overwritten, and listed (a dump's note:
       its bytes are zeros already; this one's plan: in memory). */
    struct redact_ctx again = {.plan = p};
    for (size_t i = 0; src->redaction && i < src->redaction->n; i++)
        add_range(&again, src->redaction->r[i].start, src->redaction->r[i].len);
    const uint8_t *pairs;
    size_t earlier = lb_source_redacted_ranges(src, &pairs);
    for (size_t i = 0; i < earlier && !again.out_of_memory; i++) {
        uint64_t range[2];
        memcpy(range, pairs + 16 * i, sizeof(range));
        if (range[1] && range[0] + range[1] > range[0]) /* (a hostile note's wrap skipped) */
            add_range(&again, range[0], range[1]);
    }
    if (again.out_of_memory) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the redaction's ranges");
        lb_redaction_free(p);
        free(rep);
        return -1;
    }
    merge(p);
    p->classes = classes | (src->redaction ? src->redaction->classes : 0);
    rep->ranges = p->n;
    for (size_t i = 0; i < p->n; i++)
        rep->bytes += p->r[i].len;
    if (add_notes(src, p, rep, err) < 0) {
        lb_redaction_free(p);
        free(rep);
        return -1;
    }
    /* What was read before (the cache, mappings) was not redacted: from now on every read is. */
    lb_source_read_only(src);
    free(src->cache);
    src->cache = NULL;
    lb_redaction_free(src->redaction);
    src->redaction = p;
    free(rep);
    return 0;
}
