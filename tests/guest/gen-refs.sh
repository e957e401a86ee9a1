#!/bin/sh
# Regenerates the expected-output files (<name>.ref) of the guest suite by
# running each program on QEMU, never on Loom. Builds the ELFs itself with
# the flags in rt/cflags (plus <name>.cflags if present) into a temporary folder. Refuses to write a ref
# whose run did not exit 0 or does not end with "PASS".
#   usage: tests/guest/gen-refs.sh [name...]     (default: all of programs.txt)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
cc=${CROSS_CC:-riscv64-unknown-elf-gcc}
qemu=${QEMU:-qemu-system-riscv64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

names=${*:-$(grep -v '^#' programs.txt | awk 'NF {print $1}')}
status=0
for name in $names; do
    extra=$(awk -v n="$name" '$1 == n {$1 = ""; print}' programs.txt)
    src=$name.c
    [ -f "$name.S" ] && src=$name.S
    # shellcheck disable=SC2046
    pflags=""
    [ -f "$name.cflags" ] && pflags=$(cat "$name.cflags")
    $cc $(cat rt/cflags) $pflags -I rt -T rt/link.ld rt/start.S rt/trap.S rt/rt.c "$src" \
        -o "$tmp/$name.elf"
    rc=0
    # shellcheck disable=SC2086
    timeout 60 "$qemu" -M virt -bios none -kernel "$tmp/$name.elf" -nographic $extra \
        </dev/null >"$tmp/$name.out" || rc=$?
    if [ "$rc" -ne 0 ] || [ "$(tail -n 1 "$tmp/$name.out")" != "PASS" ]; then
        echo "$name: QEMU exit $rc, last line '$(tail -n 1 "$tmp/$name.out")': ref NOT written" >&2
        status=1
        continue
    fi
    cp "$tmp/$name.out" "$name.ref"
    echo "$name.ref: $(wc -l <"$name.ref") lines"
done
exit $status
