/*
 * secrets.c - runs in the test guest of tests/e2e/test_redact.sh: plants
 * known secrets where a crashed kernel keeps them, then sleeps so they are
 * still there at the crash: a user key's payload (add_key), its own name
 * (prctl PR_SET_NAME), the host's name (sethostname), bytes written to a
 * pipe and to a UNIX socket and never read, bytes written to a pty's master
 * and never read (its slave echoes them back), an abstract UNIX socket's
 * name; and, given "crypt" and a disk
 * whose serial is lbcrypt, a dm-crypt volume (aes-xts-plain64) on it opened
 * with a known key, by device-mapper's ioctls as cryptsetup makes them; and a
 * TCP connection over loopback whose client end has kTLS keys (AES-256-GCM,
 * one for sending and one for receiving: tls_context's crypto_send and
 * crypto_recv, and the AEAD transforms keyed with them), if the kernel has
 * tls loaded ("secrets: ktls:" says why not); and, given "fscrypt" too and a
 * disk whose serial is lbfscrypt (an ext4 made with -O encrypt), an fscrypt
 * v2 key added with a known 64-byte raw key (FS_IOC_ADD_ENCRYPTION_KEY), a
 * directory with a policy of that key and a file written in it, kept open.
 *
 * The markers are in this file XORed with 0x5a and decoded at run time into
 * user memory (left out of -d 31 dumps): the program's own file, in the page
 * cache, never holds them, so every copy of them the dump could hold is one
 * the kernel made.  test_redact.sh knows them in the clear.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/fscrypt.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY_SPEC_USER_KEYRING (-4)
#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* Decodes s (XORed with 0x5a, NUL-terminated after decoding) into out. */
static const char *decode(const unsigned char *s, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(s[i] ^ 0x5a);
    out[n] = '\0';
    return out;
}

#define X(...) ((const unsigned char[]){__VA_ARGS__})

/* The first line of a file, without its newline; 0 if there is none. */
static int first_line(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    int ok = f && fgets(out, (int)cap, f);
    if (f)
        fclose(f);
    if (ok)
        out[strcspn(out, "\n")] = '\0';
    return ok;
}

/* The disk whose serial starts with want: its "major:minor" and its size in sectors. */
static int crypt_disk(const char *want, char *dev, size_t cap, char *sectors, size_t scap)
{
    DIR *d = opendir("/sys/block");
    struct dirent *e;
    char path[300], serial[64];
    int found = 0;

    while (d && !found && (e = readdir(d))) {
        snprintf(path, sizeof(path), "/sys/block/%s/device/serial", e->d_name);
        if (!first_line(path, serial, sizeof(serial)) || strncmp(serial, want, strlen(want)) != 0)
            continue;
        snprintf(path, sizeof(path), "/sys/block/%s/dev", e->d_name);
        found = first_line(path, dev, cap);
        snprintf(path, sizeof(path), "/sys/block/%s/size", e->d_name);
        found = found && first_line(path, sectors, scap);
    }
    if (d)
        closedir(d);
    return found;
}

/* One device-mapper ioctl on "lbsecret-crypt", with a table of one target if params. */
static int dm(int control, unsigned long cmd, const char *sectors, const char *params)
{
    static union {
        struct dm_ioctl io;
        char bytes[16384];
    } buf;
    struct dm_target_spec *spec = (struct dm_target_spec *)(buf.bytes + sizeof(buf.io));

    memset(&buf, 0, sizeof(buf));
    buf.io.version[0] = DM_VERSION_MAJOR;
    buf.io.data_size = sizeof(buf);
    buf.io.data_start = sizeof(buf.io);
    buf.io.flags =
        DM_SECURE_DATA_FLAG; /* the kernel wipes its copy of the table, as for cryptsetup */
    snprintf(buf.io.name, sizeof(buf.io.name), "lbsecret-crypt");
    if (params) {
        buf.io.target_count = 1;
        spec->length = strtoull(sectors, NULL, 10);
        snprintf(spec->target_type, sizeof(spec->target_type), "crypt");
        snprintf((char *)(spec + 1), sizeof(buf) - sizeof(buf.io) - sizeof(*spec), "%s", params);
    }
    int r = ioctl(control, cmd, &buf);
    memset(&buf, 0, sizeof(buf));
    return r;
}

/* A dm-crypt volume keyed with key (64 bytes: aes-xts with two AES-256 keys). */
static void crypt_volume(const unsigned char *key)
{
    char dev[32], sectors[32], params[400];
    int n = 0, control = open("/dev/mapper/control", O_RDWR);

    if (control < 0 || !crypt_disk("lbcrypt", dev, sizeof(dev), sectors, sizeof(sectors))) {
        perror("secrets: no /dev/mapper/control or no disk lbcrypt");
        return;
    }
    n = snprintf(params, sizeof(params), "aes-xts-plain64 ");
    for (int i = 0; i < 64; i++)
        n += snprintf(params + n, sizeof(params) - (size_t)n, "%02x", key[i]);
    snprintf(params + n, sizeof(params) - (size_t)n, " 0 %s 0", dev);
    if (dm(control, DM_DEV_CREATE, NULL, NULL) < 0 ||
        dm(control, DM_TABLE_LOAD, sectors, params) < 0 ||
        dm(control, DM_DEV_SUSPEND, NULL, NULL) < 0) /* no DM_SUSPEND_FLAG: resume */
        perror("secrets: device-mapper");
    else
        printf("secrets: dm-crypt volume lbsecret-crypt on %s\n", dev);
    memset(params, 0, sizeof(params));
    close(control);
}

/*
 * fscrypt on the ext4 of the disk lbfscrypt, mounted at /lbfscrypt: a v2 key of the 64 raw
 * bytes raw added, /lbfscrypt/secret encrypted with it (AES-256-XTS, AES-256-CTS), a file
 * written in it and left open.
 */
static void fscrypt_volume(const unsigned char *raw)
{
    static union {
        struct fscrypt_add_key_arg arg;
        char bytes[sizeof(struct fscrypt_add_key_arg) + 64];
    } add;
    struct fscrypt_policy_v2 policy = {.version = FSCRYPT_POLICY_V2,
                                       .contents_encryption_mode = FSCRYPT_MODE_AES_256_XTS,
                                       .filenames_encryption_mode = FSCRYPT_MODE_AES_256_CTS,
                                       .flags = FSCRYPT_POLICY_FLAGS_PAD_32};
    char dev[32], sectors[32];
    unsigned maj, min;
    int root = -1, dir = -1, file = -1;

    if (!crypt_disk("lbfscrypt", dev, sizeof(dev), sectors, sizeof(sectors)) ||
        sscanf(dev, "%u:%u", &maj, &min) != 2 ||
        mknod("/dev/lbfscrypt", S_IFBLK | 0600, makedev(maj, min)) < 0 ||
        (mkdir("/lbfscrypt", 0700) < 0 && errno != EEXIST) ||
        mount("/dev/lbfscrypt", "/lbfscrypt", "ext4", 0, NULL) < 0 ||
        (root = open("/lbfscrypt", O_RDONLY | O_DIRECTORY)) < 0) {
        perror("secrets: fscrypt: no disk lbfscrypt, or it does not mount");
        return;
    }
    add.arg.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
    add.arg.raw_size = 64;
    memcpy(add.arg.raw, raw, 64);
    if (ioctl(root, FS_IOC_ADD_ENCRYPTION_KEY, &add.arg) < 0) {
        perror("secrets: fscrypt: FS_IOC_ADD_ENCRYPTION_KEY");
        return;
    }
    memcpy(policy.master_key_identifier, add.arg.key_spec.u.identifier,
           FSCRYPT_KEY_IDENTIFIER_SIZE);
    memset(&add, 0, sizeof(add));
    if (mkdirat(root, "secret", 0700) < 0 ||
        (dir = openat(root, "secret", O_RDONLY | O_DIRECTORY)) < 0 ||
        ioctl(dir, FS_IOC_SET_ENCRYPTION_POLICY, &policy) < 0 ||
        (file = openat(dir, "file", O_CREAT | O_RDWR, 0600)) < 0 ||
        write(file, "an encrypted file's data\n", 26) != 26 || fsync(file) < 0) {
        perror("secrets: fscrypt: the encrypted directory");
        return;
    }
    printf("secrets: fscrypt key added, directory encrypted, file written\n");
}

/* kTLS on the client end of a TCP connection over loopback: tx_key to send, rx_key to receive. */
static void ktls(const char *tx_key, const char *rx_key)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
    struct tls12_crypto_info_aes_gcm_256 ci;

    if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) < 0 ||
        connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 || accept(l, NULL, NULL) < 0) {
        perror("secrets: ktls: no TCP connection over loopback");
        return;
    }
    if (setsockopt(c, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) < 0) {
        perror("secrets: ktls: no tls ULP (module tls)");
        return;
    }
    for (int rx = 0; rx < 2; rx++) {
        memset(&ci, 0, sizeof(ci));
        ci.info.version = TLS_1_2_VERSION;
        ci.info.cipher_type = TLS_CIPHER_AES_GCM_256;
        memcpy(ci.key, rx ? rx_key : tx_key, sizeof(ci.key));
        memcpy(ci.salt, "\x01\x02\x03\x04", sizeof(ci.salt));
        if (setsockopt(c, SOL_TLS, rx ? TLS_RX : TLS_TX, &ci, sizeof(ci)) < 0) {
            perror(rx ? "secrets: ktls: TLS_RX" : "secrets: ktls: TLS_TX");
            return;
        }
    }
    memset(&ci, 0, sizeof(ci));
    printf("secrets: ktls socket keyed both ways\n");
}

/* A pty pair (devpts mounted if the guest has not), data written to its master, never read. */
static void pty_data(const char *data)
{
    char slave[40];
    int master, n = 0, unlock = 0;

    mkdir("/dev/pts", 0755);
    mount("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666"); /* (EBUSY: mounted already) */
    master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY);
    if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) {
        perror("secrets: pty");
        return;
    }
    snprintf(slave, sizeof(slave), "/dev/pts/%d", n);
    if (open(slave, O_RDWR | O_NOCTTY) < 0 || write(master, data, strlen(data)) < 0)
        perror("secrets: pty slave");
}

/*
 * A datagram UNIX socket bound to an abstract name, left open.  A child binds
 * it and exits: bind()'s copy of the address on the kernel stack is then on an
 * exited task's stack (redaction erases those), not in a live frame's unused
 * words of this process's, which stays under pause()'s frames (a limit of
 * redaction, not what this plants for: the kernel's own unix_address).
 */
static void unix_name(const char *name)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0), status = 1;
    pid_t child = -1;

    memcpy(a.sun_path + 1, name, strlen(name)); /* sun_path[0] 0: abstract */
    if (fd >= 0 && (child = fork()) == 0)
        _exit(bind(fd, (struct sockaddr *)&a, (socklen_t)(sizeof(sa_family_t) + 1 + strlen(name))) <
              0);
    if (fd < 0 || child < 0 || waitpid(child, &status, 0) < 0 || status != 0)
        perror("secrets: unix socket");
    memset(&a, 0, sizeof(a));
}

/*
 * A TCP connection over loopback whose receiver never reads and keeps a small
 * window: data is sent until the send buffer is full, so it waits in the
 * receiver's queue and in the sender's unsent (write) queue.
 */
static void tcp_unsent(const char *data)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
    char chunk[1024];
    size_t n = strlen(data), sent = 0;

    for (size_t i = 0; i < sizeof(chunk); i++)
        chunk[i] = data[i % n];
    if (l < 0 || c < 0 || setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0 ||
        bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) < 0 ||
        connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 || accept(l, NULL, NULL) < 0 ||
        fcntl(c, F_SETFL, O_NONBLOCK) < 0) {
        perror("secrets: tcp: no TCP connection over loopback");
        return;
    }
    for (ssize_t w; sent < (64u << 20) && (w = write(c, chunk, sizeof(chunk))) > 0;)
        sent += (size_t)w;
    memset(chunk, 0, sizeof(chunk));
    printf("secrets: tcp data left unsent: %zu bytes written\n", sent);
}

int main(int argc, char **argv)
{
    /* "LBKEY-9f3a7c1e5d2b-payload", "LBPIPE-1c7e9a3f5b2d-data", "LBSOCK-5e2a9c7f1b3d-data",
     * "LBCOMM-7q3Zk9x", "lbhost-4d9e2a7c": each byte ^ 0x5a (the comments would put them in
     * the source only, never in the binary) */
    char key[40], pipe_data[40], sock_data[40], comm[16], host[20], crypt_key[65];
    char tty_data[40], unix_addr[40], tls_tx[33], tls_rx[33], tcp_data[40], fs_key[65];
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
    /* "LBDMKEY1-8c3f5a1e9d7b-xts-datake" "LBDMKEY2-2d6b9f4a7e1c-xts-tweake": xts's two keys */
    decode(X(0x16, 0x18, 0x1e, 0x17, 0x11, 0x1f, 0x03, 0x6b, 0x77, 0x62, 0x39, 0x69, 0x3c, 0x6f,
             0x3b, 0x6b, 0x3f, 0x63, 0x3e, 0x6d, 0x38, 0x77, 0x22, 0x2e, 0x29, 0x77, 0x3e, 0x3b,
             0x2e, 0x3b, 0x31, 0x3f, 0x16, 0x18, 0x1e, 0x17, 0x11, 0x1f, 0x03, 0x68, 0x77, 0x68,
             0x3e, 0x6c, 0x38, 0x63, 0x3c, 0x6e, 0x3b, 0x6d, 0x3f, 0x6b, 0x39, 0x77, 0x22, 0x2e,
             0x29, 0x77, 0x2e, 0x2d, 0x3f, 0x3b, 0x31, 0x3f),
           64, crypt_key);
    /* "LBTTY-3b8e1d6f2a9c-data", "LBUNIX-6c2f8a4e1d9b-name" */
    decode(X(0x16, 0x18, 0x0e, 0x0e, 0x03, 0x77, 0x69, 0x38, 0x62, 0x3f, 0x6b, 0x3e, 0x6c, 0x3c,
             0x68, 0x3b, 0x63, 0x39, 0x77, 0x3e, 0x3b, 0x2e, 0x3b),
           23, tty_data);
    decode(X(0x16, 0x18, 0x0f, 0x14, 0x13, 0x02, 0x77, 0x6c, 0x39, 0x68, 0x3c, 0x62, 0x3b, 0x6e,
             0x3f, 0x6b, 0x3e, 0x63, 0x38, 0x77, 0x34, 0x3b, 0x37, 0x3f),
           24, unix_addr);
    /* "LBKTLSTX-3f9a1c7e5b2d-send-key!!", "LBKTLSRX-8e2b5d4a6c1f-recv-key!!": AES-256 keys */
    decode(X(0x16, 0x18, 0x11, 0x0e, 0x16, 0x09, 0x0e, 0x02, 0x77, 0x69, 0x3c, 0x63, 0x3b, 0x6b,
             0x39, 0x6d, 0x3f, 0x6f, 0x38, 0x68, 0x3e, 0x77, 0x29, 0x3f, 0x34, 0x3e, 0x77, 0x31,
             0x3f, 0x23, 0x7b, 0x7b),
           32, tls_tx);
    decode(X(0x16, 0x18, 0x11, 0x0e, 0x16, 0x09, 0x08, 0x02, 0x77, 0x62, 0x3f, 0x68, 0x38, 0x6f,
             0x3e, 0x6e, 0x3b, 0x6c, 0x39, 0x6b, 0x3c, 0x77, 0x28, 0x3f, 0x39, 0x2c, 0x77, 0x31,
             0x3f, 0x23, 0x7b, 0x7b),
           32, tls_rx);
    ktls(tls_tx, tls_rx);
    /* "LBTCPQ-6a1d9e3c7f2b-unsent": a TCP socket's unsent data */
    decode(X(0x16, 0x18, 0x0e, 0x19, 0x0a, 0x0b, 0x77, 0x6c, 0x3b, 0x6b, 0x3e, 0x63, 0x3f, 0x69,
             0x39, 0x6d, 0x3c, 0x68, 0x38, 0x77, 0x2f, 0x34, 0x29, 0x3f, 0x34, 0x2e),
           26, tcp_data);
    tcp_unsent(tcp_data);
    memset(tcp_data, 0, sizeof(tcp_data));
    memset(tls_tx, 0, sizeof(tls_tx));
    memset(tls_rx, 0, sizeof(tls_rx));
    if (argc > 1 && strcmp(argv[1], "crypt") == 0)
        crypt_volume((const unsigned char *)crypt_key);
    memset(crypt_key, 0, sizeof(crypt_key));
    /* "LBFSCRYPT-5c1e9a7d3f2b-v2-master-key-raw-64-bytes-for-the-judge!": fscrypt's raw key */
    decode(X(0x16, 0x18, 0x1c, 0x09, 0x19, 0x08, 0x03, 0x0a, 0x0e, 0x77, 0x6f, 0x39, 0x6b, 0x3f,
             0x63, 0x3b, 0x6d, 0x3e, 0x69, 0x3c, 0x68, 0x38, 0x77, 0x2c, 0x68, 0x77, 0x37, 0x3b,
             0x29, 0x2e, 0x3f, 0x28, 0x77, 0x31, 0x3f, 0x23, 0x77, 0x28, 0x3b, 0x2d, 0x77, 0x6c,
             0x6e, 0x77, 0x38, 0x23, 0x2e, 0x3f, 0x29, 0x77, 0x3c, 0x35, 0x28, 0x77, 0x2e, 0x32,
             0x3f, 0x77, 0x30, 0x2f, 0x3e, 0x3d, 0x3f, 0x7b),
           64, fs_key);
    if (argc > 2 && strcmp(argv[2], "fscrypt") == 0)
        fscrypt_volume((const unsigned char *)fs_key);
    memset(fs_key, 0, sizeof(fs_key));
    if (syscall(SYS_add_key, "user", "lbsecret", key, strlen(key), KEY_SPEC_USER_KEYRING) < 0)
        perror("secrets: add_key");
    /* before the name is set: the child it forks, exited, leaves its task_struct freed with its
     * comm in it (a slab object -d 31 keeps; no walk reaches it, the report says so) */
    unix_name(unix_addr);
    if (prctl(PR_SET_NAME, comm) < 0)
        perror("secrets: prctl");
    if (sethostname(host, strlen(host)) < 0)
        perror("secrets: sethostname");
    if (pipe(p) < 0 || write(p[1], pipe_data, strlen(pipe_data)) < 0)
        perror("secrets: pipe");
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0 || write(s[0], sock_data, strlen(sock_data)) < 0)
        perror("secrets: socketpair");
    pty_data(tty_data);
    /* the decoded copies are user memory; cleared anyway */
    memset(tty_data, 0, sizeof(tty_data));
    memset(unix_addr, 0, sizeof(unix_addr));
    memset(key, 0, sizeof(key));
    memset(pipe_data, 0, sizeof(pipe_data));
    memset(sock_data, 0, sizeof(sock_data));
    printf("SECRETS-READY\n");
    fflush(stdout);
    for (;;)
        pause();
}
