#!/usr/bin/env bash
# Installs bootwire with its shell completions, man pages and the libusb-1.0 stand-in for
# `emulate usb` (PREFIX/lib/bootwire, off the loader's path) under PREFIX (default /usr/local).
#   From an unpacked release tarball:   ./install.sh [PREFIX]
#   From a source checkout:             scripts/install.sh [PREFIX]   (builds the release first)
set -euo pipefail
prefix="${1:-${PREFIX:-/usr/local}}"
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x "$here/bin/bootwire" ]; then
  root="$here"
else
  tarball="$("$here/package.sh" | tail -1)"
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' EXIT
  tar -C "$root" -xzf "$tarball"
  root="$(echo "$root"/bootwire-*)"
fi
install -d "$prefix/bin" "$prefix/lib/bootwire" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
  "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 0755 "$root/bin/bootwire" "$prefix/bin/bootwire"
install -m 0755 "$root/lib/bootwire/libusb-1.0.so" "$prefix/lib/bootwire/libusb-1.0.so"
ln -sf libusb-1.0.so "$prefix/lib/bootwire/libusb-1.0.so.0"
install -m 0644 "$root"/share/man/man1/*.1 "$prefix/share/man/man1/"
install -m 0644 "$root/share/bash-completion/completions/bootwire" "$prefix/share/bash-completion/completions/"
install -m 0644 "$root/share/zsh/site-functions/_bootwire" "$prefix/share/zsh/site-functions/"
install -m 0644 "$root/share/fish/vendor_completions.d/bootwire.fish" "$prefix/share/fish/vendor_completions.d/"
echo "installed $prefix/bin/bootwire ($("$prefix/bin/bootwire" --version)), its man pages, completions and the libusb stand-in"
