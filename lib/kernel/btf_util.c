/*
 * btf_util.c - the crashed kernel's types, from the BTF it carries.
 *
 * Distribution kernels carry BTF, a compact description of their types, in
 * their memory (between __start_BTF and __stop_BTF).  libbpf parses it; from
 * it come the offsets of the fields the walks read (task_struct, key, file,
 * pipe_inode_info, sk_buff...) for exactly this build, so no table of
 * offsets per kernel version is needed.  The BTF itself comes from a crashed
 * machine: its size is bounded and member searches are bounded in depth and
 * in members visited, so a struct that contains itself ends the search.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/kernel.h"

enum {
    MAX_BTF = 64 << 20,
    MAX_NESTING = 16,    /* anonymous structs within structs: the kernel has 3 or 4 */
    MAX_VISITS = 100000, /* members looked at for one name: task_struct has ~250 */
};

struct btf *lb_btf_from_kernel(struct lb_kernel *k, const struct lb_kallsyms *ks,
                               struct lb_error *err)
{
    uint64_t start, stop;
    struct btf *btf;
    void *data;

    if (lb_kallsyms_address(ks, "__start_BTF", &start) < 0 ||
        lb_kallsyms_address(ks, "__stop_BTF", &stop) < 0 || stop <= start ||
        stop - start > MAX_BTF) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the kernel has no BTF (__start_BTF)");
        return NULL;
    }
    data = malloc(stop - start);
    if (!data) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the kernel's BTF");
        return NULL;
    }
    if (lb_kernel_read(k, start, data, stop - start, err) < 0) {
        lb_error_prefix(err, "the kernel's BTF is not in the dump");
        free(data);
        return NULL;
    }
    libbpf_set_print(NULL); /* its complaints about a damaged BTF go in err */
    btf = btf__new(data, (uint32_t)(stop - start));
    free(data);
    if (!btf || libbpf_get_error(btf)) {
        lb_error_set(err, "the kernel's BTF does not parse (libbpf: %s)", strerror(errno));
        return NULL;
    }
    return btf;
}

/* A raw BTF's header, checked: its sections inside its size. */
static int btf_sections(const uint8_t *raw, uint32_t size, struct btf_header *h)
{
    if (size < sizeof(*h))
        return -1;
    memcpy(h, raw, sizeof(*h));
    return h->magic == BTF_MAGIC && h->hdr_len >= sizeof(*h) && h->hdr_len <= size &&
                   h->type_off <= size - h->hdr_len &&
                   h->type_len <= size - h->hdr_len - h->type_off &&
                   h->str_off <= size - h->hdr_len && h->str_len <= size - h->hdr_len - h->str_off
               ? 0
               : -1;
}

/*
 * A split BTF (a module's) numbers its types on from its base's last and
 * its strings' offsets on from the end of its base's strings, so the base's
 * types then the module's, and the base's strings then the module's, are
 * one BTF in which every reference means what it meant: joined so, it is
 * read by the same calls as the kernel's own (libbpf's btf__new_split is not
 * in every libbpf the build links).
 */
struct btf *lb_btf_join_split(const struct btf *base, const void *data, uint32_t size,
                              struct lb_error *err)
{
    struct btf_header bh, sh, jh;
    uint32_t base_size;
    const uint8_t *b = btf__raw_data(base, &base_size), *s = data;
    uint8_t *joined;
    struct btf *btf;

    if (!b || btf_sections(b, base_size, &bh) < 0 || btf_sections(s, size, &sh) < 0) {
        lb_error_setk(err, LB_ERR_CORRUPT, "a module's BTF has no sane header");
        return NULL;
    }
    jh = bh;
    jh.hdr_len = sizeof(jh);
    jh.type_off = 0;
    jh.type_len = bh.type_len + sh.type_len;
    jh.str_off = jh.type_len;
    jh.str_len = bh.str_len + sh.str_len;
    if ((uint64_t)jh.type_len + jh.str_len > MAX_BTF ||
        !(joined = malloc(sizeof(jh) + (size_t)jh.type_len + jh.str_len))) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for a module's BTF");
        return NULL;
    }
    uint8_t *at = joined;
    memcpy(at, &jh, sizeof(jh));
    at += sizeof(jh);
    memcpy(at, b + bh.hdr_len + bh.type_off, bh.type_len);
    at += bh.type_len;
    memcpy(at, s + sh.hdr_len + sh.type_off, sh.type_len);
    at += sh.type_len;
    memcpy(at, b + bh.hdr_len + bh.str_off, bh.str_len);
    at += bh.str_len;
    memcpy(at, s + sh.hdr_len + sh.str_off, sh.str_len);
    btf = btf__new(joined, (uint32_t)(sizeof(jh) + jh.type_len + jh.str_len));
    free(joined);
    if (!btf || libbpf_get_error(btf)) {
        lb_error_set(err, "a module's BTF, joined to the kernel's, does not parse (libbpf: %s)",
                     strerror(errno));
        return NULL;
    }
    return btf;
}

int lb_btf_struct(const struct btf *btf, const char *name)
{
    int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
    return id > 0 ? id : -1;
}

static const struct btf_type *resolved(const struct btf *btf, uint32_t type_id)
{
    int id = btf__resolve_type(btf, type_id);
    return id < 0 ? NULL : btf__type_by_id(btf, (uint32_t)id);
}

/* The member named, through anonymous members; its type in *type. */
static uint64_t member_within(const struct btf *btf, int type_id, const char *name, int depth,
                              int *visits, uint32_t *type)
{
    const struct btf_type *t = type_id < 0 ? NULL : resolved(btf, (uint32_t)type_id);
    const struct btf_member *m;

    if (!t || !btf_is_composite(t))
        return BTF_MISSING;
    m = btf_members(t);
    for (int i = 0; i < btf_vlen(t) && ++*visits <= MAX_VISITS; i++, m++) {
        const char *mn = btf__name_by_offset(btf, m->name_off);
        uint64_t off = btf_member_bit_offset(t, (uint32_t)i) / 8;
        if (mn && strcmp(mn, name) == 0) {
            *type = m->type;
            return off;
        }
        if ((!mn || !*mn) && depth < MAX_NESTING) {
            uint64_t inner = member_within(btf, (int)m->type, name, depth + 1, visits, type);
            if (inner != BTF_MISSING)
                return off + inner;
        }
    }
    return BTF_MISSING;
}

uint64_t lb_btf_member_offset(const struct btf *btf, int type_id, const char *name)
{
    int visits = 0;
    uint32_t type;
    return member_within(btf, type_id, name, 0, &visits, &type);
}

uint64_t lb_btf_member_size(const struct btf *btf, int type_id, const char *name)
{
    int visits = 0;
    uint32_t type = 0;
    __s64 size;

    if (member_within(btf, type_id, name, 0, &visits, &type) == BTF_MISSING)
        return 0;
    size = btf__resolve_size(btf, type);
    return size > 0 ? (uint64_t)size : 0;
}

uint64_t lb_btf_struct_size(const struct btf *btf, const char *name)
{
    int id = lb_btf_struct(btf, name);
    __s64 size = id < 0 ? -1 : btf__resolve_size(btf, (uint32_t)id);
    return size > 0 ? (uint64_t)size : 0;
}

static int has_member(const struct btf *btf, const struct btf_type *t, const char *name)
{
    const struct btf_member *m = btf_members(t);

    for (int i = 0; i < btf_vlen(t); i++, m++) {
        const char *mn = btf__name_by_offset(btf, m->name_off);
        if (mn && strcmp(mn, name) == 0)
            return 1;
    }
    return 0;
}

int lb_btf_struct_with(const struct btf *btf, const char *a, const char *b)
{
    uint32_t n = btf__type_cnt(btf);

    for (uint32_t id = 1; id < n; id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        if (t && btf_is_struct(t) && has_member(btf, t, a) && has_member(btf, t, b))
            return (int)id;
    }
    return -1;
}
