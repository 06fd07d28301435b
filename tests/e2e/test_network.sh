#!/usr/bin/env bash
# test_network.sh - dumps that leave the machine: a real crash saved to a
# server on this machine's loopback, which the QEMU guest reaches through
# user-mode networking as 10.0.2.2 ("collector" in its /etc/hosts).
#
# NFS: nfs-ganesha (userspace NFS) exports directories on 127.0.0.1.  The
# guest's configuration names two NFS servers, the second by host name and
# with a mount option of the admin's, and 'network dhcp'; 'lifeboat load' resolves the name, finds the route and the
# virtio NIC (by MAC) and its driver, and mounts each export to write a file
# there; config check refuses a server that is not there.  After load the
# first server stops.  The crash kernel brings the NIC up with netlink, gets
# its address from QEMU's DHCP server, says why the first server fails, and
# mounts the second with its own NFS client (a rehearsal after the stop,
# tests/e2e/guest/rehearse.sh, says the same and passes on the second: what a
# crash would meet is met without one).  Then on the host: the dump
# directory is in the export, complete, 'lifeboat info' names the panic, and
# every pattern page is in the dump.
#
# SSH: four sshd on 127.0.0.1 and the network build (lifeboat-net) in the
# guest, with the capture's key from 'lifeboat ssh-key'.  load pins each
# server's host key from known_hosts and checks each directory; config
# check refuses an unreachable server and a directory the user cannot
# write.  After load the host changes the world: server A gets another host
# key, B no longer accepts the capture's key, C stops.  The crash kernel
# must say why for each (and so must a rehearsal after the changes), and
# save the dump on D over SFTP: a plain kdump
# file there, no key material beside it.  In the middle of that dump the
# connection is cut: the capture connects again and writes on from where the
# cut write began.  A fifth sshd, E, has an RSA host key of 8192 bits: config
# check pins it whole.  On this machine, save refuses a key known_hosts marks
# @revoked.
#
# HTTPS: two nginx with TLS and WebDAV on 127.0.0.1, asking for a bearer
# token.  config check refuses a wrong token and a certificate no known CA
# signed; load checks both servers against the CA and pins their keys.
# After load server A gets a new certificate: the crash kernel refuses it,
# and saves on B one chunked PUT of the flattened format, with the log and
# the report; the token is in no file lifeboat writes (the memory image
# holds it, as it holds everything the machine had).
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
e2e_begin
JUDGE="/usr/bin/python3 $E2E_DIR/judge.py"
L=$LIFEBOAT_BIN
NFS_PORT=${NFS_PORT:-20490}
MAC=52:54:00:12:34:56
NIC=(-netdev user,id=n0 -device "virtio-net-pci,netdev=n0,mac=$MAC")

fetch_kernel "$KERNEL_PACKAGE"

# --- NFS -------------------------------------------------------------------
if [ -z "${SKIP_NFS:-}" ]; then
mkdir -p "$work/export/crash" "$work/export1/crash"
start_nfs_server "$work/export" "$NFS_PORT"
start_nfs_server "$work/export1" "$((NFS_PORT + 1))"
NFS1_PID=$SERVER_PID
cat > "$work/nfs-before-load.sh" <<EOF
printf 'target nfs://10.0.2.2:$((NFS_PORT + 2))/export/crash\n' > /tmp/unreachable.conf
/sbin/lifeboat config check -c /tmp/unreachable.conf 2>&1 | sed 's/^/GUEST: unreachable: /'
EOF
echo "10.0.2.2 $((NFS_PORT + 1))" > "$work/nfs-rehearse-when"
GUEST_MODULES=1 GUEST_NET_MODULES=1 GUEST_FILES="$work/nfs-before-load.sh=/etc/lbtest-before-load.sh \
$E2E_DIR/guest/rehearse.sh=/etc/lbtest-after-load.sh $work/nfs-rehearse-when=/etc/lbtest/rehearse-when-refused" \
    build_guest_initramfs "$work/nfs.cpio" \
"target nfs://10.0.2.2:$((NFS_PORT + 1))/export/crash
target nfs://collector:$NFS_PORT/export/crash options timeo=150
network dhcp
dump-level 23"
# after load, the first server stops
(
    for i in $(seq 1 600); do grep -qa "GUEST: waiting" "$work/nfs.log" 2>/dev/null && break; sleep 0.5; done
    kill "$NFS1_PID"
) &
seed=$((RANDOM * 65536 + RANDOM + 1))
run_guest "$work/nfs.log" "$work/nfs.cpio" \
    "crashkernel=${CRASHKERNEL:-160M} lbtest.seed=$seed lbtest.net=1 lbtest.delay=10" "${NIC[@]}" || true
log "guest ran ${GUEST_SECONDS:-?} s"
d=$(ls "$work/export/crash" | head -n1)
check "config check refuses an unreachable NFS server, saying so" \
    grep -qa "GUEST: unreachable: .*cannot mount nfs://10.0.2.2:$((NFS_PORT + 2))/export/crash" "$work/nfs.log"
check "load checked both servers (mounted, a file made and removed) and loaded" bash -c '
    grep -qa "lifeboat: crash kernel loaded" "$1" && [ -z "$(find "$2/export1/crash" -mindepth 1)" ] &&
    [ -z "$(find "$2/export" "$2/export1" -name ".lifeboat-check*")" ]' _ "$work/nfs.log" "$work"
check "network dhcp: the NIC found by MAC, its address from QEMU's DHCP server, the server reached" \
    bash -c 'grep -q "(52:54:00:12:34:56) is up with 10.0.2.15/24 (DHCP from 10.0.2.2)" "$1" &&
    grep -q "lifeboat: mounted nfs://collector" "$1"' _ "$work/nfs.log"
check "the server stopped after load: tried first, said why, and the next target taken" bash -c '
    grep -av "GUEST: rh:" "$1" | grep -q "cannot mount nfs://10.0.2.2:'$((NFS_PORT + 1))'/export/crash" &&
    grep -q "trying the next target" "$1"' _ "$work/nfs.log"
check "a rehearsal after the server stopped: the same words, the next target, passed, nothing left" bash -c '
    grep -qa "GUEST: rehearsal exit 0" "$1" &&
    grep -qa "GUEST: rh: lb: cannot mount nfs://10.0.2.2:'$((NFS_PORT + 1))'/export/crash" "$1" &&
    grep -qa "GUEST: rh: lb: rehearsal: the crash kernel would try the next target" "$1" &&
    grep -qa "GUEST: rh: lb: rehearsal passed: a crash now would be saved to nfs://collector:'$NFS_PORT'/export/crash" "$1" &&
    [ -z "$(find "$2" -name ".rehearsal-*")" ]' _ "$work/nfs.log" "$work/export"
check "the capture saved a complete dump on the NFS server (the admin's options added)" bash -c '
    grep -q "complete dump saved in nfs://collector:'$NFS_PORT'/export/crash/" "$1" &&
    [ -n "$2" ] && [ -s "$3/vmcore" ] && [ -s "$3/dmesg.txt" ] &&
    grep -q "\"status\": \"complete\"" "$3/metadata.json"' _ "$work/nfs.log" "$d" "$work/export/crash/$d"
check "lifeboat info on the server's copy names the panic" bash -c '
    "$1" info "$2/vmcore" | grep -q "sysrq"' _ "$L" "$work/export/crash/$d"
check "every pattern page is at its frame in the dump on the server (libkdumpfile)" \
    $JUDGE pattern "$work/export/crash/$d/vmcore" "$work/nfs.log" --expect present
check "the dump on the server matches the checksum taken at capture" bash -c '
    "$1" verify "$2/vmcore" | grep -q "matches the one recorded at capture"' _ "$L" "$work/export/crash/$d"
fi
# --- SSH -------------------------------------------------------------------
NET_BIN=${LIFEBOAT_NET_BIN:-$REPO_DIR/build-net/lifeboat-net}
if [ -z "${SKIP_SSH:-}" ]; then
P=${SSH_PORT:-22220}
mkdir -p "$work/capture" "$work/known"
"$L" ssh-key -f "$work/capture/id" > "$work/authorized_keys"
check "ssh-key makes a key ssh-keygen reads, and an SFTP-only authorized_keys line" bash -c '
    [ "$(stat -c %a "$1")" = 600 ] &&
    [ "$(ssh-keygen -y -f "$1" | cut -d" " -f1,2)" = "$(cut -d" " -f1,2 "$1.pub")" ] &&
    grep -q "^restrict,command=\"internal-sftp -p [a-z,]*\" ssh-ed25519 " "$2"' _ "$work/capture/id" \
    "$work/authorized_keys"
for s in A B C D; do
    port=$((P + $(printf '%d' "'$s") - 65))
    mkdir -p "$work/dumps$s"
    start_sshd "$work/sshd$s" "$port" "$work/authorized_keys"
    eval "PID_$s=$SERVER_PID PORT_$s=$port"
    echo "[collector]:$port $(cat "$work/sshd$s/host_ed25519.pub")" >> "$work/known/known_hosts"
done
# E: an RSA host key above what 800 bytes of pin held (issue 21, item 7).  libssh2 1.10
# (Debian 12) has an RSA host key sign with ssh-rsa only, which OpenSSH 8.8 and later
# no longer offer unless told.
PORT_E=$((P + 4))
mkdir -p "$work/sshdE" "$work/dumpsE"
ssh-keygen -q -t rsa -b 8192 -N '' -f "$work/sshdE/host_rsa"
start_sshd "$work/sshdE" "$PORT_E" "$work/authorized_keys" "$work/sshdE/host_rsa" \
    "HostKeyAlgorithms +ssh-rsa"
echo "[collector]:$PORT_E $(cat "$work/sshdE/host_rsa.pub")" >> "$work/known/known_hosts"
mkdir -p "$work/readonly" && chmod 755 "$work/readonly" && chmod 711 "$work"
cat > "$work/before-load.sh" <<EOF
printf 'target ssh://root@collector:$((P + 9))$work/dumpsD\nknown-hosts /etc/lbtest/known_hosts\n' > /tmp/unreachable.conf
/sbin/lifeboat config check -c /tmp/unreachable.conf 2>&1 | sed 's/^/GUEST: unreachable: /'
printf 'target ssh://nobody@collector:$PORT_D$work/readonly\nknown-hosts /etc/lbtest/known_hosts\n' > /tmp/readonly.conf
/sbin/lifeboat config check -c /tmp/readonly.conf 2>&1 | sed 's/^/GUEST: readonly: /'
printf 'target ssh://root@collector:$PORT_E$work/dumpsE\nknown-hosts /etc/lbtest/known_hosts\n' > /tmp/rsa.conf
/sbin/lifeboat config check -c /tmp/rsa.conf 2>&1 | sed 's/^/GUEST: rsa: /'
EOF
echo "10.0.2.2 $PORT_C" > "$work/ssh-rehearse-when"
GUEST_MODULES=1 GUEST_NET_MODULES=1 GUEST_NET_BIN=$NET_BIN GUEST_FILES="$work/capture/id=/etc/lifeboat/id_ed25519 \
$work/known/known_hosts=/etc/lbtest/known_hosts $work/before-load.sh=/etc/lbtest-before-load.sh \
$E2E_DIR/guest/rehearse.sh=/etc/lbtest-after-load.sh $work/ssh-rehearse-when=/etc/lbtest/rehearse-when-refused" \
    build_guest_initramfs "$work/ssh.cpio" \
"target ssh://root@collector:$PORT_A$work/dumpsA
target ssh://root@collector:$PORT_B$work/dumpsB
target ssh://root@collector:$PORT_C$work/dumpsC
target ssh://root@collector:$PORT_D$work/dumpsD
known-hosts /etc/lbtest/known_hosts
dump-level 23"
# after load: A another host key, B the capture's key refused, C gone
(
    for i in $(seq 1 600); do grep -qa "GUEST: waiting" "$work/ssh.log" 2>/dev/null && break; sleep 0.5; done
    kill "$PID_A"
    : > "$work/authorized_keys.B"
    sleep 0.5
    ssh-keygen -q -t ed25519 -N '' -f "$work/sshdA/other_key"
    start_sshd "$work/sshdA" "$PORT_A" "$work/authorized_keys" "$work/sshdA/other_key"
    kill "$PID_B"; sleep 0.5
    start_sshd "$work/sshdB" "$PORT_B" "$work/authorized_keys.B"
    kill "$PID_C" # last: the guest's rehearsal starts when C refuses (guest/rehearse.sh)
    echo changed > "$work/changed"
    # in the middle of the dump on D, its connection dies: the capture connects again and goes
    # on.  Cut once the capture's vmcore there (in its .partial directory: the rehearsal's is
    # in .rehearsal-*) holds 8 MiB (its headers, bitmaps and descriptors come first, ~2.5 MiB):
    # a progress line, every 3 s, may come only at the end of a fast dump
    for i in $(seq 1 6000); do
        find "$work/dumpsD" -path '*/.partial-*' -name 'vmcore*' -size +8M 2>/dev/null |
            grep -q . && break
        sed -n '/connected to ssh:\/\/root@collector:'"$PORT_D"'/,$p' "$work/ssh.log" 2>/dev/null |
            grep -qa "lifeboat: vmcore: " && break
        sleep 0.02
    done
    pkill -P "$PID_D" && echo cut > "$work/cut"
    wait
) &
changer=$!
seed=$((RANDOM * 65536 + RANDOM + 1))
run_guest "$work/ssh.log" "$work/ssh.cpio" \
    "crashkernel=${CRASHKERNEL:-160M} lbtest.seed=$seed lbtest.net=1 lbtest.delay=15" "${NIC[@]}" || true
log "guest ran ${GUEST_SECONDS:-?} s"
kill "$changer" 2>/dev/null || true
d=$(ls "$work/dumpsD" | head -n1)
check "config check refuses an unreachable server, saying so" \
    grep -qa "GUEST: unreachable: .*cannot connect to 10.0.2.2 port $((P + 9))" "$work/ssh.log"
check "config check refuses a directory the user cannot write, saying so" \
    grep -qa "GUEST: readonly: .*cannot write there" "$work/ssh.log"
check "config check pins an RSA host key of 8192 bits whole" \
    grep -qaF "GUEST: rsa: target ssh://root@collector:$PORT_E$work/dumpsE address 10.0.2.2 host-key $(cut -d' ' -f1,2 "$work/sshdE/host_rsa.pub")" \
    "$work/ssh.log"
check "load ran the network build and loaded the crash kernel" bash -c '
    grep -qa "lifeboat: crash kernel loaded" "$1" && [ -f "$2" ]' _ "$work/ssh.log" "$work/changed"
check "server A's new host key: refused in the crash kernel, said, the next target tried" \
    bash -c 'grep -av "GUEST: rh:" "$1" | grep -q "not the one pinned at load: refused"' _ "$work/ssh.log"
check "server B refusing the capture's key: said, the next target tried" \
    bash -c 'grep -av "GUEST: rh:" "$1" | grep -q "the server refused the key /etc/lifeboat/ssh-identity for user root"' _ "$work/ssh.log"
check "server C gone: said, the next target tried" \
    bash -c 'grep -av "GUEST: rh:" "$1" | grep -q "cannot connect to 10.0.2.2 port $2"' _ "$work/ssh.log" "$PORT_C"
check "a rehearsal after the changes fails A, B and C with the capture's words and passes on D" bash -c '
    grep -qa "GUEST: rehearsal exit 0" "$1" &&
    grep -qa "GUEST: rh: .*not the one pinned at load: refused" "$1" &&
    grep -qa "GUEST: rh: .*the server refused the key .* for user root" "$1" &&
    grep -qa "GUEST: rh: .*cannot connect to 10.0.2.2 port '$PORT_C'" "$1" &&
    grep -qa "GUEST: rh: lb: rehearsal passed: a crash now would be saved to ssh://root@collector:'$PORT_D'" "$1"' \
    _ "$work/ssh.log"
check "the connection cut in the middle of the dump: said, a new one, the dump goes on" bash -c '
    [ -f "$2" ] && grep -qa "the connection to the server dropped: again from offset" "$1"' _ \
    "$work/ssh.log" "$work/cut"
check "the capture saved a complete dump on server D over SFTP" bash -c '
    grep -qa "complete dump saved in ssh://root@collector:'$PORT_D'" "$1" && [ -n "$2" ] &&
    [ -s "$3/vmcore" ] && [ -s "$3/dmesg.txt" ] && [ -s "$3/info.json" ] &&
    grep -q "\"status\": \"complete\"" "$3/metadata.json"' _ "$work/ssh.log" "$d" "$work/dumpsD/$d"
# (ssh-key's line is write-only: the server refuses to remove load's probe, one file of one name)
check "nothing was left on A, B and C but load's probe file, and no .partial directory on D" bash -c '
    [ -z "$(find "$1/dumpsA" "$1/dumpsB" "$1/dumpsC" -mindepth 1 ! -name .lifeboat-check)" ] &&
    ! ls -a "$1/dumpsD" | grep -q partial' \
    _ "$work"
# (the vmcore is the crashed machine's memory, which held the key in its initramfs: what lifeboat
# must not do is put the key in a file of its own)
check "no key material in a file lifeboat wrote beside the dump" bash -c '
    ! grep -lq "PRIVATE KEY" "$1/dmesg.txt" "$1/info.json" "$1/metadata.json" &&
    [ "$(ls "$1" | sort | tr "\n" " ")" = "dmesg.txt info.json metadata.json vmcore " ]' _ \
    "$work/dumpsD/$d"
check "the dump on the server is a kdump file lifeboat info reads: the panic is named" bash -c '
    [ "$(head -c 8 "$2/vmcore")" = "KDUMP   " ] && "$1" info "$2/vmcore" | grep -q sysrq' _ \
    "$L" "$work/dumpsD/$d"
check "every pattern page is at its frame in the dump on the server (libkdumpfile)" \
    $JUDGE pattern "$work/dumpsD/$d/vmcore" "$work/ssh.log" --expect present

# --- save to a URL, on this machine ------------------------------------------
# lifeboat (no SSH in it) runs lifeboat-net for the ssh:// destination; the file on the server is
# the one a local save writes, byte for byte.
echo "[127.0.0.1]:$PORT_D $(cut -d' ' -f1,2 "$work/sshdD/host_ed25519.pub")" > "$work/host_known"
echo "[127.0.0.1]:$PORT_D $(cut -d' ' -f1,2 "$work/sshdA/other_key.pub")" > "$work/wrong_known"
mkdir -p "$work/saved"
src=$work/dumpsD/$d/vmcore
check "save SOURCE ssh://root@127.0.0.1:PORT/PATH writes over SFTP what a local save writes" bash -c '
    LIFEBOAT_NET=$1 "$2" save -d 31 -t 1 -c zstd --ssh-identity "$3" --known-hosts "$4" "$5" \
        "ssh://root@127.0.0.1:$6$7/saved/vmcore" &&
    "$2" save -d 31 -t 1 -c zstd "$5" "$7/local.vmcore" && cmp "$7/saved/vmcore" "$7/local.vmcore"' _ \
    "$NET_BIN" "$L" "$work/capture/id" "$work/host_known" "$src" "$PORT_D" "$work"
check "save to a server whose key is not the known one: refused, nothing written" bash -c '
    ! LIFEBOAT_NET=$1 "$2" save --ssh-identity "$3" --known-hosts "$4" "$5" \
        "ssh://root@127.0.0.1:$6$7/saved/other" 2> "$7/wrong.err" &&
    grep -q "not the one known_hosts has" "$7/wrong.err" && [ ! -e "$7/saved/other" ]' _ \
    "$NET_BIN" "$L" "$work/capture/id" "$work/wrong_known" "$src" "$PORT_D" "$work"
{ cat "$work/host_known"; echo "@revoked * $(cut -d' ' -f1,2 "$work/sshdD/host_ed25519.pub")"; } \
    > "$work/revoked_known"
check "save to a server whose key known_hosts marks @revoked: refused, the file and line named" bash -c '
    ! LIFEBOAT_NET=$1 "$2" save --ssh-identity "$3" --known-hosts "$4" "$5" \
        "ssh://root@127.0.0.1:$6$7/saved/revoked" 2> "$7/revoked.err" &&
    grep -qF "$4 line 2 marks @revoked: refused" "$7/revoked.err" && [ ! -e "$7/saved/revoked" ]' _ \
    "$NET_BIN" "$L" "$work/capture/id" "$work/revoked_known" "$src" "$PORT_D" "$work"
check "save over an existing file on the server: refused, the file untouched" bash -c '
    echo evidence > "$7/saved/kept" &&
    ! LIFEBOAT_NET=$1 "$2" save --ssh-identity "$3" --known-hosts "$4" "$5" \
        "ssh://root@127.0.0.1:$6$7/saved/kept" 2>/dev/null && [ "$(cat "$7/saved/kept")" = evidence ]' _ \
    "$NET_BIN" "$L" "$work/capture/id" "$work/host_known" "$src" "$PORT_D" "$work"
fi

# --- HTTPS -------------------------------------------------------------------
if [ -z "${SKIP_HTTPS:-}" ]; then
HP=${HTTPS_PORT:-18443}
token=lifeboat-$RANDOM$RANDOM
printf '%s\n' "$token" > "$work/token"
printf 'not-the-token\n' > "$work/wrong-token"
start_https_server "$work/httpsA" "$HP" "$token"
HTTPS_A=$SERVER_PID
start_https_server "$work/httpsB" "$((HP + 1))" "$token"
mkdir -p "$work/httpsA/www/dumps" "$work/httpsB/www/dumps"
cat "$work/httpsA/cert.pem" "$work/httpsB/cert.pem" > "$work/ca.pem"
cat > "$work/https-before-load.sh" <<EOF
printf 'target https://collector:$((HP + 1))/dumps/\nhttps-ca /etc/lbtest/ca.pem\nhttps-token /etc/lbtest/wrong-token\n' > /tmp/badtoken.conf
/sbin/lifeboat config check -c /tmp/badtoken.conf 2>&1 | sed 's/^/GUEST: badtoken: /'
printf 'target https://collector:$((HP + 1))/dumps/\n' > /tmp/noca.conf
/sbin/lifeboat config check -c /tmp/noca.conf 2>&1 | sed 's/^/GUEST: noca: /'
EOF
GUEST_MODULES=1 GUEST_NET_MODULES=1 GUEST_NET_BIN=$NET_BIN GUEST_FILES="$work/ca.pem=/etc/lbtest/ca.pem \
$work/token=/etc/lbtest/token $work/wrong-token=/etc/lbtest/wrong-token \
$work/https-before-load.sh=/etc/lbtest-before-load.sh" build_guest_initramfs "$work/https.cpio" \
"target https://collector:$HP/dumps/
target https://collector:$((HP + 1))/dumps/
https-ca /etc/lbtest/ca.pem
https-token /etc/lbtest/token
dump-level 23"
# after load, server A gets a new certificate (the same name, another key)
(
    for i in $(seq 1 600); do grep -qa "GUEST: waiting" "$work/https.log" 2>/dev/null && break; sleep 0.5; done
    kill "$HTTPS_A"; sleep 1
    rm "$work/httpsA/cert.pem"
    start_https_server "$work/httpsA" "$HP" "$token"
    echo changed > "$work/https-changed"
    wait
) &
changer=$!
seed=$((RANDOM * 65536 + RANDOM + 1))
run_guest "$work/https.log" "$work/https.cpio" \
    "crashkernel=${CRASHKERNEL:-160M} lbtest.seed=$seed lbtest.net=1 lbtest.delay=10" "${NIC[@]}" || true
log "guest ran ${GUEST_SECONDS:-?} s"
kill "$changer" 2>/dev/null || true
d=$(ls "$work/httpsB/www/dumps" | head -n1)
D=$work/httpsB/www/dumps/$d
check "config check refuses a token the server does not take, saying so" \
    grep -qa "GUEST: badtoken: .*cannot write there: HTTP 401 (the token?)" "$work/https.log"
check "config check refuses a certificate no CA it knows signed" \
    grep -qa "GUEST: noca: .*certificate does not verify for collector" "$work/https.log"
check "load pinned both servers' keys and loaded" bash -c '
    grep -qa "lifeboat: crash kernel loaded" "$1" && [ -f "$2" ]' _ "$work/https.log" "$work/https-changed"
check "server A's new certificate: refused in the crash kernel, said, the next target tried" bash -c '
    grep -qa "has a key that is not the one pinned at load: refused" "$1" &&
    grep -qa "trying the next target" "$1" && [ -z "$(ls -A "$2")" ]' _ "$work/https.log" \
    "$work/httpsA/www/dumps"
check "the capture saved a complete dump on server B: a flattened stream, the log, the report" bash -c '
    grep -qa "complete dump saved in https://collector:'$((HP + 1))'/dumps/" "$1" && [ -n "$2" ] &&
    [ "$(ls "$3" | sort | tr "\n" " ")" = "dmesg.txt info.json metadata.json vmcore.flat " ] &&
    grep -q "\"status\": \"complete\"" "$3/metadata.json" &&
    grep -q "\"dump_file\": \"vmcore.flat\"" "$3/metadata.json"' _ "$work/https.log" "$d" "$D"
check "the token is in no file lifeboat wrote beside the dump, nor on the console" bash -c '
    ! grep -qa "$1" "$2/dmesg.txt" "$2/info.json" "$2/metadata.json" && ! grep -qa "$1" "$3"' _ \
    "$token" "$D" "$work/https.log"
check "lifeboat convert makes the stream a kdump file; lifeboat info on it names the panic" bash -c '
    "$1" convert "$2/vmcore.flat" "$3" && [ "$(head -c 8 "$3")" = "KDUMP   " ] &&
    "$1" info "$3" | grep -q sysrq' _ "$L" "$D" "$work/https.vmcore"
check "every pattern page is at its frame in the converted dump (libkdumpfile)" \
    $JUDGE pattern "$work/https.vmcore" "$work/https.log" --expect present
# save to an https:// URL, on this machine: the stream a local 'save ... -' writes, byte for byte
check "save SOURCE https://127.0.0.1:PORT/PATH PUTs the flattened stream a local save writes" bash -c '
    LIFEBOAT_NET=$1 "$2" save -d 31 -t 1 -c zstd --ca "$3" --token-file "$4" "$5" \
        "https://127.0.0.1:$6/dumps/saved.flat" &&
    "$2" save -d 31 -t 1 -c zstd "$5" - > "$7/local.flat" && cmp "$8/saved.flat" "$7/local.flat"' _ \
    "$NET_BIN" "$L" "$work/ca.pem" "$work/token" "$work/https.vmcore" "$((HP + 1))" "$work" \
    "$work/httpsB/www/dumps"
check "save to https with a token the server refuses: its HTTP status said, no death by SIGPIPE" bash -c '
    LIFEBOAT_NET=$1 "$2" save --ca "$3" --token-file "$4" "$5" \
        "https://127.0.0.1:$6/dumps/refused.flat" 2> "$7/https-token.err"
    [ $? = 1 ] && grep -q "HTTP 401" "$7/https-token.err" && [ ! -e "$8/refused.flat" ]' _ \
    "$NET_BIN" "$L" "$work/ca.pem" "$work/wrong-token" "$work/https.vmcore" "$((HP + 1))" \
    "$work" "$work/httpsB/www/dumps"
check "save to https with a CA that did not sign the certificate: refused, nothing written" bash -c '
    ! LIFEBOAT_NET=$1 "$2" save --ca "$3" --token-file "$4" "$5" \
        "https://127.0.0.1:$6/dumps/other.flat" 2> "$7/https-ca.err" &&
    grep -q "does not verify" "$7/https-ca.err" && [ ! -e "$8/other.flat" ]' _ \
    "$NET_BIN" "$L" "$work/httpsA/cert.pem" "$work/token" "$work/https.vmcore" "$((HP + 1))" \
    "$work" "$work/httpsB/www/dumps"
fi
e2e_end
