#!/usr/bin/env bash
# test_cli.sh - the lifeboat program as a user meets it, without a guest:
#  1. every command's --help exits 0;
#  2. run as PID 1 of a container (not as /init), lifeboat is a command, not a capture;
#  3. 'initramfs -o' writes only a new file: not over one, not through a symlink;
#  4. a host name with spaces and '#' still gives an embedded config that reads back;
#     a raw target that does not exist, or has no stable identity, is refused;
#  5. an install (meson install, the README's) gives units that run the installed
#     binary and a config where the binary reads it, kept when installed again.
source "$(dirname "$0")/lib.sh"
e2e_begin

for cmd in load unload status initramfs config estimate exec test capture savecore save convert dmesg info; do
    check "'lifeboat $cmd --help' exits 0 with its usage" bash -c '
        "$1" "$2" --help > "$3" && grep -qi usage "$3"' _ "$LIFEBOAT_BIN" "$cmd" "$work/help"
done

check "as PID 1 of a container, lifeboat runs the command it is given (no capture, no reboot)" \
    bash -c 'unshare --fork --pid --mount-proc "$1" --version | grep -q "^lifeboat "' _ "$LIFEBOAT_BIN"

printf 'target dir /var/crash\n' > "$work/conf"
echo precious > "$work/existing"
ln -s "$work/victim" "$work/link"
check "initramfs -o refuses a file that exists, and leaves it as it was" bash -c '
    ! "$1" initramfs -c "$2" -o "$3" 2>"$3.err" && grep -q "exists" "$3.err" &&
    [ "$(cat "$3")" = precious ]' _ "$LIFEBOAT_BIN" "$work/conf" "$work/existing"
check "initramfs -o does not write through a symlink" bash -c '
    ! "$1" initramfs -c "$2" -o "$3" 2>/dev/null && [ ! -e "$4" ]' _ \
    "$LIFEBOAT_BIN" "$work/conf" "$work/link" "$work/victim"

check "a host name with spaces and '#' is embedded as a name the capture reads back" bash -c '
    unshare --uts /usr/bin/python3 -c "import os, socket, sys
socket.sethostname(\"web 17#b\")  # what hostname(1) refuses, the kernel takes
os.execv(sys.argv[1], sys.argv[1:])" "$1" initramfs -c "$2" --compress none -o "$3/img" >/dev/null &&
    mkdir "$3/x" && (cd "$3/x" && cpio -i --quiet < "$3/img") &&
    grep -qx "hostname web_17_b" "$3/x/etc/lifeboat.conf"' _ "$LIFEBOAT_BIN" "$work/conf" "$work"

printf 'target raw /dev/lifeboat-no-such-disk\n' > "$work/raw-missing.conf"
check "config check refuses a raw target that does not exist (it cannot be identified)" bash -c '
    ! "$1" config check -c "$2" 2>"$3" && grep -q "must exist now" "$3"' _ \
    "$LIFEBOAT_BIN" "$work/raw-missing.conf" "$work/err"
truncate -s 1M "$work/plain"
printf 'target raw %s\n' "$work/plain" > "$work/raw-file.conf"
check "config check refuses a raw target with no stable identity (a plain file)" bash -c '
    ! "$1" config check -c "$2" 2>"$3" && grep -q "no stable identity" "$3"' _ \
    "$LIFEBOAT_BIN" "$work/raw-file.conf" "$work/err"

meson setup "$work/build" --prefix=/usr/local >/dev/null 2>&1 && ninja -C "$work/build" >/dev/null 2>&1 &&
    DESTDIR="$work/root" meson install -C "$work/build" >/dev/null 2>&1
check "install: the service runs the installed binary" bash -c '
    exe=$(sed -n "s/^ExecStart=\([^ ]*\).*/\1/p" "$1/usr/local/lib/systemd/system/lifeboat.service") &&
    echo "ExecStart: $exe" && [ -x "$1$exe" ]' _ "$work/root"
check "install: the config is where the installed binary reads it, and the path unit watches it" bash -c '
    [ -f "$1/etc/lifeboat.conf" ] &&
    "$1/usr/local/sbin/lifeboat" config --help | grep -q "default /etc/lifeboat.conf" &&
    grep -qx "PathChanged=/etc/lifeboat.conf" "$1/usr/local/lib/systemd/system/lifeboat.path"' _ \
    "$work/root"
echo "keep 7" >> "$work/root/etc/lifeboat.conf"
DESTDIR="$work/root" meson install -C "$work/build" >/dev/null 2>&1
check "install again: the admin's config is kept" grep -qx "keep 7" "$work/root/etc/lifeboat.conf"

e2e_end
