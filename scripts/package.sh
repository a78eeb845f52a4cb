#!/usr/bin/env bash
# Builds the release tarball: bootwire-VERSION-linux-ARCH.tar.gz with the binary (Swift runtime
# linked in: no toolchain needed where it runs), the libusb-1.0 stand-in for `emulate usb`
# (lib/bootwire), shell completions and man pages.
#   scripts/package.sh [OUTDIR]      (default: .build/dist)
# What the target machine still needs: glibc and liblzma (liblzma5, on every distribution);
# libusb-1.0 only for USB (DFU, ST-LINK), loaded when such a command runs.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build/dist}"
version="$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/bootwire/Bootwire.swift)"
arch="$(uname -m)"
name="bootwire-${version}-linux-${arch}"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

echo "package: release build with the Swift runtime linked statically"
swift build -c release --static-swift-stdlib --product bootwire 2>&1 | tail -2
bin="$(swift build -c release --static-swift-stdlib --product bootwire --show-bin-path)/bootwire"

mkdir -p "$stage/$name/bin" "$stage/$name/share/bash-completion/completions" \
  "$stage/$name/share/zsh/site-functions" "$stage/$name/share/fish/vendor_completions.d" \
  "$stage/$name/share/man/man1"
cp "$bin" "$stage/$name/bin/bootwire"
strip "$stage/$name/bin/bootwire" 2>/dev/null || true
"$bin" --generate-completion-script bash > "$stage/$name/share/bash-completion/completions/bootwire"
"$bin" --generate-completion-script zsh > "$stage/$name/share/zsh/site-functions/_bootwire"
"$bin" --generate-completion-script fish > "$stage/$name/share/fish/vendor_completions.d/bootwire.fish"

# SwiftPM links the Swift runtime into every dynamic product, even the C-only usb-1.0 (it needs
# the toolchain's libswiftCore.so), so the release copy is compiled from the same sources by the
# toolchain's own clang and needs only libc. lib/bootwire is a folder of its own: the stand-in must
# never shadow the system's libusb. `emulate usb-shim-path` finds it there by the loader's name.
echo "package: the libusb-1.0 stand-in (Sources/CUSBShim), needing only libc"
clang="$(dirname "$(readlink -f "$(command -v swift)")")/clang"
mkdir -p "$stage/$name/lib/bootwire"
"$clang" -shared -fPIC -O2 -Wl,-soname,libusb-1.0.so.0 -Wl,--no-undefined \
  -I Sources/CUSBShim/include -I Sources/CUSBShim Sources/CUSBShim/*.c -o "$stage/$name/lib/bootwire/libusb-1.0.so"
strip --strip-unneeded "$stage/$name/lib/bootwire/libusb-1.0.so" 2>/dev/null || true
ln -s libusb-1.0.so "$stage/$name/lib/bootwire/libusb-1.0.so.0"

echo "package: man pages (swift-argument-parser's generate-manual, run on the binary just built)"
swift build --product generate-manual 2>&1 | tail -1
"$(swift build --show-bin-path)/generate-manual" "$bin" --multi-page --output-directory "$stage/$name/share/man/man1"
cp README.md "$stage/$name/"
cp scripts/install.sh "$stage/$name/install.sh"

mkdir -p "$out"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
