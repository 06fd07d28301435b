/*
 * kernel_log.c - glue between a dump source and the engine's log walker.
 */
#include <stdlib.h>

#include "render/kernel_log.h"

int kernel_log_walk(struct lb_source *src, lb_log_fn fn, void *ctx, struct lb_log_stats *stats,
                    struct lb_error *err)
{
    struct lb_kernel *k;
    int r;

    if (lb_kernel_open(src, &k, err) < 0)
        return -1;
    r = lb_log_walk(k, fn, ctx, stats, err);
    lb_kernel_close(k);
    return r;
}

struct text_out {
    FILE *out;
    char *line;
};

static int write_line(void *ctx, const struct lb_log_record *rec)
{
    struct text_out *t = ctx;
    size_t n = lb_log_format(rec, t->line);

    return fwrite(t->line, 1, n, t->out) == n ? 0 : -1;
}

int kernel_log_write(struct lb_source *src, FILE *out, struct lb_log_stats *stats,
                     struct lb_error *err)
{
    /* the longest line: a record's text is at most 65535 bytes (a u16 in printk_info) */
    struct text_out t = {out, malloc(LB_LOG_FORMAT_SIZE(65535))};
    int r;

    if (!t.line) {
        lb_error_set(err, "out of memory");
        return -1;
    }
    r = kernel_log_walk(src, write_line, &t, stats, err);
    free(t.line);
    return r;
}
