#!/bin/sh
# musl-include.sh DIR - makes DIR an include directory for musl-gcc that holds
# only the headers lifeboat needs from Debian's glibc world: the compression
# libraries' and the kernel's.  musl-gcc leaves /usr/include out on purpose, so
# glibc's own headers never mix with musl's.
set -e
dir=$1
multiarch=$(gcc -print-multiarch)
mkdir -p "$dir"
for h in zstd.h zstd_errors.h zlib.h zconf.h xxhash.h; do
    ln -sfn "/usr/include/$h" "$dir/$h"
done
ln -sfn /usr/include/lzo "$dir/lzo"
ln -sfn /usr/include/sodium.h "$dir/sodium.h"
ln -sfn /usr/include/sodium "$dir/sodium"
ln -sfn /usr/include/bpf "$dir/bpf"
for h in libelf.h gelf.h; do
    ln -sfn "/usr/include/$h" "$dir/$h"
done
ln -sfn /usr/include/linux "$dir/linux"
ln -sfn /usr/include/asm-generic "$dir/asm-generic"
ln -sfn "/usr/include/$multiarch/asm" "$dir/asm"
