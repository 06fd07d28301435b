#!/usr/bin/env bash
# test_topologies.sh - dumps over the networks servers really have: a VLAN
# on a NIC, an active-backup bond whose active link is down before the crash
# (over IPv6, the server named by a host name with both families), a bridge
# with the NIC as its port, an 802.3ad bond with a VLAN on it, and the plain
# NIC they are measured against.
#
# Everything on the host side lives in a network namespace of the test's
# own (lbtopo-PID), deleted at exit: QEMU runs in it with two virtio NICs
# (reporting 1000 Mb/s full duplex, as real NICs do: Linux's 802.3ad bond
# counts a port that reports no speed as down, and a crash kernel's bond over
# such NICs carried nothing) on "-netdev socket" UDP pairs, and tests/e2e/vlan_switch.py joins them to two
# tap devices there, lbtap0 (untagged frames: 192.168.71.1, fd71::1) and
# lbtap10 (VLAN 10, the tag taken off on the way: 192.168.72.1, fd72::1);
# the switch stands for the server's VLAN interface, which this machine's
# kernel may lack (no 8021q), and counts the frames of each NIC and VLAN.
# The servers listen only there: sshd (bond6, vlan, plain), nginx with TLS and
# WebDAV (the bridge's dump goes over HTTPS) and nfs-ganesha (lacpvlan's over
# NFS), so every kind of network target crosses some topology.  Nothing is
# bound or changed outside.
#
# Two topologies have an IPv6 address that is not static ("slaac" and
# "dhcp6"): dnsmasq on lbtap0 only gives router advertisements of fd73::/64
# (the guest's kernel makes its address: SLAAC) or, in the other boot,
# leases from fd73::100-1ff by DHCPv6 (the guest's running system asks with
# dhclient, the host's, copied in); the server is fd79::1, off the link,
# reached through the advertised default route.  After 'lifeboat load' and
# before the crash the network is renumbered: dnsmasq gives fd74::/64 only
# and fd73:: is gone from the server's side, so a copied address would reach
# nothing.  The crash kernel must ask again and save the dump from fd74::.
# A third ("norouter") has SLAAC's address from fd73::/64 too,
# the server on the link (fd73::1), and the router gone after load: the crash
# kernel waits its network-timeout (10 s here) for an advertisement, then
# sets the address load kept as a fallback, and the dump goes from it.
#
# One guest boot a topology (TOPOLOGIES="bond6 bridge lacpvlan slaac dhcp6
# norouter" by default: a VLAN on a bond stands for one on a NIC, "vlan" runs
# that; add "plain" for the table's baseline, which test_network.sh proves
# otherwise): the guest's init makes the topology with iproute2's ip (the
# host's, copied in), says what 'lifeboat estimate' reserves for it, runs
# 'lifeboat load' (which copies the links into the capture's config) and
# crashes; the crash kernel makes the same links with netlink and saves the
# dump to its server (SFTP and HTTPS with lifeboat-net, NFS by the kernel's client).  Each boot: the links made, the dump
# complete and verified, and a row of the table: topology, complete, the
# seconds from the crash to the capture's end, crashkernel=, the capture
# initramfs's size, the frames the switch saw.  The table goes to stdout and
# to $TOPOLOGY_TABLE when set.
source "$(dirname "$0")/lib.sh"

KERNEL_PACKAGE=${KERNEL_PACKAGE:-linux-image-cloud-amd64}
TOPOLOGIES=${TOPOLOGIES:-bond6 bridge lacpvlan slaac dhcp6 norouter}
e2e_begin
L=$LIFEBOAT_BIN
NET_BIN=${LIFEBOAT_NET_BIN:-$REPO_DIR/build-net/lifeboat-net}
NS=lbtopo-$$
UDP=${TOPO_UDP_PORT:-47311} # four ports from here, inside the namespace only
SSH_PORT=2222               # inside the namespace only
MAC0=52:54:00:71:00:01 MAC1=52:54:00:71:00:02
nsx() { ip netns exec "$NS" "$@"; }

topo_cleanup() {
    local p
    for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true
    e2e_cleanup
}
trap topo_cleanup EXIT

fetch_kernel "$KERNEL_PACKAGE"

# --- the server side, in the namespace -----------------------------------------
ip netns add "$NS"
nsx ip link set lo up
nsx ip tuntap add lbtap0 mode tap
nsx ip tuntap add lbtap10 mode tap
nsx ip addr add 192.168.71.1/24 dev lbtap0
nsx ip addr add fd71::1/64 dev lbtap0 nodad
nsx ip addr add 192.168.72.1/24 dev lbtap10
nsx ip addr add fd72::1/64 dev lbtap10 nodad
nsx ip link set lbtap0 up
nsx ip link set lbtap10 up
nsx ip addr add fd79::1/128 dev lo # the server of slaac and dhcp6: off the guest's link
mkdir -p "$work/capture" "$work/sshd" "$work/known"
"$L" ssh-key -f "$work/capture/id" > "$work/authorized_keys"
ssh-keygen -q -t ed25519 -N '' -f "$work/sshd/host_ed25519"
cat > "$work/sshd/sshd_config" <<EOF
ListenAddress 0.0.0.0:$SSH_PORT
ListenAddress [::]:$SSH_PORT
HostKey $work/sshd/host_ed25519
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
Subsystem sftp internal-sftp
EOF
mkdir -p /run/sshd
ip netns exec "$NS" /usr/sbin/sshd -D -e -f "$work/sshd/sshd_config" </dev/null >>"$work/sshd/log" 2>&1 &
e2e_server_pid $!
key=$(cut -d' ' -f1,2 "$work/sshd/host_ed25519.pub")
for h in 192.168.71.1 192.168.72.1 fd71::1 fd79::1 fd73::1 collector; do
    echo "[$h]:$SSH_PORT $key"
done > "$work/known/known_hosts"
# HTTPS (bridge) and NFS (lacpvlan): their dumps land in $work/dumps/NAME as SFTP's do
mkdir -p "$work/dumps"
HTTPS_PORT=18443 NFS_PORT=20490 # inside the namespace only
token=lbtopo-$RANDOM$RANDOM
printf '%s\n' "$token" > "$work/token"
SERVER_NS=$NS SERVER_ADDR=192.168.71.1 start_https_server "$work/https" "$HTTPS_PORT" "$token" collector
ln -s "$work/dumps" "$work/https/www/dumps"
SERVER_NS=$NS SERVER_ADDR=192.168.72.1 start_nfs_server "$work/dumps" "$NFS_PORT"

# V6_MODE slaac or dhcp6: dnsmasq on lbtap0 alone, router advertisements of PREFIX::/64 (and
# with dhcp6 leases from it, the advertisements saying so: M flag, no SLAAC); no DNS.
V6_PID=
v6_server() { # v6_server MODE PREFIX
    local range=$2::,ra-only,64,1h
    [ "$1" = dhcp6 ] && range=$2::100,$2::1ff,64,1h
    nsx ip addr add "$2::1/64" dev lbtap0 nodad
    ip netns exec "$NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --user=root \
        --interface=lbtap0 --bind-interfaces --enable-ra --dhcp-range="$range" --log-dhcp \
        --dhcp-leasefile="$work/dnsmasq.leases" --pid-file="$work/dnsmasq.pid" \
        --log-facility="$work/dnsmasq.log" &
    V6_PID=$!
    e2e_server_pid "$V6_PID"
}
v6_stop() { # v6_stop PREFIX: dnsmasq stopped, PREFIX gone from the server's side
    [ -n "$V6_PID" ] && kill "$V6_PID" 2>/dev/null && wait "$V6_PID" 2>/dev/null
    V6_PID=
    nsx ip addr del "$1::1/64" dev lbtap0 2>/dev/null || true
}
# after load, before the crash: the router gone, its prefix still on the server's side
router_gone() {
    [ -n "$V6_PID" ] && kill "$V6_PID" 2>/dev/null && wait "$V6_PID" 2>/dev/null
    V6_PID=
    echo "router gone at $(date +%T)" >> "$work/dnsmasq.log"
}
# after load, before the crash: the guest's network renumbered from fd73:: to fd74::
renumber() {
    v6_stop fd73
    v6_server "$1" fd74
    echo "renumbered to fd74::/64 at $(date +%T)" >> "$work/dnsmasq.log"
}

# --- the guest: one initramfs, the topology chosen by lbtest.topo= ---------------
cat > "$work/topology.sh" <<'EOF'
# sourced by the guest's /init before 'lifeboat load' (tests/e2e/test_topologies.sh)
topo=plain
for word in $(cat /proc/cmdline); do case "$word" in lbtest.topo=*) topo=${word#*=} ;; esac; done
IP=/sbin/ip
modprobe virtio_net && sleep 1
# up_wait IFACE: until it has carrier (a bond's comes with its first slave's, by miimon)
up_wait() {
    i=0
    while [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
nic() { for d in /sys/class/net/*; do [ "$(cat "$d/address")" = "$1" ] && echo "${d##*/}"; done; }
E0=$(nic 52:54:00:71:00:01) E1=$(nic 52:54:00:71:00:02)
echo "GUEST: topology $topo on $E0 $E1"
url=ssh://root@192.168.71.1:2222@DUMPS@ extra=
case "$topo" in
plain)
    $IP link set "$E0" up && $IP addr add 192.168.71.2/24 dev "$E0" && up_wait "$E0" ;;
vlan)
    modprobe 8021q && $IP link add link "$E0" name "$E0.10" type vlan id 10 &&
        $IP link set "$E0" up && $IP link set "$E0.10" up &&
        $IP addr add 192.168.72.2/24 dev "$E0.10" && up_wait "$E0.10"
    url=ssh://root@192.168.72.1:2222@DUMPS@ ;;
bond6) # IPv6 only, the server by a name with both families
    modprobe bonding max_bonds=0 && $IP link add bond0 type bond mode active-backup miimon 100 &&
        $IP link set "$E0" master bond0 && $IP link set "$E1" master bond0 &&
        $IP link set bond0 up && $IP addr add fd71::2/64 dev bond0 nodad && up_wait bond0
    # (multi on: as Debian's host.conf says, all of a name's lines, not the first one's)
    printf '192.168.71.1 collector\nfd71::1 collector\n' >> /etc/hosts && echo "multi on" > /etc/host.conf
    $IP -6 route get fd71::1 2>&1 | sed 's/^/GUEST: route get: /'
    url=ssh://root@collector:2222@DUMPS@ ;;
bridge) # over HTTPS, the server by its name
    modprobe bridge && $IP link add br0 type bridge && $IP link set "$E0" master br0 &&
        $IP link set "$E0" up && $IP link set br0 up && $IP addr add 192.168.71.2/24 dev br0 &&
        up_wait br0
    echo "192.168.71.1 collector" >> /etc/hosts
    url=https://collector:@HTTPS_PORT@/dumps
    extra='https-ca /etc/lbtest/ca.pem\nhttps-token /etc/lbtest/token\n' ;;
lacpvlan)
    modprobe bonding max_bonds=0 && modprobe 8021q &&
        $IP link add bond0 type bond mode 802.3ad miimon 100 &&
        $IP link set "$E0" master bond0 && $IP link set "$E1" master bond0 &&
        $IP link set bond0 mtu 9000 && $IP link set bond0 up &&
        $IP link add link bond0 name bond0.10 type vlan id 10 && $IP link set bond0.10 up &&
        $IP addr add 192.168.72.2/24 dev bond0.10 && $IP addr add fd72::2/64 dev bond0.10 nodad &&
        up_wait bond0.10
    modprobe nfsv4 2>/dev/null # (a mount would load it, but this guest has no /sbin/modprobe)
    url=nfs://192.168.72.1:@NFS_PORT@/export ;;
slaac | dhcp6 | norouter) # the address from the router's advertisement, or leased by DHCPv6
    $IP link set "$E0" up && up_wait "$E0" &&
        if [ "$topo" = dhcp6 ]; then
            # (as Debian's dhclient-script does first: the link-local address past duplicate
            # detection, which dhclient binds to)
            i=0
            until $IP -6 addr show dev "$E0" scope link | grep -q fe80 &&
                ! $IP -6 addr show dev "$E0" | grep -q tentative; do
                [ $i -gt 50 ] && break
                sleep 0.2 && i=$((i + 1))
            done
            /sbin/dhclient -6 -1 -v -sf /etc/lbtest/dhclient-script -lf /tmp/dhclient6.leases \
                -pf /tmp/dhclient6.pid "$E0" > /tmp/dhclient6.out 2>&1
            grep -E "Bound|Can.t|exiting|No DHCPv6" /tmp/dhclient6.out | sed 's/^/GUEST: dhclient: /'
        fi
    i=0
    while ! $IP -6 addr show dev "$E0" scope global | grep -q "inet6 fd73" ||
        $IP -6 addr show dev "$E0" | grep -q tentative; do
        [ $i -gt 100 ] && break
        sleep 0.2 && i=$((i + 1))
    done
    $IP -6 addr show dev "$E0" scope global | grep -q "inet6 fd73" &&
        url="ssh://root@[fd79::1]:2222@DUMPS@" &&
        if [ "$topo" = norouter ]; then
            url="ssh://root@[fd73::1]:2222@DUMPS@" extra='network-timeout 10\n'
        fi ;;
esac || echo "GUEST: topology setup failed"
$IP -br addr | sed 's/^/GUEST: addr: /'
$IP -6 addr show dev "$E0" scope global | sed -n 's/^ *\(inet6 .*\)/GUEST: addr6: \1/p'
$IP route show table all | grep -v "^local\|^broadcast\|^multicast\|^ff00" | sed 's/^/GUEST: route: /'
[ -f /proc/net/bonding/bond0 ] && grep -E "Mode|Currently|Slave Interface|MII Status" /proc/net/bonding/bond0 | sed 's/^/GUEST: bond: /'
printf "target %s/%s\nknown-hosts /etc/lbtest/known_hosts\n${extra}dump-level 31\n" "$url" "$topo" > /etc/lifeboat.conf
/sbin/lifeboat estimate 2>&1 | grep -E '^capture initramfs|^crashkernel=' | sed 's/^/GUEST: estimate: /'
EOF
sed -i -e "s|@DUMPS@|$work/dumps|" -e "s|@HTTPS_PORT@|$HTTPS_PORT|" -e "s|@NFS_PORT@|$NFS_PORT|" \
    "$work/topology.sh"
# the running system's DHCPv6 client sets its lease as Debian's dhclient-script does: a /128
# with the lease's lifetimes
cat > "$work/dhclient-script" <<'EOF'
#!/bin/sh
case "$reason" in
PREINIT6) /sbin/ip link set "$interface" up ;;
BOUND6 | RENEW6 | REBIND6 | REBOOT6)
    /sbin/ip -6 addr replace "$new_ip6_address/$new_ip6_prefixlen" dev "$interface" \
        valid_lft "$new_max_life" preferred_lft "$new_preferred_life" ;;
esac
exit 0
EOF
# what load wrote of the network, on the console
cat > "$work/after-load.sh" <<'EOF'
grep -E '^(interface|route|target)' /var/lib/lifeboat/loaded.conf | cut -c1-160 | sed 's/^/GUEST: loaded: /'
EOF
chmod 755 "$work/dhclient-script"
chmod 711 "$work"
GUEST_MODULES=1 GUEST_NET_MODULES=1 GUEST_NET_LINK_MODULES=1 GUEST_PROGRAMS="/sbin/ip /sbin/dhclient" \
    GUEST_NET_BIN=$NET_BIN GUEST_FILES="$work/capture/id=/etc/lifeboat/id_ed25519 \
$work/known/known_hosts=/etc/lbtest/known_hosts $work/topology.sh=/etc/lbtest-before-load.sh \
$work/https/cert.pem=/etc/lbtest/ca.pem $work/token=/etc/lbtest/token \
$work/dhclient-script=/etc/lbtest/dhclient-script $work/after-load.sh=/etc/lbtest-after-load.sh" \
    build_guest_initramfs "$work/guest.cpio" "dump-level 31"

# run_topology NAME [MONITOR-COMMAND]: one boot; the command goes to QEMU's monitor once
# the guest has loaded (set_link n0 off: the bond's active link down before the crash).
# Sets CRASHED_AT, ENDED_AT (seconds, host clock).
run_topology() {
    local name=$1 action=${2:-} log=$work/$name.log pid start=$SECONDS delay=1
    [ -n "$action" ] && delay=8 # time for the monitor's command, and for the bond to fail over
    mkdir -p "$work/dumps/$name"
    ip netns exec "$NS" python3 "$E2E_DIR/vlan_switch.py" --nic "$UDP:$((UDP + 1))" --nic "$((UDP + 2)):$((UDP + 3))" \
        --tap 0=lbtap0 --tap 10=lbtap10 --stats "$work/$name.frames" &
    local switch=$!
    e2e_server_pid $switch
    # a server that needs the tap up (carrier: the switch has it open) starts now
    [ -n "${BEFORE_BOOT:-}" ] && sleep 1 && $BEFORE_BOOT
    rm -f "$work/mon.sock"
    ip netns exec "$NS" timeout -k 10 "${GUEST_TIMEOUT:-900}" qemu-system-x86_64 -m "${GUEST_MEM:-1024}" \
        -smp "${GUEST_CPUS:-2}" -nodefaults -display none -no-reboot -serial "file:$log" \
        -monitor "unix:$work/mon.sock,server,nowait" -kernel "$VMLINUZ" -initrd "$work/guest.cpio" \
        -append "console=ttyS0 panic=1 crashkernel=${CRASHKERNEL:-160M} lbtest.topo=$name lbtest.delay=$delay ${TOPO_APPEND:-}" \
        -netdev "socket,id=n0,udp=127.0.0.1:$UDP,localaddr=127.0.0.1:$((UDP + 1))" \
        -device "virtio-net-pci,netdev=n0,mac=$MAC0,speed=1000,duplex=full" \
        -netdev "socket,id=n1,udp=127.0.0.1:$((UDP + 2)),localaddr=127.0.0.1:$((UDP + 3))" \
        -device "virtio-net-pci,netdev=n1,mac=$MAC1,speed=1000,duplex=full" &
    pid=$!
    CRASHED_AT= ENDED_AT=
    local acted=
    while kill -0 "$pid" 2>/dev/null; do
        if [ -n "$action" ] && [ -z "$acted" ] && grep -qa "GUEST: waiting" "$log" 2>/dev/null; then
            case "$action" in
            host:*) ${action#host:} && acted=1 && echo "$action" > "$work/$name.acted" ;; # this side's
            *) /usr/bin/python3 "$E2E_DIR/qemu_monitor.py" "$work/mon.sock" "$action" >/dev/null 2>&1 &&
                acted=1 && echo "$action" > "$work/$name.acted" ;;
            esac
        fi
        # (the kernel's own line too: a console line of the guest's can be cut by one of the kernel's)
        [ -z "$CRASHED_AT" ] && grep -Eqa "GUEST: crashing now|sysrq: Trigger a crash" "$log" 2>/dev/null &&
            CRASHED_AT=$(date +%s.%N)
        sleep 0.2
    done
    wait "$pid" || true
    ENDED_AT=$(date +%s.%N)
    sleep 1.5 # the switch's last count
    kill "$switch" 2>/dev/null || true
    wait "$switch" 2>/dev/null || true
    GUEST_SECONDS=$((SECONDS - start))
}

frames() { awk -v k="$2" '$1 == k {print $2}' "$work/$1.frames" 2>/dev/null | grep . || echo 0; }

row() { # row NAME: a line of the table from the boot's log and dump
    local name=$1 log=$work/$1.log d complete=no secs=- ck ird capture
    d=$(ls "$work/dumps/$name" 2>/dev/null | head -n1)
    [ -n "$d" ] && grep -q '"status": "complete"' "$work/dumps/$name/$d/metadata.json" 2>/dev/null &&
        complete=yes
    [ -n "$CRASHED_AT" ] && secs=$(awk -v a="$CRASHED_AT" -v b="$ENDED_AT" 'BEGIN {printf "%.0f", b - a}')
    capture=$(sed -n 's/.*lifeboat: capture complete after \([0-9.]*\) s.*/\1/p' "$log" | head -n1)
    ck=$(sed -n 's/.*GUEST: estimate: crashkernel=\([0-9]*M\).*/\1/p' "$log" | head -n1)
    ird=$(sed -n 's/.*GUEST: estimate: capture initramfs: \([0-9]* KiB\) compressed.*/\1/p' "$log" | head -n1)
    printf '%-9s %-9s %7s s %6s s %14s %12s   nic0 %s+%s nic1 %s+%s\n' "$name" "$complete" \
        "${capture:--}" "$secs" \
        "crashkernel=${ck:-?}" "${ird:-?}" "$(frames "$name" nic0-vid0)" "$(frames "$name" nic0-vid10)" \
        "$(frames "$name" nic1-vid0)" "$(frames "$name" nic1-vid10)"
}

table=$work/table
printf '%-9s %-9s %9s %8s %14s %12s   %s\n' topology complete capture crash-end reservation \
    initramfs "frames from the guest (untagged+VLAN 10)" > "$table"
for name in $TOPOLOGIES; do
    log "booting the $name topology"
    # lacpvlan crashes on the second CPU: its crash kernel has one (the boot CPU is left alone),
    # as half the crashes of a two-CPU machine do
    case "$name" in
    bond6) run_topology "$name" "set_link n0 off" ;;
    slaac | dhcp6) # the network renumbered between load and the crash
        BEFORE_BOOT="v6_server $name fd73" run_topology "$name" "host:renumber $name"
        v6_stop fd74 ;;
    norouter) # the router gone between load and the crash
        BEFORE_BOOT="v6_server slaac fd73" run_topology "$name" "host:router_gone"
        v6_stop fd73 ;;
    lacpvlan) TOPO_APPEND="lbtest.crashcpu=1 ${TOPO_APPEND:-}" run_topology "$name" ;;
    *) run_topology "$name" ;;
    esac
    log "guest ran ${GUEST_SECONDS:-?} s"
    l=$work/$name.log
    d=$(ls "$work/dumps/$name" 2>/dev/null | head -n1)
    check "$name: the guest made the topology and loaded the crash kernel" bash -c '
        ! grep -qa "GUEST: topology setup failed" "$1" && grep -qa "lifeboat: crash kernel loaded" "$1"' _ "$l"
    case "$name" in
    vlan)
        check "vlan: load copied the VLAN, the crash kernel made it and its frames were tagged" bash -c '
            grep -qa "made vlan eth0.10 over 1 device" "$1" && [ "$2" -gt 100 ] && [ "$3" = 0 ]' _ "$l" \
            "$(frames vlan nic0-vid10)" "$(frames vlan nic1-vid10)" ;;
    bond6)
        check "bond6: the active link was down before the crash; the crash kernel's bond went over the other" bash -c '
            [ -f "$2" ] && grep -qa "made bond bond0 over 2 devices" "$1" &&
            grep -qa "bond0 (bond0) is up with fd71::2/64" "$1" && [ "$3" -gt 100 ]' _ "$l" \
            "$work/bond6.acted" "$(frames bond6 nic1-vid0)"
        check "bond6: the name with both families resolved to the IPv6 address it has a route to" bash -c '
            grep -q "Accepted publickey for root from fd71::2" "$2"' _ \
            "$l" "$work/sshd/log" ;;
    bridge)
        check "bridge: the crash kernel made br0 with the NIC as its port, the address on the bridge" bash -c '
            grep -qa "made bridge br0 over 1 device" "$1" && grep -qa "br0 (br0) is up with 192.168.71.2/24" "$1"' _ "$l" ;;
    slaac)
        check "slaac: load wrote 'slaac' (the SLAAC address a fallback), the network was renumbered after" bash -c '
            grep -qa "GUEST: loaded: interface 52:54:00:71:00:01 mtu 1500 fallback fd73::.*/64 slaac" "$1" &&
            ! grep -qa "GUEST: loaded: route" "$1" && [ -f "$2" ]' _ "$l" "$work/slaac.acted"
        # (the very address the console names, in the shared sshd log: another topology's
        # fd74:: connection is not this one's)
        check "slaac: the crash kernel made its address from the new prefix, the dump went from it" bash -c '
            a=$(sed -n "s/.* is up with \(fd74::[0-9a-f:]*\)\/64 (SLAAC; router fe80::.*/\1/p" "$1" | head -n1) &&
            [ -n "$a" ] && grep -q "Accepted publickey for root from $a port" "$2"' _ "$l" "$work/sshd/log" ;;
    dhcp6)
        check "dhcp6: the running system leased its address by DHCPv6; load wrote 'dhcp6', no address" bash -c '
            grep -qa "GUEST: addr6: inet6 fd73::1[0-9a-f][0-9a-f]/128 scope global dynamic" "$1" &&
            grep -qa "GUEST: loaded: interface 52:54:00:71:00:01 mtu 1500 dhcp6" "$1" &&
            ! grep -qa "GUEST: loaded: .*fd73" "$1" && [ -f "$2" ]' _ "$l" "$work/dhcp6.acted"
        check "dhcp6: the crash kernel leased a new address after the renumbering, the dump went from it" bash -c '
            a=$(sed -n "s/.* is up with \(fd74::1[0-9a-f][0-9a-f]\)\/128 (DHCPv6 from fe80::.*router fe80::.*/\1/p" "$1" | head -n1) &&
            [ -n "$a" ] && grep -q "Accepted publickey for root from $a port" "$2"' _ "$l" "$work/sshd/log" ;;
    norouter)
        check "norouter: no router answered the crash kernel; it set the SLAAC address load kept, the dump went from it" bash -c '
            grep -qa "GUEST: loaded: interface 52:54:00:71:00:01 mtu 1500 fallback fd73::5054:ff:fe71:1/64 slaac" "$1" &&
            grep -qa "no router advertised a prefix on eth0 in 10 s: set the address SLAAC gave when lifeboat was loaded, fd73::5054:ff:fe71:1/64" "$1" &&
            grep -q "Accepted publickey for root from fd73::5054:ff:fe71:1" "$2" && [ -f "$3" ]' _ "$l" "$work/sshd/log" \
            "$work/norouter.acted" ;;
    lacpvlan)
        check "lacpvlan: an 802.3ad bond (jumbo frames, its MTU 9000 copied) and a VLAN on it, made in that order" bash -c '
            grep -qa "made bond bond0 over 2 devices, MTU 9000" "$1" &&
            grep -qa "made vlan bond0.10 over 1 device" "$1" &&
            [ "$2" -gt 100 ]' _ "$l" "$(( $(frames lacpvlan nic0-vid10) + $(frames lacpvlan nic1-vid10) ))" ;;
    esac
    case "$name" in bridge) kind=HTTPS file=vmcore.flat ;; lacpvlan) kind=NFS file=vmcore ;;
    *) kind=SFTP file=vmcore ;; esac
    check "$name: a complete dump over $kind, every frame read back" bash -c '
        [ -n "$2" ] && grep -q "\"status\": \"complete\"" "$3/metadata.json" &&
        "$1" verify "$3/$4" | grep -q ": ok: .* 0 unreadable"' _ "$L" "$d" \
        "$work/dumps/$name/$d" "$file"
    # what the crash kernel said, when it saved nothing (the log goes with $work)
    [ -n "$d" ] || { grep -a "^lifeboat: \|Kernel panic" "$l" | tail -n 15 | sed 's/^/    /' || true; }
    row "$name" >> "$table"
done
cat "$table"
[ -n "${TOPOLOGY_TABLE:-}" ] && cp "$table" "$TOPOLOGY_TABLE"
e2e_end
