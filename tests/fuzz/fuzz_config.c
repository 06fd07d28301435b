/*
 * fuzz_config.c - libFuzzer target: any text as lifeboat.conf, and the
 * crash kernel's command line derived from any running one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/cmdline.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), out[8192], formatted[CONFIG_TEXT_MAX];
    struct lb_error err;
    struct config cfg, again;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (config_parse(text, "fuzz", &cfg, &err) == 0 &&
        config_format(&cfg, formatted, sizeof(formatted)) == 0) {
        /* whatever parses must survive the trip through the initramfs */
        if (config_parse(formatted, "formatted", &again, &err) != 0) {
            fprintf(stderr, "formatted config does not parse: %s\n%s", err.msg, formatted);
            abort();
        }
    }
    capture_cmdline(text, "nr_cpus=2", "extra=1", out, sizeof(out));
    free(text);
    return 0;
}
