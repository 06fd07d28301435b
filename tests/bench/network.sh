#!/usr/bin/env bash
# network.sh - what a network target costs: the smallest crashkernel= that
# saves a crash, and the dump step's speed, for a local disk (virtual NVMe),
# NFS (nfs-ganesha on this machine's loopback), SSH (sshd on loopback,
# lifeboat-net in the initramfs) and HTTPS (nginx on loopback, lifeboat-net),
# the same guest and kernel each time.  A
# benchmark, not a test: it prints a table.
#
#   tests/bench/network.sh                      # 6.1 cloud kernel, 1 GiB guest
#   SIZES="64 72 80" MEM=4096 tests/bench/network.sh
source "$(dirname "$0")/../e2e/lib.sh"

SIZES=${SIZES:-"48 56 64 72 80 88 96 112 128"}
MEM=${MEM:-1024}
NET_BIN=${LIFEBOAT_NET_BIN:-$REPO_DIR/build-net/lifeboat-net}
e2e_begin
fetch_kernel "${KERNEL_PACKAGE:-linux-image-cloud-amd64}"
NIC=(-netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56)
P=${SSH_PORT:-22240}

mkdir -p "$work/export" "$work/ssh-dumps" "$work/known"
start_nfs_server "$work/export" 20495
"$LIFEBOAT_BIN" ssh-key -f "$work/id" > "$work/authorized_keys" 2>/dev/null
start_sshd "$work/sshd" "$P" "$work/authorized_keys"
echo "[collector]:$P $(cut -d' ' -f1,2 "$work/sshd/host_ed25519.pub")" > "$work/known/known_hosts"
echo token > "$work/token"
start_https_server "$work/https" 18453 token
mkdir -p "$work/https/www/dumps"

GUEST_MODULES=1 build_guest_initramfs "$work/disk.cpio" "target fs /dev/nvme0n1 /crash"
GUEST_MODULES=1 GUEST_NET_MODULES=1 build_guest_initramfs "$work/nfs.cpio" \
    "target nfs://collector:20495/export"
GUEST_MODULES=1 GUEST_NET_MODULES=1 GUEST_NET_BIN=$NET_BIN \
    GUEST_FILES="$work/id=/etc/lifeboat/id_ed25519 $work/known/known_hosts=/etc/lbtest/known_hosts" \
    build_guest_initramfs "$work/ssh.cpio" "target ssh://root@collector:$P$work/ssh-dumps
known-hosts /etc/lbtest/known_hosts"
GUEST_MODULES=1 GUEST_NET_MODULES=1 GUEST_NET_BIN=$NET_BIN \
    GUEST_FILES="$work/https/cert.pem=/etc/lbtest/ca.pem $work/token=/etc/lbtest/token" \
    build_guest_initramfs "$work/https.cpio" "target https://collector:18453/dumps/
https-ca /etc/lbtest/ca.pem
https-token /etc/lbtest/token"

# run KIND SIZE: prints the dump step's seconds and the initramfs size, or fails
run() {
    local kind=$1 size=$2 args=()
    [ "$kind" = disk ] && { make_disk "$work/disk.img" 2G LBDUMP
        args=(-drive "file=$work/disk.img,if=none,id=d,format=raw" -device nvme,drive=d,serial=lb); }
    [ "$kind" != disk ] && args=("${NIC[@]}")
    GUEST_MEM=$MEM GUEST_TIMEOUT=300 run_guest "$work/$kind.log" "$work/$kind.cpio" \
        "crashkernel=${size}M lbtest.net=1" "${args[@]}" >/dev/null 2>&1 || true
    grep -qa "lifeboat: capture complete" "$work/$kind.log" || return 1
    local rate initrd
    rate=$(grep -ao "vmcore[.a-z]*: [0-9]* MiB in [0-9.]* s ([0-9]* MiB/s)" "$work/$kind.log" | tail -n1)
    initrd=$(grep -ao "initramfs [0-9]* KiB" "$work/$kind.log" | head -n1)
    echo "$rate, $initrd"
}

printf '%-6s %-16s %s\n' target "crashkernel=" "dump step (TCG, $MEM MiB guest)"
for kind in ${KINDS:-disk nfs ssh https}; do
    found=
    for size in $SIZES; do
        if out=$(run "$kind" "$size"); then
            printf '%-6s %-16s %s\n' "$kind" "${size}M" "$out"
            found=1
            break
        fi
    done
    [ -n "$found" ] || printf '%-6s %-16s %s\n' "$kind" "none of $SIZES" "-"
done
