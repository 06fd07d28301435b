#!/usr/bin/env bash
# test_codec.sh - compress auto's dumps mix codecs, and the readers read them.
# The guest's capture saves a whole ELF vmcore of a real crash (Debian 12's
# kernel); on the host lifeboat writes it at -d 31 with compress auto through
# a destination paced to a few MiB/s, so auto starts on LZO and moves to zstd
# once it sees the target is the limit; then:
#   - the dump holds LZO, zstd and as-is pages (its summary and its descriptors);
#   - every frame is byte-identical to the source (libkdumpfile reads);
#   - crash runs sys, log, bt, ps and kmem -i; drgn prints the log and the stack;
#   - a makedumpfile that knows zstd (1.7.8) reads its log, Debian 12's 1.7.2,
#     which does not, fails on it (what the README says of codecs);
#   - unpaced into memory, auto stays on LZO (the CPU is the limit there).
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
e2e_begin
PY=/usr/bin/python3 # Debian's, which has drgn and libkdumpfile
JUDGE="$PY $E2E_DIR/judge.py"

fetch_kernel "$KERNEL_PACKAGE"
ensure_debuginfo
ensure_makedumpfile_judge
whole_vmcore # src
vmcore-dmesg "$src" > "$work/dmesg.ref"

mixed=$work/mixed
"$LIFEBOAT_BIN" save -d 31 --write-rate 4 "$src" "$mixed" 2>"$mixed.log"
cat "$mixed.log" >&2
check "paced to 4 MiB/s, auto stored pages with LZO, with zstd and as they are" \
    grep -Eq "pages stored by codec: as-is [1-9][0-9]* zstd [1-9][0-9]* lzo [1-9][0-9]* \(([1-9]|1[0-9]) codec changes\)" \
    "$mixed.log"
check "the dump's own page descriptors name LZO, zstd and as-is pages" \
    $JUDGE codecs "$mixed" --expect lzo,zstd,none
check "the mixed dump keeps exactly the frames makedumpfile keeps at -d 31" bash -c '
    makedumpfile -l -d 31 "$1" "$2" >/dev/null 2>&1 && $3 bitmaps "$4" "$2"' _ \
    "$src" "$work/mdf-31" "$JUDGE" "$mixed"
check "every frame of the mixed dump is identical to the source (libkdumpfile)" \
    $JUDGE same "$src" "$mixed"
check "lifeboat verify reads every frame of the mixed dump back" "$LIFEBOAT_BIN" verify "$mixed"
check "lifeboat info counts the mixed dump's frames by codec from its descriptors" bash -c '
    "$1" info "$2" | grep -Eq "^frames by codec: as-is [1-9][0-9]* zstd [1-9][0-9]* lzo [1-9][0-9]* "' _ \
    "$LIFEBOAT_BIN" "$mixed"
check "the stored pages save counted by codec (its summary, metadata.json) are what the descriptors name" bash -c '
    want=$(grep -Eo "as-is [0-9]+ zstd [0-9]+ lzo [0-9]+" "$2" | tr -d "a-z-" | xargs) &&
    got=$($1 codecs "$3" | grep -Eo "lzo [0-9]+, none [0-9]+, zstd [0-9]+" | tr -d "a-z," | xargs) &&
    set -- $want && w="$3 $1 $2" && set -- $got && [ "$w" = "$1 $2 $3" ]' _ \
    "$JUDGE" "$mixed.log" "$mixed"

read_by_crash_and_drgn "the mixed dump" "$mixed"
check "makedumpfile 1.7.8 (zstd built in) reads the mixed dump's log: vmcore-dmesg's records" \
    bash -c '"${@:4}" --dump-dmesg "$1" "$2" >/dev/null 2>&1 &&
    [ "$(grep -c "^\[" "$2")" = "$(grep -c "^\[" "$3")" ] &&
    grep -q "Kernel panic - not syncing: sysrq triggered crash" "$2"' _ \
    "$mixed" "$work/mdf178-dmesg.txt" "$work/dmesg.ref" "${MAKEDUMPFILE_JUDGE_CMD[@]}"
check "Debian 12's makedumpfile 1.7.2 (no zstd) fails on it, as the README warns" bash -c '
    ! makedumpfile --dump-dmesg "$1" "$2" >"$2.log" 2>&1 && grep -q "Failed" "$2.log"' _ \
    "$mixed" "$work/mdf172-dmesg.txt"

# Unpaced into a file, the CPUs are the limit: auto takes LZO and stays there.
"$LIFEBOAT_BIN" save -d 31 "$src" "$work/fast" 2>"$work/fast.log"
check "unpaced, auto stores its pages with LZO (no zstd page)" bash -c '
    grep -Eq "pages stored by codec:( as-is [0-9]+)? lzo [1-9][0-9]* \(0 codec changes\)" "$1"' _ \
    "$work/fast.log"

e2e_end
