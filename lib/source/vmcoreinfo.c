/*
 * vmcoreinfo.c - parses VMCOREINFO, the dictionary a kernel leaves for
 * whoever reads its memory after a crash.
 *
 * It is plain text, one KEY=VALUE per line: release, page size, crash time,
 * symbol addresses, structure sizes and offsets, page-flag values.  Every
 * version-dependent fact lifeboat uses comes from here rather than from
 * assumptions about the kernel.  The text is copied and split in place; a
 * line without '=' is skipped, and sizes are bounded so a corrupt note cannot
 * make us allocate without limit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lbdump.h"

enum { VMCOREINFO_MAX_BYTES = 1 << 20, VMCOREINFO_MAX_ENTRIES = 1 << 14 };

struct entry {
    const char *key;
    const char *value;
};

struct lb_vmcoreinfo {
    char *text;
    struct entry *entries;
    size_t count;
};

void lb_vmcoreinfo_free(struct lb_vmcoreinfo *info)
{
    if (!info)
        return;
    free(info->text);
    free(info->entries);
    free(info);
}

static size_t count_lines(const char *text, size_t len)
{
    size_t n = 1;

    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    return n;
}

int lb_vmcoreinfo_parse(const char *text, size_t len, struct lb_vmcoreinfo **out,
                        struct lb_error *err)
{
    struct lb_vmcoreinfo *info;
    char *line, *next;
    size_t max;

    if (len > VMCOREINFO_MAX_BYTES) {
        lb_error_set(err, "VMCOREINFO is %zu bytes, more than the %d a kernel writes", len,
                     VMCOREINFO_MAX_BYTES);
        return -1;
    }
    max = count_lines(text, len);
    if (max > VMCOREINFO_MAX_ENTRIES)
        max = VMCOREINFO_MAX_ENTRIES;
    info = calloc(1, sizeof(*info));
    if (!info || !(info->text = malloc(len + 1)) ||
        !(info->entries = calloc(max, sizeof(*info->entries)))) {
        lb_vmcoreinfo_free(info);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "VMCOREINFO: out of memory");
        return -1;
    }
    memcpy(info->text, text, len);
    info->text[len] = '\0';
    for (line = info->text; line && *line && info->count < max; line = next) {
        char *eq;

        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        eq = strchr(line, '=');
        if (!eq || eq == line)
            continue;
        *eq = '\0';
        info->entries[info->count].key = line;
        info->entries[info->count].value = eq + 1;
        info->count++;
    }
    if (info->count == 0) {
        lb_vmcoreinfo_free(info);
        lb_error_set(err, "VMCOREINFO has no KEY=VALUE line");
        return -1;
    }
    *out = info;
    return 0;
}

int lb_vmcoreinfo_from_notes(const uint8_t *notes, size_t len, struct lb_vmcoreinfo **out,
                             struct lb_error *err)
{
    struct lb_note note;
    size_t pos = 0;
    int r;

    while ((r = lb_note_next(notes, len, &pos, &note, err)) == 1) {
        if (strcmp(note.name, "VMCOREINFO") != 0)
            continue;
        /* The kernel NUL-pads the note; the text ends at the first NUL. */
        size_t text_len = strnlen((const char *)note.desc, note.desc_len);
        return lb_vmcoreinfo_parse((const char *)note.desc, text_len, out, err);
    }
    if (r == 0)
        lb_error_set(err, "no VMCOREINFO note in the dump");
    return -1;
}

const char *lb_vmcoreinfo_get(const struct lb_vmcoreinfo *info, const char *key)
{
    for (size_t i = 0; i < info->count; i++)
        if (strcmp(info->entries[i].key, key) == 0)
            return info->entries[i].value;
    return NULL;
}

int lb_vmcoreinfo_get_u64(const struct lb_vmcoreinfo *info, const char *key, int base,
                          uint64_t *out)
{
    const char *value = lb_vmcoreinfo_get(info, key);
    char *end;
    unsigned long long n;

    if (!value || !*value)
        return -1;
    errno = 0;
    n = strtoull(value, &end, base);
    if (errno || *end != '\0' || *value == '-')
        return -1;
    *out = n;
    return 0;
}

int lb_vmcoreinfo_get_s64(const struct lb_vmcoreinfo *info, const char *key, int64_t *out)
{
    const char *value = lb_vmcoreinfo_get(info, key);
    char *end;
    long long n;

    if (!value || !*value)
        return -1;
    errno = 0;
    n = strtoll(value, &end, 10);
    if (errno || *end != '\0')
        return -1;
    *out = n;
    return 0;
}
