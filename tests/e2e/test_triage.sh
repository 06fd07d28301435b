#!/usr/bin/env bash
# test_triage.sh - 'lifeboat info' and 'lifeboat dmesg' on real panics of
# Debian's 6.1 and 6.12 kernels: a sysrq crash, a NULL dereference and a BUG()
# (from a test module, with panic_on_oops) and a hung task (hung_task_panic).
# Judges: the dying kernel's own console, crash's bt and log (6.1, with the
# -dbg vmlinux), drgn's task list, and vmcore-dmesg.  The -d 31 of each
# capture is the one applied: the page classifier passed its check of itself.
source "$(dirname "$0")/lib.sh"

e2e_begin
PY=/usr/bin/python3
CMP="$PY $E2E_DIR/compare_triage.py"

# crash_once KERNEL_PACKAGE MODE: boots, panics as MODE, and leaves the
# capture's files in $case_dir.
crash_once() {
    local pkg=$1 mode=$2
    case_dir=$work/$mode-${pkg##*-image-}
    mkdir -p "$case_dir"
    make_disk "$case_dir/disk.img" 2G LBDUMP
    build_guest_initramfs "$case_dir/guest.cpio" "target fs /dev/nvme0n1 /crash"
    run_guest "$case_dir/serial.log" "$case_dir/guest.cpio" \
        "crashkernel=192M lbtest.crash=$mode" \
        -drive "file=$case_dir/disk.img,if=none,id=dump,format=raw" \
        -device nvme,drive=dump,serial=lbdump || true
    local dir=/crash/$(dump_dirs "$case_dir/disk.img" /crash | head -n1)
    for f in vmcore info.json dmesg.txt metadata.json; do
        fetch_file "$case_dir/disk.img" "$dir/$f" "$case_dir/$f" || true
    done
    rm -f "$case_dir/disk.img"
}

for pkg in linux-image-cloud-amd64 linux-image-6.12-cloud-amd64; do
    fetch_kernel "$pkg"
    build_crash_module
    [ "$pkg" = linux-image-cloud-amd64 ] && ensure_debuginfo
    modes="sysrq null bug hung"
    [ "$pkg" = linux-image-cloud-amd64 ] || modes="sysrq null"
    for mode in $modes; do
        crash_once "$pkg" "$mode"
        name="$KERNEL_RELEASE $mode"
        check "$name: the capture saved info.json, and it says what the console said" \
            $CMP console "$case_dir/info.json" "$case_dir/serial.log"
        check "$name: lifeboat info --json on the host agrees, in under a second" bash -c '
            start=$(date +%s%N); "$1" info --json "$2" > "$3"; end=$(date +%s%N)
            echo "$(( (end - start) / 1000000 )) ms"; [ $(( (end - start) / 1000000 )) -lt 1000 ] &&
            $4 console "$3" "$5"' _ "$LIFEBOAT_BIN" "$case_dir/vmcore" "$case_dir/host-info.json" \
            "$CMP" "$case_dir/serial.log"
        check "$name: -d 31 applied, the classifier having passed its check of this kernel" $PY -c '
import json, sys
f = json.load(open(sys.argv[1]))["filter"]
assert f["asked"] == 31 and f["applied"] == 31 and f["reason"] is None, f
assert f["checked_frames"] > 1000, f
assert json.load(open(sys.argv[2]))["filter_fallback"] is None
print(f["checked_frames"], "frames checked:", f["checked"])' "$case_dir/metadata.json" \
            "$case_dir/host-info.json"
        check "$name: lifeboat dmesg equals vmcore-dmesg (on the dump converted to ELF)" bash -c '
            "$1" convert -f elf "$2" "$2.elf" 2>/dev/null && vmcore-dmesg "$2.elf" > "$3.ref" &&
            "$1" dmesg "$2" | cmp - "$3.ref" && cmp "$3" "$3.ref"; rm -f "$2.elf"' _ \
            "$LIFEBOAT_BIN" "$case_dir/vmcore" "$case_dir/dmesg.txt"
        if [ "$pkg" = linux-image-cloud-amd64 ]; then
            printf 'bt\nlog\nquit\n' > "$case_dir/crash.cmds"
            check "$name: crash's bt and log agree on pid, command, frames and panic message" bash -c '
                crash -s "$1" "$2" -i "$3" > "$4" 2>&1; $5 crash "$6" "$4"' _ "$VMLINUX" \
                "$case_dir/vmcore" "$case_dir/crash.cmds" "$case_dir/crash.out" "$CMP" \
                "$case_dir/host-info.json"
            check "$name: the task list has drgn's pids and comms" \
                $CMP drgn "$case_dir/host-info.json" "$case_dir/vmcore" "$VMLINUX"
        else
            check "$name: the task list is whole: init, the kernel threads, no broken list" $PY -c '
import json, sys
info = json.load(open(sys.argv[1]))
t = {(x["pid"], x["comm"]) for x in info["tasks"]}
assert (1, "init") in t and (2, "kthreadd") in t and len(t) > 20, sorted(t)[:10]
assert not [n for n in info["notes"] if "list" in n], info["notes"]
print(len(t), "tasks")' "$case_dir/host-info.json"
        fi
    done
done

e2e_end
