#!/usr/bin/env bash
# reservation.sh - the smallest crashkernel= at which a crash is saved, for
# lifeboat and for the reference capture environment: a busybox initramfs
# running makedumpfile (what a minimal hand-made kdump setup looks like), the
# same kernel, the same guest, the same disk, the same loader.  A benchmark,
# not a test: it prints a table and fails only if nothing works.
#
#   tests/bench/reservation.sh                       # 6.1 cloud kernel, 1 and 4 GiB guests
#   KERNEL_PACKAGE=linux-image-6.12-cloud-amd64 MEMS=1024 tests/bench/reservation.sh
#
# Each size is tried from the smallest up; a size passes when the crash
# kernel says the dump is complete (lifeboat: and its triage report saved).
source "$(dirname "$0")/../e2e/lib.sh"

SIZES=${SIZES:-"56 64 72 80 88 96 112 128"}
MEMS=${MEMS:-"1024 4096"}
work=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-reservation.XXXXXX")
trap 'rm -rf "$work"' EXIT

fetch_kernel "${KERNEL_PACKAGE:-linux-image-cloud-amd64}"

source "$(dirname "$0")/reference.sh"

build_reference_initrd "$work/reference.img"
log "reference initramfs: $(($(stat -c %s "$work/reference.img") >> 10)) KiB (gzip -9)"
build_guest_initramfs "$work/lifeboat-guest.cpio" "target fs /dev/nvme0n1 /crash"
GUEST_CRASH_INITRD=$work/reference.img build_guest_initramfs "$work/reference-guest.cpio" ""

# try TOOL MEM SIZE: did a crash kernel of SIZE MiB save a MEM MiB guest's crash?
try() {
    local tool=$1 mem=$2 size=$3 serial=$work/$1-$2-$3.log
    make_disk "$work/disk.img" $((mem * 2))M LBDUMP
    GUEST_MEM=$mem GUEST_TIMEOUT=300 run_guest "$serial" "$work/$tool-guest.cpio" \
        "crashkernel=${size}M" \
        -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
        true
    if [ "$tool" = reference ]; then
        grep -aq "REF: capture complete" "$serial"
    else
        grep -aq "lifeboat: capture complete" "$serial" &&
            grep -aq "lifeboat: triage report saved" "$serial"
    fi
}

declare -A smallest
for mem in $MEMS; do
    for tool in lifeboat reference; do
        smallest[$tool-$mem]="> ${SIZES##* }M"
        for size in $SIZES; do
            if try "$tool" "$mem" "$size"; then
                smallest[$tool-$mem]="${size}M"
                break
            fi
            log "$tool, ${mem} MiB guest: crashkernel=${size}M is not enough"
        done
        log "$tool, ${mem} MiB guest: smallest crashkernel=${smallest[$tool-$mem]}"
    done
done
printf '\nkernel %s\n%-10s %-28s %-28s\n' "$KERNEL_RELEASE" guest "lifeboat (dump + report)" \
    "busybox + makedumpfile -l"
for mem in $MEMS; do
    printf '%-10s %-28s %-28s\n' "${mem} MiB" "${smallest[lifeboat-$mem]}" "${smallest[reference-$mem]}"
done
