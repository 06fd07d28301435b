#!/usr/bin/env bash
# test_package.sh - the Debian package's life in a chroot of Debian 12
# (bookworm), or of Debian 13 (trixie) with PACKAGE_RELEASE=trixie
# (test_package_trixie.sh): install, upgrade (with the admin's edits kept),
# remove and purge, each checked against what Debian policy and the issue ask:
# binary, units enabled, conffile, /var/crash 0700, the GRUB snippet with the
# estimated crashkernel=, and a purge that takes the configuration but never a
# dump.  The chroot is how cloud images are built: the release's cloud kernel
# is in it (apt-get download, dpkg-deb -x: never the host's /boot), no /proc,
# and the host runs another kernel; the snippet holds what estimate measures
# for the chroot's kernel, not a fallback.  A snippet the admin deleted stays
# deleted through dpkg-reconfigure and a reinstall.  Also: lintian on the .deb
# shows no error or warning, lintian of the release (run in a chroot of it,
# never installed on the host: trixie's knows usr-merge); and the package
# carries lifeboat-blkid (libblkid's probe of raw targets) depending on
# libblkid1.  Both releases install the very same .debs: one build serves both
# (its dependencies, libc6 and libblkid1, are the same names on both).
source "$(dirname "$0")/../e2e/lib.sh"
e2e_begin
release=${PACKAGE_RELEASE:-bookworm}
case "$release" in bookworm | trixie) ;; *) die "PACKAGE_RELEASE is bookworm or trixie, not $release" ;; esac
# check, with the release first: the two runs' lines are told apart
release_check() { local what=$1; shift; check "$release: $what" "$@"; }

# cached_chroot NAME PACKAGES: a tarball of a minbase chroot of the release with
# PACKAGES, made once by mmdebstrap from the mirror this machine's apt uses.
cached_chroot() {
    local tarball=$LIFEBOAT_CACHE/chroot-$release-$1.tar
    if [ ! -f "$tarball" ]; then
        log "making a $release chroot (mmdebstrap, cached in $tarball)"
        mmdebstrap --variant=minbase --format=tar --include="$2" "$release" "$tarball.tmp" \
            "$(debian_mirror)" >"$work/mmdebstrap.log" 2>&1 ||
            die "mmdebstrap failed: $(tail -n 5 "$work/mmdebstrap.log")"
        mv "$tarball.tmp" "$tarball"
    fi
    echo "$tarball"
}

deb=$(ls "$LIFEBOAT_DEB_DIR"/lifeboat_*.deb | head -n1)
[ -f "$deb" ] || die "no .deb in \$LIFEBOAT_DEB_DIR ($LIFEBOAT_DEB_DIR)"
net_deb=$(ls "$LIFEBOAT_DEB_DIR"/lifeboat-net_*.deb | head -n1)
# lintian of the release: this machine's own where it runs that release (Debian 12), else one
# in a chroot of the release (a tarball, unpacked for the run)
if grep -q "^12\." /etc/debian_version 2>/dev/null && [ "$release" = bookworm ] &&
    command -v lintian >/dev/null; then
    release_check "the release's own lintian: no error or warning (lifeboat and lifeboat-net)" bash -c '
        out=$(lintian "$1" "$2" 2>&1 | grep -E "^[EW]: "); [ -z "$out" ] || { echo "$out"; false; }' \
        _ "$deb" "$net_deb"
    log "$release: $(lintian --version) (this machine's)"
else
    lintian_tar=$(cached_chroot lintian lintian)
    mkdir -p "$work/lintian" && tar -xf "$lintian_tar" -C "$work/lintian"
    cp "$deb" "$net_deb" "$work/lintian/tmp/"
    release_check "the release's own lintian: no error or warning (lifeboat and lifeboat-net)" bash -c '
        run_in() { chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${@:2}"; }
        run_in "$1" lintian --version | grep -q "^Lintian v2\." &&
        out=$(run_in "$1" lintian "/tmp/${2##*/}" "/tmp/${3##*/}" 2>&1 | grep -E "^[EW]: ")
        [ -z "$out" ] || { echo "$out"; false; }' _ "$work/lintian" "$deb" "$net_deb"
    log "$release: $(chroot "$work/lintian" lintian --version)"
    rm -rf "$work/lintian"
fi
release_check "lifeboat-blkid: in /usr/libexec/lifeboat, the package depends on libblkid1" bash -c '
    dpkg-deb -c "$1" | grep -q "./usr/libexec/lifeboat/lifeboat-blkid$" &&
    dpkg-deb -f "$1" Depends | grep -q "libblkid1"' _ "$deb"
release_check "lifeboat-net: the static network build beside lifeboat, depending on this very version" bash -c '
    dpkg-deb -c "$1" | grep -q "./usr/sbin/lifeboat-net$" &&
    dpkg-deb -f "$1" Depends | grep -q "lifeboat (= $(dpkg-deb -f "$2" Version))"' _ "$net_deb" "$deb"

tarball=$(cached_chroot minbase init-system-helpers)
root=$work/root
mkdir -p "$root" && tar -xf "$tarball" -C "$root"
cp "$deb" "$root/tmp/lifeboat.deb"
# the image's kernel, the release's own, as an image build installs it before lifeboat
# (only its image matters here)
[ "$release" = bookworm ] || KERNEL_SUITE=$release
fetch_kernel "${KERNEL_PACKAGE:-linux-image-cloud-amd64}"
mkdir -p "$root/boot" && cp "$VMLINUZ" "$root/boot/"
# the upgrade: the same package as a later version
rm -rf "$work/repack" && dpkg-deb -R "$deb" "$work/repack"
sed -i 's/^Version: .*/&+upgrade1/' "$work/repack/DEBIAN/control"
dpkg-deb -b "$work/repack" "$root/tmp/lifeboat-new.deb" >/dev/null
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

release_check "install: dpkg -i succeeds" bash -c '
    chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg -i /tmp/lifeboat.deb \
        > "$2" 2>&1 || { cat "$2"; false; }' _ "$root" "$work/install.log"
release_check "install in a chroot: the snippet holds estimate's size for the chroot's newest kernel, not a fallback" bash -c '
    ! grep -q "gave no size" "$2" &&
    chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin lifeboat estimate > "$3" 2>"$3.err" &&
    grep -q "estimating for the newest installed kernel, /boot/vmlinuz-$4" "$3.err" &&
    size=$(sed -n "s/^crashkernel=//p" "$3") && [ -n "$size" ] && [ "$size" != 128M ] &&
    grep -q "crashkernel=$size\"\$" "$1/etc/default/grub.d/lifeboat.cfg" &&
    grep -q "crashkernel=$size added to the kernel command line" "$2"' _ \
    "$root" "$work/install.log" "$work/estimate.out" "$KERNEL_RELEASE"
release_check "install: the binary runs from /usr/sbin" in_root /usr/sbin/lifeboat --version
# lifeboat-blkid is the one dynamically linked program: it runs with the release's libblkid
mkfs.ext4 -q -F "$root/tmp/probe.img" 8M >/dev/null
release_check "install: lifeboat-blkid runs with $release's libblkid1 (probes an ext4 image)" bash -c '
    chroot "$1" /usr/libexec/lifeboat/lifeboat-blkid /tmp/probe.img | grep -q "a file system (TYPE=ext4"' _ "$root"
release_check "install: lifeboat-net, the same build, installs beside it and runs" bash -c '
    cp "$2" "$1/tmp/lifeboat-net.deb" && chroot "$1" dpkg -i /tmp/lifeboat-net.deb >/dev/null &&
    chroot "$1" /usr/sbin/lifeboat-net --version && chroot "$1" dpkg -r lifeboat-net >/dev/null' _ "$root" "$net_deb"
release_check "install: /etc/lifeboat.conf is a conffile" bash -c '
    chroot "$1" dpkg-query -W -f="\${Conffiles}" lifeboat | grep -q " /etc/lifeboat.conf "' _ "$root"
release_check "install: /var/crash exists, 0700" bash -c '[ "$(stat -c %a "$1/var/crash")" = 700 ]' _ "$root"
release_check "install: the units are enabled" bash -c '
    [ -L "$1/etc/systemd/system/multi-user.target.wants/lifeboat.service" ] &&
    [ -L "$1/etc/systemd/system/multi-user.target.wants/lifeboat.path" ]' _ "$root"
# under /usr (usr-merge: trixie's dpkg and lintian want nothing in the aliased /lib)
release_check "install: the units are in /usr/lib/systemd/system, dpkg knows them there" bash -c '
    for u in lifeboat.service lifeboat.path lifeboat-reload.service; do
        chroot "$1" dpkg -S "/usr/lib/systemd/system/$u" | grep -q "^lifeboat:" || exit 1
    done
    ! dpkg-deb -c "$2" | grep -q " \./lib/"' _ "$root" "$deb"
release_check "install: the GRUB snippet adds a crashkernel= size" \
    grep -Eq '^GRUB_CMDLINE_LINUX_DEFAULT="\$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=[0-9]+M"$' \
    "$root/etc/default/grub.d/lifeboat.cfg"
release_check "install: the man pages are there" test -f "$root/usr/share/man/man8/lifeboat.8.gz" -a \
    -f "$root/usr/share/man/man5/lifeboat.conf.5.gz"

# the admin's edits, and a dump, before the upgrade
echo "keep 3" >> "$root/etc/lifeboat.conf"
sed -i 's/crashkernel=[0-9]*M/crashkernel=200M/' "$root/etc/default/grub.d/lifeboat.cfg"
mkdir -p "$root/var/crash/20260101-000000-host" && echo dump > "$root/var/crash/20260101-000000-host/vmcore"
release_check "upgrade: dpkg -i of a later version succeeds, keeping the edited configuration" bash -c '
    chroot "$1" dpkg -i --force-confold /tmp/lifeboat-new.deb &&
    grep -q "^keep 3" "$1/etc/lifeboat.conf" && grep -q "crashkernel=200M" "$1/etc/default/grub.d/lifeboat.cfg" &&
    chroot "$1" dpkg-query -W -f="\${Version}" lifeboat | grep -q upgrade1' _ "$root"

release_check "remove: the binary and units go, the configuration stays" bash -c '
    chroot "$1" dpkg -r lifeboat && [ ! -e "$1/usr/sbin/lifeboat" ] &&
    [ ! -e "$1/usr/lib/systemd/system/lifeboat.service" ] && [ -f "$1/etc/lifeboat.conf" ] &&
    [ -f "$1/etc/default/grub.d/lifeboat.cfg" ]' _ "$root"
release_check "purge: the configuration goes, the dumps stay" bash -c '
    chroot "$1" dpkg -P lifeboat && [ ! -e "$1/etc/lifeboat.conf" ] &&
    [ ! -e "$1/etc/default/grub.d/lifeboat.cfg" ] && [ ! -e "$1/var/lib/lifeboat" ] &&
    [ ! -e "$1/etc/systemd/system/multi-user.target.wants/lifeboat.service" ] &&
    [ -f "$1/var/crash/20260101-000000-host/vmcore" ]' _ "$root"

# Installed again after the purge, the snippet is made again; deleted by the admin, it stays so.
release_check "install after purge: the snippet is made again" bash -c '
    chroot "$1" dpkg -i /tmp/lifeboat.deb >/dev/null 2>&1 && [ -f "$1/etc/default/grub.d/lifeboat.cfg" ] &&
    [ -e "$1/var/lib/lifeboat/grub-snippet-installed" ]' _ "$root"
rm "$root/etc/default/grub.d/lifeboat.cfg"
release_check "a deleted snippet: dpkg-reconfigure does not make it again, and says why" bash -c '
    chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        dpkg-reconfigure lifeboat > "$2" 2>&1 && [ ! -e "$1/etc/default/grub.d/lifeboat.cfg" ] &&
    grep -q "lifeboat.cfg was removed: not made again" "$2" && ! grep -q "crashkernel=.* added" "$2"' _ \
    "$root" "$work/reconfigure.log"
release_check "a deleted snippet: reinstalling the package does not make it again" bash -c '
    chroot "$1" dpkg -i /tmp/lifeboat.deb > "$2" 2>&1 && [ ! -e "$1/etc/default/grub.d/lifeboat.cfg" ] &&
    ! grep -q "crashkernel=.* added" "$2"' _ "$root" "$work/reinstall.log"
e2e_end
