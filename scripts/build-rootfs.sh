#!/usr/bin/env bash
# Build Loom's Linux root file system: an ext4 image (Debian's e2fsprogs,
# mke2fs -d, no root needed) holding the same static init as the initramfs
# (guest/linux/init.c, built by scripts/build-initramfs.sh) as /init, and
# empty /dev, /proc, /sys, /tmp.  Boot it with root=/dev/vda rw init=/init.
#
#   scripts/build-rootfs.sh [--cache DIR] [--output FILE] [--size MiB]
#
# Cached in DIR (default: build/linux) as rootfs.ext4 + rootfs.key, keyed by
# init.c, this script and the size.  --output copies the image (tests boot
# a copy: the guest writes to its root).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cache=$root/build/linux
output=
size=64

while [ $# -gt 0 ]; do
    case $1 in
        --cache) cache=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "build-rootfs: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

say() { echo "[build-rootfs] $*"; }
die() { echo "[build-rootfs] error: $*" >&2; exit 1; }

mke2fs=$(command -v mke2fs || echo /usr/sbin/mke2fs)
[ -x "$mke2fs" ] || die "mke2fs missing (apt-get install e2fsprogs)"
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
img=$cache/rootfs.ext4
key=$( { cat "$root/guest/linux/init.c" "$0"; echo "$size"; } | sha256sum | cut -c1-16)

finish() {
    if [ -n "$output" ] && [ "$(realpath -m "$output")" != "$img" ]; then
        mkdir -p "$(dirname "$output")"
        cp "$img" "$output.tmp" && mv "$output.tmp" "$output"
    fi
}

if [ -f "$img" ] && [ "$(cat "$cache/rootfs.key" 2>/dev/null)" = "$key" ]; then
    say "cached $img (key $key)"
    finish
    exit 0
fi

# The init, compiled (and cached) by the initramfs script.
"$here/build-initramfs.sh" --cache "$cache" >/dev/null
stage=$cache/rootfs.stage
rm -rf "$stage"
mkdir -p "$stage"/dev "$stage"/proc "$stage"/sys "$stage"/tmp
chmod 1777 "$stage/tmp"
cp "$cache/init" "$stage/init"
chmod 0755 "$stage/init"
rm -f "$img.tmp"
"$mke2fs" -q -t ext4 -L loom-root -d "$stage" -E root_owner=0:0 \
    -F "$img.tmp" "${size}M" || die "mke2fs failed"
mv "$img.tmp" "$img"
echo "$key" > "$cache/rootfs.key"
say "built $img (${size} MiB ext4)"
finish
