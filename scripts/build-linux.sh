#!/usr/bin/env bash
# Build Loom's riscv64 Linux guest kernel (arch/riscv/boot/Image) from
# Debian's linux-source-6.1 with configs/linux-6.1-riscv64-loom.config merged
# onto `make ARCH=riscv tinyconfig`.
#
#   scripts/build-linux.sh [--cache DIR] [--output FILE] [-j N]
#
# The result is cached in DIR (default: build/linux) as Image + Image.key;
# the key hashes the config fragment, this script and the source tarball, so
# a second run with nothing changed only copies the cached Image to FILE.
# The source is unpacked once into DIR/src and built out of tree in DIR/obj,
# so a config change rebuilds incrementally.  Prints progress while building
# (full log in DIR/build.log) and exits non-zero with the log's tail on error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cache=$root/build/linux
output=
jobs=$(nproc)
tarball=${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
fragment=$root/configs/linux-6.1-riscv64-loom.config
cross=${CROSS_COMPILE:-riscv64-linux-gnu-}

while [ $# -gt 0 ]; do
    case $1 in
        --cache) cache=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        -j) jobs=$2; shift 2 ;;
        -j*) jobs=${1#-j}; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "build-linux: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

say() { echo "[build-linux] $*"; }
die() { echo "[build-linux] error: $*" >&2; exit 1; }

# --- what we need -----------------------------------------------------------
[ -f "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.1)"
for tool in "${cross}gcc" make bison flex bc perl xz; do
    command -v "$tool" >/dev/null ||
        die "'$tool' missing (make deps installs gcc-riscv64-linux-gnu bison flex bc)"
done

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
key=$( { cat "$fragment" "$0"; stat -c '%s %Y' "$tarball"; } | sha256sum | cut -c1-16)

finish() {
    if [ -n "$output" ] && [ "$(realpath -m "$output")" != "$cache/Image" ]; then
        mkdir -p "$(dirname "$output")"
        cp "$cache/Image" "$output.tmp" && mv "$output.tmp" "$output"
    fi
}

if [ -f "$cache/Image" ] && [ "$(cat "$cache/Image.key" 2>/dev/null)" = "$key" ]; then
    say "cached kernel $cache/Image (key $key)"
    finish
    exit 0
fi

start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - start ))s"; }

# --- unpack once (Documentation/ only for its Kconfig: nothing else is read) ---
src=$cache/src/linux-source-6.1
tar_id="$(stat -c '%s %Y' "$tarball") v4"
if [ "$(cat "$cache/src/.unpacked" 2>/dev/null)" != "$tar_id" ]; then
    say "unpacking $(basename "$tarball") into $cache/src ..."
    rm -rf "$cache/src" "$cache/obj"
    mkdir -p "$cache/src"
    LC_ALL=C tar -xJf "$tarball" -C "$cache/src" --wildcards \
        --exclude='linux-source-6.1/Documentation/[!K]*'
    echo "$tar_id" > "$cache/src/.unpacked"
    say "unpacked ($(elapsed))"
fi

# --- configure ----------------------------------------------------------------
obj=$cache/obj
mkdir -p "$obj"
log=$cache/build.log
: > "$log"
kmake() { make -C "$src" O="$obj" ARCH=riscv CROSS_COMPILE="$cross" "$@"; }
fail() {
    echo "[build-linux] error: $1; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
}

say "configuring: tinyconfig + $(basename "$fragment")"
kmake tinyconfig >>"$log" 2>&1 || fail "make tinyconfig failed"
# Twice: options that only become visible after the first pass (EFI under
# MMU, say) take their defaults there and need the fragment applied again.
for _ in 1 2; do
    (cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
        "$obj/.config" "$fragment") >>"$log" 2>&1 || fail "merge_config failed"
    kmake olddefconfig >>"$log" 2>&1 || fail "make olddefconfig failed"
done

# Every option of the fragment must have survived (a missing dependency makes
# Kconfig drop an option silently).
bad=0
while IFS= read -r line; do
    case $line in
        CONFIG_*=*) want=$line ;;
        "# CONFIG_"*" is not set") want=$line ;;
        *) continue ;;
    esac
    name=${want#\# }; name=${name%%[= ]*}
    got=$(grep -E "^(# )?${name}[= ]" "$obj/.config" || true)
    if [ "${want#\# }" != "$want" ]; then
        # "is not set": absent or explicitly not set are both fine
        case $got in ""|"# $name is not set") continue ;; esac
    elif [ "$got" = "$want" ]; then
        continue
    fi
    echo "[build-linux] config: wanted '$want', got '${got:-<absent>}'" >&2
    bad=1
done < "$fragment"
[ $bad = 0 ] || die "the config fragment did not apply (see above)"

# --- build, with a progress line every 100 compiled files --------------------
say "building Image with -j$jobs (log: $log)"
set +e
kmake -j"$jobs" Image 2>&1 | tee -a "$log" | {
    n=0
    while IFS= read -r line; do
        case $line in "  CC"*|"  AS"*|"  LD"*|"  AR"*) ;; *) continue ;; esac
        n=$((n + 1))
        [ $((n % 100)) = 0 ] && say "$n files, $(elapsed)"
    done
    say "$n files compiled or linked"
}
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || fail "kernel build failed"

cp "$obj/arch/riscv/boot/Image" "$cache/Image.tmp"
mv "$cache/Image.tmp" "$cache/Image"
cp "$obj/.config" "$cache/config"
echo "$key" > "$cache/Image.key"
say "built $cache/Image ($(stat -c %s "$cache/Image") bytes) in $(elapsed)"
finish
