#!/usr/bin/env bash
# newest_7x.sh - the newest Linux 7.x cloud kernel in trixie-backports, from the
# private apt list lib.sh keeps (its mirror read from this machine's own
# debian.sources), beside the one the tests pin (KERNEL_7X_PACKAGE in lib.sh).
#
#   bash tests/e2e/newest_7x.sh          prints both package names
#   bash tests/e2e/newest_7x.sh --try    and runs test_triage.sh's 7.x part on
#                                        the newest (no 6.x kernels): if it
#                                        passes, the pin can move to it
source "$(dirname "$0")/lib.sh"

newest=$(backports_apt apt-cache search --names-only '^linux-image-7\.[0-9.]+\+deb[0-9]+-cloud-amd64$' |
    awk '{print $1}' | sort -V | tail -n 1)
[ -n "$newest" ] || die "no linux-image-7.*-cloud-amd64 in $BACKPORTS_SUITE"
echo "pinned: $KERNEL_7X_PACKAGE"
echo "newest: $newest"
case "${1:-}" in
"") ;;
--try)
    [ "$newest" = "$KERNEL_7X_PACKAGE" ] && log "the pin is the newest already; trying it all the same"
    KERNEL_7X_PACKAGE=$newest TRIAGE_6X= exec bash "$E2E_DIR/test_triage.sh"
    ;;
*) die "usage: newest_7x.sh [--try]" ;;
esac
