/*
 * test_net_build.c - the network build's own platform code (HTTP over TLS,
 * SSH host keys), against a real TLS server the test runs on 127.0.0.1:
 * a thread that takes one connection, reads the request's head, answers
 * what the test says and closes, as a server that refuses a request does.
 *
 * Built where OpenSSL and libssh2 are there to link (tests/unit/meson.build).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "platform/http.h"
#include "platform/ssh.h"
#include "platform/ssh_keyfile.h"
#include "platform/tcp.h"

/* ---- a one-connection TLS server on the loopback ------------------------ */

struct tls_server {
    int listen_fd;
    unsigned port;
    SSL_CTX *ctx;
    char pin[TLS_PIN_MAX]; /* its key's pin, as tls_open computes it */
    const char *answer;    /* sent once the request's head is in */
    char head[16384];      /* what came, up to the end of the head */
    pthread_t thread;
};

/* A throwaway P-256 key and a self-signed certificate for it. */
static EVP_PKEY *make_identity(SSL_CTX *ctx)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    X509_NAME *name = X509_get_subject_name(cert);

    assert_non_null(key);
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    assert_true(X509_sign(cert, key, EVP_sha256()) > 0);
    assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    X509_free(cert);
    return key;
}

static void pin_of(EVP_PKEY *key, char pin[TLS_PIN_MAX])
{
    unsigned char *der = NULL, digest[32];
    int n = i2d_PUBKEY(key, &der);

    assert_true(n > 0);
    SHA256(der, (size_t)n, digest);
    OPENSSL_free(der);
    EVP_EncodeBlock((unsigned char *)pin, digest, sizeof(digest));
}

static void *serve_one(void *arg)
{
    struct tls_server *s = arg;
    int fd = accept(s->listen_fd, NULL, NULL);
    SSL *ssl = fd >= 0 ? SSL_new(s->ctx) : NULL;
    size_t have = 0;

    if (ssl && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1) {
        while (have + 1 < sizeof(s->head) && !strstr(s->head, "\r\n\r\n")) {
            int n = SSL_read(ssl, s->head + have, (int)(sizeof(s->head) - 1 - have));
            if (n <= 0)
                break;
            have += (size_t)n;
            s->head[have] = '\0';
        }
        SSL_write(ssl, s->answer, (int)strlen(s->answer));
        SSL_shutdown(ssl);
        shutdown(fd, SHUT_WR); /* a FIN, as nginx's lingering close sends */
    }
    SSL_free(ssl);
    if (fd >= 0)
        close(fd); /* the body unread: then a RST, and the client's next write gets EPIPE */
    return NULL;
}

static void server_start(struct tls_server *s, const char *answer)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);

    memset(s, 0, sizeof(*s));
    s->answer = answer;
    s->ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(s->ctx);
    EVP_PKEY *key = make_identity(s->ctx);
    pin_of(key, s->pin);
    EVP_PKEY_free(key);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->listen_fd >= 0);
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(s->listen_fd, 1), 0);
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&sa, &len), 0);
    s->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve_one, s), 0);
}

static void server_stop(struct tls_server *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    SSL_CTX_free(s->ctx);
}

static struct http_server client_of(const struct tls_server *s, const char *token)
{
    return (struct http_server){.tls = {.address = "127.0.0.1",
                                        .host = "127.0.0.1",
                                        .port = s->port,
                                        .pin = s->pin,
                                        .timeout = 10},
                                .token = token};
}

/* ---- HTTP ----------------------------------------------------------------- */

/*
 * Issue 21, item 6: a server that answers 401 as the upload starts, and
 * closes, used to kill the process with SIGPIPE (exit 141, no word).  The
 * write fails instead, and says what the server answered.
 */
static void a_refused_upload_says_the_servers_status(void **state)
{
    static char chunk[64 << 10];
    struct tls_server s;
    struct lb_error err = {0};
    struct lb_sink *sink;
    uint64_t at = 0;
    int r = 0;

    (void)state;
    server_start(&s, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    struct http_server h = client_of(&s, "not-the-token");
    sink = http_put_sink(&h, "/dumps/vmcore.flat", &err);
    assert_non_null(sink);
    memset(chunk, 'x', sizeof(chunk));
    /* the server is gone after the head: a write fails long before 1 GiB */
    while (at < (1ull << 30) && (r = sink->ops->write(sink, chunk, sizeof(chunk), at, &err)) == 0)
        at += sizeof(chunk);
    sink->ops->free(sink); /* its TLS goodbye, written to a closed connection */
    server_stop(&s);
    assert_int_equal(r, -1);
    assert_non_null(strstr(err.msg, "/dumps/vmcore.flat"));
    assert_non_null(strstr(err.msg, "HTTP 401"));
}

/*
 * Issue 21, item 8: a bearer token of 4 KiB (JWTs are that long) goes out
 * whole; the request's head used to be built in 2 KiB, and the request
 * failed as "the connection failed".
 */
static void a_long_bearer_token_goes_out_whole(void **state)
{
    static char token[4096], expected[4200];
    struct tls_server s;
    struct lb_error failed = {.msg = ""};
    int status = 0, r;

    (void)state;
    memset(token, 'J', sizeof(token) - 1);
    snprintf(expected, sizeof(expected), "\r\nAuthorization: Bearer %s\r\n", token);
    server_start(&s, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    struct http_server h = client_of(&s, token);
    r = http_request(&h, "PUT", "/dumps/dmesg.txt", NULL, "log\n", 4, &status, &failed);
    server_stop(&s);
    assert_string_equal(failed.msg, "");
    assert_int_equal(r, 0);
    assert_int_equal(status, 201);
    assert_non_null(strstr(s.head, expected));
}

/* ---- SSH ------------------------------------------------------------------ */

/*
 * Issue 21, item 7: the pin of an RSA host key of 16384 bits, the largest
 * OpenSSH takes, fits; one that does not fit is an error, never the empty
 * pin load used to write (and every capture then refused).
 */
static void host_keys_are_pinned_whole_or_refused(void **state)
{
    static uint8_t blob[4 + 7 + 4 + 3 + 4 + 2049 + 4096];
    static char text[SSH_HOST_KEY_MAX], small[1000];

    (void)state;
    memset(blob, 0xc5, sizeof(blob));
    /* ssh-rsa, e = 65537, n of 16384 bits (2049 bytes with its sign byte) */
    assert_int_equal(
        ssh_host_key_text("ssh-rsa", blob, 4 + 7 + 4 + 3 + 4 + 2049, text, sizeof(text)), 0);
    assert_int_equal(strncmp(text, "ssh-rsa ", 8), 0);
    assert_int_equal(strlen(text), 8 + 4 * ((4 + 7 + 4 + 3 + 4 + 2049 + 2) / 3));
    assert_int_equal(
        ssh_host_key_text("ssh-rsa", blob, 4 + 7 + 4 + 3 + 4 + 2049, small, sizeof(small)), -1);
    assert_string_equal(small, "");
    assert_int_equal(ssh_host_key_text("ssh-rsa", blob, sizeof(blob), text, sizeof(text)), -1);
    assert_string_equal(text, "");
    assert_int_equal(ssh_host_key_text("ssh-ed25519", blob, 51, small, sizeof(small)), 0);
    assert_int_equal(strlen(small), 12 + 68);
}

/*
 * OpenSSH's sshd on 127.0.0.1, as the e2e tests run it: an ed25519 host
 * key of its own, the test's client key (made by ssh_keyfile.c) allowed.
 * -1 where it cannot run (not root, no sshd): the test is skipped.
 */
struct sshd {
    pid_t pid;
    unsigned port;
    char dir[64], host_key_line[256]; /* "ssh-ed25519 BASE64" */
};

static unsigned free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int sshd_start(struct sshd *s)
{
    char path[200], text[1000], line[700];
    struct lb_error failed;

    if (geteuid() != 0 || access("/usr/sbin/sshd", X_OK) < 0 ||
        access("/usr/bin/ssh-keygen", X_OK) < 0)
        return -1;
    snprintf(s->dir, sizeof(s->dir), "/tmp/lb-sshd-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(text, sizeof(text), "ssh-keygen -q -t ed25519 -N '' -f %s/host_key", s->dir);
    assert_int_equal(system(text), 0);
    snprintf(path, sizeof(path), "%s/host_key.pub", s->dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char type[40], key[150];
    assert_int_equal(fscanf(f, "%39s %149s", type, key), 2);
    snprintf(s->host_key_line, sizeof(s->host_key_line), "%s %s", type, key);
    fclose(f);
    snprintf(path, sizeof(path), "%s/id", s->dir);
    if (ssh_keyfile_create(path, "lifeboat@test", line, sizeof(line), &failed) < 0)
        fail_msg("%s", failed.msg);
    snprintf(path, sizeof(path), "%s/authorized_keys", s->dir);
    strcat(line, "\n");
    write_text(path, line);
    s->port = free_port();
    snprintf(text, sizeof(text),
             "ListenAddress 127.0.0.1:%u\nHostKey %s/host_key\nAuthorizedKeysFile %s\n"
             "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
             "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile none\n"
             "Subsystem sftp internal-sftp\n",
             s->port, s->dir, path);
    snprintf(path, sizeof(path), "%s/sshd_config", s->dir);
    write_text(path, text);
    mkdir("/run/sshd", 0755);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        char log[200];
        snprintf(log, sizeof(log), "%s/log", s->dir);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1), dup2(fd, 2);
        execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", path, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) { /* until it listens: 10 s at most */
        int fd = tcp_connect("127.0.0.1", s->port, 1, &failed);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        usleep(100000);
    }
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    fail_msg("sshd did not start (%s/log)", s->dir);
    return -1;
}

static void sshd_stop(struct sshd *s)
{
    char cmd[100];

    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
    assert_int_equal(system(cmd), 0);
}

/* ssh_open with known_hosts only (no pin), as load does: 0 or -1, the reason in why. */
static int open_with_known_hosts(const struct sshd *s, const char *known_hosts,
                                 struct lb_error *err)
{
    char identity[100], pinned[SSH_HOST_KEY_MAX] = "";
    struct ssh_endpoint e = {.address = "127.0.0.1",
                             .host = "127.0.0.1",
                             .port = s->port,
                             .user = "root",
                             .identity = identity,
                             .known_hosts = known_hosts,
                             .timeout = 10};
    struct ssh_conn c;

    snprintf(identity, sizeof(identity), "%s/id", s->dir);
    if (ssh_open(&c, &e, pinned, err) < 0)
        return -1;
    ssh_close(&c);
    return strcmp(pinned, s->host_key_line) == 0 ? 0 : -2;
}

/*
 * Issue 21, item 9: a host key that known_hosts marks @revoked is refused,
 * whatever other line knows it, and the refusal names the file and line.
 * Such lines used to be skipped, and the key taken from the plain line.
 */
static void a_revoked_host_key_is_refused(void **state)
{
    char known[200], text[1000];
    struct lb_error failed = {.msg = ""};
    struct sshd s;
    int plain, revoked;

    (void)state;
    if (sshd_start(&s) < 0)
        skip();
    snprintf(known, sizeof(known), "%s/known_hosts", s.dir);
    snprintf(text, sizeof(text), "# the collector\n[127.0.0.1]:%u %s\n", s.port, s.host_key_line);
    write_text(known, text);
    plain = open_with_known_hosts(&s, known, &failed);
    if (plain != 0)
        print_message("known: %s\n", failed.msg);
    snprintf(text + strlen(text), sizeof(text) - strlen(text), "@revoked * %s lost laptop\n",
             s.host_key_line);
    write_text(known, text);
    revoked = open_with_known_hosts(&s, known, &failed);
    sshd_stop(&s);
    assert_int_equal(plain, 0);
    assert_int_equal(revoked, -1);
    assert_non_null(strstr(failed.msg, "revoked"));
    assert_non_null(strstr(failed.msg, known));
    assert_non_null(strstr(failed.msg, "line 3"));
    assert_int_equal(failed.kind, LB_ERR_REFUSED); /* a revoked key is refused, not retried */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_refused_upload_says_the_servers_status),
        cmocka_unit_test(a_long_bearer_token_goes_out_whole),
        cmocka_unit_test(host_keys_are_pinned_whole_or_refused),
        cmocka_unit_test(a_revoked_host_key_is_refused),
    };
    return cmocka_run_group_tests_name("net_build", tests, NULL, NULL);
}
