#!/usr/bin/env bash
# Proves a release tarball runs where no Swift toolchain is: unpacks it, hides the toolchain
# (a private mount namespace with an empty /opt/swift, and no LD_LIBRARY_PATH), checks the
# binary and the libusb stand-in link no Swift library, flashes a virtual module with it, and
# checks `emulate usb-shim-path` names the installed stand-in, which a libusb program (python's
# ctypes, where python3 is present) loads and meets a virtual DFU device through.
#   scripts/tarball-without-swift.sh TARBALL
set -euo pipefail
tarball="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$tarball"
root="$(echo "$work"/bootwire-*)"
swift_root="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")"
for binary in "$root/bin/bootwire" "$root/lib/bootwire/libusb-1.0.so"; do
  test -f "$binary" || { echo "tarball: $binary is missing" >&2; exit 1; }
  if ldd "$binary" | grep -E "libswift|libFoundation|libdispatch|$swift_root"; then
    echo "tarball: $binary still links the toolchain's libraries" >&2
    exit 1
  fi
done
"$root/install.sh" "$work/prefix" > /dev/null
# Run inside the namespace with an empty environment: the paths come as arguments.
cat > "$work/inside.sh" <<'INSIDE'
set -eu
work="$1"
bw="$work/prefix/bin/bootwire"
"$bw" flash --port virtual:qcc743,wire=instant --config Examples/qcc743/flash_prog_cfg.ini --quiet
folder="$("$bw" emulate usb-shim-path)"
test "$folder" = "$work/prefix/lib/bootwire" || { echo "tarball: usb-shim-path said $folder" >&2; exit 1; }
test -e "$folder/libusb-1.0.so.0" || { echo "tarball: no libusb-1.0.so.0 in $folder" >&2; exit 1; }
if command -v python3 > /dev/null; then
  socket="$work/usb.sock"
  "$bw" emulate usb dfu-l476 --socket "$socket" > /dev/null &
  server=$!
  for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
  BOOTWIRE_USB_SOCKET="$socket" LD_LIBRARY_PATH="$folder" python3 -c '
import ctypes
usb = ctypes.CDLL("libusb-1.0.so.0")
context = ctypes.c_void_p()
assert usb.libusb_init(ctypes.byref(context)) == 0, "libusb_init"
devices = ctypes.POINTER(ctypes.c_void_p)()
count = usb.libusb_get_device_list(context, ctypes.byref(devices))
assert count == 1, "devices listed: %d" % count
'
  kill "$server"
  wait "$server" || true
fi
INSIDE
unshare -m sh -c "mount -t tmpfs none '$swift_root' && env -i PATH=/usr/bin:/bin HOME='$work' sh '$work/inside.sh' '$work'"
test -f "$work/prefix/share/man/man1/bootwire.1"
echo "tarball: $(basename "$tarball") runs with the toolchain out of reach (flashed virtual:qcc743; the libusb stand-in found and loaded)"
