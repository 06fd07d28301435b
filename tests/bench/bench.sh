#!/usr/bin/env bash
# bench.sh - lifeboat save against makedumpfile, side by side, on the vmcore of
# a real guest with a realistic mix of memory.  A benchmark, not a test: it
# prints numbers and ratios and fails only if a tool fails.
#
#   tests/bench/bench.sh             # 4 GiB guests (GUEST_MEM=4096), 3 runs each
#   WORKLOADS=mixed RUNS=1 tests/bench/bench.sh
#   VMCORE=FILE tests/bench/bench.sh # one vmcore of your own
#
# Two guests, because a result that holds on one kind of memory may not on
# another.  "server": tmpfs files of text and of random bytes (page cache),
# the pattern helper's anonymous memory, dozens of processes, the rest free.
# "mixed": busier, 1.7 GB of anonymous memory (3/8 random, 3/8 log text, 1/4
# zero or nearly), 0.6 GB of log files, 0.4 GB of tmpfs.  Each capture
# saves a whole ELF vmcore, which both tools then read from the host's page
# cache, so the numbers compare the tools and not the disk.
source "$(dirname "$0")/../e2e/lib.sh"

GUEST_MEM=${GUEST_MEM:-4096}
RUNS=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { apt-get install -y -qq -o DPkg::Lock::Timeout=600 hyperfine >/dev/null; }

# make_vmcore WORKLOAD OUT: a crashed GUEST_MEM guest's whole ELF vmcore, kept in the
# cache (booting a 4 GiB guest and saving 4 GiB under TCG takes minutes).
make_vmcore() {
    local workload=$1 out=$2 args
    if [[ -s $out ]]; then
        return 0
    fi
    case $workload in
    server) args="lbtest.workload=server lbtest.pages=32768" ;;
    mixed) args="lbtest.workload=mixed" ;;
    *) die "unknown workload $workload (server, mixed)" ;;
    esac
    fetch_kernel linux-image-cloud-amd64
    make_disk "$work/disk.img" $((GUEST_MEM * 2))M LBDUMP
    build_guest_initramfs "$work/guest.cpio" "target fs /dev/nvme0n1 /crash
format elf
dump-level 0"
    log "booting a ${GUEST_MEM} MiB guest with the $workload memory mix"
    GUEST_MEM=$GUEST_MEM GUEST_TIMEOUT=1200 run_guest "$work/serial.log" "$work/guest.cpio" \
        "crashkernel=192M $args" \
        -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
        true
    local dir=/crash/$(dump_dirs "$work/disk.img" /crash | head -n1)
    mkdir -p "$(dirname "$out")"
    fetch_file "$work/disk.img" "$dir/vmcore" "$out.tmp" || die "the guest saved no vmcore"
    mv "$out.tmp" "$out"
    rm -f "$work/disk.img"
}

threads=$(nproc)
run() { # run NAME COMMAND: hyperfine median seconds, output bytes, peak RSS KiB, mean CPU seconds
    local name=$1 cmd=$2
    hyperfine --runs "$RUNS" --prepare "rm -f $work/out" --export-json "$work/$name.json" \
        --style none "$cmd" >/dev/null 2>&1 || die "$name failed: $cmd"
    rm -f "$work/out"
    local rss
    rss=$(/usr/bin/time -f %M bash -c "$cmd" 2>&1 >/dev/null | tail -n1)
    # the median, and the CPU time (user + system): on a shared machine the wall clock of a
    # run may wait for others' work, its CPU time much less so
    local times
    times=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; \
print(r['median'], r['user'] + r['system'])" "$work/$name.json")
    printf '%s %s %s %s %s\n' "$name" "${times% *}" "$(stat -c %s "$work/out")" "$rss" \
        "${times#* }" >> "$work/results"
}

# bench_vmcore VMCORE: every tool on one vmcore, at -d 31 and -d 1; one table.  Every run is
# timed until its dump is on disk: lifeboat fsyncs what it wrote (a dump is evidence),
# makedumpfile does not, so its runs end with coreutils' sync of the file (an fsync).
bench_vmcore() {
    local vmcore=$1 d
    : > "$work/results"
    cat "$vmcore" > /dev/null # into the page cache: measure the tools, not the disk
    log "vmcore $vmcore: $(($(stat -L -c %s "$vmcore") >> 20)) MiB"
    for d in 31 1; do
        run "makedumpfile-l-d$d" "makedumpfile -l -d $d $vmcore $work/out && sync $work/out"
        run "makedumpfile-c-d$d" "makedumpfile -c -d $d $vmcore $work/out && sync $work/out"
        run "lifeboat-defaults-d$d" "$LIFEBOAT_BIN save -d $d $vmcore $work/out"
        run "lifeboat-t1-d$d" "$LIFEBOAT_BIN save -t 1 -d $d $vmcore $work/out"
        # the same engine at the other end of the speed/size trade: zstd's fast mode, and LZO
        run "lifeboat-t1-zstd-1-d$d" "$LIFEBOAT_BIN save -t 1 -c zstd -l -1 -d $d $vmcore $work/out"
        run "lifeboat-t1-lzo-d$d" "$LIFEBOAT_BIN save -t 1 -c lzo -d $d $vmcore $work/out"
        run "lifeboat-t$threads-lzo-d$d" "$LIFEBOAT_BIN save -t $threads -c lzo -d $d $vmcore $work/out"
    done
    python3 - "$work/results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, t, size, rss, cpu = line.split()
    rows[name] = (float(t), int(size), int(rss), float(cpu))
print(f"{'run':<28}{'time s':>9}{'CPU s':>8}{'size MiB':>10}{'RSS MiB':>9}{'speed vs mdf -l':>17}{'size vs mdf -c':>16}")
for name, (t, size, rss, cpu) in rows.items():
    d = name.rsplit("-", 1)[1]
    tl = rows[f"makedumpfile-l-{d}"][0]
    sc = rows[f"makedumpfile-c-{d}"][1]
    print(f"{name:<28}{t:>9.2f}{cpu:>8.2f}{size / 2**20:>10.1f}{rss / 1024:>9.1f}{tl / t:>16.2f}x{size / sc:>15.2f}x")
PY
}

# VMCORE=FILE benchmarks that vmcore alone; otherwise each of WORKLOADS, made once and cached.
if [[ -n ${VMCORE:-} ]]; then
    bench_vmcore "$VMCORE"
else
    for workload in ${WORKLOADS:-server mixed}; do
        vmcore=$LIFEBOAT_CACHE/bench/$workload-$GUEST_MEM.vmcore
        make_vmcore "$workload" "$vmcore"
        printf '\n%s guest, %s MiB, %s threads on this machine\n' "$workload" "$GUEST_MEM" "$threads"
        bench_vmcore "$vmcore"
    done
fi
