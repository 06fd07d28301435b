/*
 * dump_keys.c - see dump_keys.h.  The identities are read only for the time
 * it takes to open the dump: the source keeps the file's payload key alone.
 */
#include <err.h>

#include "tools/dump_keys.h"

void dump_keys_add_recipient(struct dump_keys *k, const char *text)
{
    struct lb_error e;

    if (k->nto == LB_AGE_MAX_RECIPIENTS)
        errx(2, "more than %d recipients", LB_AGE_MAX_RECIPIENTS);
    if (lb_age_recipient_parse(text, &k->to[k->nto], &e) < 0)
        errx(2, "--encrypt-to: %s", e.msg);
    k->nto++;
}

int dump_open(const char *path, const char *identity, struct lb_source **src, struct lb_error *err)
{
    struct lb_age_identities *ids;
    int r;

    if (!identity)
        return lb_source_open(path, src, err);
    if (lb_age_identities_load(identity, &ids, err) < 0)
        return -1;
    r = lb_source_open_age(path, ids, src, err);
    lb_age_identities_free(ids);
    return r;
}

int dump_open_live(struct lb_source **src, struct lb_error *err)
{
    return lb_source_open_live("/proc/kcore", src, err);
}
