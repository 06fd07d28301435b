/*
 * test_dispatch.c - which command lines lifeboat-net must run, decided at
 * dispatch (src/cmd/needs_network.c): by a URL among the arguments, by the
 * configuration named with -c/--config, and for a rehearsal by load's copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/commands.h"

static char ssh_conf[] = "/tmp/lifeboat-dispatch-XXXXXX";
static char local_conf[] = "/tmp/lifeboat-dispatch-XXXXXX";

static void write_conf(char *path, const char *text)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static int setup(void **state)
{
    (void)state;
    write_conf(ssh_conf, "target fs LABEL=DUMPS /crash\ntarget ssh://lb@collector/dumps\n");
    write_conf(local_conf, "target fs LABEL=DUMPS /crash\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(ssh_conf);
    unlink(local_conf);
    return 0;
}

#define NEEDS(need, ...)                                                                           \
    command_needs_network(need, sizeof((char *[]){__VA_ARGS__}) / sizeof(char *),                  \
                          (char *[]){__VA_ARGS__, NULL})

static void a_url_argument_needs_it(void **state)
{
    (void)state;
    assert_true(NEEDS(NETWORK_BY_URL, "save", "/proc/vmcore", "ssh://lb@collector/d/vmcore"));
    assert_true(NEEDS(NETWORK_BY_URL, "convert", "-f", "kdump", "in", "https://c/d/vmcore"));
    assert_false(NEEDS(NETWORK_BY_URL, "save", "/proc/vmcore", "/var/crash/vmcore"));
    assert_false(NEEDS(NETWORK_BY_URL, "save", "/proc/vmcore", "sftp-looking:ssh://"));
    /* a command that never needs it, whatever its arguments say */
    assert_false(NEEDS(NETWORK_NEVER, "info", "ssh://lb@collector/d/vmcore"));
}

static void the_named_configuration_decides(void **state)
{
    (void)state;
    assert_true(NEEDS(NETWORK_BY_CONFIG, "load", "-c", ssh_conf));
    assert_true(NEEDS(NETWORK_BY_CONFIG, "config", "check", "--config", ssh_conf));
    char joined[64], glued[64];
    snprintf(joined, sizeof(joined), "--config=%s", ssh_conf);
    snprintf(glued, sizeof(glued), "-c%s", ssh_conf);
    assert_true(NEEDS(NETWORK_BY_CONFIG, "initramfs", "-o", "/tmp/x", joined));
    assert_true(NEEDS(NETWORK_BY_CONFIG, "status", glued));
    assert_false(NEEDS(NETWORK_BY_CONFIG, "load", "-c", local_conf));
    /* one that cannot be read: the command says why itself, in this build */
    assert_false(NEEDS(NETWORK_BY_CONFIG, "load", "-c", "/nonexistent/lifeboat.conf"));
    /* getopt_long's abbreviations, and the last -c wins as it does there */
    char abbreviated[64];
    snprintf(abbreviated, sizeof(abbreviated), "--conf=%s", ssh_conf);
    assert_true(NEEDS(NETWORK_BY_CONFIG, "config", "check", abbreviated));
    assert_true(NEEDS(NETWORK_BY_CONFIG, "config", "check", "--conf", ssh_conf));
    assert_true(NEEDS(NETWORK_BY_CONFIG, "load", "-c", local_conf, "-c", ssh_conf));
    assert_false(NEEDS(NETWORK_BY_CONFIG, "load", "-c", ssh_conf, "-c", local_conf));
    /* after "--" nothing is an option */
    assert_false(NEEDS(NETWORK_BY_CONFIG, "load", "-c", local_conf, "--", "-c", ssh_conf));
}

static void only_a_rehearsal_of_test_needs_it(void **state)
{
    (void)state;
    assert_false(NEEDS(NETWORK_BY_REHEARSAL, "test", "-c", ssh_conf));
    assert_true(NEEDS(NETWORK_BY_REHEARSAL, "test", "--rehearse", "-c", ssh_conf));
    assert_true(NEEDS(NETWORK_BY_REHEARSAL, "test", "--reh", "-c", ssh_conf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_url_argument_needs_it),
        cmocka_unit_test(the_named_configuration_decides),
        cmocka_unit_test(only_a_rehearsal_of_test_needs_it),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
