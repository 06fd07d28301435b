#!/bin/sh
# install-conf.sh SOURCE DEST - meson's install step for the configuration:
# the example is installed only where no configuration is yet, so that an
# install over an older one never replaces what the admin wrote.
set -eu
dest="${DESTDIR:-}$2"
if [ -e "$dest" ]; then
    echo "lifeboat: $2 exists: kept as it is" >&2
else
    install -D -m 0644 "$1" "$dest"
fi
