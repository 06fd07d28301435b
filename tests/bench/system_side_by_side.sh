#!/usr/bin/env bash
# system_side_by_side.sh - lifeboat against Debian's kdump-tools (its default
# configuration) on the same full Debian 12 system (tests/system/image.sh:
# systemd, GRUB, root and /var on LVM), the same crash (sysrq), in QEMU/TCG.
#
#   LIFEBOAT_DEB_DIR=DIR bash tests/bench/system_side_by_side.sh
#
# For each tool, on a fresh copy of the image: install its package, reboot
# with the crashkernel= its package wrote, crash, and time from the panic to
# the dump saved and to the system being up again (the test stage running
# after multi-user.target, where the login prompt is), from the host, as the
# serial console prints the lines.  Prints one table.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/../system/image.sh"
e2e_begin
deb=$(ls "${LIFEBOAT_DEB_DIR:-}"/lifeboat_*.deb 2>/dev/null | head -n1)
[ -f "$deb" ] || die "no .deb in \$LIFEBOAT_DEB_DIR (scripts/build-deb DIR makes one)"
build_system_image
root=$LIFEBOAT_CACHE/system/build/root

# kdump-tools and what it pulls in that the image lacks, fetched by the image's own apt
kdebs=$LIFEBOAT_CACHE/system/kdump-tools-debs
if [ ! -d "$kdebs" ]; then
    log "fetching kdump-tools and its dependencies for the image"
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    chroot "$root" apt-get update -qq >/dev/null
    chroot "$root" apt-get install -y -qq --download-only kdump-tools >/dev/null
    mkdir -p "$kdebs.tmp" && mv "$root"/var/cache/apt/archives/*.deb "$kdebs.tmp/"
    chroot "$root" apt-get clean && rm -rf "$root"/var/lib/apt/lists/*
    mv "$kdebs.tmp" "$kdebs"
fi

# One run: TOOL is lifeboat or kdump-tools.
run_tool() {
    local tool=$1 dir=$work/$1
    mkdir -p "$dir/lbtest"
    if [ "$tool" = lifeboat ]; then cp "$deb" "$dir/lbtest/"; else cp "$kdebs"/*.deb "$dir/lbtest/"; fi
    cat > "$dir/lbtest/stage.sh" <<STAGE
#!/bin/sh
systemctl stop serial-getty@ttyS0.service 2>/dev/null
exec >/dev/ttyS0 2>&1
state=/var/lib/lbtest/stage; mkdir -p /var/lib/lbtest
stage=\$(cat \$state 2>/dev/null || echo install)
echo "LBTEST: stage \$stage, cmdline \$(cat /proc/cmdline)"
case \$stage in
install)
    DEBIAN_FRONTEND=noninteractive apt-get install -y /run/lbtest/*.deb >/tmp/apt.log 2>&1 &&
        echo "LBTEST: installed" || tail -n 20 /tmp/apt.log
    echo crash > \$state; sync; systemctl poweroff ;;
crash)
    # kdump-tools builds its initramfs at its first load: wait for the unit to finish
    systemctl is-active lifeboat.service kdump-tools.service 2>/dev/null | tr '\n' ' '; echo
    [ "$tool" = lifeboat ] && lifeboat status | sed 's/^/LBTEST: /'
    [ "$tool" = kdump-tools ] && kdump-config status | sed 's/^/LBTEST: /'
    echo after > \$state; sync
    echo "LBTEST: crashing"
    echo c > /proc/sysrq-trigger ;;
after)
    echo "LBTEST: up again"
    find /var/crash -type f -printf 'LBTEST: file %s %p\n'
    echo done > \$state; sync; systemctl poweroff ;;
esac
STAGE
    mkfs.ext4 -q -F -L LBTEST -d "$dir/lbtest" "$dir/lbtest.img" 400M
    qemu-img create -q -f qcow2 -b "$SYSTEM_IMAGE" -F raw "$dir/system.qcow2"
    local q=(qemu-system-x86_64 -m 2048 -smp 2 -nodefaults -display none
             -drive "file=$dir/system.qcow2,format=qcow2,if=virtio"
             -drive "file=$dir/lbtest.img,format=raw,if=virtio,readonly=on")
    timeout -k 10 900 "${q[@]}" -no-reboot -serial "file:$dir/install.log" || true
    grep -aq "LBTEST: installed" "$dir/install.log" || die "$tool: install failed: $(grep -a LBTEST "$dir/install.log")"
    # crash and come back, in one QEMU run (no -no-reboot): each line timed as it appears
    timeout -k 10 1200 "${q[@]}" -serial "file:$dir/crash.log" &
    local qpid=$! start=$SECONDS t_panic= t_saved= t_up= saved_pat
    [ "$tool" = lifeboat ] && saved_pat="lifeboat: capture complete" || saved_pat="kdump-tools: saved vmcore in"
    while kill -0 $qpid 2>/dev/null; do
        now=$(date +%s.%N)
        [ -z "$t_panic" ] && grep -aq "LBTEST: crashing" "$dir/crash.log" 2>/dev/null && t_panic=$now
        [ -n "$t_panic" ] && [ -z "$t_saved" ] && grep -aq "$saved_pat" "$dir/crash.log" && t_saved=$now
        [ -n "$t_panic" ] && [ -z "$t_up" ] && grep -aq "LBTEST: up again" "$dir/crash.log" && t_up=$now
        sleep 0.2
    done
    local reserve size
    reserve=$(grep -ao "crashkernel=[^ ]*" "$dir/crash.log" | head -n1)
    size=$(grep -a "LBTEST: file" "$dir/crash.log" | awk '$3 > 1000000 {s += $3} END {printf "%.1f", s / 1048576}')
    printf '| %s | %s | %s | %s MiB | %s |\n' "$tool" \
        "$( [ -n "$t_saved" ] && echo "$t_saved - $t_panic" | bc | xargs printf '%.1f s' || echo 'not saved')" \
        "$( [ -n "$t_up" ] && echo "$t_up - $t_panic" | bc | xargs printf '%.1f s' || echo 'not up')" \
        "$size" "$reserve" >> "$work/table"
    grep -a "LBTEST" "$dir/crash.log" | sed "s/^/[$tool] /" >&2
}

echo "| tool | panic → dump saved | panic → system up again | dump on disk | reservation |" > "$work/table"
echo "|---|---|---|---|---|" >> "$work/table"
run_tool lifeboat
run_tool kdump-tools
cat "$work/table"
