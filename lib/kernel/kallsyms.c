/*
 * kallsyms.c - the crashed kernel's symbol table, read out of its memory.
 *
 * The kernel keeps every symbol for its own stack traces, compressed: names
 * are strings of token numbers, tokens spelled out in a 256-entry table, and
 * addresses stored as 32-bit offsets.  VMCOREINFO (Linux 6.0 and later, and
 * Debian's 6.1) says where the tables are.  With them a dump can be
 * symbolized without any debuginfo.
 *
 * The offsets are read in one of the kernel's three schemes: from
 * kallsyms_relative_base, unsigned (the common case up to 6.x) or signed with
 * absolute per-cpu symbols (older x86_64 SMP kernels); or, since Linux 7.0,
 * which has no kallsyms_relative_base, each relative to its own place in
 * kallsyms_offsets (the address is &kallsyms_offsets[i] + kallsyms_offsets[i],
 * as the kernel's offset_to_ptr() reads it).  The table decides which by
 * decoding _stext and checking its address against VMCOREINFO's: no version
 * number is consulted.  Every count and index is bounded: a corrupt table
 * ends in an error naming it, never a read out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "lbdump.h"

enum {
    MAX_SYMS = 1 << 21,      /* a kernel has ~200 000 */
    MAX_NAMES = 64 << 20,    /* bytes of compressed names */
    TOKEN_TABLE_MAX = 16384, /* bytes of token text */
    NAME_MAX_BYTES = 1024,   /* a decoded name: the kernel's KSYM_NAME_LEN is 512 */
};

struct lb_kallsyms {
    uint32_t count;
    uint64_t *addr;
    uint32_t *name_at; /* offset of each name in pool */
    char *pool;
    char *type; /* one letter a symbol: T, t, D, ... */
    /* When only some names were wanted: those, and each one's index in the kernel's table. */
    const char *const *wanted;
    size_t nwanted;
    uint32_t *index;
    size_t room; /* entries the arrays have */
};

/* Called for each of the kernel's ~200 000 names: the first letters compared inline, so
 * most names cost no call of strcmp. */
static int is_wanted(const struct lb_kallsyms *ks, const char *name)
{
    if (name[0] == '_' && strcmp(name, "_stext") == 0) /* it tells the offset scheme */
        return 1;
    for (size_t i = 0; i < ks->nwanted; i++)
        if (name[0] == ks->wanted[i][0] && strcmp(name, ks->wanted[i]) == 0)
            return 1;
    return 0;
}

static int need(const struct lb_vmcoreinfo *vi, const char *key, uint64_t *v, struct lb_error *err)
{
    if (lb_vmcoreinfo_get_u64(vi, key, 16, v) == 0)
        return 0;
    lb_error_setk(err, LB_ERR_NO_DATA,
                  "VMCOREINFO lacks %s: the kernel's symbols are not available (Linux 6.0 "
                  "or later exports them)",
                  key);
    return -1;
}

void lb_kallsyms_free(struct lb_kallsyms *ks)
{
    if (!ks)
        return;
    free(ks->addr);
    free(ks->name_at);
    free(ks->pool);
    free(ks->type);
    free(ks->index);
    free(ks);
}

/* Decodes the names; the compressed names are read in chunks as they are walked. */
static int decode_names(struct lb_kernel *k, struct lb_kallsyms *ks, uint32_t total, uint64_t names,
                        const char *tokens, size_t tokens_len, const uint16_t *token_index,
                        struct lb_error *err)
{
    size_t cap = ks->wanted ? 4096 : (size_t)total * 24, used = 0;
    uint32_t kept = 0;
    uint8_t chunk[4096 + 600];
    uint64_t chunk_at = 0, chunk_len = 0, at = names;

    /* Each token's length, measured once: a kernel's ~200 000 names spell out ~1 million
     * tokens, and measuring each as it is copied was a sixth of a host's whole save. */
    uint16_t token_len[256];
    for (size_t t = 0; t < 256; t++)
        token_len[t] = (uint16_t)(token_index[t] < tokens_len ? strnlen(tokens + token_index[t],
                                                                        tokens_len - token_index[t])
                                                              : 0);
    ks->pool = malloc(cap);
    if (!ks->pool)
        goto oom;
    for (uint32_t i = 0; i < total; i++) {
        /* A name is at most 2 length bytes and 0x7fff tokens; keep 600 bytes ahead. */
        if (at - names > MAX_NAMES) {
            lb_error_set(err, "kallsyms_names runs past %d MiB at symbol %u", MAX_NAMES >> 20, i);
            return -1;
        }
        if (at < chunk_at || at + 600 > chunk_at + chunk_len) {
            if (lb_kernel_read(k, at, chunk, sizeof(chunk), err) < 0)
                return -1;
            chunk_at = at;
            chunk_len = sizeof(chunk);
        }
        const uint8_t *p = chunk + (at - chunk_at);
        size_t len = p[0], hdr = 1;
        if (len & 0x80) { /* "big" symbols, Linux 6.1 and later */
            len = (len & 0x7f) | ((size_t)p[1] << 7);
            hdr = 2;
        }
        if (len > 512) {
            lb_error_set(err, "kallsyms_names: symbol %u is %zu tokens long", i, len);
            return -1;
        }
        char name[NAME_MAX_BYTES + 16]; /* 16: the slack a short token's copy may use */
        size_t nlen = 0;
        for (size_t t = 0; t < len; t++) {
            uint16_t ti = token_index[p[hdr + t]];
            size_t tl = token_len[p[hdr + t]];
            if (tl > NAME_MAX_BYTES - nlen) {
                lb_error_set(err,
                             "kallsyms_names: symbol %u at 0x%llx decodes to more than %d bytes: "
                             "the token table is damaged",
                             i, (unsigned long long)at, NAME_MAX_BYTES);
                return -1;
            }
            /* A token is a few letters, and a call of musl's memcpy (rep movs) costs more
             * than such a copy: a million times, it was most of the load.  So a short one is
             * copied as 16 bytes of constant size, inlined, into the name's slack. */
            if (tl <= 16 && (size_t)ti + 16 <= tokens_len)
                memcpy(name + nlen, tokens + ti, 16);
            else
                memcpy(name + nlen, tokens + ti, tl);
            nlen += tl;
        }
        name[nlen] = '\0';
        /* The first letter is the type (T, t, D...); the name follows it. */
        char type = name[0];
        const char *bare = name + (type ? 1 : 0);
        at += hdr + len;
        if (kept == ks->room || (ks->wanted && !is_wanted(ks, bare)))
            continue;
        if (nlen + 1 > cap - used) {
            size_t grown_cap = cap * 2 + nlen + 1;
            char *grown = realloc(ks->pool, grown_cap);
            if (!grown)
                goto oom;
            ks->pool = grown;
            cap = grown_cap;
        }
        size_t bare_len = (size_t)(name + nlen - bare) + 1;
        memcpy(ks->pool + used, bare, bare_len);
        ks->type[kept] = type;
        ks->name_at[kept] = (uint32_t)used;
        used += bare_len;
        if (ks->index)
            ks->index[kept] = i;
        kept++;
    }
    ks->count = kept;
    return 0;
oom:
    lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for %u symbol names", total);
    return -1;
}

/* The kernel's ways of storing an address in kallsyms_offsets (see the top of this file). */
enum scheme { BASE_RELATIVE, ABSOLUTE_PERCPU, PLACE_RELATIVE, SCHEMES };

static const char *const scheme_names[SCHEMES] = {
    "from kallsyms_relative_base",
    "absolute per-cpu",
    "relative to their own place",
};

/* The address the offset off, stored at address at, stands for. */
static uint64_t address_of(int32_t off, uint64_t at, uint64_t base, enum scheme s)
{
    switch (s) {
    case BASE_RELATIVE:
        return base + (uint32_t)off;
    case ABSOLUTE_PERCPU:
        return off >= 0 ? (uint64_t)off : base - 1 - (uint64_t)(int64_t)off;
    default: /* PLACE_RELATIVE; wraps as the kernel's pointer arithmetic does */
        return at + (uint64_t)(int64_t)off;
    }
}

static int read_addresses(struct lb_kernel *k, struct lb_kallsyms *ks, uint64_t offsets,
                          uint64_t base, enum scheme s, struct lb_error *err)
{
    int32_t chunk[1024];

    if (ks->index) { /* a few symbols: one read each */
        for (uint32_t i = 0; i < ks->count; i++) {
            uint64_t at = offsets + (uint64_t)ks->index[i] * 4;
            if (lb_kernel_read(k, at, chunk, 4, err) < 0)
                return -1;
            ks->addr[i] = address_of(chunk[0], at, base, s);
        }
        return 0;
    }
    for (uint32_t i = 0; i < ks->count; i += 1024) {
        uint32_t n = ks->count - i < 1024 ? ks->count - i : 1024;
        if (lb_kernel_read(k, offsets + (uint64_t)i * 4, chunk, n * 4, err) < 0)
            return -1;
        for (uint32_t j = 0; j < n; j++)
            ks->addr[i + j] = address_of(chunk[j], offsets + (uint64_t)(i + j) * 4, base, s);
    }
    return 0;
}

static int load(struct lb_kernel *k, const char *const *wanted, size_t nwanted,
                struct lb_kallsyms **out, struct lb_error *err)
{
    const struct lb_vmcoreinfo *vi = lb_kernel_vmcoreinfo(k);
    uint64_t names, num_syms, token_table, token_index_at, offsets, base_at, base = 0, stext;
    uint16_t token_index[256];
    char tokens[TOKEN_TABLE_MAX];
    uint32_t count;
    struct lb_kallsyms *ks;

    if (need(vi, "SYMBOL(kallsyms_names)", &names, err) ||
        need(vi, "SYMBOL(kallsyms_num_syms)", &num_syms, err) ||
        need(vi, "SYMBOL(kallsyms_token_table)", &token_table, err) ||
        need(vi, "SYMBOL(kallsyms_token_index)", &token_index_at, err) ||
        need(vi, "SYMBOL(kallsyms_offsets)", &offsets, err) ||
        need(vi, "SYMBOL(_stext)", &stext, err))
        return -1;
    /* Since Linux 7.0 there is no base: the offsets are relative to their own places. */
    int has_base = lb_vmcoreinfo_get_u64(vi, "SYMBOL(kallsyms_relative_base)", 16, &base_at) == 0;
    if (lb_kernel_read(k, num_syms, &count, 4, err) < 0 ||
        (has_base && lb_kernel_read(k, base_at, &base, 8, err) < 0) ||
        lb_kernel_read(k, token_index_at, token_index, sizeof(token_index), err) < 0 ||
        lb_kernel_read(k, token_table, tokens, sizeof(tokens), err) < 0)
        return -1;
    if (count == 0 || count > MAX_SYMS) {
        lb_error_set(err, "kallsyms_num_syms is %u: not a symbol count", count);
        return -1;
    }
    /* Wanted names may each appear more than once (static symbols): room for a few each. */
    size_t room = wanted ? (nwanted + 1) * 4 : count;
    ks = calloc(1, sizeof(*ks));
    if (!ks || !(ks->addr = malloc(room * sizeof(*ks->addr))) ||
        !(ks->name_at = malloc(room * sizeof(*ks->name_at))) || !(ks->type = malloc(room)) ||
        (wanted && !(ks->index = malloc(room * sizeof(*ks->index))))) {
        lb_kallsyms_free(ks);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for %u symbols", count);
        return -1;
    }
    ks->wanted = wanted;
    ks->nwanted = nwanted;
    ks->room = room;
    int decoded = decode_names(k, ks, count, names, tokens, sizeof(tokens), token_index, err);
    ks->wanted = NULL; /* the caller's list: not kept past the load */
    if (decoded < 0)
        goto fail;
    /* Which offset scheme: the one that puts _stext where VMCOREINFO says it is. */
    uint64_t seen[SCHEMES] = {0};
    int found_stext = 0;
    for (enum scheme s = 0; s < SCHEMES; s++) {
        if (s != PLACE_RELATIVE && !has_base)
            continue;
        if (read_addresses(k, ks, offsets, base, s, err) < 0)
            goto fail;
        found_stext = lb_kallsyms_address(ks, "_stext", &seen[s]) == 0;
        if (found_stext && seen[s] == stext) {
            *out = ks;
            return 0;
        }
    }
    if (!found_stext)
        lb_error_set(err,
                     "kallsyms_names at 0x%llx has no _stext among %u symbols: the tables "
                     "are damaged",
                     (unsigned long long)names, count);
    else if (has_base)
        lb_error_set(err,
                     "kallsyms_offsets at 0x%llx place _stext at 0x%llx (%s), 0x%llx (%s) or "
                     "0x%llx (%s), not at VMCOREINFO's 0x%llx: the tables are damaged",
                     (unsigned long long)offsets, (unsigned long long)seen[BASE_RELATIVE],
                     scheme_names[BASE_RELATIVE], (unsigned long long)seen[ABSOLUTE_PERCPU],
                     scheme_names[ABSOLUTE_PERCPU], (unsigned long long)seen[PLACE_RELATIVE],
                     scheme_names[PLACE_RELATIVE], (unsigned long long)stext);
    else
        lb_error_set(err,
                     "kallsyms_offsets at 0x%llx place _stext at 0x%llx (%s; VMCOREINFO has no "
                     "kallsyms_relative_base), not at VMCOREINFO's 0x%llx: the tables are damaged",
                     (unsigned long long)offsets, (unsigned long long)seen[PLACE_RELATIVE],
                     scheme_names[PLACE_RELATIVE], (unsigned long long)stext);
fail:
    lb_kallsyms_free(ks);
    return -1;
}

int lb_kallsyms_load(struct lb_kernel *k, struct lb_kallsyms **out, struct lb_error *err)
{
    return load(k, NULL, 0, out, err);
}

int lb_kallsyms_load_only(struct lb_kernel *k, const char *const *names, size_t n,
                          struct lb_kallsyms **out, struct lb_error *err)
{
    return load(k, names, n, out, err);
}

uint32_t lb_kallsyms_count(const struct lb_kallsyms *ks)
{
    return ks->count;
}

int lb_kallsyms_address(const struct lb_kallsyms *ks, const char *name, uint64_t *addr)
{
    for (uint32_t i = 0; i < ks->count; i++)
        if (strcmp(ks->pool + ks->name_at[i], name) == 0) {
            *addr = ks->addr[i];
            return 0;
        }
    return -1;
}

/*
 * The symbol containing addr: the last one at or below it, skipping per-cpu
 * and absolute ones (their "addresses" are offsets).  The table is sorted.
 */
int lb_kallsyms_lookup(const struct lb_kallsyms *ks, uint64_t addr, const char **name,
                       uint64_t *offset, char *type)
{
    uint32_t lo = 0, hi = ks->count;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ks->addr[mid] <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Modules live above the kernel image, where the core table does not reach. */
    if (lo == 0 || addr < 0xffff800000000000ull || addr >= 0xffffffffc0000000ull)
        return -1;
    *name = ks->pool + ks->name_at[lo - 1];
    *offset = addr - ks->addr[lo - 1];
    if (type)
        *type = ks->type[lo - 1];
    return 0;
}
