/*
 * fuzz_flattened.c - libFuzzer target: any bytes as a flattened stream.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lbdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int in = -1, out = -1;
    struct lb_error err;
    uint64_t total;
    int cut;

    if (in < 0) {
        in = memfd_create("fuzz-in", 0);
        out = memfd_create("fuzz-out", 0);
    }
    if (ftruncate(in, 0) < 0 || ftruncate(out, 0) < 0 ||
        pwrite(in, data, size, 0) != (ssize_t)size || lseek(in, 0, SEEK_SET) != 0)
        return 0;
    /* Records may place data anywhere below 2^62: keep the output small. */
    if (size > 24 && lb_unflatten(in, out, &total, &cut, &err) == 0 && total > (64u << 20))
        return 0;
    return 0;
}
