/*
 * secrets.c - runs in the test guest of tests/e2e/test_redact.sh: plants
 * known secrets where a crashed kernel keeps them, then sleeps so they are
 * still there at the crash: a user key's payload (add_key), its own name
 * (prctl PR_SET_NAME), the host's name (sethostname), bytes written to a
 * pipe and to a UNIX socket and never read.
 *
 * The markers are in this file XORed with 0x5a and decoded at run time into
 * user memory (left out of -d 31 dumps): the program's own file, in the page
 * cache, never holds them, so every copy of them the dump could hold is one
 * the kernel made.  test_redact.sh knows them in the clear.
 */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEY_SPEC_USER_KEYRING (-4)

/* Decodes s (XORed with 0x5a, NUL-terminated after decoding) into out. */
static const char *decode(const unsigned char *s, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(s[i] ^ 0x5a);
    out[n] = '\0';
    return out;
}

#define X(...) ((const unsigned char[]){__VA_ARGS__})

int main(void)
{
    /* "LBKEY-9f3a7c1e5d2b-payload", "LBPIPE-1c7e9a3f5b2d-data", "LBSOCK-5e2a9c7f1b3d-data",
     * "LBCOMM-7q3Zk9x", "lbhost-4d9e2a7c": each byte ^ 0x5a (the comments would put them in
     * the source only, never in the binary) */
    char key[40], pipe_data[40], sock_data[40], comm[16], host[20];
    int p[2], s[2];

    decode(X(0x16, 0x18, 0x11, 0x1f, 0x03, 0x77, 0x63, 0x3c, 0x69, 0x3b, 0x6d, 0x39, 0x6b, 0x3f,
             0x6f, 0x3e, 0x68, 0x38, 0x77, 0x2a, 0x3b, 0x23, 0x36, 0x35, 0x3b, 0x3e),
           26, key);
    decode(X(0x16, 0x18, 0x0a, 0x13, 0x0a, 0x1f, 0x77, 0x6b, 0x39, 0x6d, 0x3f, 0x63, 0x3b, 0x69,
             0x3c, 0x6f, 0x38, 0x68, 0x3e, 0x77, 0x3e, 0x3b, 0x2e, 0x3b),
           24, pipe_data);
    decode(X(0x16, 0x18, 0x09, 0x15, 0x19, 0x11, 0x77, 0x6f, 0x3f, 0x68, 0x3b, 0x63, 0x39, 0x6d,
             0x3c, 0x6b, 0x38, 0x69, 0x3e, 0x77, 0x3e, 0x3b, 0x2e, 0x3b),
           24, sock_data);
    decode(X(0x16, 0x18, 0x19, 0x15, 0x17, 0x17, 0x77, 0x6d, 0x2b, 0x69, 0x00, 0x31, 0x63, 0x22),
           14, comm);
    decode(
        X(0x36, 0x38, 0x32, 0x35, 0x29, 0x2e, 0x77, 0x6e, 0x3e, 0x63, 0x3f, 0x68, 0x3b, 0x6d, 0x39),
        15, host);
    if (syscall(SYS_add_key, "user", "lbsecret", key, strlen(key), KEY_SPEC_USER_KEYRING) < 0)
        perror("secrets: add_key");
    if (prctl(PR_SET_NAME, comm) < 0)
        perror("secrets: prctl");
    if (sethostname(host, strlen(host)) < 0)
        perror("secrets: sethostname");
    if (pipe(p) < 0 || write(p[1], pipe_data, strlen(pipe_data)) < 0)
        perror("secrets: pipe");
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0 || write(s[0], sock_data, strlen(sock_data)) < 0)
        perror("secrets: socketpair");
    /* the decoded copies are user memory; cleared anyway */
    memset(key, 0, sizeof(key));
    memset(pipe_data, 0, sizeof(pipe_data));
    memset(sock_data, 0, sizeof(sock_data));
    printf("SECRETS-READY\n");
    fflush(stdout);
    for (;;)
        pause();
}
