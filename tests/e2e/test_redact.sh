#!/usr/bin/env bash
# test_redact.sh - dumps that can be shared (redact in lifeboat.conf), on a real
# panic of Debian's 6.1, 6.12 and 7.3.4 kernels.  The guest plants known secrets (tests/e2e/guest/
# secrets.c: a user key's payload, a process's name, the host's name, a pipe's
# and a UNIX socket's unread data, a dm-crypt volume opened with a known key on
# a second disk; a pty's unread data and an abstract UNIX socket's name, judged
# apart; two IPsec states (ip xfrm: AES-GCM, and CBC with HMAC-SHA256) and a
# kTLS socket keyed both ways, judged apart, kTLS skipped and said where the
# kernel has no tls module; a WireGuard interface (wg(8)) with a known private key and a peer with
# a known preshared key, and an fscrypt v2 key of known raw bytes on an ext4 made with -O
# encrypt (a third disk), a directory encrypted with it and a file in it, judged apart, skipped
# and said where the kernel has no wireguard module or no fscrypt), crashes, and the capture with
# 'redact keys,user-data,names' saves the dump; QEMU copies the guest's memory
# as the capture starts.  Judged (redact_judge.py): every marker is in the
# memory where an unredacted -d 31 dump would hold it (the test sees them), none
# of their bytes is anywhere in the redacted dump (the dm-crypt key's two
# AES-256 halves, and the second round keys of their schedules), and every frame it keeps
# equals the memory's outside the ranges its note lists; metadata.json, info
# and verify say what was redacted and what was not; crash (with the -dbg
# vmlinux) shows the panicking stack and its task, drgn walks every task.
# Kernels: Debian 12's 6.1 and 6.12 and the pinned 7.x (KERNEL_7X_PACKAGE), or
# REDACT_KERNELS="PKG..."; 6.12 and 7.x are judged by sid's crash 9.0.2 (Debian
# 12's crash and drgn do not read them).  7.x once kept the host name in a
# freed page waiting on a per-CPU free list (not PageBuddy, so -d 31 keeps
# it): the walk of those lists (redact_pcp.c) erases them on every kernel; freed slab objects
# (the netlink requests that set the IPsec keys) are erased by redact_slab.c's walk, and the
# report must count them.
source "$(dirname "$0")/lib.sh"

e2e_begin
PY=/usr/bin/python3
MARKERS="LBKEY-9f3a7c1e5d2b-payload LBPIPE-1c7e9a3f5b2d-data LBSOCK-5e2a9c7f1b3d-data LBCOMM-7q3Zk9x lbhost-4d9e2a7c"
# secrets.c's dm-crypt key (aes-xts-plain64: the data key, then the tweak key), and their schedules
CRYPT_KEY1=LBDMKEY1-8c3f5a1e9d7b-xts-datake CRYPT_KEY2=LBDMKEY2-2d6b9f4a7e1c-xts-tweake
MARKERS="$MARKERS $CRYPT_KEY1 $CRYPT_KEY2 aes256:$CRYPT_KEY1 aes256:$CRYPT_KEY2"
# IPsec (before-load.sh's ip xfrm states: an AES-256-GCM one, a CBC and HMAC-SHA256 one) and
# kTLS (secrets.c's socket, keyed both ways with AES-256-GCM) keys, and their AES schedules
XFRM_GCM=LBXFRMGCM-7e3a1c9d5b2f-aead-key! XFRM_ENC=LBXFRMCBC-4b8d2f6a1e9c-encr-key!
XFRM_AUTH=LBXFRMHMAC-5a2c8e1f7b3d-auth-ky! TLS_TX=LBKTLSTX-3f9a1c7e5b2d-send-key!!
TLS_RX=LBKTLSRX-8e2b5d4a6c1f-recv-key!!
# (the netlink requests that set the IPsec keys are freed slab objects after, which -d 31 keeps:
# the walk of every SLUB cache's free objects (redact_slab.c) erases them, so no copy may be left)
IPSEC_MARKERS="$XFRM_GCM $XFRM_ENC $XFRM_AUTH aes256:$XFRM_GCM aes256:$XFRM_ENC"
KTLS_MARKERS="$TLS_TX $TLS_RX aes256:$TLS_TX aes256:$TLS_RX"
hex() { printf %s "$1" | od -An -v -tx1 | tr -d ' \n'; }
# secrets.c's pty data (a tty's buffers: user-data) and abstract UNIX socket name (names),
# judged apart: the walks of ttys and open files' names are newer than the rest
TTY_MARKERS="LBTTY-3b8e1d6f2a9c-data LBUNIX-6c2f8a4e1d9b-name"
# secrets.c's TCP data, sent over loopback to a receiver that never reads: in its queue, and
# left unsent in the sender's (user-data: every queue of a socket, TCP's trees)
TCP_MARKERS=LBTCPQ-6a1d9e3c7f2b-unsent
# WireGuard's keys (the private key clamped as the kernel keeps it: its first byte's low 3 bits
# clear, its last byte's top bits 01), set by wg(8) from files of their base64; the requests
# that set them are freed netlink messages (slab objects: erased by redact_slab.c, none may be left);
# fscrypt's raw key (secrets.c's), judged as what the kernel keeps of it once added (it wipes the
# raw key itself): the HKDF's HMAC key, redact_judge.py's fscrypt:
WG_PRIV=HLBWGPRIV-6d1f9b3e7a2c-static-kz WG_PSK='LBWGPSK-2e8c5a1f9d3b-preshared!!'
WG_PRIV1=HLBWGPRIV2-5e1a8c3f7b9d-static-z # (wg1's, its peer in another namespace)
FS_KEY='LBFSCRYPT-5c1e9a7d3f2b-v2-master-key-raw-64-bytes-for-the-judge!'
printf %s "$WG_PRIV" | base64 > "$work/wg.key"
printf %s "$WG_PRIV1" | base64 > "$work/wg1.key"
printf %s "$WG_PSK" | base64 > "$work/wg.psk"

gcc -O2 -static -o "$work/secrets" "$E2E_DIR/guest/secrets.c" || die "cannot build secrets.c"
cat > "$work/before-load.sh" <<SCRIPT
# dm-crypt and the algorithms of aes-xts-plain64, kTLS, IPsec's and theirs (AES-GCM, CBC,
# HMAC-SHA256, and the IV generators' random numbers: drbg): this guest has no modprobe for
# the kernel to call
for m in dm_mod dm_crypt ecb xts tls xfrm_user esp4 gcm ctr ghash_generic authenc cbc hmac \\
    sha256_generic seqiv echainiv jitterentropy_rng drbg wireguard cts sha512_generic ext4; do
    modprobe \$m 2>/dev/null
done
ip link set lo up
# two WireGuard interfaces peered over the loopback, wg1 moved into another network namespace
# (its socket stays in this one), keyed (not shown after: a listing's replies would be more
# freed copies of the keys); a ping through them makes a handshake: session keys
/sbin/ip link add wg0 type wireguard && /sbin/ip link add wg1 type wireguard &&
    /sbin/wg set wg0 listen-port 51820 private-key /etc/lbtest-wg.key \
    peer $(wg pubkey < "$work/wg1.key") preshared-key /etc/lbtest-wg.psk \
    allowed-ips 10.8.0.2/32 endpoint 127.0.0.1:51821 &&
    /sbin/wg set wg1 listen-port 51821 private-key /etc/lbtest-wg1.key \
    peer $(wg pubkey < "$work/wg.key") preshared-key /etc/lbtest-wg.psk \
    allowed-ips 10.8.0.1/32 endpoint 127.0.0.1:51820 &&
    /sbin/ip addr add 10.8.0.1/24 dev wg0 && /sbin/ip link set wg0 up &&
    echo "lbtest: WireGuard interface planted"
/sbin/ip netns add lbwg && /sbin/ip link set wg1 netns lbwg &&
    /sbin/ip -n lbwg addr add 10.8.0.2/24 dev wg1 && /sbin/ip -n lbwg link set wg1 up &&
    ping -c 1 -W 5 10.8.0.2 >/dev/null && echo "lbtest: WireGuard handshake made"
# two IPsec states with known keys (the hex of the markers: the image holds no marker's bytes);
# counted, not listed (a listing's replies would be more freed copies of the keys)
/sbin/ip xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x4c420001 mode transport \\
    aead 'rfc4106(gcm(aes))' 0x$(hex "$XFRM_GCM")01020304 128
/sbin/ip xfrm state add src 10.9.0.1 dst 10.9.0.3 proto esp spi 0x4c420002 mode transport \\
    enc 'cbc(aes)' 0x$(hex "$XFRM_ENC") auth-trunc 'hmac(sha256)' 0x$(hex "$XFRM_AUTH") 128
/sbin/ip xfrm state count | grep -q "SAD count 2" && echo "lbtest: IPsec states planted: 2"
/bin/secrets crypt fscrypt > /tmp/secrets.out 2>&1 &
i=0
while ! grep -q SECRETS-READY /tmp/secrets.out 2>/dev/null; do
    i=\$((i + 1)); [ \$i -gt 300 ] && break
    sleep 0.1
done
cat /tmp/secrets.out
SCRIPT

for pkg in ${REDACT_KERNELS:-linux-image-cloud-amd64 linux-image-6.12-cloud-amd64 $KERNEL_7X_PACKAGE}; do
    fetch_kernel "$pkg"
    at=boot
    [[ $pkg == *7.* ]] && at=modules
    case_dir=$work/${pkg##*-image-}
    mkdir -p "$case_dir"
    make_disk "$case_dir/disk.img" 2G LBDUMP
    truncate -s 16M "$case_dir/crypt.img"
    truncate -s 32M "$case_dir/fscrypt.img"
    mkfs.ext4 -q -F -O encrypt "$case_dir/fscrypt.img" || die "cannot make an ext4 with -O encrypt"
    GUEST_MODULES=1 GUEST_DM_MODULES=1 GUEST_KEYS_MODULES=1 GUEST_PROGRAMS="/sbin/ip /usr/bin/wg" GUEST_KERNEL_AT=$at \
        GUEST_FILES="$work/secrets=/bin/secrets $work/before-load.sh=/etc/lbtest-before-load.sh $work/wg.key=/etc/lbtest-wg.key $work/wg.psk=/etc/lbtest-wg.psk $work/wg1.key=/etc/lbtest-wg1.key" \
        build_guest_initramfs "$case_dir/guest.cpio" "target fs LABEL=LBDUMP /crash
redact keys,user-data,names"
    run_guest_then "$case_dir/serial.log" "$case_dir/guest.cpio" \
        "crashkernel=192M lbtest.crash=sysrq" "lifeboat: capture starting" \
        "dump-guest-memory $case_dir/memory.elf" \
        -drive "file=$case_dir/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump \
        -drive "file=$case_dir/crypt.img,if=none,id=crypt,format=raw" -device nvme,drive=crypt,serial=lbcrypt \
        -drive "file=$case_dir/fscrypt.img,if=none,id=fscrypt,format=raw" -device nvme,drive=fscrypt,serial=lbfscrypt
    dir=/crash/$(dump_dirs "$case_dir/disk.img" /crash | head -n1)
    for f in vmcore info.json metadata.json; do
        fetch_file "$case_dir/disk.img" "$dir/$f" "$case_dir/$f" || true
    done
    rm -f "$case_dir/disk.img" "$case_dir/crypt.img" "$case_dir/fscrypt.img"
    name=$KERNEL_RELEASE
    check "$name: the guest planted its secrets" grep -aq SECRETS-READY "$case_dir/serial.log"
    check "$name: the guest opened a dm-crypt volume with a known key" \
        grep -aq "secrets: dm-crypt volume lbsecret-crypt" "$case_dir/serial.log"
    check "$name: the guest planted two IPsec states with known keys" \
        grep -aq "lbtest: IPsec states planted: 2" "$case_dir/serial.log"
    # kTLS: where the kernel has a tls module it must be planted; where it has none, said, not passed
    if find "$KERNEL_ROOT/$(kernel_modules_dir)" -path '*/net/tls/tls.ko*' | grep -q .; then
        keys_markers="$IPSEC_MARKERS $KTLS_MARKERS" ktls_types='"tls_context.crypto_send, crypto_recv (kTLS)", "crypto tfm context (kTLS)", "tls IVs and record sequences (kTLS)"'
        check "$name: the guest keyed a kTLS socket both ways" \
            grep -aq "secrets: ktls socket keyed both ways" "$case_dir/serial.log"
    else
        log "SKIP: $name has no tls module: no kTLS socket planted, its markers not judged"
        keys_markers=$IPSEC_MARKERS ktls_types=
    fi
    check "$name: metadata.json: IPsec's and kTLS's keys and transforms erased, not named unredacted" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))["redaction"]
types = {e["type"]: e["count"] for e in r["erased"]}
print({t: c for t, c in types.items() if "IPsec" in t or "kTLS" in t})
for t in ["xfrm_algo.alg_key (IPsec)", "crypto tfm context (IPsec)", '"$ktls_types"']:
    assert types.get(t, 0) > 0, (t, types)
assert types["xfrm_algo.alg_key (IPsec)"] >= 3, types
said = [n for n in r["not_found"] if "IPsec" in n or "kTLS" in n]
print(said)
assert not [n for n in said if "NOT redacted" in n or "not loaded" in n or "no struct" in n or
            "claims" in n or "whose x->data" in n], said' "$case_dir/metadata.json"
    check "$name: metadata.json: the classes, what was erased, what was not found" $PY -c '
import json, sys
m = json.load(open(sys.argv[1]))
r = m["redaction"]
assert r["classes"] == ["keys", "user-data", "names"], r
types = {e["type"]: e["count"] for e in r["erased"]}
for t in ("task_struct.comm", "init_uts_ns.name.nodename", "user_key_payload.data",
          "pipe_buffer page", "sk_buff head (receive queues)", "input_pool.hash", "base_crng.key",
          "crypt_config.key (dm-crypt)", "crypto tfm context (dm-crypt)",
          "free pages on per-CPU lists (per_cpu_pages)", "free slab objects (SLUB)"):
    assert types.get(t, 0) > 0, (t, types)
assert r["not_found"], r
assert not [n for n in r["not_found"] if "dm-crypt" in n], r["not_found"]
assert m["status"] == "complete", m["status"]
print(types)' "$case_dir/metadata.json"
    check "$name: the triage report is redacted too: no task name, no host name" $PY -c '
import json, sys
i = json.load(open(sys.argv[1]))
assert i["redaction"] and not i["hostname"], i["hostname"]
assert len(i["tasks"]) > 20 and not [t for t in i["tasks"] if t["comm"]], i["tasks"][:3]
assert i["stack"], "no stack"' "$case_dir/info.json"
    check "$name: lifeboat convert -f elf reads the redacted dump" \
        "$LIFEBOAT_BIN" convert -f elf "$case_dir/vmcore" "$case_dir/vmcore.elf"
    check "$name: no marker in the redacted dump; every kept frame is the memory's outside the ranges" \
        $PY "$E2E_DIR/redact_judge.py" "$case_dir/memory.elf" "$case_dir/vmcore.elf" $MARKERS
    check "$name: the guest planted a pty's unread data and an abstract UNIX socket's name" \
        bash -c 'grep -aq SECRETS-READY "$1" && ! grep -a "secrets: pty\|secrets: unix" "$1"' \
        _ "$case_dir/serial.log"
    check "$name: no pty data or UNIX socket name in the redacted dump (both in the memory)" \
        $PY "$E2E_DIR/redact_judge.py" "$case_dir/memory.elf" "$case_dir/vmcore.elf" $TTY_MARKERS
    check "$name: no IPsec or kTLS key, nor their AES schedules, in the redacted dump (all in the memory)" \
        $PY "$E2E_DIR/redact_judge.py" "$case_dir/memory.elf" "$case_dir/vmcore.elf" $keys_markers
    check "$name: the guest left TCP data unsent to a receiver that never reads" \
        grep -aq "secrets: tcp data left unsent" "$case_dir/serial.log"
    check "$name: no TCP data, sent or unsent, in the redacted dump (all in the memory)" \
        $PY "$E2E_DIR/redact_judge.py" "$case_dir/memory.elf" "$case_dir/vmcore.elf" $TCP_MARKERS
    # WireGuard and fscrypt: planted where the kernel has them; where not, said, not passed
    wgfs_markers= wgfs_types=
    if find "$KERNEL_ROOT/$(kernel_modules_dir)" -path '*/wireguard/wireguard.ko*' | grep -q .; then
        check "$name: the guest planted a keyed WireGuard interface and peer" \
            grep -aq "lbtest: WireGuard interface planted" "$case_dir/serial.log"
        check "$name: a ping through them made a WireGuard handshake (session keys)" \
            grep -aq "lbtest: WireGuard handshake made" "$case_dir/serial.log"
        wgfs_markers="$WG_PRIV $WG_PRIV1 $WG_PSK"
        wgfs_types='"wg_device static private key (WireGuard)", "noise_handshake secrets (WireGuard)", "noise_keypair keys (WireGuard)", "cookie secrets (WireGuard)",'
    else
        log "SKIP: $name has no wireguard module: no WireGuard interface planted, its keys not judged"
    fi
    config=$(find "$KERNEL_ROOT" \( -name "config-$KERNEL_RELEASE" -o -path "*/$KERNEL_RELEASE/config" \) | head -n1)
    if grep -q '^CONFIG_FS_ENCRYPTION=y' "$config"; then
        check "$name: the guest added an fscrypt key and encrypted a directory with it" \
            grep -aq "secrets: fscrypt key added, directory encrypted, file written" "$case_dir/serial.log"
        wgfs_markers="$wgfs_markers fscrypt:$FS_KEY"
        wgfs_types="$wgfs_types \"fscrypt_master_key secret (fscrypt)\", \"crypto tfm context (fscrypt)\","
    else
        log "SKIP: $name has no fscrypt (CONFIG_FS_ENCRYPTION): no fscrypt key planted, not judged"
    fi
    if [ -n "$wgfs_markers" ]; then
        check "$name: metadata.json: WireGuard's and fscrypt's keys erased, nothing of them left unsaid" $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))["redaction"]
types = {e["type"]: e["count"] for e in r["erased"]}
print({t: c for t, c in types.items() if "WireGuard" in t or "fscrypt" in t or "blk-crypto" in t})
for t in ['"$wgfs_types"']:
    assert types.get(t, 0) > 0, (t, types)
said = [n for n in r["not_found"] if ("WireGuard" in n or "fscrypt" in n or "blk-crypto" in n) and
        "freed copies" not in n]
print(said)
assert not [n for n in said if "not loaded" in n or "no struct" in n or "not erased" in n], said' \
            "$case_dir/metadata.json"
        check "$name: no WireGuard or fscrypt key in the redacted dump (all in the memory)" \
            $PY "$E2E_DIR/redact_judge.py" "$case_dir/memory.elf" "$case_dir/vmcore.elf" $wgfs_markers
    fi
    check "$name: metadata.json: ttys' buffers, UNIX sockets' and open files' names erased" $PY -c '
import json, sys
types = {e["type"]: e["count"] for e in json.load(open(sys.argv[1]))["redaction"]["erased"]}
print({t: c for t, c in types.items() if "tty" in t or "unix" in t or "dentry" in t})
for t in ("n_tty_data read and echo buffers", "unix_address.name (UNIX sockets\x27 names)",
          "sk_buff head (send and TCP queues)",
          "dentry.d_name (open files\x27 paths)"):
    assert types.get(t, 0) > 0, (t, types)' "$case_dir/metadata.json"
    check "$name: info and verify say the dump is redacted, and what was not" bash -c '
        "$1" info "$2" | grep -E "^redacted \(keys,user-data,names\)" && "$1" info "$2" | grep -q "NOT redacted" &&
        "$1" verify "$2" | grep -E "redacted \(keys,user-data,names\)"' _ "$LIFEBOAT_BIN" "$case_dir/vmcore"
    check "$name: save --redact on the host walks the dump again (a note is no proof) into a new dump" bash -c '
        "$1" save -d 31 --redact all "$2" "$2.again" 2>&1 | grep -E "redacted \(keys,user-data,names\)" &&
        "$1" verify "$2.again" | grep -q "redacted" && ! cmp -s "$2" "$2.again"; rm -f "$2.again"' \
        _ "$LIFEBOAT_BIN" "$case_dir/vmcore"
    if [ "$pkg" = linux-image-cloud-amd64 ]; then
        ensure_debuginfo
        printf 'bt\nps\nquit\n' > "$case_dir/crash.cmds"
        # (crash 8.0.2's ps lists only the active tasks of lifeboat's -d 31 6.1 dumps, redacted
        # or not: "not found in PID hash"; the whole task list is drgn's judgement below)
        check "$name: crash opens the redacted dump: the panicking stack, ps with its task" bash -c '
            crash -s "$1" "$2" -i "$3" > "$4" 2>&1; head -30 "$4"
            grep -q "sysrq_handle_crash" "$4" && grep -qE "^> +1 +0 " "$4"' \
            _ "$VMLINUX" "$case_dir/vmcore" "$case_dir/crash.cmds" "$case_dir/crash.out"
        check "$name: drgn walks the redacted dump's tasks and the crashed thread's stack" $PY -c '
import sys, drgn
from drgn.helpers.linux.pid import for_each_task
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
tasks = list(for_each_task(prog))
trace = prog.crashed_thread().stack_trace()
names = [f.name for f in trace if f.name]
print(len(tasks), "tasks;", names[:6])
assert len(tasks) > 20 and "sysrq_handle_crash" in names' "$case_dir/vmcore" "$VMLINUX"
    else
        # 6.12 and 7.x: sid's crash 9.0.2 (lib.sh's ensure_crash_judge) with the -dbg vmlinux;
        # --no_modules: crash 9.0.2 stops at 7.x's struct module ("invalid structure member
        # offset: module_num_gpl_syms"), redacted or not, once a module is loaded (dm_mod here)
        ensure_debuginfo
        ensure_crash_judge
        printf 'bt\nps\nquit\n' > "$case_dir/crash.cmds"
        check "$name: crash ${CRASH_JUDGE%%+*} opens the redacted dump: the panicking stack, ps with pid 1" bash -c '
            timeout -k 10 900 "${@:5}" --no_modules -s "$1" "$2" -i "$3" > "$4" 2>&1; head -30 "$4"
            grep -q "sysrq_handle_crash" "$4" && grep -qE "^>? +1 +0 +[0-9]+ " "$4"' \
            _ "$VMLINUX" "$case_dir/vmcore" "$case_dir/crash.cmds" "$case_dir/crash.out" \
            "${CRASH_JUDGE_CMD[@]}"
    fi
    rm -f "$case_dir/memory.elf" "$case_dir/vmcore.elf"
done
e2e_end
