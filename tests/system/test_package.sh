#!/usr/bin/env bash
# test_package.sh - the Debian package's life in a Debian 12 chroot: install,
# upgrade (with the admin's edits kept), remove and purge, each checked
# against what Debian policy and the issue ask: binary, units enabled,
# conffile, /var/crash 0700, the GRUB snippet with the estimated
# crashkernel=, and a purge that takes the configuration but never a dump.
# Also: lintian on the .deb shows no error or warning.
source "$(dirname "$0")/../e2e/lib.sh"
e2e_begin

deb=$(ls "$LIFEBOAT_DEB_DIR"/lifeboat_*.deb | head -n1)
[ -f "$deb" ] || die "no .deb in \$LIFEBOAT_DEB_DIR ($LIFEBOAT_DEB_DIR)"
net_deb=$(ls "$LIFEBOAT_DEB_DIR"/lifeboat-net_*.deb | head -n1)
check "lintian: no error or warning (lifeboat and lifeboat-net)" bash -c '
    out=$(lintian "$1" "$2" 2>&1 | grep -E "^[EW]: "); [ -z "$out" ] || { echo "$out"; false; }' _ \
    "$deb" "$net_deb"
check "lifeboat-net: the static network build beside lifeboat, depending on this very version" bash -c '
    dpkg-deb -c "$1" | grep -q "./usr/sbin/lifeboat-net$" &&
    dpkg-deb -f "$1" Depends | grep -q "lifeboat (= $(dpkg-deb -f "$2" Version))"' _ "$net_deb" "$deb"

tarball=$LIFEBOAT_CACHE/chroot-bookworm-minbase.tar
if [ ! -f "$tarball" ]; then
    log "making a Debian 12 chroot (mmdebstrap, cached in $tarball)"
    mmdebstrap --variant=minbase --format=tar --include=init-system-helpers bookworm "$tarball.tmp" \
        "$(debian_mirror)" >"$work/mmdebstrap.log" 2>&1 ||
        die "mmdebstrap failed: $(tail -n 5 "$work/mmdebstrap.log")"
    mv "$tarball.tmp" "$tarball"
fi
root=$work/root
mkdir -p "$root" && tar -xf "$tarball" -C "$root"
cp "$deb" "$root/tmp/lifeboat.deb"
# the upgrade: the same package as a later version
rm -rf "$work/repack" && dpkg-deb -R "$deb" "$work/repack"
sed -i 's/^Version: .*/&+upgrade1/' "$work/repack/DEBIAN/control"
dpkg-deb -b "$work/repack" "$root/tmp/lifeboat-new.deb" >/dev/null
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

check "install: dpkg -i succeeds" in_root dpkg -i /tmp/lifeboat.deb
check "install: the binary runs from /usr/sbin" in_root /usr/sbin/lifeboat --version
check "install: /etc/lifeboat.conf is a conffile" bash -c '
    chroot "$1" dpkg-query -W -f="\${Conffiles}" lifeboat | grep -q " /etc/lifeboat.conf "' _ "$root"
check "install: /var/crash exists, 0700" bash -c '[ "$(stat -c %a "$1/var/crash")" = 700 ]' _ "$root"
check "install: the units are enabled" bash -c '
    [ -L "$1/etc/systemd/system/multi-user.target.wants/lifeboat.service" ] &&
    [ -L "$1/etc/systemd/system/multi-user.target.wants/lifeboat.path" ]' _ "$root"
check "install: the GRUB snippet adds a crashkernel= size" \
    grep -Eq '^GRUB_CMDLINE_LINUX_DEFAULT="\$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=[0-9]+M"$' \
    "$root/etc/default/grub.d/lifeboat.cfg"
check "install: the man pages are there" test -f "$root/usr/share/man/man8/lifeboat.8.gz" -a \
    -f "$root/usr/share/man/man5/lifeboat.conf.5.gz"

# the admin's edits, and a dump, before the upgrade
echo "keep 3" >> "$root/etc/lifeboat.conf"
sed -i 's/crashkernel=[0-9]*M/crashkernel=200M/' "$root/etc/default/grub.d/lifeboat.cfg"
mkdir -p "$root/var/crash/20260101-000000-host" && echo dump > "$root/var/crash/20260101-000000-host/vmcore"
check "upgrade: dpkg -i of a later version succeeds, keeping the edited configuration" bash -c '
    chroot "$1" dpkg -i --force-confold /tmp/lifeboat-new.deb &&
    grep -q "^keep 3" "$1/etc/lifeboat.conf" && grep -q "crashkernel=200M" "$1/etc/default/grub.d/lifeboat.cfg" &&
    chroot "$1" dpkg-query -W -f="\${Version}" lifeboat | grep -q upgrade1' _ "$root"

check "remove: the binary and units go, the configuration stays" bash -c '
    chroot "$1" dpkg -r lifeboat && [ ! -e "$1/usr/sbin/lifeboat" ] &&
    [ ! -e "$1/lib/systemd/system/lifeboat.service" ] && [ -f "$1/etc/lifeboat.conf" ] &&
    [ -f "$1/etc/default/grub.d/lifeboat.cfg" ]' _ "$root"
check "purge: the configuration goes, the dumps stay" bash -c '
    chroot "$1" dpkg -P lifeboat && [ ! -e "$1/etc/lifeboat.conf" ] &&
    [ ! -e "$1/etc/default/grub.d/lifeboat.cfg" ] && [ ! -e "$1/var/lib/lifeboat" ] &&
    [ ! -e "$1/etc/systemd/system/multi-user.target.wants/lifeboat.service" ] &&
    [ -f "$1/var/crash/20260101-000000-host/vmcore" ]' _ "$root"
e2e_end
