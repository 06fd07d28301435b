#!/usr/bin/env bash
# test_encrypt.sh - encrypted dumps on a real crash, opened by Debian's age.
# The guest's configuration has two 'encrypt-to' lines (an age key from
# age-keygen, an ssh-ed25519 key from ssh-keygen); its crash kernel saves the
# whole memory as ELF, encrypted.  Then, on the host:
#   - the directory holds vmcore.age, dmesg.txt.age, info.json.age and a clear
#     metadata.json, and nothing in the clear that holds memory;
#   - `age -d` opens all three with either key; the vmcore holds every
#     pattern page the guest wrote, and the log equals lifeboat dmesg's;
#   - lifeboat info/dmesg --identity read vmcore.age in place and say what
#     they say of the clear file; verify checks it with and without the key;
#   - an encrypted dump is an age file holding makedumpfile's flattened
#     stream (headers first, in order: a dump killed midway reads up to the
#     cut); `lifeboat convert -` or makedumpfile -R makes the file;
#   - a kdump file written from it by 'save --encrypt-to' decrypts (age) to a
#     dump whose every frame equals the source (libkdumpfile), byte for byte
#     the clear one, which crash opens;
#   - a wrong key, a changed byte and a cut file each fail, saying which;
#   - a target that fills up leaves an incomplete dump that is a whole age file.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
e2e_begin
PY=/usr/bin/python3
JUDGE="$PY $E2E_DIR/judge.py"
L=$LIFEBOAT_BIN

fetch_kernel "$KERNEL_PACKAGE"
age-keygen -o "$work/age.key" 2>/dev/null
age-keygen -o "$work/other.key" 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -C lifeboat-test -f "$work/ssh.key"
age_pub=$(age-keygen -y "$work/age.key")
make_disk "$work/disk.img" 4G LBDUMP
build_guest_initramfs "$work/guest.cpio" "target fs /dev/nvme0n1 /crash
format elf
dump-level 0
encrypt-to $age_pub
encrypt-to $(cat "$work/ssh.key.pub")"
seed=$((RANDOM * 65536 + RANDOM + 1))
run_guest "$work/serial.log" "$work/guest.cpio" "crashkernel=${CRASHKERNEL:-160M} lbtest.seed=$seed" \
    -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
    true
log "guest ran ${GUEST_SECONDS:-?} s"
d=/crash/$(dump_dirs "$work/disk.img" /crash | head -n1)
for f in vmcore.age dmesg.txt.age info.json.age metadata.json; do
    fetch_file "$work/disk.img" "$d/$f" "$work/$f" || true
done
check "the capture saved a complete encrypted dump" \
    grep -q "lifeboat: complete dump saved" "$work/serial.log"
check "the dump directory holds vmcore.age, dmesg.txt.age, info.json.age and metadata.json only" \
    bash -c 'source "$3" && [ "$(dump_dirs "$1" "$2" | sort | tr "\n" " ")" = \
        "dmesg.txt.age info.json.age metadata.json vmcore.age " ]' _ "$work/disk.img" "$d" "$E2E_DIR/lib.sh"
check "metadata.json is clear, says the encryption and holds no panic text" bash -c '
    grep -q "\"encryption\": \"age\"" "$1" && grep -q "\"dump_file\": \"vmcore.age\"" "$1" &&
    ! grep -qi "sysrq" "$1"' _ "$work/metadata.json"
check "nothing of the guest's memory is in the clear: no pattern page's bytes in the encrypted file" \
    $JUDGE bytes "$work/vmcore.age" "$work/serial.log" --expect absent
check "age -d opens the vmcore with the age key and with the ssh key, the same bytes: a flattened stream convert turns into the ELF file" bash -c '
    age -d -i "$1" -o "$3.flat" "$4" && age -d -i "$2" "$4" | cmp -s - "$3.flat" &&
    head -c 12 "$3.flat" | grep -q makedumpfile && "$5" convert "$3.flat" "$3" 2>/dev/null' _ \
    "$work/age.key" "$work/ssh.key" "$work/clear.elf" "$work/vmcore.age" "$L"
check "the decrypted vmcore holds every pattern page the guest wrote (and they show as bytes)" bash -c '
    $1 pattern "$2" "$3" --expect present && $1 bytes "$2" "$3" --expect present' _ \
    "$JUDGE" "$work/clear.elf" "$work/serial.log"
check "dmesg.txt.age decrypts (age) to the log lifeboat dmesg reads from the decrypted dump" bash -c '
    age -d -i "$1" "$2" > "$4.age-log" && "$5" dmesg "$3" > "$4.log" &&
    [ -s "$4.log" ] && cmp -s "$4.log" "$4.age-log"' _ \
    "$work/ssh.key" "$work/dmesg.txt.age" "$work/clear.elf" "$work/dmesg" "$L"
check "info.json.age decrypts (age) to JSON naming the panic" bash -c '
    age -d -i "$1" "$2" | python3 -c "import json,sys; d=json.load(sys.stdin); assert \"sysrq\" in d[\"panic\"], d[\"panic\"]"' \
    _ "$work/age.key" "$work/info.json.age"
check "lifeboat info --identity reads vmcore.age in place: the same report as on the clear file" bash -c '
    "$1" info --identity "$2" "$3" | tail -n +2 > "$5.enc" &&
    "$1" info "$4" | tail -n +2 > "$5.clear" && grep -q "sysrq" "$5.clear" && cmp -s "$5.enc" "$5.clear"' _ \
    "$L" "$work/ssh.key" "$work/vmcore.age" "$work/clear.elf" "$work/info"
check "lifeboat dmesg --identity reads vmcore.age in place" bash -c '
    "$1" dmesg --identity "$2" "$3" | cmp -s - "$4"' _ "$L" "$work/age.key" "$work/vmcore.age" \
    "$work/dmesg.log"
check "verify: without the key, the file matches the checksum recorded at capture" bash -c '
    cp "$2" "$4/metadata.json" && cp "$3" "$4/vmcore.age" &&
    "$1" verify "$4/vmcore.age" | grep -q "matches the one recorded at capture"' _ \
    "$L" "$work/metadata.json" "$work/vmcore.age" "$(mkdir -p "$work/dir" && echo "$work/dir")"
check "verify --identity: every frame read back, ok" bash -c '
    "$1" verify --identity "$2" "$3/vmcore.age" | grep -q ": ok:"' _ "$L" "$work/age.key" "$work/dir"

check "list: an encrypted dump is listed; its panic line shown with --identity only" bash -c '
    name=$(basename "$5") && mkdir -p "$4/t/$name" && cp "$2" "$3" "$4/t/$name/" &&
    printf "target dir %s\n" "$4/t" > "$4/list.conf" &&
    "$1" list -c "$4/list.conf" > "$4/list.out" && cat "$4/list.out" &&
    grep -q "(encrypted: lifeboat list --identity FILE shows the panic)" "$4/list.out" &&
    "$1" list -c "$4/list.conf" --identity "$6" | grep -q "sysrq triggered crash" &&
    "$1" list -c "$4/list.conf" --json | grep -q "\"encrypted\": true"' _ \
    "$L" "$work/metadata.json" "$work/info.json.age" "$work" "$d" "$work/ssh.key"

# The kdump writer through the encryption, from the decrypted source; judged by libkdumpfile.
# (A fixed codec where two writes are compared byte for byte: compress auto chooses by timing.)
"$L" save -d 31 -c zstd --encrypt-to "$age_pub" "$work/clear.elf" "$work/lb31.age" 2>"$work/save.log" || true
check "save --encrypt-to: age -d | convert - gives a kdump dump whose every frame equals the source" bash -c '
    age -d -i "$1" "$2" | "$5" convert - "$2.kdump" 2>/dev/null && $3 same "$4" "$2.kdump"' _ \
    "$work/age.key" "$work/lb31.age" "$JUDGE" "$work/clear.elf" "$L"
check "the encrypted file holds byte for byte the file save writes in the clear" bash -c '
    "$1" save -d 31 -c zstd "$2" "$3" 2>/dev/null && cmp "$3" "$4.kdump"' _ \
    "$L" "$work/clear.elf" "$work/lb31.clear" "$work/lb31.age"
check "convert --identity reads vmcore.age in place: the same file convert writes from the clear dump" bash -c '
    "$1" convert -c zstd --identity "$2" "$3" "$4" 2>/dev/null &&
    "$1" convert -c zstd "$5" "$4.clear" 2>/dev/null &&
    cmp "$4" "$4.clear"' _ "$L" "$work/age.key" "$work/lb31.age" "$work/lb31.conv" "$work/lb31.clear"
check "save --encrypt-to to a stream: an age file holding the flattened stream" bash -c '
    "$1" save -d 31 -c zstd --encrypt-to "$2" "$3" - 2>/dev/null | age -d -i "$4" | "$1" convert - "$5" &&
    cmp -s "$5" "$6.kdump"' _ "$L" "$age_pub" "$work/clear.elf" "$work/age.key" "$work/stream.kdump" \
    "$work/lb31.age"
ensure_debuginfo
check "crash opens the decrypted kdump dump: sys, log, bt" bash -c '
    printf "sys\nlog\nbt\nquit\n" > "$3.cmds" && crash -s "$1" "$2.kdump" -i "$3.cmds" > "$3" 2>&1 &&
    grep -q "PANIC: \"Kernel panic - not syncing: sysrq triggered crash\"" "$3" &&
    grep -q "#0 .*machine_kexec" "$3"' _ "$VMLINUX" "$work/lb31.age" "$work/crash.txt"

# What goes wrong is said, and where.
check "config check refuses a raw target with encrypt-to, naming it" bash -c '
    printf "target raw /dev/sdz\nencrypt-to %s\n" "$2" > "$3" &&
    ! "$1" config check -c "$3" 2>"$3.err" && grep -q "a raw target does not take an encrypted dump" "$3.err"' _ \
    "$L" "$age_pub" "$work/raw.conf"
check "config check refuses a key that is not one, naming the line" bash -c '
    printf "encrypt-to age1notakey\n" > "$2" &&
    ! "$1" config check -c "$2" 2>"$2.err" && grep -q "$2:1: encrypt-to" "$2.err"' _ "$L" "$work/bad.conf"
check "a wrong key is refused, saying no identity opens the file" bash -c '
    ! "$1" info --identity "$2" "$3" 2>"$4" && grep -q "none of the 1 identities" "$4"' _ \
    "$L" "$work/other.key" "$work/lb31.age" "$work/wrong.err"
check "a changed byte: verify names the chunk that fails authentication" bash -c '
    cp "$2" "$4" && size=$(stat -c %s "$4") &&
    printf "\x5a" | dd of="$4" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null &&
    ! "$1" verify --identity "$3" "$4" > "$4.out" &&
    grep -Eq "encrypted chunk [0-9]+ \(bytes [0-9]+-[0-9]+ of the dump\) fails authentication" "$4.out"' _ \
    "$L" "$work/lb31.age" "$work/age.key" "$work/flipped.age"
check "a cut file: age -d gives what there is, lifeboat says it was cut and reads it as incomplete" bash -c '
    cp "$2" "$4" && truncate -s $(( $(stat -c %s "$4") * 2 / 3 )) "$4" &&
    ! age -d -i "$3" "$4" > /dev/null 2>&1 &&
    "$1" verify --identity "$3" "$4" > "$4.out"; [ $? = 3 ] && grep -q "incomplete" "$4.out"' _ \
    "$L" "$work/lb31.age" "$work/age.key" "$work/cut.age"
# Killed midway (power lost, the step's deadline): an encrypted dump goes out in order, an age file
# holding makedumpfile's flattened records with the headers first, so what reached the disk is the
# file cut where the writer stopped.  Cut at several places, each reads as far as it goes.
for frac in 10 25 50 75 90; do
    # (each part says what it found when it fails)
    check "cut at $frac%: info and verify --identity read it and say incomplete; dmesg reads the log or says the dump was cut before it" bash -c '
        f="$4.$5" && head -c $(( $(stat -c %s "$2") * $5 / 100 )) "$2" > "$f" || exit 1
        "$1" info --identity "$3" "$f" > "$f.info" && grep -q "kdump, INCOMPLETE" "$f.info" &&
            grep -q "kernel release: " "$f.info" || { echo "info:"; head -n 4 "$f.info"; exit 1; }
        "$1" verify --identity "$3" "$f" > "$f.verify"; rc=$?
        [ $rc = 3 ] && grep -q "incomplete: .* it says it was cut short" "$f.verify" ||
            { echo "verify, exit $rc:"; tail -n 4 "$f.verify"; exit 1; }
        if "$1" dmesg --identity "$3" "$f" > "$f.dmesg" 2> "$f.dmesg.err"; then
            grep -q "sysrq: Trigger a crash" "$f.dmesg" ||
                { echo "dmesg read a log without the crash:"; tail -n 2 "$f.dmesg"; cat "$f.dmesg.err"; exit 1; }
        else
            grep -q "the dump is incomplete: it was cut short" "$f.dmesg.err" ||
                { echo "dmesg failed:"; cat "$f.dmesg.err"; exit 1; }
        fi' _ "$L" "$work/lb31.age" "$work/age.key" "$work/cut" "$frac"
    check "cut at $frac%: age -d gives what there is; convert - keeps it as an incomplete kdump file" bash -c '
        f="$4.$5" && ! age -d -i "$3" "$f" > "$f.flat" 2>/dev/null && [ -s "$f.flat" ] &&
        { "$1" convert "$f.flat" "$f.kdump" 2> "$f.conv"; [ $? = 1 ]; } &&
        grep -q "cut short (no end record): an incomplete dump" "$f.conv" &&
        "$1" info "$f.kdump" | grep -q "kdump, INCOMPLETE"' _ \
        "$L" "$work/lb31.age" "$work/age.key" "$work/cut" "$frac"
done
check "cut short, more frames read back the further the cut" bash -c '
    n() { sed -n "s/.*incomplete: \([0-9]*\) frames read back.*/\1/p" "$1.$2.verify"; }
    [ "$(n "$1" 10)" -le "$(n "$1" 50)" ] && [ "$(n "$1" 50)" -le "$(n "$1" 90)" ] &&
    [ "$(n "$1" 90)" -gt 0 ]' _ "$work/cut"
# A target that fills up: the encrypted dump is cut short, and still a whole age file (the chunks
# held in memory had their room reserved on the target), whose dump says it is incomplete.
make_disk "$work/small.img" 64M SMALL
head -c 38M /dev/urandom > "$work/filler"
debugfs -w -R "write $work/filler filler" "$work/small.img" >/dev/null 2>&1
rm -f "$work/filler"
build_guest_initramfs "$work/g2.cpio" "target fs LABEL=SMALL /
dump-level 1
encrypt-to $age_pub"
# nokaslr: what fits is the first windows the writer saves, the log's first; where KASLR puts the
# log would decide whether it is whole in them (test_production.sh boots so too)
run_guest "$work/s2.log" "$work/g2.cpio" "crashkernel=${CRASHKERNEL:-160M} nokaslr" \
    -drive "file=$work/small.img,if=none,id=s,format=raw" -device nvme,drive=s,serial=s || true
sd=/$(dump_dirs "$work/small.img" / | grep incomplete | head -n1)
fetch_file "$work/small.img" "$sd/vmcore.age" "$work/small.age" || true
fetch_file "$work/small.img" "$sd/metadata.json" "$work/small-metadata.json" || true
check "full target, encrypted: the dump is named incomplete and says so in metadata.json" bash -c '
    [[ "$1" == *.incomplete ]] && grep -q "\"status\": \"incomplete\"" "$2" &&
    grep -q "\"dump_file\": \"vmcore.age\"" "$2"' _ "$sd" "$work/small-metadata.json"
check "full target, encrypted: age -d opens the whole file; the dump in it says it is incomplete" bash -c '
    age -d -i "$1" -o "$3.flat" "$2" && { "$4" convert "$3.flat" "$3" 2>/dev/null; true; } &&
    "$4" info "$3" > "$3.info" && grep -q "INCOMPLETE" "$3.info" &&
    grep -q "sysrq triggered crash" "$3.info" && "$4" dmesg "$3" | grep -q "sysrq: Trigger a crash"' _ \
    "$work/age.key" "$work/small.age" "$work/small.kdump" "$L"
check "full target, encrypted: verify --identity says incomplete (exit 3), no chunk fails" bash -c '
    "$1" verify --identity "$2" "$3" > "$3.verify"; rc=$?; cat "$3.verify"; [ $rc = 3 ] &&
    ! grep -q "fails authentication" "$3.verify"' _ "$L" "$work/age.key" "$work/small.age"
e2e_end
