# make; make install [PREFIX=/usr/local] [DESTDIR=...] - a front for Meson,
# for those who expect make.  The build itself is Meson's (meson.build).
PREFIX ?= /usr/local
BUILD ?= build

all:
	./scripts/build base

install: all
	meson configure $(BUILD) -Dprefix=$(PREFIX) -Dsysconfdir=/etc >/dev/null
	meson install -C $(BUILD) --destdir "$(DESTDIR)"

check:
	./run-tests

.PHONY: all install check
