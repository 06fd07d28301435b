/*
 * redact_walk.c - where a crashed kernel keeps the secrets redaction erases,
 * found through its BTF and kallsyms as the task list is.
 *
 * names:     every task's comm; the host's names in init_uts_ns; every open
 *            file's dentry name and its parents' to the root, a UNIX
 *            socket's address and its path's names.
 * keys:      user and logon keys' payloads (key_serial_tree, an rb-tree of
 *            struct key); the random pool (input_pool's hash state,
 *            base_crng's and every CPU's crng key, the per-CPU batches of
 *            random bytes not yet handed out); dm-crypt volumes' keys and
 *            key schedules (redact_dm.c); IPsec states' and kTLS sockets' keys
 *            and key schedules (redact_net.c); fscrypt's keys and blk-crypto's
 *            (redact_fscrypt.c); WireGuard's (redact_wg.c).
 * user-data: every task's open files: a pipe's buffers (whole pages, and its
 *            spare page), a socket's receive queue (each sk_buff's linear
 *            data and its fragments' pages), a tty's (and its pty peer's)
 *            port buffers, free buffers, write buffer and N_TTY's read and
 *            echo buffers.
 *
 * Every offset comes from BTF; a class whose types or symbols this kernel
 * lacks fails the redaction, naming them, rather than pass with secrets
 * left.  What is knowingly not walked is named in the report.  Everything
 * read is hostile: list walks detect loops (Brent), counts and lengths are
 * bounded, and every pointer followed costs a step of a budget shared by all
 * walks, whose end fails the redaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/redact.h"
#include "kernel/triage.h"

enum {
    MAX_CPUS = 8192,
    MAX_KEY_DEPTH = 128,      /* an rb-tree of a million keys is 40 deep */
    MAX_FDS = 1 << 20,        /* fs.nr_open's ceiling */
    FD_CHUNK = 512,           /* file pointers read at a time */
    MAX_PIPE_RING = 1 << 20,  /* slots; the kernel's ring is a power of two */
    MAX_SKB_LINEAR = 1 << 22, /* an sk_buff's head */
    MAX_FRAGS = 64,           /* MAX_SKB_FRAGS is 17, configurable to 45 */
    MAX_PAGE_RUN = 512,       /* pages of one compound page erased for one fragment */
    MAX_PATH_DEPTH = 256,     /* dentries from an open file up to its root */
    MAX_NAME = 255,           /* NAME_MAX */
    MAX_SUN = 110,            /* sizeof(struct sockaddr_un) */
    MAX_TTY_BUFFERS = 4096,   /* a port's queue: 64 KiB of 256-byte buffers and more */
    MAX_TTY_BUFFER = 1 << 20, /* a tty_buffer's or write_buf's size */
};

#define MISSING BTF_MISSING

const char *const lb_redact_symbols[] = {
    "__start_BTF",
    "__stop_BTF",
    "init_task",
    "runqueues",
    "__per_cpu_offset",
    "nr_cpu_ids",
    "init_uts_ns",
    "key_serial_tree",
    "key_type_user",
    "key_type_logon",
    "input_pool",
    "base_crng",
    "crngs",
    "batched_entropy_u8",
    "batched_entropy_u16",
    "batched_entropy_u32",
    "batched_entropy_u64",
    "pipefifo_fops",
    "pipeanon_fops",
    "socket_file_ops",
    "vmemmap_base",
    "modules",      /* redact_dm.c: dm_mod and dm_crypt, */
    "btf_modules",  /* their BTF, */
    "name_rb_tree", /* or device-mapper's devices, built in */
    "node_data",    /* redact_pcp.c: the nodes' zones (NUMA), */
    "nr_node_ids",
    "contig_page_data", /* or the one node's */
    "cached_stacks",    /* exited tasks' kernel stacks, kept for the next fork */
    "tty_fops",         /* ttys' files, */
    "ptmx_fops",
    "console_fops",
    "hung_up_tty_fops",
    "n_tty_ops",          /* and their line discipline's buffers */
    "net_namespace_list", /* redact_net.c: IPsec's states, in every network namespace, */
    "tcp_tls_ulp_ops",    /* and kTLS built in */
    "blk_crypto_keyslots",
    "blk_crypto_num_keyslots",
    "super_blocks",     /* redact_fscrypt.c: fscrypt's, and blk-crypto-fallback's above */
    "slab_caches",      /* redact_slab.c: every SLUB cache's free objects, */
    "page_offset_base", /* in the direct map */
};
const size_t lb_redact_nsymbols = sizeof(lb_redact_symbols) / sizeof(lb_redact_symbols[0]);

uint64_t lb_redact_read_u64(struct redact_ctx *c, uint64_t addr)
{
    uint64_t v = 0;
    struct lb_error ignored;
    return lb_kernel_read(c->k, addr, &v, 8, &ignored) == 0 ? v : 0;
}

uint32_t lb_redact_read_u32(struct redact_ctx *c, uint64_t addr)
{
    uint32_t v = 0;
    struct lb_error ignored;
    return lb_kernel_read(c->k, addr, &v, 4, &ignored) == 0 ? v : 0;
}

int lb_redact_need_member(struct redact_ctx *c, const char *s, const char *m, uint64_t *off,
                          struct lb_error *err)
{
    int id = lb_btf_struct(c->btf, s);
    *off = id < 0 ? MISSING : lb_btf_member_offset(c->btf, id, m);
    if (*off == MISSING) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the kernel's BTF has no %s.%s", s, m);
        return -1;
    }
    return 0;
}

int lb_redact_need_symbol(struct redact_ctx *c, const char *name, uint64_t *addr,
                          struct lb_error *err)
{
    if (lb_kallsyms_address(c->ks, name, addr) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the kernel has no symbol %s", name);
        return -1;
    }
    return 0;
}

static int out_of_steps(struct lb_error *err, const char *what)
{
    lb_error_set(err, "the walk of %s passed its budget of steps (a looping or absurd structure)",
                 what);
    return -1;
}

/* ---- names ----------------------------------------------------------------- */

static int task_comms(struct redact_ctx *c, struct lb_error *err)
{
    struct lb_triage *t = calloc(1, sizeof(*t));
    uint64_t comm, *tasks = NULL, size;
    size_t n = 0;
    int task = lb_btf_struct(c->btf, "task_struct");

    if (!t) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    if (lb_redact_need_member(c, "task_struct", "comm", &comm, err) < 0) {
        free(t);
        return -1;
    }
    size = lb_btf_member_size(c->btf, task, "comm");
    if (size == 0 || size > 64 ||
        lb_tasks_addresses(c->k, c->ks, c->btf, c->ncpus, &tasks, &n, t)) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the task list cannot be walked: %s",
                      t->nnotes ? t->notes[0] : "task_struct.comm has no sane size");
        free(t);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        lb_redact_virt(c, LB_REDACT_NAMES, "task_struct.comm", tasks[i] + comm, size);
    for (size_t i = 0; i < t->nnotes; i++)
        lb_redact_missing(c, "names: tasks past a damaged list: %s", t->notes[i]);
    free(tasks);
    free(t);
    return 0;
}

static int uts_names(struct redact_ctx *c, struct lb_error *err)
{
    static const char *const fields[] = {"nodename", "domainname"};
    uint64_t uts, name, at;
    int utsname = lb_btf_struct(c->btf, "new_utsname");

    /* kallsyms, or VMCOREINFO's SYMBOL(init_uts_ns) (a kernel without KALLSYMS_ALL) */
    if (lb_kallsyms_address(c->ks, "init_uts_ns", &uts) < 0 &&
        lb_vmcoreinfo_get_u64(lb_kernel_vmcoreinfo(c->k), "SYMBOL(init_uts_ns)", 16, &uts) < 0)
        return lb_redact_need_symbol(c, "init_uts_ns", &uts, err);
    if (lb_redact_need_member(c, "uts_namespace", "name", &name, err) < 0)
        return -1;
    for (size_t i = 0; i < 2; i++) {
        char type[64];
        if (lb_redact_need_member(c, "new_utsname", fields[i], &at, err) < 0)
            return -1;
        snprintf(type, sizeof(type), "init_uts_ns.name.%s", fields[i]);
        lb_redact_virt(c, LB_REDACT_NAMES, type, uts + name + at,
                       lb_btf_member_size(c->btf, utsname, fields[i]));
    }
    return 0;
}

int lb_redact_names(struct redact_ctx *c, struct lb_error *err)
{
    if (task_comms(c, err) < 0 || uts_names(c, err) < 0 || lb_redact_open_file_names(c, err) < 0) {
        lb_error_prefix(err, "names");
        return -1;
    }
    lb_redact_missing(c, "names: command lines and environments (user memory: in the dump "
                         "only at a dump level without 8's bit; -d 31 leaves them out)");
    lb_redact_missing(c, "names: dentries of files not open (the dentry cache), other UTS "
                         "namespaces' names: not walked (freed path copies and task_structs: "
                         "with every free slab object)");
    return 0;
}

/* ---- dead stacks ------------------------------------------------------------ */

/*
 * A sleeping task's kernel stack below its saved stack pointer is dead: it
 * holds what its syscalls copied in and left (a name set by prctl or
 * sethostname, a key's payload on its way).  Erased from the stack's second
 * word (the first is STACK_END_MAGIC) to the saved sp, which with everything
 * above it stays: the task's backtrace starts there.  A task running on a
 * CPU (rq->curr, on_cpu) is left whole, its saved sp being stale.
 */
static void runqueue_currents(struct redact_ctx *c, uint64_t *cur, size_t max)
{
    uint64_t rq, offsets, curr;

    if (lb_kallsyms_address(c->ks, "runqueues", &rq) < 0 ||
        lb_kallsyms_address(c->ks, "__per_cpu_offset", &offsets) < 0 ||
        lb_redact_need_member(c, "rq", "curr", &curr, &(struct lb_error){0}) < 0)
        return;
    for (size_t cpu = 0; cpu < (size_t)c->ncpus && cpu < max; cpu++)
        cur[cpu] = lb_redact_read_u64(c, rq + lb_redact_read_u64(c, offsets + 8 * cpu) + curr);
}

int lb_redact_dead_stacks(struct redact_ctx *c, unsigned cls, struct lb_error *err)
{
    enum { MAX_STACK = 1 << 16, CURRENTS = 512 };
    struct lb_triage *t = calloc(1, sizeof(*t));
    uint64_t stack, thread, sp, on_cpu, *tasks = NULL, cur[CURRENTS] = {0};
    size_t n = 0;

    if (!t) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    if (lb_redact_need_member(c, "task_struct", "stack", &stack, err) ||
        lb_redact_need_member(c, "task_struct", "thread", &thread, err) ||
        lb_redact_need_member(c, "thread_struct", "sp", &sp, err) ||
        lb_redact_need_member(c, "task_struct", "on_cpu", &on_cpu, err)) {
        free(t);
        return -1;
    }
    /* an int until Linux 7.x made it a u8 beside on_rq: read as wide as BTF says */
    uint64_t on_cpu_size =
        lb_btf_member_size(c->btf, lb_btf_struct(c->btf, "task_struct"), "on_cpu");
    if (on_cpu_size != 1 && on_cpu_size != 2 && on_cpu_size != 4) {
        lb_error_setk(err, LB_ERR_NO_DATA, "task_struct.on_cpu is %llu bytes: no flag it knows",
                      (unsigned long long)on_cpu_size);
        free(t);
        return -1;
    }
    if (lb_tasks_addresses(c->k, c->ks, c->btf, c->ncpus, &tasks, &n, t) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the task list cannot be walked: %s",
                      t->nnotes ? t->notes[0] : "?");
        free(t);
        return -1;
    }
    if ((size_t)c->ncpus > CURRENTS)
        lb_redact_missing(c,
                          "dead kernel stacks: only the first %d CPUs' running tasks known: "
                          "stacks left whole",
                          CURRENTS);
    lb_redact_missing(c, "kernel stacks from their saved sp up (live frames, kept for backtraces; "
                         "their unused words can hold an earlier syscall's copies, a bind() "
                         "address seen on 6.12): not erased");
    runqueue_currents(c, cur, CURRENTS);
    for (size_t i = 0; i < n; i++) {
        uint64_t base = lb_redact_read_u64(c, tasks[i] + stack),
                 top = lb_redact_read_u64(c, tasks[i] + thread + sp);
        uint32_t flag =
            lb_redact_read_u32(c, tasks[i] + on_cpu) & (uint32_t)((1ull << (8 * on_cpu_size)) - 1);
        int running = flag != 0 || (size_t)c->ncpus > CURRENTS;
        for (size_t cpu = 0; cpu < (size_t)c->ncpus && cpu < CURRENTS; cpu++)
            running |= cur[cpu] == tasks[i];
        if (running || !base || top <= base + 8 || top - base > MAX_STACK)
            continue;
        lb_redact_virt(c, cls, "dead kernel stack (sleeping tasks)", base + 8, top - base - 8);
    }
    free(tasks);
    free(t);
    return 0;
}

/* ---- keys ------------------------------------------------------------------- */

struct key_layout {
    uint64_t rb_left, rb_right, serial_node, type, payload, datalen, data;
    uint64_t user, logon;
    int has_logon;
    uint64_t other; /* keys of other types: their payloads are not erased */
};

static int key_layout(struct redact_ctx *c, struct key_layout *l, struct lb_error *err)
{
    if (lb_redact_need_member(c, "rb_node", "rb_left", &l->rb_left, err) < 0 ||
        lb_redact_need_member(c, "rb_node", "rb_right", &l->rb_right, err) < 0 ||
        lb_redact_need_member(c, "key", "serial_node", &l->serial_node, err) < 0 ||
        lb_redact_need_member(c, "key", "type", &l->type, err) < 0 ||
        lb_redact_need_member(c, "key", "payload", &l->payload, err) < 0 ||
        lb_redact_need_member(c, "user_key_payload", "datalen", &l->datalen, err) < 0 ||
        lb_redact_need_member(c, "user_key_payload", "data", &l->data, err) < 0 ||
        lb_redact_need_symbol(c, "key_type_user", &l->user, err) < 0)
        return -1;
    l->has_logon = lb_kallsyms_address(c->ks, "key_type_logon", &l->logon) == 0;
    return 0;
}

static void one_key(struct redact_ctx *c, struct key_layout *l, uint64_t key)
{
    uint64_t type = lb_redact_read_u64(c, key + l->type), payload;
    uint16_t datalen = 0;
    struct lb_error ignored;

    if (type != l->user && (!l->has_logon || type != l->logon)) {
        l->other++;
        return;
    }
    payload = lb_redact_read_u64(c, key + l->payload); /* payload.data[0] */
    if (!payload || lb_kernel_read(c->k, payload + l->datalen, &datalen, 2, &ignored) < 0)
        return;
    lb_redact_virt(c, LB_REDACT_KEYS, "user_key_payload.data", payload + l->data, datalen);
}

/* key_serial_tree, in order, with a stack of bounded depth and the shared step budget. */
static int keyring_payloads(struct redact_ctx *c, struct lb_error *err)
{
    struct key_layout l = {0};
    uint64_t root, stack[MAX_KEY_DEPTH], node;
    size_t depth = 0;

    if (key_layout(c, &l, err) < 0 || lb_redact_need_symbol(c, "key_serial_tree", &root, err) < 0)
        return -1;
    node = lb_redact_read_u64(c, root);
    while (node || depth) {
        while (node) {
            if (depth == MAX_KEY_DEPTH) {
                lb_error_set(err, "key_serial_tree is deeper than %d: not a sane rb-tree",
                             MAX_KEY_DEPTH);
                return -1;
            }
            if (!lb_redact_step(c))
                return out_of_steps(err, "key_serial_tree");
            stack[depth++] = node;
            node = lb_redact_read_u64(c, node + l.rb_left);
        }
        node = stack[--depth];
        one_key(c, &l, node - l.serial_node);
        node = lb_redact_read_u64(c, node + l.rb_right);
    }
    if (l.other)
        lb_redact_missing(c,
                          "keys: %llu keys of types other than user and logon (keyrings, "
                          "asymmetric, encrypted, trusted...): payloads not erased",
                          (unsigned long long)l.other);
    return 0;
}

/* A per-CPU variable's copy on each CPU the kernel set up. */
static void per_cpu(struct redact_ctx *c, const char *sym, uint64_t off, uint64_t len,
                    const char *type)
{
    uint64_t base, offsets, n, cpus;

    if (lb_kallsyms_address(c->ks, sym, &base) < 0 ||
        lb_kallsyms_address(c->ks, "__per_cpu_offset", &offsets) < 0)
        return;
    if (lb_kallsyms_address(c->ks, "nr_cpu_ids", &cpus) < 0 ||
        (n = lb_redact_read_u32(c, cpus)) == 0 || n > MAX_CPUS)
        n = (uint64_t)c->ncpus;
    for (uint64_t cpu = 0; cpu < n; cpu++)
        lb_redact_virt(c, LB_REDACT_KEYS, type,
                       base + lb_redact_read_u64(c, offsets + 8 * cpu) + off, len);
}

/*
 * The random pool (Linux 5.18's random.c on): input_pool is of an anonymous
 * struct, found by its members' names (hash, init_bits), its hash's size
 * whatever the BLAKE2s state's type is called (blake2s_state, blake2s_ctx);
 * base_crng's key leads its anonymous struct as crng's does; crngs and the
 * batches are per-CPU, of named types.
 */
static int random_pool(struct redact_ctx *c, struct lb_error *err)
{
    static const char *const batches[] = {"u8", "u16", "u32", "u64"};
    int pool_type = lb_btf_struct_with(c->btf, "hash", "init_bits"),
        crng = lb_btf_struct(c->btf, "crng");
    uint64_t pool, base, key, key_size = crng < 0 ? 0 : lb_btf_member_size(c->btf, crng, "key");
    uint64_t hash = pool_type < 0 ? BTF_MISSING : lb_btf_member_offset(c->btf, pool_type, "hash");
    uint64_t hash_size = pool_type < 0 ? 0 : lb_btf_member_size(c->btf, pool_type, "hash");

    if (lb_redact_need_symbol(c, "input_pool", &pool, err) < 0 ||
        lb_redact_need_symbol(c, "base_crng", &base, err) < 0 ||
        lb_redact_need_member(c, "crng", "key", &key, err) < 0)
        return -1;
    if (hash == BTF_MISSING || !hash_size || hash_size > 4096 || !key_size || key_size > 256) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "the kernel's BTF has no struct with input_pool's hash and init_bits, or "
                      "crng.key has no sane size");
        return -1;
    }
    lb_redact_virt(c, LB_REDACT_KEYS, "input_pool.hash", pool + hash, hash_size);
    lb_redact_virt(c, LB_REDACT_KEYS, "base_crng.key", base, key_size);
    per_cpu(c, "crngs", key, key_size, "crngs.key (per CPU)");
    for (size_t i = 0; i < 4; i++) {
        char sym[32], type[64];
        snprintf(sym, sizeof(sym), "batched_entropy_%s", batches[i]);
        snprintf(type, sizeof(type), "batch_%s", batches[i]);
        int id = lb_btf_struct(c->btf, type);
        uint64_t at = id < 0 ? MISSING : lb_btf_member_offset(c->btf, id, "entropy");
        uint64_t len = id < 0 ? 0 : lb_btf_member_size(c->btf, id, "entropy");
        if (at == MISSING || !len || len > 4096) {
            lb_redact_missing(c, "keys: %s (struct %s.entropy not in BTF)", sym, type);
            continue;
        }
        snprintf(type, sizeof(type), "%s.entropy (per CPU)", sym);
        per_cpu(c, sym, at, len, type);
    }
    return 0;
}

/* What the walks of keys knowingly leave, said in the report. */
static void other_keys(struct redact_ctx *c)
{
    lb_redact_missing(c, "keys: key schedules of the crypto API's other users (those of "
                         "the walks above are erased): not walked");
    lb_redact_missing(c, "keys: IPsec states deleted but still held (on the GC list, in a "
                         "namespace being torn down), and freed copies of keys the walk of free "
                         "slab objects does not reach: not erased");
}

int lb_redact_keys(struct redact_ctx *c, struct lb_error *err)
{
    if (keyring_payloads(c, err) < 0 || random_pool(c, err) < 0 || lb_redact_dm_crypt(c, err) < 0 ||
        lb_redact_ipsec(c, err) < 0 || lb_redact_ktls(c, err) < 0 ||
        lb_redact_fscrypt(c, err) < 0 || lb_redact_wireguard(c, err) < 0) {
        lb_error_prefix(err, "keys");
        return -1;
    }
    other_keys(c);
    return 0;
}

/* ---- user data ---------------------------------------------------------------- */

struct file_layout {
    unsigned
        cls; /* what a file gives: its data (user-data), its names (names), its socket (keys) */
    void (*on_sock)(struct redact_ctx *, void *, uint64_t); /* keys: given each struct sock */
    void *sock_arg;
    uint64_t task_files, files_fdt, fdt_max, fdt_fd, f_op, f_private;
    uint64_t pipe_fops, pipe_anon_fops, sock_fops; /* pipe(2)'s own since Linux 6.16 */
    /* names: a file's dentry and its parents' names, a UNIX socket's address and path */
    uint64_t f_path, path_dentry, d_name, d_parent, qstr_name, qstr_len;
    uint64_t sk_family, unix_addr, unix_path, ua_len, ua_name;
    /* ttys: the buffers of their ports, their line discipline's, their write buffer */
    uint64_t tty_fops[4], tfp_tty, tty_port, tty_link, tty_ldisc, tty_disc, tty_write_buf,
        tty_write_cnt, port_buf, bh_head, bh_free, tb_next, tb_size, tb_flags, tb_data, ldisc_ops,
        n_tty_ops, ntd_read, ntd_read_len, ntd_echo, ntd_echo_len;
    /* pipes */
    uint64_t pipe_head, pipe_tail, pipe_ring, pipe_bufs, pipe_tmp, buf_page, buf_size;
    /* sockets */
    uint64_t socket_sk, sk_rq, skb_next, skb_head, skb_end, shinfo_nr, shinfo_frags, frag_size;
    uint64_t frag_page, frag_mask, frag_len, frag_off;
    /* what a socket sends, and TCP's rb-trees (MISSING where the kernel has none) */
    uint64_t sk_wq, sk_eq, sk_proto, sk_type, sk_family2, tcp_rtx, tcp_ooo, skb_rb, rb_left,
        rb_right;
    /* struct page -> frame */
    uint64_t vmemmap, page_size;
};

/* pipe(2)'s pipes have file operations of their own since Linux 6.16; FIFOs keep theirs. */
static int anon_pipes(struct redact_ctx *c, struct file_layout *l)
{
    if (lb_kallsyms_address(c->ks, "pipeanon_fops", &l->pipe_anon_fops) < 0)
        l->pipe_anon_fops = l->pipe_fops;
    return 0;
}

static int file_layout(struct redact_ctx *c, struct file_layout *l, struct lb_error *err)
{
    return lb_redact_need_member(c, "task_struct", "files", &l->task_files, err) ||
           lb_redact_need_member(c, "files_struct", "fdt", &l->files_fdt, err) ||
           lb_redact_need_member(c, "fdtable", "max_fds", &l->fdt_max, err) ||
           lb_redact_need_member(c, "fdtable", "fd", &l->fdt_fd, err) ||
           lb_redact_need_member(c, "file", "f_op", &l->f_op, err) ||
           lb_redact_need_member(c, "file", "private_data", &l->f_private, err) ||
           lb_redact_need_symbol(c, "pipefifo_fops", &l->pipe_fops, err) ||
           lb_redact_need_symbol(c, "socket_file_ops", &l->sock_fops, err) || anon_pipes(c, l);
}

static int pipe_layout(struct redact_ctx *c, struct file_layout *l, struct lb_error *err)
{
    if (lb_redact_need_member(c, "pipe_inode_info", "head", &l->pipe_head, err) ||
        lb_redact_need_member(c, "pipe_inode_info", "tail", &l->pipe_tail, err) ||
        lb_redact_need_member(c, "pipe_inode_info", "ring_size", &l->pipe_ring, err) ||
        lb_redact_need_member(c, "pipe_inode_info", "bufs", &l->pipe_bufs, err) ||
        lb_redact_need_member(c, "pipe_buffer", "page", &l->buf_page, err))
        return -1;
    l->pipe_tmp =
        lb_btf_member_offset(c->btf, lb_btf_struct(c->btf, "pipe_inode_info"), "tmp_page");
    l->buf_size = lb_btf_struct_size(c->btf, "pipe_buffer");
    return l->buf_size ? 0 : (lb_error_set(err, "struct pipe_buffer has no size"), -1);
}

/* The kernel's skb_frag_t: bio_vec (bv_page) before 6.8, netmem (low bits flags) since. */
static int frag_layout(struct redact_ctx *c, struct file_layout *l, struct lb_error *err)
{
    static const char *const types[] = {"skb_frag", "bio_vec", "skb_frag_struct"};
    static const char *const pages[] = {"netmem", "bv_page", "page"};
    static const char *const lens[] = {"len", "bv_len", "size"};
    static const char *const offs[] = {"offset", "bv_offset", "page_offset"};

    for (size_t i = 0; i < 3; i++) {
        int id = lb_btf_struct(c->btf, types[i]);
        for (size_t j = 0; id >= 0 && j < 3; j++)
            if ((l->frag_page = lb_btf_member_offset(c->btf, id, pages[j])) != MISSING &&
                (l->frag_len = lb_btf_member_offset(c->btf, id, lens[j])) != MISSING &&
                (l->frag_off = lb_btf_member_offset(c->btf, id, offs[j])) != MISSING) {
                l->frag_size = lb_btf_struct_size(c->btf, types[i]);
                l->frag_mask = j == 0 ? ~(uint64_t)3 : ~(uint64_t)0;
                return 0;
            }
    }
    lb_error_setk(err, LB_ERR_NO_DATA, "the kernel's BTF has no skb_frag_t it knows");
    return -1;
}

/*
 * TCP keeps what it sent and what arrived out of order in rb-trees of sk_buffs: sock's
 * tcp_rtx_queue (a union with sk_send_head: read for TCP sockets alone) and tcp_sock's
 * out_of_order_queue.  Without them in BTF (or sk_protocol not a whole u16, before 5.6)
 * the trees are said, not walked.
 */
static void tcp_layout(struct redact_ctx *c, struct file_layout *l)
{
    int tcp = lb_btf_struct(c->btf, "tcp_sock"), sock = lb_btf_struct(c->btf, "sock"),
        skb = lb_btf_struct(c->btf, "sk_buff"), rb = lb_btf_struct(c->btf, "rb_node");

    l->tcp_rtx = lb_btf_member_offset(c->btf, sock, "tcp_rtx_queue");
    l->tcp_ooo = lb_btf_member_offset(c->btf, tcp, "out_of_order_queue");
    l->skb_rb = lb_btf_member_offset(c->btf, skb, "rbnode");
    l->rb_left = lb_btf_member_offset(c->btf, rb, "rb_left");
    l->rb_right = lb_btf_member_offset(c->btf, rb, "rb_right");
    l->sk_proto = lb_btf_member_size(c->btf, sock, "sk_protocol") == 2
                      ? lb_btf_member_offset(c->btf, sock, "sk_protocol")
                      : MISSING;
    l->sk_type = lb_btf_member_size(c->btf, sock, "sk_type") == 2
                     ? lb_btf_member_offset(c->btf, sock, "sk_type")
                     : MISSING;
    if (l->tcp_rtx == MISSING || l->tcp_ooo == MISSING || l->skb_rb == MISSING ||
        l->rb_left == MISSING || l->rb_right == MISSING || l->sk_proto == MISSING ||
        l->sk_type == MISSING) {
        lb_redact_missing(c, "user-data: TCP's retransmit and out-of-order queues (struct "
                             "sock, tcp_sock or sk_buff not as this walk knows them)");
        l->tcp_rtx = MISSING;
    }
}

static int socket_layout(struct redact_ctx *c, struct file_layout *l, struct lb_error *err)
{
    const char *vmemmap = lb_vmcoreinfo_get(lb_kernel_vmcoreinfo(c->k), "SIZE(page)");
    uint64_t vm;

    if (lb_redact_need_member(c, "socket", "sk", &l->socket_sk, err) ||
        lb_redact_need_member(c, "sock", "sk_receive_queue", &l->sk_rq, err) ||
        lb_redact_need_member(c, "sk_buff", "next", &l->skb_next, err) ||
        lb_redact_need_member(c, "sk_buff", "head", &l->skb_head, err) ||
        lb_redact_need_member(c, "sk_buff", "end", &l->skb_end, err) ||
        lb_redact_need_member(c, "skb_shared_info", "nr_frags", &l->shinfo_nr, err) ||
        lb_redact_need_member(c, "skb_shared_info", "frags", &l->shinfo_frags, err) ||
        lb_redact_need_member(c, "sock", "sk_write_queue", &l->sk_wq, err) ||
        lb_redact_need_member(c, "sock", "sk_error_queue", &l->sk_eq, err) ||
        lb_redact_need_member(c, "sock_common", "skc_family", &l->sk_family2, err) ||
        frag_layout(c, l, err) || lb_redact_need_symbol(c, "vmemmap_base", &vm, err))
        return -1;
    tcp_layout(c, l);
    l->vmemmap = lb_redact_read_u64(c, vm);
    l->page_size = vmemmap ? strtoull(vmemmap, NULL, 10) : 0;
    if (!l->vmemmap || l->page_size < 32 || l->page_size > 256) {
        lb_error_set(err, "struct pages cannot be found (vmemmap_base 0x%llx, SIZE(page) %llu)",
                     (unsigned long long)l->vmemmap, (unsigned long long)l->page_size);
        return -1;
    }
    return 0;
}

/* What the names of open files and UNIX sockets are read through. */
static int names_layout(struct redact_ctx *c, struct file_layout *l, struct lb_error *err)
{
    return lb_redact_need_member(c, "file", "f_path", &l->f_path, err) ||
           lb_redact_need_member(c, "path", "dentry", &l->path_dentry, err) ||
           lb_redact_need_member(c, "dentry", "d_name", &l->d_name, err) ||
           lb_redact_need_member(c, "dentry", "d_parent", &l->d_parent, err) ||
           lb_redact_need_member(c, "qstr", "name", &l->qstr_name, err) ||
           lb_redact_need_member(c, "qstr", "len", &l->qstr_len, err) ||
           lb_redact_need_member(c, "socket", "sk", &l->socket_sk, err) ||
           lb_redact_need_member(c, "sock_common", "skc_family", &l->sk_family, err) ||
           lb_redact_need_member(c, "unix_sock", "addr", &l->unix_addr, err) ||
           lb_redact_need_member(c, "unix_sock", "path", &l->unix_path, err) ||
           lb_redact_need_member(c, "unix_address", "len", &l->ua_len, err) ||
           lb_redact_need_member(c, "unix_address", "name", &l->ua_name, err);
}

/* A tty's buffers: tty_struct's, its port's tty_bufhead and tty_buffers, N_TTY's. */
static int tty_layout(struct redact_ctx *c, struct file_layout *l, struct lb_error *err)
{
    static const char *const fops[] = {"ptmx_fops", "console_fops", "hung_up_tty_fops"};
    int ntd = lb_btf_struct(c->btf, "n_tty_data");

    if (lb_redact_need_symbol(c, "tty_fops", &l->tty_fops[0], err) ||
        lb_redact_need_member(c, "tty_file_private", "tty", &l->tfp_tty, err) ||
        lb_redact_need_member(c, "tty_struct", "port", &l->tty_port, err) ||
        lb_redact_need_member(c, "tty_struct", "link", &l->tty_link, err) ||
        lb_redact_need_member(c, "tty_struct", "ldisc", &l->tty_ldisc, err) ||
        lb_redact_need_member(c, "tty_struct", "disc_data", &l->tty_disc, err) ||
        lb_redact_need_member(c, "tty_struct", "write_buf", &l->tty_write_buf, err) ||
        lb_redact_need_member(c, "tty_struct", "write_cnt", &l->tty_write_cnt, err) ||
        lb_redact_need_member(c, "tty_port", "buf", &l->port_buf, err) ||
        lb_redact_need_member(c, "tty_bufhead", "head", &l->bh_head, err) ||
        lb_redact_need_member(c, "tty_bufhead", "free", &l->bh_free, err) ||
        lb_redact_need_member(c, "tty_buffer", "next", &l->tb_next, err) ||
        lb_redact_need_member(c, "tty_buffer", "size", &l->tb_size, err) ||
        lb_redact_need_member(c, "tty_buffer", "data", &l->tb_data, err) ||
        lb_redact_need_member(c, "tty_ldisc", "ops", &l->ldisc_ops, err))
        return -1;
    for (size_t i = 0; i < 3; i++) /* (ttys are found by tty_fops' files, and pty pairs' links) */
        if (lb_kallsyms_address(c->ks, fops[i], &l->tty_fops[i + 1]) < 0)
            l->tty_fops[i + 1] = l->tty_fops[0];
    /* tty_buffer.flags (Linux 6.0 on): a buffer without it has its flags' half always */
    l->tb_flags = lb_btf_member_offset(c->btf, lb_btf_struct(c->btf, "tty_buffer"), "flags");
    l->ntd_read = ntd < 0 ? MISSING : lb_btf_member_offset(c->btf, ntd, "read_buf");
    l->ntd_echo = ntd < 0 ? MISSING : lb_btf_member_offset(c->btf, ntd, "echo_buf");
    l->ntd_read_len = ntd < 0 ? 0 : lb_btf_member_size(c->btf, ntd, "read_buf");
    l->ntd_echo_len = ntd < 0 ? 0 : lb_btf_member_size(c->btf, ntd, "echo_buf");
    if (lb_kallsyms_address(c->ks, "n_tty_ops", &l->n_tty_ops) < 0 || l->ntd_read == MISSING ||
        l->ntd_echo == MISSING || l->ntd_read_len > 65536 || l->ntd_echo_len > 65536) {
        l->n_tty_ops = 0;
        lb_redact_missing(c, "user-data: N_TTY's read and echo buffers (no n_tty_ops symbol or "
                             "struct n_tty_data in BTF): not erased");
    }
    return 0;
}

/* The frame of a struct page's address, or UINT64_MAX if it is not one. */
static uint64_t page_frame(const struct file_layout *l, uint64_t page)
{
    if (page < l->vmemmap || (page - l->vmemmap) % l->page_size)
        return UINT64_MAX;
    return (page - l->vmemmap) / l->page_size;
}

static void erase_page(struct redact_ctx *c, const struct file_layout *l, uint64_t page,
                       uint64_t pages, const char *type)
{
    uint64_t pfn = page_frame(l, page);

    if (pfn != UINT64_MAX && pfn < (UINT64_MAX >> LB_PAGE_SHIFT) - pages)
        lb_redact_phys(c, LB_REDACT_USER_DATA, type, pfn << LB_PAGE_SHIFT, pages * LB_PAGE_SIZE);
}

/* A set of addresses seen (pipes, sockets, file tables): each object is erased once. */
struct seen {
    uint64_t *slot;
    size_t cap, n;
};

/* 1 if addr was new (and is now in), 0 if seen, -1 out of memory. */
static int seen_add(struct seen *s, uint64_t addr)
{
    if (2 * (s->n + 1) > s->cap) {
        struct seen g = {calloc(s->cap ? 2 * s->cap : 1024, 8), s->cap ? 2 * s->cap : 1024, 0};
        if (!g.slot)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i])
                seen_add(&g, s->slot[i]);
        free(s->slot);
        *s = g;
    }
    for (size_t i = (size_t)(addr * 0x9e3779b97f4a7c15ull >> 20) % s->cap;; i = (i + 1) % s->cap) {
        if (s->slot[i] == addr)
            return 0;
        if (!s->slot[i]) {
            s->slot[i] = addr;
            s->n++;
            return 1;
        }
    }
}

static void pipe_pages(struct redact_ctx *c, const struct file_layout *l, uint64_t pipe)
{
    uint32_t head = lb_redact_read_u32(c, pipe + l->pipe_head),
             tail = lb_redact_read_u32(c, pipe + l->pipe_tail);
    uint32_t ring = lb_redact_read_u32(c, pipe + l->pipe_ring);
    uint64_t bufs = lb_redact_read_u64(c, pipe + l->pipe_bufs);

    if (l->pipe_tmp != MISSING)
        erase_page(c, l, lb_redact_read_u64(c, pipe + l->pipe_tmp), 1, "pipe spare page");
    if (!ring || ring > MAX_PIPE_RING || (ring & (ring - 1)) || head - tail > ring) {
        if (head != tail)
            lb_redact_missing(c,
                              "user-data: a pipe at 0x%llx with an absurd ring (%u slots, head "
                              "%u, tail %u)",
                              (unsigned long long)pipe, ring, head, tail);
        return;
    }
    for (uint32_t i = tail; i != head && lb_redact_step(c); i++)
        erase_page(c, l, lb_redact_read_u64(c, bufs + (i & (ring - 1)) * l->buf_size + l->buf_page),
                   1, "pipe_buffer page");
}

static void skb_data(struct redact_ctx *c, const struct file_layout *l, uint64_t skb,
                     const char *what)
{
    uint64_t head = lb_redact_read_u64(c, skb + l->skb_head),
             end = lb_redact_read_u32(c, skb + l->skb_end);
    uint8_t nr = 0;
    struct lb_error ignored;

    if (!head || end > MAX_SKB_LINEAR)
        return;
    lb_redact_virt(c, LB_REDACT_USER_DATA, what, head, end);
    lb_kernel_read(c->k, head + end + l->shinfo_nr, &nr, 1, &ignored);
    for (uint8_t i = 0; i < nr && i < MAX_FRAGS && lb_redact_step(c); i++) {
        uint64_t frag = head + end + l->shinfo_frags + i * l->frag_size;
        uint64_t page = lb_redact_read_u64(c, frag + l->frag_page) & l->frag_mask;
        uint32_t len = lb_redact_read_u32(c, frag + l->frag_len),
                 off = lb_redact_read_u32(c, frag + l->frag_off);
        uint64_t pages = ((uint64_t)off + len + LB_PAGE_SIZE - 1) / LB_PAGE_SIZE;
        erase_page(c, l, page, pages && pages <= MAX_PAGE_RUN ? pages : 1,
                   "sk_buff fragment pages");
    }
}

/* One of a socket's sk_buff lists, from the queue's head, walked with Brent's check. */
static void socket_queue(struct redact_ctx *c, const struct file_layout *l, uint64_t sock,
                         uint64_t queue, const char *what)
{
    uint64_t head = sock + queue, p = lb_redact_read_u64(c, head), mark = head;
    size_t power = 1, since = 0;

    while (p != head && p && p != mark && lb_redact_step(c)) {
        skb_data(c, l, p - l->skb_next, what);
        if (++since == power) {
            mark = p;
            power *= 2;
            since = 0;
        }
        p = lb_redact_read_u64(c, p + l->skb_next);
    }
    if (p != head)
        lb_redact_missing(c, "user-data: a queue of sock 0x%llx %s: stopped there",
                          (unsigned long long)sock, p ? "loops" : "breaks");
}

/* An rb-tree of sk_buffs at root, in order, with a stack of bounded depth and the budget. */
static void socket_tree(struct redact_ctx *c, const struct file_layout *l, uint64_t sock,
                        uint64_t root)
{
    uint64_t stack[MAX_KEY_DEPTH], node = lb_redact_read_u64(c, root);
    size_t depth = 0;

    while (node || depth) {
        for (; node; node = lb_redact_read_u64(c, node + l->rb_left)) {
            if (depth == MAX_KEY_DEPTH || !lb_redact_step(c)) {
                lb_redact_missing(c, "user-data: a TCP queue of sock 0x%llx: %s, stopped there",
                                  (unsigned long long)sock,
                                  depth == MAX_KEY_DEPTH ? "not a sane rb-tree" : "out of steps");
                return;
            }
            stack[depth++] = node;
        }
        node = stack[--depth];
        skb_data(c, l, node - l->skb_rb, "sk_buff head (send and TCP queues)");
        node = lb_redact_read_u64(c, node + l->rb_right);
    }
}

/* Every queue of a socket: received, to be sent, errors; TCP's sent and out-of-order trees. */
static void socket_queues(struct redact_ctx *c, const struct file_layout *l, uint64_t sock)
{
    uint16_t family = 0, protocol = 0, type = 0;
    struct lb_error ignored;

    socket_queue(c, l, sock, l->sk_rq, "sk_buff head (receive queues)");
    socket_queue(c, l, sock, l->sk_eq, "sk_buff head (receive queues)");
    socket_queue(c, l, sock, l->sk_wq, "sk_buff head (send and TCP queues)");
    if (l->tcp_rtx == MISSING ||
        lb_kernel_read(c->k, sock + l->sk_family2, &family, 2, &ignored) < 0 ||
        lb_kernel_read(c->k, sock + l->sk_proto, &protocol, 2, &ignored) < 0 ||
        lb_kernel_read(c->k, sock + l->sk_type, &type, 2, &ignored) < 0 ||
        (family != 2 && family != 10) || protocol != 6 || type != 1)
        return; /* AF_INET, AF_INET6; IPPROTO_TCP; SOCK_STREAM (a raw socket's is 6 too) */
    socket_tree(c, l, sock, sock + l->tcp_rtx);
    socket_tree(c, l, sock, sock + l->tcp_ooo);
}

/* ---- names of open files ------------------------------------------------------ */

/* A dentry's name and its parents', to the root (d_parent itself), each dentry once. */
static void dentry_names(struct redact_ctx *c, const struct file_layout *l, struct seen *seen,
                         uint64_t dentry)
{
    for (int depth = 0; dentry && depth < MAX_PATH_DEPTH && lb_redact_step(c); depth++) {
        int added = seen_add(seen, dentry);
        if (added != 1) {
            c->out_of_memory |= added < 0;
            return;
        }
        uint64_t name = lb_redact_read_u64(c, dentry + l->d_name + l->qstr_name);
        uint32_t len = lb_redact_read_u32(c, dentry + l->d_name + l->qstr_len);
        if (name && len && len <= MAX_NAME)
            lb_redact_virt(c, LB_REDACT_NAMES, "dentry.d_name (open files' paths)", name, len);
        uint64_t parent = lb_redact_read_u64(c, dentry + l->d_parent);
        if (parent == dentry)
            return;
        dentry = parent;
    }
}

/* A UNIX socket's address (sun_path, or the abstract name) and its file system path's names. */
static void unix_names(struct redact_ctx *c, const struct file_layout *l, struct seen *seen,
                       uint64_t sock)
{
    uint16_t family = 0;
    struct lb_error ignored;

    if (lb_kernel_read(c->k, sock + l->sk_family, &family, 2, &ignored) < 0 || family != 1)
        return; /* AF_UNIX */
    uint64_t addr = lb_redact_read_u64(c, sock + l->unix_addr);
    uint32_t len = addr ? lb_redact_read_u32(c, addr + l->ua_len) : 0;
    if (len && len <= MAX_SUN)
        lb_redact_virt(c, LB_REDACT_NAMES, "unix_address.name (UNIX sockets' names)",
                       addr + l->ua_name, len);
    dentry_names(c, l, seen, lb_redact_read_u64(c, sock + l->unix_path + l->path_dentry));
}

/* ---- ttys ------------------------------------------------------------------------- */

/* One chain of tty_buffers (a port's queue from its head, or its free list): their data. */
static void tty_buffers(struct redact_ctx *c, const struct file_layout *l, uint64_t b)
{
    uint64_t mark = 0;
    size_t power = 1, since = 0;

    for (size_t n = 0; b && b != mark && n < MAX_TTY_BUFFERS && lb_redact_step(c); n++) {
        uint32_t size = lb_redact_read_u32(c, b + l->tb_size);
        uint8_t flags = 1;
        struct lb_error ignored;
        if (l->tb_flags != MISSING)
            lb_kernel_read(c->k, b + l->tb_flags, &flags, 1, &ignored);
        /* the characters, then (flags) as many flag bytes */
        if (size && size <= MAX_TTY_BUFFER)
            lb_redact_virt(c, LB_REDACT_USER_DATA, "tty_buffer.data (ttys' queues)", b + l->tb_data,
                           flags ? 2ull * size : size);
        if (++since == power) {
            mark = b;
            power *= 2;
            since = 0;
        }
        b = lb_redact_read_u64(c, b + l->tb_next);
    }
}

static void one_tty(struct redact_ctx *c, const struct file_layout *l, uint64_t tty)
{
    uint64_t port = lb_redact_read_u64(c, tty + l->tty_port);
    uint64_t wb = lb_redact_read_u64(c, tty + l->tty_write_buf);
    uint32_t wcnt = lb_redact_read_u32(c, tty + l->tty_write_cnt);
    uint64_t ldisc = lb_redact_read_u64(c, tty + l->tty_ldisc);

    if (wb && wcnt && wcnt <= MAX_TTY_BUFFER)
        lb_redact_virt(c, LB_REDACT_USER_DATA, "tty_struct.write_buf", wb, wcnt);
    if (port) {
        tty_buffers(c, l, lb_redact_read_u64(c, port + l->port_buf + l->bh_head));
        tty_buffers(c, l, lb_redact_read_u64(c, port + l->port_buf + l->bh_free));
    }
    if (l->n_tty_ops && ldisc && lb_redact_read_u64(c, ldisc + l->ldisc_ops) == l->n_tty_ops) {
        uint64_t data = lb_redact_read_u64(c, tty + l->tty_disc);
        if (data) {
            lb_redact_virt(c, LB_REDACT_USER_DATA, "n_tty_data read and echo buffers",
                           data + l->ntd_read, l->ntd_read_len);
            lb_redact_virt(c, LB_REDACT_USER_DATA, "n_tty_data read and echo buffers",
                           data + l->ntd_echo, l->ntd_echo_len);
        }
    }
}

/* A tty and the other end of its pair (a pty's master or slave), each once. */
static void tty_pair(struct redact_ctx *c, const struct file_layout *l, struct seen *seen,
                     uint64_t tty)
{
    for (int i = 0; i < 2 && tty; i++) {
        int added = seen_add(seen, tty);
        c->out_of_memory |= added < 0;
        if (added == 1)
            one_tty(c, l, tty);
        tty = lb_redact_read_u64(c, tty + l->tty_link);
    }
}

/* ---- open files ------------------------------------------------------------------ */

static int is_tty(const struct file_layout *l, uint64_t op)
{
    for (size_t i = 0; i < 4; i++)
        if (op == l->tty_fops[i])
            return 1;
    return 0;
}

static void file_data(struct redact_ctx *c, const struct file_layout *l, struct seen *seen,
                      uint64_t file, uint64_t op)
{
    uint64_t priv = lb_redact_read_u64(c, file + l->f_private);
    int pipe = op == l->pipe_fops || op == l->pipe_anon_fops;

    if (priv && is_tty(l, op)) {
        tty_pair(c, l, seen, lb_redact_read_u64(c, priv + l->tfp_tty));
        return;
    }
    if (!pipe && op != l->sock_fops)
        return;
    if (!pipe && priv)
        priv = lb_redact_read_u64(c, priv + l->socket_sk);
    if (!priv || seen_add(seen, priv) != 1)
        return;
    if (pipe)
        pipe_pages(c, l, priv);
    else
        socket_queues(c, l, priv);
}

static void one_file(struct redact_ctx *c, const struct file_layout *l, struct seen *seen,
                     uint64_t file)
{
    uint64_t op = lb_redact_read_u64(c, file + l->f_op);

    if (l->cls == LB_REDACT_KEYS) {
        uint64_t sock = op == l->sock_fops ? lb_redact_read_u64(c, file + l->f_private) : 0;
        uint64_t sk = sock ? lb_redact_read_u64(c, sock + l->socket_sk) : 0;
        int added = sk ? seen_add(seen, sk) : 0;
        c->out_of_memory |= added < 0;
        if (added == 1)
            l->on_sock(c, l->sock_arg, sk);
        return;
    }
    if (l->cls != LB_REDACT_NAMES) {
        file_data(c, l, seen, file, op);
        return;
    }
    dentry_names(c, l, seen, lb_redact_read_u64(c, file + l->f_path + l->path_dentry));
    if (op == l->sock_fops) {
        uint64_t sock = lb_redact_read_u64(c, file + l->f_private);
        if (sock)
            unix_names(c, l, seen, lb_redact_read_u64(c, sock + l->socket_sk));
    }
}

static void file_table(struct redact_ctx *c, const struct file_layout *l, struct seen *seen,
                       uint64_t files)
{
    uint64_t fdt = lb_redact_read_u64(c, files + l->files_fdt), fd, ptrs[FD_CHUNK];
    uint32_t max = fdt ? lb_redact_read_u32(c, fdt + l->fdt_max) : 0;
    struct lb_error ignored;

    fd = fdt ? lb_redact_read_u64(c, fdt + l->fdt_fd) : 0;
    if (max > MAX_FDS) {
        lb_redact_missing(c, "user-data: a file table at 0x%llx claims %u files: not walked",
                          (unsigned long long)files, max);
        return;
    }
    for (uint32_t i = 0; fd && i < max; i += FD_CHUNK) {
        size_t n = max - i < FD_CHUNK ? max - i : FD_CHUNK;
        if (lb_kernel_read(c->k, fd + 8ull * i, ptrs, n * 8, &ignored) < 0)
            continue;
        for (size_t j = 0; j < n && lb_redact_step(c); j++)
            if (ptrs[j])
                one_file(c, l, seen, ptrs[j]);
    }
}

/* Every task's open files, each file table once, given to one_file for l's class. */
static int open_files(struct redact_ctx *c, const struct file_layout *l, struct lb_error *err)
{
    struct lb_triage *t = calloc(1, sizeof(*t));
    struct seen seen = {0}, tables = {0};
    uint64_t *tasks = NULL;
    size_t n = 0;
    int r = -1;

    if (!t) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    if (lb_tasks_addresses(c->k, c->ks, c->btf, c->ncpus, &tasks, &n, t) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA, "the task list cannot be walked: %s",
                      t->nnotes ? t->notes[0] : "?");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t files = lb_redact_read_u64(c, tasks[i] + l->task_files);
        int added = files ? seen_add(&tables, files) : 0;
        if (added < 0) {
            c->out_of_memory = 1;
            break;
        }
        if (added)
            file_table(c, l, &seen, files);
    }
    if (c->steps_left == 0) {
        out_of_steps(err, "open files");
        goto out;
    }
    r = 0;
out:
    free(seen.slot);
    free(tables.slot);
    free(tasks);
    free(t);
    return r;
}

int lb_redact_user_data(struct redact_ctx *c, struct lb_error *err)
{
    struct file_layout l = {.cls = LB_REDACT_USER_DATA};

    if (file_layout(c, &l, err) || pipe_layout(c, &l, err) || socket_layout(c, &l, err) ||
        tty_layout(c, &l, err) || open_files(c, &l, err) < 0) {
        lb_error_prefix(err, "user-data");
        return -1;
    }
    lb_redact_missing(
        c, "user-data: sockets and ttys no file holds (in the kernel's own use): not walked");
    return 0;
}

int lb_redact_open_file_names(struct redact_ctx *c, struct lb_error *err)
{
    struct file_layout l = {.cls = LB_REDACT_NAMES};

    if (file_layout(c, &l, err) || names_layout(c, &l, err))
        return -1;
    return open_files(c, &l, err);
}

int lb_redact_open_sockets(struct redact_ctx *c, void (*fn)(struct redact_ctx *, void *, uint64_t),
                           void *arg, struct lb_error *err)
{
    struct file_layout l = {.cls = LB_REDACT_KEYS, .on_sock = fn, .sock_arg = arg};

    if (file_layout(c, &l, err) || lb_redact_need_member(c, "socket", "sk", &l.socket_sk, err))
        return -1;
    return open_files(c, &l, err);
}
