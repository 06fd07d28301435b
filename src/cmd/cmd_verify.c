/*
 * cmd_verify.c - is this dump whole?  (report/verify.c does the reading.)
 *
 *     lifeboat verify [--identity FILE] DUMP
 *
 * An encrypted dump (vmcore.age) is checked against its recorded checksum
 * without a key; with --identity its every chunk is authenticated and every
 * frame read back as well.
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
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "tools/dump_keys.h"
#include "tools/verify.h"

static int is_encrypted_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), r = fd >= 0 && lb_age_is_encrypted(fd);

    if (fd >= 0)
        close(fd);
    return r;
}

static int usage(int help)
{
    fprintf(help ? stdout : stderr, "usage: lifeboat verify [--identity FILE] DUMP\n"
                                    "exit status: 0 whole, 1 corrupt, 3 incomplete\n");
    return help ? 0 : 2;
}

/* Without its key an encrypted dump is checked as bytes: the checksum recorded at capture. */
static int verify_sealed(const char *path)
{
    enum verify_outcome outcome = verify_checksum(path, stdout);

    if (outcome == VERIFY_OK)
        printf("%s: ok: the encrypted file is as written (give --identity FILE to read every "
               "frame)\n",
               path);
    else if (outcome != VERIFY_CORRUPT)
        printf("%s: no checksum recorded beside it: give --identity FILE to check it\n", path);
    return outcome == VERIFY_OK ? VERIFY_OK : VERIFY_CORRUPT;
}

int cmd_verify(int argc, char **argv)
{
    const char *identity = NULL, *path;
    struct lb_source *src;
    struct verify_result r;
    struct lb_error err;
    enum verify_outcome outcome;

    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        return usage(1);
    if (argc == 4 && (strcmp(argv[1], "--identity") == 0 || strcmp(argv[1], "-i") == 0))
        identity = argv[2];
    else if (argc != 2)
        return usage(0);
    path = argv[argc - 1];
    if (path[0] == '-')
        return usage(0);
    if (!identity && is_encrypted_file(path))
        return verify_sealed(path);
    if (dump_open(path, identity, &src, &err) < 0) {
        printf("%s: corrupt: %s\n", path, err.msg);
        return VERIFY_CORRUPT;
    }
    uint64_t bad = 0;
    if (lb_source_authenticate(src, &bad, &err) && bad)
        printf("%s (%llu chunk%s)\n", err.msg, (unsigned long long)bad,
               bad == 1 ? " fails" : "s fail");
    outcome = verify_dump(src, stdout, &r);
    if (bad)
        outcome = VERIFY_CORRUPT;
    if (verify_checksum(path, stdout) == VERIFY_CORRUPT)
        outcome = VERIFY_CORRUPT;
    printf("%s: %s: %llu frames read back, %llu unreadable (%s dump)%s\n", path,
           outcome == VERIFY_OK           ? "ok"
           : outcome == VERIFY_INCOMPLETE ? "incomplete"
                                          : "corrupt",
           (unsigned long long)(r.frames - r.failed), (unsigned long long)r.failed,
           lb_source_format(src), r.incomplete ? "; it says it was cut short" : "");
    lb_source_close(src);
    return outcome;
}
