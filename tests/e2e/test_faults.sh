#!/usr/bin/env bash
# test_faults.sh - the capture when things go wrong, on a real kernel in QEMU.
# Each scenario crashes a guest and reads what reached the disk and what the
# console said; none may hang or end without a line saying what happened:
#  1. the crashed kernel's task lists loop (a test module breaks them);
#  2. its page tables for the struct page array point at no memory;
#  3. the first target's disk fails every write past 4 MiB (QEMU blkdebug):
#     the dump there is cut, and the next target takes it whole;
#  4. the target disk crawls (4 KiB/s, QEMU throttling): the dump makes no
#     progress, step-timeout stops it, and the machine still reboots (device
#     shutdown would wait for the disk for ever: the restart skips it);
#  5. a second panic, in the crash kernel itself (its init cannot start): the
#     crash kernel's panic=10 reboots the machine instead of hanging;
#  6. the power goes mid-dump (QEMU killed), clear and encrypted: the next boot
#     lists the dump as interrupted and it reads up to its cut;
#  7. the dump disk vanishes mid-write (device_del): the next target takes it.
# A fault table (scenario, log, report, dump, console, action, time) is printed.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
e2e_begin
fetch_kernel "$KERNEL_PACKAGE"
build_crash_module
table=$work/table

# row SCENARIO SERIAL [DISK DIR [KEPT]]: what reached the disk, what the console said, and
# which of the user's other data a check below found untouched (KEPT).
row() {
    local name=$1 serial=$2 disk=${3:-} dir=${4:-} kept=${5:--} log=- report=- dump=none files=
    if [ -n "$disk" ]; then
        files=$(dump_dirs "$disk" "${dir%/}/$(dump_dirs "$disk" "$dir" | grep -E '^(\.partial-)?[0-9]{8}-' | head -n1)")
        grep -qx dmesg.txt <<< "$files" && log=yes
        grep -qx info.json <<< "$files" && report=yes
    fi
    grep -q "lifeboat: complete dump" "$serial" && dump=complete
    grep -q "lifeboat: incomplete dump\|dump incomplete" "$serial" && [ $dump = none ] &&
        dump=incomplete
    local said action
    # a scenario may have no such line (the crash kernel itself panicked): not an error here
    said=$(grep -o "lifeboat: capture [a-zA-Z]* after [0-9.]* s" "$serial" | tail -n1) || true
    action=$(grep -oE "^lifeboat: (reboot|poweroff|halt)" "$serial" | tail -n1) || true
    grep -q "Rebooting in 10 seconds" "$serial" && action="kernel panic=10 reboot"
    printf '| %s | %s | %s | %s | %s | %s | %s s | %s |\n' "$name" "$log" "$report" "$dump" \
        "${said:-NONE}" "${action#lifeboat: }" "${GUEST_SECONDS:-?}" "$kept" >> "$table"
}

# 1. looping task lists
make_disk "$work/d1.img" 2G DUMPS
CRASH_MODULE=$CRASH_MODULE build_guest_initramfs "$work/g1.cpio" "target fs LABEL=DUMPS /"
run_guest "$work/s1.log" "$work/g1.cpio" "crashkernel=160M lbtest.crash=looptasks" \
    -drive "file=$work/d1.img,if=none,id=d,format=raw" -device nvme,drive=d,serial=d1 || true
row "task lists loop" "$work/s1.log" "$work/d1.img" /
check "looping task lists: the capture completes, the report included" bash -c '
    grep -q "lifeboat: capture complete" "$1" && grep -q "triage report saved" "$1" &&
    grep -Eq "complete dump saved in /mnt/target0/[0-9]{8}-" "$1"' _ "$work/s1.log"
d=$(dump_dirs "$work/d1.img" / | grep -E '^[0-9]{8}-' | head -n1)
fetch_file "$work/d1.img" "/$d/vmcore" "$work/v1" || true
check "looping task lists: lifeboat info on the dump names the loop, in bounded time" bash -c '
    timeout 60 "$1" info "$2" > "$3" && grep -q "task list loops" "$3" &&
    grep -q "lbcrash: the task lists loop" "$3"' _ "$LIFEBOAT_BIN" "$work/v1" "$work/info1"
rm -f "$work/d1.img" "$work/v1"

# 2. broken vmemmap page tables: struct pages cannot be read
make_disk "$work/d2.img" 2G DUMPS
CRASH_MODULE=$CRASH_MODULE build_guest_initramfs "$work/g2.cpio" "target fs LABEL=DUMPS /"
run_guest "$work/s2.log" "$work/g2.cpio" "crashkernel=160M lbtest.crash=badpgt" \
    -drive "file=$work/d2.img,if=none,id=d,format=raw" -device nvme,drive=d,serial=d2 || true
row "vmemmap page tables broken" "$work/s2.log" "$work/d2.img" /
check "broken page tables: a dump is saved and the machine reboots" bash -c '
    grep -Eq "lifeboat: capture (complete|incomplete)" "$1" && grep -q "^lifeboat: reboot" "$1"' _ \
    "$work/s2.log"
rm -f "$work/d2.img"

# 3. write errors on the first target; the second takes the dump
truncate -s 1G "$work/bad.img"
printf '[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "8192"\n' > "$work/blkdebug.conf"
make_disk "$work/d3.img" 2G DUMPS
build_guest_initramfs "$work/g3.cpio" "target raw /dev/nvme0n1
target fs LABEL=DUMPS /"
run_guest "$work/s3.log" "$work/g3.cpio" "crashkernel=160M" \
    -drive "file=blkdebug:$work/blkdebug.conf:$work/bad.img,if=none,id=b,format=raw" \
    -device nvme,drive=b,serial=bad \
    -drive "file=$work/d3.img,if=none,id=d,format=raw" -device nvme,drive=d,serial=d3 || true
row "write errors on the first target" "$work/s3.log" "$work/d3.img" / "the next target's dump complete"
check "write errors: the first target's dump is cut with an I/O error, the next one is complete" bash -c '
    grep -Eq "dump incomplete: (f(data)?sync|writing back the output before offset [0-9]+): I/O error" "$1" &&
    grep -q "lifeboat: trying the next target" "$1" &&
    grep -q "lifeboat: capture complete" "$1"' _ "$work/s3.log"
rm -f "$work/bad.img" "$work/d3.img"

# 4. a disk that crawls: the dump step is stopped, the capture ends, the machine reboots
truncate -s 1G "$work/slow.img"
build_guest_initramfs "$work/g4.cpio" "target raw /dev/nvme0n1
step-timeout 6"
GUEST_TIMEOUT=300 run_guest "$work/s4.log" "$work/g4.cpio" "crashkernel=160M" \
    -drive "file=$work/slow.img,if=none,id=s,format=raw,throttling.bps-write=4096" \
    -device nvme,drive=s,serial=slow || true
row "target disk crawls (4 KiB/s)" "$work/s4.log"
check "crawling disk: the dump is stopped for making no progress, said, and the machine reboots" bash -c '
    grep -q "the dump made no progress for 6 s: stopped" "$1" &&
    grep -q "lifeboat: capture incomplete" "$1" && grep -q "^lifeboat: reboot" "$1"' _ "$work/s4.log"
rm -f "$work/slow.img"
truncate -s 64M "$work/d5.img"

# 5. the crash kernel panics too: its init cannot start (rdinit= appended to its command line)
build_guest_initramfs "$work/g5.cpio" "target raw /dev/nvme0n1
cmdline-append rdinit=/missing"
GUEST_TIMEOUT=300 run_guest "$work/s5.log" "$work/g5.cpio" "crashkernel=160M" \
    -drive "file=$work/d5.img,if=none,id=s,format=raw" -device nvme,drive=s,serial=d5 || true
row "second panic, in the crash kernel" "$work/s5.log"
check "a panic in the crash kernel reboots the machine (panic=10), no hang" bash -c '
    [ "$(grep -c "Kernel panic - not syncing" "$1")" -ge 2 ] &&
    grep -q "Rebooting in 10 seconds" "$1" && [ "$2" -lt 250 ]' _ "$work/s5.log" "${GUEST_SECONDS:-999}"

# 6. the power goes mid-dump (QEMU killed, nothing flushed), 30 s into a dump of 1.5 minutes
# (256 MiB of the pattern's pages to a target at 4 MiB/s): what reached the disk is a dump
# directory never renamed; the next boot's list names it interrupted, and the dump reads up
# to its cut (verify: incomplete; dmesg: the log, in the first window saved, which the writer
# synced once it was whole).
make_disk "$work/d6.img" 2G DUMPS
build_guest_initramfs "$work/g6.cpio" "target fs LABEL=DUMPS /
dump-level 1
codec none"
# nokaslr: the writer puts first the 128 MiB window the log is in, so where KASLR puts the log
# would decide whether so early a cut holds it (test_production.sh boots so too)
THEN_AFTER=30 run_guest_then "$work/s6.log" "$work/g6.cpio" \
    "crashkernel=160M nokaslr lbtest.pages=65536" "lifeboat: vmcore: [0-9]+ of [0-9]+ MiB" power-cut \
    -drive "file=$work/d6.img,if=none,id=d,format=raw,throttling.bps-write=4194304" \
    -device nvme,drive=d,serial=d6
# what the next boot's mount does first: the file system's journal replayed
e2fsck -fy "$work/d6.img" >/dev/null 2>&1 || true
row "power cut mid-dump" "$work/s6.log" "$work/d6.img" / "the cut dump: listed, verified, its log read"
d=$(dump_dirs "$work/d6.img" / | grep -E '^\.partial-[0-9]{8}-' | head -n1) || true
mkdir -p "$work/after6/$d"
for f in vmcore dmesg.txt metadata.json info.json; do
    fetch_file "$work/d6.img" "/$d/$f" "$work/after6/$d/$f" || true
done
printf 'target dir %s\n' "$work/after6" > "$work/after6.conf"
check "power cut mid-dump: the next boot's list names the dump interrupted, not complete" bash -c '
    [ -n "$3" ] && ! grep -q "lifeboat: complete dump" "$4" &&
    "$1" list -c "$2" > "$2.out" && cat "$2.out" && grep -q "  INCOMPLETE, interrupted$" "$2.out" &&
    ! grep -q "  complete$" "$2.out"' _ "$LIFEBOAT_BIN" "$work/after6.conf" "$d" "$work/s6.log"
check "power cut mid-dump: verify says incomplete (exit 3), dmesg reads the log in the cut dump" bash -c '
    "$1" verify "$2/vmcore"; [ $? = 3 ] &&
    "$1" dmesg "$2/vmcore" > "$2/dmesg.out" && grep -q "sysrq: Trigger a crash" "$2/dmesg.out" &&
    grep -q "sysrq: Trigger a crash" "$2/dmesg.txt"' _ "$LIFEBOAT_BIN" "$work/after6/$d"
rm -rf "$work/d6.img" "$work/after6"

# 6b. the same for an encrypted dump (age): its stream decrypts up to the cut, and says so.
age-keygen -o "$work/age.key" 2>/dev/null
make_disk "$work/d6.img" 2G DUMPS
build_guest_initramfs "$work/g6.cpio" "target fs LABEL=DUMPS /
dump-level 1
codec none
encrypt-to $(age-keygen -y "$work/age.key")"
# (sealed, the first window is whole later: the power is cut 60 s in)
THEN_AFTER=60 run_guest_then "$work/s6e.log" "$work/g6.cpio" \
    "crashkernel=160M nokaslr lbtest.pages=65536" "lifeboat: vmcore.age: [0-9]+ of [0-9]+ MiB" \
    power-cut \
    -drive "file=$work/d6.img,if=none,id=d,format=raw,throttling.bps-write=4194304" \
    -device nvme,drive=d,serial=d6e
e2fsck -fy "$work/d6.img" >/dev/null 2>&1 || true
row "power cut mid-dump, encrypted" "$work/s6e.log" "$work/d6.img" / \
    "the cut dump: listed, decrypted, verified, its log read"
d=$(dump_dirs "$work/d6.img" / | grep -E '^\.partial-[0-9]{8}-' | head -n1) || true
mkdir -p "$work/after6/$d"
for f in vmcore.age dmesg.txt.age metadata.json info.json.age; do
    fetch_file "$work/d6.img" "/$d/$f" "$work/after6/$d/$f" || true
done
printf 'target dir %s\n' "$work/after6" > "$work/after6.conf"
check "encrypted, power cut mid-dump: list names it interrupted; verify --identity says incomplete (exit 3); dmesg --identity reads the log" bash -c '
    [ -n "$3" ] && ! grep -q "lifeboat: complete dump" "$4" &&
    "$1" list -c "$2" | grep -q "  INCOMPLETE, interrupted$" &&
    { "$1" verify --identity "$5" "$6/vmcore.age"; [ $? = 3 ]; } &&
    "$1" dmesg --identity "$5" "$6/vmcore.age" | grep -q "sysrq: Trigger a crash"' _ \
    "$LIFEBOAT_BIN" "$work/after6.conf" "$d" "$work/s6e.log" "$work/age.key" "$work/after6/$d"
rm -rf "$work/d6.img" "$work/after6"

# 7. the dump disk vanishes mid-write (QEMU device_del: hot-unplugged): the dump there is
# cut, said, and the next target (a raw disk) takes it whole; the machine still reboots.
make_disk "$work/d7.img" 2G DUMPS
truncate -s 1G "$work/raw7.img"
# (the dump's writes wait for a disk that is gone: step-timeout ends that step, as it would
# after its default 120 s)
build_guest_initramfs "$work/g7.cpio" "target fs LABEL=DUMPS /
target raw /dev/nvme1n1
step-timeout 15
dump-level 1
codec none"
GUEST_MEM=512 run_guest_then "$work/s7.log" "$work/g7.cpio" "crashkernel=160M lbtest.pages=4096" \
    "lifeboat: vmcore: [0-9]+ of [0-9]+ MiB" "device_del gone" \
    -drive "file=$work/d7.img,if=none,id=d,format=raw,throttling.bps-write=2097152" \
    -device nvme,drive=d,serial=d7,id=gone \
    -drive "file=$work/raw7.img,if=none,id=r,format=raw" -device nvme,drive=r,serial=raw7
row "dump disk vanishes mid-write" "$work/s7.log" "" "" "the next target's dump verified whole"
check "disk gone mid-write: the dump there is stopped and said, the next target takes it whole, reboot" bash -c '
    grep -q "dump incomplete" "$1" && grep -q "lifeboat: trying the next target" "$1" &&
    grep -q "lifeboat: complete dump written to /dev/nvme" "$1" && grep -q "^lifeboat: reboot" "$1" &&
    "$2" verify "$3" >/dev/null' _ "$work/s7.log" "$LIFEBOAT_BIN" "$work/raw7.img"
rm -f "$work/d7.img" "$work/raw7.img"

echo "| scenario | log saved | report saved | dump | console | final action | guest time | nothing lost |"
echo "|---|---|---|---|---|---|---|---|"
cat "$table"
e2e_end
