#!/usr/bin/env bash
# test_triage.sh - 'lifeboat info' and 'lifeboat dmesg' on real panics of
# Debian's 6.1 and 6.12 kernels: a sysrq crash, a NULL dereference and a BUG()
# (from a test module, with panic_on_oops) and a hung task (hung_task_panic);
# and of the newest kernel tested, Linux 7.x from trixie-backports
# (KERNEL_7X_PACKAGE in lib.sh; tests/e2e/newest_7x.sh names the newest), a
# sysrq crash with its image only in /usr/lib/modules/KVER/vmlinuz.
# Judges: the dying kernel's own console, crash's bt and log (6.1, with the
# -dbg vmlinux), drgn's task list, and vmcore-dmesg.  Debian 12's crash and
# drgn do not read Linux 7.x: there the judges are what the guest said of itself
# just before the crash (its /proc/kallsyms and its tasks, on a second disk) and
# sid's crash 9.0.2 (lib.sh's ensure_crash_judge, with the 7.x -dbg vmlinux),
# whose log, bt and ps of the dump must be the capture's dmesg.txt, the
# console's call trace and the guest's tasks.
# The -d 31 of each capture is the one applied: the page classifier passed its
# check of itself, on 6.1, 6.12 and 7.x alike.  On 6.12 and 7.x the capture's
# -d 31 is judged frame by frame against makedumpfile 1.7.9's of the same memory
# (QEMU's copy of it, taken while the crash kernel runs), and against that memory; and
# -d 1 of that memory (lifeboat save, on the host) leaves out exactly its
# all-zero frames, as makedumpfile's -d 1 does, and keeps the rest unchanged.
source "$(dirname "$0")/lib.sh"

e2e_begin
PY=/usr/bin/python3
CMP="$PY $E2E_DIR/compare_triage.py"

# crash_once KERNEL_PACKAGE MODE: boots, panics as MODE, and leaves the
# capture's files in $case_dir.  With FACTS=1 the guest writes its kallsyms and
# tasks onto a second disk (facts.img) before it crashes.  With MEMORY=1 QEMU
# saves the guest's memory (memory.elf) once the crash kernel's capture starts:
# the crashed kernel's memory is left as it was, outside the reservation.
crash_once() {
    local pkg=$1 mode=$2 facts=()
    case_dir=$work/$mode-${pkg##*-image-}
    mkdir -p "$case_dir"
    make_disk "$case_dir/disk.img" 2G LBDUMP
    if [ -n "${FACTS:-}" ]; then
        truncate -s 64M "$case_dir/facts.img"
        facts=(-drive "file=$case_dir/facts.img,if=none,id=facts,format=raw"
            -device nvme,drive=facts,serial=lbfacts)
    fi
    build_guest_initramfs "$case_dir/guest.cpio" "target fs LABEL=LBDUMP /crash"
    local qemu=(-drive "file=$case_dir/disk.img,if=none,id=dump,format=raw"
        -device nvme,drive=dump,serial=lbdump "${facts[@]}")
    if [ -n "${MEMORY:-}" ]; then
        run_guest_then "$case_dir/serial.log" "$case_dir/guest.cpio" \
            "crashkernel=192M lbtest.crash=$mode${FACTS:+ lbtest.facts=lbfacts}" \
            "lifeboat: capture starting" "dump-guest-memory $case_dir/memory.elf" "${qemu[@]}"
    else
        run_guest "$case_dir/serial.log" "$case_dir/guest.cpio" \
            "crashkernel=192M lbtest.crash=$mode${FACTS:+ lbtest.facts=lbfacts}" "${qemu[@]}" || true
    fi
    local dir=/crash/$(dump_dirs "$case_dir/disk.img" /crash | head -n1)
    for f in vmcore info.json dmesg.txt metadata.json; do
        fetch_file "$case_dir/disk.img" "$dir/$f" "$case_dir/$f" || true
    done
    rm -f "$case_dir/disk.img"
}

# common_checks NAME: the capture's report and log against the console and
# vmcore-dmesg, and the host's report against the console.
common_checks() {
    local name=$1
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
    # (the status is the comparisons', not the clean-up's: a missing dump fails)
    check "$name: lifeboat dmesg equals vmcore-dmesg (on the dump converted to ELF)" bash -c '
        set -o pipefail
        "$1" convert -f elf "$2" "$2.elf" 2>/dev/null && vmcore-dmesg "$2.elf" > "$3.ref" &&
            [ -s "$3.ref" ] && "$1" dmesg "$2" | cmp - "$3.ref" && cmp "$3" "$3.ref"
        rc=$?; rm -f "$2.elf"; exit $rc' _ \
        "$LIFEBOAT_BIN" "$case_dir/vmcore" "$case_dir/dmesg.txt"
}

# crash_reads DUMP OUT CRASH...: CRASH (crash's command line) runs bt, log and ps on DUMP
# with $VMLINUX; what it prints is in OUT (whatever crash makes of the dump: the
# comparisons judge it).
crash_reads() {
    local dump=$1 out=$2
    shift 2
    printf 'bt\nlog\nps\nquit\n' > "$out.cmds"
    timeout -k 10 900 "$@" -s "$VMLINUX" "$dump" -i "$out.cmds" > "$out" 2>&1 || true
}

# judge_filter NAME: the judge of the filter: makedumpfile (1.7.9's code: ensure_makedumpfile_judge) at -d 31 of
# the unfiltered source, /proc/vmcore as the crash kernel saw it, made from QEMU's copy of the
# guest's memory and the crash kernel's elfcorehdr; every frame it and the capture's -d 31
# keep differently is classified by judge.py from the source's own struct pages: lifeboat
# may drop what makedumpfile keeps only in the classes judge.py names and justifies.
judge_filter() {
    local name=$1 start_judge=$SECONDS
    ensure_makedumpfile_judge
    check "$name: the unfiltered source, /proc/vmcore rebuilt from QEMU's copy of the memory" bash -c '
        hdr=$(grep -a -o -m1 "elfcorehdr=[^ ]*" "$2" | sed "s/.*[=@]//") && [ -n "$hdr" ] &&
        $4 "$5" vmcore "$1" "$hdr" "$3"; rc=$?; rm -f "$1"; exit $rc' _ "$case_dir/memory.elf" \
        "$case_dir/serial.log" "$case_dir/source.elf" "$PY" "$E2E_DIR/judge.py"
    check "$name: makedumpfile ${MAKEDUMPFILE_JUDGE#*:} -d 31 of it" bash -c '
        "${@:3}" -l -d 31 "$1" "$2" > "$2.log" 2>&1 || { tail -n 5 "$2.log"; exit 1; }
        grep -a -E "version|supported|incomplete" "$2.log" || true' _ \
        "$case_dir/source.elf" "$case_dir/makedumpfile-31" "${MAKEDUMPFILE_JUDGE_CMD[@]}"
    check "$name: the capture's -d 31 keeps every frame makedumpfile -d 31 keeps, but for classes explained" \
        $PY "$E2E_DIR/judge.py" filter "$case_dir/source.elf" "$case_dir/vmcore" "$case_dir/makedumpfile-31"
    sed 's/^/    /' "$work/check.out" >&2 # (the numbers, by class)
    check "$name: every frame the capture's -d 31 saved equals the source's" \
        $PY "$E2E_DIR/judge.py" same "$case_dir/source.elf" "$case_dir/vmcore"
    # -d 1 of the same source, by the capture's code on the host (a second 7.x guest would cost
    # minutes under TCG): only zero pages left out, whatever the kernel's struct pages say.  As
    # makedumpfile does in kdump-compressed files, a zero frame stays in the 2nd bitmap, its
    # descriptor the one stored zero page (judge.py same --zeros-dropped).
    check "$name: -d 1 (lifeboat save): the source's all-zero frames stored as one zero page, nothing else left out, every other frame the source's" \
        bash -c '"$1" save -d 1 "$2" "$3" 2>/dev/null && $4 "$5" same --zeros-dropped "$2" "$3"' _ \
        "$LIFEBOAT_BIN" "$case_dir/source.elf" "$case_dir/lifeboat-1" "$PY" "$E2E_DIR/judge.py"
    sed 's/^/    /' "$work/check.out" >&2
    check "$name: -d 1 saves the frames makedumpfile ${MAKEDUMPFILE_JUDGE#*:} -d 1 of it saves, the same ones as its zero page" bash -c '
        "${@:6}" -l -d 1 "$1" "$2" > "$2.log" 2>&1 || { tail -n 5 "$2.log"; exit 1; }
        $4 "$5" frames --zeros "$3" "$2"' _ "$case_dir/source.elf" "$case_dir/makedumpfile-1" \
        "$case_dir/lifeboat-1" "$PY" "$E2E_DIR/judge.py" "${MAKEDUMPFILE_JUDGE_CMD[@]}"
    [ -n "${KEEP_WORK:-}" ] || rm -f "$case_dir/source.elf" "$case_dir/makedumpfile-31" \
        "$case_dir/makedumpfile-1" "$case_dir/lifeboat-1"
    log "the filter's judgement on Linux $KERNEL_RELEASE: $((SECONDS - start_judge)) s"
}

# (TRIAGE_6X= runs the 7.x part alone)
for pkg in ${TRIAGE_6X-linux-image-cloud-amd64 linux-image-6.12-cloud-amd64}; do
    fetch_kernel "$pkg"
    build_crash_module
    [ "$pkg" = linux-image-cloud-amd64 ] && ensure_debuginfo
    modes="sysrq null bug hung"
    [ "$pkg" = linux-image-cloud-amd64 ] || modes="sysrq null"
    for mode in $modes; do
        # 6.12's sysrq crash is judged frame by frame as 7.x's is (Debian 12's makedumpfile
        # 1.7.2 predates 6.12; test_engine.sh judges 6.1 against it, frame for frame).
        memory=
        [ "$pkg:$mode" = linux-image-6.12-cloud-amd64:sysrq ] && memory=1
        MEMORY=$memory crash_once "$pkg" "$mode"
        name="$KERNEL_RELEASE $mode"
        common_checks "$name"
        [ -z "$memory" ] || judge_filter "$name"
        if [ "$pkg" = linux-image-cloud-amd64 ]; then
            crash_reads "$case_dir/vmcore" "$case_dir/crash.out" crash
            check "$name: crash's bt and log agree on pid, command, frames and panic message" \
                $CMP crash "$case_dir/host-info.json" "$case_dir/crash.out"
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

# Linux 7.x, pinned (KERNEL_7X_PACKAGE): its VMCOREINFO has no kallsyms_relative_base and
# says compound_info for compound_head.  No test module (its headers need trixie's compiler):
# a sysrq crash, its image where Debian's 7.x packages put it and nowhere else.
[ "${TRIAGE_7X:-1}" = 1 ] || e2e_end # (TRIAGE_7X=0 runs the 6.x part alone)
start_7x=$SECONDS
fetch_kernel "$KERNEL_7X_PACKAGE"
GUEST_KERNEL_AT=modules FACTS=1 MEMORY=1 crash_once "$KERNEL_7X_PACKAGE" sysrq
name="$KERNEL_RELEASE sysrq"
check "$name: load found the image in /usr/lib/modules/$KERNEL_RELEASE (none in /boot)" grep -aq \
    "lifeboat: crash kernel loaded: /usr/lib/modules/$KERNEL_RELEASE/vmlinuz" "$case_dir/serial.log"
# (read on the disk, not the console: what the shell printed last before a sysrq crash may
# still be in the tty's buffer when the CPU stops, and never reach the serial port)
check "$name: the guest wrote its kallsyms and tasks before the crash" $PY -c '
import gzip, sys
text = gzip.open(sys.argv[1], "rt", errors="replace").read()
assert text.startswith("== tasks\n") and "== kallsyms\n" in text and text.endswith("== end\n"), text[-200:]
print(text.count("\n"), "lines")' "$case_dir/facts.img"
common_checks "$name"
check "$name: the stack is the console's, at the guest's kallsyms; the tasks are the guest's" \
    $CMP guest "$case_dir/host-info.json" "$case_dir/facts.img" "$case_dir/serial.log"
check "$name: the report is whole: symbols, stack, tasks, no note" $PY -c '
import json, sys
info = json.load(open(sys.argv[1]))
assert not info["notes"], info["notes"]
assert info["panicked"] and info["stack"][0]["symbol"] and len(info["tasks"]) > 40, info["stack"][:2]
print(len(info["stack"]), "frames,", len(info["tasks"]), "tasks")' "$case_dir/host-info.json"

# crash 9.0.2 (sid's, unpacked: ensure_crash_judge) with the 7.x -dbg vmlinux (unpacked alone:
# ensure_debuginfo): what crash makes of the capture's dump is judged by what the guest did.
start_crash=$SECONDS
ensure_debuginfo
ensure_crash_judge
crash_reads "$case_dir/vmcore" "$case_dir/crash.out" "${CRASH_JUDGE_CMD[@]}"
check "$name: crash ${CRASH_JUDGE%%+*} opens the dump: its log is dmesg.txt, its bt the console's call trace, its ps the guest's tasks" \
    $CMP crash-guest "$case_dir/host-info.json" "$case_dir/crash.out" "$case_dir/dmesg.txt" \
    "$case_dir/facts.img" "$case_dir/serial.log"
sed 's/^/    /' "$work/check.out" >&2
grep -a -E "^(WARNING|crash):" "$case_dir/crash.out" | sed 's/^/    crash said: /' >&2 || true
# and the dump converted to ELF (lifeboat convert), the other format lifeboat writes
"$LIFEBOAT_BIN" convert -f elf "$case_dir/vmcore" "$case_dir/vmcore.elf" 2>/dev/null || true
crash_reads "$case_dir/vmcore.elf" "$case_dir/crash-elf.out" "${CRASH_JUDGE_CMD[@]}"
rm -f "$case_dir/vmcore.elf"
check "$name: crash ${CRASH_JUDGE%%+*} opens it converted to ELF: the same log, bt and ps" \
    $CMP crash-guest "$case_dir/host-info.json" "$case_dir/crash-elf.out" "$case_dir/dmesg.txt" \
    "$case_dir/facts.img" "$case_dir/serial.log"
log "crash on Linux $KERNEL_RELEASE: $((SECONDS - start_crash)) s"

judge_filter "$name"
log "Linux $KERNEL_RELEASE: $((SECONDS - start_7x)) s"

e2e_end
