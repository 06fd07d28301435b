/*
 * lvm_pv.c - reads an LVM physical volume's label and the head of its
 * metadata, as lvm2 lays them out on disk, without lvm2.
 *
 * The label (in one of the first four 512-byte sectors): "LABELONE", its own
 * sector number, a CRC of the rest of the sector, the offset of the PV
 * header, "LVM2 001".  The PV header: the PV's UUID (32 characters), its
 * size, then two lists of {offset, size} ended by a zero entry: the data
 * areas, then the metadata areas.  A metadata area starts with a 512-byte
 * header (CRC, magic, version 1, its own start and size, then where in the
 * area's ring the current metadata text is); the text starts with
 * "VGNAME {" and, inside it, "seqno = N", which every change of the volume
 * group (lvextend, lvcreate -s, pvmove, ...) increases.
 *
 * Everything here comes from a disk that may be damaged or not LVM's at
 * all: every offset is checked against the area it must be in, CRCs are
 * checked where lvm2 writes them, and only the head of the text is read
 * (LVM_TEXT_HEAD bytes), which holds what is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "platform/lvm_pv.h"

#define LABEL_ID   "LABELONE"
#define LABEL_TYPE "LVM2 001"
#define MDA_MAGIC  " LVM2 x[5A%r0N*>"
#define UUID_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#"
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_.-"

enum { SECTOR = 512, LOCN_BYTES = 16, RAW_LOCN_IGNORED = 1 };
/* Bounds no real PV comes near (lvm2's areas are a few MiB, on disks of some EiB at most): past
 * them an area is garbage, and offsets computed from it cannot wrap. */
#define MAX_MDA        ((uint64_t)1 << 40)
#define MAX_MDA_OFFSET ((uint64_t)1 << 60)

static uint64_t le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;

    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* lvm2's CRC: CRC-32 from a seed of its own, without the final inversion zlib's has. */
static uint32_t lvm_crc(const uint8_t *buf, size_t len)
{
    return ~(uint32_t)crc32(~0xf597a6cfUL & 0xffffffffUL, buf, (uInt)len);
}

/* The UUID as LVM prints it: 6-4-4-4-4-4-6. */
static int format_uuid(const uint8_t *raw, char *out)
{
    static const int group[] = {6, 4, 4, 4, 4, 4, 6};
    size_t at = 0;

    for (size_t g = 0, i = 0; g < sizeof(group) / sizeof(group[0]); g++) {
        for (int k = 0; k < group[g]; k++, i++) {
            if (!raw[i] || !strchr(UUID_CHARS, raw[i]))
                return -1;
            out[at++] = (char)raw[i];
        }
        if (g + 1 < sizeof(group) / sizeof(group[0]))
            out[at++] = '-';
    }
    out[at] = '\0';
    return 0;
}

int lvm_label_parse(const uint8_t *area, size_t len, struct lvm_label *l, struct lb_error *err)
{
    memset(l, 0, sizeof(*l));
    for (size_t s = 0; s < 4 && (s + 1) * SECTOR <= len; s++) {
        const uint8_t *b = area + s * SECTOR;
        if (memcmp(b, LABEL_ID, 8) != 0)
            continue;
        uint64_t offset = le(b + 20, 4);
        if (le(b + 8, 8) != s || memcmp(b + 24, LABEL_TYPE, 8) != 0) {
            lb_error_setk(err, LB_ERR_CORRUPT,
                          "LVM label in sector %zu: not an LVM2 label of this sector", s);
            return -1;
        }
        if (le(b + 16, 4) != lvm_crc(b + 20, SECTOR - 20)) {
            lb_error_setk(err, LB_ERR_CORRUPT,
                          "LVM label in sector %zu: its checksum does not match", s);
            return -1;
        }
        /* the PV header: the UUID, the size, then two zero-ended lists, all in this sector */
        if (offset < 32 || offset > SECTOR - 32 - 8 - 2 * LOCN_BYTES ||
            format_uuid(b + offset, l->uuid) < 0) {
            lb_error_setk(err, LB_ERR_CORRUPT, "LVM label in sector %zu: no PV UUID at offset %llu",
                          s, (unsigned long long)offset);
            return -1;
        }
        size_t at = offset + 32 + 8;
        int list = 0, nmda = 0; /* list 0: data areas, 1: metadata areas */
        for (; at + LOCN_BYTES <= SECTOR && list < 2; at += LOCN_BYTES) {
            uint64_t o = le(b + at, 8), size = le(b + at + 8, 8);
            if (o == 0) {
                list++;
                continue;
            }
            if (list == 1 && nmda < LVM_MAX_MDAS) {
                l->mda_offset[nmda] = o;
                l->mda_size[nmda++] = size;
            }
        }
        if (list < 2) {
            lb_error_setk(err, LB_ERR_CORRUPT, "LVM label in sector %zu: its area lists do not end",
                          s);
            return -1;
        }
        for (int i = 0; i < nmda; i++)
            if (l->mda_size[i] < 2 * SECTOR || l->mda_size[i] > MAX_MDA ||
                l->mda_offset[i] % SECTOR || l->mda_offset[i] > MAX_MDA_OFFSET) {
                lb_error_setk(err, LB_ERR_CORRUPT,
                              "LVM label: metadata area at %llu of %llu bytes is not one",
                              (unsigned long long)l->mda_offset[i],
                              (unsigned long long)l->mda_size[i]);
                return -1;
            }
        return 0;
    }
    return 1;
}

int lvm_mda_header_parse(const uint8_t *hdr, size_t len, const struct lvm_label *l, int i,
                         struct lvm_text_locn *loc, struct lb_error *err)
{
    uint64_t mda_offset = l->mda_offset[i], mda_size = l->mda_size[i];

    memset(loc, 0, sizeof(*loc));
    if (len < LVM_MDA_HEADER || le(hdr, 4) != lvm_crc(hdr + 4, LVM_MDA_HEADER - 4) ||
        memcmp(hdr + 4, MDA_MAGIC, 16) != 0 || le(hdr + 20, 4) != 1) {
        lb_error_setk(err, LB_ERR_CORRUPT,
                      "the LVM metadata area at %llu has no valid header (checksum, magic or "
                      "version)",
                      (unsigned long long)mda_offset);
        return -1;
    }
    uint64_t start = le(hdr + 24, 8), size = le(hdr + 32, 8);
    uint64_t offset = le(hdr + 40, 8), text = le(hdr + 48, 8), flags = le(hdr + 60, 4);
    if (start != mda_offset || size != mda_size) {
        lb_error_setk(err, LB_ERR_CORRUPT, "the LVM metadata area at %llu says it is at %llu",
                      (unsigned long long)mda_offset, (unsigned long long)start);
        return -1;
    }
    if (offset == 0 || (flags & RAW_LOCN_IGNORED))
        return 0; /* no metadata in this area (a PV in no volume group, or an ignored copy) */
    if (offset < LVM_MDA_HEADER || offset >= size || text == 0 || text > size - LVM_MDA_HEADER) {
        lb_error_setk(
            err, LB_ERR_CORRUPT,
            "the LVM metadata area at %llu points outside itself (text at %llu, %llu bytes)",
            (unsigned long long)start, (unsigned long long)offset, (unsigned long long)text);
        return -1;
    }
    loc->offset = start + offset;
    loc->size = text;
    loc->wrap_at = start + size;
    loc->wrap_to = start + LVM_MDA_HEADER;
    return 0;
}

/* The next token of the text: a word, a string, or one punctuation character. */
struct scan {
    const char *at, *end;
};

static size_t next_token(struct scan *s, const char **tok)
{
    for (;;) {
        while (s->at < s->end && *s->at && strchr(" \t\r\n", *s->at))
            s->at++;
        if (s->at < s->end && *s->at == '#') { /* a comment, to the end of its line */
            while (s->at < s->end && *s->at != '\n')
                s->at++;
            continue;
        }
        break;
    }
    *tok = s->at;
    if (s->at >= s->end || !*s->at)
        return 0;
    if (*s->at == '"') {
        for (s->at++; s->at < s->end && *s->at != '"'; s->at++)
            if (*s->at == '\\' && s->at + 1 < s->end)
                s->at++;
        if (s->at < s->end)
            s->at++;
        return (size_t)(s->at - *tok);
    }
    if (!strchr(NAME_CHARS, *s->at))
        return (size_t)(++s->at - *tok);
    while (s->at < s->end && *s->at && strchr(NAME_CHARS, *s->at))
        s->at++;
    return (size_t)(s->at - *tok);
}

int lvm_text_parse(const char *text, size_t len, char *vg, size_t vglen, uint64_t *seqno,
                   struct lb_error *err)
{
    struct scan s = {text, text + len};
    const char *t, *prev = NULL;
    size_t n, prevlen = 0;
    int depth = 0;

    *seqno = 0;
    vg[0] = '\0';
    while ((n = next_token(&s, &t))) {
        if (*t == '{') {
            if (depth++ == 0) {
                if (!prev || prevlen >= vglen || !strchr(NAME_CHARS, *prev))
                    break;
                memcpy(vg, prev, prevlen);
                vg[prevlen] = '\0';
            }
        } else if (*t == '}') {
            if (--depth <= 0)
                break;
        } else if (depth == 1 && n == 5 && memcmp(t, "seqno", 5) == 0) {
            const char *eq, *num;
            size_t neq = next_token(&s, &eq), nnum = next_token(&s, &num);
            char digits[24];
            if (neq != 1 || *eq != '=' || nnum == 0 || nnum >= sizeof(digits) ||
                strspn(num, "0123456789") < nnum)
                break;
            memcpy(digits, num, nnum);
            digits[nnum] = '\0';
            *seqno = strtoull(digits, NULL, 10);
            if (*seqno && vg[0])
                return 0;
            break;
        }
        prev = t;
        prevlen = n;
    }
    lb_error_setk(err, LB_ERR_CORRUPT,
                  "the LVM metadata text does not start with a volume group and its "
                  "seqno");
    return -1;
}

/* Reads len bytes at offset, which must all be there. */
static int read_at(int fd, void *buf, size_t len, uint64_t offset)
{
    ssize_t n = pread(fd, buf, len, (off_t)offset);
    return n == (ssize_t)len ? 0 : -1;
}

int lvm_label_read(int fd, struct lvm_label *l, struct lb_error *err)
{
    uint8_t area[LVM_LABEL_AREA];

    memset(l, 0, sizeof(*l));
    if (read_at(fd, area, sizeof(area), 0) < 0)
        return 1; /* too small to be a PV */
    return lvm_label_parse(area, sizeof(area), l, err);
}

int lvm_pv_read(int fd, struct lvm_pv *pv, struct lb_error *err)
{
    uint8_t hdr[LVM_MDA_HEADER];
    char text[LVM_TEXT_HEAD];
    struct lvm_label l;
    struct lvm_text_locn loc;
    int r;

    memset(pv, 0, sizeof(*pv));
    if ((r = lvm_label_read(fd, &l, err)) != 0) {
        if (r > 0) /* no label: an unreadable or too small device, or not (or no longer) a PV */
            lb_error_setk(err, LB_ERR_NO_DATA,
                          "no LVM label in its first sectors (unreadable, or not a PV)");
        return r;
    }
    memcpy(pv->uuid, l.uuid, sizeof(pv->uuid));
    /* the first area that holds metadata: one may be empty or ignored (pvchange
     * --metadataignore), the other not */
    for (int i = 0; i < LVM_MAX_MDAS && l.mda_size[i]; i++) {
        if (read_at(fd, hdr, sizeof(hdr), l.mda_offset[i]) < 0) {
            lb_error_setk(err, LB_ERR_SYSTEM, "PV %s: cannot read its metadata area at %llu: %s",
                          l.uuid, (unsigned long long)l.mda_offset[i],
                          strerror(errno ? errno : EIO));
            return -1;
        }
        if (lvm_mda_header_parse(hdr, sizeof(hdr), &l, i, &loc, err) < 0)
            return -1;
        if (loc.size == 0)
            continue;
        size_t want = loc.size < sizeof(text) ? (size_t)loc.size : sizeof(text);
        size_t first = loc.offset + want > loc.wrap_at ? (size_t)(loc.wrap_at - loc.offset) : want;
        if (first > want)
            first = want;
        if (read_at(fd, text, first, loc.offset) < 0 ||
            (first < want && read_at(fd, text + first, want - first, loc.wrap_to) < 0)) {
            lb_error_setk(err, LB_ERR_SYSTEM, "PV %s: cannot read its metadata text", l.uuid);
            return -1;
        }
        return lvm_text_parse(text, want, pv->vg, sizeof(pv->vg), &pv->seqno, err);
    }
    return 0; /* no metadata on this PV: its volume group is read on the others */
}

int lvm_pv_read_path(const char *path, struct lvm_pv *pv, struct lb_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int r;

    if (fd < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s: %s", path, strerror(errno));
        return -1;
    }
    r = lvm_pv_read(fd, pv, err);
    close(fd);
    return r;
}
