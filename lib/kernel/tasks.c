/*
 * tasks.c - the crashed kernel's tasks, found through its own BTF.
 *
 * Distribution kernels carry BTF, a compact description of their types, in
 * their memory (between __start_BTF and __stop_BTF).  libbpf parses it; from
 * it come the offsets of task_struct's fields for exactly this build, so no
 * table of offsets per kernel version is needed.  The walk goes through
 * init_task's list of processes, each process's threads, and each CPU's
 * runqueue for the idle and current tasks.  Lists come from a crashed
 * machine: every walk is bounded, a list that loops or breaks is cut where
 * it stops making sense and said so in a note, and every ring is walked both
 * ways, so one broken link hides nothing its other end still reaches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/btf_util.h"
#include "kernel/kernel.h"
#include "kernel/triage.h"

enum {
    MAX_TASKS = 1 << 20,
    MAX_STEPS = 6 * MAX_TASKS, /* links followed in one whole walk: all lists, both ways */
    MAX_CPUS = 64,
};

#define MISSING BTF_MISSING

struct layout {
    uint64_t tasks, pid, tgid, comm, real_parent, state, exit_state, cpu, signal, thread_node;
    uint64_t thread_head; /* in signal_struct */
    uint64_t rq_curr, rq_idle;
    uint64_t stack, saved_sp; /* task_struct.stack; thread.sp (x86_64), thread.cpu_context.sp */
    int state_size;
};

static uint64_t member(const struct btf *btf, int type_id, const char *name)
{
    return lb_btf_member_offset(btf, type_id, name);
}

static int member_size(const struct btf *btf, int type_id, const char *name)
{
    uint64_t size = lb_btf_member_size(btf, type_id, name);
    return size ? (int)size : 4;
}

static struct btf *load_btf(struct lb_kernel *k, const struct lb_kallsyms *ks, struct lb_triage *t)
{
    struct lb_error err;
    struct btf *btf = lb_btf_from_kernel(k, ks, &err);

    if (!btf)
        lb_triage_note(t, "%s: tasks cannot be listed", err.msg);
    return btf;
}

/* Where a task that is not running saved its kernel stack pointer: x86_64's thread.sp, arm64's
 * thread.cpu_context.sp. */
static void saved_sp_layout(const struct btf *btf, int task, struct layout *l)
{
    int thread = btf__find_by_name_kind(btf, "thread_struct", BTF_KIND_STRUCT);
    int context = btf__find_by_name_kind(btf, "cpu_context", BTF_KIND_STRUCT);
    uint64_t th = member(btf, task, "thread"), sp = MISSING, cc;

    l->stack = member(btf, task, "stack");
    if (thread >= 0 && th != MISSING) {
        sp = member(btf, thread, "sp");
        if (sp == MISSING && context >= 0 && (cc = member(btf, thread, "cpu_context")) != MISSING)
            sp = member(btf, context, "sp") == MISSING ? MISSING : cc + member(btf, context, "sp");
    }
    l->saved_sp = sp == MISSING ? MISSING : th + sp;
}

static int read_layout(struct btf *btf, struct layout *l, struct lb_triage *t)
{
    int task = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
    int signal = btf__find_by_name_kind(btf, "signal_struct", BTF_KIND_STRUCT);
    int rq = btf__find_by_name_kind(btf, "rq", BTF_KIND_STRUCT);
    uint64_t ti;

    if (task < 0) {
        lb_triage_note(t, "BTF has no struct task_struct");
        return -1;
    }
    l->tasks = member(btf, task, "tasks");
    l->pid = member(btf, task, "pid");
    l->tgid = member(btf, task, "tgid");
    l->comm = member(btf, task, "comm");
    l->real_parent = member(btf, task, "real_parent");
    l->state = member(btf, task, "__state");
    l->state_size = 4;
    if (l->state == MISSING) { /* before 5.14 */
        l->state = member(btf, task, "state");
        l->state_size = member_size(btf, task, "state");
    }
    l->exit_state = member(btf, task, "exit_state");
    l->cpu = member(btf, task, "cpu");
    if (l->cpu == MISSING && (ti = member(btf, task, "thread_info")) != MISSING) {
        int tinfo = btf__find_by_name_kind(btf, "thread_info", BTF_KIND_STRUCT);
        uint64_t c = tinfo < 0 ? MISSING : member(btf, tinfo, "cpu");
        l->cpu = c == MISSING ? MISSING : ti + c;
    }
    l->signal = member(btf, task, "signal");
    l->thread_node = member(btf, task, "thread_node");
    l->thread_head = signal < 0 ? MISSING : member(btf, signal, "thread_head");
    saved_sp_layout(btf, task, l);
    l->rq_curr = rq < 0 ? MISSING : member(btf, rq, "curr");
    l->rq_idle = rq < 0 ? MISSING : member(btf, rq, "idle");
    if (l->tasks == MISSING || l->pid == MISSING || l->comm == MISSING) {
        lb_triage_note(t, "BTF's task_struct lacks tasks, pid or comm");
        return -1;
    }
    return 0;
}

static uint64_t read_ptr(struct lb_kernel *k, uint64_t addr)
{
    uint64_t v = 0;
    struct lb_error err;

    return lb_kernel_read(k, addr, &v, 8, &err) == 0 ? v : 0;
}

struct found {
    uint64_t *addr;
    size_t n;
    int truncated;
    size_t steps_left; /* of MAX_STEPS: a walk of many damaged lists ends too */
    uint64_t leader;   /* a thread walk's process, on its own list and found already */
};

static void found_add(struct found *f, uint64_t task)
{
    if (task == f->leader)
        return; /* once is enough: a second copy would count against MAX_TASKS */
    if (f->n == MAX_TASKS) {
        f->truncated = 1;
        return;
    }
    f->addr[f->n++] = task;
}

/*
 * Follows a list_head ring from head, adding each entry (node - link_off).
 * A ring that loops without coming back to head is caught by Brent's cycle
 * detection within twice its length; the shared step budget ends even a walk
 * of a million damaged lists.
 */
static void walk_list(struct lb_kernel *k, uint64_t head, uint64_t link_off, struct found *f,
                      struct lb_triage *t, const char *what)
{
    uint64_t p = read_ptr(k, head), mark = head;
    size_t power = 1, since_mark = 0;

    while (p != head) {
        if (!p || p == mark) {
            lb_triage_note(t, "%s list %s at 0x%llx: stopped there", what, p ? "loops" : "breaks",
                           (unsigned long long)p);
            return;
        }
        if (f->steps_left == 0) {
            lb_triage_note(t, "%s list: the walk of all lists passed %d steps: stopped there", what,
                           MAX_STEPS);
            return;
        }
        f->steps_left--;
        found_add(f, p - link_off);
        if (++since_mark == power) { /* Brent: move the mark ahead, double the stride */
            mark = p;
            power *= 2;
            since_mark = 0;
        }
        p = read_ptr(k, p);
    }
}

static int by_addr(const void *a, const void *b);

/*
 * Walks the ring from head the other way (list_head.prev), adding what the
 * forward walk did not find.  A crash that freed a task mid-unlink breaks a
 * link; a live dump, read while tasks come and go, can see a freed task's
 * memory already reused by a new one whose next leads straight back to head,
 * skipping everything between.  Either way the newest tasks, the ones a user
 * asks about, sit at the tail: the prev links still reach them.
 */
static void walk_back(struct lb_kernel *k, uint64_t head, uint64_t link_off, struct found *f,
                      size_t first, struct lb_triage *t, const char *what)
{
    size_t forward = f->n - first, before = f->n, power = 1, since_mark = 0;
    uint64_t *seen = malloc((forward ? forward : 1) * sizeof(*seen)), mark = head, p;

    if (!seen) {
        lb_triage_note(t, "%s list: no memory to walk it the other way", what);
        return;
    }
    for (size_t i = 0; i < forward; i++)
        seen[i] = f->addr[first + i] + link_off;
    qsort(seen, forward, sizeof(*seen), by_addr);
    for (p = read_ptr(k, head + 8); p && p != head && p != mark && f->steps_left > 0;
         p = read_ptr(k, p + 8)) {
        f->steps_left--;
        if (!bsearch(&p, seen, forward, sizeof(*seen), by_addr))
            found_add(f, p - link_off);
        if (++since_mark == power) { /* Brent, as in walk_list */
            mark = p;
            power *= 2;
            since_mark = 0;
        }
    }
    free(seen);
    if (f->n > before)
        lb_triage_note(t, "%s list: %zu more found from its other end", what, f->n - before);
}

/* Both ways round a list_head ring: see walk_back for why. */
static void walk_ring(struct lb_kernel *k, uint64_t head, uint64_t link_off, struct found *f,
                      struct lb_triage *t, const char *what)
{
    size_t first = f->n;

    walk_list(k, head, link_off, f, t, what);
    walk_back(k, head, link_off, f, first, t, what);
}

static int by_pid(const void *a, const void *b)
{
    const struct lb_task *x = a, *y = b;
    return x->pid != y->pid ? (x->pid < y->pid ? -1 : 1) : (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

static int by_addr(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static const char *state_name(uint64_t state, int64_t exit_state)
{
    if (exit_state & 16)
        return "ZO";
    if (exit_state & 32)
        return "DE";
    /* The low bits say the state; higher ones (TASK_FREEZABLE...) only qualify it. */
    if (state == 0)
        return "RU";
    if ((state & 0x402) == 0x402)
        return "ID";
    if (state & 1)
        return "IN";
    if (state & 2)
        return "UN";
    if (state & 4)
        return "ST";
    if (state & 8)
        return "TR";
    if (state & 0x40)
        return "PA"; /* parked */
    if (state & 0x200)
        return "WA"; /* waking */
    if (state & 0x800)
        return "NE"; /* new */
    return "??";
}

static void read_task(struct lb_kernel *k, const struct layout *l, uint64_t addr,
                      struct lb_task *task)
{
    struct lb_error err;
    uint64_t state = 0, parent;
    int32_t exit_state = 0;

    memset(task, 0, sizeof(*task));
    lb_kernel_read(k, addr + l->pid, &task->pid, 4, &err);
    lb_kernel_read(k, addr + l->comm, task->comm, 16, &err);
    task->comm[16] = '\0';
    if (l->tgid != MISSING)
        lb_kernel_read(k, addr + l->tgid, &task->tgid, 4, &err);
    if (l->cpu != MISSING)
        lb_kernel_read(k, addr + l->cpu, &task->cpu, 4, &err);
    if (l->state != MISSING)
        lb_kernel_read(k, addr + l->state, &state, (size_t)(l->state_size == 8 ? 8 : 4), &err);
    if (l->exit_state != MISSING)
        lb_kernel_read(k, addr + l->exit_state, &exit_state, 4, &err);
    if (l->real_parent != MISSING && (parent = read_ptr(k, addr + l->real_parent)))
        lb_kernel_read(k, parent + (l->tgid != MISSING ? l->tgid : l->pid), &task->ppid, 4, &err);
    memcpy(task->state, state_name(state, exit_state), 3);
    if (l->stack != MISSING && l->saved_sp != MISSING) {
        task->stack = read_ptr(k, addr + l->stack);
        task->sp = read_ptr(k, addr + l->saved_sp);
    }
}

/* The runqueue of each CPU: its idle task (not on any list) and its current one. */
static void runqueue_tasks(struct lb_kernel *k, const struct lb_kallsyms *ks,
                           const struct layout *l, int ncpus, struct found *f, uint64_t *current)
{
    uint64_t rq, offsets;

    if (l->rq_curr == MISSING || lb_kallsyms_address(ks, "runqueues", &rq) < 0 ||
        lb_kallsyms_address(ks, "__per_cpu_offset", &offsets) < 0)
        return;
    for (int cpu = 0; cpu < ncpus && cpu < MAX_CPUS; cpu++) {
        uint64_t base = rq + read_ptr(k, offsets + 8 * (uint64_t)cpu), idle;
        current[cpu] = read_ptr(k, base + l->rq_curr);
        if (cpu > 0 && l->rq_idle != MISSING && (idle = read_ptr(k, base + l->rq_idle)))
            found_add(f, idle);
    }
}

/*
 * Every task's address: init_task's list of processes, each process's
 * threads, each CPU's idle task; current[cpu] the task running there.
 * Sorted, duplicates kept.  Returns -1 (noted) if the walk cannot start.
 */
static int find_tasks(struct lb_kernel *k, const struct lb_kallsyms *ks, const struct layout *l,
                      int ncpus, struct found *f, uint64_t *current, struct lb_triage *t)
{
    uint64_t init;
    size_t leaders;

    f->steps_left = MAX_STEPS;
    if (lb_kallsyms_address(ks, "init_task", &init) < 0 ||
        !(f->addr = malloc(MAX_TASKS * sizeof(*f->addr)))) {
        lb_triage_note(t, "no init_task, or no memory for the task list");
        return -1;
    }
    found_add(f, init);
    walk_ring(k, init + l->tasks, l->tasks, f, t, "task");
    leaders = f->n;
    for (size_t i = 1; i < leaders && l->signal != MISSING && l->thread_node != MISSING &&
                       l->thread_head != MISSING;
         i++) {
        uint64_t sig = read_ptr(k, f->addr[i] + l->signal);
        f->leader = f->addr[i];
        if (sig)
            walk_ring(k, sig + l->thread_head, l->thread_node, f, t, "thread");
        f->leader = 0;
    }
    runqueue_tasks(k, ks, l, ncpus, f, current);
    if (f->truncated)
        lb_triage_note(t, "more than %d tasks: the list is cut there", MAX_TASKS);
    qsort(f->addr, f->n, sizeof(*f->addr), by_addr);
    return 0;
}

int lb_tasks_addresses(struct lb_kernel *k, const struct lb_kallsyms *ks, struct btf *btf,
                       int ncpus, uint64_t **addr, size_t *n, struct lb_triage *t)
{
    struct found f = {0};
    uint64_t current[MAX_CPUS] = {0};
    struct layout l;
    size_t kept = 0;

    if (read_layout(btf, &l, t) < 0 || find_tasks(k, ks, &l, ncpus, &f, current, t) < 0)
        return -1;
    for (size_t i = 0; i < f.n; i++)
        if (i == 0 || f.addr[i] != f.addr[i - 1])
            f.addr[kept++] = f.addr[i];
    *addr = f.addr;
    *n = kept;
    return 0;
}

void lb_triage_tasks(struct lb_kernel *k, const struct lb_kallsyms *ks, struct lb_triage *t)
{
    struct btf *btf = load_btf(k, ks, t);
    struct found f = {0};
    uint64_t current[MAX_CPUS] = {0};
    struct layout l;

    if (!btf)
        return;
    if (read_layout(btf, &l, t) < 0 || find_tasks(k, ks, &l, t->ncpus, &f, current, t) < 0) {
        btf__free(btf);
        return;
    }
    t->tasks = calloc(f.n, sizeof(*t->tasks));
    for (size_t i = 0; t->tasks && i < f.n; i++) {
        if (i > 0 && f.addr[i] == f.addr[i - 1])
            continue;
        struct lb_task *task = &t->tasks[t->ntasks++];
        read_task(k, &l, f.addr[i], task);
        for (int cpu = 0; cpu < t->ncpus && cpu < MAX_CPUS; cpu++)
            if (current[cpu] == f.addr[i])
                task->active = 1;
        /* The panicking CPU's saved registers name its task by pid. */
        if (t->has_regs && task->pid == t->panic_pid && (task->pid != 0 || task->active))
            memcpy(t->panic_comm, task->comm, sizeof(t->panic_comm));
    }
    if (t->tasks)
        qsort(t->tasks, t->ntasks, sizeof(*t->tasks), by_pid);
    free(f.addr);
    btf__free(btf);
}
