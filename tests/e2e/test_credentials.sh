#!/usr/bin/env bash
# test_credentials.sh - a fleet's credentials cannot read the fleet's dumps
# (issue 25, item 2), with the recipes lifeboat(8) gives under COLLECTOR:
#
# SFTP: one user per host (lb-web1, lb-web2), chrooted by sshd into its own
# drop box, its key's authorized_keys line the one 'lifeboat ssh-key'
# prints (internal-sftp allowing only the requests a capture makes).  The
# users exist only in a mount namespace of the test's own (its /etc/passwd
# and /srv bound over the host's there): the host is not changed.
# HTTPS: nginx with one bearer token per host, each allowed PUT, MKCOL, MOVE
# and HEAD under its host's prefix only, MOVE's destination too.  Both
# servers' configurations are the recipes in examples/collector, as shipped.
#
# With web1's credentials: its own drop box takes files; web2's dump cannot
# be read, listed, overwritten, moved or deleted, and web1's own cannot be
# read back or deleted either (a key stolen from web1's initramfs reads no
# dump).  Then two real crashes of Debian's 6.1 in QEMU, named web1, save
# complete dumps through each write-only setup: load's check passes where
# the server refuses to remove its probe, and the capture needs no read.
source "$(dirname "$0")/lib.sh"

e2e_begin
L=$LIFEBOAT_BIN
NET_BIN=${LIFEBOAT_NET_BIN:-$REPO_DIR/build-net/lifeboat-net}
SP=${CREDENTIALS_SSH_PORT:-22340} HP=${CREDENTIALS_HTTPS_PORT:-24480}
MAC=52:54:00:12:34:56
NIC=(-netdev user,id=n0 -device "virtio-net-pci,netdev=n0,mac=$MAC")
fetch_kernel linux-image-cloud-amd64

# --- SFTP: a drop box per host, as examples/collector/sshd_config sets them up ---
# ($work/srv is /srv in sshd's mount namespace; the boxes are /srv/lifeboat/lb-HOST)
srv=$work/srv/lifeboat
mkdir -p "$srv" "$work/srv/keys" "$work/etc" "$work/sshd"
chmod 755 "$work/srv"
cp /etc/passwd /etc/group "$work/etc/"
echo "lbdrop:x:61000:" >> "$work/etc/group"
for i in 1 2; do
    u=lb-web$i
    echo "$u:*:$((61000 + i)):61000:lifeboat drop box:/:/usr/sbin/nologin" >> "$work/etc/passwd"
    # the chroot: root's, 0755 (sshd refuses any other); the drop box in it: the host's, 0700
    mkdir -p "$srv/$u/dumps" && chmod 755 "$srv" "$srv/$u"
    chown $((61000 + i)):61000 "$srv/$u/dumps" && chmod 700 "$srv/$u/dumps"
    "$L" ssh-key -f "$work/key$i" > "$work/srv/keys/$u" 2>/dev/null
done
echo "sftp-payload-of-web2-$RANDOM" > "$srv/lb-web2/dumps/vmcore-of-web2"
chown 61002:61000 "$srv/lb-web2/dumps/vmcore-of-web2"
ssh-keygen -q -t ed25519 -N '' -f "$work/sshd/host"
cat > "$work/sshd/config" <<EOF
ListenAddress 127.0.0.1:$SP
HostKey $work/sshd/host
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile none
Subsystem sftp internal-sftp
$(sed -n '/^# --- sshd recipe begins/,/^# --- sshd recipe ends/p' "$REPO_DIR/examples/collector/sshd_config" |
    grep -v '^# ---' | sed 's|/etc/ssh/lifeboat-keys/|/srv/keys/|')
EOF
port_free "$SP"
unshare --mount --propagation private bash -c '
    mount --bind "$1/etc/passwd" /etc/passwd && mount --bind "$1/etc/group" /etc/group &&
    mount --bind "$1/srv" /srv && mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -f "$1/sshd/config"' \
    _ "$work" </dev/null >>"$work/sshd/log" 2>&1 &
e2e_server_pid $!
wait_for_port "$SP" || die "sshd did not start: $(tail -n 5 "$work/sshd/log")"
echo "[collector]:$SP $(cat "$work/sshd/host.pub")" > "$work/known_hosts"
echo "[127.0.0.1]:$SP $(cat "$work/sshd/host.pub")" >> "$work/known_hosts"
# sftp_as N: a batch of requests (standard input) with web N's key; its exit status
sftp_as() { sftp -q -b - -i "$work/key$1" -o UserKnownHostsFile="$work/known_hosts" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -P "$SP" "lb-web$1@127.0.0.1"; }
echo "web1's own" > "$work/own"

check "ssh-key prints the write-only line: internal-sftp with the capture's requests only" \
    grep -q '^restrict,command="internal-sftp -p open,close,write,fsetstat,fstat,lstat,stat,mkdir,rename,realpath,statvfs,fsync" ssh-ed25519 ' \
    "$work/srv/keys/lb-web1"
sftp_check() { # sftp_check DESCRIPTION N EXPECT(ok|refused) REQUESTS
    local what=$1 n=$2 expect=$3 requests=$4
    if printf '%s\n' "$requests" | sftp_as "$n" >"$work/sftp.out" 2>&1; then got=ok; else got=refused; fi
    if [ "$got" = "$expect" ]; then echo "ok - $what"; else
        echo "not ok - $what (the server answered: $got)"; sed 's/^/    /' "$work/sftp.out" | tail -n 5
        failures=$((failures + 1)); fi
}
sftp_check "web1's key writes a file into its own drop box" 1 ok "put $work/own /dumps/own"
sftp_check "web1's key cannot read back its own file" 1 refused "get /dumps/own $work/got-own"
sftp_check "web1's key cannot list its own drop box" 1 refused "ls /dumps"
sftp_check "web1's key cannot remove its own file" 1 refused "rm /dumps/own"
sftp_check "web1's key cannot reach web2's dump (chrooted: no such path)" 1 refused \
    "get /../lb-web2/dumps/vmcore-of-web2 $work/got-web2"
sftp_check "web1's key cannot remove web2's dump" 1 refused "rm /../lb-web2/dumps/vmcore-of-web2"
sftp_check "web1's key cannot rename web2's dump" 1 refused \
    "rename /../lb-web2/dumps/vmcore-of-web2 /dumps/stolen"
# (sftp's get makes the local file before the server refuses the read: what counts is its bytes)
check "after all that: web2's dump is whole, and no byte of any dump reached web1's key" bash -c '
    grep -q "^sftp-payload-of-web2-" "$1/lb-web2/dumps/vmcore-of-web2" &&
    ! cat "$2/got-web2" "$2/got-own" 2>/dev/null | grep -q . &&
    [ ! -e "$1/lb-web1/dumps/stolen" ] && [ -f "$1/lb-web1/dumps/own" ]' _ "$srv" "$work"

# --- HTTPS: a prefix per host --------------------------------------------------
ng=$work/nginx
mkdir -p "$ng/www/crash/web1" "$ng/www/crash/web2/20261201-000000-web2" "$ng/tmp"
echo "https-payload-of-web2-$RANDOM" > "$ng/www/crash/web2/20261201-000000-web2/vmcore"
tok1=web1-$RANDOM$RANDOM tok2=web2-$RANDOM$RANDOM
printf '%s\n' "$tok1" > "$work/token1"
# (the certificate is made by start_nginx, before nginx reads the recipe that names it)
start_nginx "$ng" "$HP" collector "$(sed -n '/^# --- nginx recipe begins/,/^# --- nginx recipe ends/p' \
    "$REPO_DIR/examples/collector/nginx.conf" | grep -v '^# ---' |
    sed "s|TOKEN-OF-WEB1|$tok1|; s|TOKEN-OF-WEB2|$tok2|; s|LISTEN|127.0.0.1:$HP ssl|;
        s|CERT|$ng/cert.pem|; s|KEY|$ng/key.pem|; s|ROOT|$ng/www|")"
U=https://127.0.0.1:$HP
http_check() { # http_check DESCRIPTION EXPECTED_STATUS CURL_ARGS...
    local what=$1 expect=$2 got
    shift 2
    got=$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok1" "$@")
    if [ "$got" = "$expect" ]; then echo "ok - $what ($got)"; else
        echo "not ok - $what: HTTP $got, expected $expect"; failures=$((failures + 1)); fi
}
W2=$U/crash/web2/20261201-000000-web2
http_check "web1's token makes a directory under web1's prefix" 201 -X MKCOL "$U/crash/web1/.partial-x/"
http_check "web1's token puts a file there" 201 -T "$work/own" "$U/crash/web1/.partial-x/own"
http_check "web1's token cannot move it without Overwrite: F (over what may be there)" 403 \
    -X MOVE -H "Destination: $U/crash/web1/x/" "$U/crash/web1/.partial-x/"
http_check "web1's token cannot move it to a hidden name" 403 -X MOVE -H "Overwrite: F" \
    -H "Destination: $U/crash/web1/.x/" "$U/crash/web1/.partial-x/"
http_check "web1's token moves it within web1's prefix, Overwrite: F" 201 -X MOVE \
    -H "Overwrite: F" -H "Destination: $U/crash/web1/x/" "$U/crash/web1/.partial-x/"
http_check "web1's token cannot write over its own finished dump" 403 -T "$work/own" \
    "$U/crash/web1/x/own"
http_check "web1's token cannot make a directory outside a dump being written" 403 -X MKCOL \
    "$U/crash/web1/elsewhere/"
http_check "web1's token cannot read back its own file" 403 "$U/crash/web1/x/own"
http_check "web1's token cannot delete its own file" 403 -X DELETE "$U/crash/web1/x/own"
http_check "web1's token cannot read web2's dump" 403 "$W2/vmcore"
http_check "web1's token cannot list web2's prefix (PROPFIND)" 403 -X PROPFIND "$U/crash/web2/"
http_check "web1's token cannot delete web2's dump" 403 -X DELETE "$W2/vmcore"
http_check "web1's token cannot overwrite web2's dump" 403 -T "$work/own" "$W2/vmcore"
http_check "web1's token cannot move web2's dump into its own prefix" 403 -X MOVE -H "Overwrite: F" \
    -H "Destination: $U/crash/web1/stolen/" "$W2/"
http_check "web1's token cannot move its dump into web2's prefix" 403 -X MOVE -H "Overwrite: F" \
    -H "Destination: $U/crash/web2/planted/" "$U/crash/web1/x/"
http_check "web1's token cannot climb out of its prefix with .." 403 --path-as-is -T "$work/own" \
    "$U/crash/web1/../web2/20261201-000000-web2/vmcore"
check "after all that: web2's dump is whole, nothing moved into or out of web2's prefix" bash -c '
    grep -q "^https-payload-of-web2-" "$1/crash/web2/20261201-000000-web2/vmcore" &&
    [ ! -e "$1/crash/web1/stolen" ] && [ ! -e "$1/crash/web2/planted" ] && [ -f "$1/crash/web1/x/own" ]' \
    _ "$ng/www"
rm -rf "$ng/www/crash/web1/x" "$srv/lb-web1/dumps/own"

# --- real captures through both ------------------------------------------------
# capture_to NAME CONFIG: a crash of a guest called web1 whose capture saves by CONFIG
cat > "$work/after-load.sh" <<'GUEST'
/sbin/lifeboat test --rehearse > /tmp/rehearsal.out 2>&1
echo "GUEST: rehearsal exit $?"
sed 's/^/GUEST: rh: /' /tmp/rehearsal.out
GUEST
capture_to() {
    local name=$1 conf=$2
    GUEST_MODULES=1 GUEST_NET_MODULES=1 GUEST_NET_BIN=$NET_BIN GUEST_FILES="$work/key1=/etc/lifeboat/id_ed25519 \
$work/known_hosts=/etc/lbtest/known_hosts $ng/cert.pem=/etc/lbtest/ca.pem $work/token1=/etc/lbtest/token \
$work/after-load.sh=/etc/lbtest-after-load.sh" \
        build_guest_initramfs "$work/$name.cpio" "$conf"
    run_guest "$work/$name.log" "$work/$name.cpio" \
        "crashkernel=${CRASHKERNEL:-160M} lbtest.net=1 lbtest.hostname=web1" "${NIC[@]}" || true
    log "$name: guest ran ${GUEST_SECONDS:-?} s"
}
capture_to sftp "target ssh://lb-web1@collector:$SP/dumps
known-hosts /etc/lbtest/known_hosts"
d=$(ls "$srv/lb-web1/dumps" | grep -v '^\.' | head -n1)
check "a rehearsal into web1's SFTP drop box passes; the box keeps what it may not remove, and says so" bash -c '
    grep -qa "GUEST: rehearsal exit 0" "$1" &&
    grep -qa "GUEST: rh: lifeboat: rehearsal: ssh://.*/.rehearsal-[0-9-]*-web1 stays on the server, which refuses to remove it" "$1" &&
    grep -qa "GUEST: rh: lifeboat: rehearsal passed: a crash now would be saved to ssh://lb-web1@collector" "$1"' \
    _ "$work/sftp.log"
check "a crash of web1 is saved whole into web1's write-only SFTP drop box" bash -c '
    grep -qa "lifeboat: crash kernel loaded" "$1" && grep -qa "complete dump saved in ssh://" "$1" &&
    [ -n "$2" ] && "$3" verify "$4/$2/vmcore" >/dev/null && "$3" info "$4/$2/vmcore" | grep -q sysrq &&
    [ "$(ls -A "$4" | grep -v "^\.rehearsal-" | sort | tr "\n" " ")" = ".lifeboat-check $2 " ]' _ "$work/sftp.log" "$d" "$L" \
    "$srv/lb-web1/dumps"
capture_to https "target https://collector:$HP/crash/web1/
https-ca /etc/lbtest/ca.pem
https-token /etc/lbtest/token"
d=$(ls "$ng/www/crash/web1" | grep -v '^\.' | head -n1)
check "a rehearsal under web1's HTTPS prefix passes; the server keeps what the token may not delete" bash -c '
    grep -qa "GUEST: rehearsal exit 0" "$1" &&
    grep -qa "GUEST: rh: lifeboat: rehearsal: .*/crash/web1/.rehearsal-[0-9-]*-web1/ stays on the server, which refuses to delete it (HTTP 403)" "$1" &&
    grep -qa "GUEST: rh: lifeboat: rehearsal passed: a crash now would be saved to https://collector" "$1"' \
    _ "$work/https.log"
check "a crash of web1 is saved whole under web1's write-only HTTPS prefix" bash -c '
    grep -qa "lifeboat: crash kernel loaded" "$1" && grep -qa "complete dump saved in https://" "$1" &&
    [ -n "$2" ] && "$3" convert "$4/$2/vmcore.flat" "$5" && "$3" verify "$5" >/dev/null &&
    "$3" info "$5" | grep -q sysrq' _ "$work/https.log" "$d" "$L" "$ng/www/crash/web1" "$work/https.vmcore"
e2e_end
