/*
 * lvm_pv.h - an LVM physical volume as its own disk says it is: the PV's
 * UUID from its label, and the volume group's name and metadata sequence
 * number from its metadata area (lvm_pv.c).  No lvm2: the crash kernel reads
 * these to find the disks under a logical volume and to know that the
 * mapping load took is still the one LVM has.
 */
#ifndef LIFEBOAT_LVM_PV_H
#define LIFEBOAT_LVM_PV_H

#include <stddef.h>
#include <stdint.h>

#include "lbdump.h"

enum {
    LVM_LABEL_AREA = 4 * 512, /* a label is in one of the first four sectors */
    LVM_MDA_HEADER = 512,     /* a metadata area starts with its header */
    LVM_TEXT_HEAD = 4096,     /* the start of the metadata text: its name and seqno */
    LVM_UUID_CHARS = 38,      /* 32 characters as LVM prints them, 6-4-4-4-4-4-6 */
    LVM_VG_NAME_MAX = 128,
};

enum { LVM_MAX_MDAS = 2 }; /* lvm2 writes one or two metadata areas a PV */

struct lvm_label {
    char uuid[LVM_UUID_CHARS + 1];
    uint64_t mda_offset[LVM_MAX_MDAS], mda_size[LVM_MAX_MDAS]; /* size 0: no such area */
};

struct lvm_text_locn {
    uint64_t offset, size; /* of the current metadata text, from the device's start */
    uint64_t wrap_at;      /* where the area's ring ends: text past it is at wrap_to */
    uint64_t wrap_to;
};

struct lvm_pv {
    char uuid[LVM_UUID_CHARS + 1];
    char vg[LVM_VG_NAME_MAX]; /* "" when the PV has no metadata area */
    uint64_t seqno;           /* the volume group's metadata sequence number; 0 if none */
};

/*
 * The label in the first LVM_LABEL_AREA bytes of a device: 0; 1 if there is
 * no LVM label; -1 with err (LB_ERR_CORRUPT) if there is one but it does not add up.
 */
int lvm_label_parse(const uint8_t *area, size_t len, struct lvm_label *l, struct lb_error *err);
/* The header of metadata area i of l (its first LVM_MDA_HEADER bytes). */
int lvm_mda_header_parse(const uint8_t *hdr, size_t len, const struct lvm_label *l, int i,
                         struct lvm_text_locn *loc, struct lb_error *err);
/* The head of the metadata text: the volume group's name and its seqno. */
int lvm_text_parse(const char *text, size_t len, char *vg, size_t vglen, uint64_t *seqno,
                   struct lb_error *err);
/* The label alone, from the device open as fd: 0; 1 if it is no PV; -1 with err. */
int lvm_label_read(int fd, struct lvm_label *l, struct lb_error *err);
/* All three from the device open as fd: 0; 1 if it is no PV; -1 with err. */
int lvm_pv_read(int fd, struct lvm_pv *pv, struct lb_error *err);
/* The same for the device at path. */
int lvm_pv_read_path(const char *path, struct lvm_pv *pv, struct lb_error *err);

#endif
