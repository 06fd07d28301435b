/*
 * cmd_verify.c - is this dump whole?  (report/verify.c does the reading.)
 *
 *     lifeboat verify DUMP
 *
 * Beside a capture's metadata.json, the file is also compared with the
 * checksum recorded when it was written (a flipped bit in compressed data
 * may still decode to a page).
 *
 * Exit status: 0 whole; 1 corrupt (headers that do not add up, frames that
 * do not read back, or a checksum that does not match); 3 incomplete (cut short, and says so:
 * readable up to the cut); 2 a usage error.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "report/verify.h"

int cmd_verify(int argc, char **argv)
{
    struct lb_source *src;
    struct verify_result r;
    struct lb_error err;
    enum verify_outcome outcome;

    if (argc != 2 || argv[1][0] == '-') {
        int help = argc == 2 && strcmp(argv[1], "--help") == 0;
        fprintf(help ? stdout : stderr, "usage: lifeboat verify DUMP\n"
                                        "exit status: 0 whole, 1 corrupt, 3 incomplete\n");
        return help ? 0 : 2;
    }
    if (lb_source_open(argv[1], &src, &err) < 0) {
        printf("%s: corrupt: %s\n", argv[1], err.msg);
        return VERIFY_CORRUPT;
    }
    outcome = verify_dump(src, stdout, &r);
    if (verify_checksum(argv[1], stdout) == VERIFY_CORRUPT)
        outcome = VERIFY_CORRUPT;
    printf("%s: %s: %llu frames read back, %llu unreadable (%s dump)%s\n", argv[1],
           outcome == VERIFY_OK           ? "ok"
           : outcome == VERIFY_INCOMPLETE ? "incomplete"
                                          : "corrupt",
           (unsigned long long)(r.frames - r.failed), (unsigned long long)r.failed,
           lb_source_format(src), r.incomplete ? "; it says it was cut short" : "");
    lb_source_close(src);
    return outcome;
}
