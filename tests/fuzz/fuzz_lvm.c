/*
 * fuzz_lvm.c - libFuzzer target: any bytes as the start of a disk that may be
 * an LVM physical volume (its label, metadata area header and text), read as
 * the crash kernel reads the disks under a logical volume.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "platform/lvm_pv.h"

static uint32_t lvm_crc(const uint8_t *buf, size_t len)
{
    return ~(uint32_t)crc32(~0xf597a6cfUL & 0xffffffffUL, buf, (uInt)len);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* little-endian hosts only, as lvm2's format */
}

/*
 * The checksums made right again, so that mutations reach past them into the
 * offsets, sizes and text behind (a bad checksum is one test, at the door).
 */
static void fix_checksums(uint8_t *img, size_t size)
{
    for (size_t s = 0; s < 4 && (s + 1) * 512 <= size; s++) {
        uint8_t *label = img + s * 512;
        uint64_t mda = 0;
        uint32_t off;
        if (memcmp(label, "LABELONE", 8) != 0)
            continue;
        memcpy(&off, label + 20, 4);
        /* the first metadata area: after the data areas' list and its end */
        for (size_t at = (size_t)off + 40, list = 0; off < 512 && at + 16 <= 512 && list < 2;
             at += 16) {
            uint64_t o;
            memcpy(&o, label + at, 8);
            if (o == 0)
                list++;
            else if (list == 1 && !mda)
                mda = o;
        }
        put32(label + 16, lvm_crc(label + 20, 512 - 20));
        if (mda && size >= 512 && mda <= size - 512)
            put32(img + mda, lvm_crc(img + mda + 4, 512 - 4));
        return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    struct lvm_pv pv;
    struct lb_error why;

    if (fd < 0 && (fd = memfd_create("pv", 0)) < 0)
        return 0;
    uint8_t *img = malloc(size ? size : 1);
    if (!img)
        return 0;
    memcpy(img, data, size);
    fix_checksums(img, size);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, img, size, 0) == (ssize_t)size)
        lvm_pv_read(fd, &pv, &why);
    free(img);
    return 0;
}
