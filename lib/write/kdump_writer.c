/*
 * kdump_writer.c - writes the kdump-compressed format (see kdump_format.h).
 *
 * Two passes over the frame space, a window at a time.  The first classifies
 * frames from struct pages (no page is read) to lay out the file: the 1st
 * bitmap, and the size of the page-descriptor table (one slot per frame that
 * may be saved).  The second reads the frames, points every zero one at a
 * single stored zero page and every repeat at its first copy (dedup.c),
 * compresses the rest on the worker threads, and appends them in frame
 * order, each batch's descriptors after its data.
 *
 * The header goes out first marked incomplete (on a device, once the first
 * pass is durable), and is rewritten complete at the very end: a dump cut
 * short (target full, power lost, the process killed) is still a valid
 * file.  Its 2nd bitmap, written whole in the first pass, says which frames
 * it was to hold; the descriptors of those whose data never came are empty,
 * which a dump marked incomplete reads as "not saved" (kdump_windows.c).  A
 * flattened stream writes every byte once (crash keeps the first copy of a
 * region, as makedumpfile -R keeps the last): its header comes last, once
 * its status is known, and its 2nd bitmap only with each window's real bits.
 */
#include <stdlib.h>

#include "write/kdump_writer.h"

/*
 * Replayed records (under an encryption) end where the last one does, and
 * the gaps before read as zeros, which the first pass then need not write: a
 * byte at the bitmaps' end, at once, so that a dump cut in the first pass
 * still has its bitmaps to read.
 */
static int mark_bitmaps_end(struct kdump *k, struct lb_error *err)
{
    static const uint8_t zero;

    if (!lb_out_gaps_read_zero(k->p) || lb_out_has_holes(k->p))
        return 0;
    return lb_out_write(k->p, &zero, 1, k->l.pd_at - 1, err);
}

int lb_write_kdump(struct lb_pipe *p, struct lb_error *err)
{
    struct kdump *k = calloc(1, sizeof(*k));
    int once = lb_out_write_once(p); /* a stream, an encryption: the header goes last */
    int device = lb_out_holds_stale(p);
    int r = -1, whole = 0, header_written = !once, nothing = device; /* (on a device) */

    if (!k) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    k->p = p;
    lb_kdump_layout(k);
    if (lb_kdump_bitmaps_fit(k, err) < 0)
        goto out;
    lb_kdump_find_priorities(k);
    /*
     * A file's header goes first, marked incomplete, and is rewritten at the end; a
     * stream's goes once, at the end, when its status is known.  A device's goes once the
     * first pass's bitmaps and empty descriptors are durable: until then its first bytes
     * say what they said before (a dump savecore consumed, rawdev.c), so a power cut in
     * the first pass never leaves a header over the last dump's bits and descriptors,
     * which would read that dump's pages as this crash's.  A first pass that fails there
     * writes no header at all: nothing was saved.
     */
    if (lb_kdump_setup(k, err) < 0 || (!once && !device && lb_kdump_write_header(k, 0, err) < 0) ||
        mark_bitmaps_end(k, err) < 0 || lb_kdump_first_pass(k, err) < 0 ||
        (device && lb_kdump_write_header_durably(k, 0, err) < 0))
        goto out;
    nothing = 0;
    p->progress.bytes_total = p->stats->pages_total * LB_PAGE_SIZE;
    k->l.data_at = lb_kdump_round_up(k->l.pd_at + (k->slots + 1) * sizeof(struct kdump_page_desc),
                                     LB_PAGE_SIZE);
    k->data_pos = k->dbuf_at = k->l.data_at;
    /* The headers, bitmaps and descriptors have their room taken now, so a target that fills
     * with data still takes them: written once, they go out last; in a file, the end rewrites
     * them; over records (an encrypted dump), the rewrites go at the stream's end. */
    if (lb_out_reserve(p, 0, k->l.data_at, err) < 0)
        goto out;
    if (lb_kdump_store_zero_page(k, err) < 0)
        goto out;
    if (lb_kdump_second_pass(k, err) < 0 || lb_kdump_flush(k, err) < 0)
        goto out;
    /* A source cut short gives a dump cut short: said in its header as in the source's. */
    whole = !p->stats->pages_unreadable && !lb_source_incomplete(p->src);
    header_written = 1; /* a file's went first; a stream's goes now, once */
    /* (a device's "complete" never durable before the data it says is there) */
    r = !whole && !once ? 0
        : device        ? lb_kdump_write_header_durably(k, whole, err)
                        : lb_kdump_write_header(k, whole, err);
out:
    if (r < 0 && !header_written) { /* a stream says once what it holds, cut short */
        struct lb_error ignored;
        lb_kdump_write_header(k, 0, &ignored);
    }
    p->stats->output_size = nothing ? 0 : k->data_pos > k->l.data_at ? k->data_pos : k->l.data_at;
    p->stats->incomplete = r < 0 || !whole;
    lb_kdump_teardown(k);
    free(k);
    return r;
}
