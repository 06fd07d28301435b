/*
 * printk.c - reads the kernel log out of the lockless printk ringbuffer
 * (Linux 5.10 and later), as the crashed kernel left it.
 *
 * The ring is three arrays: descriptors (state, id and where the text is),
 * infos (sequence number, timestamp, text length, caller, device), and a
 * byte ring of text blocks each prefixed by its descriptor's id.  Every
 * layout fact comes from VMCOREINFO.  The walk goes from the oldest id to the
 * newest, reading one record at a time, so memory stays small however large
 * log_buf_len was.  The ring is crashed-machine data: the id range is capped
 * at the ring's size, sizes are capped, and a record that does not add up is
 * skipped and counted rather than believed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "lbdump.h"

enum {
    MAX_STRUCT = 4096,     /* no printk structure is near this */
    MAX_COUNT_BITS = 24,   /* 16 M descriptors */
    MAX_SIZE_BITS = 32,    /* a 4 GiB text ring */
    DESC_STATE_SHIFT = 62, /* state in the top two bits of state_var */
    DESC_COMMITTED = 1,
    DESC_FINALIZED = 2,
};

#define DESC_ID_MASK ((1ull << DESC_STATE_SHIFT) - 1)

struct layout {
    uint64_t rb_size, rb_desc_ring, rb_text_ring, counter;
    uint64_t dr_count_bits, dr_descs, dr_infos, dr_head, dr_tail;
    uint64_t desc_size, desc_state, desc_lpos, lpos_begin, lpos_next;
    uint64_t info_size, info_seq, info_ts, info_text_len, info_caller, info_dev;
    uint64_t dev_subsystem, dev_device, subsystem_len, device_len;
    uint64_t tr_size_bits, tr_data;
    int has_level; /* facility and level sit between text_len and caller_id */
};

struct ring {
    struct lb_kernel *k;
    struct layout l;
    uint64_t descs, infos, data;
    uint64_t count, data_size;
    uint64_t head, tail; /* newest and oldest descriptor ids */
    uint8_t desc[MAX_STRUCT], info[MAX_STRUCT];
    uint8_t *text; /* 64 KiB: text_len is 16 bits */
    char subsystem[64], device[64];
};

static int field(const struct lb_vmcoreinfo *vi, const char *key, uint64_t *out,
                 struct lb_error *err)
{
    if (lb_vmcoreinfo_get_u64(vi, key, 10, out) == 0 && *out < MAX_STRUCT)
        return 0;
    lb_error_setk(err, LB_ERR_NO_DATA,
                  "VMCOREINFO lacks %s, or it is not a size below %d: cannot read the "
                  "printk ringbuffer",
                  key, MAX_STRUCT);
    return -1;
}

static int read_layout(const struct lb_vmcoreinfo *vi, struct layout *l, struct lb_error *err)
{
    const struct {
        const char *key;
        uint64_t *out;
    } fields[] = {
        {"SIZE(printk_ringbuffer)", &l->rb_size},
        {"OFFSET(printk_ringbuffer.desc_ring)", &l->rb_desc_ring},
        {"OFFSET(printk_ringbuffer.text_data_ring)", &l->rb_text_ring},
        {"OFFSET(atomic_long_t.counter)", &l->counter},
        {"OFFSET(prb_desc_ring.count_bits)", &l->dr_count_bits},
        {"OFFSET(prb_desc_ring.descs)", &l->dr_descs},
        {"OFFSET(prb_desc_ring.infos)", &l->dr_infos},
        {"OFFSET(prb_desc_ring.head_id)", &l->dr_head},
        {"OFFSET(prb_desc_ring.tail_id)", &l->dr_tail},
        {"SIZE(prb_desc)", &l->desc_size},
        {"OFFSET(prb_desc.state_var)", &l->desc_state},
        {"OFFSET(prb_desc.text_blk_lpos)", &l->desc_lpos},
        {"OFFSET(prb_data_blk_lpos.begin)", &l->lpos_begin},
        {"OFFSET(prb_data_blk_lpos.next)", &l->lpos_next},
        {"SIZE(printk_info)", &l->info_size},
        {"OFFSET(printk_info.seq)", &l->info_seq},
        {"OFFSET(printk_info.ts_nsec)", &l->info_ts},
        {"OFFSET(printk_info.text_len)", &l->info_text_len},
        {"OFFSET(printk_info.caller_id)", &l->info_caller},
        {"OFFSET(printk_info.dev_info)", &l->info_dev},
        {"OFFSET(dev_printk_info.subsystem)", &l->dev_subsystem},
        {"OFFSET(dev_printk_info.device)", &l->dev_device},
        {"LENGTH(printk_info_subsystem)", &l->subsystem_len},
        {"LENGTH(printk_info_device)", &l->device_len},
        {"OFFSET(prb_data_ring.size_bits)", &l->tr_size_bits},
        {"OFFSET(prb_data_ring.data)", &l->tr_data},
    };

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (field(vi, fields[i].key, fields[i].out, err) < 0)
            return -1;
    if (l->desc_size == 0 || l->info_size == 0) {
        lb_error_set(err, "VMCOREINFO gives a zero size for prb_desc or printk_info");
        return -1;
    }
    l->has_level = l->info_caller == l->info_text_len + 4;
    return 0;
}

/* A field of n bytes at off inside a buffer of size bytes; 0 if it is not inside. */
static uint64_t get(const uint8_t *buf, uint64_t size, uint64_t off, size_t n)
{
    uint64_t v = 0;

    if (off > size || size - off < n)
        return 0;
    memcpy(&v, buf + off, n);
    return v;
}

static int open_ring(struct ring *r, struct lb_error *err)
{
    const struct layout *l = &r->l;
    uint8_t rb[MAX_STRUCT];
    uint64_t prb_sym, prb, count_bits, size_bits;

    if (lb_vmcoreinfo_get_u64(lb_kernel_vmcoreinfo(r->k), "SYMBOL(prb)", 16, &prb_sym) < 0) {
        lb_error_setk(err, LB_ERR_NO_DATA,
                      "VMCOREINFO lacks SYMBOL(prb): the kernel is older than 5.10 or the "
                      "note is damaged");
        return -1;
    }
    if (lb_kernel_read(r->k, prb_sym, &prb, 8, err) < 0 ||
        lb_kernel_read(r->k, prb, rb, l->rb_size, err) < 0)
        return -1;
    count_bits = get(rb, l->rb_size, l->rb_desc_ring + l->dr_count_bits, 4);
    size_bits = get(rb, l->rb_size, l->rb_text_ring + l->tr_size_bits, 4);
    if (count_bits > MAX_COUNT_BITS || size_bits > MAX_SIZE_BITS || size_bits < 3) {
        lb_error_set(err,
                     "printk ringbuffer at 0x%llx: count_bits %llu or size_bits %llu is "
                     "absurd",
                     (unsigned long long)prb, (unsigned long long)count_bits,
                     (unsigned long long)size_bits);
        return -1;
    }
    r->count = 1ull << count_bits;
    r->data_size = 1ull << size_bits;
    r->descs = get(rb, l->rb_size, l->rb_desc_ring + l->dr_descs, 8);
    r->infos = get(rb, l->rb_size, l->rb_desc_ring + l->dr_infos, 8);
    r->data = get(rb, l->rb_size, l->rb_text_ring + l->tr_data, 8);
    r->head = get(rb, l->rb_size, l->rb_desc_ring + l->dr_head + l->counter, 8) & DESC_ID_MASK;
    r->tail = get(rb, l->rb_size, l->rb_desc_ring + l->dr_tail + l->counter, 8) & DESC_ID_MASK;
    return 0;
}

static void copy_string(char *dst, size_t cap, const uint8_t *buf, uint64_t size, uint64_t off,
                        uint64_t len)
{
    size_t n = 0;

    if (off <= size && size - off >= len)
        for (; n < len && n + 1 < cap && buf[off + n]; n++)
            dst[n] = (char)buf[off + n];
    dst[n] = '\0';
}

/*
 * Where the text of a block is, as the kernel's get_data() decides: a block
 * lies wholly in one wrap of the ring, or, when it would not fit at the end,
 * at the ring's start.  The first 8 bytes hold the descriptor id.
 */
static int text_location(const struct ring *r, uint64_t begin, uint64_t next, uint64_t *at,
                         uint64_t *len)
{
    uint64_t size = r->data_size;

    if ((begin & 1) && (next & 1)) /* data-less block */
        return 0;
    if (begin / size == next / size && begin < next) {
        *at = begin % size;
        *len = next - begin;
    } else if ((begin + size) / size == next / size) {
        *at = 0;
        *len = next % size;
    } else {
        return -1;
    }
    if (*len < 8 || (begin & 7) || (next & 7))
        return -1;
    *at += 8;
    *len -= 8;
    return 1;
}

/*
 * Reads record id into rec: 1 if it is valid, 0 if it is not committed yet (a
 * writer was interrupted by the crash: normal), -1 if it cannot be read or
 * does not add up.
 */
static int read_record(struct ring *r, uint64_t id, struct lb_log_record *rec)
{
    const struct layout *l = &r->l;
    uint64_t idx = id & (r->count - 1), state, begin, next, at = 0, len = 0;
    struct lb_error err;
    int where;

    if (lb_kernel_read(r->k, r->descs + idx * l->desc_size, r->desc, l->desc_size, &err) < 0)
        return -1;
    state = get(r->desc, l->desc_size, l->desc_state + l->counter, 8);
    if ((state & DESC_ID_MASK) != id)
        return -1;
    state >>= DESC_STATE_SHIFT;
    if (state != DESC_COMMITTED && state != DESC_FINALIZED)
        return 0;
    if (lb_kernel_read(r->k, r->infos + idx * l->info_size, r->info, l->info_size, &err) < 0)
        return -1;
    memset(rec, 0, sizeof(*rec));
    rec->seq = get(r->info, l->info_size, l->info_seq, 8);
    rec->ts_nsec = get(r->info, l->info_size, l->info_ts, 8);
    rec->caller_id = (uint32_t)get(r->info, l->info_size, l->info_caller, 4);
    rec->facility = l->has_level ? (int)get(r->info, l->info_size, l->info_text_len + 2, 1) : -1;
    rec->level = l->has_level ? (int)get(r->info, l->info_size, l->info_text_len + 3, 1) >> 5 : -1;
    copy_string(r->subsystem, sizeof(r->subsystem), r->info, l->info_size,
                l->info_dev + l->dev_subsystem, l->subsystem_len);
    copy_string(r->device, sizeof(r->device), r->info, l->info_size, l->info_dev + l->dev_device,
                l->device_len);
    rec->subsystem = r->subsystem;
    rec->device = r->device;
    rec->text = r->text;
    begin = get(r->desc, l->desc_size, l->desc_lpos + l->lpos_begin, 8);
    next = get(r->desc, l->desc_size, l->desc_lpos + l->lpos_next, 8);
    where = text_location(r, begin, next, &at, &len);
    if (where < 0)
        return -1;
    if (where > 0) {
        uint64_t text_len = get(r->info, l->info_size, l->info_text_len, 2);
        rec->text_len = text_len < len ? text_len : len;
        if (rec->text_len && lb_kernel_read(r->k, r->data + at, r->text, rec->text_len, &err) < 0)
            return -1;
    }
    return 1;
}

int lb_log_walk(struct lb_kernel *k, lb_log_fn fn, void *ctx, struct lb_log_stats *stats,
                struct lb_error *err)
{
    struct ring *r = calloc(1, sizeof(*r));
    struct lb_log_record rec;
    uint64_t head, tail, id;
    int stop = 0;

    memset(stats, 0, sizeof(*stats));
    if (!r || !(r->text = malloc(1 << 16))) {
        free(r);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    r->k = k;
    if (read_layout(lb_kernel_vmcoreinfo(k), &r->l, err) < 0 || open_ring(r, err) < 0)
        goto fail;
    head = r->head;
    tail = r->tail;
    /* More ids than descriptors means tail is damaged: keep the newest ring-full. */
    if (((head - tail) & DESC_ID_MASK) >= r->count) {
        stats->skipped += ((head - tail) & DESC_ID_MASK) - (r->count - 1);
        tail = (head - (r->count - 1)) & DESC_ID_MASK;
    }
    for (id = tail;; id = (id + 1) & DESC_ID_MASK) {
        int got = read_record(r, id, &rec);
        if (got > 0) {
            stats->records++;
            stop = fn(ctx, &rec);
        }
        stats->skipped += got < 0;
        stats->unfinished += got == 0;
        if (stop || id == head)
            break;
    }
    free(r->text);
    free(r);
    return 0;
fail:
    free(r->text);
    free(r);
    return -1;
}

size_t lb_log_format(const struct lb_log_record *rec, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t n =
        (size_t)sprintf(out, "[%5llu.%06llu] ", (unsigned long long)(rec->ts_nsec / 1000000000),
                        (unsigned long long)(rec->ts_nsec % 1000000000 / 1000));

    for (size_t i = 0; i < rec->text_len; i++) {
        uint8_t c = rec->text[i];
        /* isprint() || isspace() in the C locale, as vmcore-dmesg tests it */
        if ((c >= 0x20 && c < 0x7f) || (c >= '\t' && c <= '\r')) {
            out[n++] = (char)c;
        } else {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n++] = '\n';
    return n;
}

size_t lb_log_ring_phys(struct lb_kernel *k, uint64_t *phys, uint64_t *size, size_t max)
{
    struct ring *r = calloc(1, sizeof(*r));
    struct lb_error err;
    uint64_t v[3], len[3];
    size_t n = 0;

    if (!r)
        return 0;
    r->k = k;
    if (read_layout(lb_kernel_vmcoreinfo(k), &r->l, &err) == 0 && open_ring(r, &err) == 0) {
        v[0] = r->descs;
        v[1] = r->infos;
        v[2] = r->data;
        len[0] = r->count * r->l.desc_size;
        len[1] = r->count * r->l.info_size;
        len[2] = r->data_size;
        for (size_t i = 0; i < 3 && n < max; i++) {
            uint64_t p;
            if (lb_kernel_vtop(k, v[i], &p, &err) == 0) {
                phys[n] = p;
                size[n++] = len[i];
            }
        }
    }
    free(r);
    return n;
}
