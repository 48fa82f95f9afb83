#!/bin/sh
# Assembles every tiny test guest (*.s in this directory) into a flat binary that the KVM
# tests load at guest-physical LOAD_ADDRESS. Run by Maven at generate-test-resources:
#   assemble.sh <source dir> <output dir>
# Needs GNU as and ld (Debian: binutils).
set -eu
LOAD_ADDRESS=0x1000
src=$1
out=$2
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for source in "$src"/*.s; do
    name=$(basename "$source" .s)
    as --64 -o "$work/$name.o" "$source"
    # A flat image: the bytes of .text (code and data together) as they sit at LOAD_ADDRESS.
    ld -m elf_x86_64 -Ttext="$LOAD_ADDRESS" -e _start --oformat binary -o "$out/$name.bin" "$work/$name.o"
done
