/*
 * redact_dm.c - dm-crypt volumes' keys, for redaction's keys class: the
 * key each volume was opened with and the key schedules the crypto API
 * derived from it.
 *
 * Device-mapper and dm-crypt are modules in distribution kernels, so their
 * statics and types are not in the kernel's own kallsyms and BTF: the walk
 * finds dm_mod and dm_crypt in the kernel's 'modules' list, dm_mod's
 * name_rb_tree in dm_mod's own symbol table (struct module's kallsyms), and
 * the types (hash_cell, mapped_device, dm_table, dm_target, crypt_config)
 * in the modules' BTF, split on the kernel's, which the kernel keeps for
 * BPF in its 'btf_modules' list (the module's own copy, btf_data, is gone
 * once it has loaded).  A kernel with device-mapper built in has all of it
 * in its own symbols and BTF, and is walked the same way.
 *
 * From each device's active and inactive tables, every target of type
 * "crypt" leads to its crypt_config: the key (key_size bytes at key[]) is
 * erased, and so is every context of the crypto transforms it keyed
 * (crypt_config's tfms): an AES key schedule starts with the key itself.
 * A transform's context may hold its children (xts holds an ecb(aes) and an
 * aes cipher; ecb holds its cipher; cryptd and simd wrap one): a word of a
 * context that points to a transform (one whose algorithm is a crypto_alg
 * on the kernel's list, with a printable name) is followed and kept, so the
 * transforms stay walkable; every other word is erased.
 *
 * No dm_mod or no dm_crypt loaded means no dm-crypt volume: nothing to do.
 * With dm_crypt loaded, anything the walk needs and this kernel lacks fails
 * the class, naming it: keys would be left.  Everything read is hostile:
 * lists are walked with Brent's loop check, the tree with a bounded stack,
 * counts and sizes bounded, every pointer followed a step of the shared
 * budget; a volume whose structures are absurd is named in the report.
 */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/redact.h"

enum {
    MAX_MODULES = 1 << 16,
    MODULE_NAME = 56, /* MODULE_NAME_LEN on 64-bit kernels */
    MAX_MODULE_SYMS = 1 << 18,
    SYM_CHUNK = 256, /* Elf64_Syms read at a time */
    ELF64_SYM = 24,  /* sizeof(Elf64_Sym): st_name at 0, st_value at 8 */
    MAX_MODULE_BTF = 16 << 20,
    MAX_TREE_DEPTH = 128,
    MAX_TARGETS = 1 << 16, /* a table's targets (LVM's linear tables are long) */
    MAX_KEY = 1024,        /* dm-crypt's keys are 16 to 128 bytes; the BTF's bound is none */
    MAX_TFMS = 1024,       /* crypt_config's tfms_count: its key parts, at most 64 */
    MAX_CTX = 1 << 16,     /* a transform's context */
    MAX_TFM_DEPTH = 6,     /* simd -> cryptd -> xts -> ecb -> cipher */
    MAX_VOLUME_TFMS = 256, /* transforms one volume's walk erases (4 per key part at most) */
    MAX_TFM_CHILDREN = 8,  /* children one context leads to (real ones: 3 at most) */
    MAX_ALG_NAME = 128,    /* CRYPTO_MAX_ALG_NAME */
};

#define MISSING BTF_MISSING

/* A kernel address (the top of the address space on x86_64 and arm64, with 4- or 5-level
 * page tables and 48- or 52-bit VAs: the direct map of 5-level x86_64 starts at
 * 0xff11000000000000), not a small number. */
static int kernel_address(uint64_t a)
{
    return a >= 0xff00000000000000ull;
}

/*
 * The offset of s.m in btf, or fails naming it.  A module's BTF joined to the
 * kernel's may hold two structs of one name (the kernel's hash_cell is not
 * dm's): the first struct of that name that has the member is taken.
 */
int lb_redact_btf_member(const struct btf *btf, const char *s, const char *m, uint64_t *off,
                         struct lb_error *err)
{
    int id = lb_btf_struct(btf, s);
    *off = id < 0 ? MISSING : lb_btf_member_offset(btf, id, m);
    for (uint32_t i = (uint32_t)id + 1; id > 0 && *off == MISSING && i < btf__type_cnt(btf); i++) {
        const struct btf_type *t = btf__type_by_id(btf, i);
        const char *name = t && btf_is_struct(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
        if (name && strcmp(name, s) == 0)
            *off = lb_btf_member_offset(btf, (int)i, m);
    }
    if (*off == MISSING) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the BTF has no %s.%s", s, m);
        return -1;
    }
    return 0;
}

/* ---- modules: the list, their symbols, their BTF ---------------------------- */

struct dm_modules {
    uint64_t dm_mod, dm_crypt; /* struct module addresses, 0 if not loaded */
};

/* 1 if the struct module at mod is named name. */
static int module_named(struct redact_ctx *c, uint64_t mod, uint64_t name_off, const char *name)
{
    char got[MODULE_NAME];
    struct lb_error ignored;

    if (lb_kernel_read(c->k, mod + name_off, got, sizeof(got), &ignored) < 0)
        return 0;
    got[sizeof(got) - 1] = '\0';
    return strcmp(got, name) == 0;
}

int lb_redact_find_module(struct redact_ctx *c, const char *want, uint64_t *mod,
                          struct lb_error *err)
{
    uint64_t head, list, name, p, mark;
    size_t power = 1, since = 0, n = 0;

    *mod = 0;
    if (lb_kallsyms_address(c->ks, "modules", &head) < 0)
        return 0;
    if (lb_redact_btf_member(c->btf, "module", "list", &list, err) < 0 ||
        lb_redact_btf_member(c->btf, "module", "name", &name, err) < 0)
        return -1;
    mark = head;
    for (p = lb_redact_read_u64(c, head); p != head; p = lb_redact_read_u64(c, p)) {
        if (!p || p == mark || ++n > MAX_MODULES) {
            lb_error_set(err, "the kernel's module list %s after %zu modules",
                         p ? "loops" : "breaks", n);
            return -1;
        }
        if (!lb_redact_step(c)) {
            lb_error_set(err, "the walk of the module list passed its budget of steps");
            return -1;
        }
        if (!*mod && module_named(c, p - list, name, want))
            *mod = p - list; /* (and on: a list that loops or breaks is no list to trust) */
        if (++since == power) {
            mark = p;
            power *= 2;
            since = 0;
        }
    }
    return 0;
}

static int find_dm_modules(struct redact_ctx *c, struct dm_modules *m, struct lb_error *err)
{
    return lb_redact_find_module(c, "dm_mod", &m->dm_mod, err) < 0 ||
                   lb_redact_find_module(c, "dm_crypt", &m->dm_crypt, err) < 0
               ? -1
               : 0;
}

/* A symbol of a module, from its own table (struct module's kallsyms). */
static int module_symbol(struct redact_ctx *c, uint64_t mod, const char *name, uint64_t *addr,
                         struct lb_error *err)
{
    uint64_t kallsyms_off, symtab_off, num_off, strtab_off, ks, symtab, strtab;
    uint8_t syms[SYM_CHUNK * ELF64_SYM];
    size_t len = strlen(name) + 1;
    uint32_t n;
    char got[MODULE_NAME * 2];

    if (len > sizeof(got) ||
        lb_redact_btf_member(c->btf, "module", "kallsyms", &kallsyms_off, err) < 0 ||
        lb_redact_btf_member(c->btf, "mod_kallsyms", "symtab", &symtab_off, err) < 0 ||
        lb_redact_btf_member(c->btf, "mod_kallsyms", "num_symtab", &num_off, err) < 0 ||
        lb_redact_btf_member(c->btf, "mod_kallsyms", "strtab", &strtab_off, err) < 0)
        return -1;
    ks = lb_redact_read_u64(c, mod + kallsyms_off);
    symtab = ks ? lb_redact_read_u64(c, ks + symtab_off) : 0;
    strtab = ks ? lb_redact_read_u64(c, ks + strtab_off) : 0;
    n = ks ? lb_redact_read_u32(c, ks + num_off) : 0;
    if (!symtab || !strtab || n > MAX_MODULE_SYMS) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the module's symbol table is not there (%u symbols)",
                      n);
        return -1;
    }
    for (uint32_t i = 0; i < n; i += SYM_CHUNK) {
        uint32_t count = n - i < SYM_CHUNK ? n - i : SYM_CHUNK;
        struct lb_error ignored;
        if (lb_kernel_read(c->k, symtab + (uint64_t)i * ELF64_SYM, syms, count * ELF64_SYM,
                           &ignored) < 0)
            continue;
        for (uint32_t j = 0; j < count; j++) {
            uint32_t st_name;
            memcpy(&st_name, syms + j * ELF64_SYM, 4);
            if (!lb_redact_step(c))
                break;
            if (lb_kernel_read(c->k, strtab + st_name, got, len, &ignored) < 0 ||
                memcmp(got, name, len) != 0)
                continue;
            memcpy(addr, syms + j * ELF64_SYM + 8, 8);
            return 0;
        }
    }
    lb_error_setk(err, LB_ERR_NO_DATA, "the module has no symbol %s", name);
    return -1;
}

/* The BTF of the module at mod, split on the kernel's, from the kernel's btf_modules list. */
struct btf *lb_redact_module_btf(struct redact_ctx *c, uint64_t mod, struct lb_error *err)
{
    uint64_t head, list, module, btf_ptr, data_off, size_off, p, mark, btf, data;
    size_t power = 1, since = 0, n = 0;
    uint32_t size;

    if (lb_kallsyms_address(c->ks, "btf_modules", &head) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the kernel keeps no modules' BTF (btf_modules)");
        return NULL;
    }
    if (lb_redact_btf_member(c->btf, "btf_module", "list", &list, err) < 0 ||
        lb_redact_btf_member(c->btf, "btf_module", "module", &module, err) < 0 ||
        lb_redact_btf_member(c->btf, "btf_module", "btf", &btf_ptr, err) < 0 ||
        lb_redact_btf_member(c->btf, "btf", "data", &data_off, err) < 0 ||
        lb_redact_btf_member(c->btf, "btf", "data_size", &size_off, err) < 0)
        return NULL;
    mark = head;
    for (p = lb_redact_read_u64(c, head); p != head; p = lb_redact_read_u64(c, p)) {
        if (!p || p == mark || ++n > MAX_MODULES || !lb_redact_step(c))
            break;
        if (lb_redact_read_u64(c, p - list + module) == mod)
            goto found;
        if (++since == power) {
            mark = p;
            power *= 2;
            since = 0;
        }
    }
    if (p != head)
        lb_error_set(err, "the kernel's btf_modules list %s before the module's BTF",
                     !p          ? "breaks"
                     : p == mark ? "loops"
                                 : "is too long");
    else
        lb_error_setk(err, LB_ERR_NO_DATA, "the module's BTF is not in the kernel's btf_modules");
    return NULL;
found:
    btf = lb_redact_read_u64(c, p - list + btf_ptr);
    data = btf ? lb_redact_read_u64(c, btf + data_off) : 0;
    size = btf ? lb_redact_read_u32(c, btf + size_off) : 0;
    if (!data || size < 24 || size > MAX_MODULE_BTF) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the module's BTF is absurd (%u bytes at 0x%llx)", size,
                      (unsigned long long)data);
        return NULL;
    }
    void *raw = malloc(size);
    if (!raw) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for a module's BTF");
        return NULL;
    }
    struct btf *joined = NULL;
    if (lb_kernel_read(c->k, data, raw, size, err) == 0)
        joined = lb_btf_join_split(c->btf, raw, size, err);
    else
        lb_error_prefix(err, "the module's BTF is not in the dump");
    free(raw);
    return joined;
}

/* ---- crypto transforms --------------------------------------------------- */

int lb_redact_tfm_layout(struct redact_ctx *c, struct redact_tfm_layout *l, struct lb_error *err)
{
    static const char *const wrappers[] = {"crypto_skcipher",  "crypto_aead",  "crypto_cipher",
                                           "crypto_lskcipher", "crypto_shash", "crypto_ahash"};

    if (lb_redact_btf_member(c->btf, "crypto_tfm", "__crt_alg", &l->alg, err) < 0 ||
        lb_redact_btf_member(c->btf, "crypto_tfm", "__crt_ctx", &l->ctx, err) < 0 ||
        lb_redact_btf_member(c->btf, "crypto_alg", "cra_list", &l->alg_list, err) < 0 ||
        lb_redact_btf_member(c->btf, "crypto_alg", "cra_name", &l->alg_name, err) < 0 ||
        lb_redact_btf_member(c->btf, "crypto_alg", "cra_ctxsize", &l->alg_ctxsize, err) < 0 ||
        lb_redact_btf_member(c->btf, "crypto_alg", "cra_alignmask", &l->alg_alignmask, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++) {
        int id = lb_btf_struct(c->btf, wrappers[i]);
        uint64_t off = id < 0 ? MISSING : lb_btf_member_offset(c->btf, id, "base");
        int dup = 0;
        for (size_t j = 0; j < l->nbase; j++)
            dup |= l->base[j] == off;
        if (off != MISSING && off < 4096 && !dup)
            l->base[l->nbase++] = off;
    }
    if (!l->nbase) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the kernel's BTF has no crypto_skcipher.base");
        return -1;
    }
    return 0;
}

/*
 * The context size of the transform at tfm (its crypto_tfm), or -1 if it is
 * none: its algorithm must be on a list (cra_list's next points back) and be
 * named in printable characters.
 */
static int64_t tfm_context_size(struct redact_ctx *c, const struct redact_tfm_layout *l,
                                uint64_t tfm)
{
    uint64_t alg = lb_redact_read_u64(c, tfm + l->alg), next;
    char name[MAX_ALG_NAME];
    struct lb_error ignored;

    if (!kernel_address(alg) || !lb_redact_step(c))
        return -1;
    next = lb_redact_read_u64(c, alg + l->alg_list);
    if (!kernel_address(next) || lb_redact_read_u64(c, next + 8) != alg + l->alg_list ||
        lb_kernel_read(c->k, alg + l->alg_name, name, sizeof(name), &ignored) < 0 ||
        !memchr(name, '\0', sizeof(name)) || name[0] <= 0x20 || name[0] >= 0x7f)
        return -1;
    uint64_t size = lb_redact_read_u32(c, alg + l->alg_ctxsize) +
                    (uint64_t)lb_redact_read_u32(c, alg + l->alg_alignmask);
    return size <= MAX_CTX ? (int64_t)size : -1;
}

/* The crypto_tfm a pointer to a transform (of any wrapper) leads to, or 0. */
static uint64_t tfm_of(struct redact_ctx *c, const struct redact_tfm_layout *l, uint64_t ptr)
{
    if (!kernel_address(ptr))
        return 0;
    for (size_t i = 0; i < l->nbase; i++)
        if (tfm_context_size(c, l, ptr + l->base[i]) >= 0)
            return ptr + l->base[i];
    return 0;
}

/* The transforms one volume's walk has erased: each once, however many words lead to it. */
struct tfm_seen {
    uint64_t tfm[MAX_VOLUME_TFMS];
    size_t n;
    int full; /* more than MAX_VOLUME_TFMS: the walk stopped there */
    int cut;  /* a child not followed (too deep, too many, the budget spent): its context kept */
};

static int tfm_seen_has(const struct tfm_seen *seen, uint64_t tfm)
{
    for (size_t i = 0; i < seen->n; i++)
        if (seen->tfm[i] == tfm)
            return 1;
    return 0;
}

/* 1 if tfm is new to this walk (and now seen), 0 if seen or past the bound. */
static int tfm_first_time(struct tfm_seen *seen, uint64_t tfm)
{
    if (tfm_seen_has(seen, tfm))
        return 0;
    if (seen->n == MAX_VOLUME_TFMS) {
        seen->full = 1;
        return 0;
    }
    seen->tfm[seen->n++] = tfm;
    return 1;
}

/*
 * Erases a transform's context but the words that lead to its children, which
 * it follows.  Bounded on hostile memory: each transform once, MAX_TFM_CHILDREN
 * children a context, a step of the budget for every word looked at.  A child
 * past a bound is not followed, and seen->cut says so: its key schedule stays.
 */
static void erase_tfm(struct redact_ctx *c, const struct redact_tfm_layout *l, uint64_t tfm,
                      const char *type, int depth, struct tfm_seen *seen)
{
    int64_t size = tfm_context_size(c, l, tfm);
    uint64_t ctx = tfm + l->ctx, run = 0, words[512];
    struct lb_error ignored;
    int children = 0;

    if (size <= 0)
        return;
    for (uint64_t at = 0; at < (uint64_t)size; at += sizeof(words)) {
        uint64_t n = (uint64_t)size - at < sizeof(words) ? (uint64_t)size - at : sizeof(words);
        memset(words, 0, sizeof(words));
        lb_kernel_read(c->k, ctx + at, words, n, &ignored);
        for (uint64_t w = 0; w < n; w += 8) {
            uint64_t child = 0;
            if (!lb_redact_step(c)) {
                seen->cut = 1;
                break;
            }
            child = tfm_of(c, l, words[w / 8]);
            if (!child || child == tfm || tfm_seen_has(seen, child))
                continue; /* (a transform met before: its context erased, or being) */
            if (depth >= MAX_TFM_DEPTH || children >= MAX_TFM_CHILDREN) {
                seen->cut = 1; /* its pointer erased with the rest, its context not */
                continue;
            }
            children++;
            if (!tfm_first_time(seen, child))
                continue; /* (the bound said: seen->full) */
            lb_redact_virt(c, LB_REDACT_KEYS, type, ctx + run, at + w - run);
            erase_tfm(c, l, child, type, depth + 1, seen);
            run = at + w + 8;
        }
    }
    if ((uint64_t)size > run)
        lb_redact_virt(c, LB_REDACT_KEYS, type, ctx + run, (uint64_t)size - run);
}

int lb_redact_tfm(struct redact_ctx *c, const struct redact_tfm_layout *l, uint64_t ptr,
                  const char *type)
{
    static struct tfm_seen seen; /* (2 KiB: off the capture's stack) */
    uint64_t tfm = tfm_of(c, l, ptr);

    if (!tfm)
        return 0;
    seen.n = 0;
    seen.full = seen.cut = 0;
    tfm_first_time(&seen, tfm);
    erase_tfm(c, l, tfm, type, 0, &seen);
    return seen.full || seen.cut ? 2 : 1;
}

/* ---- dm: devices, tables, crypt targets ---------------------------------- */

struct dm_layout {
    /* dm_mod's */
    uint64_t cell_node, cell_md, cell_new_map, md_map, table_num, table_targets, target_size;
    uint64_t target_type, target_private, type_name, rb_left, rb_right;
    /* dm_crypt's */
    uint64_t key_size, key, tfms, tfms_count, key_extra_size,
        key_mac_size; /* last two: or MISSING */
    struct redact_tfm_layout tfm;
    uint64_t volumes, absurd;
};

/* What dm_mod's BTF says of its devices, tables and targets. */
static int dm_mod_layout(const struct btf *dm, struct dm_layout *l, struct lb_error *err)
{
    if (lb_redact_btf_member(dm, "hash_cell", "name_node", &l->cell_node, err) < 0 ||
        lb_redact_btf_member(dm, "hash_cell", "md", &l->cell_md, err) < 0 ||
        lb_redact_btf_member(dm, "hash_cell", "new_map", &l->cell_new_map, err) < 0 ||
        lb_redact_btf_member(dm, "mapped_device", "map", &l->md_map, err) < 0 ||
        lb_redact_btf_member(dm, "dm_table", "num_targets", &l->table_num, err) < 0 ||
        lb_redact_btf_member(dm, "dm_table", "targets", &l->table_targets, err) < 0 ||
        lb_redact_btf_member(dm, "dm_target", "type", &l->target_type, err) < 0 ||
        lb_redact_btf_member(dm, "dm_target", "private", &l->target_private, err) < 0 ||
        lb_redact_btf_member(dm, "target_type", "name", &l->type_name, err) < 0 ||
        lb_redact_btf_member(dm, "rb_node", "rb_left", &l->rb_left, err) < 0 ||
        lb_redact_btf_member(dm, "rb_node", "rb_right", &l->rb_right, err) < 0)
        return -1;
    l->target_size = lb_btf_struct_size(dm, "dm_target");
    if (!l->target_size || l->target_size > 4096) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the BTF's struct dm_target has no sane size");
        return -1;
    }
    return 0;
}

/* What dm_crypt's BTF says of a volume's key and transforms. */
static int crypt_layout(const struct btf *crypt, struct dm_layout *l, struct lb_error *err)
{
    struct lb_error ignored;

    if (lb_redact_btf_member(crypt, "crypt_config", "key_extra_size", &l->key_extra_size,
                             &ignored) < 0)
        l->key_extra_size = MISSING; /* (only to name what is not erased) */
    if (lb_redact_btf_member(crypt, "crypt_config", "key_mac_size", &l->key_mac_size, &ignored) < 0)
        l->key_mac_size = MISSING;
    return lb_redact_btf_member(crypt, "crypt_config", "key_size", &l->key_size, err) ||
           lb_redact_btf_member(crypt, "crypt_config", "key", &l->key, err) ||
           lb_redact_btf_member(crypt, "crypt_config", "cipher_tfm", &l->tfms, err) ||
           lb_redact_btf_member(crypt, "crypt_config", "tfms_count", &l->tfms_count, err);
}

static void crypt_volume(struct redact_ctx *c, struct dm_layout *l, uint64_t cc)
{
    uint32_t key_size = lb_redact_read_u32(c, cc + l->key_size),
             count = lb_redact_read_u32(c, cc + l->tfms_count);
    uint64_t tfms = lb_redact_read_u64(c, cc + l->tfms);

    l->volumes++;
    if (key_size > MAX_KEY || count > MAX_TFMS) {
        lb_redact_missing(c,
                          "keys: the dm-crypt volume at 0x%llx claims a key of %u bytes and %u "
                          "transforms: not erased",
                          (unsigned long long)cc, key_size, count);
        l->absurd++;
        return;
    }
    lb_redact_virt(c, LB_REDACT_KEYS, "crypt_config.key (dm-crypt)", cc + l->key, key_size);
    static struct tfm_seen seen; /* (2 KiB: off the capture's stack) */
    uint32_t found = 0;
    seen.n = 0;
    seen.full = seen.cut = 0;
    for (uint32_t i = 0; tfms && i < count && lb_redact_step(c); i++) {
        uint64_t tfm = tfm_of(c, &l->tfm, lb_redact_read_u64(c, tfms + 8ull * i));
        if (tfm && tfm_first_time(&seen, tfm)) {
            erase_tfm(c, &l->tfm, tfm, "crypto tfm context (dm-crypt)", 0, &seen);
            found++;
        } else if (tfm) {
            found++;
        }
    }
    if (count && !found)
        lb_redact_missing(c,
                          "keys: the dm-crypt volume at 0x%llx: none of its %u transforms "
                          "could be read: their key schedules not erased",
                          (unsigned long long)cc, count);
    if (seen.full || seen.cut)
        lb_redact_missing(c,
                          "keys: the dm-crypt volume at 0x%llx leads to more transforms than the "
                          "walk follows (%d, %d deep, %d a context): the rest not erased",
                          (unsigned long long)cc, MAX_VOLUME_TFMS, MAX_TFM_DEPTH, MAX_TFM_CHILDREN);
    /* Copies of key material this walk does not erase, named when the volume has them: an
     * integrity (authenc) key, IV generators' seeds (lmk, tcw, elephant). */
    if (l->key_extra_size != MISSING && lb_redact_read_u32(c, cc + l->key_extra_size))
        lb_redact_missing(c,
                          "keys: the dm-crypt volume at 0x%llx: its IV generator's key material "
                          "(key_extra_size %u: lmk, tcw or elephant) not erased",
                          (unsigned long long)cc, lb_redact_read_u32(c, cc + l->key_extra_size));
    if (l->key_mac_size != MISSING && lb_redact_read_u32(c, cc + l->key_mac_size))
        lb_redact_missing(c,
                          "keys: the dm-crypt volume at 0x%llx: its integrity key (authenc_key, "
                          "key_mac_size %u) not erased",
                          (unsigned long long)cc, lb_redact_read_u32(c, cc + l->key_mac_size));
}

static void table_targets(struct redact_ctx *c, struct dm_layout *l, uint64_t table)
{
    uint32_t n = lb_redact_read_u32(c, table + l->table_num);
    uint64_t targets = lb_redact_read_u64(c, table + l->table_targets);
    struct lb_error ignored;

    if (n > MAX_TARGETS) {
        lb_redact_missing(c, "keys: a device-mapper table at 0x%llx claims %u targets: not walked",
                          (unsigned long long)table, n);
        return;
    }
    for (uint32_t i = 0; targets && i < n && lb_redact_step(c); i++) {
        uint64_t target = targets + (uint64_t)i * l->target_size;
        uint64_t type = lb_redact_read_u64(c, target + l->target_type), name;
        char got[6];
        if (!type || !(name = lb_redact_read_u64(c, type + l->type_name)) ||
            lb_kernel_read(c->k, name, got, sizeof(got), &ignored) < 0 ||
            memcmp(got, "crypt", 6) != 0)
            continue;
        crypt_volume(c, l, lb_redact_read_u64(c, target + l->target_private));
    }
}

/* name_rb_tree in order: every device's active table and the one loaded but not resumed. */
static int devices(struct redact_ctx *c, struct dm_layout *l, uint64_t root, struct lb_error *err)
{
    uint64_t stack[MAX_TREE_DEPTH], node = lb_redact_read_u64(c, root);
    size_t depth = 0;

    while (node || depth) {
        while (node) {
            if (depth == MAX_TREE_DEPTH) {
                lb_error_set(err, "dm's name_rb_tree is deeper than %d: not a sane rb-tree",
                             MAX_TREE_DEPTH);
                return -1;
            }
            if (!lb_redact_step(c)) {
                lb_error_set(err, "the walk of dm's devices passed its budget of steps");
                return -1;
            }
            stack[depth++] = node;
            node = lb_redact_read_u64(c, node + l->rb_left);
        }
        node = stack[--depth];
        uint64_t cell = node - l->cell_node, md = lb_redact_read_u64(c, cell + l->cell_md);
        uint64_t active = md ? lb_redact_read_u64(c, md + l->md_map) : 0,
                 inactive = lb_redact_read_u64(c, cell + l->cell_new_map);
        if (active)
            table_targets(c, l, active);
        if (inactive && inactive != active)
            table_targets(c, l, inactive);
        node = lb_redact_read_u64(c, node + l->rb_right);
    }
    return 0;
}

/*
 * A module's layout, from its BTF joined to the kernel's (the kernel's own
 * when the module is built in), each freed before the next is read: a
 * joined BTF is as big as the kernel's.
 */
static int module_layout(struct redact_ctx *c, uint64_t mod, struct dm_layout *l,
                         int (*layout)(const struct btf *, struct dm_layout *, struct lb_error *),
                         struct lb_error *err)
{
    struct btf *btf = mod ? lb_redact_module_btf(c, mod, err) : c->btf;
    int r = btf ? layout(btf, l, err) : -1;

    if (btf != c->btf)
        btf__free(btf);
    return r;
}

/*
 * Where device-mapper and dm-crypt are: loaded modules first (a struct of
 * the kernel's that shares a name is not theirs), else built into the kernel
 * (its own symbol and BTF).  A kernel without a module list (no module
 * support) is taken as having built in whatever it has.
 */
static int locate(struct redact_ctx *c, struct dm_modules *m, int *dm_builtin, int *crypt_builtin,
                  uint64_t *root, struct lb_error *err)
{
    int has_root = lb_kallsyms_address(c->ks, "name_rb_tree", root) == 0;
    uint64_t unused;

    if (lb_kallsyms_address(c->ks, "modules", &unused) == 0) {
        if (find_dm_modules(c, m, err) < 0)
            return -1;
    } else if (!has_root) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "the kernel has neither a module list (modules) nor device-mapper built in "
                      "(name_rb_tree)");
        return -1;
    }
    *dm_builtin = !m->dm_mod && has_root && lb_btf_struct(c->btf, "hash_cell") >= 0;
    *crypt_builtin = !m->dm_crypt && lb_btf_struct(c->btf, "crypt_config") >= 0;
    return 0;
}

int lb_redact_dm_crypt(struct redact_ctx *c, struct lb_error *err)
{
    struct dm_modules m = {0};
    struct dm_layout l = {0};
    uint64_t root = 0;
    int dm_builtin = 0, crypt_builtin = 0, r = -1;

    if (locate(c, &m, &dm_builtin, &crypt_builtin, &root, err) < 0)
        goto out;
    if ((!dm_builtin && !m.dm_mod) || (!crypt_builtin && !m.dm_crypt))
        return 0; /* no dm-crypt volume can exist */
    if (!dm_builtin && module_symbol(c, m.dm_mod, "name_rb_tree", &root, err) < 0) {
        lb_error_prefix(err, "dm_mod");
        goto out;
    }
    if (module_layout(c, dm_builtin ? 0 : m.dm_mod, &l, dm_mod_layout, err) < 0) {
        lb_error_prefix(err, "dm_mod");
        goto out;
    }
    if (module_layout(c, crypt_builtin ? 0 : m.dm_crypt, &l, crypt_layout, err) < 0) {
        lb_error_prefix(err, "dm_crypt");
        goto out;
    }
    if (lb_redact_tfm_layout(c, &l.tfm, err) < 0 || devices(c, &l, root, err) < 0)
        goto out;
    if (c->steps_left == 0) {
        lb_error_set(err, "the walk of dm-crypt's transforms passed its budget of steps");
        goto out;
    }
    r = 0;
out:
    if (r < 0)
        lb_error_prefix(err, "dm-crypt");
    return r;
}
