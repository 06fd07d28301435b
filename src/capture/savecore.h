/*
 * savecore.h - at the next boot, a dump left on a raw device becomes a dump
 * directory (savecore.c).
 */
#ifndef LIFEBOAT_SAVECORE_H
#define LIFEBOAT_SAVECORE_H

#include "config/config.h"
#include "lbdump.h"

enum savecore_result {
    SAVECORE_NOTHING, /* no raw target holds a dump not yet saved */
    SAVECORE_SAVED,   /* every dump found was saved, and its device marked so */
    SAVECORE_FAILED,  /* a dump could not be saved: its device is left as it was */
};

/*
 * For each raw target of cfg holding a dump not yet saved: into dir, then
 * marked saved once the copy is read back whole.  identities is the record
 * load made of the raw targets' identities (rawdev_record_identities), or
 * NULL; err gets the first failure, to be told at boot (its kind: savecore.c).
 */
enum savecore_result savecore(const struct config *cfg, const char *dir, const char *identities,
                              struct lb_error *err);

#endif
