/*
 * fuzz_age.c - libFuzzer target: any bytes as an encrypted dump opened with a
 * key (the age header's text, its stanzas and MAC line are parsed before any
 * authentication), and as the text of keys ("age1...", "ssh-ed25519 ...", an
 * identity file, an OpenSSH private key), which users paste into configs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lbdump.h"

/* The test key of tests/unit/test_age.c; the seeds are encrypted to it. */
static const char secret[] =
    "AGE-SECRET-KEY-1D4G6C3EJ475PXDD8CQFPV28MU2DJ3HRQ0X9CQHQ8VGGMLE7CNL6S09YYQ0\n";

static struct lb_age_identities *ids;
static char path[64];

static void write_file(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "w");

    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lb_source *src;
    struct lb_error err;

    if (!ids) {
        snprintf(path, sizeof(path), "/tmp/fuzz-age-%d", (int)getpid());
        write_file((const uint8_t *)secret, strlen(secret));
        if (lb_age_identities_load(path, &ids, &err) < 0)
            abort();
    }
    if (size > 0 && data[0] == 'K') { /* key text: a recipient line, and a file of identities */
        char *text = strndup((const char *)data + 1, size - 1);
        struct lb_age_recipient r;
        struct lb_age_identities *other;
        lb_age_recipient_parse(text, &r, &err);
        write_file(data + 1, size - 1);
        if (lb_age_identities_load(path, &other, &err) == 0)
            lb_age_identities_free(other);
        free(text);
        return 0;
    }
    write_file(data, size);
    if (lb_source_open_age(path, ids, &src, &err) == 0) {
        size_t n;
        const struct lb_frame_run *runs = lb_source_frame_runs(src, &n);
        static uint8_t page[LB_PAGE_SIZE];
        uint8_t status;
        for (size_t i = 0; i < n && i < 16; i++)
            for (uint64_t k = 0; k < runs[i].count && k < 64; k++)
                lb_source_read_pages(src, runs[i].first + k, 1, page, &status);
        lb_source_close(src);
    }
    return 0;
}
