/*
 * age_reader.h - inside the dump engine: an age file read at random offsets
 * (age_reader.c), under a source whose dump is encrypted.
 */
#ifndef LBDUMP_AGE_READER_H
#define LBDUMP_AGE_READER_H

#include "lbdump.h"

struct age_reader;

int lb_age_reader_open(int fd, const struct lb_age_identities *ids, struct age_reader **out,
                       struct lb_error *err);
/* The plaintext's size (as far as the file goes, when it was cut short). */
uint64_t lb_age_reader_size(const struct age_reader *r);
/* The file ends before its last chunk: it was cut short. */
int lb_age_reader_cut(const struct age_reader *r);
int lb_age_reader_pread(struct age_reader *r, void *buf, size_t len, uint64_t offset,
                        struct lb_error *err);
/* Authenticates every chunk; the number that fail, the first one named in err. */
uint64_t lb_age_reader_check(struct age_reader *r, struct lb_error *err);
void lb_age_reader_close(struct age_reader *r);

#endif
