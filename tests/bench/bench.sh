#!/usr/bin/env bash
# bench.sh - lifeboat save against makedumpfile, side by side, on the vmcore of
# a real guest with a realistic mix of memory.  A benchmark, not a test: it
# prints numbers and ratios and fails only if a tool fails.
#
#   tests/bench/bench.sh             # 4 GiB guest (GUEST_MEM=4096), 3 runs each
#
# The guest fills memory the way a server does: tmpfs files of text and of
# random bytes (page cache), anonymous memory with random and zero content
# (user data), dozens of processes, and lets the rest be free.  Its capture
# saves a whole ELF vmcore, which both tools then read from the host's page
# cache, so the numbers compare the tools and not the disk.
source "$(dirname "$0")/../e2e/lib.sh"

GUEST_MEM=${GUEST_MEM:-4096}
RUNS=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine >/dev/null; }

# VMCORE=FILE reuses a vmcore saved by an earlier run (booting a 4 GiB guest under
# TCG takes minutes); KEEP_VMCORE=FILE keeps this run's vmcore there.
if [[ -n ${VMCORE:-} && -s $VMCORE ]]; then
    ln -s "$(realpath "$VMCORE")" "$work/vmcore"
else
    fetch_kernel linux-image-cloud-amd64
    make_disk "$work/disk.img" $((GUEST_MEM * 2))M LBDUMP
    build_guest_initramfs "$work/guest.cpio" "target fs /dev/nvme0n1 /crash
format elf
dump-level 0"
    log "booting a ${GUEST_MEM} MiB guest with a server-like memory mix"
    GUEST_MEM=$GUEST_MEM GUEST_TIMEOUT=1200 run_guest "$work/serial.log" "$work/guest.cpio" \
        "crashkernel=192M lbtest.workload=server lbtest.pages=32768" \
        -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
        true
    dir=/crash/$(dump_dirs "$work/disk.img" /crash | head -n1)
    fetch_file "$work/disk.img" "$dir/vmcore" "$work/vmcore" || die "the guest saved no vmcore"
    rm -f "$work/disk.img"
    [[ -z ${KEEP_VMCORE:-} ]] || cp "$work/vmcore" "$KEEP_VMCORE"
fi
cat "$work/vmcore" > /dev/null # into the page cache: measure the tools, not the disk
log "vmcore: $(($(stat -L -c %s "$work/vmcore") >> 20)) MiB"

threads=$(nproc)
run() { # run NAME COMMAND: hyperfine mean seconds, output bytes, peak RSS KiB
    local name=$1 cmd=$2
    hyperfine --runs "$RUNS" --prepare "rm -f $work/out" --export-json "$work/$name.json" \
        --style none "$cmd" >/dev/null 2>&1 || die "$name failed: $cmd"
    rm -f "$work/out"
    local rss
    rss=$(/usr/bin/time -f %M bash -c "$cmd" 2>&1 >/dev/null | tail -n1)
    local mean
    mean=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['mean'])" \
        "$work/$name.json")
    printf '%s %s %s %s\n' "$name" "$mean" "$(stat -c %s "$work/out")" "$rss" >> "$work/results"
}
for d in 31 1; do
    run "makedumpfile-l-d$d" "makedumpfile -l -d $d $work/vmcore $work/out"
    run "makedumpfile-c-d$d" "makedumpfile -c -d $d $work/vmcore $work/out"
    run "lifeboat-t1-d$d" "$LIFEBOAT_BIN save -t 1 -d $d $work/vmcore $work/out"
    # the same engine at the other end of the speed/size trade: zstd's fast mode, and LZO
    run "lifeboat-t1-zstd-1-d$d" "$LIFEBOAT_BIN save -t 1 -l -1 -d $d $work/vmcore $work/out"
    run "lifeboat-t1-lzo-d$d" "$LIFEBOAT_BIN save -t 1 -c lzo -d $d $work/vmcore $work/out"
    run "lifeboat-t$threads-d$d" "$LIFEBOAT_BIN save -t $threads -d $d $work/vmcore $work/out"
done
python3 - "$work/results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, t, size, rss = line.split()
    rows[name] = (float(t), int(size), int(rss))
print(f"{'run':<28}{'time s':>9}{'size MiB':>10}{'RSS MiB':>9}{'speed vs mdf -l':>17}{'size vs mdf -c':>16}")
for name, (t, size, rss) in rows.items():
    d = name.rsplit("-", 1)[1]
    tl = rows[f"makedumpfile-l-{d}"][0]
    sc = rows[f"makedumpfile-c-{d}"][1]
    print(f"{name:<28}{t:>9.2f}{size / 2**20:>10.1f}{rss / 1024:>9.1f}{tl / t:>16.2f}x{size / sc:>15.2f}x")
PY
