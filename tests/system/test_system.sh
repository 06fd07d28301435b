#!/usr/bin/env bash
# test_system.sh - lifeboat on a real Debian 12 system, end to end.
#
# The system (image.sh): systemd, GRUB, Debian's cloud kernel, root and /var
# on LVM, as the installer's guided LVM layout leaves them.  Booted through
# GRUB in QEMU, no -kernel: each boot runs the next stage of stage.sh from a
# disk labelled LBTEST, and this script reads what it said on the console.
#   1. apt install ./lifeboat_*.deb; the package writes crashkernel= for GRUB.
#   2. the next boot reserves it; the unit loads; status says yes;
#      'lifeboat test --yes' panics; the crash kernel makes /var's logical
#      volume by ioctl and saves the dump; the machine reboots by itself.
#   3. the journal has the notice, once; list and info show the dump; a
#      second kernel package is installed and lifeboat reloads.
#   4. the boot on the new kernel loads lifeboat for it; then a reset (no panic);
#   5. the next boot says the last one ended with no clean shutdown and no dump.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/image.sh"
e2e_begin

deb=$(ls "${LIFEBOAT_DEB_DIR:-}"/lifeboat_*.deb 2>/dev/null | head -n1)
[ -f "$deb" ] || die "no .deb in \$LIFEBOAT_DEB_DIR (scripts/build-deb DIR makes one)"
build_system_image
fetch_kernel linux-image-6.12-cloud-amd64 # the second kernel, as its package file
second=$(ls "$(dirname "$KERNEL_ROOT")"/*.deb | head -n1)

mkdir -p "$work/lbtest"
cp "$E2E_DIR/../system/stage.sh" "$deb" "$second" "$work/lbtest/"
mkfs.ext4 -q -F -L LBTEST -d "$work/lbtest" "$work/lbtest.img" 400M
qemu-img create -q -f qcow2 -b "$SYSTEM_IMAGE" -F raw "$work/system.qcow2"

boot() { # boot N: one boot of the system, until it powers off or reboots
    local start=$SECONDS
    timeout -k 10 "${SYSTEM_TIMEOUT:-900}" qemu-system-x86_64 -m 2048 -smp 2 -nodefaults \
        -display none -no-reboot -serial "file:$work/boot$1.log" \
        -drive "file=$work/system.qcow2,format=qcow2,if=virtio" \
        -drive "file=$work/lbtest.img,format=raw,if=virtio,readonly=on" || true
    log "boot $1: $((SECONDS - start)) s"
}
said() { grep -a "LBTEST: " "$work/boot$1.log" | sed 's/\r$//'; }

boot 1
check "apt installs the package built from the tree" bash -c 'grep -q "LBTEST: installed " <<< "$1"' _ "$(said 1)"
check "the package added the estimated crashkernel= to GRUB, and made /var/crash 0700" bash -c '
    grep -Eq "LBTEST: grub.cfg: crashkernel=[0-9]+M" <<< "$1" &&
    grep -q "LBTEST: /var/crash mode 700" <<< "$1"' _ "$(said 1)"

boot 2
log "$(said 2 | grep -E 'status|config' | head -n 20)"
check "GRUB booted the kernel with the package's crashkernel=" bash -c '
    grep -Eq "LBTEST: stage crash, kernel .*crashkernel=[0-9]+M" <<< "$1"' _ "$(said 2)"
check "the unit is active and lifeboat status exits 0" bash -c '
    grep -q "LBTEST: lifeboat.service active lifeboat.path active" <<< "$1" &&
    grep -q "LBTEST: status exit 0" <<< "$1"' _ "$(said 2)"
check "load carried /var's logical volume: its table (the PV by its UUID), the group's seqno, dm_mod" bash -c '
    grep -Eq "LBTEST: config: dm vg0-var [0-9]+ [0-9]+ linear PVUUID=[A-Za-z0-9-]{38} [0-9]+" <<< "$1" &&
    grep -Eq "LBTEST: config: lvm-pv PVUUID=[A-Za-z0-9-]{38} vg0 [0-9]+" <<< "$1" &&
    grep -q "LBTEST: config: module .*dm-mod" <<< "$1"' _ "$(said 2)"
check "the crash kernel made vg0-var by ioctl and saved a complete dump" bash -c '
    grep -aq "lifeboat: set up vg0-var" "$1" && grep -aq "lifeboat: complete dump saved in" "$1" &&
    grep -aq "lifeboat: capture complete" "$1"' _ "$work/boot2.log"
panic_s=$(grep -a "LBTEST: crashing" "$work/boot2.log" >/dev/null && echo yes)

boot 3
check "the journal says once that the previous boot crashed, naming the dump" bash -c '
    grep -Eq "LBTEST: journal: lifeboat: the previous boot crashed at .*sysrq.*; complete dump in /var/crash/[0-9]{8}-[0-9]{6}-lbsystem" <<< "$1" &&
    ! grep -q "LBTEST: again: " <<< "$1"' _ "$(said 3)"
check "status shows the notice" bash -c 'grep -q "LBTEST: status: last crash: the previous boot crashed" <<< "$1"' _ "$(said 3)"
check "lifeboat list shows the dump: host, kernel, complete, path" bash -c '
    grep -Eq "LBTEST: list: .* lbsystem  6\.1\.0-[0-9]+-cloud-amd64  .* MiB  complete" <<< "$1" &&
    grep -Eq "LBTEST: list:   /var/crash/[0-9]{8}-[0-9]{6}-lbsystem$" <<< "$1" &&
    grep -q "\"complete\": true" <<< "$1"' _ "$(said 3)"
check "lifeboat info on the dump names the sysrq panic" bash -c '
    grep -q "LBTEST: info: .*sysrq" <<< "$1"' _ "$(said 3)"
check "installing a second kernel package reloads lifeboat" bash -c '
    grep -q "LBTEST: second kernel installed" <<< "$1" &&
    grep -q "LBTEST: reload: lifeboat: crash kernel loaded" <<< "$1"' _ "$(said 3)"

boot 4
check "the boot on the new kernel loads lifeboat for it" bash -c '
    grep -q "LBTEST: stage newkernel, kernel 6.12" <<< "$1" &&
    grep -q "LBTEST: journal: lifeboat: crash kernel loaded: /boot/vmlinuz-6.12" <<< "$1"' _ "$(said 4)"
boot 5
check "after a reset with the crash kernel loaded and no dump, the next boot says so" bash -c '
    grep -q "LBTEST: journal: lifeboat: the previous boot ended without a clean shutdown and no dump was saved" <<< "$1"' _ "$(said 5)"
e2e_end
