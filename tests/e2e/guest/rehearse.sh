# rehearse.sh - sourced by the test guest's /init (as /etc/lbtest-after-load.sh)
# in tests that rehearse the capture after the host changed the world under
# the loaded configuration (tests/e2e/test_network.sh: a server stopped, a
# host key changed, the capture's key refused), or just after load
# (tests/e2e/test_targets.sh: a target missing, a raw device).  Where the
# guest waits for the host (lbtest.delay), the host's changer starts on
# "GUEST: waiting" and the rehearsal runs once the port named in
# /etc/lbtest/rehearse-when-refused ("HOST PORT": the server the host stops
# last) refuses connections.  Its lines are
# printed with "lifeboat: " as "lb: ", so nothing a test reads in the
# capture's own words (the dump's progress, its outcome) comes from the
# rehearsal's.
if [ -n "${delay:-}" ]; then
    echo "GUEST: waiting for the host to change the servers, then a rehearsal"
    # the host's last change stops a server: when its port refuses, the world has changed
    if read -r host port < /etc/lbtest/rehearse-when-refused 2>/dev/null; then
        i=0
        until timeout 3 nc -w 2 "$host" "$port" < /dev/null 2>&1 | grep -q refused; do
            i=$((i + 1)); [ $i -ge 60 ] && { echo "GUEST: $host:$port never refused"; break; }
            sleep 1
        done
    else
        sleep 6
    fi
fi
/sbin/lifeboat test --rehearse > /tmp/rehearsal.out 2>&1
echo "GUEST: rehearsal exit $?"
sed 's/^/GUEST: rh: /; s/lifeboat: /lb: /g' /tmp/rehearsal.out
