/*
 * fuzz_lvm.c - libFuzzer target: any bytes as the start of a disk that may be
 * an LVM physical volume (its label, metadata area header and text), read as
 * the crash kernel reads the disks under a logical volume.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/lvm_pv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    struct lvm_pv pv;
    char why[256];

    if (fd < 0 && (fd = memfd_create("pv", 0)) < 0)
        return 0;
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    lvm_pv_read(fd, &pv, why, sizeof(why));
    return 0;
}
