/*
 * signature.c - a crash's signature: its reason and its innermost frames,
 * made the same across machines, boots and kernel builds.
 *
 * A fleet's collector groups crashes by it (lifeboat report).  What differs
 * between two occurrences of one bug is taken out: addresses, offsets, CPU
 * and process numbers (every token of hex digits with a digit in it becomes
 * "N"), the compiler's clone suffixes (".cold", ".isra.0"), and the frames of
 * the panic and oops machinery every crash shares (panic, die, the exception
 * entry).  What is left names kernel functions and the kernel's own message:
 * no user data, no addresses, no names of tasks but those a message carries
 * (a hung task's comm).  The hash is what encrypted dumps show in clear.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "dumpdir/signature.h"

/* The functions every panic or oops passes through: they say nothing of the bug. */
static const char *const machinery[] = {
    "__crash_kexec", "crash_kexec", "vpanic", "panic", "nmi_panic", "__die", "__die_body", "die",
    "die_addr", "oops_end", "do_trap", "do_error_trap", "handle_bug", "page_fault_oops",
    "kernelmode_fixup_or_oops", "__bad_area_nosemaphore", "bad_area_nosemaphore",
    "do_user_addr_fault", "do_kern_addr_fault", "exc_page_fault", "exc_invalid_op",
    "exc_general_protection", "asm_exc_page_fault", "asm_exc_invalid_op",
    "asm_exc_general_protection", "dump_stack", "dump_stack_lvl", "show_stack", "watchdog",
    "check_hung_uninterruptible_tasks", "machine_kexec", "native_machine_crash_shutdown", "__warn",
    "report_bug", "arm64_notify_die", "die_kernel_fault", "__do_kernel_fault", "do_page_fault",
    "do_translation_fault", "do_mem_abort", "el1_abort", "el1h_64_sync_handler", "el1h_64_sync",
    "bug_handler", "call_break_hook", "brk_handler", "do_debug_exception", "el1_dbg",
    /* the panic message is printed on the way: a stack scan finds printk's frames too */
    "_printk", "printk", "vprintk", "vprintk_emit", "vprintk_default", "vprintk_func",
    "console_unlock", "console_flush_all", "console_emit_next_record", "kmsg_dump",
    "crash_smp_send_stop", "smp_send_stop", "native_stop_other_cpus"};

static int is_machinery(const char *name)
{
    for (size_t i = 0; i < sizeof(machinery) / sizeof(machinery[0]); i++)
        if (strcmp(name, machinery[i]) == 0)
            return 1;
    return 0;
}

/*
 * "name.cold+0x91/0x120" -> "name": the function, as any build of the same
 * source calls it.  "(in a module)", triage's name for module text it has no
 * symbols for, stays whole.
 */
static void function_of(const char *symbol, char *out, size_t len)
{
    size_t n = 0;

    if (symbol[0] == '(') {
        while (symbol[n] && symbol[n] != ')' && n + 2 < len) {
            out[n] = symbol[n];
            n++;
        }
        out[n++] = ')';
        out[n] = '\0';
        return;
    }
    while (symbol[n] && symbol[n] != '+' && symbol[n] != '.' && symbol[n] != ' ' && n + 1 < len) {
        out[n] = symbol[n];
        n++;
    }
    out[n] = '\0';
}

static int is_number_token(const char *t, size_t len)
{
    size_t i = 0;
    int digits = 0;

    if (len > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
        i = 2;
    for (; i < len; i++) {
        if (!isxdigit((unsigned char)t[i]))
            return 0;
        digits += isdigit((unsigned char)t[i]) != 0;
    }
    return digits > 0;
}

/* Every token of hex digits holding a digit becomes "N"; bytes outside ASCII '?'; runs of
 * blanks one space; at most len-1 bytes. */
static void normalize(const char *in, char *out, size_t len)
{
    size_t n = 0;

    while (*in == ' ')
        in++;
    while (*in && n + 2 < len) {
        size_t t = 0;
        while (isalnum((unsigned char)in[t]) || in[t] == '_')
            t++;
        if (t > 0) {
            if (is_number_token(in, t)) {
                out[n++] = 'N';
            } else {
                size_t copy = t < len - 1 - n ? t : len - 1 - n;
                memcpy(out + n, in, copy);
                n += copy;
            }
            in += t;
            continue;
        }
        unsigned char c = (unsigned char)*in++;
        if (c == ' ' || c == '\t' || c == '\n') {
            if (n > 0 && out[n - 1] != ' ')
                out[n++] = ' ';
        } else {
            out[n++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
        }
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static void sign(struct crash_signature *sig)
{
    crypto_generichash_state state;
    unsigned char digest[8];

    crypto_generichash_init(&state, NULL, 0, sizeof(digest));
    crypto_generichash_update(&state, (const unsigned char *)sig->reason, strlen(sig->reason));
    for (size_t i = 0; i < sig->nframes; i++) {
        crypto_generichash_update(&state, (const unsigned char *)"\n", 1);
        crypto_generichash_update(&state, (const unsigned char *)sig->frames[i],
                                  strlen(sig->frames[i]));
    }
    crypto_generichash_final(&state, digest, sizeof(digest));
    for (size_t i = 0; i < sizeof(digest); i++)
        snprintf(sig->hash + 2 * i, 3, "%02x", digest[i]);
}

void signature_of(const char *cause, const char *panic, const char *const *symbols, size_t n,
                  struct crash_signature *sig)
{
    memset(sig, 0, sizeof(*sig));
    normalize(cause && cause[0] ? cause : panic ? panic : "", sig->reason, sizeof(sig->reason));
    for (size_t i = 0; i < n && sig->nframes < SIGNATURE_FRAMES; i++) {
        char name[SIGNATURE_NAME];
        if (!symbols[i] || symbols[i][0] == '?')
            continue;
        function_of(symbols[i], name, sizeof(name));
        if (!name[0] || is_machinery(name))
            continue;
        memcpy(sig->frames[sig->nframes++], name, sizeof(name));
    }
    if (sig->reason[0] || sig->nframes)
        sign(sig);
}

void signature_frames_text(const struct crash_signature *sig, char *out, size_t len)
{
    size_t n = 0;

    if (len == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < sig->nframes && n < len; i++) {
        int w = snprintf(out + n, len - n, "%s%s", i ? " < " : "", sig->frames[i]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}
