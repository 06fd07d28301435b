/*
 * pattern.c - runs in the test guest: fills pages with a known pattern and
 * reports the physical frame each landed in, so the host can find exactly
 * these bytes at exactly these frames in the dump.
 *
 * Word j of page i is splitmix64(seed ^ (i << 32) ^ j); tests/e2e/judge.py
 * computes the same.  The pages are locked and the program then sleeps, so
 * they are still in place when the kernel is crashed.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

int main(int argc, char **argv)
{
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
