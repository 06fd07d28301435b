/*
 * btf_util.h - inside the dump engine: the crashed kernel's own BTF, read
 * from its memory, and the offsets and sizes of its types' members.
 */
#ifndef LBDUMP_BTF_UTIL_H
#define LBDUMP_BTF_UTIL_H

#include <bpf/btf.h>

#include "kernel/kernel.h"
#include "lbdump.h"

#define BTF_MISSING UINT64_MAX

/* The BTF between __start_BTF and __stop_BTF; NULL with err saying why. */
struct btf *lb_btf_from_kernel(struct lb_kernel *k, const struct lb_kallsyms *ks,
                               struct lb_error *err);
/*
 * A module's BTF (data, size bytes: types and strings that continue base's)
 * joined to its base into one BTF; NULL with err saying why.
 */
struct btf *lb_btf_join_split(const struct btf *base, const void *data, uint32_t size,
                              struct lb_error *err);
/* A struct's type id by name, or -1. */
int lb_btf_struct(const struct btf *btf, const char *name);
/* Byte offset of a member, through anonymous structs and unions; BTF_MISSING if none. */
uint64_t lb_btf_member_offset(const struct btf *btf, int type_id, const char *name);
/* Size of a member (found as lb_btf_member_offset finds it); 0 if none. */
uint64_t lb_btf_member_size(const struct btf *btf, int type_id, const char *name);
/*
 * The first struct, named or anonymous, with direct members named a and b, or
 * -1: how a static variable of an anonymous struct type (random.c's
 * input_pool) is found by its shape.
 */
int lb_btf_struct_with(const struct btf *btf, const char *a, const char *b);
/* Size of a struct by name; 0 if none. */
uint64_t lb_btf_struct_size(const struct btf *btf, const char *name);

#endif
