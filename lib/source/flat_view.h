/*
 * flat_view.h - inside the dump engine: a flattened stream read in place
 * (flat_view.c), under a source whose file holds one (an encrypted dump, a
 * stream saved as it came).
 */
#ifndef LBDUMP_FLAT_VIEW_H
#define LBDUMP_FLAT_VIEW_H

#include "lbdump.h"

struct lb_flat_view;

/* How the view reads the stream: len bytes at offset at, or -1 with err set. */
typedef int (*lb_flat_read)(void *ctx, void *buf, size_t len, uint64_t at, struct lb_error *err);

/* Indexes the records of a stream of stream_size bytes read through rd. */
int lb_flat_view_open(lb_flat_read rd, void *ctx, uint64_t stream_size, struct lb_flat_view **out,
                      struct lb_error *err);
/* The size of the file the records rebuild: where the furthest one ends. */
uint64_t lb_flat_view_size(const struct lb_flat_view *v);
/* The stream ends before its end record (cut short, or torn inside a record). */
int lb_flat_view_cut(const struct lb_flat_view *v);
/* Bytes of the rebuilt file: the last record that wrote each byte, zeros where none did. */
int lb_flat_view_pread(struct lb_flat_view *v, void *buf, size_t len, uint64_t offset,
                       struct lb_error *err);
void lb_flat_view_close(struct lb_flat_view *v);

#endif
