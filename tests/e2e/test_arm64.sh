#!/usr/bin/env bash
# test_arm64.sh - an arm64 machine's dump, read on this x86_64 host.  Debian's
# arm64 cloud kernel boots in qemu-system-aarch64 (TCG, virt), panics by
# sysrq, and QEMU saves its memory (dump-guest-memory, with the kernel's
# VMCOREINFO).  Then lifeboat, built for x86_64:
#   - info: the machine, release, panic, CPU, registers, a symbolized stack;
#   - dmesg: every record the crashed kernel printed on its console, in order;
#   - save -d 31 / -d 1 (kdump): every saved frame equal to the source
#     (libkdumpfile), free pages left out by reading arm64's struct pages;
#   - save -f elf: kexec-tools' vmcore-dmesg reads it, the same log as ours;
#   - the static arm64 build (scripts/build-arm64) gives the same reports on
#     this arm64 dump and on an x86_64 one (user-mode QEMU), and in the guest
#     'estimate' reads the arm64 Image, 'load' loads and 'unload' unloads
#     (kexec_load: these kernels have no kexec_file_load).
# Both Debian arm64 cloud kernels: 6.1 (48-bit VA, no data symbols in
# kallsyms) and 6.12 from bookworm-backports (built for 52 bits, running 48).
# (The capture itself on arm64: test_arm64_capture.sh.)
source "$(dirname "$0")/lib.sh"

e2e_begin
PY=/usr/bin/python3
JUDGE="$PY $E2E_DIR/judge.py"
L=$LIFEBOAT_BIN

top=$work
"$E2E_DIR/../../scripts/build-arm64" || die "the arm64 build failed"
ARM64_BIN=$(cd "$E2E_DIR/../.." && pwd)/build-arm64/lifeboat
# one_kernel PACKAGE: boot, crash and dump one arm64 kernel; the checks, named by its release.
one_kernel() {
    local kdir vmlinuz release root fwcfg qemu start
    fetch_arm64 "$1"
    kdir=$ARM64_KDIR vmlinuz=$ARM64_VMLINUZ release=$ARM64_RELEASE

    # The guest: busybox, and qemu_fw_cfg, through which the kernel hands QEMU its VMCOREINFO.
    root=$work/root
    mkdir -p "$root"/{bin,proc,sys,dev,lib}
    cp "$ARM64_BUSYBOX" "$root/bin/"
    cp "$ARM64_BIN" "$root/bin/lifeboat"
    mkdir -p "$root/boot" && cp "$vmlinuz" "$root/boot/"
    fwcfg=$(find "$kdir/root/lib/modules" -name 'qemu_fw_cfg.ko*' | head -n1)
    [ -n "$fwcfg" ] || die "$release has no qemu_fw_cfg module"
    case $fwcfg in # 6.12's modules are xz-compressed; busybox's insmod takes them plain
    *.xz) xz -dc "$fwcfg" > "$root/lib/qemu_fw_cfg.ko" ;;
    *) cp "$fwcfg" "$root/lib/qemu_fw_cfg.ko" ;;
    esac
    cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox insmod /lib/qemu_fw_cfg.ko
/bin/busybox mkdir -p /etc && echo "target dir /tmp" > /etc/lifeboat.conf
/bin/lifeboat estimate -k /boot/vmlinuz-* 2>&1 | /bin/busybox sed 's/^/GUEST: estimate: /'
/bin/lifeboat load -k /boot/vmlinuz-* >/dev/null 2>&1
echo "GUEST: loaded $(/bin/busybox cat /sys/kernel/kexec_crash_loaded)"
/bin/lifeboat unload 2>&1 | /bin/busybox sed 's/^/GUEST: unload: /'
echo "GUEST: after unload $(/bin/busybox cat /sys/kernel/kexec_crash_loaded)"
echo "GUEST: crashing"
echo c > /proc/sysrq-trigger
INIT
    chmod +x "$root/init"
    (cd "$root" && find . | cpio -o -H newc --quiet) > "$work/guest.cpio"

    start=$SECONDS
    qemu-system-aarch64 -M virt -cpu cortex-a57 -m 512 -smp 2 -nodefaults -display none \
        -serial "file:$work/serial.log" -monitor "unix:$work/mon.sock,server,nowait" \
        -device vmcoreinfo -kernel "$vmlinuz" -initrd "$work/guest.cpio" \
        -append "console=ttyAMA0 panic=0 crashkernel=128M" &
    qemu=$!
    for _ in $(seq 1 300); do
        grep -q "end Kernel panic" "$work/serial.log" 2>/dev/null && break
        sleep 1
    done
    $PY "$E2E_DIR/qemu_monitor.py" "$work/mon.sock" "dump-guest-memory $work/vmcore" quit || true
    wait $qemu 2>/dev/null || true
    log "arm64 guest: panic and dump in $((SECONDS - start)) s"
    [ -s "$work/vmcore" ] || die "QEMU saved no dump of the arm64 guest"

    check "$release: info names the machine, release and panic of the arm64 dump" bash -c '
        "$1" info "$2" > "$3" && head -n 40 "$3" && grep -q "^machine: *aarch64" "$3" &&
        grep -q "^kernel release: *$4" "$3" &&
        grep -q "^panic: *Kernel panic - not syncing: sysrq triggered crash" "$3"' _ \
        "$L" "$work/vmcore" "$work/info.txt" "$release"
    check "$release: info: arm64 registers and a stack symbolized from the dump's kallsyms, through panic" bash -c '
        grep -Eq " pc: ffff[0-9a-f]{12}" "$1" && grep -Eq " x29: [0-9a-f]{16}" "$1" &&
        grep -Eq "#[0-9]+ +ffff[0-9a-f]+ panic\+0x" "$1" &&
        grep -Eq "#[0-9]+ +ffff[0-9a-f]+ write_sysrq_trigger\+0x" "$1"' _ "$work/info.txt"
    check "$release: dmesg: every record the kernel printed on its console, in order, to the panic" bash -c '
        "$1" dmesg "$2" > "$3.lb" && tr -d "\r" < "$4" | grep "^\[ *[0-9]*\.[0-9]*\] " > "$3.console" &&
        [ "$(wc -l < "$3.console")" -gt 100 ] && $5 in-order "$3.lb" "$3.console" &&
        tail -n 1 "$3.lb" | grep -q "end Kernel panic - not syncing: sysrq triggered crash"' _ \
        "$L" "$work/vmcore" "$work/dmesg" "$work/serial.log" "$JUDGE"
    for d in 31 1; do
        "$L" save -d $d "$work/vmcore" "$work/lb-$d" 2>"$work/lb-$d.log" || true
        check "$release: save -d $d (kdump): every saved frame identical to the source (libkdumpfile)" \
            $JUDGE same "$work/vmcore" "$work/lb-$d"
    done
    check "$release: save -d 31 leaves free pages out, read from arm64's struct pages" bash -c '
        grep -Eq "left out: zero [0-9]+ cache [0-9]+ cache_private [0-9]+ user [0-9]+ free [1-9][0-9]{3,}" "$1"' _ \
        "$work/lb-31.log"
    check "$release: the kdump file says aarch64 and gives the same report" bash -c '
        "$1" info "$2" | tail -n +2 | grep -v "^frames by codec:" > "$3.kd" &&
        tail -n +2 "$3" | cmp -s - "$3.kd"' _ \
        "$L" "$work/lb-31" "$work/info.txt"
    if grep -q "^CONFIG_KALLSYMS_ALL=y" "$kdir"/root/boot/config-*; then
        # with data symbols (6.12): panic_cpu is read, and the tasks through BTF
        check "$release: info lists the tasks through BTF, init and the kernel threads" bash -c '
            grep -Eq "^tasks: +[1-9][0-9]+" "$1" && grep -Eq " 1 +0 .* init$" "$1" &&
            grep -Eq " kthreadd$" "$1" && ! grep -q "panic_cpu not readable" "$1"' _ "$work/info.txt"
    fi
    check "$release: the arm64 build, in the guest: estimate reads the Image; load, then unload" bash -c '
        tr -d "\r" < "$1" > "$1.txt" && grep -Eq "GUEST: estimate: crashkernel=[0-9]+M" "$1.txt" &&
        grep -q "GUEST: loaded 1" "$1.txt" && grep -q "GUEST: after unload 0" "$1.txt"' _ \
        "$work/serial.log"
    check "$release: the arm64 build gives the same report on this dump (user-mode QEMU)" bash -c '
        qemu-aarch64-static "$1" info "$2" | cmp - "$3"' _ "$ARM64_BIN" "$work/vmcore" "$work/info.txt"
    "$L" save -d 31 -f elf "$work/vmcore" "$work/lb-31.elf" 2>/dev/null || true
    check "$release: vmcore-dmesg (kexec-tools) reads lifeboat's arm64 ELF: the same log as lifeboat dmesg" bash -c '
        vmcore-dmesg "$1" | cmp - "$2"' _ "$work/lb-31.elf" "$work/dmesg.lb"
}

for package in ${ARM64_PACKAGES:-linux-image-cloud-arm64 linux-image-6.12-cloud-arm64}; do
    work=$top/$package
    mkdir -p "$work"
    one_kernel "$package"
done
# An x86_64 dump, read by the arm64 build: the report the x86_64 build gives.
make_x86_dump() { # a small real x86_64 dump: the ELF one the unit tests' seed generator makes
    $PY "$E2E_DIR/../fuzz/make_seeds.py" "$top/seeds" >/dev/null && echo "$top/seeds/elf_source/vmcore"
}
x86=$(make_x86_dump)
check "the arm64 build reads an x86_64 dump: the x86_64 build's report" bash -c '
    qemu-aarch64-static "$1" info "$3" > "$4.arm" && "$2" info "$3" > "$4.x86" &&
    grep -q "machine: *x86_64" "$4.x86" && cmp "$4.arm" "$4.x86"' _ \
    "$ARM64_BIN" "$L" "$x86" "$top/x86-info"
e2e_end
