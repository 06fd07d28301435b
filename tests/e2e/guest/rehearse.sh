# rehearse.sh - sourced by the test guest's /init (as /etc/lbtest-after-load.sh)
# in tests that rehearse the capture after the host changed the world under
# the loaded configuration (tests/e2e/test_network.sh: a server stopped, a
# host key changed, the capture's key refused), or just after load
# (tests/e2e/test_targets.sh: a target missing, a raw device).  Where the
# guest waits for the host (lbtest.delay), the host's changer starts on
# "GUEST: waiting" and the rehearsal runs a few seconds later.  Its lines are
# printed with "lifeboat: " as "lb: ", so nothing a test reads in the
# capture's own words (the dump's progress, its outcome) comes from the
# rehearsal's.
if [ -n "${delay:-}" ]; then
    echo "GUEST: waiting for the host to change the servers, then a rehearsal"
    sleep 6
fi
/sbin/lifeboat test --rehearse > /tmp/rehearsal.out 2>&1
echo "GUEST: rehearsal exit $?"
sed 's/^/GUEST: rh: /; s/lifeboat: /lb: /g' /tmp/rehearsal.out
