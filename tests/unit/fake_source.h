/*
 * fake_source.h - the tests' fake crashed kernel (tests/common/fake_kernel.c)
 * opened as a dump, for the unit tests that read one: each test program
 * includes it once and builds its kernel in mem.
 */
#ifndef LIFEBOAT_TEST_FAKE_SOURCE_H
#define LIFEBOAT_TEST_FAKE_SOURCE_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/fake_kernel.h"
#include "lbdump.h"

static uint8_t mem[FAKE_KERNEL_MEM];

/* mem written out as an ELF core and opened; *path is its file, for close_fake. */
static struct lb_source *open_fake(char **path)
{
    struct lb_source *src;
    struct lb_error err;

    *path = fake_kernel_core(mem);
    assert_int_equal(lb_source_open(*path, &src, &err), 0);
    return src;
}

static void close_fake(struct lb_source *src, char *path)
{
    lb_source_close(src);
    unlink(path);
    free(path);
}

/* Whether one of the triage's notes says words. */
static int has_note(const struct lb_triage *t, const char *words)
{
    for (size_t i = 0; i < t->nnotes; i++)
        if (strstr(t->notes[i], words))
            return 1;
    return 0;
}

#endif
