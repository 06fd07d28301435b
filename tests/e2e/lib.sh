# lib.sh - shared by the end-to-end tests: fetch a Debian kernel, build a test
# guest around it, boot it in QEMU, read what the capture wrote.
#
# Downloads are cached in $LIFEBOAT_CACHE (default ~/.cache/lifeboat), never
# in the repository.  Kernels come from Debian's archive with apt-get.

set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)
LIFEBOAT_CACHE=${LIFEBOAT_CACHE:-$HOME/.cache/lifeboat}
LIFEBOAT_BIN=${LIFEBOAT_BIN:-$REPO_DIR/build/lifeboat}

log() { printf '[e2e] %s\n' "$*" >&2; }

# e2e_begin: a fresh work directory, $work (kept with KEEP_WORK=1), and no
# failures yet.  check DESCRIPTION COMMAND... is one test: it prints
# "ok - DESCRIPTION" or "not ok - DESCRIPTION" and the command's last words.
# e2e_end exits non-zero if any check failed.
e2e_begin() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-e2e.XXXXXX")
    e2e_pids=
    trap e2e_cleanup EXIT
    failures=0
}

# e2e_cleanup: stops the servers a test started (e2e_server_pid PID), removes $work.
e2e_cleanup() {
    local pids
    pids=$(echo $e2e_pids $(cat "$work/.server-pids" 2>/dev/null))
    if [ -n "$pids" ]; then
        kill $pids 2>/dev/null || true
        sleep 0.5
        kill -9 $pids 2>/dev/null || true
    fi
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
e2e_server_pid() { # (in a file too: a subshell's servers are stopped as well)
    e2e_pids="$e2e_pids $1"
    echo "$1" >> "$work/.server-pids"
}

# port_free PORT: nothing listens on it (a server left by another run would answer instead).
port_free() {
    ! ss -ltn "sport = :$1" | grep -q LISTEN || die "port $1 is taken: another test's server?"
}

# wait_for_port PORT: until something listens on 127.0.0.1:PORT (10 s at most).
wait_for_port() {
    local i
    for i in $(seq 1 100); do
        ss -ltn "sport = :$1" | grep -q LISTEN && return 0
        sleep 0.1
    done
    return 1
}

# start_sshd DIR PORT AUTHORIZED_KEYS [HOST_KEY [CONFIG_LINE]]: OpenSSH's sshd on
# 127.0.0.1:PORT only, its host key in DIR (made if missing), SFTP in-process, CONFIG_LINE
# added to its sshd_config; sets SERVER_PID.
start_sshd() {
    local dir=$1 port=$2 keys=$3 hostkey=${4:-$1/host_ed25519} extra=${5:-}
    port_free "$port"
    mkdir -p "$dir" /run/sshd
    [ -f "$hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$hostkey"
    cat > "$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $hostkey
AuthorizedKeysFile $keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
Subsystem sftp internal-sftp
$extra
EOF
    /usr/sbin/sshd -D -e -f "$dir/sshd_config" </dev/null >>"$dir/log" 2>&1 &
    SERVER_PID=$!
    e2e_server_pid $SERVER_PID
    wait_for_port "$port" || die "sshd did not start: $(tail -n 5 "$dir/log")"
}

# start_https_server DIR PORT TOKEN [NAME]: nginx with TLS and WebDAV (PUT, MKCOL, MOVE,
# DELETE) on 127.0.0.1:PORT only, serving DIR/www, asking for "Authorization: Bearer TOKEN";
# its certificate, self-signed for NAME (default collector) and 127.0.0.1, is DIR/cert.pem (made
# if missing).
start_https_server() {
    local dir=$1 port=$2 token=$3 name=${4:-collector}
    port_free "$port"
    mkdir -p "$dir/www" "$dir/tmp"
    [ -f "$dir/cert.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -subj "/CN=$name" -addext "subjectAltName=DNS:$name,IP:127.0.0.1" -days 3 \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
    cat > "$dir/nginx.conf" <<EOF
user root;
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events {}
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $dir/cert.pem;
        ssl_certificate_key $dir/key.pem;
        root $dir/www;
        client_max_body_size 0;
        dav_methods PUT DELETE MKCOL MOVE;
        create_full_put_path on;
        dav_access user:rw;
        location / {
            if (\$http_authorization != "Bearer $token") { return 401; }
        }
    }
}
EOF
    nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" </dev/null >>"$dir/log" 2>&1 &
    SERVER_PID=$!
    e2e_server_pid $SERVER_PID
    wait_for_port "$port" || die "nginx did not start: $(tail -n 5 "$dir/error.log")"
}

# start_nfs_server DIR PORT: nfs-ganesha (userspace NFSv4; this kernel has no nfsd) exporting
# DIR as /export on 127.0.0.1:PORT only, stopped when the test ends; sets SERVER_PID.  (Not v3:
# ganesha stops when it cannot register v3 with an rpcbind, and none runs here.)
start_nfs_server() {
    local dir=$1 port=$2 conf=$work/ganesha-$2
    port_free "$port"
    mkdir -p "$conf/recovery"
    cat > "$conf/ganesha.conf" <<EOF
NFS_CORE_PARAM { NFS_Port = $port; Bind_addr = 127.0.0.1; Protocols = 4;
    Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = $conf/recovery; }
EXPORT { Export_Id = 1; Path = $dir; Pseudo = /export; Access_Type = RW;
    Squash = No_Root_Squash; Protocols = 4; Transports = TCP; SecType = sys;
    FSAL { Name = VFS; } }
LOG { Default_Log_Level = WARN; }
EOF
    ganesha.nfsd -F -L "$conf/log" -f "$conf/ganesha.conf" -p "$conf/pid" </dev/null >/dev/null 2>&1 &
    SERVER_PID=$!
    e2e_server_pid $!
    wait_for_port "$port" || die "nfs-ganesha did not start: $(tail -n 5 "$conf/log")"
}

check() {
    local what=$1
    shift
    if "$@" >"$work/check.out" 2>&1; then
        echo "ok - $what"
    else
        echo "not ok - $what"
        sed 's/^/    /' "$work/check.out" | tail -n 20
        failures=$((failures + 1))
    fi
}

e2e_end() {
    exit $((failures > 0))
}
die() { printf '[e2e] FAIL: %s\n' "$*" >&2; exit 1; }

# fetch_kernel PACKAGE: sets KERNEL_RELEASE, VMLINUZ, KERNEL_ROOT.
# PACKAGE may be a meta-package (linux-image-cloud-amd64): its dependency is followed.
fetch_kernel() {
    local pkg=$1 real
    real=$(apt-cache depends "$pkg" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$real" ] || real=$pkg
    local dir=$LIFEBOAT_CACHE/kernels/$real
    if [ ! -d "$dir/root/boot" ]; then
        log "downloading $real"
        mkdir -p "$dir"
        (cd "$dir" && rm -f ./*.deb && apt-get download "$real" >/dev/null 2>&1) ||
            die "apt-get download $real failed (run 'apt-get update' first?)"
        dpkg-deb -x "$dir"/*.deb "$dir/root.tmp" && mv "$dir/root.tmp" "$dir/root"
    fi
    KERNEL_ROOT=$dir/root
    VMLINUZ=$(ls "$KERNEL_ROOT"/boot/vmlinuz-* | head -n1)
    KERNEL_RELEASE=${VMLINUZ##*/vmlinuz-}
}

# fetch_arm64 PACKAGE: Debian's arm64 kernel (a meta-package is followed) and
# busybox, by apt-get download (dpkg --add-architecture arm64 first: install-deps);
# sets ARM64_KDIR, ARM64_VMLINUZ, ARM64_RELEASE, ARM64_BUSYBOX.
fetch_arm64() {
    local real bbdir
    real=$(apt-cache depends "$1:arm64" 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ {sub(/:arm64$/, "", $2); print $2; exit}')
    [ -n "$real" ] || die "no arm64 kernel package $1 (dpkg --add-architecture arm64; apt-get update)"
    ARM64_KDIR=$LIFEBOAT_CACHE/kernels/$real
    if [ ! -d "$ARM64_KDIR/root/boot" ]; then
        log "downloading $real (arm64)"
        mkdir -p "$ARM64_KDIR" &&
            (cd "$ARM64_KDIR" && rm -f ./*.deb && apt-get download "$real:arm64" >/dev/null 2>&1) ||
            die "apt-get download $real:arm64 failed"
        dpkg-deb -x "$ARM64_KDIR"/*.deb "$ARM64_KDIR/root.tmp" && mv "$ARM64_KDIR/root.tmp" "$ARM64_KDIR/root"
    fi
    bbdir=$LIFEBOAT_CACHE/arm64
    if [ ! -x "$bbdir/bb/bin/busybox" ]; then
        mkdir -p "$bbdir" &&
            (cd "$bbdir" && rm -f ./*.deb && apt-get download busybox-static:arm64 >/dev/null 2>&1) ||
            die "apt-get download busybox-static:arm64 failed"
        dpkg-deb -x "$bbdir"/busybox-static_*.deb "$bbdir/bb"
    fi
    ARM64_BUSYBOX=$bbdir/bb/bin/busybox
    ARM64_VMLINUZ=$(ls "$ARM64_KDIR"/root/boot/vmlinuz-* | head -n1)
    ARM64_RELEASE=${ARM64_VMLINUZ##*/vmlinuz-}
}

# ensure_debuginfo: installs linux-image-$KERNEL_RELEASE-dbg (the DWARF vmlinux
# crash and drgn need) from Debian's archive if it is not there; sets VMLINUX.
ensure_debuginfo() {
    VMLINUX=/usr/lib/debug/boot/vmlinux-$KERNEL_RELEASE
    [ -f "$VMLINUX" ] && return 0
    log "installing linux-image-$KERNEL_RELEASE-dbg (debug info for crash and drgn)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "linux-image-$KERNEL_RELEASE-dbg" \
        >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq "linux-image-$KERNEL_RELEASE-dbg" >/dev/null; } ||
        die "cannot install linux-image-$KERNEL_RELEASE-dbg"
    [ -f "$VMLINUX" ] || die "$VMLINUX is missing after installing the -dbg package"
}

# build_crash_module: builds tests/e2e/module/lbcrash.ko for $KERNEL_RELEASE
# against Debian's linux-headers package (installed if missing); sets CRASH_MODULE.
build_crash_module() {
    local headers=/usr/src/linux-headers-$KERNEL_RELEASE out=$LIFEBOAT_CACHE/modules/$KERNEL_RELEASE
    if [ ! -d "$headers" ]; then
        log "installing linux-headers-$KERNEL_RELEASE"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "linux-headers-$KERNEL_RELEASE" \
            >/dev/null 2>&1 || die "cannot install linux-headers-$KERNEL_RELEASE"
    fi
    CRASH_MODULE=$out/lbcrash.ko
    if [ ! -f "$CRASH_MODULE" ] || [ "$E2E_DIR/module/lbcrash.c" -nt "$CRASH_MODULE" ]; then
        rm -rf "$out" && mkdir -p "$out"
        cp "$E2E_DIR/module/lbcrash.c" "$E2E_DIR/module/Kbuild" "$out/"
        make -s -C "$headers" M="$out" modules >"$out/build.log" 2>&1 ||
            die "building the test module failed: $(tail -n 5 "$out/build.log")"
    fi
}

# build_pattern_helper: compiles the guest's pattern program (static) once.
build_pattern_helper() {
    PATTERN_BIN=$LIFEBOAT_CACHE/pattern
    if [ ! -x "$PATTERN_BIN" ] || [ "$E2E_DIR/guest/pattern.c" -nt "$PATTERN_BIN" ]; then
        mkdir -p "$LIFEBOAT_CACHE"
        gcc -O2 -static -o "$PATTERN_BIN" "$E2E_DIR/guest/pattern.c"
    fi
}

# copy_programs ROOT PROGRAM...: the host's dynamically linked programs (LVM's
# tools, mke2fs) into a guest root, with their libraries and the loader.
copy_programs() {
    local root=$1 p lib
    shift
    mkdir -p "$root/lib64" "$root/lib/x86_64-linux-gnu" "$root/run/lock" "$root/run/lvm"
    cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
    for p in "$@"; do
        cp -L "$p" "$root/sbin/"
        for lib in $(ldd "$p" | awk '$3 ~ /^\// {print $3}'); do
            cp -L "$lib" "$root/lib/x86_64-linux-gnu/"
        done
    done
}

# build_guest_initramfs OUT CONFIG_TEXT: busybox, the pattern helper, lifeboat,
# the kernel image (for 'lifeboat load') and /etc/lifeboat.conf.
build_guest_initramfs() {
    local out=$1 conf=$2 root
    build_pattern_helper
    root=$(mktemp -d)
    mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,boot}
    cp /bin/busybox "$root/bin/busybox"
    cp "$PATTERN_BIN" "$root/bin/pattern"
    cp "$LIFEBOAT_BIN" "$root/sbin/lifeboat"
    cp "$VMLINUZ" "$root/boot/vmlinuz-$KERNEL_RELEASE"
    cp "$E2E_DIR/guest/init" "$root/init"
    if [ -n "${GUEST_MODULES:-}" ]; then
        # the first kernel's own drivers for a virtio disk, and modules.dep for them
        local m=lib/modules/$KERNEL_RELEASE
        mkdir -p "$root/$m/kernel/drivers"
        cp -r "$KERNEL_ROOT/$m/kernel/drivers/virtio" "$KERNEL_ROOT/$m/kernel/drivers/block" \
            "$root/$m/kernel/drivers/"
        # device-mapper and what LVM's RAID needs, for the LVM tests
        [ -n "${GUEST_LVM:-}" ] && cp -r "$KERNEL_ROOT/$m/kernel/drivers/md" "$KERNEL_ROOT/$m/kernel/crypto" \
            "$KERNEL_ROOT/$m/kernel/lib" "$root/$m/kernel/"
        # a virtio NIC and the NFS client, for the network tests
        [ -n "${GUEST_NET_MODULES:-}" ] && (cd "$KERNEL_ROOT" && find "$m/kernel" \( \
            -path '*/drivers/net/virtio_net.ko*' -o -path '*/drivers/net/net_failover.ko*' -o \
            -path '*/net/core/failover.ko*' -o -path '*/fs/nfs/*' -o -path '*/fs/nfs_common/*' -o \
            -path '*/fs/lockd/*' -o -path '*/fs/fscache/*' -o -path '*/fs/netfs/*' -o \
            -path '*/net/sunrpc/*' -o -path '*/net/dns_resolver/*' \) -name '*.ko*' |
            cpio -pdm --quiet "$root")
        [ -n "${GUEST_WATCHDOG_MODULES:-}" ] &&
            cp -r "$KERNEL_ROOT/$m/kernel/drivers/watchdog" "$root/$m/kernel/drivers/"
        cp "$KERNEL_ROOT/$m/modules.order" "$KERNEL_ROOT/$m/modules.builtin"* "$root/$m/" 2>/dev/null || true
        depmod -b "$root" "$KERNEL_RELEASE"
    fi
    [ -n "${GUEST_LVM:-}" ] && copy_programs "$root" /sbin/lvm /sbin/mke2fs /sbin/dmsetup /sbin/resize2fs
    [ -n "${CRASH_MODULE:-}" ] && cp "$CRASH_MODULE" "$root/lbcrash.ko"
    # the network build beside lifeboat, as a package installs it
    [ -n "${GUEST_NET_BIN:-}" ] && cp "$GUEST_NET_BIN" "$root/sbin/lifeboat-net"
    # more files: "HOST_PATH=GUEST_PATH" words (a key, known_hosts, a script for the guest)
    local f
    for f in ${GUEST_FILES:-}; do
        mkdir -p "$root/$(dirname "${f#*=}")" && cp -p "${f%%=*}" "$root/${f#*=}"
    done
    # another capture environment for lifeboat load -i (tests/bench/reservation.sh)
    [ -n "${GUEST_CRASH_INITRD:-}" ] && cp "$GUEST_CRASH_INITRD" "$root/crash-initrd.img"
    # no configuration at all means no file, not an empty one
    [ -n "${GUEST_NO_CONFIG:-}" ] || printf '%s\n' "$conf" > "$root/etc/lifeboat.conf"
    (cd "$root" && find . | cpio -o -H newc --quiet) > "$out"
    rm -rf "$root"
}

# make_disk IMG SIZE LABEL: a fresh ext4 image.
make_disk() {
    rm -f "$1"
    truncate -s "$2" "$1"
    mkfs.ext4 -q -F -L "$3" "$1"
}

# run_guest LOG INITRD APPEND [QEMU ARGS...]: boots the guest until it
# reboots (the capture's final action) or the time limit passes.
run_guest() {
    local serial=$1 initrd=$2 append=$3
    shift 3
    local mem=${GUEST_MEM:-1024} limit=${GUEST_TIMEOUT:-600}
    local start=$SECONDS
    timeout -k 10 "$limit" qemu-system-x86_64 -m "$mem" -smp "${GUEST_CPUS:-2}" -nodefaults \
        -display none -no-reboot -serial "file:$serial" \
        -kernel "$VMLINUZ" -initrd "$initrd" \
        -append "console=ttyS0 panic=1 $append" "$@" || {
        local rc=$?
        [ $rc -eq 124 ] && log "guest timed out after ${limit}s"
        return $rc
    }
    GUEST_SECONDS=$((SECONDS - start))
}

# run_guest_then SERIAL INITRD APPEND PATTERN ACTION QEMU_ARGS...: run_guest, but once the
# console shows PATTERN (an extended regex) ACTION happens to the machine: "power-cut" kills
# QEMU (no flush, no shutdown: what the disks hold is what reached them), anything else is a
# QEMU monitor command (device_del ID: the disk vanishes) and the guest runs on to its end.
run_guest_then() {
    local serial=$1 initrd=$2 append=$3 pattern=$4 action=$5 limit=${GUEST_TIMEOUT:-600}
    shift 5
    local start=$SECONDS pid waited=0
    rm -f "$work/mon.sock" "$serial"
    qemu-system-x86_64 -m "${GUEST_MEM:-1024}" -smp "${GUEST_CPUS:-2}" -nodefaults \
        -display none -no-reboot -serial "file:$serial" \
        -monitor "unix:$work/mon.sock,server,nowait" \
        -kernel "$VMLINUZ" -initrd "$initrd" -append "console=ttyS0 panic=1 $append" "$@" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && ! grep -Eaq "$pattern" "$serial" 2>/dev/null; do
        sleep 0.2
        waited=$((waited + 1))
        [ $waited -gt $((limit * 5)) ] && break
    done
    if [ "$action" = power-cut ]; then
        kill -9 "$pid" 2>/dev/null || true
    else
        /usr/bin/python3 "$E2E_DIR/qemu_monitor.py" "$work/mon.sock" "$action" >/dev/null 2>&1 || true
    fi
    while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - start)) -lt "$limit" ]; do sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    GUEST_SECONDS=$((SECONDS - start))
}

# dump_dirs IMG DIR: names of the entries of DIR in an ext4 image, one a line.
dump_dirs() {
    debugfs -R "ls -p $2" "$1" 2>/dev/null | awk -F/ 'NF > 5 && $6 != "." && $6 != ".." {print $6}'
}

# fetch_file IMG PATH OUT: copies a file out of an ext4 image without mounting it.
fetch_file() {
    debugfs -R "dump $2 $3" "$1" >/dev/null 2>&1 && [ -f "$3" ]
}
