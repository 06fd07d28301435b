#!/usr/bin/env bash
# codec.sh - compress auto against the fixed codecs and makedumpfile -l, on the
# host, into memory (tmpfs: the CPU is the limit) and through a throttled pipe
# (the target is: makedumpfile's flattened format on standard output, read at
# THROTTLE_MB MB/s).  A benchmark, not a test: it prints a table and fails only
# if a tool fails.
#
#   VMCORE=FILE tests/bench/codec.sh      # an ELF vmcore (test_codec.sh's, KEEP_WORK=1)
#   RUNS=5 THROTTLE_MB=20 VMCORE=FILE tests/bench/codec.sh
source "$(dirname "$0")/../e2e/lib.sh"

RUNS=${RUNS:-3}
THROTTLE_MB=${THROTTLE_MB:-20}
[[ -n ${VMCORE:-} && -s $VMCORE ]] || die "VMCORE=FILE names the vmcore to save"
work=$(mktemp -d /dev/shm/lifeboat-codec.XXXXXX) # tmpfs: the fast target
trap 'rm -rf "$work"' EXIT

# A target of THROTTLE_MB MB/s: reads standard input at that rate, says how much it read.
cat > "$work/throttle.py" <<'PY'
import sys, time
rate, out = float(sys.argv[1]) * 1e6, sys.argv[2]
start, total = time.monotonic(), 0
while chunk := sys.stdin.buffer.read1(1 << 16):
    total += len(chunk)
    ahead = total / rate - (time.monotonic() - start)
    if ahead > 0:
        time.sleep(ahead)
open(out, "w").write(str(total))
PY

run() { # run NAME COMMAND: hyperfine's mean and stddev, and the bytes written
    local name=$1 cmd=$2
    hyperfine --runs "$RUNS" --prepare "rm -f $work/out $work/bytes" --export-json "$work/$name.json" \
        --style none "$cmd" >/dev/null 2>&1 || die "$name failed: $cmd"
    local size
    size=$(if [[ -s $work/bytes ]]; then cat "$work/bytes"; else stat -c %s "$work/out"; fi)
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(sys.argv[2], r['mean'], r['stddev'], sys.argv[3])" \
        "$work/$name.json" "$name" "$size" >> "$work/results"
}

: > "$work/results"
cat "$VMCORE" > /dev/null # into the page cache: measure the tools, not the disk
log "vmcore $VMCORE: $(($(stat -L -c %s "$VMCORE") >> 20)) MiB, $(nproc) CPUs, $RUNS runs each"
slow="python3 $work/throttle.py $THROTTLE_MB $work/bytes"
for d in 31 1; do
    run "mdf-l-d$d-tmpfs" "makedumpfile -l -d $d $VMCORE $work/out"
    run "auto-d$d-tmpfs" "$LIFEBOAT_BIN save -d $d $VMCORE $work/out"
    run "lzo-d$d-tmpfs" "$LIFEBOAT_BIN save -c lzo -d $d $VMCORE $work/out"
    run "zstd-d$d-tmpfs" "$LIFEBOAT_BIN save -c zstd -d $d $VMCORE $work/out"
    run "mdf-l-d$d-${THROTTLE_MB}MB" "makedumpfile -F -l -d $d $VMCORE | $slow"
    run "mdf-c-d$d-${THROTTLE_MB}MB" "makedumpfile -F -c -d $d $VMCORE | $slow"
    run "auto-d$d-${THROTTLE_MB}MB" "$LIFEBOAT_BIN save -d $d $VMCORE - 2>/dev/null | $slow"
    run "lzo-d$d-${THROTTLE_MB}MB" "$LIFEBOAT_BIN save -c lzo -d $d $VMCORE - 2>/dev/null | $slow"
    run "zstd-d$d-${THROTTLE_MB}MB" "$LIFEBOAT_BIN save -c zstd -d $d $VMCORE - 2>/dev/null | $slow"
done
python3 - "$work/results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, mean, sd, size = line.split()
    rows[name] = (float(mean), float(sd), int(size))
print(f"{'run':<22}{'time s':>9}{'± s':>7}{'MiB':>8}{'vs mdf -l':>11}{'vs best fixed':>15}{'size/mdf -l':>13}")
for name, (t, sd, size) in rows.items():
    tool, d, target = name.rsplit("-", 2)
    ref = rows[f"mdf-l-{d}-{target}"]
    best = min(rows[f"{c}-{d}-{target}"][0] for c in ("lzo", "zstd"))
    print(f"{name:<22}{t:>9.2f}{sd:>7.2f}{size / 2**20:>8.1f}{ref[0] / t:>10.2f}x"
          f"{best / t:>14.2f}x{size / ref[2]:>12.2f}x")
PY
