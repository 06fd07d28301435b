/*
 * synth_lvm.h - LVM physical volumes as lvm2 writes them, made in memory
 * for the tests of lvm_pv.c and for the fuzzer's seeds.
 */
#ifndef LIFEBOAT_SYNTH_LVM_H
#define LIFEBOAT_SYNTH_LVM_H

#include <stddef.h>
#include <stdint.h>

enum { SYNTH_LVM_IMAGE = 128 << 10, SYNTH_LVM_MDA = 4096, SYNTH_LVM_MDA_SIZE = 64 << 10 };

/*
 * A PV of SYNTH_LVM_IMAGE bytes into img: uuid (32 characters) in a label in
 * sector 1, one metadata area whose text says vg and seqno; wrap puts the
 * text across the end of the area's ring, as lvm2 does when it comes round.
 */
void synth_lvm_pv(uint8_t *img, const char *uuid, const char *vg, uint64_t seqno, int wrap);

#endif
