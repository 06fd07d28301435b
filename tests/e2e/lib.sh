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
    ! server_ns ss -ltn "sport = :$1" | grep -q LISTEN || die "port $1 is taken: another test's server?"
}

# server_ns COMMAND...: runs COMMAND in the network namespace $SERVER_NS when set (a test's
# own, where its servers listen on $SERVER_ADDR), here otherwise.
server_ns() {
    if [ -n "${SERVER_NS:-}" ]; then ip netns exec "$SERVER_NS" "$@"; else "$@"; fi
}

# server_exec COMMAND...: as server_ns, for a server started with '&': the background subshell
# becomes the server (ip netns exec execs it too), so $! is the server's own pid, the one
# e2e_server_pid stops.
server_exec() {
    [ -z "${SERVER_NS:-}" ] || exec ip netns exec "$SERVER_NS" "$@"
    exec "$@"
}

# wait_for_port PORT: until something listens on PORT (10 s at most; in $SERVER_NS when set).
wait_for_port() {
    local i
    for i in $(seq 1 100); do
        server_ns ss -ltn "sport = :$1" | grep -q LISTEN && return 0
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

# start_nginx DIR PORT NAME HTTP_BODY: nginx on 127.0.0.1:PORT only, its files under DIR, with
# HTTP_BODY (server blocks, maps) inside its http {}; its certificate, self-signed for NAME and
# 127.0.0.1, is DIR/cert.pem (key DIR/key.pem, made if missing); sets SERVER_PID.
start_nginx() {
    local dir=$1 port=$2 name=$3 body=$4
    port_free "$port"
    mkdir -p "$dir/www" "$dir/tmp"
    [ -f "$dir/cert.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -subj "/CN=$name" -addext "subjectAltName=DNS:$name,IP:${SERVER_ADDR:-127.0.0.1}" -days 3 \
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
$body
}
EOF
    server_exec nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" </dev/null >>"$dir/log" 2>&1 &
    SERVER_PID=$!
    e2e_server_pid $SERVER_PID
    wait_for_port "$port" || die "nginx did not start: $(tail -n 5 "$dir/error.log")"
}

# start_https_server DIR PORT TOKEN [NAME]: nginx with TLS and WebDAV (PUT, MKCOL, MOVE,
# DELETE), serving DIR/www, asking for "Authorization: Bearer TOKEN" (start_nginx); on
# 127.0.0.1, or on $SERVER_ADDR in $SERVER_NS when set.
start_https_server() {
    local dir=$1 port=$2 token=$3 name=${4:-collector}
    start_nginx "$dir" "$port" "$name" "    server {
        listen ${SERVER_ADDR:-127.0.0.1}:$port ssl;
        ssl_certificate $dir/cert.pem;
        ssl_certificate_key $dir/key.pem;
        root $dir/www;
        client_max_body_size 0;
        dav_methods PUT DELETE MKCOL MOVE;
        create_full_put_path on;
        dav_access user:rw;
        location / {
            if (\$http_authorization != \"Bearer $token\") { return 401; }
        }
    }"
}

# start_nfs_server DIR PORT: nfs-ganesha (userspace NFSv4; this kernel has no nfsd) exporting
# DIR as /export on 127.0.0.1:PORT only ($SERVER_ADDR in $SERVER_NS when set), stopped when the test ends; sets SERVER_PID.  (Not v3:
# ganesha stops when it cannot register v3 with an rpcbind, and none runs here.)
start_nfs_server() {
    local dir=$1 port=$2 conf=$work/ganesha-$2
    port_free "$port"
    mkdir -p "$conf/recovery"
    cat > "$conf/ganesha.conf" <<EOF
NFS_CORE_PARAM { NFS_Port = $port; Bind_addr = ${SERVER_ADDR:-127.0.0.1}; Protocols = 4;
    Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = $conf/recovery; }
EXPORT { Export_Id = 1; Path = $dir; Pseudo = /export; Access_Type = RW;
    Squash = No_Root_Squash; Protocols = 4; Transports = TCP; SecType = sys;
    FSAL { Name = VFS; } }
LOG { Default_Log_Level = WARN; }
EOF
    server_exec ganesha.nfsd -F -L "$conf/log" -f "$conf/ganesha.conf" -p "$conf/pid" </dev/null >/dev/null 2>&1 &
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

# The suite Debian's 7.x kernels come from (Debian 12's own lists know only 6.1
# and 6.12): a private apt configuration under $LIFEBOAT_CACHE, its mirror read
# at run time from this machine's own debian.sources, never written down here.
BACKPORTS_SUITE=${BACKPORTS_SUITE:-trixie-backports}
# The 7.x kernel the tests pin (tests/e2e/newest_7x.sh names the newest there).
KERNEL_7X_PACKAGE=${KERNEL_7X_PACKAGE:-linux-image-7.3.4+deb13-cloud-amd64}

# debian_mirror: the first URIs: of the machine's main Debian entry (the stanza
# whose suites include a release without a dash), or of a one-line deb entry.
debian_mirror() {
    local uri
    uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
        { uris = ""; main = 0
          for (i = 1; i <= NF; i++) {
              if ($i ~ /^URIs:/) { split($i, u, " "); uris = u[2] }
              if ($i ~ /^Suites:/) { n = split($i, s, " "); for (j = 2; j <= n; j++) if (s[j] !~ /-/) main = 1 }
          }
          if (main && uris != "") { print uris; exit } }' \
        /etc/apt/sources.list.d/debian.sources 2>/dev/null)
    [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 !~ /-/ { print ($2 ~ /^\[/ ? $3 : $2); exit }' \
        /etc/apt/sources.list 2>/dev/null)
    [ -n "$uri" ] || die "no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
    echo "$uri"
}

# private_apt NAME "SUITE..." apt-get|apt-cache ARGS...: the command against a private
# apt list, $LIFEBOAT_CACHE/apt-NAME, of the main component of Debian's SUITEs (the mirror
# read at run time by debian_mirror); its 'update' is done once a day at most.
private_apt() {
    local d=$LIFEBOAT_CACHE/apt-$1 suites=$2 tool=$3 s
    shift 3
    local opts=(-o "Dir::Etc::SourceList=$d/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o Acquire::Languages=none
        -o Dir::State::status=/dev/null)
    if [ ! -f "$d/sources.list" ] || [ "$(cat "$d/suites" 2>/dev/null)" != "$suites" ] ||
        [ -z "$(find "$d/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
        mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
        for s in $suites; do
            echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) $s main"
        done > "$d/sources.list"
        apt-get "${opts[@]}" -qq update >"$d/update.log" 2>&1 ||
            die "apt-get update of $suites failed: $(tail -n 3 "$d/update.log")"
        echo "$suites" > "$d/suites"
    fi
    "$tool" "${opts[@]}" "$@"
}

# backports_apt apt-get|apt-cache ARGS...: the command against the private list of $BACKPORTS_SUITE.
backports_apt() { private_apt "${BACKPORTS_SUITE%%-*}" "$BACKPORTS_SUITE" "$@"; }

# release_apt apt-get|apt-cache ARGS...: the command against the private list of the release
# $KERNEL_SUITE (trixie: its own kernels, for the tests of a trixie system).
release_apt() { private_apt "release-$KERNEL_SUITE" "$KERNEL_SUITE" "$@"; }

# fetch_kernel PACKAGE: sets KERNEL_RELEASE, VMLINUZ, KERNEL_ROOT.
# PACKAGE may be a meta-package (linux-image-cloud-amd64): its dependency is followed.
# With KERNEL_SUITE set (trixie), PACKAGE is that release's (the meta-package names its kernel).
# A package Debian 12 does not have (linux-image-7.*) comes from $BACKPORTS_SUITE;
# there linux-image-KVER is split: the image is in linux-binary-KVER (at
# /usr/lib/modules/KVER/vmlinuz), the modules in linux-modules-KVER.
fetch_kernel() {
    local pkg=$1 real via=
    [ -z "${KERNEL_SUITE:-}" ] || via=release_apt
    case "$pkg" in
    linux-image-7.*) via=backports_apt ;;
    esac
    real=$({ $via apt-cache depends "$pkg" 2>/dev/null || true; } |
        awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$real" ] || real=$pkg
    local dir=$LIFEBOAT_CACHE/kernels/$real
    if [ ! -d "$dir/root" ]; then # (made by the rename below, once all is unpacked)
        log "downloading $real"
        rm -rf "$dir" && mkdir -p "$dir"
        # the split packages: the image's own dependencies named linux-binary-*, linux-modules-*, linux-base-*
        local parts
        parts="$real $({ $via apt-cache depends "$real" 2>/dev/null || true; } |
            awk '/Depends: linux-(binary|modules|base)-[0-9]/ {print $2}' | sort -u)"
        (cd "$dir" && $via apt-get download $parts >"$dir/download.log" 2>&1) ||
            die "apt-get download $parts failed: $(tail -n 3 "$dir/download.log") (run 'apt-get update' first?)"
        local deb
        for deb in "$dir"/*.deb; do dpkg-deb -x "$deb" "$dir/root.tmp" || die "dpkg-deb -x $deb failed"; done
        mv "$dir/root.tmp" "$dir/root"
    fi
    KERNEL_ROOT=$dir/root
    kernel_image_of "$KERNEL_ROOT"
}

# kernel_image_of ROOT: VMLINUZ and KERNEL_RELEASE of the kernel unpacked in ROOT,
# in /boot/vmlinuz-KVER or (Debian's split packages) /usr/lib/modules/KVER/vmlinuz.
kernel_image_of() {
    local m
    for m in "$1"/boot/vmlinuz-* "$1"/usr/lib/modules/*/vmlinuz "$1"/lib/modules/*/vmlinuz; do
        [ -f "$m" ] || continue
        VMLINUZ=$m
        case "$m" in
        */boot/vmlinuz-*) KERNEL_RELEASE=${m##*/vmlinuz-} ;;
        *) KERNEL_RELEASE=$(basename "$(dirname "$m")") ;;
        esac
        return 0
    done
    die "no kernel image in $1 (boot/vmlinuz-* or usr/lib/modules/*/vmlinuz)"
}

# kernel_modules_dir: where the unpacked kernel's modules are (lib/modules or usr/lib/modules).
kernel_modules_dir() {
    if [ -d "$KERNEL_ROOT/lib/modules/$KERNEL_RELEASE" ]; then
        echo "lib/modules/$KERNEL_RELEASE"
    else
        echo "usr/lib/modules/$KERNEL_RELEASE"
    fi
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
# crash and drgn need) from Debian's archive if it is not there; sets VMLINUX.  A
# 7.x kernel's (from $BACKPORTS_SUITE) or 6.12's is not installed: its vmlinux alone is
# unpacked into $LIFEBOAT_CACHE/kernels/linux-image-$KERNEL_RELEASE-dbg, once (the
# package is 350 MB, 2 GB unpacked; the vmlinux 400 MB).
ensure_debuginfo() {
    case "$KERNEL_RELEASE" in
    7.* | 6.12.*) ensure_debuginfo_unpacked; return ;; # (read by sid's crash alone)
    esac
    VMLINUX=/usr/lib/debug/boot/vmlinux-$KERNEL_RELEASE
    [ -f "$VMLINUX" ] && return 0
    log "installing linux-image-$KERNEL_RELEASE-dbg (debug info for crash and drgn)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "linux-image-$KERNEL_RELEASE-dbg" \
        >/dev/null 2>&1 || { apt-get update -qq -o DPkg::Lock::Timeout=600 && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq -o DPkg::Lock::Timeout=600 "linux-image-$KERNEL_RELEASE-dbg" >/dev/null; } ||
        die "cannot install linux-image-$KERNEL_RELEASE-dbg"
    [ -f "$VMLINUX" ] || die "$VMLINUX is missing after installing the -dbg package"
}
ensure_debuginfo_unpacked() {
    local pkg=linux-image-$KERNEL_RELEASE-dbg dir via=backports_apt
    case "$KERNEL_RELEASE" in 7.*) ;; *) via= ;; esac # (Debian 12's own lists know the rest)
    dir=$LIFEBOAT_CACHE/kernels/$pkg
    VMLINUX=$dir/vmlinux
    [ -f "$VMLINUX" ] && return 0 # (made by the rename below, once all is unpacked)
    log "downloading $pkg (debug info for crash), for its vmlinux"
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && $via apt-get download "$pkg" >"$dir/download.log" 2>&1) ||
        die "apt-get download $pkg failed: $(tail -n 3 "$dir/download.log")"
    # (7.x's is under lib/modules, /usr/lib/debug/boot/vmlinux-KVER a link to it; bookworm's
    # 6.12 the other way round: the file is the one that is not a link)
    local member
    for member in "./usr/lib/debug/lib/modules/$KERNEL_RELEASE/vmlinux" \
        "./usr/lib/debug/boot/vmlinux-$KERNEL_RELEASE"; do
        dpkg-deb --fsys-tarfile "$dir"/*.deb | tar -xO "$member" > "$dir/vmlinux.tmp" 2>/dev/null &&
            [ -s "$dir/vmlinux.tmp" ] && break
    done
    [ -s "$dir/vmlinux.tmp" ] || die "no vmlinux in $pkg"
    rm -f "$dir"/*.deb
    mv "$dir/vmlinux.tmp" "$VMLINUX"
}

# The judge of filtering past 6.12 (Debian 12's makedumpfile 1.7.2 keeps ~3x the frames on
# 7.3): makedumpfile 1.7.9 or its equal.  Debian's archive has no 1.7.9 (sid's newest is
# 1.7.8-1, and its source tarball is not on the mirror); upstream's 1.7.9 differs from 1.7.8
# only in its version strings and LATEST_VERSION (7.0.0 for 6.17.4), which decides a warning
# and nothing else, and both are older than 7.3: on 7.3 they filter alike (a build of the
# 1.7.9 tag kept the very frames sid's 1.7.8 keeps of a 7.3.4 dump).  So the judge is
# sid's makedumpfile binary, pinned, unpacked (never installed) with trixie's C library (it
# needs glibc 2.38; Debian 12 has 2.36) and run through that library's loader, the rest of its
# libraries (libdw, libelf, lzo, zstd, zlib) Debian 12's own.  Neither 1.7.8 nor 1.7.9 knows
# page.compound_info (Linux 7.1+; upstream's fix f50c015 is unreleased): it cannot tell tail
# pages of compound pages (judge.py filter names what that costs, by class).
MAKEDUMPFILE_JUDGE=${MAKEDUMPFILE_JUDGE:-1:1.7.8-1}

# unpack_judge NAME SPEC...: a judge from Debian's trixie and sid, never installed: the
# packages SPEC... (apt-get download's NAME=VERSION, NAME/SUITE) downloaded through the
# private list of $JUDGE_SUITES and unpacked into $LIFEBOAT_CACHE/judges/NAME/root, once;
# sets JUDGE_ROOT.  judge_cmd PROGRAM then sets JUDGE_CMD (an array) to run JUDGE_ROOT's
# PROGRAM through its own loader and libraries (a newer C library than Debian 12's), the
# rest of its libraries Debian 12's own.
JUDGE_SUITES=${JUDGE_SUITES:-trixie sid}
unpack_judge() {
    local name=$1 dir=$LIFEBOAT_CACHE/judges/$1 deb
    shift
    JUDGE_ROOT=$dir/root
    [ -d "$JUDGE_ROOT" ] && return 0 # (made by the rename below, once all is unpacked)
    log "downloading the judge $name: $*"
    rm -rf "$dir" && mkdir -p "$dir/debs"
    (cd "$dir/debs" && private_apt judges "$JUDGE_SUITES" apt-get download "$@" \
        >"$dir/download.log" 2>&1) ||
        die "apt-get download $* failed: $(tail -n 2 "$dir/download.log")" \
            "(gone from sid? set the judge's version variable in lib.sh's environment)"
    for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root.tmp" || die "dpkg-deb -x $deb failed"; done
    rm -rf "$dir/debs"
    mv "$dir/root.tmp" "$JUDGE_ROOT"
}
judge_cmd() {
    local libc=$JUDGE_ROOT/usr/lib/x86_64-linux-gnu
    JUDGE_CMD=("$libc/ld-linux-x86-64.so.2" --library-path "$libc:/usr/lib/x86_64-linux-gnu"
        "$JUDGE_ROOT/$1")
}

# ensure_makedumpfile_judge: sets MAKEDUMPFILE_JUDGE_CMD (an array) to run the pinned
# makedumpfile; downloads and unpacks it into $LIFEBOAT_CACHE/judges/ only once.
ensure_makedumpfile_judge() {
    local v=${MAKEDUMPFILE_JUDGE#*:}
    unpack_judge "makedumpfile-$v" "makedumpfile=$MAKEDUMPFILE_JUDGE" libc6/trixie
    judge_cmd usr/bin/makedumpfile
    MAKEDUMPFILE_JUDGE_CMD=("${JUDGE_CMD[@]}")
    "${MAKEDUMPFILE_JUDGE_CMD[@]}" -v 2>&1 | grep -q "makedumpfile: version ${v%-*}" ||
        die "the makedumpfile judge in $JUDGE_ROOT does not run: $("${MAKEDUMPFILE_JUDGE_CMD[@]}" -v 2>&1 | head -n 2)"
}

# The judge that opens dumps past 6.12 (Debian 12's crash 8.0.2 does not read Linux 7.x):
# sid's crash 9.0.2 (with gdb 16.3), which reads a 7.3.4 dump's log, stacks and tasks; it
# warns only "SLUB: cannot determine how compound pages are linked" (page.compound_info,
# Linux 7.1+), which matters to its kmem -S, not to log, bt or ps.  Unpacked as the
# makedumpfile judge is, with sid's C library (it needs 2.42) and sid's C++ runtime, GMP,
# MPFR, snappy and zstd (Debian 12's are older than it was linked against).
CRASH_JUDGE=${CRASH_JUDGE:-9.0.2+~16.3-1}

# ensure_crash_judge: sets CRASH_JUDGE_CMD (an array) to run the pinned crash, unpacked into
# $LIFEBOAT_CACHE/judges/ only once.
ensure_crash_judge() {
    unpack_judge "crash-$CRASH_JUDGE" "crash=$CRASH_JUDGE" libc6/sid libgcc-s1/sid libstdc++6/sid \
        libgmp10/sid libmpfr6/sid libsnappy1v5/sid libzstd1/sid
    judge_cmd usr/bin/crash
    CRASH_JUDGE_CMD=("${JUDGE_CMD[@]}")
    "${CRASH_JUDGE_CMD[@]}" --version 2>&1 | grep -q "^crash ${CRASH_JUDGE%%+*}\$" ||
        die "the crash judge in $JUDGE_ROOT does not run: $("${CRASH_JUDGE_CMD[@]}" --version 2>&1 | head -n 2)"
}

# whole_vmcore: a whole ELF vmcore (dump-level 0) of a sysrq crash of $KERNEL_RELEASE, saved
# by the guest's capture, with the pattern pages of a random seed: sets src ($work/vmcore) and
# leaves the console in $work/serial.log.  With E2E_SHARED set (run-tests: one directory a run)
# the first script's crash serves the others of the run, a guest boot and 1 GiB fewer.
whole_vmcore() {
    local shared=${E2E_SHARED:+$E2E_SHARED/whole-vmcore-$KERNEL_RELEASE} dir seed
    src=$work/vmcore
    if [ -n "$shared" ] && [ -s "$shared/vmcore" ] && [ -s "$shared/serial.log" ]; then
        ln "$shared/vmcore" "$src" 2>/dev/null || cp "$shared/vmcore" "$src"
        cp "$shared/serial.log" "$work/serial.log"
        log "the whole vmcore of this run's earlier crash ($shared)"
        return 0
    fi
    make_disk "$work/disk.img" 4G LBDUMP
    build_guest_initramfs "$work/guest.cpio" "target fs /dev/nvme0n1 /crash
format elf
dump-level 0"
    seed=$((RANDOM * 65536 + RANDOM + 1))
    run_guest "$work/serial.log" "$work/guest.cpio" "crashkernel=160M lbtest.seed=$seed" \
        -drive "file=$work/disk.img,if=none,id=dump,format=raw" -device nvme,drive=dump,serial=lbdump ||
        true
    dir=/crash/$(dump_dirs "$work/disk.img" /crash | head -n1)
    fetch_file "$work/disk.img" "$dir/vmcore" "$src" || die "no vmcore was saved"
    rm -f "$work/disk.img"
    if [ -n "$shared" ]; then
        mkdir -p "$shared" && cp "$work/serial.log" "$shared/serial.log" &&
            { ln "$src" "$shared/vmcore" 2>/dev/null || cp "$src" "$shared/vmcore"; }
    fi
}

# read_by_crash_and_drgn NAME DUMP: two checks of a dump of whole_vmcore's crash, with
# $VMLINUX (ensure_debuginfo): crash runs sys, log, bt, ps and kmem -i without an error, and
# drgn's log equals vmcore-dmesg's ($work/dmesg.ref) and the crashed thread's stack has panic.
read_by_crash_and_drgn() {
    local name=$1 dump=$2
    printf 'sys\nlog\nbt\nps\nkmem -i\nquit\n' > "$work/crash.cmds"
    check "crash runs sys, log, bt, ps, kmem -i on $name without an error" bash -c '
        crash -s "$1" "$2" -i "$3" > "$4" 2>&1 &&
        grep -q "PANIC: \"Kernel panic - not syncing: sysrq triggered crash\"" "$4" &&
        grep -q "TOTAL MEM" "$4" && grep -q "#0 .*machine_kexec" "$4" &&
        ! grep -E "^crash: |read error|seek error|invalid (kernel|user) virtual address|^(ps|bt|log|sys|kmem): " "$4"' _ \
        "$VMLINUX" "$dump" "$work/crash.cmds" "$work/crash-${name// /-}.txt"
    check "drgn on $name: the log equals vmcore-dmesg's, the crashed stack has panic" bash -c '
        /usr/bin/python3 - "$1" "$2" "$3" <<"PY"
import sys, drgn
from drgn.helpers.linux.printk import get_dmesg
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
assert get_dmesg(prog) == open(sys.argv[3], "rb").read(), "log differs"
trace = str(prog.crashed_thread().stack_trace())
assert "panic" in trace, trace
PY' _ "$dump" "$VMLINUX" "$work/dmesg.ref"
}

# build_crash_module: builds tests/e2e/module/lbcrash.ko for $KERNEL_RELEASE
# against Debian's linux-headers package (installed if missing); sets CRASH_MODULE.
build_crash_module() {
    local headers=/usr/src/linux-headers-$KERNEL_RELEASE out=$LIFEBOAT_CACHE/modules/$KERNEL_RELEASE
    if [ ! -d "$headers" ]; then
        log "installing linux-headers-$KERNEL_RELEASE"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "linux-headers-$KERNEL_RELEASE" \
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
# the kernel image (for 'lifeboat load') and /etc/lifeboat.conf.  The image is
# /boot/vmlinuz-KVER, or with GUEST_KERNEL_AT=modules only
# /usr/lib/modules/KVER/vmlinuz, where Debian's 7.x packages put it.
build_guest_initramfs() {
    local out=$1 conf=$2 root
    build_pattern_helper
    root=$(mktemp -d)
    mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,boot}
    cp /bin/busybox "$root/bin/busybox"
    cp "$PATTERN_BIN" "$root/bin/pattern"
    cp "$LIFEBOAT_BIN" "$root/sbin/lifeboat"
    if [ "${GUEST_KERNEL_AT:-boot}" = modules ]; then
        mkdir -p "$root/usr/lib/modules/$KERNEL_RELEASE"
        cp "$VMLINUZ" "$root/usr/lib/modules/$KERNEL_RELEASE/vmlinuz"
    else
        cp "$VMLINUZ" "$root/boot/vmlinuz-$KERNEL_RELEASE"
    fi
    cp "$E2E_DIR/guest/init" "$root/init"
    if [ -n "${GUEST_MODULES:-}" ]; then
        # the first kernel's own drivers for a virtio disk, and modules.dep for them
        # (from lib/modules, or usr/lib/modules in the 7.x packages; to lib/modules in the guest)
        local m=lib/modules/$KERNEL_RELEASE km
        km=$KERNEL_ROOT/$(kernel_modules_dir)
        mkdir -p "$root/$m/kernel/drivers"
        cp -r "$km/kernel/drivers/virtio" "$km/kernel/drivers/block" "$root/$m/kernel/drivers/"
        # device-mapper and what LVM's RAID and dm-crypt need, for the LVM and redaction tests
        [ -n "${GUEST_LVM:-}${GUEST_DM_MODULES:-}" ] && cp -r "$km/kernel/drivers/md" "$km/kernel/crypto" \
            "$km/kernel/lib" "$root/$m/kernel/"
        # a virtio NIC and the NFS client, for the network tests
        [ -n "${GUEST_NET_MODULES:-}" ] && (cd "$km" && find kernel \( \
            -path '*/drivers/net/virtio_net.ko*' -o -path '*/drivers/net/net_failover.ko*' -o \
            -path '*/net/core/failover.ko*' -o -path '*/fs/nfs/*' -o -path '*/fs/nfs_common/*' -o \
            -path '*/fs/lockd/*' -o -path '*/fs/fscache/*' -o -path '*/fs/netfs/*' -o \
            -path '*/net/sunrpc/*' -o -path '*/net/dns_resolver/*' \) -name '*.ko*' |
            cpio -pdm --quiet "$root/$m")
        # bonding, 802.1Q VLANs, the bridge and what they need (tests/e2e/test_topologies.sh)
        [ -n "${GUEST_NET_LINK_MODULES:-}" ] && (cd "$km" && find kernel \( \
            -path '*/drivers/net/bonding/*' -o -path '*/net/8021q/*' -o -path '*/net/802/*' -o \
            -path '*/net/llc/*' -o -path '*/net/bridge/bridge.ko*' -o -path '*/net/tls/*' \) \
            -name '*.ko*' | cpio -pdm --quiet "$root/$m")
        # kTLS, IPsec's netlink interface and ESP, for the redaction test's network keys
        # (and WireGuard with its UDP tunnels and arch's curve25519, ext4 where it is a module)
        [ -n "${GUEST_KEYS_MODULES:-}" ] && (cd "$km" && find kernel \( -path '*/net/tls/*' -o \
            -path '*/net/xfrm/*' -o -path '*/net/ipv4/esp4.ko*' -o -path '*/net/key/*' -o \
            -path '*/drivers/net/wireguard/*' -o -path '*/net/ipv*/*udp_tunnel.ko*' -o \
            -path '*/arch/*/crypto/*' -o -path '*/fs/ext4/*' -o -path '*/fs/jbd2/*' -o \
            -path '*/fs/mbcache.ko*' \) -name '*.ko*' | cpio -pdm --quiet "$root/$m")
        [ -n "${GUEST_WATCHDOG_MODULES:-}" ] &&
            cp -r "$km/kernel/drivers/watchdog" "$root/$m/kernel/drivers/"
        cp "$km/modules.order" "$km/modules.builtin"* "$root/$m/" 2>/dev/null || true
        depmod -b "$root" "$KERNEL_RELEASE"
    fi
    [ -n "${GUEST_LVM:-}" ] && copy_programs "$root" /sbin/lvm /sbin/mke2fs /sbin/dmsetup /sbin/resize2fs
    # more of the host's programs (iproute2's ip: busybox's knows no bond)
    [ -n "${GUEST_PROGRAMS:-}" ] && copy_programs "$root" $GUEST_PROGRAMS
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

# died_before_init SERIAL: the guest's kernel oopsed or panicked before it ran /init (7.3.4
# did so now and then in early boot under emulation, patching its own text: "Oops: int3" in
# sched_clock_cpu), so nothing of lifeboat's or the test's ran: the boot proves nothing.
# Neither the kernel's word that it runs /init (not printed under 'quiet') nor the guest's
# first line (guest/init), nor any of lifeboat's, is on the console.
died_before_init() {
    ! grep -Eaq "Run /init as init process|GUEST: |lifeboat: " "$1" 2>/dev/null &&
        grep -Eaq "Oops|Kernel panic|BUG:" "$1" 2>/dev/null
}

# once_more_if_died_before_init SERIAL FUNCTION ARGS...: FUNCTION, and once more if its boot
# died before /init (said, with the console's last lines).  Only then: a guest that ran its
# /init is never booted twice, whatever it did.
once_more_if_died_before_init() {
    local serial=$1 rc
    shift
    "$@"
    rc=$?
    died_before_init "$serial" || return $rc
    log "the guest's kernel died before /init ran (${GUEST_SECONDS:-?} s): booted once more; its console ended:"
    tail -n 8 "$serial" | tr -d '\r' | sed 's/^/    /' >&2
    "$@"
}

# run_guest LOG INITRD APPEND [QEMU ARGS...]: boots the guest until it
# reboots (the capture's final action) or the time limit passes.
run_guest() {
    once_more_if_died_before_init "$1" run_guest_once "$@"
}

run_guest_once() {
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
# QEMU monitor command (device_del ID: the disk vanishes) and the guest runs on to its end;
# THEN_AFTER=N waits N seconds more after the pattern.
run_guest_then() {
    once_more_if_died_before_init "$1" run_guest_then_once "$@"
}

run_guest_then_once() {
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
    # THEN_AFTER seconds more, where the moment is a time into what the pattern began
    local after=${THEN_AFTER:-0}
    while [ "$after" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 1; after=$((after - 1)); done
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
