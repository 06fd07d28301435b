/*
 * fuzz_triage.c - libFuzzer target: the fuzzer's bytes as the memory of a
 * crashed kernel, read by the triage (printk ring, kallsyms, page tables,
 * task lists), the page classifier and its check of itself, and redaction's
 * walks (task comms, host names, dead stacks, keys and open files as far as
 * the fake's BTF goes), whose ranges are then applied to every page read,
 * and the walks of dm-crypt's volumes (its seed, make_fake_kernel dm, has
 * device-mapper built in and no task list), IPsec's states, kTLS sockets,
 * fscrypt's and WireGuard's keys and SLUB's free objects (make_fake_kernel
 * memory's) on their own.
 *
 * The dump around the bytes is the test suite's fake kernel: VMCOREINFO with
 * a real 6.1 kernel's structure layout, or a 7.3 kernel's if the first byte
 * says so (fake_kernel.h), whose symbols all point into the fuzzed memory
 * through the kernel-image mapping, and two CPUs' registers.
 * So every pointer the readers follow, every count and every length they
 * trust comes from the fuzzer; the seeds (make_triage_seed) start it from a
 * real kallsyms table, BTF and task lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/fake_kernel.h"
#include "kernel/btf_util.h"
#include "kernel/classify_check.h"
#include "kernel/redact.h"
#include "lbdump.h"

/* dm-crypt's, IPsec's, kTLS's, fscrypt's and WireGuard's keys and transforms (redact_dm.c,
   redact_net.c, redact_fscrypt.c, redact_wg.c) found through
   fuzzed memory, bounded: the keys class fails before them on the fake (no keyring's types). */
static void key_walks(struct lb_source *src)
{
    struct redaction plan = {0};
    struct lb_redaction_report rep = {0};
    struct redact_ctx c = {
        .src = src, .plan = &plan, .rep = &rep, .steps_left = 1 << 20, .ncpus = 2};
    struct lb_error err;

    if (lb_kernel_open(src, &c.k, &err) == 0 &&
        lb_kallsyms_load_only(c.k, lb_redact_symbols, lb_redact_nsymbols, &c.ks, &err) == 0 &&
        (c.btf = lb_btf_from_kernel(c.k, c.ks, &err))) {
        lb_redact_dm_crypt(&c, &err);
        lb_redact_ipsec(&c, &err);
        lb_redact_ktls(&c, &err);
        lb_redact_fscrypt(&c, &err);
        lb_redact_wireguard(&c, &err);
        lb_redact_free_slab(&c, LB_REDACT_KEYS, &err);
    }
    btf__free(c.btf);
    lb_kallsyms_free(c.ks);
    lb_kernel_close(c.k);
    free(plan.r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static uint8_t file[FAKE_KERNEL_FILE], mem[FAKE_KERNEL_MEM];
    struct lb_source *src;
    struct lb_error err;
    char path[64];

    if (fd < 0)
        fd = memfd_create("fuzz-triage", 0);
    memset(mem, 0, sizeof(mem));
    memcpy(mem, data, size < sizeof(mem) ? size : sizeof(mem));
    fake_kernel_file(file, mem);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, file, sizeof(file), 0) != (ssize_t)sizeof(file))
        return 0;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (lb_source_open(path, &src, &err) < 0)
        return 0;

    struct lb_triage t;
    lb_triage(src, &t);
    lb_triage_free(&t);

    struct lb_kernel *k;
    if (lb_kernel_open(src, &k, &err) == 0) {
        struct lb_classifier *c;
        if (lb_classifier_open(k, 31, &c, &err) == 0) {
            uint8_t cls[64];
            struct lb_classify_check check;
            lb_classify(c, 0, sizeof(cls), cls);
            lb_classifier_close(c);
            lb_classify_check(k, NULL, &check, &err); /* its samples found through fuzzed memory */
        }
        lb_kernel_close(k);
    }
    key_walks(src);
    /* names, user-data (the fake has its types), then everything: each redaction that passes
       overwrites what is read after it */
    int redacted = lb_source_redact(src, LB_REDACT_NAMES, &err) == 0;
    redacted |= lb_source_redact(src, LB_REDACT_USER_DATA, &err) == 0;
    redacted |= lb_source_redact(src, LB_REDACT_ALL, &err) == 0;
    if (redacted) {
        static uint8_t again[FAKE_KERNEL_MEM];
        lb_source_read_phys(src, 0, again, sizeof(again), &err);
    }
    lb_source_close(src);
    return 0;
}
