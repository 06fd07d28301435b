#!/usr/bin/env bash
# test_live.sh - live dumps of a running kernel: 'lifeboat save --live' in a
# guest running Debian's 6.1, 6.12 and the pinned 7.x kernel, while tasks
# wait in the kernel on purpose (a reader of a FIFO no one writes to, in
# pipe_read; a sleep, in hrtimer_nanosleep) and a shell loop keeps a CPU busy.
# One boot a kernel (tests/e2e/guest/live.sh does the guest's part).
# Judges: the kernel's own unwinder (/proc/PID/stack, read in the guest just
# before the dump), on every kernel; on 6.1 drgn's stack trace and crash's
# reading of the log and the task list, with the -dbg vmlinux; on 6.12 and 7.x
# sid's crash 9.0.2 reads the log, the task list and the FIFO reader's stack
# (Debian 12's crash and drgn do not read 6.12's or 7.x's dumps).
# The cost of the dump on the running machine (time, CPU, peak memory, I/O)
# is what the guest's busybox 'time -v' and lifeboat's own report say.
source "$(dirname "$0")/lib.sh"

e2e_begin
PY=/usr/bin/python3

# live_once KERNEL_PACKAGE: boots, lets the guest take its live dumps, leaves the files in $case_dir.
live_once() {
    local pkg=$1 f
    case_dir=$work/${pkg##*-image-}
    mkdir -p "$case_dir"
    make_disk "$case_dir/disk.img" 1G LBLIVE
    GUEST_FILES="$E2E_DIR/guest/live.sh=/etc/lbtest-before-load.sh" \
        build_guest_initramfs "$case_dir/guest.cpio" ""
    run_guest "$case_dir/serial.log" "$case_dir/guest.cpio" "quiet" \
        -drive "file=$case_dir/disk.img,if=none,id=dump,format=raw" \
        -device nvme,drive=dump,serial=lblive || true
    log "$KERNEL_RELEASE: the guest ran ${GUEST_SECONDS:-?} s"
    for f in live.kdump live-paced.elf info-live.txt dmesg-live.txt fifo-stack.txt \
        sleep-stack.txt pids.txt; do
        fetch_file "$case_dir/disk.img" "/$f" "$case_dir/$f" || true
    done
    rm -f "$case_dir/disk.img"
    read -r fifo_pid sleep_pid < "$case_dir/pids.txt" || { fifo_pid=none; sleep_pid=none; }
    grep -a "GUEST: save: lifeboat: live dump cost\|GUEST: save: .*\(Elapsed\|User time\|System time\|Maximum resident\)" \
        "$case_dir/serial.log" | sed "s/^/[cost $KERNEL_RELEASE] /" >&2 || true
}

# checks NAME: what every kernel's live dump must show.
checks() {
    local name=$1
    check "$name: save --live wrote a dump (exit 0) and said what it cost" bash -c '
        grep -aq "GUEST: save exit 0" "$1" && grep -a "GUEST: save: lifeboat: live dump cost" "$1" &&
        [ -s "$2" ]' _ "$case_dir/serial.log" "$case_dir/live.kdump"
    "$LIFEBOAT_BIN" info --json "$case_dir/live.kdump" > "$case_dir/info.json" 2>"$case_dir/info.err" || true
    "$LIFEBOAT_BIN" info "$case_dir/live.kdump" > "$case_dir/info.txt" 2>&1 || true
    check "$name: info says a live dump, when, and no panicking CPU" $PY -c '
import json, sys
info = json.load(open(sys.argv[1]))
assert info["live"] is True and info["panicked"] is False and info["panic_cpu"] == -1, info
assert info["crash_time"] and not info["panic"], info
assert any("live dump" in n for n in info["notes"]), info["notes"]
txt = open(sys.argv[2]).read()
assert "live dump:      taken at" in txt and "inconsistent" in txt, txt[:600]
print(info["crash_time"], info["cpus"], "cpus,", len(info["tasks"]), "tasks")' \
        "$case_dir/info.json" "$case_dir/info.txt"
    check "$name: info lists the blocked tasks with the stacks the kernel's unwinder gives" \
        $PY - "$case_dir/info.json" "$fifo_pid" "$case_dir/fifo-stack.txt" "$sleep_pid" \
        "$case_dir/sleep-stack.txt" <<'PYEOF'
import json, re, sys
info = json.load(open(sys.argv[1]))
tasks = {t["pid"]: t for t in info["tasks"]}
assert len(tasks) > 40 and (1, "init") in {(t["pid"], t["comm"]) for t in info["tasks"]}
for pid, stack in ((sys.argv[2], sys.argv[3]), (sys.argv[4], sys.argv[5])):
    t = tasks[int(pid)]
    ours = [re.sub(r"\+0x.*", "", f["symbol"] or "") for f in t.get("stack", [])]
    # /proc/PID/stack: "[<0>] pipe_read+0x2f3/0x480" (the entry code's frame has no symbol)
    theirs = [re.sub(r"^\[<[0-9a-f]+>\] ", "", l).split("+")[0] for l in open(stack) if "+" in l]
    missing = [f for f in theirs if f not in ours]
    print(pid, t["comm"], t["state"], "->".join(ours[:8]))
    assert theirs and not missing, ("the kernel says", theirs, "lifeboat misses", missing)
assert tasks[int(sys.argv[2])]["comm"] == "cat" and tasks[int(sys.argv[2])]["state"] == "IN"
PYEOF
    check "$name: info --live and dmesg --live read the running kernel in the guest" bash -c '
        grep -aq "GUEST: info --live exit 0" "$1" && grep -aq "GUEST: dmesg --live exit 0" "$1" &&
        grep -q "^live dump:" "$2" && grep -q "pid $4 (cat) IN:" "$2" && grep -q pipe_read "$2" &&
        grep -q "Linux version" "$3"' _ "$case_dir/serial.log" "$case_dir/info-live.txt" \
        "$case_dir/dmesg-live.txt" "$fifo_pid"
    check "$name: --rate 4 paced the ELF live dump (4 MiB/s at most), and it reads as live" bash -c '
        grep -aq "GUEST: paced save exit 0" "$1" || exit 1
        line=$(grep -a "GUEST: paced: lifeboat: live dump cost" "$1") && echo "$line" &&
        rate=$(echo "$line" | sed -n "s/.*read [0-9]* MiB (\([0-9.]*\) MiB\/s).*/\1/p") &&
        awk -v r="$rate" "BEGIN { exit !(r > 0 && r <= 4.3) }" &&
        "$3" info --json "$2" | grep -q "\"live\": true"' _ "$case_dir/serial.log" \
        "$case_dir/live-paced.elf" "$LIFEBOAT_BIN"
    check "$name: verify: the live dump is whole" "$LIFEBOAT_BIN" verify "$case_dir/live.kdump"
}

# (LIVE_KERNELS="PACKAGE..." runs those alone)
for pkg in ${LIVE_KERNELS:-linux-image-cloud-amd64 linux-image-6.12-cloud-amd64 $KERNEL_7X_PACKAGE}; do
    fetch_kernel "$pkg"
    case "$pkg" in linux-image-7.*) export GUEST_KERNEL_AT=modules ;; *) unset GUEST_KERNEL_AT ;; esac
    live_once "$pkg"
    name="$KERNEL_RELEASE live"
    checks "$name"
    if [ "$pkg" = linux-image-cloud-amd64 ]; then
        ensure_debuginfo
        # crash opens the dump and reads the task list through it; its own task table (from
        # the pid xarray) holds only the active tasks of a live dump, so 'bt PID' of a
        # waiting task is not asked of it (see the README): the stack's judge is drgn.
        printf 'sys\nlog\nlist task_struct.tasks -h init_task -s task_struct.pid,comm\nquit\n' \
            > "$case_dir/crash.cmds"
        check "$name: crash opens the live dump, reads its log and finds the FIFO reader in the task list" bash -c '
            crash -s "$1" "$2" -i "$3" > "$4" 2>&1; grep -E "RELEASE|PANIC|DUMPFILE" "$4"
            grep -q "RELEASE: $6" "$4" && grep -q "Linux version" "$4" &&
            grep -A1 "pid = $5,\$" "$4" | grep -q "comm = \"cat"' _ "$VMLINUX" "$case_dir/live.kdump" \
            "$case_dir/crash.cmds" "$case_dir/crash.out" "$fifo_pid" "$KERNEL_RELEASE"
        cat > "$case_dir/drgn.py" <<'PYEOF'
import sys
from drgn.helpers.linux.pid import find_task
t = find_task(prog, int(sys.argv[1]))
print(t.comm.string_().decode())
print(prog.stack_trace(t))
PYEOF
        check "$name: drgn opens the live dump; the FIFO reader's stack goes through pipe_read" bash -c '
            drgn -q -c "$2" -s "$1" "$4" "$3" > "$5" 2>&1; head -n 12 "$5"
            head -n 1 "$5" | grep -qx cat && grep -q "pipe_read" "$5" && grep -q "schedule" "$5"' _ \
            "$VMLINUX" "$case_dir/live.kdump" "$fifo_pid" "$case_dir/drgn.py" "$case_dir/drgn.out"
    else
        # 6.12 and 7.x: sid's crash 9.0.2 (lib.sh's ensure_crash_judge) with the -dbg vmlinux;
        # --no_modules: it stops at 7.x's struct module once a module is loaded
        ensure_debuginfo
        ensure_crash_judge
        printf 'sys\nlog\nlist task_struct.tasks -h init_task -s task_struct.pid,comm\nbt %s\nquit\n' \
            "$fifo_pid" > "$case_dir/crash.cmds"
        check "$name: crash ${CRASH_JUDGE%%+*} opens the live dump, reads its log, finds the FIFO reader and its stack through pipe_read" bash -c '
            timeout -k 10 900 "${@:7}" --no_modules -s "$1" "$2" -i "$3" > "$4" 2>&1
            grep -E "RELEASE|PANIC|DUMPFILE" "$4"; grep -A12 "^PID: $5 " "$4"
            grep -q "RELEASE: $6" "$4" && grep -q "Linux version" "$4" &&
            grep -A1 "pid = $5,\$" "$4" | grep -q "comm = \"cat" &&
            grep -A20 "^PID: $5 " "$4" | grep -q "pipe_read"' _ "$VMLINUX" "$case_dir/live.kdump" \
            "$case_dir/crash.cmds" "$case_dir/crash.out" "$fifo_pid" "$KERNEL_RELEASE" \
            "${CRASH_JUDGE_CMD[@]}"
    fi
done

e2e_end
