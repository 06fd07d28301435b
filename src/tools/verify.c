/*
 * verify.c - is a dump whole?
 *
 * Opening a dump already checks its headers (lb_source_open refuses what
 * does not add up, naming it).  What is left is everything behind them:
 * every frame the dump says it holds is read back, through the same readers
 * crash and drgn would lean on, and a frame whose descriptor points outside
 * the file or whose data does not decode to a page is counted and named.
 * A dump that says of itself it was cut short is reported as incomplete,
 * not corrupt: that is the state a full target leaves, and it stays
 * readable up to the cut.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/json.h"
#include "render/redaction_report.h"
#include "tools/verify.h"

enum { BATCH = 256, NAMED = 8 };

enum verify_outcome verify_dump(struct lb_source *src, FILE *out, struct verify_result *r)
{
    size_t nruns, notes_len;
    const struct lb_frame_run *runs = lb_source_frame_runs(src, &nruns);
    const uint8_t *notes = lb_source_notes(src, &notes_len);
    uint8_t *buf = malloc((size_t)BATCH * LB_PAGE_SIZE), status[BATCH];
    struct lb_vmcoreinfo *info = NULL;
    struct lb_error err;

    memset(r, 0, sizeof(*r));
    if (!buf) {
        fprintf(out, "out of memory\n");
        return VERIFY_CORRUPT;
    }
    r->has_vmcoreinfo = lb_vmcoreinfo_from_notes(notes, notes_len, &info, &err) == 0;
    if (!r->has_vmcoreinfo)
        fprintf(out, "warning: %s (crash and drgn need it)\n", err.msg);
    lb_vmcoreinfo_free(info);
    struct lb_filter_fallback fb;
    if (lb_source_filter_fallback(src, &fb)) /* whole as written, but not as filtered as asked */
        fprintf(out, "note: this dump holds -d %u, not the -d %u asked: %s\n", fb.applied, fb.asked,
                fb.reason);
    struct lb_redaction_report red; /* a new dump, made from another: says so */
    if (lb_source_redaction(src, &red))
        redaction_text(out, "note: ", &red);
    for (size_t i = 0; i < nruns; i++) {
        for (uint64_t done = 0; done < runs[i].count;) {
            size_t n = runs[i].count - done < BATCH ? (size_t)(runs[i].count - done) : BATCH;
            uint64_t pfn = runs[i].first + done;
            lb_source_read_pages(src, pfn, n, buf, status);
            for (size_t j = 0; j < n; j++) {
                if (status[j] == LB_PAGE_EXCLUDED)
                    continue; /* filtered out when the dump was made */
                r->frames++;
                if (status[j] == LB_PAGE_OK)
                    continue;
                if (r->failed++ < NAMED)
                    fprintf(out,
                            "frame 0x%llx: in the dump but unreadable (its descriptor or "
                            "data is damaged)\n",
                            (unsigned long long)(pfn + j));
                if (r->failed == 1)
                    r->first_failed = pfn + j;
            }
            done += n;
        }
    }
    free(buf);
    if (r->failed > NAMED)
        fprintf(out, "... and %llu more unreadable frames\n",
                (unsigned long long)(r->failed - NAMED));
    r->incomplete = lb_source_incomplete(src);
    if (r->failed)
        return VERIFY_CORRUPT;
    return r->incomplete ? VERIFY_INCOMPLETE : VERIFY_OK;
}

/*
 * The checksum the capture recorded in metadata.json beside path, if the
 * dump is that directory's: VERIFY_OK when it matches, VERIFY_CORRUPT when
 * not, -1 when there is none to compare with.
 */
int verify_checksum(const char *path, FILE *out)
{
    static char text[64 << 10];
    char meta[4200], recorded[40] = "", file[256] = "";
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    int dir_len = slash ? (int)(slash - path) : 1;
    struct lb_error err;
    uint64_t sum;
    struct stat st;
    ssize_t n;
    int fd;

    snprintf(meta, sizeof(meta), "%.*s/metadata.json", dir_len, slash ? path : ".");
    fd = open(meta, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
    if (fd >= 0)
        close(fd);
    text[n > 0 ? n : 0] = '\0';
    if (json_find_string(text, "dump_xxh64", recorded, sizeof(recorded)) < 0 ||
        json_find_string(text, "dump_file", file, sizeof(file)) < 0 || strcmp(file, base) != 0)
        return -1;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0 ||
        lb_checksum_fd(fd, (uint64_t)st.st_size, &sum, NULL, NULL, &err) < 0) {
        fprintf(out, "cannot checksum %s\n", path);
        if (fd >= 0)
            close(fd);
        return VERIFY_CORRUPT;
    }
    close(fd);
    char now[17];
    snprintf(now, sizeof(now), "%016llx", (unsigned long long)sum);
    if (strcmp(now, recorded) != 0) {
        fprintf(out,
                "checksum: %s is %s, metadata.json recorded %s at capture: the file has "
                "changed since it was written\n",
                path, now, recorded);
        return VERIFY_CORRUPT;
    }
    fprintf(out, "checksum: matches the one recorded at capture (xxh64 %s)\n", recorded);
    return VERIFY_OK;
}
