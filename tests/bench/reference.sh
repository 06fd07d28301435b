# reference.sh - sourced by the benchmarks: the reference capture environment,
# a busybox initramfs running makedumpfile (what a minimal hand-made kdump
# setup looks like), for lifeboat load -i in the same guest, kernel, disk and
# reservation as lifeboat's own capture.
#
# build_reference_initrd OUT [MAKEDUMPFILE ARGS]: busybox, makedumpfile and the
# libraries it links, and an /init that mounts the disk, runs makedumpfile
# (default -l -d 31, Debian's kdump-tools default level with its fastest
# codec), syncs (a dump is saved once it is on the disk: lifeboat's dump step
# ends with its fsync too) and prints on the console:
#   REF: capture complete
#   REF: dump step T0 T1        (the crash kernel's uptime before and after)
#   REF: Maximum resident set size (kbytes): N
build_reference_initrd() {
    local out=$1 args=${2:-"-l -d 31"} root mdf lib
    root=$(mktemp -d)
    mkdir -p "$root"/{bin,sbin,proc,sys,dev,mnt,tmp}
    cp /bin/busybox "$root/bin/busybox"
    mdf=$(command -v makedumpfile)
    cp "$mdf" "$root/sbin/makedumpfile"
    for lib in $(ldd "$mdf" | awk '/=>/ {print $3} /^\t\/lib/ {print $1}'); do
        mkdir -p "$root/$(dirname "$lib")"
        cp -L "$lib" "$root/$lib"
    done
    cat > "$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
i=0
while [ ! -b /dev/nvme0n1 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
mount -t ext4 /dev/nvme0n1 /mnt
echo "REF: capture starting"
t0=\$(cut -d' ' -f1 /proc/uptime)
busybox time -v makedumpfile $args /proc/vmcore /mnt/vmcore 2> /tmp/time.txt && sync &&
    echo "REF: capture complete"
echo "REF: dump step \$t0 \$(cut -d' ' -f1 /proc/uptime)"
grep "Maximum resident" /tmp/time.txt | sed 's/^[[:space:]]*/REF: /'
umount /mnt
reboot -f
INIT
    chmod +x "$root/init"
    (cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 > "$out"
    rm -rf "$root"
}
