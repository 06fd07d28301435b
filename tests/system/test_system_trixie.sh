#!/usr/bin/env bash
# test_system_trixie.sh - test_system.sh's whole scenario on Debian 13
# (trixie): its own image (trixie's kernel, systemd and GRUB, root and /var on
# LVM), the same .deb installed, crashed, the day after; the second kernel is
# trixie-backports' 7.x, installed in kernel-install's layout.  A script of its
# own so that run-tests runs it beside the bookworm one and names it apart.
SYSTEM_RELEASE=trixie exec bash "$(dirname "$0")/test_system.sh" "$@"
