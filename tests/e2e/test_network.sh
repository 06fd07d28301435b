#!/usr/bin/env bash
# test_network.sh - dumps that leave the machine: a real crash saved to a
# server on this machine's loopback, which the QEMU guest reaches through
# user-mode networking as 10.0.2.2 ("collector" in its /etc/hosts).
#
# NFS: nfs-ganesha (userspace NFSv4) exports a directory on 127.0.0.1.  The
# guest's configuration names an unreachable NFS server first, then the
# real one by host name; 'lifeboat load' resolves the name, finds the route
# and the virtio NIC (by MAC) and its driver; the crash kernel brings the
# NIC up with netlink and mounts the export with its own NFS client.  Then
# on the host: the dump directory is in the export, complete, 'lifeboat
# info' names the panic, and every pattern page is in the dump.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
e2e_begin
JUDGE="/usr/bin/python3 $E2E_DIR/judge.py"
L=$LIFEBOAT_BIN
NFS_PORT=${NFS_PORT:-20490}
MAC=52:54:00:12:34:56
NIC=(-netdev user,id=n0 -device "virtio-net-pci,netdev=n0,mac=$MAC")

fetch_kernel "$KERNEL_PACKAGE"
mkdir -p "$work/export/crash"
start_nfs_server "$work/export" "$NFS_PORT"

# --- NFS -------------------------------------------------------------------
GUEST_MODULES=1 GUEST_NET_MODULES=1 build_guest_initramfs "$work/nfs.cpio" \
"target nfs://10.0.2.2:$((NFS_PORT + 1))/export/crash
target nfs://collector:$NFS_PORT/export/crash
dump-level 23"
seed=$((RANDOM * 65536 + RANDOM + 1))
run_guest "$work/nfs.log" "$work/nfs.cpio" \
    "crashkernel=${CRASHKERNEL:-160M} lbtest.seed=$seed lbtest.net=1" "${NIC[@]}" || true
log "guest ran ${GUEST_SECONDS:-?} s"
d=$(ls "$work/export/crash" | head -n1)
check "load copied the way to the server: the NIC by MAC, its address, the server's address" \
    bash -c 'grep -q "is up with 10.0.2.15/24" "$1" && grep -q "lifeboat: mounted nfs://collector" "$1"' \
    _ "$work/nfs.log"
check "the unreachable server was tried first, said why, and the next target taken" bash -c '
    grep -q "cannot mount nfs://10.0.2.2:'$((NFS_PORT + 1))'/export/crash" "$1" &&
    grep -q "trying the next target" "$1"' _ "$work/nfs.log"
check "the capture saved a complete dump on the NFS server" bash -c '
    grep -q "complete dump saved in nfs://collector:'$NFS_PORT'/export/crash/" "$1" &&
    [ -n "$2" ] && [ -s "$3/vmcore" ] && [ -s "$3/dmesg.txt" ] &&
    grep -q "\"status\": \"complete\"" "$3/metadata.json"' _ "$work/nfs.log" "$d" "$work/export/crash/$d"
check "lifeboat info on the server's copy names the panic" bash -c '
    "$1" info "$2/vmcore" | grep -q "sysrq"' _ "$L" "$work/export/crash/$d"
check "every pattern page is at its frame in the dump on the server (libkdumpfile)" \
    $JUDGE pattern "$work/export/crash/$d/vmcore" "$work/nfs.log" --expect present
check "the dump on the server matches the checksum taken at capture" bash -c '
    "$1" verify "$2/vmcore" | grep -q "matches the one recorded at capture"' _ "$L" "$work/export/crash/$d"
e2e_end
