/*
 * pattern.c - runs in the test guest: fills pages with a known pattern and
 * reports the physical frame each landed in, so the host can find exactly
 * these bytes at exactly these frames in the dump.
 *
 * Word j of page i is splitmix64(seed ^ (i << 32) ^ j); tests/e2e/judge.py
 * computes the same.  The pages are locked and the program then sleeps, so
 * they are still in place when the kernel is crashed.
 *
 * "pattern mix MIB" and "pattern text FILE MIB" make the memory of a busy
 * server for the benchmarks instead (tests/bench): anonymous memory that is
 * 3/8 random, 3/8 log-like text, 1/4 zero or nearly zero, and text files.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A line of a web server's log, from the generator's state. */
static int log_line(char *out, size_t len, uint64_t *state)
{
    static const char *const paths[] = {
        "/",      "/index.html",    "/api/v1/items", "/static/app.js",
        "/login", "/api/v1/orders", "/health"};
    uint64_t r = splitmix64((*state)++);

    return snprintf(out, len,
                    "2026-11-%02u %02u:%02u:%02u.%06u 10.%u.%u.%u GET %s?id=%u HTTP/1.1 %u %u "
                    "%u.%03ums\n",
                    (unsigned)(r % 28 + 1), (unsigned)(r >> 8) % 24, (unsigned)(r >> 13) % 60,
                    (unsigned)(r >> 19) % 60, (unsigned)(r >> 25) % 1000000,
                    (unsigned)(r >> 45) % 256, (unsigned)(r >> 53) % 256, (unsigned)(r >> 3) % 256,
                    paths[(r >> 40) % 7], (unsigned)(r >> 20) % 100000, (r >> 61) ? 200u : 404u,
                    (unsigned)(r >> 30) % 50000, (unsigned)(r >> 35) % 90,
                    (unsigned)(r >> 50) % 1000);
}

static void fill_text(char *page, long psz, uint64_t *state)
{
    char line[256];
    long at = 0;

    while (at < psz) {
        int n = log_line(line, sizeof(line), state);
        memcpy(page + at, line, (size_t)(n < psz - at ? n : psz - at));
        at += n;
    }
}

/* Anonymous memory of a busy server, kept until the crash. */
static int mix(long mib)
{
    long psz = sysconf(_SC_PAGESIZE), pages = mib * (1 << 20) / psz;
    uint8_t *mem = mmap(NULL, (size_t)(pages * psz), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    uint64_t state = 42;

    if (mem == MAP_FAILED || mlock(mem, (size_t)(pages * psz)) < 0) {
        perror("pattern mix");
        return 1;
    }
    for (long i = 0; i < pages; i++) {
        uint8_t *page = mem + i * psz;
        uint64_t *words = (uint64_t *)page;
        switch (i % 8) {
        case 0:
        case 1:
        case 2: /* compressed or encrypted data */
            for (long j = 0; j < psz / 8; j++)
                words[j] = splitmix64(((uint64_t)i << 20) ^ (uint64_t)j);
            break;
        case 3:
        case 4:
        case 5:
            fill_text((char *)page, psz, &state);
            break;
        case 6: /* a buffer cleared and used a little */
            words[i % (psz / 8)] = splitmix64((uint64_t)i);
            break;
        default: /* touched, still zero */
            ((volatile uint8_t *)page)[0] = 0;
        }
    }
    printf("PATTERN-READY\n");
    fflush(stdout);
    for (;;)
        pause();
}

static int text_file(const char *path, long mib)
{
    long psz = 4096;
    char page[4096];
    uint64_t state = 7;
    FILE *f = fopen(path, "w");

    for (long i = 0; f && i < mib * (1 << 20) / psz; i++) {
        fill_text(page, psz, &state);
        fwrite(page, 1, sizeof(page), f);
    }
    if (!f || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "mix") == 0)
        return mix(strtol(argv[2], NULL, 0));
    if (argc > 3 && strcmp(argv[1], "text") == 0)
        return text_file(argv[2], strtol(argv[3], NULL, 0));
    long pages = argc > 1 ? strtol(argv[1], NULL, 0) : 64;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
    long psz = sysconf(_SC_PAGESIZE);
    uint64_t *mem = mmap(NULL, (size_t)(pages * psz), PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    int pagemap = open("/proc/self/pagemap", O_RDONLY);

    if (mem == MAP_FAILED || pagemap < 0 || mlock(mem, (size_t)(pages * psz)) < 0) {
        perror("pattern");
        return 1;
    }
    for (long i = 0; i < pages; i++) {
        uint64_t *page = mem + i * (psz / 8);
        for (long j = 0; j < psz / 8; j++)
            page[j] = splitmix64(seed ^ ((uint64_t)i << 32) ^ (uint64_t)j);
    }
    for (long i = 0; i < pages; i++) {
        uint64_t entry, vpn = ((uintptr_t)mem + (uintptr_t)(i * psz)) / (uintptr_t)psz;
        if (pread(pagemap, &entry, 8, (off_t)(vpn * 8)) != 8 || !(entry >> 63)) {
            fprintf(stderr, "pattern: page %ld not present\n", i);
            return 1;
        }
        printf("PATTERN seed=0x%llx index=%ld pfn=0x%llx\n", (unsigned long long)seed, i,
               (unsigned long long)(entry & ((1ULL << 55) - 1)));
    }
    /* Anonymous pages written with zeros: real frames whose content is zero. */
    uint8_t *zeros =
        mmap(NULL, (size_t)(256 * psz), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (zeros != MAP_FAILED)
        for (long i = 0; i < 256 * psz; i += psz)
            ((volatile uint8_t *)zeros)[i] = 0;
    printf("PATTERN-READY\n");
    fflush(stdout);
    for (;;)
        pause();
}
