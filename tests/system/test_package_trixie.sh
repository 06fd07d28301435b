#!/usr/bin/env bash
# test_package_trixie.sh - test_package.sh on Debian 13 (trixie): the very
# .debs the bookworm run installs, installed, upgraded and purged in a trixie
# chroot, and judged by trixie's lintian.  A script of its own so that
# run-tests runs it beside the bookworm one and names it apart.
PACKAGE_RELEASE=trixie exec bash "$(dirname "$0")/test_package.sh" "$@"
