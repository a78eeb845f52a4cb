#!/usr/bin/env bash
# Proves a release tarball runs where no Swift toolchain is: unpacks it, hides the toolchain
# (a private mount namespace with an empty /opt/swift, and no LD_LIBRARY_PATH), checks the
# binary links no Swift library, and flashes a virtual module with it.
#   scripts/tarball-without-swift.sh TARBALL
set -euo pipefail
tarball="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$tarball"
root="$(echo "$work"/bootwire-*)"
swift_root="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")"
if ldd "$root/bin/bootwire" | grep -E "libswift|libFoundation|libdispatch|$swift_root"; then
  echo "tarball: the binary still links the toolchain's libraries" >&2
  exit 1
fi
"$root/install.sh" "$work/prefix" > /dev/null
unshare -m sh -c "mount -t tmpfs none '$swift_root' && env -i PATH=/usr/bin:/bin HOME='$work' \
  '$work/prefix/bin/bootwire' flash --port virtual:qcc743,wire=instant --config Examples/qcc743/flash_prog_cfg.ini --quiet"
test -f "$work/prefix/share/man/man1/bootwire.1"
echo "tarball: $(basename "$tarball") runs with the toolchain out of reach (flashed virtual:qcc743)"
