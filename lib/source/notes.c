/*
 * notes.c - walks ELF note sections (the PT_NOTE of a vmcore).
 *
 * A vmcore's notes carry VMCOREINFO and one NT_PRSTATUS per CPU.  They come
 * from the crashed kernel, so every size is checked against the buffer before
 * it is used, with the arithmetic done in 64 bits so no sum can wrap.
 */
#include <elf.h>
#include <string.h>

#include "lbdump.h"

static uint64_t align4(uint64_t n)
{
    return (n + 3) & ~(uint64_t)3;
}

int lb_note_next(const uint8_t *buf, size_t len, size_t *pos, struct lb_note *note,
                 struct lb_error *err)
{
    Elf64_Nhdr hdr;
    uint64_t at = *pos, name_at, desc_at, end;

    if (at >= len)
        return 0;
    if (len - at < sizeof(hdr)) {
        /* The kernel pads its note section with zeros; trailing zeros end it. */
        while (at < len && buf[at] == 0)
            at++;
        if (at == len)
            return 0;
        lb_error_set(err, "note at offset %llu: truncated header (%llu bytes left)",
                     (unsigned long long)*pos, (unsigned long long)(len - *pos));
        return -1;
    }
    memcpy(&hdr, buf + at, sizeof(hdr));
    if (hdr.n_namesz == 0 && hdr.n_descsz == 0 && hdr.n_type == 0)
        return 0; /* zero padding at the end of a note segment */
    name_at = at + sizeof(hdr);
    desc_at = name_at + align4(hdr.n_namesz);
    end = desc_at + align4(hdr.n_descsz);
    if (desc_at + hdr.n_descsz > len || name_at + hdr.n_namesz > len) {
        lb_error_set(err,
                     "note at offset %llu: name size %u and descriptor size %u run past "
                     "the end of the notes (%zu bytes)",
                     (unsigned long long)at, hdr.n_namesz, hdr.n_descsz, len);
        return -1;
    }
    if (hdr.n_namesz == 0 || buf[name_at + hdr.n_namesz - 1] != '\0') {
        lb_error_set(err, "note at offset %llu: name is not NUL-terminated",
                     (unsigned long long)at);
        return -1;
    }
    note->name = (const char *)buf + name_at;
    note->type = hdr.n_type;
    note->desc = buf + desc_at;
    note->desc_len = hdr.n_descsz;
    note->offset = at;
    *pos = end > len ? len : end;
    return 1;
}

int lb_source_filter_fallback(const struct lb_source *src, struct lb_filter_fallback *out)
{
    size_t len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &len);
    struct lb_note note;
    struct lb_error ignored;

    while (lb_note_next(notes, len, &pos, &note, &ignored) == 1) {
        uint32_t levels[2];
        size_t n = 0;
        if (note.type != LB_NOTE_FILTER || strcmp(note.name, LB_NOTE_NAME) != 0 ||
            note.desc_len < sizeof(levels))
            continue;
        memcpy(levels, note.desc, sizeof(levels));
        out->asked = levels[0];
        out->applied = levels[1];
        /* From a dump: printable ASCII only, bounded by the note and by the buffer. */
        for (size_t i = sizeof(levels); i < note.desc_len && n + 1 < sizeof(out->reason); i++)
            out->reason[n++] =
                note.desc[i] >= 0x20 && note.desc[i] < 0x7f ? (char)note.desc[i] : '?';
        out->reason[n] = '\0';
        return 1;
    }
    return 0;
}
