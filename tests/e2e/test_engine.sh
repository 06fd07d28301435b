#!/usr/bin/env bash
# test_engine.sh - the dump engine on a real crash, judged by the established
# tools.  The guest's capture saves a whole ELF vmcore; on the host lifeboat
# filters and converts it, and:
#   - for -d 31, 1 and 23 it keeps exactly the frames makedumpfile keeps;
#   - every frame it saves is byte-identical to the source (libkdumpfile reads);
#   - user pages (the pattern) are kept at -d 23 and left out at -d 31;
#   - crash runs sys, log, bt, ps and kmem -i on every format and codec;
#   - drgn prints the log (equal to vmcore-dmesg's) and the crashed thread's stack;
#   - makedumpfile --dump-dmesg and vmcore-dmesg read what they support.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
e2e_begin
PY=/usr/bin/python3 # Debian's, which has drgn and libkdumpfile
JUDGE="$PY $E2E_DIR/judge.py"

fetch_kernel "$KERNEL_PACKAGE"
ensure_debuginfo
whole_vmcore # src, and the guest's serial.log with its pattern pages
vmcore-dmesg "$src" > "$work/dmesg.ref"

for d in 31 1 23; do
    "$LIFEBOAT_BIN" save -d $d "$src" "$work/lb-$d" 2>"$work/lb-$d.log"
    makedumpfile -l -d $d "$src" "$work/mdf-$d" >/dev/null 2>&1
    check "-d $d: lifeboat keeps exactly the frames makedumpfile keeps" $JUDGE bitmaps "$work/lb-$d" "$work/mdf-$d"
done
check "-d 31: every saved frame is identical to the source" $JUDGE same "$src" "$work/lb-31"
check "-d 31: repeated frames were stored once (and read back identical, above)" \
    grep -Eq "lifeboat: [1-9][0-9]* saved frames repeat an earlier one" "$work/lb-31.log"
check "-d 23 keeps the guest's user pages, intact" \
    $JUDGE pattern "$work/lb-23" "$work/serial.log" --expect present
check "-d 31 leaves the guest's user pages out" \
    $JUDGE pattern "$work/lb-31" "$work/serial.log" --expect absent
# At defaults (compress auto) into a file the CPUs are the limit: LZO, no larger than -l's.
check "-d 31 at defaults writes no more than makedumpfile -l at the same level" bash -c '
    [ $(stat -c %s "$1") -le $(stat -c %s "$2") ]' _ "$work/lb-31" "$work/mdf-31"
"$LIFEBOAT_BIN" save -d 31 -c zstd "$src" "$work/lb-31-zstd" 2>/dev/null
check "-d 31 zstd is smaller than makedumpfile -c at the same level" bash -c '
    makedumpfile -c -d 31 "$1" "$2" >/dev/null 2>&1 &&
    [ $(stat -c %s "$3") -le $(stat -c %s "$2") ]' _ "$src" "$work/mdf-31-zlib" "$work/lb-31-zstd"

check "peak memory of save does not grow with the dump: 1x and 4x the memory" bash -c '
    python3 "$1/inflate_elf.py" "$2" "$3" 4 &&
    a=$(/usr/bin/time -f %M "$4" save -t 1 -d 31 "$2" "$3.a" 2>&1 >/dev/null | tail -n1) &&
    b=$(/usr/bin/time -f %M "$4" save -t 1 -d 31 "$3" "$3.b" 2>&1 >/dev/null | tail -n1) &&
    rm -f "$3" "$3.a" "$3.b" && echo "peak RSS: ${a} KiB for 1x, ${b} KiB for 4x" &&
    [ "$b" -lt $((a + a / 4)) ] && [ "$a" -lt 65536 ]' _ "$E2E_DIR" "$src" "$work/big.elf" \
    "$LIFEBOAT_BIN"

# A dump saved again at a lower level holds no more than it had: the frames its filter left
# out are not in the source, so they take no slot (they once left every later frame's
# descriptor misplaced: 61,184 of 61,440 frames unreadable).
"$LIFEBOAT_BIN" save -d 0 "$work/lb-31" "$work/lb-31-d0" 2>"$work/lb-31-d0.log"
check "a -d 31 dump saved again at -d 0: whole, the same frames, each identical to the source" \
    bash -c '"$1" verify "$3" && $2 frames "$3" "$4" && $2 same "$5" "$3"' _ \
    "$LIFEBOAT_BIN" "$JUDGE" "$work/lb-31-d0" "$work/lb-31" "$src"
# The process killed midway (past a file size limit: SIGXFSZ) leaves what it wrote: marked
# incomplete, every frame it reads back the source's.  Its bitmap was written whole before any
# descriptor; it used to go out window by window, most needed first, and a window saved early
# above one not yet saved had its frames read through other frames' descriptors.
half_kib=$(($(stat -c %s "$work/lb-31") / 2048))
# (the subshell waits, and its "File size limit exceeded" goes where its stderr does)
(bash -c 'ulimit -f "$1" && exec "$2" save -d 31 -c lzo "$3" "$4"' _ "$half_kib" "$LIFEBOAT_BIN" \
    "$src" "$work/lb-killed" || true) 2>/dev/null
check "a save killed midway: marked incomplete, every frame it holds the source's" bash -c '
    "$1" verify "$3"; [ $? = 3 ] && $2 same "$4" "$3" --cut' _ \
    "$LIFEBOAT_BIN" "$JUDGE" "$work/lb-killed" "$src"

for codec in zlib lzo; do
    "$LIFEBOAT_BIN" save -d 31 -c $codec "$src" "$work/lb-31-$codec" 2>/dev/null
    check "-d 31 $codec: every saved frame is identical to the source" \
        $JUDGE same "$src" "$work/lb-31-$codec"
done
# zstd's fast mode (a negative level): smaller than LZO's output, every frame still intact
"$LIFEBOAT_BIN" save -d 31 -c zstd -l -1 "$src" "$work/lb-31-fast" 2>/dev/null
check "-d 31 zstd -l -1: every saved frame is identical to the source, smaller than LZO" bash -c '
    $1 same "$2" "$3" && [ $(stat -c %s "$3") -lt $(stat -c %s "$4") ]' _ \
    "$JUDGE" "$src" "$work/lb-31-fast" "$work/lb-31-lzo"
check "a level outside -7..22 is refused, naming the range" bash -c '
    ! "$1" save -l -8 "$2" "$3" 2>"$3.err" && grep -q "from -7 to 22" "$3.err" && [ ! -e "$3" ]' _ \
    "$LIFEBOAT_BIN" "$src" "$work/lb-bad-level"
"$LIFEBOAT_BIN" save -d 31 -f elf "$src" "$work/lb-31.elf" 2>/dev/null
check "-d 31 ELF: vmcore-dmesg reads it, and its log is the source's" bash -c '
    vmcore-dmesg "$1" | cmp - "$2"' _ "$work/lb-31.elf" "$work/dmesg.ref"
# Filtered frames are in no PT_LOAD: readers say "not in the dump", never read zeros there.
check "-d 31 ELF: the guest's user pages are in no PT_LOAD (no data, not zeros)" \
    $JUDGE pattern "$work/lb-31.elf" "$work/serial.log" --expect missing
"$LIFEBOAT_BIN" save -d 30 -f elf "$src" "$work/lb-30.elf" 2>/dev/null
makedumpfile -l -d 30 "$src" "$work/mdf-30" >/dev/null 2>&1
check "-d 30 ELF: its PT_LOADs hold exactly the frames makedumpfile keeps at -d 30" \
    $JUDGE frames "$work/lb-30.elf" "$work/mdf-30"
check "-d 30 ELF: every frame it holds is identical to the source" $JUDGE same "$src" "$work/lb-30.elf"
# A flattened stream writes each byte once, so crash reads it as it is, as makedumpfile -R does.
"$LIFEBOAT_BIN" save -d 31 -c zlib "$src" - > "$work/lb-31.flat" 2>/dev/null
check "crash reads lifeboat's flattened stream directly: sys, log, bt without an error" bash -c '
    printf "sys\nlog\nbt\nquit\n" > "$3.cmds" &&
    crash -s "$1" "$2" -i "$3.cmds" > "$3" 2>&1 &&
    grep -q "PANIC: \"Kernel panic - not syncing: sysrq triggered crash\"" "$3" &&
    ! grep -Eiq "incomplete|^crash: |read error|invalid (kernel|user) virtual address" "$3"' _ \
    "$VMLINUX" "$work/lb-31.flat" "$work/crash-flat.txt"
check "makedumpfile --dump-dmesg reads lifeboat's lzo dump: the same records" bash -c '
    makedumpfile --dump-dmesg "$1" "$2" >/dev/null 2>&1 &&
    [ "$(grep -c "^\[" "$2")" = "$(grep -c "^\[" "$3")" ] &&
    grep -q "Kernel panic - not syncing: sysrq triggered crash" "$2"' _ \
    "$work/lb-31-lzo" "$work/mdf-dmesg.txt" "$work/dmesg.ref"

for dump in lb-31 lb-31-zlib lb-31-lzo lb-31.elf; do
    read_by_crash_and_drgn "$dump" "$work/$dump"
done

e2e_end
