# image.sh - a Debian system disk as the installer's "guided, use entire
# disk and set up LVM" leaves it: one partition, a volume group, root and /var
# on logical volumes, GRUB in the MBR, systemd, Debian's cloud kernel; of the
# release SYSTEM_RELEASE names (bookworm, the default, or trixie), each with
# its own kernel and systemd.
#
# Sourced by test_system.sh.  build_system_image sets SYSTEM_IMAGE.  The image
# is cached in $LIFEBOAT_CACHE/system, one per release (it downloads ~200 MB of
# packages), and rebuilt only when this file changes.  This machine's kernel has no
# device-mapper, so the LVM layout is made inside a guest running Debian's own
# kernel: the root file system is first made by mmdebstrap as a directory,
# packed into an ext4 image (mkfs.ext4 -d, no loop device), booted, and it
# installs itself onto the LVM disk.

SYSTEM_SIZE=${SYSTEM_SIZE:-6G}
SYSTEM_RELEASE=${SYSTEM_RELEASE:-bookworm}
# packages: 1 (raise to fetch the packages again)

# The guest that installs the system: runs as init= of the packed root.
write_installer() {
    cat > "$1" <<'INSTALL'
#!/bin/sh
# lb-install: lays out /dev/vda with LVM and copies this system onto it.
set -eux
export DM_DISABLE_UDEV=1 PATH=/usr/sbin:/usr/bin:/sbin:/bin
# no udev here, and / is read-only: no metadata backups, no monitoring daemon
lvmc() { lvm "$@" --config 'activation { udev_sync = 0 udev_rules = 0 monitoring = 0 } devices { obtain_device_list_from_udev = 0 } backup { backup = 0 archive = 0 }'; }
mount -t proc proc /proc 2>/dev/null || true
mount -t sysfs sys /sys 2>/dev/null || true
mount -t devtmpfs dev /dev 2>/dev/null || true
mkdir -p /run /tmp && mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp
printf 'label: dos\nstart=2048, type=8e, bootable\n' | sfdisk -q /dev/vda
mkdir -p /run/lock/lvm /run/lvm
lvmc pvcreate /dev/vda1
lvmc vgcreate vg0 /dev/vda1
lvmc lvcreate -v -y -Zn -Wn -L 2600M -n root vg0
lvmc lvcreate -y -Zn -Wn -l 100%FREE -n var vg0
lvmc vgscan --mknodes
mkfs.ext4 -q -L root /dev/mapper/vg0-root
mkfs.ext4 -q -L var /dev/mapper/vg0-var
mount /dev/mapper/vg0-root /target
mkdir -p /target/var
mount /dev/mapper/vg0-var /target/var
cp -ax /. /target/
rm -rf /target/usr/local/sbin/lb-install /target/target
cat > /target/etc/fstab <<FSTAB
/dev/mapper/vg0-root / ext4 errors=remount-ro 0 1
/dev/mapper/vg0-var /var ext4 defaults 0 2
FSTAB
for d in dev proc sys run; do mount --bind /$d /target/$d; done
chroot /target grub-install /dev/vda
chroot /target update-initramfs -u -k all
chroot /target update-grub
for d in run sys proc dev var ""; do umount /target/$d; done
lvmc vgchange -an vg0
sync
echo LB-INSTALL-DONE
echo o > /proc/sysrq-trigger
INSTALL
    chmod 755 "$1"
}

# What runs the tests inside the system: a service that, at every boot, runs
# the stage script from a disk labelled LBTEST (the test's own, not the image's).
write_test_hook() {
    local root=$1
    cat > "$root/etc/systemd/system/lbtest.service" <<'UNIT'
[Unit]
Description=lifeboat system test stage
After=multi-user.target
[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
ExecStart=/bin/sh -c 'mkdir -p /run/lbtest && mount -o ro LABEL=LBTEST /run/lbtest && exec sh /run/lbtest/stage.sh'
[Install]
WantedBy=multi-user.target
UNIT
    ln -sf /etc/systemd/system/lbtest.service "$root/etc/systemd/system/multi-user.target.wants/lbtest.service"
}

# make_system_root DIR ROOT KEY: the packages, by mmdebstrap, once per KEY.
make_system_root() {
    local dir=$1 root=$2 key=$3
    rm -rf "$dir/build" && mkdir -p "$dir/build"
    # (mmdebstrap writes its own sources.list of RELEASE on the mirror this machine's
    # apt uses, read at run time: trixie's packages come from there as bookworm's do)
    log "building the $SYSTEM_RELEASE system image (mmdebstrap; cached in $dir)"
    mmdebstrap --variant=minbase --mode=root \
        --include=systemd-sysv,udev,linux-image-cloud-amd64,grub-pc,lvm2,initramfs-tools,e2fsprogs,fdisk,kmod,procps,apt,ca-certificates \
        --customize-hook='echo lbsystem > "$1/etc/hostname"' \
        --customize-hook='echo "root:lifeboat" | chroot "$1" chpasswd' \
        "$SYSTEM_RELEASE" "$root" "$(debian_mirror)" >"$dir/build/mmdebstrap.log" 2>&1 ||
        die "mmdebstrap failed: $(tail -n 5 "$dir/build/mmdebstrap.log")"
    echo "$key" > "$dir/build/root.done"
}

build_system_image() {
    local dir=$LIFEBOAT_CACHE/system/$SYSTEM_RELEASE key root
    key=$(sha256sum "$E2E_DIR/../system/image.sh" | cut -c1-16)
    SYSTEM_IMAGE=$dir/$SYSTEM_RELEASE-lvm-$key.img
    [ -f "$SYSTEM_IMAGE" ] && return 0
    root=$dir/build/root
    # the packages once (~100 s): a failed install below does not fetch them again
    [ "$(cat "$dir/build/root.done" 2>/dev/null)" = "$(sed -n 's/^# packages: //p' "$E2E_DIR/../system/image.sh" | head -n1)" ] ||
        make_system_root "$dir" "$root" "$(sed -n 's/^# packages: //p' "$E2E_DIR/../system/image.sh" | head -n1)"
    cat > "$root/etc/default/grub" <<'GRUB'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
    mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
    write_test_hook "$root"
    write_installer "$root/usr/local/sbin/lb-install"
    mkdir -p "$root/target" # the installer's mount point: its root is read-only
    rm -f "$root/etc/machine-id" && touch "$root/etc/machine-id"
    # the installer boots this root read-only from a second disk
    rm -f "$dir/build/root.img"
    mkfs.ext4 -q -F -L lbsrc -d "$root" "$dir/build/root.img" 2600M
    rm -f "$dir/build/disk.img" && truncate -s "$SYSTEM_SIZE" "$dir/build/disk.img"
    local vmlinuz initrd
    vmlinuz=$(ls "$root"/boot/vmlinuz-* | head -n1)
    initrd=$(ls "$root"/boot/initrd.img-* | head -n1)
    log "installing it onto LVM inside a guest (a few minutes under TCG)"
    timeout -k 10 1500 qemu-system-x86_64 -m 2048 -smp 2 -nodefaults -display none -no-reboot \
        -serial "file:$dir/build/install.log" -kernel "$vmlinuz" -initrd "$initrd" \
        -append "console=ttyS0 root=LABEL=lbsrc ro init=/usr/local/sbin/lb-install panic=1" \
        -drive "file=$dir/build/disk.img,format=raw,if=virtio" \
        -drive "file=$dir/build/root.img,format=raw,if=virtio" || true
    grep -q LB-INSTALL-DONE "$dir/build/install.log" ||
        die "installing the system image failed: $(grep -v '^\[' "$dir/build/install.log" | tail -n 15)"
    mv "$dir/build/disk.img" "$SYSTEM_IMAGE"
    rm -f "$dir/build/root.img"
}
