# make; make install [PREFIX=/usr/local] [DESTDIR=...] - a front for Meson,
# for those who expect make.  The build itself is Meson's (meson.build).
# Both programs: lifeboat (static, the capture's) and lifeboat-net (the
# network build, for ssh:// and https:// targets), which load puts in the
# initramfs when a target needs it; and lifeboat-blkid, which load asks.
PREFIX ?= /usr/local
BUILD ?= build

all:
	./scripts/build base

install: all
	for b in $(BUILD) $(BUILD)-net; do \
		meson configure $$b -Dprefix=$(PREFIX) -Dsysconfdir=/etc >/dev/null || exit 1; done
	meson install -C $(BUILD) --destdir "$(DESTDIR)"
	meson install -C $(BUILD)-net --destdir "$(DESTDIR)"

check:
	./run-tests

.PHONY: all install check
