/*
 * segment_index.c - finds a source's segments by physical address in
 * logarithmic time.
 *
 * A header may list a million PT_LOADs (1 MB of file): any per-frame or
 * per-window scan of them all is quadratic, days of work for a small file.
 * At open the segments are indexed once: an order by start address with the
 * running maximum of their ends (segments may overlap: /proc/vmcore maps
 * the kernel image twice), and the frames they hold merged into sorted,
 * disjoint runs.  Lookups are then binary searches.
 *
 * Invariants:
 *   1. runs are sorted, disjoint and not adjacent; each frame some segment's
 *      file data touches is in exactly one run.
 *   2. reach[i] is the largest end among order[0..i]: non-decreasing.
 *   3. At most MAX_OVERLAPS segments overlap an earlier one, so a lookup
 *      looks at no more than that many segments that miss its range.
 */
#include <stdlib.h>

#include "source/source.h"

enum { MAX_OVERLAPS = 64 };

void lb_segment_frames(const struct lb_segment *s, uint64_t *first, uint64_t *count)
{
    uint64_t end = s->phys_addr + s->file_size;

    *first = s->phys_addr >> LB_PAGE_SHIFT;
    *count = s->file_size ? ((end + LB_PAGE_SIZE - 1) >> LB_PAGE_SHIFT) - *first : 0;
}

/* Segment indices by start address; ties in file order, so the sort is stable. */
static int by_start(const void *a, const void *b, void *segments)
{
    const struct lb_segment *segs = segments;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;

    if (segs[i].phys_addr != segs[j].phys_addr)
        return segs[i].phys_addr < segs[j].phys_addr ? -1 : 1;
    return (i > j) - (i < j);
}

static int by_first_frame(const void *a, const void *b)
{
    const struct lb_frame_run *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

static int build_runs(struct lb_source *src, struct lb_error *err)
{
    size_t n = 0;

    src->runs = malloc((src->nsegments ? src->nsegments : 1) * sizeof(*src->runs));
    if (!src->runs) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory for %zu segments", src->path,
                      src->nsegments);
        return -1;
    }
    for (size_t i = 0; i < src->nsegments; i++) {
        lb_segment_frames(&src->segments[i], &src->runs[n].first, &src->runs[n].count);
        n += src->runs[n].count != 0;
    }
    qsort(src->runs, n, sizeof(*src->runs), by_first_frame);
    src->nruns = 0;
    for (size_t i = 0; i < n; i++) { /* merge overlapping and adjacent runs (invariant 1) */
        struct lb_frame_run *last = src->nruns ? &src->runs[src->nruns - 1] : NULL;
        uint64_t end = src->runs[i].first + src->runs[i].count;
        if (last && src->runs[i].first <= last->first + last->count) {
            if (end > last->first + last->count)
                last->count = end - last->first;
        } else {
            src->runs[src->nruns++] = src->runs[i];
        }
    }
    for (size_t i = 1; i < src->nruns; i++)
        LB_INVARIANT(1, src->runs[i].first > src->runs[i - 1].first + src->runs[i - 1].count);
    return 0;
}

int lb_segment_index_build(struct lb_source *src, struct lb_error *err)
{
    size_t overlaps = 0;

    src->order = malloc((src->nsegments ? src->nsegments : 1) * sizeof(*src->order));
    src->reach = malloc((src->nsegments ? src->nsegments : 1) * sizeof(*src->reach));
    if (!src->order || !src->reach) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory for %zu segments", src->path,
                      src->nsegments);
        return -1;
    }
    for (size_t i = 0; i < src->nsegments; i++)
        src->order[i] = i;
    qsort_r(src->order, src->nsegments, sizeof(*src->order), by_start, src->segments);
    for (size_t i = 0; i < src->nsegments; i++) {
        const struct lb_segment *s = &src->segments[src->order[i]];
        uint64_t end = s->phys_addr + s->mem_size;
        if (i > 0 && s->phys_addr < src->reach[i - 1] && s->mem_size)
            overlaps++;
        src->reach[i] = i > 0 && src->reach[i - 1] > end ? src->reach[i - 1] : end;
    }
    if (overlaps > MAX_OVERLAPS) {
        lb_error_set(err,
                     "%s: %zu PT_LOAD segments overlap others in physical memory (a dump has "
                     "one or two): the program headers are damaged",
                     src->path, overlaps);
        return -1;
    }
    return build_runs(src, err);
}

void lb_segment_index_free(struct lb_source *src)
{
    free(src->order);
    free(src->reach);
    free(src->runs);
}

/*
 * The positions in src->order of the segments that may overlap [start, end):
 * from the first whose reach passes start to the first that starts at or
 * after end.  The caller checks each.
 */
void lb_segment_candidates(const struct lb_source *src, uint64_t start, uint64_t end, size_t *from,
                           size_t *to)
{
    size_t lo = 0, hi = src->nsegments;

    while (lo < hi) { /* the first with reach > start (invariant 2) */
        size_t mid = lo + (hi - lo) / 2;
        if (src->reach[mid] > start)
            hi = mid;
        else
            lo = mid + 1;
    }
    *from = lo;
    hi = src->nsegments;
    while (lo < hi) { /* the first starting at or after end */
        size_t mid = lo + (hi - lo) / 2;
        if (src->segments[src->order[mid]].phys_addr < end)
            lo = mid + 1;
        else
            hi = mid;
    }
    *to = lo;
}

const struct lb_frame_run *lb_source_frame_runs(const struct lb_source *src, size_t *n)
{
    *n = src->nruns;
    return src->runs;
}

size_t lb_frame_run_at(const struct lb_source *src, uint64_t pfn)
{
    size_t lo = 0, hi = src->nruns;

    while (lo < hi) { /* the first run ending after pfn */
        size_t mid = lo + (hi - lo) / 2;
        if (src->runs[mid].first + src->runs[mid].count > pfn)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
