/*
 * signature.h - what makes two crashes "the same crash", for a collector.
 */
#ifndef LIFEBOAT_SIGNATURE_H
#define LIFEBOAT_SIGNATURE_H

#include <stddef.h>

enum { SIGNATURE_FRAMES = 5, SIGNATURE_NAME = 64, SIGNATURE_REASON = 160 };

struct crash_signature {
    char hash[17]; /* 16 hex digits of BLAKE2b over reason and frames; "" if nothing to sign */
    char reason[SIGNATURE_REASON]; /* the panic's cause, numbers and addresses made "N" */
    char frames[SIGNATURE_FRAMES][SIGNATURE_NAME]; /* function names, innermost first */
    size_t nframes;
};

/*
 * The signature of a crash from its triage: cause (the first BUG/Oops/WARNING
 * line, or "") else panic (the panic line), and the stack's symbols as the
 * report writes them ("name+0xoff", "" where unknown), innermost first.
 * Never fails: a crash with nothing to go by has an empty hash.
 */
void signature_of(const char *cause, const char *panic, const char *const *symbols, size_t n,
                  struct crash_signature *sig);

/* The frames joined as "a < b < c" into out (cut to len). */
void signature_frames_text(const struct crash_signature *sig, char *out, size_t len);

#endif
